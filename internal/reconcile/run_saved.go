package reconcile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// WritePlanFileFrom saves p, a plan loaded from specPaths (the -f paths:
// several files, a directory), for `ecrctl apply PATH`: the file records
// those paths relative to the plan file, and apply loads the same set
// again. p is a single registry's plan or Run.Merged; a plan from one spec
// file is saved by WritePlanFile, in the format of earlier versions.
func WritePlanFileFrom(path string, p *Plan, specPaths []string) error {
	saved := *p
	saved.SpecPaths = make([]string, len(specPaths))
	for i, s := range specPaths {
		saved.SpecPaths[i] = specRelativeTo(s, path)
	}
	var buf bytes.Buffer
	if err := RenderJSON(&buf, &saved); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return nil
}

// SpecPathsOf are the spec paths a plan saved at planFile was made from,
// each relative to the plan file's directory: its SpecPaths, else its one
// spec file; nil when it records neither.
func (p *Plan) SpecPathsOf(planFile string) []string {
	if len(p.SpecPaths) == 0 {
		if one := p.SpecPath(planFile); one != "" {
			return []string{one}
		}
		return nil
	}
	out := make([]string, len(p.SpecPaths))
	for i, s := range p.SpecPaths {
		s = filepath.FromSlash(s)
		if !filepath.IsAbs(s) {
			s = filepath.Join(filepath.Dir(planFile), s)
		}
		out[i] = s
	}
	return out
}

// CheckSavedRun decides whether a saved plan over several registries may be
// executed now, registry by registry as CheckSaved does for one: the run
// must reach the same registries, and each registry's spec, live state and
// changes must be those of the plan. Every stale registry is named. A
// registry that fails now is not checked: it is reported with its error
// and not applied.
func CheckSavedRun(saved *Plan, run *Run) error {
	if len(saved.Registries) == 0 {
		return fmt.Errorf("plan is stale: it was made for one registry, and the spec files now give %d; nothing was written. Run plan again", len(run.Registries))
	}
	fresh := map[string]*RegistryRun{}
	for _, r := range run.Planned() {
		fresh[r.Key()] = r
	}
	known := map[string]bool{}
	var stale []string
	for _, e := range saved.Registries {
		known[e.Registry] = true
		if e.Error != "" || e.Fingerprint == nil {
			return notThisPlan(fmt.Sprintf("registry %s has no fingerprint", e.Registry))
		}
		r := fresh[e.Registry]
		if r == nil {
			switch failed := failedAs(run, e); {
			case failsNow(run, e):
			case failed != nil:
				stale = append(stale, fmt.Sprintf("registry %s (%s) failed in this run, so the plan could not be checked against it: %v", e.Registry, strings.Join(e.SpecFiles, ", "), failed.Err))
			default:
				stale = append(stale, fmt.Sprintf("registry %s (%s) is not reached by this run", e.Registry, strings.Join(e.SpecFiles, ", ")))
			}
			continue
		}
		if otherFiles(e.SpecFiles, r.Target.Sources) {
			// Its merged spec differs for that alone; "changed" would
			// blame a file that did not.
			stale = append(stale, fmt.Sprintf("registry %s: the plan was made from %s, and this run merges %s for it", e.Registry, strings.Join(e.SpecFiles, ", "), r.Sources()))
			continue
		}
		if err := CheckSaved(savedRegistry(saved, e), r.Plan); err != nil {
			stale = append(stale, fmt.Sprintf("registry %s (%s): %v", e.Registry, r.Sources(), err))
		}
	}
	for _, r := range run.Planned() {
		if !known[r.Key()] {
			stale = append(stale, fmt.Sprintf("registry %s (%s) is not in the saved plan", r.Key(), r.Sources()))
		}
	}
	for _, c := range saved.Changes {
		if !known[c.Registry] {
			return notThisPlan(fmt.Sprintf("%s names registry %q, which the plan does not list", c.Address, c.Registry))
		}
	}
	if len(stale) > 0 {
		return errors.New("refusing the saved plan: " + staleCount(len(stale)) + "; nothing was written in any registry. Run plan again:\n  - " + strings.Join(stale, "\n  - "))
	}
	return nil
}

func staleCount(n int) string {
	if n == 1 {
		return "1 registry does not match it"
	}
	return fmt.Sprintf("%d registries do not match it", n)
}

// otherFiles reports whether a registry is now merged from another set of
// spec files than the plan was made from: another number of files, or,
// for a merged one, other names (by base name, as spec.LoadSet's hash of
// a merged registry has them; the paths' form may differ between plan
// and apply).
func otherFiles(was, now []string) bool {
	if len(was) != len(now) {
		return true
	}
	if len(was) == 1 {
		return false // one file: its content decides, as for a single-registry plan
	}
	for i := range was {
		if filepath.Base(filepath.FromSlash(was[i])) != filepath.Base(now[i]) {
			return true
		}
	}
	return false
}

// failsNow reports whether a registry of the saved plan is one that failed
// in this run (matched by its spec files: its account may be unknown now).
func failsNow(run *Run, e RegistryPlan) bool {
	return slices.ContainsFunc(run.Failed(), func(r *RegistryRun) bool { return slices.Equal(r.Target.Sources, e.SpecFiles) })
}

// failedAs is the registry that failed in this run and is likely registry
// e of the saved plan although its spec paths are written otherwise (the
// -f paths absolute at one time, relative at the other): its key, or the
// base names of its files, are the plan's. nil when none is. Such a
// registry is still refused (its files are not surely the plan's), but
// the message says it failed, and why, instead of "not reached".
func failedAs(run *Run, e RegistryPlan) *RegistryRun {
	for _, r := range run.Failed() {
		if r.Key() == e.Registry || sameBaseNames(e.SpecFiles, r.Target.Sources) {
			return r
		}
	}
	return nil
}

func sameBaseNames(was, now []string) bool {
	return slices.EqualFunc(was, now, func(a, b string) bool {
		return filepath.Base(filepath.FromSlash(a)) == filepath.Base(b)
	})
}

// savedRegistry is registry e's part of a saved plan over several
// registries, as a single-registry plan (addresses without the registry).
func savedRegistry(saved *Plan, e RegistryPlan) *Plan {
	p := &Plan{FormatVersion: saved.FormatVersion, Region: e.Region, RegistryID: e.Account, Fingerprint: e.Fingerprint,
		HasChanges: e.HasChanges, Summary: e.Summary, Unmanaged: e.Unmanaged, Changes: []ResourceChange{},
		UnmanagedPullThroughCache: e.UnmanagedPullThroughCache, UnmanagedCreationTemplates: e.UnmanagedCreationTemplates}
	prefix := Address(e.Registry, "")
	for _, c := range saved.Changes {
		if c.Registry != e.Registry {
			continue
		}
		c.Address = strings.TrimPrefix(c.Address, prefix)
		c.Registry, c.Account, c.Region = "", "", ""
		p.Changes = append(p.Changes, c)
	}
	return p
}
