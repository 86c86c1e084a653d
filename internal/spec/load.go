package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

// MaxFileSize bounds what Load reads; a registry.yaml for thousands of
// repositories is a few MiB at most.
const MaxFileSize = 8 << 20

type rawFile struct {
	Version           *int            `yaml:"version"`
	Region            string          `yaml:"region"`
	Account           string          `yaml:"account"`
	Defaults          *rawSettings    `yaml:"defaults"`
	LifecyclePolicies yaml.Node       `yaml:"lifecyclePolicies"`
	Repositories      []rawRepository `yaml:"repositories"`
}

type rawRepository struct {
	Name        string `yaml:"name"`
	State       string `yaml:"state"`
	rawSettings `yaml:",inline"`
}

type rawSettings struct {
	ImageTagMutability                 *string           `yaml:"imageTagMutability"`
	ImageTagMutabilityExclusionFilters []string          `yaml:"imageTagMutabilityExclusionFilters"`
	ScanOnPush                         *bool             `yaml:"scanOnPush"`
	Encryption                         *rawEncryption    `yaml:"encryption"`
	LifecyclePolicy                    yaml.Node         `yaml:"lifecyclePolicy"`
	RepositoryPolicy                   yaml.Node         `yaml:"repositoryPolicy"`
	Access                             *iampolicy.Access `yaml:"access"`
	Tags                               map[string]string `yaml:"tags"`
}

type rawEncryption struct {
	Type   string `yaml:"type"`
	KMSKey string `yaml:"kmsKey"`
}

var (
	repoNameRE  = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	filterRE    = regexp.MustCompile(`^[0-9a-zA-Z._*-]{1,128}$`)
	tagKeyRE    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)
)

// Load reads and validates a spec file. Every problem is returned at once as
// Problems, each naming file:line and the field.
func Load(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, Problems{{File: path, Message: "file does not exist; pass the spec with -f FILE (default registry.yaml)"}}
		}
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	if st.IsDir() {
		return nil, Problems{{File: path, Message: "is a directory; pass the spec file itself with -f FILE"}}
	}
	if st.Size() > MaxFileSize {
		return nil, Problems{{File: path, Message: fmt.Sprintf("file is %d bytes, over the %d byte limit for a spec", st.Size(), MaxFileSize)}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	return Parse(path, data)
}

// Parse validates spec bytes; name is used in messages.
func Parse(name string, data []byte) (*File, error) {
	l := &loader{name: name}
	f := l.parse(data)
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool { return l.problems[i].Line < l.problems[j].Line })
		return nil, l.problems
	}
	sum := sha256.Sum256(data)
	f.SHA256 = hex.EncodeToString(sum[:])
	f.Path = name
	return f, nil
}

type loader struct {
	name     string
	problems Problems
}

func (l *loader) add(n *yaml.Node, field, msg string) {
	p := Problem{File: l.name, Field: field, Message: msg}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	l.problems = append(l.problems, p)
}

func (l *loader) parse(data []byte) *File {
	if len(bytes.TrimSpace(data)) == 0 {
		l.add(nil, "", "file is empty; a spec needs at least `version: 1` and `repositories:`")
		return nil
	}
	if len(data) > MaxFileSize {
		l.add(nil, "", fmt.Sprintf("file is %d bytes, over the %d byte limit for a spec", len(data), MaxFileSize))
		return nil
	}
	if !utf8.Valid(data) {
		l.add(nil, "", "file is not valid UTF-8; save it as UTF-8")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		l.yamlError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.add(&extra, "", "the file holds more than one YAML document; keep one spec per file")
		return nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		l.add(root, "", "the top level must be a mapping with version, repositories, ...")
		return nil
	}
	checkKeys(root, reflect.TypeOf(rawFile{}), "", l.add)
	var raw rawFile
	if err := root.Decode(&raw); err != nil {
		l.yamlError(err)
		return nil
	}
	return l.build(root, &raw)
}

