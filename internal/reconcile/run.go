package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// A run is one plan, or one apply, over every registry the spec files
// address (accounts and regions). Each registry goes through the
// single-registry engine unchanged (Read, Diff, Apply); what the run adds is
// connecting and reading them side by side, a shared and fair bound on the
// calls (FairLimiter), failures that stay with their registry, and one
// rendering, one saved plan and one exit code for all of them.

// RunOptions tune PlanRun.
type RunOptions struct {
	// Connect turns a target into a client and the region it resolved. An
	// error (a role that cannot be assumed, no region) is that registry's:
	// the others are still planned.
	Connect func(ctx context.Context, t *spec.Target) (ecrapi.API, string, error)
	// Parallelism bounds the ECR calls in flight across the whole run.
	Parallelism int
	Diff        DiffOptions
	// Progress, when set, is told each registry's read progress (Read's
	// ReadOptions.Progress), with the registry's index. Calls are
	// serialised.
	Progress func(registry int, p ReadProgress)
}

// RegistryRun is one registry of a run.
type RegistryRun struct {
	Target *spec.Target
	Region string     // as resolved when connecting; Target.Region until then
	Client ecrapi.API // the registry's client, drawing on the run's limiter; nil when connecting failed
	Live   *Live
	Plan   *Plan // nil when Err is set
	// Err is why this registry was not planned: connecting, reading, or
	// another target reaching the same registry. The other registries are
	// planned (and applied) all the same; the run exits 1.
	Err error
}

// Run is a plan over several registries, sorted by account and region.
type Run struct {
	Registries []*RegistryRun
}

// Account is the account the registry was found to be, else the one its
// target names ("" when neither is known).
func (r *RegistryRun) Account() string {
	if r.Plan != nil && r.Plan.RegistryID != "" {
		return r.Plan.RegistryID
	}
	return r.Target.Account
}

// Key names the registry as ACCOUNT/REGION: the prefix of its addresses in
// a multi-registry plan. "" when its account is not known (it failed).
func (r *RegistryRun) Key() string {
	if r.Account() == "" || r.Region == "" {
		return ""
	}
	return r.Account() + "/" + r.Region
}

// Role is the role ARN the registry is reached with; "" for the default
// credentials.
func (r *RegistryRun) Role() string {
	if r.Target.AssumeRole == nil {
		return ""
	}
	return r.Target.AssumeRole.RoleARN
}

// Sources are the spec files of the registry, for messages.
func (r *RegistryRun) Sources() string { return strings.Join(r.Target.Sources, ", ") }

// Title names the registry for people: "account 111122223333 in
// us-west-2".
func (r *RegistryRun) Title() string {
	account := "the default credentials' account"
	if a := r.Account(); a != "" {
		account = "account " + a
	}
	region := r.Region
	if region == "" {
		region = "the default region"
	}
	return account + " in " + region
}

// PlanRun plans every target, side by side. Every registry's calls share one
// FairLimiter of opt.Parallelism slots. It always returns a Run; a registry
// that fails carries its error, and the caller exits 1 after showing the
// others. An interrupt ends every registry's read (their errors say so).
func PlanRun(ctx context.Context, targets []*spec.Target, opt RunOptions) *Run {
	return planRunWith(ctx, targets, opt, NewFairLimiter(opt.Parallelism, len(targets)))
}

// planRunWith is PlanRun with the limiter given (tests watch its grants).
func planRunWith(ctx context.Context, targets []*spec.Target, opt RunOptions, lim *FairLimiter) *Run {
	run := &Run{Registries: make([]*RegistryRun, len(targets))}
	var progress sync.Mutex
	var wg sync.WaitGroup
	for i, t := range targets {
		r := &RegistryRun{Target: t, Region: t.Region}
		run.Registries[i] = r
		wg.Go(func() {
			ropt := ReadOptions{Parallelism: opt.Parallelism, LifecycleImpact: !opt.Diff.Now.IsZero()}
			if opt.Progress != nil {
				ropt.Progress = func(p ReadProgress) {
					progress.Lock()
					defer progress.Unlock()
					opt.Progress(i, p)
				}
			}
			planRegistry(ctx, r, lim, i, opt, ropt)
		})
	}
	wg.Wait()
	// In the order of the registries as found: a target for the default
	// identity is listed under its account, not first.
	slices.SortStableFunc(run.Registries, func(a, b *RegistryRun) int {
		return cmp.Or(cmp.Compare(a.Account(), b.Account()), cmp.Compare(a.Region, b.Region))
	})
	run.refuseSameRegistry()
	return run
}

