package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// The registry-level half of Diff. Each setting the registry: section
// manages becomes one ResourceChange (the three singletons) or one per
// listed prefix (pull-through cache rules, creation templates), compared by
// meaning: filters and destinations as sets, policies by IAM equivalence,
// lifecycle policies parsed.
//
// Changes come in the order apply makes them: creation templates first, so
// that the repositories ECR creates for pull-through cache and replication
// get them; then the registry policy, scanning, pull-through cache rules and
// replication. All of them run before any repository change (apply.go).

// registryPlan is what diffRegistry adds to a plan.
type registryPlan struct {
	changes            []ResourceChange
	unmanagedPTC       []string
	unmanagedTemplates []string
	warnings           []string
}

func (df *differ) diffRegistry(f *spec.File, live *Live) registryPlan {
	var out registryPlan
	rs, rl := f.Registry, live.Registry
	if rs == nil || rl == nil {
		return out // no registry: section, or nothing of it was read
	}
	var ptc []ResourceChange
	if rs.PullThroughCache != nil {
		byPrefix := map[string]*types.PullThroughCacheRule{}
		for i := range rl.PullThroughCache {
			byPrefix[aws.ToString(rl.PullThroughCache[i].EcrRepositoryPrefix)] = &rl.PullThroughCache[i]
		}
		listed := map[string]bool{}
		for i := range rs.PullThroughCache {
			d := &rs.PullThroughCache[i]
			listed[d.Prefix] = true
			ptc = append(ptc, diffPullThroughCacheRule(d, byPrefix[d.Prefix]))
		}
		for p := range byPrefix {
			if !listed[p] {
				out.unmanagedPTC = append(out.unmanagedPTC, p)
			}
		}
		sort.Strings(out.unmanagedPTC)
		sortByName(ptc)
	}
	if rs.CreationTemplates != nil {
		byPrefix := map[string]*types.RepositoryCreationTemplate{}
		for i := range rl.CreationTemplates {
			byPrefix[aws.ToString(rl.CreationTemplates[i].Prefix)] = &rl.CreationTemplates[i]
		}
		listed := map[string]bool{}
		var tcs []ResourceChange
		for i := range rs.CreationTemplates {
			d := &rs.CreationTemplates[i]
			listed[d.Prefix] = true
			tcs = append(tcs, df.diffCreationTemplate(d, byPrefix[d.Prefix]))
		}
		for p := range byPrefix {
			if !listed[p] {
				out.unmanagedTemplates = append(out.unmanagedTemplates, p)
			}
		}
		sort.Strings(out.unmanagedTemplates)
		sortByName(tcs)
		out.changes = append(out.changes, tcs...)
	}
	if rs.Policy != nil {
		out.changes = append(out.changes, df.diffRegistryPolicy(rs.Policy, rl.Policy))
	}
	if rs.Scanning != nil {
		out.changes = append(out.changes, diffScanning(rs.Scanning, rl.Scanning))
	}
	out.changes = append(out.changes, ptc...)
	if rs.Replication != nil {
		out.changes = append(out.changes, diffReplication(rs.Replication, rl.Replication, live.RegistryID))
	}
	out.warnings = append(creatorWarnings(f, live), crossAccountNotes(f, live)...)
	return out
}

func sortByName(cs []ResourceChange) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
}

func registryChange(typ, name string) ResourceChange {
	addr := typ
	if name != "" {
		addr += "." + name
	}
	return ResourceChange{Address: addr, Type: typ, Name: name, Changes: []AttributeChange{}, Steps: []Step{}}
}

// settle sets the action of an in-place change from its steps.
func settle(c *ResourceChange) {
	c.Actions = []Action{NoOp}
	if len(c.Steps) > 0 {
		c.Actions = []Action{Update}
	}
}

// ---- scanning ----

