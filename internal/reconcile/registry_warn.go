package reconcile

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// What the registry settings do to repositories that the spec cannot see
// from the repositories alone: scanning rules that override a repository's
// scanOnPush, repositories ECR creates without a creation template, and
// cross-account replication that needs the destination's permission.

// Scan frequencies: ECR applies the strongest rule that matches a
// repository, continuous scanning before scan on push.
const (
	freqContinuous = spec.ContinuousScanFreq
	freqOnPush     = spec.ScanOnPushFreq
	freqManual     = spec.ManualScanFreq
)

// scanningInForce is the registry scanning configuration that holds after
// apply: the spec's when it manages it, else the live one when it was read.
type scanningInForce struct {
	typ     string
	rules   map[string][]string // frequency -> filters
	managed bool
}

func scanningAfterApply(f *spec.File, live *Live) *scanningInForce {
	switch {
	case f.Registry == nil:
		return nil
	case f.Registry.Scanning != nil:
		return &scanningInForce{typ: f.Registry.Scanning.Type, rules: desiredScanRules(f.Registry.Scanning), managed: true}
	case live.Registry != nil && live.Registry.ScanningRead:
		typ, rules := liveScanRules(live.Registry.Scanning)
		return &scanningInForce{typ: typ, rules: rules}
	}
	return nil
}

// decides reports whether the registry configuration, not the repository's
// own scanOnPush, decides how a repository is scanned: ECR ignores the
// repository setting once the registry has scanning rules, or scans
// ENHANCED (Amazon Inspector) at all.
func (s *scanningInForce) decides() bool {
	return s != nil && (s.typ == spec.ScanEnhanced || len(s.rules) > 0)
}

// frequencyOf is how ECR scans repository name under the configuration, and
// the rule filter that decides it ("" when no rule matches: BASIC then
// scans only manually, ENHANCED not at all).
func (s *scanningInForce) frequencyOf(name string) (freq, filter string) {
	for _, fr := range []string{freqContinuous, freqOnPush, freqManual} {
		for _, flt := range s.rules[fr] {
			if ecrapi.ScanFilterMatches(flt, name) {
				return fr, flt
			}
		}
	}
	return "", ""
}

// scanOverrides names the managed repositories whose scanOnPush the
// registry's scanning configuration overrides: Diff does not compare their
// scanOnPush (setting it would change nothing ECR does, a perpetual diff),
// and warns where the repository asks for something else than it gets.
func scanOverrides(f *spec.File, live *Live) (map[string]bool, []string) {
	if live.Registry != nil && live.Registry.ScanningDenied {
		return nil, []string{"the registry's scanning configuration could not be read (access denied), so this plan does not check whether its rules override a repository's scanOnPush; allow ecr:GetRegistryScanningConfiguration to check it"}
	}
	s := scanningAfterApply(f, live)
	if !s.decides() {
		return nil, nil
	}
	over := map[string]bool{}
	var warns []string
	whose := "the registry's scanning configuration (not managed by this spec)"
	if s.managed {
		whose = "registry.scanning"
	}
	for _, d := range f.Repositories {
		if d.Absent || d.ScanOnPush == nil {
			continue
		}
		over[d.Name] = true
		freq, filter := s.frequencyOf(d.Name)
		onPush := freq == freqOnPush || freq == freqContinuous
		if onPush == *d.ScanOnPush {
			continue
		}
		var w string
		switch {
		case freq != "":
			w = fmt.Sprintf("repository %q: scanOnPush %t has no effect: the %s rule %s with filter %q in %s matches it and wins, so %s. Remove scanOnPush from the repository, or change the rule",
				d.Name, *d.ScanOnPush, s.typ, freq, filter, whose, scannedAs(freq))
		case s.typ == spec.ScanEnhanced:
			w = fmt.Sprintf("repository %q: scanOnPush %t has no effect: %s scans ENHANCED and no rule matches it, so its images are not scanned at all. Add a filter matching it to a SCAN_ON_PUSH or CONTINUOUS_SCAN rule, or remove scanOnPush",
				d.Name, *d.ScanOnPush, whose)
		default:
			w = fmt.Sprintf("repository %q: scanOnPush %t has no effect: %s has rules and none matches it, so its images are scanned only when a scan is started by hand. Add a filter matching it to the SCAN_ON_PUSH rule, or remove scanOnPush",
				d.Name, *d.ScanOnPush, whose)
		}
		warns = append(warns, w)
	}
	return over, warns
}

func scannedAs(freq string) string {
	switch freq {
	case freqContinuous:
		return "its images are scanned on push and continuously"
	case freqOnPush:
		return "its images are scanned on push"
	}
	return "its images are scanned only when a scan is started by hand"
}

// templateCover is one creation template as far as coverage goes.
type templateCover struct {
	prefix     string
	appliedFor []string
}

// knownTemplates are the creation templates after apply, when ecrctl knows
// them (creationTemplates is managed): the spec's, and the live ones it does
// not list.
func knownTemplates(f *spec.File, live *Live) ([]templateCover, bool) {
	if f.Registry.CreationTemplates == nil {
		return nil, false
	}
	var out []templateCover
	listed := map[string]bool{}
	for _, t := range f.Registry.CreationTemplates {
		listed[t.Prefix] = true
		if !t.Absent {
			out = append(out, templateCover{t.Prefix, t.AppliedFor})
		}
	}
	if live.Registry != nil {
		for _, lt := range live.Registry.CreationTemplates {
			if p := aws.ToString(lt.Prefix); !listed[p] {
				out = append(out, templateCover{p, templateAppliedFor(&lt)})
			}
		}
	}
	return out, true
}

