package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	rawFileType = reflect.TypeOf(rawFile{})
	nodeType    = reflect.TypeOf(yaml.Node{})
	anyType     = reflect.TypeOf((*any)(nil)).Elem()
)

// check walks a YAML node against the Go type it will be decoded into and
// reports, each at its own line and with its field path: unknown and
// duplicate mapping keys, values without a value (null), and values of the
// wrong kind. yaml.v3 can only check keys for a whole document
// (Decoder.KnownFields), and its type errors name neither the field nor,
// for nested keys, a useful place; walking the node keeps both.
//
// Fields of type yaml.Node are skipped: they are checked where they are
// interpreted. Aliases are followed and merge keys (<<) are honoured the way
// yaml.v3 decodes them. The walk spends l.budget, so aliases cannot make it
// expand a small file into an exponential amount of work.
func (l *loader) check(n *yaml.Node, t reflect.Type, path string) {
	if n == nil {
		return
	}
	if l.budget--; l.budget < 0 {
		if l.budget == -1 {
			l.add(n, path, "the file expands to too many values through YAML aliases; use fewer aliases")
		}
		return
	}
	n = deref(n)
	if n == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(n) {
		if t.Kind() != reflect.Interface { // free-form values may be null
			l.addHard(n, path, "has no value; give a value or remove the key")
		}
		return
	}
	if t == nodeType {
		return // checked where it is interpreted
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			l.addHard(n, path, "must be a mapping, got "+describeNode(n))
			return
		}
		fields := yamlFields(t)
		for _, p := range l.checkedPairs(n, path) {
			f, ok := fields[p.k.Value]
			if !ok && t == rawFileType && strings.HasPrefix(p.k.Value, ExtensionPrefix) {
				continue // a top-level x- key holds anchors for the rest of the file
			}
			if !ok {
				hint := keyHints[t][p.k.Value]
				if hint == "" {
					hint = suggest(p.k.Value, fields)
				}
				l.add(p.k, join(path, p.k.Value), fmt.Sprintf("unknown key %q%s", p.k.Value, hint))
				continue
			}
			l.check(p.v, f.Type, join(path, p.k.Value))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			l.addHard(n, path, "must be a mapping, got "+describeNode(n))
			return
		}
		for _, p := range l.checkedPairs(n, path) {
			l.check(p.v, t.Elem(), join(path, p.k.Value))
		}
	case reflect.Interface:
		// A free-form value (a policy document): any kind will do, but keys
		// must still be plain and unique.
		switch n.Kind {
		case yaml.MappingNode:
			for _, p := range l.checkedPairs(n, path) {
				l.check(p.v, t, join(path, p.k.Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				l.check(c, t, path+"["+strconv.Itoa(i)+"]")
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			l.addHard(n, path, "must be a list, got "+describeNode(n))
			return
		}
		for i, c := range n.Content {
			l.check(c, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			// Decode drops a null list element (of a struct, string, bool or
			// number type), which would shift the indexes of the rest: after
			// the repair, an element stands as its type's zero value.
			l.repairs = append(l.repairs, func() {
				if e := deref(c); e != nil && isNull(e) {
					*e = zeroNode(t.Elem(), e)
				}
			})
		}
	default:
		want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "true or false"}[t.Kind()]
		if want == "" {
			want = "a whole number"
		}
		if n.Kind != yaml.ScalarNode {
			l.addHard(n, path, fmt.Sprintf("must be %s, got %s", want, describeNode(n)))
			return
		}
		if t.Kind() == reflect.String && n.ShortTag() != "!!binary" {
			return // yaml.v3 decodes any other scalar into a string
		}
		// Ask yaml.v3 itself, so that the check accepts exactly what Decode does.
		if err := decode(n, reflect.New(t).Interface()); err != nil {
			l.addHard(n, path, fmt.Sprintf("must be %s, got %s", want, describeNode(n)))
			return
		}
		if isInt(t.Kind()) && !decimalRE.MatchString(n.Value) {
			// yaml.v3 decodes 5.9 as 5, 010 as 8 (octal), 0x10 as 16 and 1e1
			// as 10 without a word; ECR's JSON has plain integers only.
			// Keep the value as written, as tag values do.
			l.add(n, path, fmt.Sprintf("must be a whole number in plain decimal digits (like 10), got %s%s", n.Value, numberHint(n.Value)))
		}
	}
}

// decimalRE is an integer as JSON writes it: no sign but '-', no leading
// zero, no underscores, no exponent.
var decimalRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

func isInt(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// numberHint says what YAML would have made of a number that is not plain
// decimal digits.
func numberHint(v string) string {
	digits := strings.TrimLeft(v, "+-")
	switch {
	case len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0123456789_") == "":
		return "; a leading 0 makes YAML read it as an octal number, so write it without the leading zero"
	case strings.Contains(v, "."):
		return "; ECR takes whole numbers only, and YAML would silently drop the fraction"
	}
	return ""
}

// checkedPairs returns pairs(n) after reporting keys that are not plain
// scalars, keys given twice and merge keys (<<) that do not merge mappings.
func (l *loader) checkedPairs(n *yaml.Node, path string) []pair {
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		switch {
		case k == nil || k.Kind != yaml.ScalarNode:
			l.addHardKey(n, n.Content[i], path, "a key must be a plain name, not a list or mapping")
		case isMerge(k):
			if !mergeable(v) {
				l.addHardKey(n, n.Content[i], join(path, "<<"), "a merge key (<<) must name a mapping or a list of mappings, e.g. <<: *defaults")
			}
		default:
			if prev, dup := first[k.Value]; dup {
				l.addHardKey(n, n.Content[i], join(path, k.Value), fmt.Sprintf("key %q appears twice (first at line %d); keep one", k.Value, prev.Line))
				continue
			}
			first[k.Value] = k
		}
	}
	return pairs(n)
}

// zeroNode is a node that decodes to the zero value of t, at n's place.
func zeroNode(t reflect.Type, n *yaml.Node) yaml.Node {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	z := yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		z.Kind, z.Tag = yaml.MappingNode, "!!map"
	case reflect.Slice:
		z.Kind, z.Tag = yaml.SequenceNode, "!!seq"
	case reflect.String:
		z.Tag = "!!str"
	case reflect.Bool:
		z.Tag, z.Value = "!!bool", "false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		z.Tag, z.Value = "!!int", "0"
	}
	return z
}

func mergeable(v *yaml.Node) bool {
	v = deref(v)
	if v == nil {
		return false
	}
	switch v.Kind {
	case yaml.MappingNode:
		return true
	case yaml.SequenceNode:
		for _, e := range v.Content {
			if e = deref(e); e == nil || e.Kind != yaml.MappingNode {
				return false
			}
		}
		return true
	}
	return false
}

// addHard adds a problem that Decode would also fail on, and makes the
// value null so that Decode, run after the check, can still read the rest.
func (l *loader) addHard(n *yaml.Node, field, msg string) {
	l.hard++
	l.add(n, field, msg)
	l.markHard(n)
	l.repairs = append(l.repairs, func() {
		if !isNull(n) {
			*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
		}
	})
}

// addHardKey adds a problem with key k of mapping m that Decode would also
// fail on, and drops the key and its value so Decode can read the rest.
func (l *loader) addHardKey(m, k *yaml.Node, field, msg string) {
	at := k
	if d := deref(k); d != nil {
		at = d
	}
	l.hard++
	l.add(at, field, msg)
	l.markHard(at)
	l.repairs = append(l.repairs, func() {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i] == k {
				m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
				return
			}
		}
	})
}

