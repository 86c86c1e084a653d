package lifecycle

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ecrctl/ecrctl/internal/format"
)

// Warning is a lint finding: a policy ECR accepts that probably does not do
// what its author meant.
type Warning struct {
	Policy       string // the policy's name, as given to Lint
	RulePriority int    // the rule the warning is about
	Code         string // one of the Warn* constants; stable, for filtering
	Message      string // why, and what to write instead; may span lines
}

func (w Warning) String() string {
	return fmt.Sprintf("lifecycle policy %q, rule %d [%s]: %s", w.Policy, w.RulePriority, w.Code, w.Message)
}

// Warning codes.
const (
	// WarnListAND: a tagPrefixList/tagPatternList with several entries,
	// which ECR reads as AND.
	WarnListAND = "list-and"
	// WarnPrefixOvermatch: a short bare prefix (or "x*" pattern) that also
	// matches unrelated words ("dev" matches "devops").
	WarnPrefixOvermatch = "prefix-overmatch"
	// WarnShadowedRule: every image the rule matches is matched by a
	// higher-priority rule first, so the rule can never act.
	WarnShadowedRule = "shadowed-rule"
	// WarnAnyCountNoKeep: a tagStatus any rule expiring by count with no
	// tagged rule before it to protect anything.
	WarnAnyCountNoKeep = "any-count-without-keep"
	// WarnShortReleaseAge: a since* rule of fewer than ShortAgeDays days on
	// tags that look like releases.
	WarnShortReleaseAge = "release-short-age"
	// WarnUnconfirmed: a rule ECR may reject, by a rule inferred from its
	// documentation but not confirmed: two rules of one storage class with
	// the same pattern set (the docs say so of prefix sets only). A warning,
	// not an error, so a policy ECR accepts can still be managed.
	WarnUnconfirmed = "unconfirmed-rule"
)

// ShortAgeDays is the since* countNumber below which a rule on release-like
// tags draws WarnShortReleaseAge.
const ShortAgeDays = 3

// overmatchMaxLen is the longest bare prefix WarnPrefixOvermatch considers
// short.
const overmatchMaxLen = 4

// Lint returns the warnings for one policy, ordered by rule priority and
// then by code in the order the Warn* constants are declared. name labels
// each warning. Lint expects a policy that passes Validate; on an invalid
// one it does not panic, but warnings may repeat validation errors.
func Lint(name string, p Policy) []Warning {
	var ws []Warning
	rules := sortedRules(p)
	rw := splitLists(rules)
	for i, r := range rules {
		add := func(code, format string, args ...any) {
			ws = append(ws, Warning{Policy: name, RulePriority: r.RulePriority, Code: code, Message: fmt.Sprintf(format, args...)})
		}
		sel := r.Selection

		// WarnListAND
		if field, entries := tagList(sel); len(entries) > 1 {
			add(WarnListAND, "%s", listANDMessage(rules, rw, i, field, entries))
		}

		// WarnPrefixOvermatch
		if sel.TagStatus == TagStatusTagged {
			for _, e := range dedupe(sel.TagPrefixList) {
				if overmatches(e) {
					add(WarnPrefixOvermatch, "%s", overmatchMessage("prefix", e))
				}
			}
			for _, e := range dedupe(sel.TagPatternList) {
				if head, ok := strings.CutSuffix(e, "*"); ok && !strings.Contains(head, "*") && overmatches(head) {
					add(WarnPrefixOvermatch, "%s", overmatchMessage("pattern", e))
				}
			}
		}

		// WarnShadowedRule
		if msg := shadowMessage(rules, i); msg != "" {
			add(WarnShadowedRule, "%s", msg)
		}

		// WarnAnyCountNoKeep
		// Only a tagged rule of the same storage class protects anything:
		// rules select images of their own class only.
		if sel.TagStatus == TagStatusAny && sel.CountType == CountTypeImageCountMoreThan && r.Action.Type == ActionExpire &&
			!slices.ContainsFunc(rules[:i], func(h Rule) bool {
				return h.Selection.TagStatus == TagStatusTagged && storageClass(h.Selection.StorageClass) == storageClass(sel.StorageClass)
			}) {
			add(WarnAnyCountNoKeep,
				"tagStatus any with imageCountMoreThan %d expires every image past the %d newest whatever its tags: "+
					"releases, images production runs now and CI builds share one count, so a burst of pushes expires the release that is deployed. "+
					"No tagged rule comes before it, so nothing is protected. Add keep rules with lower rulePriority numbers first, one per release tag prefix, "+
					"e.g. {tagStatus: tagged, tagPrefixList: [release-], countType: imageCountMoreThan, countNumber: 20}; "+
					"an image a higher rule matches is never expired by this one",
				sel.CountNumber, sel.CountNumber)
		}

		// WarnUnconfirmed
		if sel.TagStatus == TagStatusTagged && len(sel.TagPatternList) > 0 {
			for _, prev := range rules[:i] {
				if prev.Selection.TagStatus == TagStatusTagged && storageClass(prev.Selection.StorageClass) == storageClass(sel.StorageClass) &&
					slices.Equal(canonicalList(prev.Selection.TagPatternList), canonicalList(sel.TagPatternList)) {
					add(WarnUnconfirmed, "rule %d already selects the same tagPatternList; ECR rejects two rules with the same prefix set and may do the same for patterns. Merge the rules", prev.RulePriority)
					break
				}
			}
		}

		// WarnShortReleaseAge
		if sel.TagStatus == TagStatusTagged && sel.CountNumber < ShortAgeDays &&
			(sel.CountType == CountTypeSinceImagePushed || sel.CountType == CountTypeSinceImagePulled) {
			_, entries := tagList(sel)
			if j := slices.IndexFunc(entries, looksLikeRelease); j >= 0 {
				add(WarnShortReleaseAge, "%s", shortAgeMessage(r, entries[j]))
			}
		}
	}
	return ws
}

