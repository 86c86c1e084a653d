package adopt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// repoSettings is one repository's live state in spec terms. Each attribute
// has a key: two repositories share the attribute when the keys are equal.
// An attribute the spec cannot express has ok false and is left unmanaged.
type repoSettings struct {
	name string

	mutability, mutabilityKey string
	filters                   []string
	mutabilityOK              bool

	scanOnPush bool
	encryption spec.Encryption

	lifecycle    *lifecycle.Policy // nil: none
	lifecycleKey string
	lifecycleOK  bool

	policy    policySetting
	policyKey string
	policyOK  bool

	tags   map[string]string // without aws: tags
	tagsOK bool

	notes []string // why an attribute is left unmanaged
}

// policySetting is a repository policy as the spec writes it: none, or a
// document and/or the access shorthand (the document without the statements
// access generates).
type policySetting struct {
	none     bool
	document iampolicy.Document
	access   iampolicy.Access
}

// Generate renders the spec for repos (sorted by name) read from registry
// registryID in region. It is pure. The warnings name attributes left
// unmanaged because the spec cannot express them.
func Generate(region, registryID string, repos []*ecrapi.Repository) ([]byte, []string, error) {
	return generate(region, registryID, repos, nil)
}

// generate is Generate with the registry's own settings (reg nil: not
// read, no registry: section).
func generate(region, registryID string, repos []*ecrapi.Repository, reg *reconcile.RegistryLive) ([]byte, []string, error) {
	all := make([]*repoSettings, len(repos))
	var warnings []string
	for i, lr := range repos {
		all[i] = settingsOf(lr)
		for _, n := range all[i].notes {
			warnings = append(warnings, fmt.Sprintf("repository %q: %s", lr.Name, n))
		}
	}
	d := lift(all)
	names := namePolicies(all, d)

	var sections []*yaml.Node
	top := mapping()
	add(top, "version", intNode(1))
	if region != "" {
		add(top, "region", str(region))
	}
	if registryID != "" {
		add(top, "account", quoted(registryID))
	}
	sections = append(sections, top)
	if defaults := d.node(names); len(defaults.Content) > 0 {
		sec := mapping()
		add(sec, "defaults", defaults)
		sections = append(sections, sec)
	}
	if len(names.order) > 0 {
		policies := mapping()
		for _, key := range names.order {
			add(policies, names.byKey[key], lifecycleNode(names.policy[key]))
		}
		sec := mapping()
		add(sec, "lifecyclePolicies", policies)
		sections = append(sections, sec)
	}
	regNode, regWarnings := registryNode(reg, registryID, names)
	warnings = append(warnings, regWarnings...)
	if regNode != nil {
		sec := mapping()
		add(sec, "registry", regNode)
		sections = append(sections, sec)
	}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range all {
		list.Content = append(list.Content, s.node(d, names))
	}
	sec := mapping()
	add(sec, "repositories", list)
	sections = append(sections, sec)

	var out bytes.Buffer
	// Editors with the YAML language server then complete and check the file.
	fmt.Fprintf(&out, "# yaml-language-server: $schema=%s\n", spec.SchemaURL)
	fmt.Fprintf(&out, "# Written by `ecrctl import` from registry %s in %s: every attribute of\n", registryID, region)
	fmt.Fprintf(&out, "# %d %s is managed. Review it, commit it, and run `ecrctl plan`: it\n", len(all), format.Plural(len(all), "repository", "repositories"))
	out.WriteString("# shows \"No changes.\" until this file or the registry changes.\n")
	switch {
	case regNode != nil:
		out.WriteString(comment(fmt.Sprintf("registry: manages the registry's %s as they are now. Settings at ECR's defaults are left out, unmanaged (see `ecrctl import --help`).",
			strings.Join(registryFields(regNode), ", "))))
	case reg != nil && allRead(reg):
		out.WriteString("# The registry's own settings are at ECR's defaults, so there is no\n")
		out.WriteString("# registry: section and they stay unmanaged (see `ecrctl import --help`).\n")
	case reg != nil:
		out.WriteString("# No registry setting that could be read differs from ECR's defaults, so\n")
		out.WriteString("# there is no registry: section (see the import warnings for the rest).\n")
	}
	for _, n := range sections {
		out.WriteString("\n")
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		if err := enc.Encode(n); err != nil {
			return nil, nil, fmt.Errorf("rendering the spec: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, nil, fmt.Errorf("rendering the spec: %w", err)
		}
	}
	return out.Bytes(), warnings, nil
}

func settingsOf(lr *ecrapi.Repository) *repoSettings {
	s := &repoSettings{
		name:       lr.Name,
		mutability: lr.ImageTagMutability,
		filters:    slices.Clone(lr.ExclusionFilters),
		scanOnPush: lr.ScanOnPush,
		encryption: spec.Encryption{Type: lr.EncryptionType, KMSKey: lr.KMSKey},
		tags:       map[string]string{},
	}
	withExclusion := s.mutability == spec.ImmutableWithExclusion || s.mutability == spec.MutableWithExclusion
	s.mutabilityOK = withExclusion == (len(s.filters) > 0)
	if !s.mutabilityOK {
		s.notes = append(s.notes, fmt.Sprintf("imageTagMutability %s with exclusion filters %v is not a combination ECR accepts; imageTagMutability is left unmanaged", s.mutability, s.filters))
	}
	s.mutabilityKey = s.mutability + "|" + strings.Join(s.filters, ",")
	if s.encryption.Type == spec.AES256 {
		s.encryption.KMSKey = ""
	}
	for k, v := range lr.Tags {
		if !strings.HasPrefix(strings.ToLower(k), "aws:") {
			s.tags[k] = v
		}
	}
	s.tagsOK = true
	if err := checkTags(s.tags); err != nil {
		s.tagsOK = false
		s.notes = append(s.notes, fmt.Sprintf("the tags cannot be written in the spec (%v); tags are left unmanaged", err))
	}

	s.lifecycleOK = true
	s.lifecycleKey = spec.None
	if lr.Lifecycle != nil {
		p, err := lifecycle.Parse(*lr.Lifecycle)
		if err == nil {
			if issues := p.Validate(); len(issues) > 0 {
				err = issues[0]
			}
		}
		if err != nil {
			s.lifecycleOK = false
			s.notes = append(s.notes, fmt.Sprintf("the lifecycle policy cannot be written in the spec (%v); lifecyclePolicy is left unmanaged", err))
		} else {
			c := p.Canonical()
			s.lifecycle = &c
			s.lifecycleKey = c.JSON()
		}
	}

	s.policyOK = true
	if lr.Policy == nil {
		s.policy = policySetting{none: true}
		s.policyKey = spec.None
	} else {
		ps, err := policyOf(*lr.Policy)
		if err != nil {
			s.policyOK = false
			s.notes = append(s.notes, fmt.Sprintf("the repository policy cannot be written in the spec (%v); repositoryPolicy is left unmanaged", err))
		} else {
			s.policy = ps
			b, _ := json.Marshal(struct {
				D string
				A iampolicy.Access
			}{ps.document.JSON(), ps.access})
			s.policyKey = string(b)
		}
	}
	return s
}

// checkTags validates tags with the spec's own rules (ECR's, but an emulator
// may have stored others) by parsing a spec that holds only them.
func checkTags(tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	repo := mapping()
	add(repo, "name", str("tags-check"))
	add(repo, "tags", tagsNode(tags))
	doc := mapping()
	add(doc, "version", intNode(1))
	add(doc, "repositories", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{repo}})
	text, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = spec.Parse("tags", text)
	return err
}

