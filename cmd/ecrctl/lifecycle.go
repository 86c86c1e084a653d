package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/explain"
)

type explainOptions struct {
	Repository string
	Policy     string
	PolicyFile string
	At         string
	Output     string
}

func newLifecycleCmd(f *factory, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lifecycle",
		Short: "Inspect lifecycle policies",
		Long: `Commands that show what a lifecycle policy does, evaluated locally with ECR's
documented semantics.

Exit codes:
  0  success
  1  error`,
		Example: "  ecrctl lifecycle explain durableai-dev-frontend",
	}
	cmd.AddCommand(newLifecycleExplainCmd(f, g))
	return cmd
}

func newLifecycleExplainCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain REPO",
		Short: "Show, image by image, what a lifecycle policy keeps and expires",
		Long: `Explain reads the repository's images (DescribeImages, paged) and evaluates a
lifecycle policy against them the way ECR does: all rules at once, one rule per
image, an image that a higher-priority rule selects is never expired by a
lower one, prefix lists are ANDs. For every image it prints the rule that
claims it, the decision (keep, expire or archive) and why.

The policy is the one registry.yaml gives the repository, unless --policy
names one of the spec's lifecyclePolicies or --policy-file gives one (ECR JSON
or the same shape in YAML). Nothing is written.

Exit codes:
  0  success
  1  error (spec, policy file, or AWS)`,
		Example: `  ecrctl lifecycle explain durableai-dev-frontend
  ecrctl lifecycle explain durableai-dev-frontend --policy cost-optimized --at 2027-01-01
  ecrctl lifecycle explain app --policy-file candidate.json -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRepositoryNames(g, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Repository = args[0]
			return runExplain(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Policy, "policy", "", "a policy name from the spec's lifecyclePolicies")
	fl.StringVar(&o.PolicyFile, "policy-file", "", "a lifecycle policy file (ECR JSON, or YAML of the same shape)")
	fl.StringVar(&o.At, "at", "", "evaluate at this time (RFC 3339 or YYYY-MM-DD; default now)")
	fl.StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

func runExplain(ctx context.Context, f *factory, g *globalOptions, o *explainOptions) error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("-o %q is not a format; use text or json", o.Output)
	}
	if o.Policy != "" && o.PolicyFile != "" {
		return errors.New("give --policy or --policy-file, not both")
	}
	at := time.Now()
	if o.At != "" {
		var err error
		if at, err = parseTime(o.At); err != nil {
			return err
		}
	}
	t, err := loadTarget(ctx, f, g, "lifecycle explain")
	if err != nil {
		return err
	}
	s := t.Spec
	name, policy, err := explain.ChoosePolicy(s, o.Repository, o.Policy, o.PolicyFile)
	if err != nil {
		return err
	}
	client, _, err := connectTarget(ctx, f, g, t)
	if err != nil {
		return err
	}
	e, err := explain.Evaluate(ctx, client, o.Repository, name, *policy, at)
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return e.WriteJSON(f.IO.Out)
	}
	return e.WriteText(f.IO.Out)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q is not a time; use RFC 3339 (2027-01-01T00:00:00Z) or a date (2027-01-01)", s)
}