// covers reports whether a template applied for use covers every
// repository whose name starts with namePrefix ("" = any name). A template
// with prefix P applies to names starting P/; ROOT to all.
func covers(ts []templateCover, use, namePrefix string) bool {
	for _, t := range ts {
		if !slices.Contains(t.appliedFor, use) {
			continue
		}
		if t.prefix == spec.Root || (namePrefix != "" && strings.HasPrefix(namePrefix, t.prefix+"/")) {
			return true
		}
	}
	return false
}

const ecrDefaults = "ECR's defaults: MUTABLE tags, AES256 encryption, no lifecycle policy, no repository policy and no tags (scanning follows the registry's scanning configuration)"

const templateFields = "imageTagMutability, encryption, lifecyclePolicy, repositoryPolicy or access, and tags"

// creatorWarnings warns about the pull-through cache rules and the
// same-account replication of the spec that make ECR create repositories no
// creation template covers.
func creatorWarnings(f *spec.File, live *Live) []string {
	rs := f.Registry
	type creator struct{ what, use, suggest string }
	var uncovered []creator
	ts, known := knownTemplates(f, live)
	for _, r := range rs.PullThroughCache {
		if r.Absent {
			continue
		}
		namePrefix := r.Prefix + "/"
		if r.Prefix == spec.Root {
			namePrefix = ""
		}
		if !covers(ts, spec.AppliedPullThroughCache, namePrefix) {
			suggest := r.Prefix
			if r.Prefix == spec.Root {
				suggest = spec.Root
			}
			uncovered = append(uncovered, creator{fmt.Sprintf("pull-through cache rule %q", r.Prefix), spec.AppliedPullThroughCache, suggest})
		}
	}
	if rs.Replication != nil {
		for _, rule := range desiredReplicationRules(rs.Replication, live.RegistryID) {
			var regions []string
			for _, d := range rule.Destinations {
				if d.RegistryID == live.RegistryID {
					regions = append(regions, d.Region)
				}
			}
			if len(regions) == 0 {
				continue
			}
			prefixes := rule.Filters
			if len(prefixes) == 0 {
				prefixes = []string{""}
			}
			for _, p := range prefixes {
				if covers(ts, spec.AppliedReplication, p) {
					continue
				}
				what := fmt.Sprintf("replication to %s in this account", strings.Join(regions, ", "))
				suggest := spec.Root
				if p != "" {
					what += fmt.Sprintf(" (repositories starting %q)", p)
					if i := strings.LastIndex(p, "/"); i > 0 {
						suggest = p[:i]
					}
				}
				uncovered = append(uncovered, creator{what + "; ECR applies the destination registry's templates, so declare the template in the spec of each destination region", spec.AppliedReplication, suggest})
			}
		}
	}
	if len(uncovered) == 0 {
		return nil
	}
	if !known {
		var whats []string
		for _, c := range uncovered {
			whats = append(whats, strings.SplitN(c.what, ";", 2)[0])
		}
		return []string{fmt.Sprintf("%s %s repositories, and registry.creationTemplates is not in the spec, so ecrctl did not read the creation templates and cannot tell whether one covers them; without one they get %s. Add registry.creationTemplates to have this checked",
			strings.Join(whats, " and "), format.Plural(len(whats), "creates", "create"), ecrDefaults)}
	}
	var warns []string
	for _, c := range uncovered {
		warns = append(warns, fmt.Sprintf("%s: no creation template with appliedFor %s covers the repositories it creates, so they get %s. Add a creationTemplates entry with prefix %s (or ROOT), appliedFor [%s], and the fields they need: %s",
			c.what, c.use, ecrDefaults, c.suggest, c.use, templateFields))
	}
	return warns
}

// crossAccountNotes tell, for each cross-account replication destination
// the plan adds, the registry policy statement the destination needs: ECR
// replicates into another account only when that registry allows it.
func crossAccountNotes(f *spec.File, live *Live) []string {
	if f.Registry.Replication == nil || live.RegistryID == "" {
		return nil
	}
	var have []ReplicationRuleStep
	if live.Registry != nil {
		have = liveReplicationRules(live.Registry.Replication)
	}
	existing := map[ReplicationDestination]bool{}
	for _, r := range have {
		for _, d := range r.Destinations {
			existing[d] = true
		}
	}
	added := map[ReplicationDestination]bool{}
	for _, r := range desiredReplicationRules(f.Registry.Replication, live.RegistryID) {
		for _, d := range r.Destinations {
			if d.RegistryID != live.RegistryID && !existing[d] {
				added[d] = true
			}
		}
	}
	dests := make([]ReplicationDestination, 0, len(added))
	for d := range added {
		dests = append(dests, d)
	}
	sort.Slice(dests, func(i, j int) bool { return dests[i].String() < dests[j].String() })
	var notes []string
	for _, d := range dests {
		notes = append(notes, fmt.Sprintf("replication to account %s in %s: ECR replicates into another account only when the destination registry's policy allows it. Add this statement to the registry policy of account %s in %s (registry.policy in its spec): %s",
			d.RegistryID, d.Region, d.RegistryID, d.Region, ReplicationStatement(live.RegistryID, d)))
	}
	return notes
}

// ReplicationStatement is the registry policy statement a destination
// registry needs so that source account may replicate into it.
func ReplicationStatement(source string, d ReplicationDestination) string {
	st := map[string]any{
		"Sid":       "ReplicationFrom" + source,
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + source + ":root"},
		"Action":    []string{"ecr:CreateRepository", "ecr:ReplicateImage"},
		"Resource":  fmt.Sprintf("arn:%s:ecr:%s:%s:repository/*", partitionOf(d.Region), d.Region, d.RegistryID),
	}
	b, _ := json.Marshal(st) // plain maps of strings
	return string(b)
}

// partitionOf is the ARN partition of a region.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