// policyOf splits a live repository policy into the statements `access`
// generates and the rest, and keeps the split only when composing the two
// again gives a policy IAM treats as the same. Otherwise the whole document
// is written as repositoryPolicy.
func policyOf(text string) (policySetting, error) {
	doc, err := iampolicy.Parse(text)
	if err != nil {
		return policySetting{}, err
	}
	whole := policySetting{document: doc}
	if problems := doc.Validate(); len(problems) > 0 {
		return policySetting{}, problems[0]
	}
	split, ok := splitAccess(doc)
	if !ok {
		return whole, nil
	}
	if split.document != nil && len(split.document.Validate()) > 0 {
		return whole, nil
	}
	composed, err := iampolicy.Compose(split.document, split.access)
	if err != nil {
		return whole, nil
	}
	if eq, err := iampolicy.Equivalent(composed, doc); err != nil || !eq {
		return whole, nil
	}
	return split, nil
}

// splitAccess takes out the statements that have exactly the shape access
// renders (Sid EcrctlPull or EcrctlPush, Allow, AWS principals only, exactly
// the pull or push actions, nothing else). ok is false when there are none.
func splitAccess(doc iampolicy.Document) (policySetting, bool) {
	var stmts []any
	switch st := doc["Statement"].(type) {
	case []any:
		stmts = st
	case map[string]any:
		stmts = []any{st}
	default:
		return policySetting{}, false
	}
	var out policySetting
	var rest []any
	for _, el := range stmts {
		st, _ := el.(map[string]any)
		kind, principals := accessShape(st)
		switch kind {
		case iampolicy.PullSid:
			out.access.Pull = append(out.access.Pull, principals...)
		case iampolicy.PushSid:
			out.access.Push = append(out.access.Push, principals...)
		default:
			rest = append(rest, el)
		}
	}
	if out.access.IsZero() {
		return policySetting{}, false
	}
	out.access.Pull = slices.Compact(slices.Sorted(slices.Values(out.access.Pull)))
	out.access.Push = slices.Compact(slices.Sorted(slices.Values(out.access.Push)))
	if len(rest) > 0 {
		out.document = iampolicy.Document{}
		for k, v := range doc {
			out.document[k] = v
		}
		out.document["Statement"] = rest
		return out, true
	}
	// Without other statements, Compose writes Version 2012-10-17 and no
	// other top-level key; anything else has to stay a document.
	for k, v := range doc {
		if k != "Statement" && (k != "Version" || v != "2012-10-17") {
			return policySetting{}, false
		}
	}
	return out, true
}

