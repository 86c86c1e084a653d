package reconcile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ecrctl/ecrctl/internal/format"
)

// RegistryPlan is one registry's entry in a plan over several registries
// (Plan.Registries): who and where it is, how its changes add up, and why
// it was not planned when it failed.
type RegistryPlan struct {
	// Registry is "ACCOUNT/REGION", the key in the addresses of its
	// changes; "" when its account is not known (it failed).
	Registry string `json:"registry"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	// Role is the role ARN the registry is reached with; absent for the
	// default credentials.
	Role       string   `json:"role,omitempty"`
	SpecFiles  []string `json:"spec_files"`
	HasChanges bool     `json:"has_changes"`
	Summary    Summary  `json:"summary"`
	Unmanaged  []string `json:"unmanaged_repositories"`
	// As in a single-registry plan: only when the registry: section
	// manages the key.
	UnmanagedPullThroughCache  []string `json:"unmanaged_pull_through_cache_rules,omitempty"`
	UnmanagedCreationTemplates []string `json:"unmanaged_repository_creation_templates,omitempty"`
	// Fingerprint is the registry's spec and live state, as a
	// single-registry plan's; absent when it failed.
	Fingerprint *Fingerprint `json:"fingerprint,omitempty"`
	// Error is why the registry was not planned; its changes are absent.
	Error string `json:"error,omitempty"`
}

// Merged is the run as one Plan value, the form of a plan over several
// registries that JSON, saved plans and markdown share
// (docs/plan-json.md): every change carries its registry, account and
// region and an address unique across the run, the registries are listed
// with their fingerprints, and the top level's region, registry id and
// fingerprint are empty, since no one registry is meant.
func (run *Run) Merged() *Plan {
	p := &Plan{FormatVersion: FormatVersion, Changes: []ResourceChange{}, Unmanaged: []string{}, Warnings: []string{}, Registries: []RegistryPlan{}}
	for _, r := range run.Registries {
		e := RegistryPlan{Registry: r.Key(), Account: r.Account(), Region: r.Region, Role: r.Role(), SpecFiles: r.Target.Sources, Unmanaged: []string{}}
		if r.Err != nil {
			e.Error = r.Err.Error()
			p.Registries = append(p.Registries, e)
			continue
		}
		rp := r.Plan
		e.HasChanges, e.Summary, e.Fingerprint = rp.HasChanges, rp.Summary, rp.Fingerprint
		e.UnmanagedPullThroughCache, e.UnmanagedCreationTemplates = rp.UnmanagedPullThroughCache, rp.UnmanagedCreationTemplates
		if rp.Unmanaged != nil {
			e.Unmanaged = rp.Unmanaged
		}
		p.Registries = append(p.Registries, e)
		for _, c := range rp.Changes {
			p.Changes = append(p.Changes, r.qualify(c))
		}
		for _, w := range rp.Warnings {
			p.Warnings = append(p.Warnings, r.Key()+": "+w)
		}
	}
	p.summarise()
	return p
}

// runTotals is the run's one summary line.
func runTotals(run *Run) string {
	n := len(run.Registries)
	regs := format.Count(n, "registry", "registries")
	var b strings.Builder
	if s := run.Summary(); run.HasChanges() {
		fmt.Fprintf(&b, "%d to add, %d to change, %d to destroy, in %s", s.Add, s.Change, s.Destroy, regs)
	} else {
		fmt.Fprintf(&b, "no changes in %s", regs)
	}
	if failed := len(run.Failed()); failed > 0 {
		fmt.Fprintf(&b, "; %d could not be planned", failed)
	}
	return b.String()
}

// RenderRunText writes a plan over several registries: under a header per
// registry (account, region, role, spec files) its changes as RenderText
// shows them, or why it failed; then every blocked change of the run and
// one summary line.
func RenderRunText(w io.Writer, run *Run, color bool) error {
	c := newPalette(color)
	b := bufio.NewWriter(w)
	for i, r := range run.Registries {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(b, "%s=== Registry %s%s", c.bold, r.Title(), c.reset)
		if role := r.Role(); role != "" {
			fmt.Fprintf(b, " as %s", format.EscapeText(role))
		}
		fmt.Fprintf(b, " (%s)\n", format.EscapeText(r.Sources()))
		if r.Err != nil {
			fmt.Fprintf(b, "\n%sError:%s %s\n", c.red, c.reset, format.EscapeText(r.Err.Error()))
			continue
		}
		p := r.Plan
		if !p.HasChanges {
			fmt.Fprintf(b, "\nNo changes (%s).\n", managedCount(p))
		} else {
			for _, rc := range p.Changes {
				if rc.Is(NoOp) {
					continue
				}
				b.WriteString("\n")
				renderChange(b, rc, c)
			}
		}
		renderUnmanagedAndWarnings(b, p, c)
	}
	if blocked := run.Blocked(); len(blocked) > 0 {
		fmt.Fprintf(b, "\n%sBlocked:%s apply refuses this plan, in every registry, until every destructive change is allowed by name:\n", c.red, c.reset)
		for _, rc := range blocked {
			fmt.Fprintf(b, "  - %s: %s (needs %s)\n", rc.Address, format.EscapeText(rc.Reason), strings.Join(rc.MissingFlags(), " "))
		}
	}
	fmt.Fprintf(b, "\n%sPlan:%s %s.\n", c.bold, c.reset, runTotals(run))
	return b.Flush()
}

// RenderRunMarkdown writes a plan over several registries as markdown: the
// run's summary, then a section per registry with RenderMarkdown's table
// and details.
func RenderRunMarkdown(w io.Writer, run *Run) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "### ecrctl plan: %s\n\n", format.Count(len(run.Registries), "registry", "registries"))
	fmt.Fprintf(&b, "**Plan:** %s.\n", capitalise(runTotals(run)))
	if blocked := run.Blocked(); len(blocked) > 0 {
		b.WriteString("\n**Blocked:** apply refuses this plan, in every registry, until every destructive change is allowed by name:\n\n")
		for _, rc := range blocked {
			fmt.Fprintf(&b, "- %s in %s: %s. Allow with %s.\n", mdCode(mdName(rc)), mdText(rc.Registry), mdText(rc.Reason), flagList(rc.MissingFlags()))
		}
	}
	for _, r := range run.Registries {
		fmt.Fprintf(&b, "\n#### Registry %s\n\n", mdText(r.Title()))
		files := make([]string, len(r.Target.Sources))
		for i, s := range r.Target.Sources {
			files[i] = mdCode(s)
		}
		fmt.Fprintf(&b, "From %s", strings.Join(files, ", "))
		if role := r.Role(); role != "" {
			fmt.Fprintf(&b, ", as %s", mdCode(role))
		}
		b.WriteString(".\n\n")
		if r.Err != nil {
			fmt.Fprintf(&b, "**Error:** %s\n", mdText(r.Err.Error()))
			continue
		}
		p := r.Plan
		if !p.HasChanges {
			fmt.Fprintf(&b, "**No changes** (%s).\n", managedCount(p))
		} else {
			fmt.Fprintf(&b, "**Plan:** %d to add, %d to change, %d to destroy.\n\n", p.Summary.Add, p.Summary.Change, p.Summary.Destroy)
			markdownTable(&b, p)
			for _, rc := range p.Changes {
				if !rc.Is(NoOp) {
					markdownChange(&b, rc)
				}
			}
		}
		markdownUnmanaged(&b, p)
		if len(p.Warnings) > 0 {
			b.WriteString("\n**Warnings:**\n\n")
			for _, warn := range p.Warnings {
				fmt.Fprintf(&b, "- %s\n", mdText(warn))
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
