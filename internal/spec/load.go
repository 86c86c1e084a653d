package spec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
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
	Regions           []string        `yaml:"regions"`
	AssumeRole        yaml.Node       `yaml:"assumeRole"` // a role ARN or a mapping: see role.go
	Defaults          *rawSettings    `yaml:"defaults"`
	LifecyclePolicies yaml.Node       `yaml:"lifecyclePolicies"`
	Repositories      []rawRepository `yaml:"repositories"`
	Registry          *rawRegistry    `yaml:"registry"`
}

type rawRepository struct {
	Name        string `yaml:"name"`
	State       string `yaml:"state"`
	rawSettings `yaml:",inline"`
}

type rawSettings struct {
	ScanOnPush        *bool `yaml:"scanOnPush"`
	rawCommonSettings `yaml:",inline"`
}

// rawCommonSettings are the settings a repository shares with a creation
// template (which has no scanOnPush: registry scanning rules decide).
type rawCommonSettings struct {
	ImageTagMutability                 *string           `yaml:"imageTagMutability"`
	ImageTagMutabilityExclusionFilters []string          `yaml:"imageTagMutabilityExclusionFilters"`
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
	f, _, err := load(path)
	return f, err
}

// load is Load that also returns where things are in the file, for LoadSet.
func load(path string) (*File, *fileMeta, error) {
	fail := func(msg string) (*File, *fileMeta, error) { return nil, nil, Problems{{File: path, Message: msg}} }
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail("file does not exist; pass the spec with -f FILE (default registry.yaml)")
		}
		return fail(pathErr(err))
	}
	if st.IsDir() {
		return fail("is a directory; pass the spec file itself with -f FILE")
	}
	if st.Size() > MaxFileSize {
		return fail(fmt.Sprintf("file is %d bytes, over the %d byte limit for a spec", st.Size(), MaxFileSize))
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(pathErr(err))
	}
	defer fh.Close() //nolint:errcheck // read-only file
	return read(path, fh)
}

// Read reads and validates a spec from r (a file, or stdin for `-f -`);
// name is used in messages, e.g. "<stdin>".
func Read(name string, r io.Reader) (*File, error) {
	f, _, err := read(name, r)
	return f, err
}

func read(name string, r io.Reader) (*File, *fileMeta, error) {
	fail := func(msg string) (*File, *fileMeta, error) { return nil, nil, Problems{{File: name, Message: msg}} }
	// Read at most one byte past the limit: a FIFO or device reports no
	// size, and /dev/zero would otherwise be read until memory runs out.
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return fail(pathErr(err))
	}
	if len(data) > MaxFileSize {
		return fail(fmt.Sprintf("file is over the %d byte limit for a spec", MaxFileSize))
	}
	return parse(name, data)
}

// LoadContext is Load that gives up when ctx ends. Opening or reading a
// FIFO blocks until a writer appears (`-f <(cmd)` or a named pipe), and an
// interrupt must still end the command promptly; the abandoned read ends
// with the process. Non-regular files stay allowed because process
// substitution is a legitimate way to pass a generated spec.
func LoadContext(ctx context.Context, path string) (*File, error) {
	return untilDone(ctx, path, func() (*File, error) { return Load(path) })
}

// ReadContext is Read that gives up when ctx ends, for the same reason:
// stdin may be a pipe whose writer never finishes.
func ReadContext(ctx context.Context, name string, r io.Reader) (*File, error) {
	return untilDone(ctx, name, func() (*File, error) { return Read(name, r) })
}