// planRegistry connects to, reads and diffs registry number i of a run.
func planRegistry(ctx context.Context, r *RegistryRun, lim *FairLimiter, i int, opt RunOptions, ropt ReadOptions) {
	client, region, err := opt.Connect(ctx, r.Target)
	if err != nil {
		r.Err = err
		return
	}
	r.Region, ropt.Region = region, region
	r.Client = &limitedClient{API: client, lim: lim, registry: i}
	live, err := Read(ctx, r.Client, r.Target.Spec, ropt)
	if err != nil {
		r.Err = err
		return
	}
	if live.RegistryID == "" {
		// A run names each registry by its account, and two targets that
		// reach one registry must be caught: both need the account.
		r.Err = fmt.Errorf("cannot tell which AWS account %s reaches in %s: the registry holds no repositories and ecr:DescribeRegistry was denied. Allow ecr:DescribeRegistry, or set account: in %s", r.Sources(), region, r.Sources())
		return
	}
	r.Live, r.Plan = live, Diff(r.Target.Spec, live, opt.Diff)
}

// refuseSameRegistry fails every registry that another target also reached:
// files that name different accounts or regions were not merged, but their
// credentials may still land in one registry (a role in the default
// identity's own account), and two plans for one registry would fight.
func (run *Run) refuseSameRegistry() {
	var ok []*RegistryRun
	for _, r := range run.Registries {
		if r.Err == nil {
			ok = append(ok, r)
		}
	}
	RefuseSameRegistry(ok, "planned", func(r *RegistryRun) SameRegistryKey {
		return SameRegistryKey{Key: r.Key(), Sources: r.Sources(), Title: r.Title()}
	}, func(r *RegistryRun, err error) {
		r.Err, r.Plan, r.Live = err, nil, nil
	})
}

// SameRegistryKey is what RefuseSameRegistry needs of one registry of a
// run: Key is ACCOUNT/REGION ("" = not known, never refused), Sources its
// spec files and Title its name for people.
type SameRegistryKey struct{ Key, Sources, Title string }

// RefuseSameRegistry is plan's check that no two targets of a run reach
// one registry, for every verb whose output is keyed by ACCOUNT/REGION:
// refuse is called with the error for each item whose key another item
// shares (done is what was not done for it: "planned", "written").
func RefuseSameRegistry[T any](items []T, done string, key func(T) SameRegistryKey, refuse func(T, error)) {
	byKey := map[string][]T{}
	var keys []string
	for _, it := range items {
		k := key(it).Key
		if k == "" {
			continue
		}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], it)
	}
	for _, k := range keys {
		same := byKey[k]
		if len(same) < 2 {
			continue
		}
		var files []string
		for _, it := range same {
			files = append(files, key(it).Sources)
		}
		for _, it := range same {
			refuse(it, fmt.Errorf("%s and %s all reach the same registry (%s); nothing was %s for it. Files for one registry are merged only when they say so: give them the same account: and region: (and assumeRole:), or point them at different registries", strings.Join(files[:len(files)-1], ", "), files[len(files)-1], key(it).Title, done))
		}
	}
}