// accessShape returns the Sid and the principals of a statement access would
// generate, or "" when st is any other statement.
func accessShape(st map[string]any) (string, []string) {
	if st == nil {
		return "", nil
	}
	sid, _ := st["Sid"].(string)
	var want []string
	switch sid {
	case iampolicy.PullSid:
		want = iampolicy.PullActions
	case iampolicy.PushSid:
		want = iampolicy.PushActions
	default:
		return "", nil
	}
	for k := range st {
		if k != "Sid" && k != "Effect" && k != "Principal" && k != "Action" {
			return "", nil
		}
	}
	if effect, _ := st["Effect"].(string); effect != "Allow" {
		return "", nil
	}
	actions, ok := stringList(st["Action"])
	if !ok || !slices.Equal(slices.Compact(slices.Sorted(slices.Values(actions))), want) {
		return "", nil
	}
	principal, ok := st["Principal"].(map[string]any)
	if !ok || len(principal) != 1 {
		return "", nil
	}
	aws, ok := stringList(principal["AWS"])
	if !ok || len(aws) == 0 {
		return "", nil
	}
	for i, p := range aws {
		p = shortPrincipal(p)
		if iampolicy.ValidatePrincipal(p) != nil {
			return "", nil
		}
		aws[i] = p
	}
	return sid, aws
}

// shortPrincipal writes an account root ARN in the aws partition as the bare
// account id, as people write it; ECR returns ids as root ARNs.
func shortPrincipal(p string) string {
	if id, ok := strings.CutPrefix(p, "arn:aws:iam::"); ok {
		if id, ok := strings.CutSuffix(id, ":root"); ok && len(id) == 12 && strings.Trim(id, "0123456789") == "" {
			return id
		}
	}
	return p
}

func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// defaults records which attributes all repositories share: those are
// written once under defaults and left out of each repository.
type defaults struct {
	rep *repoSettings // the first repository, holding the shared values

	mutability, scanOnPush, encryption, lifecycle, policy bool
	tags                                                  map[string]string // nil: no defaults.tags
}

// lift finds what every repository shares. With a single repository nothing
// is lifted: defaults would only move its settings away from its name.
func lift(all []*repoSettings) defaults {
	if len(all) < 2 {
		return defaults{}
	}
	d := defaults{rep: all[0], mutability: true, scanOnPush: true, encryption: true, lifecycle: true, policy: true}
	first := all[0]
	for _, s := range all {
		d.mutability = d.mutability && s.mutabilityOK && s.mutabilityKey == first.mutabilityKey
		d.scanOnPush = d.scanOnPush && s.scanOnPush == first.scanOnPush
		d.encryption = d.encryption && s.encryption == first.encryption
		d.lifecycle = d.lifecycle && s.lifecycleOK && s.lifecycleKey == first.lifecycleKey
		d.policy = d.policy && s.policyOK && s.policyKey == first.policyKey
	}
	// Tags merge key by key, so a pair every repository carries can be
	// lifted alone. Nothing in common and no tags anywhere: `tags: {}` once.
	shared := map[string]string{}
	for k, v := range first.tags {
		common := true
		for _, s := range all[1:] {
			if w, ok := s.tags[k]; !ok || w != v {
				common = false
				break
			}
		}
		if common {
			shared[k] = v
		}
	}
	anyTags, allOK := false, true
	for _, s := range all {
		anyTags = anyTags || len(s.tags) > 0
		allOK = allOK && s.tagsOK
	}
	if allOK && (len(shared) > 0 || !anyTags) {
		d.tags = shared
	}
	return d
}