// markHard notes the place of a hard problem: what is found there later
// follows from the repair and is not reported again.
func (l *loader) markHard(n *yaml.Node) {
	if n == nil {
		return
	}
	if l.hardAt == nil {
		l.hardAt = map[[2]int]bool{}
	}
	l.hardAt[[2]int{n.Line, n.Column}] = true
}

type pair struct{ k, v *yaml.Node }

// pairs returns the key/value pairs of mapping n as yaml.v3 decodes them:
// explicit keys first (the first of duplicates), then the keys merged in
// with << that are not already set, earlier merges winning. Aliases are
// resolved in keys; values are returned as written.
func pairs(n *yaml.Node) []pair {
	return appendPairs(nil, n, map[string]bool{}, map[*yaml.Node]bool{})
}

func appendPairs(out []pair, n *yaml.Node, set map[string]bool, visited map[*yaml.Node]bool) []pair {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || visited[n] {
		return out
	}
	visited[n] = true
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if isMerge(k) {
			merges = append(merges, v)
			continue
		}
		if set[k.Value] {
			continue
		}
		set[k.Value] = true
		out = append(out, pair{k, v})
	}
	for _, m := range merges {
		m = deref(m)
		if m != nil && m.Kind == yaml.SequenceNode {
			for _, e := range m.Content {
				out = appendPairs(out, e, set, visited)
			}
			continue
		}
		out = appendPairs(out, m, set, visited)
	}
	return out
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// deref resolves alias nodes. It returns nil for a dangling or cyclic alias.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