// scanRules is a scanning configuration by meaning: each frequency's
// filters as a sorted set (two rules of one frequency act as one).
func desiredScanRules(s *spec.RegistryScanning) map[string][]string {
	m := map[string][]string{}
	for _, r := range s.Rules {
		m[r.Frequency] = append(m[r.Frequency], r.Filters...)
	}
	for k, v := range m {
		m[k] = sortedSet(v)
	}
	return m
}

func liveScanRules(c *types.RegistryScanningConfiguration) (string, map[string][]string) {
	m := map[string][]string{}
	if c == nil {
		return spec.ScanBasic, m // a registry that was never configured scans BASIC, without rules
	}
	for _, r := range c.Rules {
		f := string(r.ScanFrequency)
		for _, rf := range r.RepositoryFilters {
			m[f] = append(m[f], aws.ToString(rf.Filter))
		}
		if _, ok := m[f]; !ok {
			m[f] = []string{}
		}
	}
	for k, v := range m {
		m[k] = sortedSet(v)
	}
	typ := string(c.ScanType)
	if typ == "" {
		typ = spec.ScanBasic
	}
	return typ, m
}

func sortedSet(v []string) []string {
	out := slices.Clone(v)
	sort.Strings(out)
	return slices.Compact(out)
}

// diffScanning treats the spec's scanning configuration as the whole
// configuration: a live rule it does not list is removed, and said so.
func diffScanning(want *spec.RegistryScanning, have *types.RegistryScanningConfiguration) ResourceChange {
	c := registryChange(TypeRegistryScanning, "")
	haveType, haveRules := liveScanRules(have)
	wantRules := desiredScanRules(want)
	if want.Type != haveType {
		c.Changes = append(c.Changes, AttributeChange{Path: "scanType", Before: haveType, After: want.Type})
	}
	var removed []string
	for _, freq := range sortedKeysOf(wantRules, haveRules) {
		w, wok := wantRules[freq]
		h, hok := haveRules[freq]
		if wok && hok && slices.Equal(w, h) {
			continue
		}
		ch := AttributeChange{Path: "rules." + freq}
		if hok {
			ch.Before = h
			if !wok {
				removed = append(removed, fmt.Sprintf("%s on %s", freq, filterList(h)))
			}
		}
		if wok {
			ch.After = w
		}
		c.Changes = append(c.Changes, ch)
	}
	if len(c.Changes) > 0 {
		step := Step{Operation: OpPutRegistryScanningConfiguration, ScanType: want.Type}
		for _, r := range want.Rules {
			step.ScanningRules = append(step.ScanningRules, ScanningRuleStep{Frequency: r.Frequency, Filters: sortedSet(r.Filters)})
		}
		c.Steps = []Step{step}
	}
	if len(removed) > 0 {
		c.Reason = fmt.Sprintf("registry.scanning is the whole configuration: it removes the live %s %s, which the spec does not list",
			format.Plural(len(removed), "rule", "rules"), strings.Join(removed, " and "))
	}
	settle(&c)
	return c
}

func filterList(filters []string) string {
	if len(filters) == 0 {
		return "no filters"
	}
	return "[" + strings.Join(filters, ", ") + "]"
}

func sortedKeysOf[V any](ms ...map[string]V) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			set[k] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// ---- replication ----

// replicationRules normalises rules for comparison by meaning: each rule's
// destinations and filters as sorted sets, and a destination without an
// account in this registry's account.
func desiredReplicationRules(r *spec.Replication, registryID string) []ReplicationRuleStep {
	out := make([]ReplicationRuleStep, 0, len(r.Rules))
	for _, rule := range r.Rules {
		s := ReplicationRuleStep{Filters: sortedSet(rule.Filters)}
		for _, d := range rule.Destinations {
			acct := d.Account
			if acct == "" {
				acct = registryID
			}
			s.Destinations = append(s.Destinations, ReplicationDestination{Region: d.Region, RegistryID: acct})
		}
		s.Destinations = sortedDestinations(s.Destinations)
		if len(s.Filters) == 0 {
			s.Filters = nil
		}
		out = append(out, s)
	}
	return out
}

