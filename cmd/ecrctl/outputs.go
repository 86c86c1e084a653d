package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

type outputsOptions struct {
	Format string
}

// repositoryOutput is what other tools need to push to or reference a
// repository, like the outputs of a Terraform module.
type repositoryOutput struct {
	Name       string `json:"name"`
	ARN        string `json:"arn"`
	URI        string `json:"uri"`
	RegistryID string `json:"registry_id"`
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

Exit codes:
  0  success
  1  error (also: two names map to the same variable name, or
     $GITHUB_OUTPUT is unset with -o github)`,
		Example: `  ecrctl outputs | jq -r '."team/app".uri'
  eval "$(ecrctl outputs -o env)" && docker push "$TEAM_APP_URI:v1"
  ecrctl outputs -o github    # in a workflow step; then ${{ steps.ID.outputs.team_app_uri }}`,
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
	s, err := loadSpec(f, g.File)
	if err != nil {
		return err
	}
	client, region, err := connect(ctx, f, g, s)
	if err != nil {
		return err
	}
	// Only names (and the account guard): Read then makes no call but
	// DescribeRepositories.
	names := &spec.File{Path: s.Path, Account: s.Account}
	for _, r := range s.Repositories {
		if !r.Absent {
			names.Repositories = append(names.Repositories, spec.Repository{Name: r.Name})
		}
	}
	live, err := reconcile.Read(ctx, client, names, reconcile.ReadOptions{Region: region, Parallelism: g.Parallelism})
	if err != nil {
		return err
	}
	var outs []repositoryOutput
	for _, r := range names.Repositories {
		lr, ok := live.Repos[r.Name]
		if !ok {
			fmt.Fprintf(f.IO.ErrOut, "Repository %q does not exist yet, so it has no outputs; run `ecrctl apply`.\n", r.Name)
			continue
		}
		outs = append(outs, repositoryOutput{Name: lr.Name, ARN: lr.ARN, URI: lr.URI, RegistryID: lr.RegistryID})
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].Name < outs[j].Name })

	switch o.Format {
	case "json":
		return writeOutputsJSON(f, outs)
	case "env":
		text, err := outputLines(outs, strings.ToUpper, shellQuote)
		if err != nil {
			return err
		}
		_, err = f.IO.Out.Write(text)
		return err
	default:
		return appendGitHubOutputs(f, githubOutput, outs)
	}
}

func outputsByName(outs []repositoryOutput) map[string]repositoryOutput {
	m := make(map[string]repositoryOutput, len(outs))
	for _, o := range outs {
		m[o.Name] = o
	}
	return m
}

func writeOutputsJSON(f *factory, outs []repositoryOutput) error {
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(outputsByName(outs))
}

func appendGitHubOutputs(f *factory, path string, outs []repositoryOutput) error {
	text, err := outputLines(outs, strings.ToLower, func(s string) string { return s })
	if err != nil {
		return err
	}
	all, err := json.Marshal(outputsByName(outs))
	if err != nil {
		return err
	}
	text = append(text, "repositories="...)
	text = append(append(text, all...), '\n')
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("writing $GITHUB_OUTPUT: %w", err)
	}
	if _, err := fh.Write(text); err != nil {
		_ = fh.Close()
		return fmt.Errorf("writing $GITHUB_OUTPUT (%s): %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("writing $GITHUB_OUTPUT (%s): %w", path, err)
	}
	fmt.Fprintf(f.IO.ErrOut, "Wrote outputs for %d %s to $GITHUB_OUTPUT.\n", len(outs), plural(len(outs), "repository", "repositories"))
	return nil
}

// outputLines renders NAME_NAME, NAME_ARN, NAME_URI and NAME_REGISTRY_ID
// lines. Two repositories whose names map to the same variable are an
// error: a silently overwritten URI would push images to the wrong place.
func outputLines(outs []repositoryOutput, fold func(string) string, quote func(string) string) ([]byte, error) {
	var b bytes.Buffer
	seen := map[string]string{}
	for _, o := range outs {
		v := variableName(o.Name)
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("repositories %q and %q both map to the variable prefix %s; the env and github formats cannot tell them apart (use -o json)", prev, o.Name, v)
		}
		seen[v] = o.Name
		for _, kv := range [][2]string{{"_NAME", o.Name}, {"_ARN", o.ARN}, {"_URI", o.URI}, {"_REGISTRY_ID", o.RegistryID}} {
			if strings.ContainsAny(kv[1], "\r\n") {
				return nil, fmt.Errorf("the %s of %q holds a line break", strings.ToLower(kv[0][1:]), o.Name)
			}
			fmt.Fprintf(&b, "%s=%s\n", fold(v+kv[0]), quote(kv[1]))
		}
	}
	return b.Bytes(), nil
}

// variableName makes a repository name a shell variable name: upper case,
// every character but A-Z and 0-9 replaced by _, and _ before a leading
// digit (team/app.web-1 -> TEAM_APP_WEB_1, 9lives -> _9LIVES).
func variableName(repo string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(repo) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	if v == "" || (v[0] >= '0' && v[0] <= '9') {
		v = "_" + v
	}
	return v
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