// yamlError turns yaml.v3's "yaml: line N: msg" errors into Problems.
func (l *loader) yamlError(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		p := Problem{File: l.name, Message: m}
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, msg, ok := strings.Cut(rest, ": "); ok {
				if n, err := strconv.Atoi(num); err == nil {
					p.Line, p.Message = n, msg
				}
			}
		}
		p.Message = strings.ReplaceAll(p.Message, "unmarshal !!", "use a YAML ")
		l.problems = append(l.problems, p)
	}
}

func (l *loader) build(root *yaml.Node, raw *rawFile) *File {
	f := &File{Region: raw.Region, Account: raw.Account}
	switch {
	case raw.Version == nil:
		l.add(root, "version", "missing; add `version: 1` at the top of the file")
	case *raw.Version != 1:
		l.add(child(root, "version"), "version", fmt.Sprintf("%d is not a known spec version; the only version is 1", *raw.Version))
	default:
		f.Version = 1
	}
	if raw.Region != "" && !regionRE.MatchString(raw.Region) {
		l.add(child(root, "region"), "region", fmt.Sprintf("%q is not an AWS region name like us-west-2", raw.Region))
	}
	if raw.Account != "" && !accountIDRE.MatchString(raw.Account) {
		l.add(child(root, "account"), "account", fmt.Sprintf("%q is not a 12-digit AWS account id; quote it so YAML keeps leading zeros", raw.Account))
	}

	policies := l.namedPolicies(&raw.LifecyclePolicies)

	defaultsNode := child(root, "defaults")
	var defaults rawSettings
	var defaultsLifecycle *LifecycleSetting
	var defaultsLifecycleSet bool
	if raw.Defaults != nil {
		defaults = *raw.Defaults
		l.checkSettings(defaultsNode, "defaults", &defaults)
		defaultsLifecycle, defaultsLifecycleSet = l.lifecycleRef(child(defaultsNode, "lifecyclePolicy"), "defaults.lifecyclePolicy", policies)
	}

	reposNode := child(root, "repositories")
	if raw.Repositories == nil {
		l.add(root, "repositories", "missing; list the repositories to manage under `repositories:`")
	}
	seen := map[string]int{}
	for i := range raw.Repositories {
		rr := &raw.Repositories[i]
		node := child(reposNode, "["+strconv.Itoa(i)+"]")
		field := fmt.Sprintf("repositories[%d]", i)
		r := Repository{Name: rr.Name, Line: node.Line}
		switch {
		case rr.Name == "":
			l.add(node, field+".name", "missing; every repository needs a name")
		case len(rr.Name) < 2 || len(rr.Name) > 256 || !repoNameRE.MatchString(rr.Name):
			l.add(child(node, "name"), field+".name", fmt.Sprintf("%q is not a valid ECR repository name: 2 to 256 characters of lowercase letters, digits and . _ - separators, with optional / namespaces", rr.Name))
		default:
			if prev, dup := seen[rr.Name]; dup {
				l.add(child(node, "name"), field+".name", fmt.Sprintf("%q is listed twice (first at line %d); merge the entries", rr.Name, prev))
			}
			seen[rr.Name] = node.Line
			field = fmt.Sprintf("repositories[%d] (%s)", i, rr.Name)
		}
		switch rr.State {
		case "", "present":
		case "absent":
			r.Absent = true
		default:
			l.add(child(node, "state"), field+".state", fmt.Sprintf("%q is not a state; use present or absent", rr.State))
		}
		l.checkSettings(node, field, &rr.rawSettings)
		l.resolve(node, field, &r, &rr.rawSettings, &defaults, defaultsNode)
		lc, set := l.lifecycleRef(child(node, "lifecyclePolicy"), field+".lifecyclePolicy", policies)
		if !set {
			lc, set = defaultsLifecycle, defaultsLifecycleSet
		}
		if set {
			r.Lifecycle = lc
		}
		f.Repositories = append(f.Repositories, r)
	}
	return f
}