// isNullNode is isNull for a node that may be missing (nil).
func isNullNode(n *yaml.Node) bool { return n != nil && isNull(n) }

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describeNode names what a node holds, for "must be X, got Y" messages.
func describeNode(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "no value"
		}
		v := []rune(n.Value)
		if len(v) > 60 {
			v = append(v[:57], []rune("...")...)
		}
		return strconv.Quote(string(v))
	}
	return "a YAML document"
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f
	}
	return out
}

// suggest names the known key closest to a misspelt one, so "scanOnpush" gets
// "did you mean scanOnPush?".
func suggest(key string, fields map[string]reflect.StructField) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	best, bestD := "", 3
	lk := strings.ToLower(key)
	for _, n := range names {
		ln := strings.ToLower(n)
		if d := distance(lk, ln); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" && len(lk) >= 4 {
		// A truncated key, like tagPrefix for tagPrefixList.
		for _, n := range names {
			if strings.HasPrefix(strings.ToLower(n), lk) {
				best = n
				break
			}
		}
	}
	if best == "" {
		return "; known keys: " + strings.Join(names, ", ")
	}
	return "; did you mean " + best + "?"
}

func distance(a, b string) int {
	if len(a) > 64 {
		return len(a) // far from every key; do not spend quadratic time on it
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	if key == "" {
		return path
	}
	return path + "." + key
}

// nodeAt follows a path like "rules[2].selection.countUnit" from n and returns
// the deepest node it reaches, so a problem found after decoding can still be
// reported at its line.
func nodeAt(n *yaml.Node, path string) *yaml.Node {
	cur := n
	for _, part := range splitPath(path) {
		next := child(cur, part)
		if next == nil {
			break
		}
		cur = next
	}
	return cur
}

func splitPath(path string) []string {
	var parts []string
	for _, p := range strings.Split(path, ".") {
		for p != "" {
			i := strings.IndexByte(p, '[')
			if i < 0 {
				parts = append(parts, p)
				break
			}
			if i > 0 {
				parts = append(parts, p[:i])
			}
			j := strings.IndexByte(p, ']')
			if j < i {
				parts = append(parts, p[i:])
				break
			}
			parts = append(parts, p[i:j+1])
			p = p[j+1:]
		}
	}
	return parts
}

// child returns the value under key part ("name" or "[3]") of n, aliases
// resolved and merge keys honoured; nil when there is none.
func child(n *yaml.Node, part string) *yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = deref(n.Content[0])
		if n == nil {
			return nil
		}
	}
	if strings.HasPrefix(part, "[") {
		i, err := strconv.Atoi(strings.Trim(part, "[]"))
		if err != nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
			return nil
		}
		return deref(n.Content[i])
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for _, p := range pairs(n) {
		if p.k.Value == part {
			return deref(p.v)
		}
	}
	return nil
}
