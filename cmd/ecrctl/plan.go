package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
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

Exit codes:
  0  success (with --detailed-exitcode: no changes)
  1  error
  2  changes present (--detailed-exitcode only)`,
		Example: `  ecrctl plan
  ecrctl plan -o json | jq '.resource_changes[] | select(.actions != ["no-op"])'
  ecrctl plan --detailed-exitcode    # drift check in CI: exit 2 means drift
  ecrctl plan -o markdown > plan.md  # for a pull-request comment
  ecrctl plan --summary-file "$GITHUB_STEP_SUMMARY"   # text to stdout, markdown appended to the job summary
  ecrctl plan --out plan.json && ecrctl apply plan.json`,
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
	if o.Out != "" && g.File == stdinPath {
		return errors.New("--out with -f - : apply re-reads the spec a saved plan was made from, and stdin cannot be read again; save the spec to a file and pass -f FILE")
	}
	s, err := loadSpec(ctx, f, g.File)
	if err != nil {
		return err
	}
	warnPendingRestores(f, s)
	opt := reconcile.DiffOptions{AllowDeleteImages: o.AllowDeleteImages, AllowReplace: o.AllowReplace}
	if !o.NoLifecycleImpact {
		opt.Now, opt.PricePerGBMonth = time.Now(), o.PricePerGBMonth
	}
	c, err := computePlan(ctx, f, g, s, opt)
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
		if err := appendMarkdown(o.SummaryFile, p); err != nil {
			return err
		}
	}
	if o.Out != "" {
		if p.RegistryID == "" {
			return fmt.Errorf("not saving the plan to %s: ecrctl could not tell which AWS account it was made for (the registry holds no repositories and ecr:DescribeRegistry was denied), and a saved plan must never apply to an account nobody reviewed. Allow ecr:DescribeRegistry and run plan again", o.Out)
		}
		if err := reconcile.WritePlanFile(o.Out, p); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "Saved the plan to %s; run `ecrctl apply %s` to apply exactly these changes.\n", o.Out, o.Out)
	}
	if o.DetailedExitCode && p.HasChanges {
		return exitCodeError{exitChanges}
	}
	return nil
}

// appendMarkdown appends the markdown plan to path, creating it if needed:
// GitHub's $GITHUB_STEP_SUMMARY is shared by the steps of a job.
func appendMarkdown(path string, p *reconcile.Plan) error {
	var buf bytes.Buffer
	if err := reconcile.RenderMarkdown(&buf, p); err != nil {
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

// computePlan reads live state for the spec and diffs it.
func computePlan(ctx context.Context, f *factory, g *globalOptions, s *spec.File, opt reconcile.DiffOptions) (*computed, error) {
	client, region, err := connect(ctx, f, g, s)
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
