package main

import (
	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func newSchemaCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of registry.yaml",
		Long: `Schema prints the JSON Schema (draft 2020-12) of registry.yaml, for editors
and other tools. It is the same file as docs/registry.schema.json.

Editors with the YAML language server (VS Code's YAML extension, Neovim,
JetBrains) read a first line like
  # yaml-language-server: $schema=https://raw.githubusercontent.com/ecrctl/ecrctl/main/docs/registry.schema.json
and then complete field names and flag wrong ones as you type. The schema
checks names, types and allowed values; rules across fields are checked by
ecrctl validate, which stays the authority.`,
		Example: `  ecrctl schema > registry.schema.json
  # then, as the first line of registry.yaml:
  # yaml-language-server: $schema=./registry.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := f.IO.Out.Write(spec.Schema())
			return err
		},
	}
}
