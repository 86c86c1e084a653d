package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/iampolicy"
)

// RenderJSON writes the plan as one JSON object (docs/plan-json.md).
func RenderJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// ReadPlanJSON reads a plan written by RenderJSON (a saved plan).
func ReadPlanJSON(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("plan format_version %q is not supported (this ecrctl reads %q); run plan again with this version", p.FormatVersion, FormatVersion)
	}
	return &p, nil
}

type palette struct{ green, yellow, red, bold, reset string }

func newPalette(color bool) palette {
	if !color {
		return palette{}
	}
	return palette{green: "\x1b[32m", yellow: "\x1b[33m", red: "\x1b[31m", bold: "\x1b[1m", reset: "\x1b[0m"}
}

// RenderText writes the plan in Terraform's vocabulary. Colour is added only
// when color is true (a terminal, without NO_COLOR or --no-color).
func RenderText(w io.Writer, p *Plan, color bool) error {
	c := newPalette(color)
	// Streamed through a small buffer: a plan for thousands of repositories
	// is megabytes of text that need not sit in memory at once.
	b := bufio.NewWriter(w)
	if !p.HasChanges {
		fmt.Fprintf(b, "%sNo changes.%s The registry matches the configuration (%s).\n", c.bold, c.reset, managedCount(p))
	} else {
		b.WriteString("ecrctl will perform the following actions:\n")
		for _, rc := range p.Changes {
			if rc.Is(NoOp) {
				continue
			}
			b.WriteString("\n")
			renderChange(b, rc, c)
		}
		fmt.Fprintf(b, "\n%sPlan:%s %d to add, %d to change, %d to destroy.\n", c.bold, c.reset, p.Summary.Add, p.Summary.Change, p.Summary.Destroy)
		if blocked := p.Blocked(); len(blocked) > 0 {
			fmt.Fprintf(b, "\n%sBlocked:%s apply refuses this plan until every destructive change is allowed by name:\n", c.red, c.reset)
			for _, rc := range blocked {
				fmt.Fprintf(b, "  - %s: %s (needs %s)\n", rc.Address, format.EscapeText(rc.Reason), strings.Join(rc.MissingFlags(), " "))
			}
		}
	}
	renderUnmanagedAndWarnings(b, p, c)
	return b.Flush()
}

// renderUnmanagedAndWarnings ends a registry's text plan.
func renderUnmanagedAndWarnings(b *bufio.Writer, p *Plan, c palette) {
	for _, u := range unmanagedLists(p) {
		fmt.Fprintf(b, "\nUnmanaged %s (not in the spec, never touched): %s\n", u.kind.Plural, strings.Join(u.names, ", "))
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(b, "\n%sWarning:%s %s\n", c.yellow, c.reset, format.EscapeText(warn))
	}
}

// managedCount says what the plan manages: "3 managed repositories", and
// the registry settings when the spec has a registry: section.
func managedCount(p *Plan) string {
	repos, settings := 0, 0
	for _, rc := range p.Changes {
		if rc.Type == TypeRepository {
			repos++
		} else {
			settings++
		}
	}
	s := fmt.Sprintf("%d managed %s", repos, format.Plural(repos, "repository", "repositories"))
	if settings > 0 {
		s += fmt.Sprintf(" and %d registry %s", settings, format.Plural(settings, "setting", "settings"))
	}
	return s
}

type unmanagedList struct {
	kind  Kind
	names []string
}

// unmanagedLists are the live resources the spec does not list, by kind.
func unmanagedLists(p *Plan) []unmanagedList {
	var out []unmanagedList
	for _, u := range []struct {
		typ   string
		names []string
	}{{TypeRepository, p.Unmanaged}, {TypePullThroughCacheRule, p.UnmanagedPullThroughCache}, {TypeCreationTemplate, p.UnmanagedCreationTemplates}} {
		if len(u.names) > 0 {
			out = append(out, unmanagedList{kinds[u.typ], u.names})
		}
	}
	return out
}

// ImpactSentence says what a lifecycle change would do, in one line.
func ImpactSentence(im *LifecycleImpact) string {
	var b strings.Builder
	fmt.Fprintf(&b, "would expire %d of %d %s (%s) now", im.ExpireNow, im.Images, format.Plural(im.Images, "image", "images"), format.Bytes(im.ExpireNowBytes))
	if im.ArchiveNow > 0 {
		fmt.Fprintf(&b, " and archive %d (%s)", im.ArchiveNow, format.Bytes(im.ArchiveNowBytes))
	}
	fmt.Fprintf(&b, "; %d more within 30 days (%s)", im.ExpireWithin30Days, format.Bytes(im.ExpireWithin30DaysBytes))
	if im.ArchiveWithin30Days > 0 {
		fmt.Fprintf(&b, ", %d more archived", im.ArchiveWithin30Days)
	}
	fmt.Fprintf(&b, "; saves about USD %.2f per month at USD %.2f per GB-month", im.MonthlySavingNowUSD, im.PricePerGBMonthUSD)
	return b.String()
}