func liveReplicationRules(c *types.ReplicationConfiguration) []ReplicationRuleStep {
	if c == nil {
		return nil
	}
	out := make([]ReplicationRuleStep, 0, len(c.Rules))
	for _, rule := range c.Rules {
		var s ReplicationRuleStep
		for _, f := range rule.RepositoryFilters {
			s.Filters = append(s.Filters, aws.ToString(f.Filter))
		}
		s.Filters = sortedSet(s.Filters)
		if len(s.Filters) == 0 {
			s.Filters = nil
		}
		for _, d := range rule.Destinations {
			s.Destinations = append(s.Destinations, ReplicationDestination{Region: aws.ToString(d.Region), RegistryID: aws.ToString(d.RegistryId)})
		}
		s.Destinations = sortedDestinations(s.Destinations)
		out = append(out, s)
	}
	return out
}

func sortedDestinations(ds []ReplicationDestination) []ReplicationDestination {
	sort.Slice(ds, func(i, j int) bool { return ds[i].String() < ds[j].String() })
	return slices.Compact(ds)
}

func (r ReplicationRuleStep) value() map[string]any {
	dests := make([]any, len(r.Destinations))
	for i, d := range r.Destinations {
		dests[i] = map[string]any{"region": d.Region, "registryId": d.RegistryID}
	}
	v := map[string]any{"destinations": dests}
	if len(r.Filters) > 0 {
		v["filters"] = toAny(r.Filters)
	}
	return v
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// diffReplication compares the rules as a set (ECR applies every rule a
// repository matches, so their order means nothing) and treats the spec's
// rules as the whole configuration.
func diffReplication(want *spec.Replication, have *types.ReplicationConfiguration, registryID string) ResourceChange {
	c := registryChange(TypeReplication, "")
	wantRules := desiredReplicationRules(want, registryID)
	haveRules := liveReplicationRules(have)
	key := func(r ReplicationRuleStep) string { return r.String() }
	wantKeys, haveKeys := map[string]bool{}, map[string]bool{}
	for _, r := range wantRules {
		wantKeys[key(r)] = true
	}
	var removed []string
	for _, r := range haveRules {
		haveKeys[key(r)] = true
		if !wantKeys[key(r)] {
			c.Changes = append(c.Changes, AttributeChange{Path: "rule", Before: r.value()})
			removed = append(removed, "the rule "+r.String())
		}
	}
	for _, r := range wantRules {
		if !haveKeys[key(r)] {
			c.Changes = append(c.Changes, AttributeChange{Path: "rule", After: r.value()})
		}
	}
	if len(c.Changes) > 0 {
		c.Steps = []Step{{Operation: OpPutReplicationConfiguration, ReplicationRules: wantRules}}
	}
	if len(removed) > 0 {
		c.Reason = "registry.replication is the whole configuration: it removes " + strings.Join(removed, " and ") +
			", which the spec does not list; images already replicated stay"
	}
	settle(&c)
	return c
}

// ---- registry policy ----

func (df *differ) diffRegistryPolicy(want *spec.PolicySetting, have *string) ResourceChange {
	c := registryChange(TypeRegistryPolicy, "")
	c.Actions = []Action{NoOp}
	ch, s, changed := df.policyChange(want, have)
	if !changed {
		return c
	}
	ch.Path = "policy"
	switch {
	case want.Document == nil:
		c.Actions = []Action{Delete}
		c.Reason = "policy: none; the registry policy is deleted"
		s = Step{Operation: OpDeleteRegistryPolicy}
	case have == nil:
		c.Actions = []Action{Create}
		s.Operation = OpPutRegistryPolicy
	default:
		c.Actions = []Action{Update}
		s.Operation = OpPutRegistryPolicy
	}
	c.Changes, c.Steps = []AttributeChange{ch}, []Step{s}
	return c
}

// ---- pull-through cache rules ----

// normalURL compares upstream URLs as ECR treats them: without scheme,
// trailing slash or case.
func normalURL(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return strings.TrimRight(u, "/")
}

// ptcField is one attribute of a pull-through cache rule: what the spec
// says ("" = not set, so not managed) and what ECR holds.
type ptcField struct {
	path       string
	want, have string
	inPlace    bool // UpdatePullThroughCacheRule can change it
	// liveMayOmit: ECR reports the field empty for some rules (upstreamRegistry
	// of rules created before ECR recorded it), so an empty live value is
	// no difference: the upstream URL already says which registry it is.
	liveMayOmit bool
	same        func(a, b string) bool
}

func ptcFields(d *spec.PullThroughCacheRule, lr *types.PullThroughCacheRule) []ptcField {
	eq := func(a, b string) bool { return a == b }
	fs := []ptcField{
		{path: "upstreamRegistryUrl", want: d.UpstreamURL, same: func(a, b string) bool { return normalURL(a) == normalURL(b) }},
		{path: "upstreamRegistry", want: d.UpstreamRegistry, liveMayOmit: true, same: eq},
		{path: "upstreamRepositoryPrefix", want: d.UpstreamRepositoryPrefix, same: eq},
		{path: "credentialArn", want: d.CredentialArn, inPlace: true, same: eq},
		{path: "customRoleArn", want: d.CustomRoleArn, inPlace: true, same: eq},
	}
	if lr != nil {
		fs[0].have = aws.ToString(lr.UpstreamRegistryUrl)
		fs[1].have = string(lr.UpstreamRegistry)
		fs[2].have = aws.ToString(lr.UpstreamRepositoryPrefix)
		fs[3].have = aws.ToString(lr.CredentialArn)
		fs[4].have = aws.ToString(lr.CustomRoleArn)
	}
	return fs
}

// ptcCreateStep sends the upstream as the bare host ECR documents: the spec
// may write https:// before it or / after it, which ECR's URL check need
// not take (the fake refuses them, as UnsupportedUpstreamRegistryException).
func ptcCreateStep(d *spec.PullThroughCacheRule) Step {
	return Step{
		Operation: OpCreatePullThroughCacheRule, Prefix: d.Prefix,
		UpstreamRegistryURL: strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(d.UpstreamURL), "https://"), "/"),
		UpstreamRegistry:    d.UpstreamRegistry, UpstreamRepositoryPrefix: d.UpstreamRepositoryPrefix,
		CredentialArn: d.CredentialArn, CustomRoleArn: d.CustomRoleArn,
	}
}