// checkSettings validates what can be checked on one settings block alone.
func (l *loader) checkSettings(node *yaml.Node, field string, s *rawSettings) {
	if s.ImageTagMutability != nil {
		switch *s.ImageTagMutability {
		case Mutable, Immutable, ImmutableWithExclusion, MutableWithExclusion:
		default:
			l.add(child(node, "imageTagMutability"), field+".imageTagMutability",
				fmt.Sprintf("%q is not a tag mutability; use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION", *s.ImageTagMutability))
		}
	}
	for i, flt := range s.ImageTagMutabilityExclusionFilters {
		if !filterRE.MatchString(flt) {
			l.add(child(child(node, "imageTagMutabilityExclusionFilters"), "["+strconv.Itoa(i)+"]"),
				fmt.Sprintf("%s.imageTagMutabilityExclusionFilters[%d]", field, i),
				fmt.Sprintf("%q is not a valid filter: 1 to 128 characters of letters, digits, . _ - and * wildcards", flt))
		}
	}
	if n := len(s.ImageTagMutabilityExclusionFilters); n > 5 {
		l.add(child(node, "imageTagMutabilityExclusionFilters"), field+".imageTagMutabilityExclusionFilters",
			fmt.Sprintf("%d filters given; ECR allows at most 5", n))
	}
	if e := s.Encryption; e != nil {
		en := child(node, "encryption")
		switch e.Type {
		case AES256:
			if e.KMSKey != "" {
				l.add(child(en, "kmsKey"), field+".encryption.kmsKey", "a KMS key is only used with type KMS or KMS_DSSE; remove kmsKey or change the type")
			}
		case KMS, KMSDSSE:
		case "":
			l.add(en, field+".encryption.type", "missing; use AES256, KMS or KMS_DSSE")
		default:
			l.add(child(en, "type"), field+".encryption.type", fmt.Sprintf("%q is not an encryption type; use AES256, KMS or KMS_DSSE", e.Type))
		}
	}
	if s.Access != nil {
		an := child(node, "access")
		for kind, list := range map[string][]string{"pull": s.Access.Pull, "push": s.Access.Push} {
			for i, p := range list {
				if err := iampolicy.ValidatePrincipal(p); err != nil {
					l.add(child(child(an, kind), "["+strconv.Itoa(i)+"]"), fmt.Sprintf("%s.access.%s[%d]", field, kind, i), err.Error())
				}
			}
		}
	}
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tn := child(node, "tags")
	for _, k := range keys {
		v := s.Tags[k]
		at := child(tn, k)
		switch {
		case k == "":
			l.add(at, field+".tags", "a tag key is empty")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			l.add(at, field+".tags."+k, "keys starting with aws: are reserved for AWS; rename the tag")
		case utf8.RuneCountInString(k) > 128:
			l.add(at, field+".tags."+k, "tag key is longer than 128 characters")
		case !tagKeyRE.MatchString(k):
			l.add(at, field+".tags."+k, "tag key may hold only letters, digits, spaces and _ . : / = + - @")
		}
		if utf8.RuneCountInString(v) > 256 {
			l.add(at, field+".tags."+k, "tag value is longer than 256 characters")
		} else if !tagKeyRE.MatchString(v) {
			l.add(at, field+".tags."+k, "tag value may hold only letters, digits, spaces and _ . : / = + - @")
		}
	}
}

