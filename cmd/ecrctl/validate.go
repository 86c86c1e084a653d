package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

func newValidateCmd(f *factory, g *globalOptions) *cobra.Command {
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check registry.yaml without calling AWS",
		Long: `Validate checks the spec against everything ECR itself would reject (names,
tags, tag mutability and filters, encryption, lifecycle rules, policy shape),
plus duplicate names and unknown policy references. It never loads AWS
credentials and makes no AWS call.

With several -f, or a directory, every file is checked, and files for one
registry (account and region) are merged: a repository described by two
files is an error that names both.

It also lints lifecycle policies for rules that ECR accepts but that do not
do what they look like: multi-entry prefix lists (an AND), shadowed rules,
count-based "any" rules with no keep rule, and too-short ages on release
tags. These are warnings (exit 0) unless --strict. Over-matching bare
prefixes (v matches validate-x) are notes: whether they matter depends on
your tag scheme, so --strict does not fail on them.

Exit codes:
  0  the spec is valid (warnings may be printed)
  1  the spec has problems, or warnings with --strict; each is printed with
     file:line: field: message or the policy and rule priority`,
		Example: `  ecrctl validate
  ecrctl validate --strict -f registries/prod.yaml   # in CI
  ecrctl validate -f registries/                     # every *.yaml file there
  generate-spec | ecrctl validate -f -               # the spec from stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ts, err := loadTargets(cmd.Context(), f, g.Files)
			if err != nil {
				return err
			}
			warnings, notes, repos := 0, 0, 0
			for _, t := range ts {
				repos += len(t.Spec.Repositories)
				for _, w := range lifecycle.LintAll(t.Spec.PoliciesInUse()) {
					if w.Code == lifecycle.WarnPrefixOvermatch {
						notes++
						fmt.Fprintf(f.IO.ErrOut, "Note: %s\n", w)
						continue
					}
					warnings++
					fmt.Fprintf(f.IO.ErrOut, "Warning: %s\n", w)
				}
			}
			if strict && warnings > 0 {
				fmt.Fprintf(f.IO.ErrOut, "%d lifecycle %s and --strict is set.\n", warnings, format.Plural(warnings, "warning", "warnings"))
				return errReported
			}
			if len(ts) == 1 {
				fmt.Fprintf(f.IO.Out, "%s is valid: %d %s", ts[0].Spec.Path, repos, format.Plural(repos, "repository", "repositories"))
			} else {
				fmt.Fprintf(f.IO.Out, "%s are valid: %s, %s", strings.Join(g.Files, ", "), format.Count(len(ts), "registry", "registries"), format.Count(repos, "repository", "repositories"))
			}
			if warnings+notes > 0 {
				fmt.Fprintf(f.IO.Out, " (%d %s, %d %s)", warnings, format.Plural(warnings, "warning", "warnings"), notes, format.Plural(notes, "note", "notes"))
			}
			fmt.Fprintln(f.IO.Out, ".")
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "treat lifecycle warnings as errors (exit 1)")
	return cmd
}