// ptcStays is said of every change that deletes a pull-through cache rule:
// ECR keeps what it cached.
func ptcStays(prefix string) string {
	return fmt.Sprintf("the repositories it cached under %s and their images stay", ptcNamespace(prefix))
}

func ptcNamespace(prefix string) string {
	if prefix == spec.Root {
		return "the registry's root"
	}
	return prefix + "/"
}

// diffPullThroughCacheRule compares the attributes the spec sets (one it
// leaves unset is not managed). credentialArn and customRoleArn change in
// place; any other change is a replacement, which needs --allow-replace:
// between the delete and the create, pulls through the prefix fail.
func diffPullThroughCacheRule(d *spec.PullThroughCacheRule, lr *types.PullThroughCacheRule) ResourceChange {
	c := registryChange(TypePullThroughCacheRule, d.Prefix)
	switch {
	case d.Absent && lr == nil:
		c.Actions = []Action{NoOp}
		c.Reason = "state: absent, and the rule does not exist"
		return c
	case d.Absent:
		c.Actions = []Action{Delete}
		c.Changes = []AttributeChange{{Path: "upstreamRegistryUrl", Before: aws.ToString(lr.UpstreamRegistryUrl)}}
		c.Steps = []Step{{Operation: OpDeletePullThroughCacheRule, Prefix: d.Prefix}}
		c.Reason = fmt.Sprintf("state: absent; %s, but images not cached yet can no longer be pulled through it", ptcStays(d.Prefix))
		return c
	case lr == nil:
		c.Actions = []Action{Create}
		for _, f := range ptcFields(d, nil) {
			if f.want != "" {
				c.Changes = append(c.Changes, AttributeChange{Path: f.path, After: f.want})
			}
		}
		c.Steps = []Step{ptcCreateStep(d)}
		return c
	}
	replace, inPlace := false, false
	for _, f := range ptcFields(d, lr) {
		if f.want == "" || f.same(f.want, f.have) || (f.liveMayOmit && f.have == "") {
			continue
		}
		c.Changes = append(c.Changes, AttributeChange{Path: f.path, Before: nilIfEmptyString(f.have), After: f.want, ForcesReplacement: !f.inPlace})
		if f.inPlace {
			inPlace = true
		} else {
			replace = true
		}
	}
	switch {
	case replace:
		// The new rule has exactly what the spec says: show what it loses.
		for _, f := range ptcFields(d, lr) {
			if f.want == "" && f.have != "" && f.path != "upstreamRegistry" {
				c.Changes = append(c.Changes, AttributeChange{Path: f.path, Before: f.have})
			}
		}
		c.Actions = []Action{Delete, Create}
		c.Steps = []Step{{Operation: OpDeletePullThroughCacheRule, Prefix: d.Prefix}, ptcCreateStep(d)}
		c.Requires = []string{FlagAllowReplace}
		c.Reason = fmt.Sprintf("ECR changes only credentialArn and customRoleArn of a pull-through cache rule in place: the rule is deleted and created again; %s, and pulls of images not cached yet fail between the two calls", ptcStays(d.Prefix))
		return c
	case inPlace:
		step := Step{Operation: OpUpdatePullThroughCacheRule, Prefix: d.Prefix, CredentialArn: aws.ToString(lr.CredentialArn), CustomRoleArn: aws.ToString(lr.CustomRoleArn)}
		if d.CredentialArn != "" {
			step.CredentialArn = d.CredentialArn
		}
		if d.CustomRoleArn != "" {
			step.CustomRoleArn = d.CustomRoleArn
		}
		c.Steps = []Step{step}
	}
	settle(&c)
	return c
}