// Failed are the registries that could not be planned.
func (run *Run) Failed() []*RegistryRun {
	var out []*RegistryRun
	for _, r := range run.Registries {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}

// Planned are the registries that were planned.
func (run *Run) Planned() []*RegistryRun {
	var out []*RegistryRun
	for _, r := range run.Registries {
		if r.Err == nil {
			out = append(out, r)
		}
	}
	return out
}

// HasChanges reports whether any registry has a change.
func (run *Run) HasChanges() bool {
	return slices.ContainsFunc(run.Planned(), func(r *RegistryRun) bool { return r.Plan.HasChanges })
}

// Summary adds up the registries' summaries.
func (run *Run) Summary() Summary {
	var s Summary
	for _, r := range run.Planned() {
		s.Add += r.Plan.Summary.Add
		s.Change += r.Plan.Summary.Change
		s.Destroy += r.Plan.Summary.Destroy
	}
	return s
}

// Allow re-decides blocked changes in every registry (see Plan.Allow).
func (run *Run) Allow(opt DiffOptions) {
	for _, r := range run.Planned() {
		r.Plan.Allow(opt)
	}
}

// NoteImpactSkipped adds Plan.NoteImpactSkipped's warnings to every
// registry.
func (run *Run) NoteImpactSkipped() {
	for _, r := range run.Planned() {
		r.Plan.NoteImpactSkipped()
	}
}

// Blocked returns every blocked change of the run, addressed across
// registries: one anywhere refuses the whole apply.
func (run *Run) Blocked() []ResourceChange {
	var out []ResourceChange
	for _, r := range run.Planned() {
		for _, c := range r.Plan.Blocked() {
			out = append(out, r.qualify(c))
		}
	}
	return out
}

// Address is the address of a change of registry key in a plan over
// several registries: `registry["ACCOUNT/REGION"].repository.app`, unique
// across the run (docs/plan-json.md).
func Address(key, local string) string {
	return fmt.Sprintf("registry[%q].%s", key, local)
}

// qualify is c as a plan over several registries shows it: its address
// unique across the run, its account and region set.
func (r *RegistryRun) qualify(c ResourceChange) ResourceChange {
	c.Registry, c.Account, c.Region = r.Key(), r.Account(), r.Region
	c.Address = Address(c.Registry, c.Address)
	return c
}

// ApplyRun applies every planned registry with changes, side by side,
// through their limited clients. It refuses before any write when any
// registry has a blocked change. opt is for the whole run: Progress lines
// are prefixed with the registry, Steps counts the calls of all of them,
// and the result's addresses are unique across the run.
func ApplyRun(ctx context.Context, run *Run, opt ApplyOptions) (*Result, error) {
	if blocked := run.Blocked(); len(blocked) > 0 {
		return nil, &BlockedError{Changes: blocked}
	}
	regs := slices.DeleteFunc(run.Planned(), func(r *RegistryRun) bool { return !r.Plan.HasChanges })
	results := make([]*Result, len(regs))
	errs := make([]error, len(regs))
	var mu sync.Mutex
	steps := make([]ApplyProgress, len(regs))
	var wg sync.WaitGroup
	for i, r := range regs {
		o := opt
		if r.Target != nil {
			o.AssumeRole = r.Target.AssumeRole
		}
		if o.Progress != nil {
			o.Progress = &prefixWriter{mu: &mu, w: opt.Progress, prefix: "[" + r.Key() + "] "}
		}
		if opt.Steps != nil {
			o.Steps = func(p ApplyProgress) {
				mu.Lock()
				defer mu.Unlock()
				steps[i] = p
				var all ApplyProgress
				for _, s := range steps {
					all.Done += s.Done
					all.Total += s.Total
				}
				opt.Steps(all)
			}
		}
		wg.Go(func() { results[i], errs[i] = Apply(ctx, r.Client, r.Plan, o) })
	}
	wg.Wait()
	res := &Result{}
	for i, r := range regs {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", r.Title(), errs[i])
		}
		q := func(a string) string { return Address(r.Key(), a) }
		sub := results[i]
		res.Summary.Add += sub.Summary.Add
		res.Summary.Change += sub.Summary.Change
		res.Summary.Destroy += sub.Summary.Destroy
		for _, a := range sub.Applied {
			res.Applied = append(res.Applied, q(a))
		}
		for _, a := range sub.NotStarted {
			res.NotStarted = append(res.NotStarted, q(a))
		}
		for _, f := range sub.Failed {
			f.Address = q(f.Address)
			res.Failed = append(res.Failed, f)
		}
	}
	return res, nil
}

// prefixWriter writes each line with the registry's prefix; lines of
// registries applied side by side never interleave.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			out.WriteString(p.prefix + line)
		}
	}
	if _, err := io.WriteString(p.w, out.String()); err != nil {
		return 0, err
	}
	return len(b), nil
}