func untilDone(ctx context.Context, name string, load func() (*File, error)) (*File, error) {
	type loaded struct {
		f   *File
		err error
	}
	done := make(chan loaded, 1)
	go func() {
		f, err := load()
		done <- loaded{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted while reading the spec %s (a pipe or FIFO waits for its writer); nothing was done", name)
	}
}

// pathErr drops the path from an *fs.PathError: Problem.File already names it.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Parse validates spec bytes; name is used in messages.
func Parse(name string, data []byte) (*File, error) {
	f, _, err := parse(name, data)
	return f, err
}

func parse(name string, data []byte) (*File, *fileMeta, error) {
	l := &loader{name: name, budget: 4*len(data) + 10000}
	f := l.parse(data)
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			a, b := l.problems[i], l.problems[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		return nil, nil, l.problems
	}
	sum := sha256.Sum256(data)
	f.SHA256 = hex.EncodeToString(sum[:])
	f.Path = name
	return f, &l.meta, nil
}

type loader struct {
	name     string
	problems Problems
	// hard counts problems check found that Decode would also fail on.
	hard int
	// repairs undo, after the top-level check, what made each hard problem
	// (a value becomes null, a bad key is dropped), so Decode succeeds and
	// the rest of the file is still validated: every problem, every run.
	repairs []func()
	// hardAt holds the places of hard problems; later findings there are
	// consequences of the repair and are not reported.
	hardAt map[[2]int]bool
	// reported counts add calls, duplicates included, so callers can tell
	// whether a step found anything.
	reported int
	// budget bounds the nodes check visits (see check).
	budget int
	seen   map[Problem]bool
	// meta is where things are in the file, for LoadSet's messages.
	meta fileMeta
	// defaultPolicy is the repository policy composed from defaults alone,
	// shared by every repository that sets neither half itself.
	defaultPolicy *PolicySetting
}

// add records a problem at n (nil: no line). A problem identical to one
// already recorded is dropped, so a broken default shared by many
// repositories is reported once.
func (l *loader) add(n *yaml.Node, field, msg string) {
	p := Problem{File: l.name, Field: field, Message: msg}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
		if l.hardAt[[2]int{n.Line, n.Column}] {
			return // already reported there; this follows from the repair
		}
	}
	l.addProblem(p)
}

func (l *loader) addProblem(p Problem) {
	l.reported++
	if l.seen[p] {
		return
	}
	if l.seen == nil {
		l.seen = map[Problem]bool{}
	}
	l.seen[p] = true
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
	if line, col, r, ok := badChar(data); ok {
		l.addProblem(Problem{File: l.name, Line: line, Column: col,
			Message: fmt.Sprintf("control character %U is not allowed in YAML; remove it", r)})
		return nil
	}
	doc, extra, err := decodeDocuments(data)
	if err != nil {
		l.yamlError(err, data)
		return nil
	}
	if doc == nil {
		l.add(nil, "", "file is empty; a spec needs at least `version: 1` and `repositories:`")
		return nil
	}
	if extra != nil {
		l.add(extra, "", "the file holds more than one YAML document; keep one spec per file")
		return nil
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		l.add(root, "", "the top level must be a mapping with version, repositories, ...")
		return nil
	}
	before := l.reported
	l.check(root, rawFileType, "")
	if l.budget < 0 {
		return nil // the aliases expand too far to look further
	}
	for _, repair := range l.repairs {
		repair()
	}
	l.repairs = nil
	var raw rawFile
	if err := decode(root, &raw); err != nil {
		if l.reported == before {
			// check reports everything Decode rejects; this is a safety net.
			l.decodeError(err, root, "")
		}
		return nil
	}
	return l.build(root, &raw)
}

// decode is n.Decode(out) that turns a panic into an error. yaml.v3
// recovers its own errors but not every runtime panic: v3.0.1 panics with
// "hash of unhashable type" on a merge key (<<) in a mapping that also has
// a list as a key. check reports such input first; this is the safety net.
func decode(n *yaml.Node, out any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode the value: %v", r)
		}
	}()
	return n.Decode(out)
}