// policyNames names the lifecycle policies that more than one repository
// uses (policy-1, policy-2, ... in order of first use); the others are
// written inline.
type policyNames struct {
	order  []string // keys in order of first use
	byKey  map[string]string
	policy map[string]*lifecycle.Policy
}

func namePolicies(all []*repoSettings, d defaults) policyNames {
	n := policyNames{byKey: map[string]string{}, policy: map[string]*lifecycle.Policy{}}
	uses := map[string]int{}
	for _, s := range all {
		if s.lifecycleOK && s.lifecycle != nil {
			uses[s.lifecycleKey]++
		}
	}
	for _, s := range all {
		k := s.lifecycleKey
		if s.lifecycle == nil || !s.lifecycleOK || uses[k] < 2 || n.byKey[k] != "" {
			continue
		}
		n.order = append(n.order, k)
		n.byKey[k] = "policy-" + strconv.Itoa(len(n.order))
		n.policy[k] = s.lifecycle
	}
	return n
}

func (d defaults) node(names policyNames) *yaml.Node {
	m := mapping()
	if d.rep == nil {
		return m
	}
	s := d.rep
	if d.mutability {
		s.addMutability(m)
	}
	if d.scanOnPush {
		add(m, "scanOnPush", boolNode(s.scanOnPush))
	}
	if d.encryption {
		add(m, "encryption", encryptionNode(s.encryption))
	}
	if d.lifecycle {
		s.addLifecycle(m, names)
	}
	if d.policy {
		s.addPolicy(m)
	}
	if d.tags != nil {
		add(m, "tags", tagsNode(d.tags))
	}
	return m
}

func (s *repoSettings) node(d defaults, names policyNames) *yaml.Node {
	m := mapping()
	nameNode := str(s.name)
	if len(s.notes) > 0 {
		nameNode.LineComment = "unmanaged: " + strings.Join(s.unmanaged(), ", ") + " (see the import warnings)"
	}
	add(m, "name", nameNode)
	if !d.mutability && s.mutabilityOK {
		s.addMutability(m)
	}
	if !d.scanOnPush {
		add(m, "scanOnPush", boolNode(s.scanOnPush))
	}
	if !d.encryption {
		add(m, "encryption", encryptionNode(s.encryption))
	}
	if !d.lifecycle && s.lifecycleOK {
		s.addLifecycle(m, names)
	}
	if !d.policy && s.policyOK {
		s.addPolicy(m)
	}
	own := map[string]string{}
	for k, v := range s.tags {
		if _, shared := d.tags[k]; !shared {
			own[k] = v
		}
	}
	if s.tagsOK && (len(own) > 0 || d.tags == nil) {
		add(m, "tags", tagsNode(own))
	}
	return m
}

func (s *repoSettings) unmanaged() []string {
	var out []string
	if !s.mutabilityOK {
		out = append(out, "imageTagMutability")
	}
	if !s.lifecycleOK {
		out = append(out, "lifecyclePolicy")
	}
	if !s.policyOK {
		out = append(out, "repositoryPolicy")
	}
	if !s.tagsOK {
		out = append(out, "tags")
	}
	return out
}

func (s *repoSettings) addMutability(m *yaml.Node) {
	add(m, "imageTagMutability", str(s.mutability))
	if len(s.filters) > 0 {
		add(m, "imageTagMutabilityExclusionFilters", strList(s.filters))
	}
}

func (s *repoSettings) addLifecycle(m *yaml.Node, names policyNames) {
	switch {
	case s.lifecycle == nil:
		add(m, "lifecyclePolicy", str(spec.None))
	case names.byKey[s.lifecycleKey] != "":
		add(m, "lifecyclePolicy", str(names.byKey[s.lifecycleKey]))
	default:
		add(m, "lifecyclePolicy", lifecycleNode(s.lifecycle))
	}
}

