package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/outputs"
)

type outputsOptions struct {
	Format string
}

func newOutputsCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &outputsOptions{}
	cmd := &cobra.Command{
		Use:   "outputs",
		Short: "Print the name, ARN, URI and registry id of each managed repository",
		Long: `Outputs reads live ECR (DescribeRepositories only) and prints, for every
repository in the spec that exists (state: absent ones are skipped), its
name, ARN, URI and registry id:

  json    an object keyed by repository name (the default)
  env     NAME_NAME=, NAME_ARN=, NAME_URI= and NAME_REGISTRY_ID= lines for
          eval or a .env file: NAME is the repository name upper-cased with
          every other character than A-Z and 0-9 turned into _ (and _ in
          front of a leading digit); values are single-quoted
  github  appends name_uri=... style lines (the same names, lower-cased) and
          a "repositories" JSON output to the file named by $GITHUB_OUTPUT

A repository the spec lists but that does not exist yet is named on stderr
and left out; run apply first.

Several registries (spec files for several accounts or regions): the same
repository can exist in each, so json keys each registry "ACCOUNT/REGION"
first ({"111111111111/eu-west-1": {"team/app": {...}}}), and env and github
names start with the region, plus the account when the registries span
several accounts (EU_WEST_1_TEAM_APP_URI, or EU_WEST_1_111111111111_TEAM_APP_URI).
A registry that cannot be read is reported and the others are still written;
outputs then exits 1.

Exit codes:
  0  success
  1  error (also: two names map to the same variable name, or
     $GITHUB_OUTPUT is unset with -o github, or a registry failed)`,
		Example: `  ecrctl outputs | jq -r '."team/app".uri'
  eval "$(ecrctl outputs -o env)" && docker push "$TEAM_APP_URI:v1"
  ecrctl outputs -o github    # in a workflow step; then ${{ steps.ID.outputs.team_app_uri }}
  ecrctl outputs -f registry/ | jq -r '."111111111111/eu-west-1"."team/app".uri'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOutputs(cmd.Context(), f, g, o)
		},
	}
	cmd.Flags().StringVarP(&o.Format, "output", "o", "json", "output format: json, env or github")
	return cmd
}

func runOutputs(ctx context.Context, f *factory, g *globalOptions, o *outputsOptions) error {
	if o.Format != "json" && o.Format != "env" && o.Format != "github" {
		return fmt.Errorf("-o %q is not a format; use json, env or github", o.Format)
	}
	githubOutput := os.Getenv("GITHUB_OUTPUT")
	if o.Format == "github" && githubOutput == "" {
		return errors.New("-o github appends to the file named by $GITHUB_OUTPUT, which is unset; run it in a GitHub Actions step or use -o env")
	}
	ts, err := loadTargets(ctx, f, g.Files)
	if err != nil {
		return err
	}
	if len(ts) > 1 {
		return runOutputsRegistries(ctx, f, g, o, githubOutput, ts)
	}
	s := ts[0].Spec
	client, _, err := connectTarget(ctx, f, g, ts[0])
	if err != nil {
		return err
	}
	res, err := outputs.Read(ctx, client, s)
	if err != nil {
		return err
	}
	res.ReportMissing(f.IO.ErrOut)
	switch o.Format {
	case "json":
		return outputs.WriteJSON(f.IO.Out, res.Repositories)
	case "env":
		return outputs.WriteEnv(f.IO.Out, res.Repositories)
	default:
		return outputs.AppendGitHub(githubOutput, res.Repositories, f.IO.ErrOut)
	}
}