// decodeDocuments parses the first non-empty YAML document of data into a
// node tree, and returns the next non-empty one as extra. Empty documents (a
// trailing ---, or one holding only comments) are skipped. doc is nil for a
// stream with no non-empty document. A later document that does not parse is
// still reported as err.
func decodeDocuments(data []byte) (doc, extra *yaml.Node, err error) {
	defer func() {
		// yaml.v3 recovers its own errors; anything else it panics with is a
		// bug in the YAML library, which must not crash the tool.
		if r := recover(); r != nil {
			doc, extra, err = nil, nil, fmt.Errorf("yaml: cannot parse the file: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		d := new(yaml.Node)
		if err := dec.Decode(d); err != nil {
			if errors.Is(err, io.EOF) {
				return doc, nil, nil
			}
			return nil, nil, err
		}
		if emptyDocument(d) {
			continue
		}
		if doc != nil {
			return doc, d, nil
		}
		doc = d
	}
}

// emptyDocument reports whether d holds nothing at all: not even an explicit
// null (~ or null), a tag or an anchor.
func emptyDocument(d *yaml.Node) bool {
	if d.Kind == yaml.DocumentNode && len(d.Content) == 1 {
		d = d.Content[0]
	}
	switch d.Kind {
	case yaml.DocumentNode:
		return len(d.Content) == 0
	case yaml.ScalarNode:
		return d.Value == "" && d.Style == 0 && d.Anchor == "" && d.ShortTag() == "!!null"
	}
	return false
}

// badChar finds the first character YAML does not allow in a stream (the
// C0 controls other than tab, LF and CR, DEL, C1 controls other than NEL,
// U+FFFE and U+FFFF). yaml.v3 reports these without a line.
func badChar(data []byte) (line, col int, r rune, ok bool) {
	line, col = 1, 1
	s := string(data)
	for i, c := range s {
		switch {
		case c == '\t', c == 0x85, c >= 0x20 && c <= 0x7E, c >= 0xA0 && c <= 0xD7FF,
			c >= 0xE000 && c <= 0xFFFD, c >= 0x10000 && c <= 0x10FFFF:
			if c == 0x85 || c == 0x2028 || c == 0x2029 {
				line, col = line+1, 1
			} else {
				col++
			}
		case c == '\n':
			if i == 0 || s[i-1] != '\r' {
				line++
			}
			col = 1
		case c == '\r':
			line, col = line+1, 1
		default:
			return line, col, c, true
		}
	}
	return 0, 0, 0, false
}

// lineOf returns the 1-based line of byte offset i, counting LF, CR and CRLF.
func lineOf(data []byte, i int) int {
	s := string(data[:i])
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") - strings.Count(s, "\r\n")
}

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// parserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). yaml.v3 v3.0.1 reports their line counting from 0 (it adds the
// missing 1 only for scanner errors); yamlError corrects it.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// yamlError turns yaml.v3's "yaml: line N: msg" parse errors into Problems.
func (l *loader) yamlError(err error, data []byte) {
	for _, p := range l.yamlProblems(err, "") {
		if p.Line > 0 && parserProblems[p.Message] {
			p.Line++
		}
		if p.Line == 0 && !strings.HasPrefix(p.Message, "cannot parse the file") {
			if sm := unknownAnchorRE.FindStringSubmatch(p.Message); sm != nil {
				// yaml.v3 does not say where; the first use of the alias is.
				if i := bytes.Index(data, []byte("*"+sm[1])); i >= 0 {
					p.Line = lineOf(data, i)
				}
				p.Message += "; define the anchor (&" + sm[1] + ") before using it"
			} else {
				// yaml.v3 leaves the line out when it is the first one
				// (its marks count from 0 and 0 reads as "unknown").
				p.Line = 1
			}
		}
		l.addProblem(p)
	}
}

// decodeError reports an error from decoding the value n at field; a
// message without a line is reported at n.
func (l *loader) decodeError(err error, n *yaml.Node, field string) {
	for _, p := range l.yamlProblems(err, field) {
		if p.Line == 0 && n != nil {
			p.Line, p.Column = n.Line, n.Column
		}
		l.addProblem(p)
	}
}

func (l *loader) yamlProblems(err error, field string) []Problem {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []Problem
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		p := Problem{File: l.name, Field: field, Message: m}
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, msg, ok := strings.Cut(rest, ": "); ok {
				if n, err := strconv.Atoi(num); err == nil {
					p.Line, p.Message = n, msg
				}
			}
		}
		p.Message = strings.ReplaceAll(p.Message, "cannot unmarshal !!", "cannot use a YAML ")
		out = append(out, p)
	}
	return out
}