// ---- repository creation templates ----

// diffCreationTemplate compares the fields the spec sets; as for a
// repository, a field it leaves unset is not managed. ECR's documentation
// does not say whether UpdateRepositoryCreationTemplate keeps or resets a
// field it is not sent (Terraform sends only what changed; the fake resets),
// so an update sends the whole template: the managed fields as the spec says,
// the others as ECR holds them. Either way the template ends up as planned.
func (df *differ) diffCreationTemplate(d *spec.CreationTemplate, lt *types.RepositoryCreationTemplate) ResourceChange {
	c := registryChange(TypeCreationTemplate, d.Prefix)
	switch {
	case d.Absent && lt == nil:
		c.Actions = []Action{NoOp}
		c.Reason = "state: absent, and the template does not exist"
		return c
	case d.Absent:
		c.Actions = []Action{Delete}
		c.Changes = []AttributeChange{{Path: "appliedFor", Before: templateAppliedFor(lt)}}
		c.Steps = []Step{{Operation: OpDeleteRepositoryCreationTemplate, Prefix: d.Prefix}}
		c.Reason = "state: absent; repositories already created from the template keep their settings and images"
		return c
	case lt == nil:
		c.Actions = []Action{Create}
		c.Changes, c.Steps = df.createTemplate(d)
		return c
	}
	step := carriedTemplate(lt)
	changed := false
	add := func(path string, before, after any) {
		c.Changes = append(c.Changes, AttributeChange{Path: path, Before: before, After: after})
		changed = true
	}
	if len(d.AppliedFor) > 0 {
		if have := templateAppliedFor(lt); !slices.Equal(sortedSet(d.AppliedFor), have) {
			add("appliedFor", nilIfEmpty(have), sortedSet(d.AppliedFor))
			step.AppliedFor = sortedSet(d.AppliedFor)
		}
	}
	if d.Description != "" && d.Description != aws.ToString(lt.Description) {
		add("description", nilIfEmptyString(aws.ToString(lt.Description)), d.Description)
		step.Description = aws.String(d.Description)
	}
	if d.ImageTagMutability != "" {
		haveMut, haveFilters := string(lt.ImageTagMutability), templateExclusionFilters(lt)
		if haveMut == "" {
			haveMut = spec.Mutable
		}
		mutChanged, filtersChanged := d.ImageTagMutability != haveMut, !slices.Equal(d.ExclusionFilters, haveFilters)
		if mutChanged {
			add("imageTagMutability", haveMut, d.ImageTagMutability)
		}
		if filtersChanged {
			add("imageTagMutabilityExclusionFilters", nilIfEmpty(haveFilters), nilIfEmpty(d.ExclusionFilters))
		}
		if mutChanged || filtersChanged {
			step.ImageTagMutability, step.ExclusionFilters = d.ImageTagMutability, d.ExclusionFilters
		}
	}
	if d.Encryption != nil {
		haveType, haveKey := spec.AES256, ""
		if e := lt.EncryptionConfiguration; e != nil {
			haveType, haveKey = string(e.EncryptionType), aws.ToString(e.KmsKey)
		}
		if d.Encryption.Type != haveType || (d.Encryption.KMSKey != "" && d.Encryption.KMSKey != haveKey) {
			if d.Encryption.Type != haveType {
				add("encryption.type", haveType, d.Encryption.Type)
			}
			if d.Encryption.KMSKey != "" && d.Encryption.KMSKey != haveKey {
				add("encryption.kmsKey", nilIfEmptyString(haveKey), d.Encryption.KMSKey)
			}
			step.Encryption = d.Encryption
		}
	}
	// The repository comparisons serve: a template's policies are the texts
	// a repository's would be, and "" (DeleteXxx's step) clears one.
	if d.Lifecycle != nil {
		if ch, s, ok := df.lifecycleChange(d.Lifecycle, nonEmpty(lt.LifecyclePolicy)); ok {
			c.Changes = append(c.Changes, ch)
			changed = true
			step.LifecyclePolicyText = &s.PolicyText
		}
	}
	if d.Policy != nil {
		if ch, s, ok := df.policyChange(d.Policy, nonEmpty(lt.RepositoryPolicy)); ok {
			c.Changes = append(c.Changes, ch)
			changed = true
			step.RepositoryPolicyText = &s.PolicyText
		}
	}
	if d.Tags != nil {
		have := templateTags(lt)
		if tc, _ := tagChanges(d.Tags, have); len(tc) > 0 {
			c.Changes = append(c.Changes, tc...)
			changed = true
			tags := maps.Clone(d.Tags)
			if tags == nil {
				tags = map[string]string{}
			}
			step.ResourceTags = &tags
		}
	}
	if d.CustomRoleArn != "" && d.CustomRoleArn != aws.ToString(lt.CustomRoleArn) {
		add("customRoleArn", nilIfEmptyString(aws.ToString(lt.CustomRoleArn)), d.CustomRoleArn)
		step.CustomRoleArn = d.CustomRoleArn
	}
	if changed {
		c.Steps = []Step{step}
	}
	settle(&c)
	return c
}