// sortedRules returns the rules by priority (stable), lists de-duplicated but
// in their written order, so that messages quote what the author wrote.
func sortedRules(p Policy) []Rule {
	rules := slices.Clone(p.Rules)
	slices.SortStableFunc(rules, func(a, b Rule) int { return a.RulePriority - b.RulePriority })
	for i := range rules {
		rules[i].Selection.TagPrefixList = dedupe(rules[i].Selection.TagPrefixList)
		rules[i].Selection.TagPatternList = dedupe(rules[i].Selection.TagPatternList)
	}
	return rules
}

// dedupe drops repeated entries, keeping the first of each.
func dedupe(l []string) []string {
	var out []string
	for _, s := range l {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// tagList returns the field name and entries of a tagged selection's list.
func tagList(sel Selection) (string, []string) {
	if sel.TagStatus != TagStatusTagged {
		return "", nil
	}
	if len(sel.TagPrefixList) > 0 {
		return "tagPrefixList", sel.TagPrefixList
	}
	return "tagPatternList", sel.TagPatternList
}

// splitLists is the OR reading of a policy: every multi-entry rule becomes
// one rule per entry, in written order, and the whole policy is renumbered
// 10, 20, 30, ... so the new rules keep the place of the rule they replace.
// An entry whose one-entry rule already exists in the same storage class is
// left out (ECR rejects two rules with the same prefix set).
func splitLists(rules []Rule) rewrite {
	var rw rewrite
	rw.skipped = map[int][]string{}
	type key struct{ class, field, entry string }
	single := map[key]bool{}
	for _, r := range rules {
		if field, entries := tagList(r.Selection); len(entries) == 1 {
			single[key{storageClass(r.Selection.StorageClass), field, entries[0]}] = true
		}
	}
	for i, r := range rules {
		field, entries := tagList(r.Selection)
		if len(entries) <= 1 {
			rw.rules, rw.origin = append(rw.rules, r), append(rw.origin, i)
			continue
		}
		for _, e := range entries {
			k := key{storageClass(r.Selection.StorageClass), field, e}
			if single[k] {
				rw.skipped[i] = append(rw.skipped[i], e)
				continue
			}
			single[k] = true
			n := r
			n.Description = ""
			n.Selection.TagPrefixList, n.Selection.TagPatternList = nil, nil
			if field == "tagPrefixList" {
				n.Selection.TagPrefixList = []string{e}
			} else {
				n.Selection.TagPatternList = []string{e}
			}
			rw.rules, rw.origin = append(rw.rules, n), append(rw.origin, i)
		}
	}
	for k := range rw.rules {
		rw.rules[k].RulePriority = 10 * (k + 1)
	}
	return rw
}

// rewrite is a policy with every multi-entry list split (see splitLists).
type rewrite struct {
	rules   []Rule
	origin  []int            // origin[k]: index of the original rule rules[k] came from
	skipped map[int][]string // per original rule index: entries left out as duplicates
}

func listANDMessage(rules []Rule, rw rewrite, i int, field string, entries []string) string {
	r := rules[i]
	var b strings.Builder
	what := "a tag starting with each of"
	if field == "tagPatternList" {
		what = "a tag matching each of"
	}
	example := "whose tags match only " + quoteIfNeeded(entries[1])
	if field == "tagPrefixList" {
		tag := entries[1] + "-1"
		if e := entries[1]; strings.HasSuffix(e, "-") || strings.HasSuffix(e, ".") || strings.HasSuffix(e, "_") {
			tag = entries[1] + "1"
		}
		example = "tagged only " + quoteIfNeeded(tag)
	}
	fmt.Fprintf(&b, "%s %s is an AND: this rule selects only images that carry %s %s, so an image %s is never selected by it. ",
		field, yamlList(entries), what, andList(entries), example)
	b.WriteString("ECR has no OR inside a rule; for \"any of these\", write one rule per entry")
	if r.Selection.CountType == CountTypeImageCountMoreThan {
		fmt.Fprintf(&b, " (each rule counts its own images, so up to %d are kept per entry)", r.Selection.CountNumber)
	}
	b.WriteString(". Rewrite, with the policy renumbered in steps of 10 so the new rules keep this rule's place (")
	var moves []string
	for j, old := range rules {
		var to []string
		for k, o := range rw.origin {
			if o == j {
				to = append(to, strconv.Itoa(rw.rules[k].RulePriority))
			}
		}
		if len(to) == 0 {
			to = []string{"(already covered)"}
		}
		moves = append(moves, fmt.Sprintf("rule %d -> %s", old.RulePriority, strings.Join(to, ", ")))
	}
	b.WriteString(strings.Join(moves, "; "))
	b.WriteString("):")
	for k, o := range rw.origin {
		if o == i {
			b.WriteString("\n" + yamlRule(rw.rules[k], "    "))
		}
	}
	if sk := rw.skipped[i]; len(sk) > 0 {
		fmt.Fprintf(&b, "\n    # left out, already selected by a one-entry rule of their own: %s", andList(sk))
	}
	return b.String()
}

// yamlRule renders a rule in registry.yaml's flow style, each line indented.
func yamlRule(r Rule, indent string) string {
	sel := r.Selection
	fields := []string{"tagStatus: " + sel.TagStatus}
	if len(sel.TagPrefixList) > 0 {
		fields = append(fields, "tagPrefixList: "+yamlList(sel.TagPrefixList))
	}
	if len(sel.TagPatternList) > 0 {
		fields = append(fields, "tagPatternList: "+yamlList(sel.TagPatternList))
	}
	if sel.StorageClass != "" {
		fields = append(fields, "storageClass: "+sel.StorageClass)
	}
	fields = append(fields, "countType: "+sel.CountType)
	if sel.CountUnit != "" {
		fields = append(fields, "countUnit: "+sel.CountUnit)
	}
	fields = append(fields, fmt.Sprintf("countNumber: %d", sel.CountNumber))
	action := "type: " + r.Action.Type
	if r.Action.TargetStorageClass != "" {
		action += ", targetStorageClass: " + r.Action.TargetStorageClass
	}
	return fmt.Sprintf("%s- rulePriority: %d\n%s  selection: {%s}\n%s  action: {%s}",
		indent, r.RulePriority, indent, strings.Join(fields, ", "), indent, action)
}

func yamlList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = quoteIfNeeded(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// quoteIfNeeded leaves plain tag-like text alone and double-quotes the rest
// (a leading '*' would be a YAML alias; JSON quoting is valid YAML).
func quoteIfNeeded(s string) string {
	plain := s != "" && s[0] != '*' && s[0] != '-' && s[0] != '.'
	for _, c := range s {
		if c >= unicode.MaxASCII || (!unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune("._-*", c)) {
			plain = false
		}
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// andList renders [a b c] as "a, b and c", each quoted if needed.
func andList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = quoteIfNeeded(s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// overmatches reports whether a bare prefix is short and ends in a letter,
// so that it also selects words that merely start the same way.
func overmatches(prefix string) bool {
	if prefix == "" || len(prefix) > overmatchMaxLen {
		return false
	}
	last := rune(prefix[len(prefix)-1])
	return last < unicode.MaxASCII && unicode.IsLetter(last)
}

// overmatchExamples are real words each short prefix would also select.
var overmatchExamples = map[string]string{
	"v": "validate-x", "dev": "devops-1", "prod": "product-page", "rc": "rcfile",
	"qa": "qaudit", "stg": "stgx", "test": "testdata", "beta": "betamax", "main": "maintenance",
	"rel": "relay-2", "app": "apple", "api": "apidocs", "feat": "feather", "fix": "fixture-1",
}

func overmatchMessage(kind, entry string) string {
	head := strings.TrimSuffix(entry, "*")
	example := overmatchExamples[strings.ToLower(head)]
	if example == "" {
		example = head + "other-1"
	}
	msg := fmt.Sprintf("%s %s selects every tag that starts with %q, including unrelated ones such as %q, which this rule then keeps or expires too. ",
		kind, quoteIfNeeded(entry), head, example)
	if strings.EqualFold(head, "v") {
		// No digit class in ECR patterns: there is no exact "v then digit".
		return msg + "ECR patterns have only '*', so \"v followed by a digit\" cannot be written exactly. " +
			"Narrower choices: the major versions you use as prefixes, one rule each (e.g. tagPrefixList: [v1]; v1 also matches v10), " +
			"or tagPatternList: [\"v*.*\"] (needs a dot, which version tags have and words rarely do)"
	}
	sep := "prefix " + quoteIfNeeded(head+"-")
	if kind == "pattern" {
		sep = "pattern " + quoteIfNeeded(head+"-*")
	}
	return msg + fmt.Sprintf("If your tags put a separator after it, select with it: %s (or %q, %q). "+
		"A tag that is exactly %q is then no longer matched; ECR has no OR inside a rule, so select it with its own rule, tagPatternList: [%s] (a pattern without '*' matches one exact tag)",
		sep, head+".", head+"_", head, quoteIfNeeded(head))
}

// shadowMessage explains why rules[i] can never act, or returns "".
//
// A rule L can never act when every image it matches is matched by a
// higher-priority rule H of the same storage class (H claims it first). For
// two tagged rules that holds when each entry of H's list matches every tag
// some entry of L's list matches (then any image carrying L's tags carries
// H's). The check is sound (no false warnings), and exact for prefix lists;
// a union of several higher rules covering L is not detected. A tagStatus
// any rule is shadowed by an untagged rule plus a tagged rule whose every
// pattern is only '*'.
func shadowMessage(rules []Rule, i int) string {
	l := rules[i]
	class := storageClass(l.Selection.StorageClass)
	act := verb(l.Action.Type)
	higher := func(yield func(Rule) bool) {
		for _, h := range rules[:i] {
			if h.RulePriority < l.RulePriority && storageClass(h.Selection.StorageClass) == class {
				if !yield(h) {
					return
				}
			}
		}
	}
	switch l.Selection.TagStatus {
	case TagStatusTagged:
		lg, ok := globs(l.Selection)
		if !ok {
			return ""
		}
		for h := range higher {
			hg, ok := globs(h.Selection)
			if !ok || h.Selection.TagStatus != TagStatusTagged {
				continue
			}
			if coversAll(hg, lg) {
				lf, le := tagList(l.Selection)
				hf, he := tagList(h.Selection)
				return fmt.Sprintf("this rule can never %s an image: every image its %s %s matches also matches rule %d's %s %s, "+
					"and an image a higher-priority rule matches is never acted on by a lower one (rule %d keeps or %ss it). "+
					"To treat these images differently, give this rule a lower rulePriority than %d; otherwise remove it",
					act, lf, yamlList(le), h.RulePriority, hf, yamlList(he), h.RulePriority, verb(h.Action.Type), h.RulePriority)
			}
		}
	case TagStatusAny:
		untagged, everyTagged := 0, 0
		for h := range higher {
			switch h.Selection.TagStatus {
			case TagStatusUntagged:
				untagged = h.RulePriority
			case TagStatusTagged:
				if hg, ok := globs(h.Selection); ok && everyTagged == 0 && !slices.ContainsFunc(hg, func(g string) bool { return strings.Trim(g, "*") != "" }) {
					everyTagged = h.RulePriority
				}
			}
		}
		if untagged != 0 && everyTagged != 0 {
			return fmt.Sprintf("this rule can never %s an image: rule %d matches every untagged image and rule %d every tagged one, "+
				"and an image a higher-priority rule matches is never acted on by a lower one. Remove this rule or narrow rule %d",
				act, untagged, everyTagged, everyTagged)
		}
	}
	return ""
}

// globs returns a tagged selection's list as '*' patterns (prefix p is
// p*). ok is false when that is not faithful: a prefix containing '*'
// (which no tag can start with) or no list at all.
func globs(sel Selection) (g []string, ok bool) {
	if sel.TagStatus != TagStatusTagged {
		return nil, false
	}
	for _, p := range sel.TagPrefixList {
		if strings.Contains(p, "*") {
			return nil, false
		}
		g = append(g, p+"*")
	}
	g = append(g, sel.TagPatternList...)
	return g, len(g) > 0
}

// coversAll reports whether every image matching all of lower's patterns
// also matches all of higher's: each higher pattern covers some lower
// pattern.
func coversAll(higher, lower []string) bool {
	for _, h := range higher {
		if !slices.ContainsFunc(lower, func(l string) bool { return globCovers(h, l) }) {
			return false
		}
	}
	return true
}

// globCovers reports whether every string matching pattern l matches
// pattern h. It matches h against l with l's '*' turned into an opaque byte
// that only a '*' of h can absorb: if that succeeds, any text in place of
// l's '*' is absorbed the same way. Sound; exact unless h mentions every
// possible tag character.
func globCovers(h, l string) bool {
	const opaque = "\x00"
	if strings.Contains(h, opaque) {
		return false
	}
	return matchGlob(h, strings.ReplaceAll(l, "*", opaque))
}

// looksLikeRelease reports whether a prefix or pattern names release tags:
// v, v<digit>..., release..., prod..., stable... (case-insensitive, judged
// on the text before the first '*'), or a pattern containing release, prod
// or stable.
func looksLikeRelease(entry string) bool {
	e := strings.ToLower(entry)
	head, _, _ := strings.Cut(e, "*")
	if head == "v" || (len(head) > 1 && head[0] == 'v' && head[1] >= '0' && head[1] <= '9') {
		return true
	}
	for _, w := range []string{"release", "prod", "stable"} {
		if strings.HasPrefix(head, w) || (strings.Contains(entry, "*") && strings.Contains(e, w)) {
			return true
		}
	}
	return false
}

func shortAgeMessage(r Rule, entry string) string {
	sel := r.Selection
	days := format.Count(sel.CountNumber, "day", "days")
	label := selectionLabel(sel)
	if sel.CountType == CountTypeSinceImagePulled {
		return fmt.Sprintf("this rule %ss %s images not pulled for %s, and %s looks like a release tag: a release production pulled once at deploy is archived %s later "+
			"and can no longer be pulled, so the next restart or scale-out fails. ECR does not know what is deployed. "+
			"Use at least a few weeks for release tags, or keep them by count (imageCountMoreThan) in a rule before this one",
			verb(r.Action.Type), label, days, quoteIfNeeded(entry), days)
	}
	return fmt.Sprintf("this rule %ss %s images %s after push, and %s looks like a release tag: a release pushed just now is %s within %s, "+
		"even while production still runs it (ECR does not know what is deployed). "+
		"Keep release tags by count instead (imageCountMoreThan), or allow at least a few weeks",
		verb(r.Action.Type), label, days, quoteIfNeeded(entry), pastTense(r.Action.Type), days)
}

func pastTense(action string) string {
	if action == ActionTransition {
		return "archived"
	}
	return "expired"
}
