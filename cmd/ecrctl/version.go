package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/buildinfo"
)

// Stamped by `make build` and GoReleaser:
// -ldflags "-X main.version=v1.2.3 -X main.revision=<full commit>".
var (
	version  = ""
	revision = ""
)

type versionOptions struct {
	Output string
}

func newVersionCmd(f *factory) *cobra.Command {
	o := &versionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the ecrctl version and the commit it was built from",
		Long: `Version prints the ecrctl version, the VCS revision it was built from, and
the Go version and platform.

The version comes from the release build (make build and release archives
stamp git describe and the commit), else from Go's build info: the module
version for go install github.com/ecrctl/ecrctl/cmd/ecrctl@VERSION, or "dev"
for a build that recorded none. A tagged go install records no revision
(Go builds it from the module archive); a pseudo-version names its commit.`,
		Example: `  ecrctl version
  ecrctl version -o json | jq -r .revision`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Output != "text" && o.Output != "json" {
				return fmt.Errorf("-o %q is not a format; use text or json", o.Output)
			}
			info := buildinfo.From(f.buildInfo(), buildinfo.Stamp{Version: version, Revision: revision})
			if o.Output == "json" {
				return info.WriteJSON(f.IO.Out)
			}
			return info.WriteText(f.IO.Out)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

// buildInfo returns the binary's build info, or the one a test injected.
func (f *factory) buildInfo() *debug.BuildInfo {
	read := f.ReadBuildInfo
	if read == nil {
		read = debug.ReadBuildInfo
	}
	if bi, ok := read(); ok {
		return bi
	}
	return nil
}