func renderChange(b *bufio.Writer, rc ResourceChange, c palette) {
	w := WordsOf(rc)
	symbol, color := w.Symbol, w.Color(c)
	fmt.Fprintf(b, "  %s# %s%s %s\n", c.bold, rc.Address, c.reset, w.Verb)
	if rc.Reason != "" && !rc.Is(Create) {
		fmt.Fprintf(b, "  # (%s)\n", format.EscapeText(rc.Reason))
	}
	if rc.Blocked {
		fmt.Fprintf(b, "  %s# blocked: needs %s%s\n", c.red, strings.Join(rc.MissingFlags(), " "), c.reset)
	}
	if im := rc.LifecycleImpact; im != nil {
		fmt.Fprintf(b, "  # lifecycle impact: %s\n", ImpactSentence(im))
		if pv := im.AWSPreview; pv != nil && pv.Status != "unavailable" {
			fmt.Fprintf(b, "  # AWS preview %ss with this estimate (%d images)\n", pv.Status, pv.Compared)
			for _, d := range pv.Disagreements {
				fmt.Fprintf(b, "  #   %s%s%s\n", c.yellow, format.EscapeText(d), c.reset)
			}
		}
	}
	fmt.Fprintf(b, "%s%s%s %s {", color, symbol, c.reset, Title(rc))
	if rc.Is(Delete) {
		b.WriteString("}\n")
		return
	}
	b.WriteString("\n")
	width := 0
	for _, ch := range rc.Changes {
		width = max(width, format.Width(format.Escape(ch.Path)))
	}
	for _, ch := range rc.Changes {
		renderAttribute(b, ch, width, c)
	}
	b.WriteString("    }\n")
}

func renderAttribute(b *bufio.Writer, ch AttributeChange, width int, c palette) {
	var sym, color string
	switch {
	case ch.Before == nil:
		sym, color = "+", c.green
	case ch.After == nil:
		sym, color = "-", c.red
	default:
		sym, color = "~", c.yellow
	}
	suffix := ""
	if ch.ForcesReplacement {
		suffix = fmt.Sprintf(" %s# forces replacement%s", c.red, c.reset)
	}
	// Columns line up by display width: a tag key in CJK takes two
	// columns a character, and a multi-byte letter one.
	prefix := fmt.Sprintf("      %s%s%s %s = ", color, sym, c.reset, format.Pad(format.Escape(ch.Path), width))
	if isDocument(ch.Before) || isDocument(ch.After) {
		fmt.Fprintf(b, "%sjsonencode(%s\n", prefix, suffix)
		before := ch.Before
		if ch.Path == "repositoryPolicy" || ch.Path == "policy" {
			// ECR rewrites the form of statements it keeps (a one-element
			// list becomes a string): show those in the new form, so the
			// diff holds only statements that change.
			if bd, ok := before.(map[string]any); ok {
				if ad, ok := ch.After.(map[string]any); ok {
					before = map[string]any(iampolicy.AlignStatements(bd, ad))
				}
			}
		}
		renderDocumentDiff(b, before, ch.After, c)
		b.WriteString("        )\n")
		return
	}
	switch sym {
	case "+":
		fmt.Fprintf(b, "%s%s%s\n", prefix, scalar(ch.After), suffix)
	case "-":
		fmt.Fprintf(b, "%s%s -> null%s\n", prefix, scalar(ch.Before), suffix)
	default:
		fmt.Fprintf(b, "%s%s -> %s%s\n", prefix, scalar(ch.Before), scalar(ch.After), suffix)
	}
}

func isDocument(v any) bool {
	switch v.(type) {
	case map[string]any:
		return true
	}
	return false
}

func scalar(v any) string { return compactJSON(v) }

// renderDocumentDiff prints a policy document as indented JSON with a line
// diff, so a reviewer sees which rule or statement changes.
func renderDocumentDiff(b *bufio.Writer, before, after any, c palette) {
	old, cur := prettyLines(before), prettyLines(after)
	for _, l := range lineDiff(old, cur) {
		color := ""
		switch l.op {
		case '+':
			color = c.green
		case '-':
			color = c.red
		}
		fmt.Fprintf(b, "          %s%c %s%s\n", color, l.op, l.text, c.reset)
	}
}

// prettyLines prints a document with one line per list element (one
// lifecycle rule or policy statement a line), so the line diff points at the
// rule or statement that changes.
func prettyLines(v any) []string {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return strings.Split(fmt.Sprint(v), "\n")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := []string{"{"}
	for i, k := range keys {
		comma := ","
		if i == len(keys)-1 {
			comma = ""
		}
		if list, ok := m[k].([]any); ok && len(list) > 0 {
			lines = append(lines, fmt.Sprintf("  %s: [", compactJSON(k)))
			for j, e := range list {
				sep := ","
				if j == len(list)-1 {
					sep = ""
				}
				lines = append(lines, "    "+compactJSON(e)+sep)
			}
			lines = append(lines, "  ]"+comma)
			continue
		}
		lines = append(lines, fmt.Sprintf("  %s: %s%s", compactJSON(k), compactJSON(m[k]), comma))
	}
	return append(lines, "}")
}

// compactJSON is v as one line of JSON for people. Text read from ECR (a
// rule description, a policy condition) may hold control or bidirectional
// characters that reorder what a reviewer sees: they are shown as \uXXXX,
// which JSON reads back as the same character.
func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return format.Escape(fmt.Sprint(v))
	}
	return format.Escape(strings.TrimRight(buf.String(), "\n"))
}

type diffLine struct {
	op   byte
	text string
}

// lineDiff is a longest-common-subsequence diff; policy documents are short
// enough for the quadratic table.
func lineDiff(a, b []string) []diffLine {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{'-', a[i]})
			i++
		default:
			out = append(out, diffLine{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{'-', a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{'+', b[j]})
	}
	return out
}
