package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

type planOptions struct {
	Output            string
	DetailedExitCode  bool
	Out               string
	AllowDeleteImages bool
	AllowReplace      bool
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

Destructive changes (deleting a repository that holds images, or replacing
one to change its encryption) are marked blocked unless the flag that allows
them is given; apply refuses a plan with a blocked change.

Exit codes:
  0  success (with --detailed-exitcode: no changes)
  1  error
  2  changes present (--detailed-exitcode only)`,
		Example: `  ecrctl plan
  ecrctl plan -o json | jq '.resource_changes[] | select(.actions != ["no-op"])'
  ecrctl plan --detailed-exitcode    # drift check in CI: exit 2 means drift
  ecrctl plan --out plan.json && ecrctl apply plan.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlan(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	fl.BoolVar(&o.DetailedExitCode, "detailed-exitcode", false, "exit 2 when there are changes, 0 when there are none")
	fl.StringVar(&o.Out, "out", "", "also save the plan (JSON with a fingerprint of spec and live state) for `ecrctl apply FILE`")
	addDestructiveFlags(fl.BoolVar, &o.AllowDeleteImages, &o.AllowReplace)
	return cmd
}

func addDestructiveFlags(boolVar func(*bool, string, bool, string), deleteImages, replace *bool) {
	boolVar(deleteImages, "allow-delete-images", false, "allow changes that destroy images (deleting or replacing a repository that holds images)")
	boolVar(replace, "allow-replace", false, "allow replacing a repository (delete and create) to change its encryption")
}

func runPlan(ctx context.Context, f *factory, g *globalOptions, o *planOptions) error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("-o %q is not a format; use text or json", o.Output)
	}
	s, err := loadSpec(f, g.File)
	if err != nil {
		return err
	}
	p, _, err := computePlan(ctx, f, g, s, reconcile.DiffOptions{AllowDeleteImages: o.AllowDeleteImages, AllowReplace: o.AllowReplace})
	if err != nil {
		return err
	}
	if o.Output == "json" {
		err = reconcile.RenderJSON(f.IO.Out, p)
	} else {
		err = reconcile.RenderText(f.IO.Out, p, f.IO.Color(g.NoColor))
	}
	if err != nil {
		return err
	}
	if o.Out != "" {
		var buf bytes.Buffer
		if err := reconcile.RenderJSON(&buf, p); err != nil {
			return err
		}
		if err := os.WriteFile(o.Out, buf.Bytes(), 0o600); err != nil {
			return fmt.Errorf("saving the plan: %w", err)
		}
		fmt.Fprintf(f.IO.ErrOut, "Saved the plan to %s; run `ecrctl apply %s` to apply exactly these changes.\n", o.Out, o.Out)
	}
	if o.DetailedExitCode && p.HasChanges {
		return exitCodeError{exitChanges}
	}
	return nil
}

// computePlan reads live state for the spec and diffs it; the client is
// returned for apply to reuse.
func computePlan(ctx context.Context, f *factory, g *globalOptions, s *spec.File, opt reconcile.DiffOptions) (*reconcile.Plan, reconcile.ECRAPI, error) {
	client, region, err := connect(ctx, f, g, s)
	if err != nil {
		return nil, nil, err
	}
	if f.IO.Interactive() {
		fmt.Fprintf(f.IO.ErrOut, "Reading live ECR state in %s for %d %s...\n", region, len(s.Repositories), plural(len(s.Repositories), "repository", "repositories"))
	}
	live, err := reconcile.Read(ctx, client, s, reconcile.ReadOptions{Region: region, Parallelism: g.Parallelism})
	if err != nil {
		return nil, nil, err
	}
	return reconcile.Diff(s, live, opt), client, nil
}
