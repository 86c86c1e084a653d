package spec

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/iampolicy"
)

// The registry: section describes settings that belong to the registry (one
// account in one region) rather than to a repository. Each key is managed
// only when present: a spec without it never reads or writes the setting,
// because these are singletons that another team or stack may own.

// RegistrySettings is the registry: section of a spec.
type RegistrySettings struct {
	Line              int
	Scanning          *RegistryScanning      // nil = unmanaged
	Replication       *Replication           // nil = unmanaged; no Rules = no replication
	Policy            *PolicySetting         // nil = unmanaged; Document nil = none (same forms as repositoryPolicy)
	PullThroughCache  []PullThroughCacheRule // only listed prefixes are managed; nil = key absent (unmanaged, never read)
	CreationTemplates []CreationTemplate     // only listed prefixes are managed; nil = key absent
}

// RegistryScanning is the registry scanning configuration
// (PutRegistryScanningConfiguration). It cannot be deleted in ECR, only put
// back to BASIC with no rules.
type RegistryScanning struct {
	Type  string         // BASIC | ENHANCED
	Rules []ScanningRule // empty = no rules
}

// ScanningRule is one registry scanning rule: a frequency for the
// repositories its filters match. ECR's rules override a repository's own
// scanOnPush.
type ScanningRule struct {
	Frequency string   // SCAN_ON_PUSH | CONTINUOUS_SCAN | MANUAL
	Filters   []string // WILDCARD filters, sorted, deduplicated
}

// Replication is the registry replication configuration
// (PutReplicationConfiguration).
type Replication struct{ Rules []ReplicationRule }

// ReplicationRule replicates the repositories its filters match to every
// destination.
type ReplicationRule struct {
	Destinations []ReplicationDestination
	Filters      []string // PREFIX_MATCH, sorted; empty = every repository
}

// ReplicationDestination is one registry images are copied to.
type ReplicationDestination struct {
	Region  string
	Account string // "" = this registry's account (filled in by the engine)
}

// PullThroughCacheRule is one pull-through cache rule, keyed by Prefix.
type PullThroughCacheRule struct {
	Prefix string // ecrRepositoryPrefix, or ROOT
	Line   int
	Absent bool // state: absent
	// "" = not set. UpstreamRegistry is inferred from UpstreamURL when the
	// spec leaves it out.
	UpstreamURL, UpstreamRegistry, CredentialArn, CustomRoleArn, UpstreamRepositoryPrefix string
}

// CreationTemplate is one repository creation template, keyed by Prefix: the
// settings ECR gives the repositories it creates itself (on push,
// replication, pull-through cache). It does not inherit the file's defaults:
// those are for repositories.
type CreationTemplate struct {
	Prefix      string // or ROOT
	Line        int
	Absent      bool
	AppliedFor  []string // sorted: CREATE_ON_PUSH | PULL_THROUGH_CACHE | REPLICATION
	Description string
	// The repository fields, parsed by the same code as a repository's; nil/"" = not set.
	ImageTagMutability string
	ExclusionFilters   []string
	Encryption         *Encryption
	Lifecycle          *LifecycleSetting
	Policy             *PolicySetting
	Tags               map[string]string
	CustomRoleArn      string
}

// Scan types and frequencies accepted by PutRegistryScanningConfiguration.
const (
	ScanBasic          = "BASIC"
	ScanEnhanced       = "ENHANCED"
	ScanOnPushFreq     = "SCAN_ON_PUSH"
	ContinuousScanFreq = "CONTINUOUS_SCAN"
	ManualScanFreq     = "MANUAL"
)

// Root is the prefix of a pull-through cache rule or creation template that
// covers every repository.
const Root = "ROOT"

// What a creation template is applied for.
const (
	AppliedCreateOnPush     = "CREATE_ON_PUSH"
	AppliedPullThroughCache = "PULL_THROUGH_CACHE"
	AppliedReplication      = "REPLICATION"
)