func (l *loader) build(root *yaml.Node, raw *rawFile) *File {
	f := &File{Region: raw.Region, Account: raw.Account}
	switch {
	case raw.Version == nil:
		if child(root, "version") == nil { // a null version is reported by check
			l.add(root, "version", "missing; add `version: 1` at the top of the file")
		}
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
	l.regions(child(root, "regions"), raw.Regions, f, root)
	l.assumeRole(child(root, "assumeRole"), f, root)

	policies := l.namedPolicies(child(root, "lifecyclePolicies"))
	f.LifecyclePolicies = policies

	defaultsNode := child(root, "defaults")
	var defaults rawSettings
	var defaultsLifecycle *LifecycleSetting
	var defaultsLifecycleSet bool
	if raw.Defaults != nil {
		defaults = *raw.Defaults
		l.checkSettings(defaultsNode, "defaults", &defaults)
		defaultsLifecycle, defaultsLifecycleSet = l.lifecycleRef(child(defaultsNode, "lifecyclePolicy"), "defaults.lifecyclePolicy", policies)
	}
	// Parsed and validated once, so a broken default is reported once.
	defaultsPolicy := l.policyDoc(child(defaultsNode, "repositoryPolicy"), "defaults.repositoryPolicy")

	reposNode := child(root, "repositories")
	if reposNode == nil {
		l.add(root, "repositories", "missing; list the repositories to manage under `repositories:`")
	}
	seen := map[string]int{}
	for i := range raw.Repositories {
		rr := &raw.Repositories[i]
		node := child(reposNode, "["+strconv.Itoa(i)+"]")
		if node == nil {
			node = reposNode
		}
		field := fmt.Sprintf("repositories[%d]", i)
		r := Repository{Name: rr.Name, Line: node.Line}
		switch {
		case rr.Name == "":
			if child(node, "name") == nil { // a null or empty-list name is reported by check
				l.add(node, field+".name", "missing; every repository needs a name")
			} else if n := child(node, "name"); n.Kind == yaml.ScalarNode && !isNull(n) {
				l.add(n, field+".name", "is empty; every repository needs a name")
			}
		case len(rr.Name) < 2 || len(rr.Name) > 256 || !repoNameRE.MatchString(rr.Name):
			l.add(child(node, "name"), field+".name", fmt.Sprintf("%q is not a valid ECR repository name: 2 to 256 characters of lowercase letters, digits and . _ - separators, with optional / namespaces", rr.Name))
		default:
			if prev, dup := seen[rr.Name]; dup {
				l.add(child(node, "name"), field+".name", fmt.Sprintf("%q is listed twice (first at line %d); merge the entries", rr.Name, prev))
			} else {
				seen[rr.Name] = node.Line
			}
			field = fmt.Sprintf("repositories[%d] (%s)", i, rr.Name)
		}
		switch sn := child(node, "state"); {
		case sn == nil, isNull(sn), rr.State == "present": // a null state is reported by check
		case rr.State == "absent":
			r.Absent = true
		case rr.State == "":
			l.add(sn, field+".state", "is empty; use present or absent, or remove the key (present is the default)")
		default:
			l.add(sn, field+".state", fmt.Sprintf("%q is not a state; use present or absent", rr.State))
		}
		l.checkSettings(node, field, &rr.rawSettings)
		l.resolve(node, field, &r, &rr.rawSettings, &defaults, defaultsNode)
		l.resolvePolicy(node, field, &r, &rr.rawSettings, &defaults, defaultsNode, defaultsPolicy)
		lc, set := l.lifecycleRef(child(node, "lifecyclePolicy"), field+".lifecyclePolicy", policies)
		if !set {
			lc, set = defaultsLifecycle, defaultsLifecycleSet
		}
		if set {
			r.Lifecycle = lc
		}
		f.Repositories = append(f.Repositories, r)
	}
	f.Registry = l.registry(root, raw.Registry, f)
	l.replicationToOwnRegion(root, f)
	l.meta.registryLine = keyLine(root, "registry")
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
	fn := child(node, "imageTagMutabilityExclusionFilters")
	for i, flt := range s.ImageTagMutabilityExclusionFilters {
		if !filterRE.MatchString(flt) {
			l.add(child(fn, "["+strconv.Itoa(i)+"]"),
				fmt.Sprintf("%s.imageTagMutabilityExclusionFilters[%d]", field, i),
				fmt.Sprintf("%q is not a valid filter: 1 to 128 characters of letters, digits, . _ - and * wildcards", flt))
		}
	}
	if n := len(s.ImageTagMutabilityExclusionFilters); n > 5 {
		l.add(fn, field+".imageTagMutabilityExclusionFilters", fmt.Sprintf("%d filters given; ECR allows at most 5", n))
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
			if tn := child(en, "type"); tn == nil || !isNull(tn) { // a null type is reported by check
				l.add(en, field+".encryption.type", "missing; use AES256, KMS or KMS_DSSE")
			}
		default:
			l.add(child(en, "type"), field+".encryption.type", fmt.Sprintf("%q is not an encryption type; use AES256, KMS or KMS_DSSE", e.Type))
		}
	}
	if s.Access != nil {
		an := child(node, "access")
		for _, kind := range []struct {
			name string
			list []string
		}{{"pull", s.Access.Pull}, {"push", s.Access.Push}} {
			for i, p := range kind.list {
				if err := iampolicy.ValidatePrincipal(p); err != nil {
					l.add(child(child(an, kind.name), "["+strconv.Itoa(i)+"]"), fmt.Sprintf("%s.access.%s[%d]", field, kind.name, i), err.Error())
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

func withExclusion(mutability string) bool {
	return mutability == ImmutableWithExclusion || mutability == MutableWithExclusion
}

// resolve applies defaults to one repository and checks what only holds for
// the combination (filters with mutability, tag count). A problem that comes
// from defaults alone is reported once, under defaults.
func (l *loader) resolve(node *yaml.Node, field string, r *Repository, s, d *rawSettings, dnode *yaml.Node) {
	const fkey = "imageTagMutabilityExclusionFilters"
	mut, mutNode, mutOwn := s.ImageTagMutability, child(node, "imageTagMutability"), true
	if mut == nil {
		mut, mutNode, mutOwn = d.ImageTagMutability, child(dnode, "imageTagMutability"), false
	}
	filters, fNode, fOwn := s.ImageTagMutabilityExclusionFilters, child(node, fkey), true
	if filters == nil {
		filters, fNode, fOwn = nil, nil, false
		// Filters belong to a *_WITH_EXCLUSION mutability: a repository that
		// sets MUTABLE or IMMUTABLE itself does not inherit default filters.
		if !mutOwn || mut == nil || withExclusion(*mut) {
			filters, fNode = d.ImageTagMutabilityExclusionFilters, child(dnode, fkey)
		}
	}
	ffield := field + "." + fkey
	if !mutOwn && !fOwn {
		ffield = "defaults." + fkey
	}
	if fNode == nil {
		fNode = mutNode
	}
	if mut != nil {
		r.ImageTagMutability = *mut
		r.ExclusionFilters = slices.Compact(slices.Sorted(slices.Values(filters)))
		switch {
		case withExclusion(*mut) && len(filters) == 0:
			l.add(fNode, ffield, fmt.Sprintf("%s needs 1 to 5 imageTagMutabilityExclusionFilters", *mut))
		case !withExclusion(*mut) && len(filters) > 0:
			l.add(fNode, ffield,
				fmt.Sprintf("filters only apply with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not %s; change imageTagMutability or remove the filters", *mut))
		}
	} else if len(filters) > 0 && !isNullNode(child(node, "imageTagMutability")) && !isNullNode(child(dnode, "imageTagMutability")) {
		// (a null or unreadable mutability is reported by check)
		l.add(fNode, ffield, "filters need imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")
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
		maps.Copy(r.Tags, d.Tags)
		maps.Copy(r.Tags, s.Tags)
		if n := len(r.Tags); n > 50 {
			switch {
			case s.Tags == nil:
				l.add(child(dnode, "tags"), "defaults.tags", fmt.Sprintf("%d tags; ECR allows at most 50", n))
			case d.Tags == nil:
				l.add(child(node, "tags"), field+".tags", fmt.Sprintf("%d tags; ECR allows at most 50", n))
			default:
				l.add(child(node, "tags"), field+".tags", fmt.Sprintf("%d tags after merging defaults; ECR allows at most 50", n))
			}
		}
	}
}

// policyPart is one repositoryPolicy value, parsed and validated.
type policyPart struct {
	node *yaml.Node // nil when not set
	none bool
	doc  iampolicy.Document
	ok   bool // no problem found
}

func (l *loader) policyDoc(n *yaml.Node, field string) policyPart {
	return l.policyDocWith(n, field, iampolicy.Document.Validate)
}

// policyDocWith is policyDoc with the rules of another kind of policy (a
// registry policy's).
func (l *loader) policyDocWith(n *yaml.Node, field string, validate func(iampolicy.Document) []iampolicy.Problem) policyPart {
	if n == nil || isNull(n) {
		return policyPart{}
	}
	pp := policyPart{node: n}
	if n.Kind == yaml.ScalarNode && n.Value == None {
		pp.none, pp.ok = true, true
		return pp
	}
	hard := l.hard
	l.check(n, anyType, field)
	if l.hard > hard {
		return pp
	}
	var v any
	if err := decode(n, &v); err != nil {
		l.decodeError(err, n, field)
		return pp
	}
	doc, err := iampolicy.FromValue(v)
	if err != nil {
		l.add(n, field, err.Error()+"; give an IAM policy document as YAML, a JSON string, or none")
		return pp
	}
	problems := validate(doc)
	for _, p := range problems {
		at := n
		if n.Kind == yaml.MappingNode {
			at = nodeAt(n, p.Path)
		}
		l.add(at, join(field, p.Path), p.Message)
	}
	pp.doc, pp.ok = doc, len(problems) == 0
	return pp
}

// resolvePolicy composes the repository policy from repositoryPolicy and
// access, each from the repository or else from defaults. When one says
// none and the other grants access, the one set on the repository wins; set
// at the same level, they contradict each other.
func (l *loader) resolvePolicy(node *yaml.Node, field string, r *Repository, s, d *rawSettings, dnode *yaml.Node, dp policyPart) {
	pol, polOwn := dp, false
	if n := child(node, "repositoryPolicy"); n != nil && !isNull(n) {
		pol, polOwn = l.policyDoc(n, field+".repositoryPolicy"), true
	}
	access, accessNode, accOwn := s.Access, child(node, "access"), true
	if access == nil {
		access, accessNode, accOwn = d.Access, child(dnode, "access"), false
	}
	hasAccess := access != nil && !access.IsZero()
	if pol.node == nil && access == nil {
		return // neither half is set: the policy is unmanaged
	}
	if pol.node == nil && !hasAccess {
		// An access block that grants nothing still manages the policy:
		// with no repositoryPolicy, the repository must have none.
		r.Policy = &PolicySetting{}
		return
	}
	if pol.node != nil && !pol.ok {
		return // reported by policyDoc
	}
	if hasAccess && access.Validate() != nil {
		return // each bad principal is reported by checkSettings
	}
	afield := field + ".access"
	if !polOwn && !accOwn {
		afield = "defaults.access"
	}
	var a iampolicy.Access
	if hasAccess {
		a = *access
	}
	if pol.none {
		switch {
		case !hasAccess, polOwn && !accOwn:
			r.Policy = &PolicySetting{}
			return
		case accOwn && !polOwn:
			pol = policyPart{} // the repository's access replaces none from defaults
		default:
			l.add(accessNode, afield, "access grants statements but repositoryPolicy is none; remove one of them")
			return
		}
	}
	// Repositories that take both halves from defaults share one composed
	// document (read-only from here on): thousands of repositories with the
	// default policy then hold one copy.
	fromDefaults := !polOwn && !accOwn
	if fromDefaults && l.defaultPolicy != nil {
		r.Policy = l.defaultPolicy
		return
	}
	composed, err := iampolicy.Compose(pol.doc, a)
	if err != nil {
		l.add(accessNode, afield, err.Error())
		return
	}
	if hasAccess {
		bad := false
		for _, p := range composed.Validate() {
			l.add(accessNode, afield, "the composed repository policy is invalid: "+p.Error())
			bad = true
		}
		if bad {
			return
		}
	}
	r.Policy = &PolicySetting{Document: composed}
	if fromDefaults {
		l.defaultPolicy = r.Policy
	}
}

// namedPolicies decodes and validates lifecyclePolicies once each, so a broken
// shared policy is reported at its definition, not once per repository.
func (l *loader) namedPolicies(n *yaml.Node) map[string]*lifecycle.Policy {
	out := map[string]*lifecycle.Policy{}
	if n == nil || isNull(n) {
		return out // a null is reported by check
	}
	if n.Kind != yaml.MappingNode {
		l.add(n, "lifecyclePolicies", "must be a mapping of policy name to {rules: [...]}")
		return out
	}
	for _, p := range l.checkedPairs(n, "lifecyclePolicies") {
		field := "lifecyclePolicies." + p.k.Value
		if p.k.Value == "" {
			l.add(p.k, "lifecyclePolicies", "a policy name is empty; name the policy (repositories refer to it by name)")
			continue
		}
		if p.k.Value == None {
			l.add(p.k, field, "`none` is reserved (it means: no lifecycle policy); rename the policy")
			continue
		}
		// A broken policy stays known as nil: do not also report "unknown policy".
		out[p.k.Value] = l.lifecyclePolicy(deref(p.v), field)
	}
	return out
}

// lifecycleRef interprets a lifecyclePolicy field: a name, none, or an inline
// policy. set is false when the field is absent.
func (l *loader) lifecycleRef(n *yaml.Node, field string, named map[string]*lifecycle.Policy) (s *LifecycleSetting, set bool) {
	if n == nil {
		return nil, false
	}
	switch {
	case isNull(n):
		return nil, true // reported by check
	case n.Kind == yaml.ScalarNode:
		if n.Value == None {
			return &LifecycleSetting{}, true
		}
		if n.Value == "" {
			l.add(n, field, "is empty; give a name from lifecyclePolicies, an inline {rules: [...]}, or none")
			return nil, true
		}
		p, ok := named[n.Value]
		if !ok {
			names := slices.Sorted(maps.Keys(named))
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
	case n.Kind == yaml.MappingNode:
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
	if n == nil {
		return nil
	}
	before := l.reported
	l.check(n, reflect.TypeOf(lifecycle.Policy{}), field)
	if l.reported > before {
		return nil
	}
	var p lifecycle.Policy
	if err := decode(n, &p); err != nil {
		l.decodeError(err, n, field)
		return nil
	}
	// rulePriority may be omitted on every rule: list order then gives 1, 2, 3.
	// Omitted means the key is absent; an explicit 0 is validated like any value.
	rules := child(n, "rules")
	var omitted []int
	for i := range p.Rules {
		if child(child(rules, "["+strconv.Itoa(i)+"]"), "rulePriority") == nil {
			omitted = append(omitted, i)
		}
	}
	switch {
	case len(omitted) == len(p.Rules):
		for i := range p.Rules {
			p.Rules[i].RulePriority = i + 1
		}
	case len(omitted) > 0:
		for _, i := range omitted {
			l.add(nodeAt(rules, fmt.Sprintf("[%d]", i)), fmt.Sprintf("%s.rules[%d].rulePriority", field, i),
				"missing while other rules set it; set rulePriority on every rule or on none (then list order decides)")
		}
		return nil
	}
	for _, is := range p.Validate() {
		l.add(nodeAt(n, is.Path), join(field, is.Path), is.Message)
	}
	if l.reported > before {
		return nil
	}
	return &p
}