// carriedTemplate is the update of lt that changes nothing: every field ECR
// holds, as it holds it. A field lt does not have is not sent (nil): left
// out, it stays unset whether ECR keeps or resets what it is not sent, and
// ECR may refuse an empty policy text.
func carriedTemplate(lt *types.RepositoryCreationTemplate) Step {
	s := Step{
		Operation: OpUpdateRepositoryCreationTemplate, Prefix: aws.ToString(lt.Prefix),
		AppliedFor: templateAppliedFor(lt), Description: lt.Description,
		ImageTagMutability: string(lt.ImageTagMutability), ExclusionFilters: templateExclusionFilters(lt),
		CustomRoleArn:       aws.ToString(lt.CustomRoleArn),
		LifecyclePolicyText: nonEmpty(lt.LifecyclePolicy), RepositoryPolicyText: nonEmpty(lt.RepositoryPolicy),
	}
	if e := lt.EncryptionConfiguration; e != nil && e.EncryptionType != "" {
		s.Encryption = &spec.Encryption{Type: string(e.EncryptionType), KMSKey: aws.ToString(e.KmsKey)}
	}
	if len(lt.ResourceTags) > 0 {
		tags := templateTags(lt)
		s.ResourceTags = &tags
	}
	return s
}

func (df *differ) createTemplate(d *spec.CreationTemplate) ([]AttributeChange, []Step) {
	var cs []AttributeChange
	add := func(path string, after any) { cs = append(cs, AttributeChange{Path: path, After: after}) }
	step := Step{Operation: OpCreateRepositoryCreationTemplate, Prefix: d.Prefix, AppliedFor: sortedSet(d.AppliedFor),
		ImageTagMutability: d.ImageTagMutability, ExclusionFilters: d.ExclusionFilters, Encryption: d.Encryption, CustomRoleArn: d.CustomRoleArn}
	add("appliedFor", sortedSet(d.AppliedFor))
	if d.Description != "" {
		add("description", d.Description)
		step.Description = aws.String(d.Description)
	}
	if d.ImageTagMutability != "" {
		add("imageTagMutability", d.ImageTagMutability)
		if len(d.ExclusionFilters) > 0 {
			add("imageTagMutabilityExclusionFilters", d.ExclusionFilters)
		}
	}
	if d.Encryption != nil {
		add("encryption.type", d.Encryption.Type)
		if d.Encryption.KMSKey != "" {
			add("encryption.kmsKey", d.Encryption.KMSKey)
		}
	}
	if d.Lifecycle != nil && d.Lifecycle.Policy != nil {
		text := df.lifecycleText(d.Lifecycle.Policy)
		add("lifecyclePolicy", df.value(text))
		step.LifecyclePolicyText = &text
	}
	if d.Policy != nil && d.Policy.Document != nil {
		text := df.documentText(d.Policy.Document)
		add("repositoryPolicy", df.value(text))
		step.RepositoryPolicyText = &text
	}
	for _, k := range sortedKeys(d.Tags) {
		add("tags."+k, d.Tags[k])
	}
	if len(d.Tags) > 0 {
		tags := maps.Clone(d.Tags)
		step.ResourceTags = &tags
	}
	if d.CustomRoleArn != "" {
		add("customRoleArn", d.CustomRoleArn)
	}
	return cs, []Step{step}
}

func templateAppliedFor(lt *types.RepositoryCreationTemplate) []string {
	out := make([]string, 0, len(lt.AppliedFor))
	for _, a := range lt.AppliedFor {
		out = append(out, string(a))
	}
	return sortedSet(out)
}

func templateExclusionFilters(lt *types.RepositoryCreationTemplate) []string {
	var out []string
	for _, f := range lt.ImageTagMutabilityExclusionFilters {
		out = append(out, aws.ToString(f.Filter))
	}
	sort.Strings(out)
	return out
}

func templateTags(lt *types.RepositoryCreationTemplate) map[string]string {
	out := map[string]string{}
	for _, t := range lt.ResourceTags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// nonEmpty reads a template's policy text: ECR may report "no policy" as
// an empty string.
func nonEmpty(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	return s
}
