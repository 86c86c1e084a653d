package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

type planOptions struct {
	Output            string
	SummaryFile       string
	DetailedExitCode  bool
	Out               string
	AllowDeleteImages bool
	AllowReplace      bool
	NoLifecycleImpact bool
	PricePerGBMonth   float64
	AWSPreview        bool
}

func newPlanCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change",
		Long: `Plan reads live ECR (describe and get calls only), compares it with the spec by
meaning (lifecycle rules canonicalised, repository policies by IAM semantics)
and prints what apply would do, in Terraform's vocabulary:
  +  create    ~  update in place    -  destroy    -/+  replace

Destructive changes (deleting a repository that holds images, replacing one
to change its encryption, or a lifecycle policy change that destroys images
the current policy keeps, now or within 30 days) are marked blocked unless
the flag that allows them is given; apply refuses a plan with a blocked change.

Several registries: -f may be repeated and may name a directory (its *.yaml
and *.yml files). Files for one registry (account and region) are merged; the
registries are read side by side, each one's changes shown under a header
with its account, region and role, and one summary line for the run.
--parallelism bounds the calls of the whole run, shared fairly between the
registries. A registry that cannot be reached or read is shown with the
reason, the others are still planned, and the run exits 1. In JSON each
change then carries its account and region, its address reads
registry["ACCOUNT/REGION"].repository.NAME, and a registries list gives each
registry's role, files, unmanaged repositories and fingerprint or error
(docs/plan-json.md).

Exit codes:
  0  success (with --detailed-exitcode: no changes)
  1  error, or some registry could not be planned
  2  changes present in some registry (--detailed-exitcode only)`,
		Example: `  ecrctl plan
  ecrctl plan -o json | jq '.resource_changes[] | select(.actions != ["no-op"])'
  ecrctl plan --detailed-exitcode    # drift check in CI: exit 2 means drift
  ecrctl plan -o markdown > plan.md  # for a pull-request comment
  ecrctl plan --summary-file "$GITHUB_STEP_SUMMARY"   # text to stdout, markdown appended to the job summary
  ecrctl plan --out plan.json && ecrctl apply plan.json
  ecrctl plan -f registries/          # every *.yaml file there: one plan over their registries
  ecrctl plan -f teams/ -f shared.yaml --detailed-exitcode   # drift check over several accounts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlan(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Output, "output", "o", "text", "output format: text, json or markdown")
	fl.StringVar(&o.SummaryFile, "summary-file", "", "also write the plan as markdown to this file, appending if it exists (e.g. $GITHUB_STEP_SUMMARY)")
	fl.BoolVar(&o.DetailedExitCode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	// A back-quoted word in a usage string is the flag's value name in
	// --help: name FILE, not the apply command.
	fl.StringVar(&o.Out, "out", "", "also save the plan to `FILE` (JSON with a fingerprint of spec and live state), to run with ecrctl apply FILE")
	addDestructiveFlags(fl.BoolVar, &o.AllowDeleteImages, &o.AllowReplace)
	fl.BoolVar(&o.NoLifecycleImpact, "no-lifecycle-impact", false, "skip reading images to estimate what a lifecycle policy change would expire")
	fl.Float64Var(&o.PricePerGBMonth, "price-per-gb-month", format.DefaultPricePerGBMonth, "ECR storage price in USD per GB-month, for the lifecycle impact estimate")
	fl.BoolVar(&o.AWSPreview, "aws-preview", false, "cross-check each lifecycle impact estimate with ECR's own lifecycle policy preview (slower; skipped where the endpoint lacks it)")
	return cmd
}

func addDestructiveFlags(boolVar func(*bool, string, bool, string), deleteImages, replace *bool) {
	boolVar(deleteImages, "allow-delete-images", false, "allow changes that destroy images: deleting or replacing a repository that holds images, or a lifecycle policy change that expires images at once")
	boolVar(replace, "allow-replace", false, "allow replacing a repository (delete and create) to change its encryption")
}

// checkPrice rejects a --price-per-gb-month that no estimate can use: NaN and
// infinities (JSON cannot carry them) and negative prices.
func checkPrice(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("--price-per-gb-month must be a finite number of USD, 0 or more (e.g. 0.10), got %v", v)
	}
	return nil
}

func runPlan(ctx context.Context, f *factory, g *globalOptions, o *planOptions) error {
	if o.Output != "text" && o.Output != "json" && o.Output != "markdown" {
		return fmt.Errorf("-o %q is not a format; use text, json or markdown", o.Output)
	}
	if err := checkPrice(o.PricePerGBMonth); err != nil {
		return err
	}
	// A saved plan and the summary are files by nature; stdout already
	// has -o json and -o markdown.
	if o.Out == stdinPath {
		return errors.New("--out - : a saved plan must be a file, which `ecrctl apply FILE` reads back; for the plan on stdout use -o json")
	}
	if o.SummaryFile == stdinPath {
		return errors.New("--summary-file - : the summary must be a file (it is appended to); for markdown on stdout use -o markdown")
	}
	// apply re-reads a saved plan's spec to check it is not stale: stdin
	// cannot be read twice.
	if o.Out != "" && slices.Contains(g.Files, stdinPath) {
		return errors.New("--out with -f - : apply re-reads the spec a saved plan was made from, and stdin cannot be read again; save the spec to a file and pass -f FILE")
	}
	targets, err := loadTargets(ctx, f, g.Files)
	if err != nil {
		return err
	}
	opt := reconcile.DiffOptions{AllowDeleteImages: o.AllowDeleteImages, AllowReplace: o.AllowReplace}
	if !o.NoLifecycleImpact {
		opt.Now, opt.PricePerGBMonth = time.Now(), o.PricePerGBMonth
	}
	if len(targets) > 1 {
		return runPlanMany(ctx, f, g, o, targets, opt)
	}
	t := targets[0]
	s := t.Spec
	warnPendingRestores(f, g, t)
	c, err := computePlan(ctx, f, g, t, opt)
	if err != nil {
		return err
	}
	p := c.Plan
	if o.NoLifecycleImpact {
		p.NoteImpactSkipped()
	}
	if o.AWSPreview && !opt.Now.IsZero() {
		if err := reconcile.AddPreviewChecks(ctx, c.Client, s, c.Live, p, reconcile.PreviewOptions{Poll: 2 * time.Second, Timeout: 2 * time.Minute}); err != nil {
			return err
		}
	}
	switch o.Output {
	case "json":
		err = reconcile.RenderJSON(f.IO.Out, p)
	case "markdown":
		err = reconcile.RenderMarkdown(f.IO.Out, p)
	default:
		err = reconcile.RenderText(f.IO.Out, p, f.IO.Color(g.NoColor))
	}
	if err != nil {
		return err
	}
	if o.SummaryFile != "" {
		if err := appendMarkdown(o.SummaryFile, func(w io.Writer) error { return reconcile.RenderMarkdown(w, p) }); err != nil {
			return err
		}
	}
	if o.Out != "" {
		if p.RegistryID == "" {
			return fmt.Errorf("not saving the plan to %s: ecrctl could not tell which AWS account it was made for (the registry holds no repositories and ecr:DescribeRegistry was denied), and a saved plan must never apply to an account nobody reviewed. Allow ecr:DescribeRegistry and run plan again", o.Out)
		}
		if err := savePlan(f, g, o.Out, p, len(t.Sources) == 1); err != nil {
			return err
		}
	}
	if o.DetailedExitCode && p.HasChanges {
		return exitCodeError{exitChanges}
	}
	return nil
}

// savePlan writes the plan file. A plan from one spec file keeps the format
// of earlier versions (the spec file in its fingerprint); any other set
// records the -f paths, which apply loads again.
func savePlan(f *factory, g *globalOptions, path string, p *reconcile.Plan, oneSource bool) error {
	var err error
	if oneSource && len(g.Files) == 1 && !isDir(g.Files[0]) {
		err = reconcile.WritePlanFile(path, p)
	} else {
		err = reconcile.WritePlanFileFrom(path, p, g.Files)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "Saved the plan to %s; run `ecrctl apply %s` to apply exactly these changes.\n", path, path)
	return nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// runPlanMany plans a run over several registries: side by side, one
// rendering with a section per registry, one exit code. A registry that
// cannot be planned is shown with its reason and the run exits 1.
func runPlanMany(ctx context.Context, f *factory, g *globalOptions, o *planOptions, targets []*spec.Target, opt reconcile.DiffOptions) error {
	for _, t := range targets {
		warnPendingRestores(f, g, t)
	}
	run, err := computeRun(ctx, f, g, targets, opt)
	if err != nil {
		return err
	}
	if o.NoLifecycleImpact {
		run.NoteImpactSkipped()
	}
	if o.AWSPreview && !opt.Now.IsZero() {
		for _, r := range run.Planned() {
			if err := reconcile.AddPreviewChecks(ctx, r.Client, r.Target.Spec, r.Live, r.Plan, reconcile.PreviewOptions{Poll: 2 * time.Second, Timeout: 2 * time.Minute}); err != nil {
				return fmt.Errorf("%s: %w", r.Title(), err)
			}
		}
	}
	switch o.Output {
	case "json":
		err = reconcile.RenderJSON(f.IO.Out, run.Merged())
	case "markdown":
		err = reconcile.RenderRunMarkdown(f.IO.Out, run)
	default:
		err = reconcile.RenderRunText(f.IO.Out, run, f.IO.Color(g.NoColor))
	}
	if err != nil {
		return err
	}
	if o.SummaryFile != "" {
		if err := appendMarkdown(o.SummaryFile, func(w io.Writer) error { return reconcile.RenderRunMarkdown(w, run) }); err != nil {
			return err
		}
	}
	failed := run.Failed()
	if o.Out != "" {
		if len(failed) > 0 {
			fmt.Fprintf(f.IO.ErrOut, "Not saving the plan to %s: a saved plan covers every registry of the run, and %s could not be planned.\n", o.Out, format.Count(len(failed), "registry", "registries"))
		} else if err := savePlan(f, g, o.Out, run.Merged(), false); err != nil {
			return err
		}
	}
	if reportFailedRegistries(f, run) {
		return errReported
	}
	if o.DetailedExitCode && run.HasChanges() {
		return exitCodeError{exitChanges}
	}
	return nil
}

// reportFailedRegistries says on stderr which registries could not be
// planned (the plan shows why, under each one's header); true when any.
func reportFailedRegistries(f *factory, run *reconcile.Run) bool {
	failed := run.Failed()
	if len(failed) == 0 {
		return false
	}
	names := make([]string, len(failed))
	for i, r := range failed {
		names[i] = fmt.Sprintf("%s (%s)", r.Title(), r.Sources())
	}
	fmt.Fprintf(f.IO.ErrOut, "Error: %d of %d registries could not be planned, so nothing was done there: %s. The plan shows why under each one.\n", len(failed), len(run.Registries), strings.Join(names, "; "))
	return true
}

// appendMarkdown appends the markdown plan to path, creating it if needed:
// GitHub's $GITHUB_STEP_SUMMARY is shared by the steps of a job.
func appendMarkdown(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("writing the summary file: %w", err)
	}
	data := buf.Bytes()
	if st, err := fh.Stat(); err == nil && st.Size() > 0 {
		data = append([]byte("\n"), data...) // keep earlier content a separate block
	}
	if _, err := fh.Write(data); err != nil {
		_ = fh.Close()
		return fmt.Errorf("writing the summary file %s: %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("writing the summary file %s: %w", path, err)
	}
	return nil
}

// computed is a plan with what it was computed from, for apply and
// --aws-preview to reuse.
type computed struct {
	Plan   *reconcile.Plan
	Client ecrapi.API
	Live   *reconcile.Live
}

// computePlan reads live state for one registry's spec and diffs it.
func computePlan(ctx context.Context, f *factory, g *globalOptions, t *spec.Target, opt reconcile.DiffOptions) (*computed, error) {
	s := t.Spec
	client, region, err := connectTarget(ctx, f, g, t)
	if err != nil {
		return nil, err
	}
	ropt := reconcile.ReadOptions{Region: region, Parallelism: g.Parallelism, LifecycleImpact: !opt.Now.IsZero()}
	line := f.IO.LiveLine(g.NoColor)
	switch {
	case line != nil:
		line.Set(fmt.Sprintf("Reading live ECR state in %s...", region))
		ropt.Progress = func(p reconcile.ReadProgress) { line.Set(readProgressText(region, p)) }
	case f.IO.Interactive():
		fmt.Fprintf(f.IO.ErrOut, "Reading live ECR state in %s for %d %s...\n", region, len(s.Repositories), format.Plural(len(s.Repositories), "repository", "repositories"))
	}
	live, err := reconcile.Read(ctx, client, s, ropt)
	line.Clear()
	if err != nil {
		return nil, err
	}
	return &computed{Plan: reconcile.Diff(s, live, opt), Client: client, Live: live}, nil
}

// computeRun plans several registries side by side. --region must not
// contradict a region a spec names: that is refused before anything is
// sent. An interrupt ends the run with its error, as for one registry.
func computeRun(ctx context.Context, f *factory, g *globalOptions, targets []*spec.Target, opt reconcile.DiffOptions) (*reconcile.Run, error) {
	for _, t := range targets {
		if err := checkRegionFlag(g, t); err != nil {
			return nil, err
		}
	}
	ropt := reconcile.RunOptions{
		Connect: func(ctx context.Context, t *spec.Target) (ecrapi.API, string, error) {
			return connectTarget(ctx, f, g, t)
		},
		Parallelism: g.Parallelism,
		Diff:        opt,
	}
	repos := 0
	for _, t := range targets {
		repos += len(t.Spec.Repositories)
	}
	line := f.IO.LiveLine(g.NoColor)
	switch {
	case line != nil:
		line.Set(fmt.Sprintf("Reading live ECR state in %d registries...", len(targets)))
		repos, images := make([]reconcile.ReadProgress, len(targets)), make([]reconcile.ReadProgress, len(targets))
		ropt.Progress = func(i int, p reconcile.ReadProgress) { // serialised by PlanRun
			if p.Stage == reconcile.ReadImages {
				images[i] = p
			} else {
				repos[i] = p
			}
			line.Set(runProgressText(repos, images))
		}
	case f.IO.Interactive():
		fmt.Fprintf(f.IO.ErrOut, "Reading live ECR state in %d registries for %d %s...\n", len(targets), repos, format.Plural(repos, "repository", "repositories"))
	}
	run := reconcile.PlanRun(ctx, targets, ropt)
	line.Clear()
	if ctx.Err() != nil {
		for _, r := range run.Failed() {
			return nil, fmt.Errorf("%s: %w", r.Title(), r.Err)
		}
		return nil, ctx.Err()
	}
	return run, nil
}
