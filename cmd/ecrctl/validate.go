package main

import (
	"fmt"

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
  generate-spec | ecrctl validate -f -               # the spec from stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSpec(cmd.Context(), f, g.File)
			if err != nil {
				return err
			}
			warnings, notes := 0, 0
			for _, w := range lifecycle.LintAll(s.PoliciesInUse()) {
				if w.Code == lifecycle.WarnPrefixOvermatch {
					notes++
					fmt.Fprintf(f.IO.ErrOut, "Note: %s\n", w)
					continue
				}
				warnings++
				fmt.Fprintf(f.IO.ErrOut, "Warning: %s\n", w)
			}
			if strict && warnings > 0 {
				fmt.Fprintf(f.IO.ErrOut, "%d lifecycle %s and --strict is set.\n", warnings, format.Plural(warnings, "warning", "warnings"))
				return errReported
			}
			fmt.Fprintf(f.IO.Out, "%s is valid: %d %s", s.Path, len(s.Repositories), format.Plural(len(s.Repositories), "repository", "repositories"))
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
