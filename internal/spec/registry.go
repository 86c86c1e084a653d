package spec

import (
	"fmt"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/lifecycle"
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

// registry builds the registry: section (n is its node; nil when absent).
// Validation is in the check* functions below, each reporting at the
// offending value.
func (l *loader) registry(n *yaml.Node, raw *rawRegistry, named map[string]*lifecycle.Policy) *RegistrySettings {
	if n == nil || raw == nil {
		return nil // a null registry: is reported by check
	}
	const field = "registry"
	rs := &RegistrySettings{Line: n.Line}
	if s := raw.Scanning; s != nil {
		sc := &RegistryScanning{Type: s.Type, Rules: []ScanningRule{}}
		for _, r := range s.Rules {
			sc.Rules = append(sc.Rules, ScanningRule{Frequency: r.Frequency, Filters: sortedSet(r.Filters)})
		}
		rs.Scanning = sc
	}
	if r := raw.Replication; r != nil {
		rep := &Replication{Rules: []ReplicationRule{}}
		for _, rr := range r.Rules {
			rule := ReplicationRule{Filters: sortedSet(rr.Filters)}
			for _, d := range rr.Destinations {
				rule.Destinations = append(rule.Destinations, ReplicationDestination(d))
			}
			rep.Rules = append(rep.Rules, rule)
		}
		rs.Replication = rep
	}
	if pn := child(n, "policy"); pn != nil && !isNull(pn) {
		pp := l.policyDoc(pn, field+".policy")
		if pp.ok {
			rs.Policy = &PolicySetting{Document: pp.doc}
		}
	}
	if raw.PullThroughCache != nil {
		rs.PullThroughCache = []PullThroughCacheRule{}
		list := child(n, "pullThroughCache")
		for i, rp := range raw.PullThroughCache {
			node := itemNode(list, i)
			rs.PullThroughCache = append(rs.PullThroughCache, PullThroughCacheRule{
				Prefix: rp.Prefix, Line: node.Line, Absent: rp.State == "absent",
				UpstreamURL: rp.UpstreamURL, UpstreamRegistry: rp.UpstreamRegistry,
				CredentialArn: rp.CredentialArn, CustomRoleArn: rp.CustomRoleArn,
				UpstreamRepositoryPrefix: rp.UpstreamRepositoryPrefix,
			})
		}
	}
	if raw.CreationTemplates != nil {
		rs.CreationTemplates = []CreationTemplate{}
		list := child(n, "creationTemplates")
		for i := range raw.CreationTemplates {
			rt := &raw.CreationTemplates[i]
			node := itemNode(list, i)
			tfield := fmt.Sprintf("%s.creationTemplates[%d]", field, i)
			rs.CreationTemplates = append(rs.CreationTemplates, l.creationTemplate(node, tfield, rt, named))
		}
	}
	return rs
}

// creationTemplate builds one template. Its repository fields go through the
// same code as a repository's, with empty defaults: templates do not
// inherit defaults:.
func (l *loader) creationTemplate(node *yaml.Node, field string, rt *rawCreationTemplate, named map[string]*lifecycle.Policy) CreationTemplate {
	ct := CreationTemplate{
		Prefix: rt.Prefix, Line: node.Line, Absent: rt.State == "absent",
		AppliedFor: sortedSet(rt.AppliedFor), Description: rt.Description, CustomRoleArn: rt.CustomRoleArn,
	}
	s := &rawSettings{rawCommonSettings: rt.rawCommonSettings}
	var r Repository
	l.checkSettings(node, field, s)
	l.resolve(node, field, &r, s, &rawSettings{}, nil)
	l.resolvePolicy(node, field, &r, s, &rawSettings{}, nil, policyPart{})
	if lc, set := l.lifecycleRef(child(node, "lifecyclePolicy"), field+".lifecyclePolicy", named); set {
		r.Lifecycle = lc
	}
	ct.ImageTagMutability, ct.ExclusionFilters = r.ImageTagMutability, r.ExclusionFilters
	ct.Encryption, ct.Lifecycle, ct.Policy, ct.Tags = r.Encryption, r.Lifecycle, r.Policy, r.Tags
	return ct
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
