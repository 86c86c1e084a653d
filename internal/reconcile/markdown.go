package reconcile

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ecrctl/ecrctl/internal/format"
)

// RenderMarkdown writes the plan as GitHub-flavoured markdown for a job
// summary ($GITHUB_STEP_SUMMARY) or a pull-request comment: a heading, one
// table row per changed repository, then the details of each change, with
// policy documents folded into <details> blocks so a long plan stays
// readable. It renders the same Plan value as RenderText and RenderJSON.
func RenderMarkdown(w io.Writer, p *Plan) error {
	var b bytes.Buffer
	b.WriteString("### ecrctl plan")
	if where := planLocation(p); where != "" {
		b.WriteString(": " + where)
	}
	b.WriteString("\n\n")
	if !p.HasChanges {
		fmt.Fprintf(&b, "**No changes.** The registry matches the configuration (%s).\n", managedCount(p))
	} else {
		fmt.Fprintf(&b, "**Plan:** %d to add, %d to change, %d to destroy.\n\n", p.Summary.Add, p.Summary.Change, p.Summary.Destroy)
		markdownTable(&b, p)
		if blocked := p.Blocked(); len(blocked) > 0 {
			b.WriteString("\n**Blocked:** apply refuses this plan until every destructive change is allowed by name:\n\n")
			for _, rc := range blocked {
				fmt.Fprintf(&b, "- %s: %s. Allow with %s.\n", mdCode(mdName(rc)), mdText(rc.Reason), flagList(rc.MissingFlags()))
			}
		}
		b.WriteString("\n#### Changes\n")
		for _, rc := range p.Changes {
			if !rc.Is(NoOp) {
				markdownChange(&b, rc)
			}
		}
	}
	markdownUnmanaged(&b, p)
	if len(p.Warnings) > 0 {
		b.WriteString("\n#### Warnings\n\n")
		for _, warn := range p.Warnings {
			fmt.Fprintf(&b, "- %s\n", mdText(warn))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// markdownUnmanaged folds the registry's unmanaged resources into a
// <details> block per kind.
func markdownUnmanaged(b *bytes.Buffer, p *Plan) {
	for _, u := range unmanagedLists(p) {
		names := make([]string, len(u.names))
		for i, n := range u.names {
			names[i] = mdCode(n)
		}
		fmt.Fprintf(b, "\n<details><summary>%d unmanaged %s (not in the spec, never touched)</summary>\n\n%s\n\n</details>\n",
			len(u.names), format.Plural(len(u.names), u.kind.Noun, u.kind.Plural), strings.Join(names, ", "))
	}
}

func planLocation(p *Plan) string {
	switch {
	case p.RegistryID != "" && p.Region != "":
		return fmt.Sprintf("registry %s in %s", p.RegistryID, p.Region)
	case p.Region != "":
		return p.Region
	}
	return p.RegistryID
}

// markdownTable is the compact summary: one row per repository that changes.
func markdownTable(b *bytes.Buffer, p *Plan) {
	header := "Repository"
	for _, rc := range p.Changes {
		if rc.Type != TypeRepository {
			header = "Resource" // registry settings are named by address
		}
	}
	b.WriteString("| " + header + " | Action | Changed attributes |\n|---|---|---|\n")
	unchanged, unchangedSettings := 0, 0
	for _, rc := range p.Changes {
		if rc.Is(NoOp) {
			if rc.Type == TypeRepository {
				unchanged++
			} else {
				unchangedSettings++
			}
			continue
		}
		action := actionLabel(rc)
		if rc.Blocked {
			action += ", **blocked**"
		}
		var paths []string
		for _, ch := range rc.Changes {
			if ch.Path == "name" {
				continue // the whole repository is created or destroyed
			}
			paths = append(paths, mdCode(ch.Path))
		}
		attrs := strings.Join(paths, ", ")
		if attrs == "" {
			attrs = "&mdash;"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", mdCode(mdName(rc)), action, attrs)
	}
	if unchanged > 0 {
		fmt.Fprintf(b, "\n%d %s unchanged.\n", unchanged, format.Plural(unchanged, "repository", "repositories"))
	}
	if unchangedSettings > 0 {
		fmt.Fprintf(b, "\n%d registry %s unchanged.\n", unchangedSettings, format.Plural(unchangedSettings, "setting", "settings"))
	}
}

func actionLabel(rc ResourceChange) string {
	w := WordsOf(rc)
	if w.Symbol == "" {
		return w.Label
	}
	return "`" + strings.TrimSpace(w.Symbol) + "` " + w.Label
}

func markdownChange(b *bytes.Buffer, rc ResourceChange) {
	fmt.Fprintf(b, "\n##### %s %s\n", mdCode(mdName(rc)), WordsOf(rc).Verb)
	if rc.Reason != "" && !rc.Is(Create) {
		fmt.Fprintf(b, "\n%s.\n", capitalise(mdText(rc.Reason)))
	}
	if rc.Blocked {
		fmt.Fprintf(b, "\n**Blocked:** needs %s.\n", flagList(rc.MissingFlags()))
	}
	if im := rc.LifecycleImpact; im != nil {
		fmt.Fprintf(b, "\n**Lifecycle impact:** %s.\n", mdText(ImpactSentence(im)))
		if pv := im.AWSPreview; pv != nil && pv.Status != "unavailable" {
			fmt.Fprintf(b, "\nAWS preview %ss with this estimate (%d images).\n", mdText(pv.Status), pv.Compared)
			for _, d := range pv.Disagreements {
				fmt.Fprintf(b, "- %s\n", mdText(d))
			}
		}
	}
	if rc.Is(Delete) {
		return
	}
	var docs []AttributeChange
	b.WriteString("\n| Attribute | Before | After |\n|---|---|---|\n")
	for _, ch := range rc.Changes {
		before, after := mdValue(ch.Before), mdValue(ch.After)
		if isDocument(ch.Before) || isDocument(ch.After) {
			docs = append(docs, ch)
			if isDocument(ch.Before) {
				before = "policy below"
			}
			if isDocument(ch.After) {
				after = "policy below"
			}
		}
		if ch.ForcesReplacement {
			after += " (forces replacement)"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", mdCode(ch.Path), before, after)
	}
	for _, ch := range docs {
		fmt.Fprintf(b, "\n<details><summary><code>%s</code> of <code>%s</code></summary>\n", htmlEscape(ch.Path), htmlEscape(mdName(rc)))
		if ch.Before != nil {
			b.WriteString("\nBefore:\n\n")
			jsonFence(b, ch.Before)
		}
		if ch.After != nil {
			b.WriteString("\nAfter:\n\n")
			jsonFence(b, ch.After)
		}
		b.WriteString("\n</details>\n")
	}
}

// mdName is how a change is named in markdown: a repository by its name,
// as always, and a registry setting by its address.
func mdName(rc ResourceChange) string {
	if rc.Type == TypeRepository {
		return rc.Name
	}
	return rc.Address
}

// mdValue shows a scalar or list as code, and an absent value as a dash.
func mdValue(v any) string {
	if v == nil {
		return "&mdash;"
	}
	return mdCode(compactJSON(v))
}

// jsonFence prints a policy document in a ```json block, one lifecycle rule
// or policy statement a line (as the text plan does), so a reviewer compares
// before and after rule by rule.
func jsonFence(b *bytes.Buffer, v any) {
	text := strings.Join(prettyLines(v), "\n")
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%sjson\n%s\n%s\n", fence, text, fence)
}

func flagList(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = mdCode(f)
	}
	return strings.Join(out, " and ")
}

// mdCode renders s as an inline code span that is also safe in a table cell:
// a backtick in s lengthens the delimiter, a pipe is escaped (GitHub splits
// cells on | even inside code spans).
func mdCode(s string) string {
	s = format.Escape(strings.ReplaceAll(s, "\n", " "))
	delim := "`"
	for strings.Contains(s, delim) {
		delim += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return delim + pad + strings.ReplaceAll(s, "|", `\|`) + pad + delim
}

// mdText makes free text safe in a list item or cell: no markup, no HTML.
var mdTextReplacer = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "|", "\\|",
	"<", "&lt;", ">", "&gt;", "[", "\\[", "]", "\\]", "\n", " ",
)

func mdText(s string) string {
	return mdTextReplacer.Replace(format.Escape(strings.ReplaceAll(s, "\n", " ")))
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func htmlEscape(s string) string { return htmlReplacer.Replace(format.Escape(s)) }

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