// resolve applies defaults to one repository and checks what only holds for
// the combination (filters with mutability, tag count, composed policy).
func (l *loader) resolve(node *yaml.Node, field string, r *Repository, s, d *rawSettings, dnode *yaml.Node) {
	pick := func(key string) *yaml.Node {
		if n := child(node, key); n != nil {
			return n
		}
		if n := child(dnode, key); n != nil {
			return n
		}
		return node
	}
	mut := s.ImageTagMutability
	if mut == nil {
		mut = d.ImageTagMutability
	}
	filters := s.ImageTagMutabilityExclusionFilters
	if filters == nil {
		filters = d.ImageTagMutabilityExclusionFilters
	}
	if mut != nil {
		r.ImageTagMutability = *mut
		r.ExclusionFilters = slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(filters)))))
		withExclusion := *mut == ImmutableWithExclusion || *mut == MutableWithExclusion
		switch {
		case withExclusion && len(filters) == 0:
			l.add(pick("imageTagMutability"), field+".imageTagMutabilityExclusionFilters",
				fmt.Sprintf("%s needs 1 to 5 imageTagMutabilityExclusionFilters", *mut))
		case !withExclusion && len(filters) > 0:
			l.add(pick("imageTagMutabilityExclusionFilters"), field+".imageTagMutabilityExclusionFilters",
				fmt.Sprintf("filters only apply with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not %s; change imageTagMutability or remove the filters", *mut))
		}
	} else if len(filters) > 0 {
		l.add(pick("imageTagMutabilityExclusionFilters"), field+".imageTagMutabilityExclusionFilters",
			"filters need imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")
	}
	r.ScanOnPush = s.ScanOnPush
	if r.ScanOnPush == nil {
		r.ScanOnPush = d.ScanOnPush
	}
	enc := s.Encryption
	if enc == nil {
		enc = d.Encryption
	}
	if enc != nil {
		r.Encryption = &Encryption{Type: enc.Type, KMSKey: enc.KMSKey}
	}
	if s.Tags != nil || d.Tags != nil {
		r.Tags = map[string]string{}
		for k, v := range d.Tags {
			r.Tags[k] = v
		}
		for k, v := range s.Tags {
			r.Tags[k] = v
		}
		if len(r.Tags) > 50 {
			l.add(pick("tags"), field+".tags", fmt.Sprintf("%d tags after merging defaults; ECR allows at most 50", len(r.Tags)))
		}
	}
	l.resolvePolicy(node, field, r, s, d, dnode)
}

func (l *loader) resolvePolicy(node *yaml.Node, field string, r *Repository, s, d *rawSettings, dnode *yaml.Node) {
	pn := &s.RepositoryPolicy
	pnode := child(node, "repositoryPolicy")
	pfield := field + ".repositoryPolicy"
	if !isSet(pn) {
		pn = &d.RepositoryPolicy
		pnode = child(dnode, "repositoryPolicy")
		pfield = "defaults.repositoryPolicy"
	}
	access := s.Access
	accessNode := child(node, "access")
	if access == nil {
		access = d.Access
		accessNode = child(dnode, "access")
	}
	hasAccess := access != nil && (len(access.Pull) > 0 || len(access.Push) > 0)
	if !isSet(pn) && !hasAccess {
		return
	}
	var doc iampolicy.Document
	if isSet(pn) {
		if pn.Kind == yaml.ScalarNode && pn.Value == None {
			if hasAccess {
				l.add(accessNode, field+".access", "access grants statements but repositoryPolicy is none; remove one of them")
				return
			}
			r.Policy = &PolicySetting{}
			return
		}
		var v any
		if err := pn.Decode(&v); err != nil {
			l.add(pnode, pfield, err.Error())
			return
		}
		var err error
		doc, err = iampolicy.FromValue(v)
		if err != nil {
			l.add(pnode, pfield, err.Error()+"; give an IAM policy document as YAML, a JSON string, or none")
			return
		}
		for _, p := range doc.Validate() {
			at := pnode
			if pn.Kind == yaml.MappingNode {
				at = nodeAt(pnode, p.Path)
			}
			l.add(at, pfield+"."+p.Path, p.Message)
		}
	}
	var a iampolicy.Access
	if access != nil {
		a = *access
	}
	composed, err := iampolicy.Compose(doc, a)
	if err != nil {
		l.add(accessNode, field+".access", err.Error())
		return
	}
	if hasAccess {
		for _, p := range composed.Validate() {
			l.add(accessNode, field+".access", "the composed repository policy is invalid: "+p.Error())
		}
	}
	r.Policy = &PolicySetting{Document: composed}
}