func (s *repoSettings) addPolicy(m *yaml.Node) {
	p := s.policy
	if p.none {
		add(m, "repositoryPolicy", str(spec.None))
		return
	}
	if p.document != nil {
		add(m, "repositoryPolicy", documentNode(map[string]any(p.document), ""))
	}
	if !p.access.IsZero() {
		a := mapping()
		if len(p.access.Pull) > 0 {
			add(a, "pull", strList(p.access.Pull))
		}
		if len(p.access.Push) > 0 {
			add(a, "push", strList(p.access.Push))
		}
		add(m, "access", a)
	}
}

func encryptionNode(e spec.Encryption) *yaml.Node {
	m := flowMapping()
	add(m, "type", str(e.Type))
	if e.KMSKey != "" {
		add(m, "kmsKey", quoted(e.KMSKey))
	}
	return m
}

func tagsNode(tags map[string]string) *yaml.Node {
	m := mapping()
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(m, k, str(tags[k]))
	}
	if len(keys) == 0 {
		m.Style = yaml.FlowStyle
	}
	return m
}

// lifecycleNode writes a policy the way registry.yaml's own policies are
// written: one block per rule, selection and action as flow mappings.
func lifecycleNode(p *lifecycle.Policy) *yaml.Node {
	rules := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range p.Rules {
		rule := mapping()
		add(rule, "rulePriority", intNode(r.RulePriority))
		if r.Description != "" {
			add(rule, "description", str(r.Description))
		}
		sel := flowMapping()
		add(sel, "tagStatus", str(r.Selection.TagStatus))
		if len(r.Selection.TagPrefixList) > 0 {
			add(sel, "tagPrefixList", flowList(r.Selection.TagPrefixList))
		}
		if len(r.Selection.TagPatternList) > 0 {
			add(sel, "tagPatternList", flowList(r.Selection.TagPatternList))
		}
		add(sel, "countType", str(r.Selection.CountType))
		if r.Selection.CountUnit != "" {
			add(sel, "countUnit", str(r.Selection.CountUnit))
		}
		add(sel, "countNumber", intNode(r.Selection.CountNumber))
		if r.Selection.StorageClass != "" {
			add(sel, "storageClass", str(r.Selection.StorageClass))
		}
		add(rule, "selection", sel)
		act := flowMapping()
		add(act, "type", str(r.Action.Type))
		if r.Action.TargetStorageClass != "" {
			add(act, "targetStorageClass", str(r.Action.TargetStorageClass))
		}
		add(rule, "action", act)
		rules.Content = append(rules.Content, rule)
	}
	m := mapping()
	add(m, "rules", rules)
	return m
}

// Key order of IAM documents as people write them; other keys follow sorted.
var documentKeyOrder = map[string][]string{
	"":          {"Version", "Id", "Statement"},
	"Statement": {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"},
}

// documentNode writes a policy document (generic JSON values) as YAML that
// decodes to the same values: numbers stay numbers, strings stay strings.
func documentNode(v any, parent string) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		m := mapping()
		order := documentKeyOrder[parent]
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.SliceStable(keys, func(i, j int) bool {
			oi, oj := slices.Index(order, keys[i]), slices.Index(order, keys[j])
			switch {
			case oi >= 0 && oj >= 0:
				return oi < oj
			case oi >= 0 || oj >= 0:
				return oi >= 0
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			child := ""
			if parent == "" && k == "Statement" {
				child = "Statement"
			}
			add(m, k, documentNode(x[k], child))
		}
		return m
	case []any:
		if ss, ok := stringList(x); ok {
			return strList(ss)
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, e := range x {
			seq.Content = append(seq.Content, documentNode(e, parent))
		}
		return seq
	case string:
		return str(x)
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: x.String()}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: x.String()}
	case bool:
		return boolNode(x)
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return str(fmt.Sprint(v)) // Parse yields no other types
}

func mapping() *yaml.Node     { return &yaml.Node{Kind: yaml.MappingNode} }
func flowMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

// str is a string scalar; the encoder quotes it when it would otherwise
// read back as another type (yes, 10, 2012-10-17, null).
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func quoted(s string) *yaml.Node {
	n := str(s)
	n.Style = yaml.DoubleQuotedStyle
	return n
}

func intNode(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func flowList(ss []string) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range ss {
		seq.Content = append(seq.Content, str(s))
	}
	return seq
}

// strList is a flow list when it is short, a block list otherwise (the
// encoder would wrap a long flow list across lines).
func strList(ss []string) *yaml.Node {
	total := 0
	for _, s := range ss {
		total += len(s) + 2
	}
	if total <= 60 {
		return flowList(ss)
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range ss {
		seq.Content = append(seq.Content, str(s))
	}
	return seq
}
