package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

type applyOptions struct {
	AutoApprove       bool
	AllowDeleteImages bool
	AllowReplace      bool
	PlanFile          string
	FileSet           bool // -f was given
}

func newApplyCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply [PLAN_FILE]",
		Short: "Converge ECR with the spec",
		Long: `Apply computes the plan, shows it, asks for confirmation (on a terminal), and
executes exactly that plan with create/put/set calls. Without a terminal it
refuses unless --auto-approve is given.

Given a PLAN_FILE saved by 'ecrctl plan --out', apply re-reads live state and
refuses with "plan is stale" when the spec file or live ECR changed since the
plan was made. It also refuses a plan made for another AWS account (or one that
records none), and a delete, replacement or reviewed lifecycle change when the
repository now holds other images than the plan showed. Otherwise it runs the
saved steps (asking once on a terminal).

With -f - the spec is read from stdin: apply then needs --auto-approve (stdin
cannot also answer the prompt) and takes no PLAN_FILE (the spec of a saved
plan is read again to check it, and stdin cannot be read twice).

A plan with a blocked change (one that would destroy images) is refused
before any write; the message names the flag that allows it.

Several registries (-f repeated, or a directory): one plan is shown and
confirmed once, then the registries are applied side by side. A blocked
change in any registry refuses the whole apply. A registry that cannot be
reached or read is reported and the others are applied (exit 1). A saved
plan records the -f paths and a fingerprint per registry; apply refuses it,
naming each stale registry, when any of them changed.

Interrupts: the first Ctrl-C or SIGTERM stops new calls; calls in flight
finish and apply reports (exit 1); a second exits at once (exit 130). A
replacement (--allow-replace) is the exception: before it deletes a
repository it writes ecrctl-restore-<repository>.json to the current
directory, and from then until the new repository has every carried-over
setting no signal ends ecrctl (SIGKILL aside). If a call fails there, the
file stays: 'ecrctl restore FILE' replays what is missing.

Exit codes:
  0  applied, or nothing to do
  1  error, refused, some changes failed (each failure is listed), or some
     registry could not be planned`,
		Example: `  ecrctl apply
  ecrctl apply --auto-approve                # in CI
  ecrctl plan --out plan.json && ecrctl apply plan.json
  ecrctl apply --allow-replace --allow-delete-images   # permit destroying images
  ecrctl apply -f registries/ --auto-approve           # every registry of the directory's files
  ecrctl plan -f teams/ -f shared.yaml --out plan.json && ecrctl apply plan.json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeFileExt(1, "json"), // a plan saved by plan --out
		RunE: func(cmd *cobra.Command, args []string) error {
			g.Writes = true
			if len(args) == 1 {
				o.PlanFile = args[0]
			}
			o.FileSet = cmd.Flags().Changed("file")
			return runApply(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.AutoApprove, "auto-approve", false, "apply without asking (required when stdin is not a terminal)")
	addDestructiveFlags(fl.BoolVar, &o.AllowDeleteImages, &o.AllowReplace)
	return cmd
}

func runApply(ctx context.Context, f *factory, g *globalOptions, o *applyOptions) error {
	// Apply always estimates lifecycle impact: a policy change that expires
	// images at once is blocked without --allow-delete-images.
	flags := reconcile.DiffOptions{AllowDeleteImages: o.AllowDeleteImages, AllowReplace: o.AllowReplace, Now: time.Now(), PricePerGBMonth: format.DefaultPricePerGBMonth}
	stdin := slices.Contains(g.Files, stdinPath)
	switch {
	case o.PlanFile == stdinPath:
		return errors.New("apply - : a saved plan must be a file (its spec is found relative to it); save one with `ecrctl plan --out FILE`")
	case stdin && o.PlanFile != "":
		return errors.New("apply PLAN_FILE with -f - : a saved plan is checked against the spec it was made from, and stdin cannot be read again; pass the spec as a file with -f FILE, or drop -f")
	case stdin && !o.AutoApprove:
		return errors.New("apply -f - reads the spec from stdin, so stdin cannot answer the confirmation; review `ecrctl plan -f -` and pass --auto-approve, or pass the spec as a file")
	}
	var saved *reconcile.Plan
	specPaths := g.Files
	if o.PlanFile != "" {
		var err error
		if saved, err = reconcile.ReadPlanFile(o.PlanFile); err != nil {
			return err
		}
		// A saved plan names its spec files relative to the plan file; -f
		// wins.
		if paths := saved.SpecPathsOf(o.PlanFile); !o.FileSet && len(paths) > 0 {
			specPaths = paths
		}
	}
	targets, err := loadTargets(ctx, f, specPaths)
	if err != nil {
		return err
	}
	if len(targets) > 1 {
		return runApplyMany(ctx, f, g, o, targets, saved, flags)
	}
	t := targets[0]
	warnPendingRestores(f, g, t)
	c, err := computePlan(ctx, f, g, t, flags)
	if err != nil {
		return err
	}
	// A saved plan runs only when it is exactly what the spec and live state
	// give now; fresh, with the same steps, is then executed, with
	// requirements decided now.
	p, client := c.Plan, c.Client
	if saved != nil {
		if err := reconcile.CheckSaved(saved, p); err != nil {
			return err
		}
	}
	if err := reconcile.RenderText(f.IO.Out, p, f.IO.Color(g.NoColor)); err != nil {
		return err
	}
	if !p.HasChanges {
		return nil
	}
	if blocked := p.Blocked(); len(blocked) > 0 {
		return &reconcile.BlockedError{Changes: blocked}
	}
	if err := approve(ctx, f, o, saved != nil); err != nil {
		return err
	}
	opt, line := applyRunOptions(f, g)
	opt.AssumeRole = t.AssumeRole
	res, err := reconcile.Apply(ctx, client, p, opt)
	line.Clear()
	if err != nil {
		return err
	}
	return reportApply(f, res)
}

// runApplyMany applies a run over several registries: one plan shown, one
// confirmation, every registry applied side by side. A registry that
// cannot be planned is shown with its reason and the others are applied;
// a blocked change in any registry, or a saved plan stale in any, refuses
// the whole apply before any write.
func runApplyMany(ctx context.Context, f *factory, g *globalOptions, o *applyOptions, targets []*spec.Target, saved *reconcile.Plan, flags reconcile.DiffOptions) error {
	for _, t := range targets {
		warnPendingRestores(f, g, t)
	}
	run, err := computeRun(ctx, f, g, targets, flags)
	if err != nil {
		return err
	}
	if saved != nil {
		if err := reconcile.CheckSavedRun(saved, run); err != nil {
			return err
		}
	}
	if err := reconcile.RenderRunText(f.IO.Out, run, f.IO.Color(g.NoColor)); err != nil {
		return err
	}
	if !run.HasChanges() {
		if reportFailedRegistries(f, run) {
			return errReported
		}
		return nil
	}
	if blocked := run.Blocked(); len(blocked) > 0 {
		return &reconcile.BlockedError{Changes: blocked}
	}
	if err := approve(ctx, f, o, saved != nil); err != nil {
		return err
	}
	opt, line := applyRunOptions(f, g)
	res, err := reconcile.ApplyRun(ctx, run, opt)
	line.Clear()
	if err != nil {
		return err
	}
	complete := reconcile.RenderApplyResult(f.IO.Out, f.IO.ErrOut, res)
	if failed := reportFailedRegistries(f, run); failed || !complete {
		return errReported
	}
	return nil
}

// approve asks for confirmation on a terminal; without one, only
// --auto-approve or a saved plan (reviewed when it was made) go ahead.
func approve(ctx context.Context, f *factory, o *applyOptions, savedPlan bool) error {
	if o.AutoApprove {
		return nil
	}
	switch {
	case f.IO.CanPrompt():
		ok, err := confirm(ctx, f)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(f.IO.ErrOut, "Apply cancelled; nothing was changed.")
			return errReported
		}
	case !savedPlan:
		return errors.New("refusing to apply without confirmation: stdin is not a terminal. Review the plan and pass --auto-approve, or apply a saved plan file")
	}
	return nil
}

// applyRunOptions are apply's options from the flags and streams, with the
// progress line they draw on (nil when there is none; Clear it after).
func applyRunOptions(f *factory, g *globalOptions) (reconcile.ApplyOptions, *liveLine) {
	opt := reconcile.DefaultApplyOptions()
	opt.Parallelism = g.Parallelism
	opt.Progress = f.IO.ErrOut
	opt.Guard = f.Guard
	opt.RestoreDir = "."
	line := f.IO.LiveLine(g.NoColor)
	if line != nil {
		opt.Progress = line
		opt.Steps = func(p reconcile.ApplyProgress) { line.Set(applyProgressText(p)) }
	}
	return opt, line
}

// confirm asks for "yes". An interrupt while waiting cancels the apply: the
// read runs aside so Ctrl-C is not stuck behind it.
func confirm(ctx context.Context, f *factory) (bool, error) {
	fmt.Fprint(f.IO.ErrOut, "\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(f.IO.In).ReadString('\n')
		got <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		return false, nil
	case a := <-got:
		if a.err != nil && a.line == "" {
			return false, fmt.Errorf("reading the confirmation: %w", a.err)
		}
		return strings.TrimSpace(a.line) == "yes", nil
	}
}

func reportApply(f *factory, res *reconcile.Result) error {
	if !reconcile.RenderApplyResult(f.IO.Out, f.IO.ErrOut, res) {
		return errReported
	}
	return nil
}
