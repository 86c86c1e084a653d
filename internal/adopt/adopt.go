// Package adopt writes a registry.yaml for repositories that already exist:
// it reads the live registry (describe, list and get calls only) and renders
// a spec that manages every attribute of the selected repositories, so that
// a plan right after the import shows no changes.
package adopt

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// Selection picks repositories by name. Empty means every repository; else
// a repository is selected when its name starts with one of Prefixes or
// equals one of Names.
type Selection struct {
	Prefixes []string
	Names    []string
}

func (s Selection) all() bool { return len(s.Prefixes) == 0 && len(s.Names) == 0 }

func (s Selection) matches(name string) bool {
	if s.all() || slices.Contains(s.Names, name) {
		return true
	}
	for _, p := range s.Prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Options tune an import.
type Options struct {
	Selection
	Region      string // written to the spec; the client's region
	Parallelism int    // concurrent per-repository reads
	// NoRegistry leaves the registry's own settings out: no registry:
	// section, and no call that reads them.
	NoRegistry bool
}

// Result is an imported spec.
type Result struct {
	YAML         []byte
	Region       string
	RegistryID   string
	Repositories []string // imported, sorted
	// Warnings name attributes that could not be written in the spec and
	// are left unmanaged (ecrctl will neither compare nor change them).
	Warnings []string
}

// Import reads the registry and returns a spec for the selected
// repositories. It never writes to ECR. Before returning, it checks the
// property the spec exists for: parsed back and diffed with the same live
// state, it plans no change.
func Import(ctx context.Context, client ecrapi.Reader, opt Options) (*Result, error) {
	listed, registryID, err := ecrapi.ListRepositories(ctx, client)
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range listed {
		if opt.matches(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var missing []string
	for _, n := range opt.Names {
		if _, ok := listed[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no repository named %s in registry %s (%s)", strings.Join(quoteAll(missing), ", "), registryID, opt.Region)
	}
	// A registry without repositories may still hold registry settings
	// (a hub with pull-through cache rules and templates): import them.
	registryOnly := len(names) == 0 && opt.all() && !opt.NoRegistry
	if len(names) == 0 && !registryOnly {
		if opt.all() {
			return nil, fmt.Errorf("registry %s in %s holds no repositories; there is nothing to import", registryID, opt.Region)
		}
		return nil, fmt.Errorf("no repository in registry %s (%s) starts with %s", registryID, opt.Region, strings.Join(quoteAll(opt.Prefixes), " or "))
	}

	// Read again, now managing tags and both policies of every selected
	// repository, so Read fetches them (with its bounded concurrency).
	// Listed again, so a repository deleted meanwhile is left out rather
	// than failing its reads, then tags and both policies of each.
	current, registryID, err := ecrapi.ListRepositories(ctx, client)
	if err != nil {
		return nil, err
	}
	live := &reconcile.Live{Region: opt.Region, RegistryID: registryID, Repos: current}
	var repos []*ecrapi.Repository
	var warnings []string
	var tasks []func(context.Context) error
	for _, n := range names {
		lr, ok := current[n]
		if !ok {
			warnings = append(warnings, fmt.Sprintf("repository %q was deleted while it was being read; it is not in the spec", n))
			continue
		}
		repos = append(repos, lr)
		tasks = append(tasks,
			func(ctx context.Context) error { return ecrapi.ReadTags(ctx, client, lr) },
			func(ctx context.Context) error { return ecrapi.ReadLifecycle(ctx, client, lr) },
			func(ctx context.Context) error { return ecrapi.ReadPolicy(ctx, client, lr) })
	}
	var mu sync.Mutex
	var regWarnings []string
	if !opt.NoRegistry {
		live.Registry = &reconcile.RegistryLive{}
		tasks = append(tasks, registryTasks(client, live.Registry, func(w string) {
			mu.Lock()
			defer mu.Unlock()
			regWarnings = append(regWarnings, w)
		}, func(id string) {
			if live.RegistryID == "" { // an empty registry: only DescribeRegistry names its account
				live.RegistryID = id
			}
		})...)
	}
	if err := ecrapi.RunAll(ctx, opt.Parallelism, tasks); err != nil {
		return nil, err
	}
	sort.Strings(regWarnings) // the reads finish in any order
	warnings = append(warnings, regWarnings...)
	if len(repos) == 0 && !registryOnly {
		return nil, fmt.Errorf("every selected repository was deleted while it was being read")
	}
	if registryOnly && !hasRegistrySettings(live.Registry) {
		return nil, fmt.Errorf("registry %s in %s holds no repositories and no registry settings; there is nothing to import", live.RegistryID, opt.Region)
	}
	text, genWarnings, err := generate(opt.Region, live.RegistryID, repos, live.Registry)
	if err != nil {
		return nil, err
	}
	if err := checkRoundTrip(text, live); err != nil {
		return nil, err
	}
	res := &Result{YAML: text, Region: opt.Region, RegistryID: live.RegistryID, Warnings: append(warnings, genWarnings...)}
	for _, lr := range repos {
		res.Repositories = append(res.Repositories, lr.Name)
	}
	return res, nil
}

// checkRoundTrip parses the generated spec and diffs it with the live state
// it came from: anything but "no changes" is a bug in Generate, and such a
// spec must never be written.
func checkRoundTrip(text []byte, live *reconcile.Live) error {
	f, err := spec.Parse("imported registry.yaml", text)
	if err != nil {
		return fmt.Errorf("the generated spec does not validate (a bug in ecrctl import; please report it with the repository's settings): %w", err)
	}
	p := reconcile.Diff(f, live, reconcile.DiffOptions{})
	var bad []string
	for _, c := range p.Changes {
		if c.Is(reconcile.NoOp) {
			continue
		}
		paths := make([]string, 0, len(c.Changes))
		for _, ch := range c.Changes {
			paths = append(paths, ch.Path)
		}
		what := c.Name
		if what == "" { // a registry singleton
			what = c.Address
		}
		bad = append(bad, fmt.Sprintf("%s (%s)", what, strings.Join(paths, ", ")))
	}
	if len(bad) > 0 {
		return fmt.Errorf("the generated spec would still change %s (a bug in ecrctl import; please report it); nothing was written", strings.Join(bad, "; "))
	}
	return nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
