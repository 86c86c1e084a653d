package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCmd(f *factory, g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check registry.yaml without calling AWS",
		Long: `Validate checks the spec against everything ECR itself would reject (names,
tags, tag mutability and filters, encryption, lifecycle rules, policy shape),
plus duplicate names and unknown policy references. It never loads AWS
credentials and makes no AWS call.

Exit codes:
  0  the spec is valid
  1  the spec has problems; each is printed as file:line: field: message`,
		Example: `  ecrctl validate
  ecrctl validate -f registries/prod.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := loadSpec(f, g.File)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "%s is valid: %d %s.\n", s.Path, len(s.Repositories), plural(len(s.Repositories), "repository", "repositories"))
			return nil
		},
	}
}