// keyHints explain keys a mapping lacks on purpose, where "did you mean"
// would mislead; check uses them for unknown keys.
var keyHints = map[reflect.Type]map[string]string{
	reflect.TypeOf(rawCreationTemplate{}): {
		"scanOnPush": "; a creation template has no scanOnPush: registry.scanning rules decide how the repositories ECR creates are scanned",
	},
}

type rawRegistry struct {
	Scanning          *rawScanning          `yaml:"scanning"`
	Replication       *rawReplication       `yaml:"replication"`
	Policy            yaml.Node             `yaml:"policy"`
	PullThroughCache  []rawPullThroughCache `yaml:"pullThroughCache"`
	CreationTemplates []rawCreationTemplate `yaml:"creationTemplates"`
}

type rawScanning struct {
	Type  string            `yaml:"type"`
	Rules []rawScanningRule `yaml:"rules"`
}

type rawScanningRule struct {
	Frequency string   `yaml:"frequency"`
	Filters   []string `yaml:"filters"`
}

type rawReplication struct {
	Rules []rawReplicationRule `yaml:"rules"`
}

type rawReplicationRule struct {
	Destinations []rawDestination `yaml:"destinations"`
	Filters      []string         `yaml:"filters"`
}

type rawDestination struct {
	Region  string `yaml:"region"`
	Account string `yaml:"account"`
}

type rawPullThroughCache struct {
	Prefix                   string `yaml:"prefix"`
	State                    string `yaml:"state"`
	UpstreamURL              string `yaml:"upstreamUrl"`
	UpstreamRegistry         string `yaml:"upstreamRegistry"`
	CredentialArn            string `yaml:"credentialArn"`
	CustomRoleArn            string `yaml:"customRoleArn"`
	UpstreamRepositoryPrefix string `yaml:"upstreamRepositoryPrefix"`
}

type rawCreationTemplate struct {
	Prefix            string   `yaml:"prefix"`
	State             string   `yaml:"state"`
	AppliedFor        []string `yaml:"appliedFor"`
	Description       string   `yaml:"description"`
	CustomRoleArn     string   `yaml:"customRoleArn"`
	rawCommonSettings `yaml:",inline"`
}