func isSet(n *yaml.Node) bool {
	return n.Kind != 0 && (n.Kind != yaml.ScalarNode || n.Tag != "!!null")
}

// namedPolicies decodes and validates lifecyclePolicies once each, so a broken
// shared policy is reported at its definition, not once per repository.
func (l *loader) namedPolicies(n *yaml.Node) map[string]*lifecycle.Policy {
	out := map[string]*lifecycle.Policy{}
	if !isSet(n) {
		return out
	}
	if n.Kind != yaml.MappingNode {
		l.add(n, "lifecyclePolicies", "must be a mapping of policy name to {rules: [...]}")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := "lifecyclePolicies." + k.Value
		if k.Value == None {
			l.add(k, field, "`none` is reserved (it means: no lifecycle policy); rename the policy")
			continue
		}
		if p := l.lifecyclePolicy(v, field); p != nil {
			out[k.Value] = p
		} else {
			out[k.Value] = nil // known but broken: do not also report "unknown policy"
		}
	}
	return out
}

// lifecycleRef interprets a lifecyclePolicy field: a name, none, or an inline
// policy. set is false when the field is absent.
func (l *loader) lifecycleRef(n *yaml.Node, field string, named map[string]*lifecycle.Policy) (s *LifecycleSetting, set bool) {
	if n == nil || !isSet(n) {
		return nil, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == None {
			return &LifecycleSetting{}, true
		}
		p, ok := named[n.Value]
		if !ok {
			names := make([]string, 0, len(named))
			for k := range named {
				names = append(names, k)
			}
			sort.Strings(names)
			hint := "; define it under lifecyclePolicies"
			if len(names) > 0 {
				hint = "; known policies: " + strings.Join(names, ", ")
			}
			l.add(n, field, fmt.Sprintf("unknown lifecycle policy %q%s, or use none", n.Value, hint))
			return nil, true
		}
		if p == nil {
			return nil, true
		}
		return &LifecycleSetting{Name: n.Value, Policy: p}, true
	case yaml.MappingNode:
		p := l.lifecyclePolicy(n, field)
		if p == nil {
			return nil, true
		}
		return &LifecycleSetting{Policy: p}, true
	default:
		l.add(n, field, "must be a policy name, none, or an inline {rules: [...]}")
		return nil, true
	}
}

// lifecyclePolicy decodes one policy node and validates it with ECR's rules.
func (l *loader) lifecyclePolicy(n *yaml.Node, field string) *lifecycle.Policy {
	before := len(l.problems)
	checkKeys(n, reflect.TypeOf(lifecycle.Policy{}), field, l.add)
	var p lifecycle.Policy
	if err := n.Decode(&p); err != nil {
		l.yamlError(err)
		return nil
	}
	if len(l.problems) > before {
		return nil
	}
	// rulePriority may be omitted on every rule: list order then gives 1, 2, 3.
	omitted := 0
	for _, r := range p.Rules {
		if r.RulePriority == 0 {
			omitted++
		}
	}
	switch {
	case omitted == len(p.Rules):
		for i := range p.Rules {
			p.Rules[i].RulePriority = i + 1
		}
	case omitted > 0:
		for i, r := range p.Rules {
			if r.RulePriority == 0 {
				l.add(nodeAt(n, fmt.Sprintf("rules[%d]", i)), fmt.Sprintf("%s.rules[%d].rulePriority", field, i),
					"missing while other rules set it; set rulePriority on every rule or on none (then list order decides)")
			}
		}
		return nil
	}
	for _, is := range p.Validate() {
		l.add(nodeAt(n, is.Path), field+"."+is.Path, is.Message)
	}
	if len(l.problems) > before {
		return nil
	}
	return &p
}