// Input rules of ECR's registry APIs (docs/validation-sources.md).
var (
	// scanFilterRE is a WILDCARD scanning filter (ScanningRepositoryFilter).
	scanFilterRE = regexp.MustCompile(`^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$`)
	// prefixFilterRE is a PREFIX_MATCH replication filter (RepositoryFilter).
	prefixFilterRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$`)
	// namePrefixRE is a pull-through cache or creation template prefix.
	namePrefixRE = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*/?$`)
	// secretARNRE is a Secrets Manager secret ECR may read upstream
	// credentials from: its name must start with ecr-pullthroughcache/.
	secretARNRE = regexp.MustCompile(`^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache/[a-zA-Z0-9/_+=.@-]+$`)
	// templateKMSKeyRE is the key a creation template accepts: a full key
	// ARN (no alias, no bare key id).
	templateKMSKeyRE = regexp.MustCompile(`^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+$`)
	// ecrHostRE is a private ECR registry host: ACCOUNT.dkr.ecr.REGION.amazonaws.com.
	ecrHostRE = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-[0-9]+)\.amazonaws\.com(?:\.cn)?$`)
)

// ECR's limits on the registry settings.
const (
	maxScanningRules           = 2
	maxScanningFilters         = 100
	maxReplicationRules        = 10
	maxReplicationDests        = 25 // across all rules
	maxReplicationFilters      = 100
	maxTemplateDescription     = 256
	maxTemplatePrefix          = 256
	minPTCPrefix, maxPTCPrefix = 2, 30
	maxCustomRoleArn           = 2048
)

// upstreams maps each upstreamRegistry value to the host ECR expects in
// upstreamUrl ("" for ecr and azure-container-registry, whose hosts vary),
// and whether ECR needs a Secrets Manager credential for it.
var upstreams = map[string]struct {
	host       string
	credential bool
}{
	"docker-hub":                {"registry-1.docker.io", true},
	"github-container-registry": {"ghcr.io", true},
	"gitlab-container-registry": {"registry.gitlab.com", true},
	"azure-container-registry":  {"", true}, // NAME.azurecr.io
	"chainguard":                {"cgr.dev", true},
	"quay":                      {"quay.io", false},
	"k8s":                       {"registry.k8s.io", false},
	"ecr-public":                {"public.ecr.aws", false},
	"ecr":                       {"", false}, // ACCOUNT.dkr.ecr.REGION.amazonaws.com; a role, not a secret
}

// upstreamOf infers upstreamRegistry from an upstream URL; "" when the
// host is none ECR supports.
func upstreamOf(url string) string {
	for name, u := range upstreams {
		if u.host != "" && url == u.host {
			return name
		}
	}
	switch {
	case ecrHostRE.MatchString(url):
		return "ecr"
	case strings.HasSuffix(url, ".azurecr.io") && len(url) > len(".azurecr.io"):
		return "azure-container-registry"
	}
	return ""
}

// upstreamURLHost is the host of an upstreamUrl: ECR documents the bare
// host, and an https:// before it or a / after it says the same.
func upstreamURLHost(url string) string {
	return strings.TrimSuffix(strings.TrimPrefix(url, "https://"), "/")
}

// upstreamHost says which upstreamUrl a kind of upstream takes, for messages.
func upstreamHost(name string) string {
	switch name {
	case "ecr":
		return "ACCOUNT.dkr.ecr.REGION.amazonaws.com"
	case "azure-container-registry":
		return "NAME.azurecr.io"
	}
	return upstreams[name].host
}

// registry builds and validates the registry: section of root (nil when
// absent). f holds the file's account and region, which the source of
// replication and the accounts of roles are checked against.
func (l *loader) registry(root *yaml.Node, raw *rawRegistry, f *File) *RegistrySettings {
	n := child(root, "registry")
	if n == nil || raw == nil {
		return nil // a null registry: is reported by check
	}
	const field = "registry"
	rs := &RegistrySettings{Line: keyLine(root, field)} // the registry: key, where people look for the section
	if raw.Scanning != nil {
		rs.Scanning = l.scanning(child(n, "scanning"), field+".scanning", raw.Scanning)
	}
	if raw.Replication != nil {
		rs.Replication = l.replication(child(n, "replication"), field+".replication", raw.Replication, f)
	}
	if pn := child(n, "policy"); pn != nil && !isNull(pn) {
		pp := l.policyDocWith(pn, field+".policy", iampolicy.Document.ValidateRegistry)
		if pp.ok {
			rs.Policy = &PolicySetting{Document: pp.doc}
		}
	}
	if raw.PullThroughCache != nil {
		rs.PullThroughCache = []PullThroughCacheRule{}
		list := child(n, "pullThroughCache")
		seen := map[string]int{}
		for i := range raw.PullThroughCache {
			node := itemNode(list, i)
			r := l.pullThroughCache(node, fmt.Sprintf("%s.pullThroughCache[%d]", field, i), &raw.PullThroughCache[i], f, seen)
			rs.PullThroughCache = append(rs.PullThroughCache, r)
		}
	}
	if raw.CreationTemplates != nil {
		rs.CreationTemplates = []CreationTemplate{}
		list := child(n, "creationTemplates")
		seen := map[string]int{}
		for i := range raw.CreationTemplates {
			node := itemNode(list, i)
			ct := l.creationTemplate(node, fmt.Sprintf("%s.creationTemplates[%d]", field, i), &raw.CreationTemplates[i], f, seen)
			rs.CreationTemplates = append(rs.CreationTemplates, ct)
		}
	}
	return rs
}

func (l *loader) scanning(n *yaml.Node, field string, s *rawScanning) *RegistryScanning {
	sc := &RegistryScanning{Type: s.Type, Rules: []ScanningRule{}}
	typeOK := false
	if l.required(n, "type", field+".type", s.Type, "use BASIC or ENHANCED") {
		switch s.Type {
		case ScanBasic, ScanEnhanced:
			typeOK = true
		default:
			l.add(child(n, "type"), field+".type", fmt.Sprintf("%q is not a scan type; use BASIC or ENHANCED", s.Type))
		}
	}
	rules := child(n, "rules")
	if len(s.Rules) > maxScanningRules {
		l.add(rules, field+".rules", fmt.Sprintf("%d rules given; ECR allows at most %d registry scanning rules", len(s.Rules), maxScanningRules))
	}
	for i, r := range s.Rules {
		rn := itemNode(rules, i)
		rfield := fmt.Sprintf("%s.rules[%d]", field, i)
		if l.required(rn, "frequency", rfield+".frequency", r.Frequency, "use SCAN_ON_PUSH or CONTINUOUS_SCAN") {
			fn := child(rn, "frequency")
			switch {
			case r.Frequency != ScanOnPushFreq && r.Frequency != ContinuousScanFreq && r.Frequency != ManualScanFreq:
				l.add(fn, rfield+".frequency", fmt.Sprintf("%q is not a scan frequency; use SCAN_ON_PUSH or CONTINUOUS_SCAN", r.Frequency))
			case r.Frequency == ManualScanFreq:
				l.add(fn, rfield+".frequency", "ECR takes no MANUAL rules: a repository no rule matches is scanned only on request already; remove the rule, or use SCAN_ON_PUSH or CONTINUOUS_SCAN")
			case typeOK && s.Type == ScanBasic && r.Frequency != ScanOnPushFreq:
				l.add(fn, rfield+".frequency", fmt.Sprintf("BASIC scanning takes only SCAN_ON_PUSH rules, not %s; use SCAN_ON_PUSH or change type to ENHANCED", r.Frequency))
			}
		}
		l.ruleFilters(rn, rfield, r.Filters, maxScanningFilters, func(f string) bool {
			return len(f) >= 1 && len(f) <= 255 && scanFilterRE.MatchString(f)
		}, "is not a WILDCARD filter: 1 to 255 lowercase letters, digits, . _ - / and * wildcards, starting and ending with a letter, digit or *")
		sc.Rules = append(sc.Rules, ScanningRule{Frequency: r.Frequency, Filters: sortedSet(r.Filters)})
	}
	return sc
}

func (l *loader) replication(n *yaml.Node, field string, r *rawReplication, f *File) *Replication {
	rep := &Replication{Rules: []ReplicationRule{}}
	rules := child(n, "rules")
	if rules == nil {
		l.add(n, field+".rules", "missing; list the replication rules, or give rules: [] for no replication")
	}
	if len(r.Rules) > maxReplicationRules {
		l.add(rules, field+".rules", fmt.Sprintf("%d rules given; ECR allows at most %d replication rules", len(r.Rules), maxReplicationRules))
	}
	total := 0
	for i, rr := range r.Rules {
		rn := itemNode(rules, i)
		rfield := fmt.Sprintf("%s.rules[%d]", field, i)
		dl := child(rn, "destinations")
		if len(rr.Destinations) == 0 && !isNullNode(dl) {
			l.add(rn, rfield+".destinations", "a rule needs at least one destination {region, account}")
		}
		total += len(rr.Destinations)
		if total > maxReplicationDests && total-len(rr.Destinations) <= maxReplicationDests {
			l.add(dl, rfield+".destinations", fmt.Sprintf("%d destinations in all up to this rule; ECR allows at most %d across all replication rules", total, maxReplicationDests))
		}
		rule := ReplicationRule{Filters: sortedSet(rr.Filters)}
		seen := map[ReplicationDestination]int{}
		for j, d := range rr.Destinations {
			dn := itemNode(dl, j)
			dfield := fmt.Sprintf("%s.destinations[%d]", rfield, j)
			ok := true
			if l.required(dn, "region", dfield+".region", d.Region, "name the region to replicate to, e.g. us-east-1") {
				if !regionRE.MatchString(d.Region) || len(d.Region) > 25 {
					l.add(child(dn, "region"), dfield+".region", fmt.Sprintf("%q is not an AWS region name like us-east-1", d.Region))
					ok = false
				}
			} else {
				ok = false
			}
			if d.Account != "" && !accountIDRE.MatchString(d.Account) {
				l.add(child(dn, "account"), dfield+".account", fmt.Sprintf("%q is not a 12-digit AWS account id; quote it so YAML keeps leading zeros", d.Account))
				ok = false
			}
			dest := ReplicationDestination(d)
			// (regions: is checked by replicationToOwnRegion, for every region.)
			if ok && f.Region != "" && d.Region == f.Region && (d.Account == "" || d.Account == targetAccount(f)) {
				l.add(dn, dfield, fmt.Sprintf("replicates to this registry itself (%s); ECR rejects a destination equal to the source: name another region or account", describeRegistry(targetAccount(f), d.Region)))
			}
			if prev, dup := seen[dest]; dup && ok {
				l.add(dn, dfield, fmt.Sprintf("is listed twice in this rule (first as destinations[%d]); keep one", prev))
			} else {
				seen[dest] = j
			}
			rule.Destinations = append(rule.Destinations, dest)
		}
		l.ruleFilters(rn, rfield, rr.Filters, maxReplicationFilters, func(f string) bool {
			return len(f) >= 2 && len(f) <= 256 && prefixFilterRE.MatchString(f)
		}, "is not a PREFIX_MATCH filter: the start of a repository name, 2 to 256 lowercase letters, digits, . _ - and / (no wildcards)")
		rep.Rules = append(rep.Rules, rule)
	}
	return rep
}

// ruleFilters checks the filters of a scanning or replication rule: at most
// maxN, each one valid; bad says what a bad one is not.
func (l *loader) ruleFilters(rn *yaml.Node, rfield string, filters []string, maxN int, valid func(string) bool, bad string) {
	fl := child(rn, "filters")
	if len(filters) > maxN {
		l.add(fl, rfield+".filters", fmt.Sprintf("%d filters given; ECR allows at most %d a rule", len(filters), maxN))
	}
	for j, flt := range filters {
		if !valid(flt) {
			l.add(itemNode(fl, j), fmt.Sprintf("%s.filters[%d]", rfield, j), fmt.Sprintf("%q %s", flt, bad))
		}
	}
}

func describeRegistry(account, region string) string {
	if account == "" {
		return "region " + region + ", this account"
	}
	return "account " + account + ", region " + region
}

func (l *loader) pullThroughCache(node *yaml.Node, field string, rp *rawPullThroughCache, f *File, seen map[string]int) PullThroughCacheRule {
	r := PullThroughCacheRule{
		Prefix: rp.Prefix, Line: node.Line, UpstreamURL: rp.UpstreamURL, UpstreamRegistry: rp.UpstreamRegistry,
		CredentialArn: rp.CredentialArn, CustomRoleArn: rp.CustomRoleArn, UpstreamRepositoryPrefix: rp.UpstreamRepositoryPrefix,
	}
	field = l.keyedField(node, field, "prefix", rp.Prefix, seen, minPTCPrefix, maxPTCPrefix,
		"a pull-through cache prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces")
	r.Prefix = keyPrefix(rp.Prefix)
	r.Absent = l.state(node, field, rp.State)
	if r.Absent {
		return r // only the prefix matters: the rule is deleted
	}
	// Which upstream: given, or inferred from the URL.
	var kind string
	urlNode, regNode := child(node, "upstreamUrl"), child(node, "upstreamRegistry")
	if rp.UpstreamRegistry != "" {
		if _, ok := upstreams[rp.UpstreamRegistry]; ok {
			kind = rp.UpstreamRegistry
		} else {
			l.add(regNode, field+".upstreamRegistry", fmt.Sprintf("%q is not an upstream ECR supports; use %s", rp.UpstreamRegistry, strings.Join(slices.Sorted(maps.Keys(upstreams)), ", ")))
		}
	}
	if l.required(node, "upstreamUrl", field+".upstreamUrl", rp.UpstreamURL, "give the upstream registry's host, e.g. registry-1.docker.io") {
		host := upstreamURLHost(rp.UpstreamURL)
		inferred := upstreamOf(host)
		switch {
		case strings.Contains(host, "://") || strings.Contains(host, "/"):
			l.add(urlNode, field+".upstreamUrl", fmt.Sprintf("%q: give the registry's host (https:// may come before it), without a path, e.g. registry-1.docker.io", rp.UpstreamURL))
		case host == "docker.io" || host == "index.docker.io":
			l.add(urlNode, field+".upstreamUrl", fmt.Sprintf("%q: ECR takes Docker Hub as registry-1.docker.io", rp.UpstreamURL))
		case kind != "" && inferred != kind:
			l.add(urlNode, field+".upstreamUrl", fmt.Sprintf("%q is not a host of %s: it takes %s; fix upstreamUrl or upstreamRegistry", rp.UpstreamURL, kind, upstreamHost(kind)))
		case kind == "" && rp.UpstreamRegistry == "" && inferred == "":
			l.add(urlNode, field+".upstreamUrl", fmt.Sprintf("%q is not an upstream ECR supports; use registry-1.docker.io, ghcr.io, registry.gitlab.com, NAME.azurecr.io, cgr.dev, quay.io, registry.k8s.io, public.ecr.aws or ACCOUNT.dkr.ecr.REGION.amazonaws.com", rp.UpstreamURL))
		case kind == "" && rp.UpstreamRegistry == "":
			kind = inferred
			r.UpstreamRegistry = inferred
		}
	}
	if rp.CredentialArn != "" && (!secretARNRE.MatchString(rp.CredentialArn) || len(rp.CredentialArn) < 50 || len(rp.CredentialArn) > 612) {
		l.add(child(node, "credentialArn"), field+".credentialArn", fmt.Sprintf("%q is not a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/, like arn:aws:secretsmanager:us-west-2:111122223333:secret:ecr-pullthroughcache/docker-hub", rp.CredentialArn))
	}
	if kind != "" {
		switch u := upstreams[kind]; {
		case u.credential && rp.CredentialArn == "":
			l.add(node, field+".credentialArn", fmt.Sprintf("missing; ECR needs a Secrets Manager secret (named ecr-pullthroughcache/...) with the credentials for %s", kind))
		case kind == "ecr" && rp.CredentialArn != "":
			l.add(child(node, "credentialArn"), field+".credentialArn", "an ECR upstream authenticates with customRoleArn, not a secret; remove credentialArn")
		}
	}
	if kind != "ecr" && kind != "" {
		for _, k := range []string{"customRoleArn", "upstreamRepositoryPrefix"} {
			if n := child(node, k); n != nil && !isNull(n) {
				l.add(n, field+"."+k, fmt.Sprintf("only an ECR upstream (ACCOUNT.dkr.ecr.REGION.amazonaws.com) takes %s, not %s; remove it", k, kind))
			}
		}
	}
	if rp.CustomRoleArn != "" {
		l.roleARN(child(node, "customRoleArn"), field+".customRoleArn", rp.CustomRoleArn, targetAccount(f))
	}
	if own := targetAccount(f); kind == "ecr" && rp.CustomRoleArn == "" && own != "" {
		if m := ecrHostRE.FindStringSubmatch(upstreamURLHost(rp.UpstreamURL)); m != nil && m[1] != own {
			l.add(node, field+".customRoleArn", fmt.Sprintf("missing; the upstream registry is in another account (%s), so ECR needs an IAM role in this account that may pull from it", m[1]))
		}
	}
	if p := rp.UpstreamRepositoryPrefix; p != "" && p != Root && (len(p) < minPTCPrefix || len(p) > maxPTCPrefix || !namePrefixRE.MatchString(p)) {
		l.add(child(node, "upstreamRepositoryPrefix"), field+".upstreamRepositoryPrefix",
			fmt.Sprintf("%q is not a repository prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces", p))
	}
	return r
}

// creationTemplate builds one template. Its repository fields go through the
// same code as a repository's, with empty defaults: templates do not
// inherit defaults:.
func (l *loader) creationTemplate(node *yaml.Node, field string, rt *rawCreationTemplate, f *File, seen map[string]int) CreationTemplate {
	ct := CreationTemplate{
		Prefix: rt.Prefix, Line: node.Line, AppliedFor: sortedSet(rt.AppliedFor),
		Description: rt.Description, CustomRoleArn: rt.CustomRoleArn,
	}
	field = l.keyedField(node, field, "prefix", rt.Prefix, seen, 1, maxTemplatePrefix,
		"a creation template prefix: ROOT, or lowercase letters and digits with . _ - separators and / namespaces (at most 256 characters)")
	ct.Prefix = keyPrefix(rt.Prefix)
	ct.Absent = l.state(node, field, rt.State)
	s := &rawSettings{rawCommonSettings: rt.rawCommonSettings}
	var r Repository
	l.checkSettings(node, field, s)
	l.resolve(node, field, &r, s, &rawSettings{}, nil)
	l.resolvePolicy(node, field, &r, s, &rawSettings{}, nil, policyPart{})
	if lc, set := l.lifecycleRef(child(node, "lifecyclePolicy"), field+".lifecyclePolicy", f.LifecyclePolicies); set {
		r.Lifecycle = lc
	}
	ct.ImageTagMutability, ct.ExclusionFilters = r.ImageTagMutability, r.ExclusionFilters
	ct.Encryption, ct.Lifecycle, ct.Policy, ct.Tags = r.Encryption, r.Lifecycle, r.Policy, r.Tags

	an := child(node, "appliedFor")
	switch {
	case an == nil && !ct.Absent:
		l.add(node, field+".appliedFor", "missing; list when ECR applies the template: CREATE_ON_PUSH, PULL_THROUGH_CACHE, REPLICATION")
	case an != nil && !isNull(an) && len(rt.AppliedFor) == 0:
		l.add(an, field+".appliedFor", "is empty; list at least one of CREATE_ON_PUSH, PULL_THROUGH_CACHE, REPLICATION")
	}
	first := map[string]int{}
	for i, a := range rt.AppliedFor {
		at := itemNode(an, i)
		afield := fmt.Sprintf("%s.appliedFor[%d]", field, i)
		switch a {
		case AppliedCreateOnPush, AppliedPullThroughCache, AppliedReplication:
			if j, dup := first[a]; dup {
				l.add(at, afield, fmt.Sprintf("%s is listed twice (first as appliedFor[%d]); keep one", a, j))
			} else {
				first[a] = i
			}
		default:
			l.add(at, afield, fmt.Sprintf("%q is not a creation scenario; use CREATE_ON_PUSH, PULL_THROUGH_CACHE or REPLICATION", a))
		}
	}
	if n := utf8.RuneCountInString(rt.Description); n > maxTemplateDescription {
		l.add(child(node, "description"), field+".description", fmt.Sprintf("is %d characters; ECR allows at most %d", n, maxTemplateDescription))
	}
	if e := rt.Encryption; e != nil && e.KMSKey != "" && (e.Type == KMS || e.Type == KMSDSSE) && !templateKMSKeyRE.MatchString(e.KMSKey) {
		l.add(child(child(node, "encryption"), "kmsKey"), field+".encryption.kmsKey",
			fmt.Sprintf("%q: a creation template takes the full key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias or a bare key id", e.KMSKey))
	}
	if rt.CustomRoleArn != "" {
		l.roleARN(child(node, "customRoleArn"), field+".customRoleArn", rt.CustomRoleArn, targetAccount(f))
	} else if !ct.Absent {
		var needs []string
		if len(rt.Tags) > 0 {
			needs = append(needs, "tags")
		}
		if e := rt.Encryption; e != nil && e.KMSKey != "" && (e.Type == KMS || e.Type == KMSDSSE) {
			needs = append(needs, "a KMS key")
		}
		if len(needs) > 0 {
			l.add(node, field+".customRoleArn", fmt.Sprintf("missing; a template that sets %s needs a role ECR assumes to create the repositories (with ecr:CreateRepository, ecr:TagResource and kms:CreateGrant as needed)", strings.Join(needs, " and ")))
		}
	}
	return ct
}

// keyPrefix is a rule's or template's prefix as ecrctl sends and compares
// it: without the trailing / that ECR implies, so that "team/" in the spec
// matches the rule ECR lists whichever form it stores.
func keyPrefix(p string) string {
	if p == Root {
		return p
	}
	return strings.TrimSuffix(p, "/")
}

// keyedField checks the key of a pull-through cache rule or creation
// template (ROOT or a name prefix, unique in the list) and returns the
// field path naming it, like repositories[2] (app).
func (l *loader) keyedField(node *yaml.Node, field, key, value string, seen map[string]int, minLen, maxLen int, what string) string {
	if !l.required(node, key, field+"."+key, value, "give "+what) {
		return field
	}
	kn := child(node, key)
	if value != Root && (len(value) < minLen || len(value) > maxLen || !namePrefixRE.MatchString(value)) {
		l.add(kn, field+"."+key, fmt.Sprintf("%q is not %s", value, what))
		return field
	}
	// A / is implied at the end: prod and prod/ are the same prefix.
	norm := strings.TrimSuffix(value, "/")
	if prev, dup := seen[norm]; dup {
		l.add(kn, field+"."+key, fmt.Sprintf("%q is listed twice (first at line %d); merge the entries", value, prev))
	} else {
		seen[norm] = kn.Line
	}
	return fmt.Sprintf("%s (%s)", field, value)
}

// state reads state: present (the default) or absent.
func (l *loader) state(node *yaml.Node, field, state string) (absent bool) {
	switch sn := child(node, "state"); {
	case sn == nil, isNull(sn), state == "present": // a null state is reported by check
	case state == "absent":
		return true
	case state == "":
		l.add(sn, field+".state", "is empty; use present or absent, or remove the key (present is the default)")
	default:
		l.add(sn, field+".state", fmt.Sprintf("%q is not a state; use present or absent", state))
	}
	return false
}

// roleARN checks an IAM role ARN that ECR assumes; ECR requires the role to
// be in the registry's own account.
func (l *loader) roleARN(n *yaml.Node, field, arn, account string) {
	m := roleARNRE.FindStringSubmatch(arn)
	switch {
	case m == nil || len(arn) > maxCustomRoleArn:
		l.add(n, field, fmt.Sprintf("%q is not an IAM role ARN like arn:aws:iam::111122223333:role/NAME", arn))
	case account != "" && m[2] != account:
		l.add(n, field, fmt.Sprintf("the role is in account %s, but ECR only assumes a role in the registry's own account (%s)", m[2], account))
	}
}

// required reports a missing or empty string field and returns whether it
// has a value. what says what to give.
func (l *loader) required(node *yaml.Node, key, field, value, what string) bool {
	if value != "" {
		return true
	}
	switch n := child(node, key); {
	case n == nil:
		l.add(node, field, "missing; "+what)
	case n.Kind == yaml.ScalarNode && !isNull(n): // a null is reported by check
		l.add(n, field, "is empty; "+what)
	}
	return false
}

// itemNode is element i of list, or list itself when it has no such element.
func itemNode(list *yaml.Node, i int) *yaml.Node {
	if n := child(list, "["+strconv.Itoa(i)+"]"); n != nil {
		return n
	}
	return list
}

// sortedSet returns s sorted and without duplicates; nil stays nil.
func sortedSet(s []string) []string {
	if s == nil {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(s)))
}
