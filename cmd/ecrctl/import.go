package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/adopt"
)

type importOptions struct {
	Prefixes   []string
	Names      []string
	Output     string
	Force      bool
	NoRegistry bool
	// AssumeRoles and Regions pick the registries: each role (none: the
	// default credentials) in each region (none: the environment's).
	AssumeRoles []string
	Regions     []string
}

func newImportCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write a registry.yaml for repositories that already exist",
		Long: `Import reads live ECR (describe, list and get calls only; it never writes to
AWS) and writes a spec that manages every attribute of the selected
repositories: tag mutability and exclusion filters, scan on push,
encryption, lifecycle policy, repository policy and tags (tags starting
with aws: belong to AWS and are left out). A repository without a lifecycle
or repository policy gets "none", so one added later by hand shows as drift.

It also writes a registry: section for the registry's own settings: the
scanning configuration, replication, the registry policy, pull-through
cache rules and repository creation templates. A singleton at ECR's default
(BASIC scanning without rules, no replication, no registry policy) is left
out, so it stays unmanaged: importing it would make this file the owner of
a setting nobody has set, and every apply would then undo whoever sets it
next (another stack, the console). A singleton that is set is written, and
the file then owns it: if another stack or file manages the registry's
settings, pass --no-registry, which leaves the section out and reads none
of them. Pull-through cache rules and creation templates are written one
by one, by prefix. Settings the endpoint cannot read (an emulator without
pull-through cache rules) are left out with a warning.

Settings every selected repository shares go under defaults; a lifecycle
policy used by several repositories becomes a named lifecyclePolicies entry;
a repository policy made of the statements that access renders (Sids
EcrctlPull / EcrctlPush) is written as access. Anything the spec cannot
express is left unmanaged and named in a warning.

Before writing, import parses the spec back and diffs it with what it read,
so 'ecrctl plan' right after the import shows "No changes.".

Without --prefix or --name every repository is imported. The spec goes to
stdout unless -o names a file (-o - is stdout too); an existing file is never overwritten
without --force.

Several registries: --assume-role ROLE_ARN reads a registry with that role's
credentials (sts:AssumeRole on top of the default chain) and writes
assumeRole: into the spec; --region picks the region. Both repeat, and import
reads every role in every region:
  -o DIR/      one file per registry, DIR/ACCOUNT-REGION.yaml (a path ending
               in / or an existing directory; created if missing); two
               roles into one account and region would share a file, so
               import refuses them
  -o FILE, or stdout
               one file for all of them, with regions: [...], when they are
               one account's registries holding the same repositories with
               the same settings (the usual multi-region layout); otherwise
               import refuses and asks for -o DIR/
Every registry is read before anything is written; a failure writes nothing.

Exit codes:
  0  the spec was written
  1  error (nothing was written)`,
		Example: `  ecrctl import -o registry.yaml
  ecrctl import --prefix team-a/ --prefix shared/ -o registry.yaml
  ecrctl import --name app-frontend --name app-backend > registry.yaml
  ecrctl import --region eu-west-1 -o registry.yaml --force && ecrctl plan
  ecrctl import -o - | ecrctl validate -f -
  ecrctl import --prefix team-a/ --no-registry -o team-a.yaml
  ecrctl import --region us-west-2 --region eu-west-1 -o registry.yaml
  ecrctl import --assume-role arn:aws:iam::111111111111:role/ecrctl \
      --assume-role arn:aws:iam::222222222222:role/ecrctl -o registry/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runImport(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.Prefixes, "prefix", nil, "import repositories whose name starts with this prefix (repeatable)")
	fl.StringArrayVar(&o.Names, "name", nil, "import the repository with this exact name (repeatable; an unknown name is an error)")
	fl.StringVarP(&o.Output, "output", "o", "", "write the spec to this file instead of stdout (- is stdout)")
	fl.BoolVar(&o.Force, "force", false, "overwrite the -o file if it exists")
	fl.BoolVar(&o.NoRegistry, "no-registry", false, "leave the registry's own settings out (no registry: section, no registry read): for a file that manages repositories only")
	fl.StringArrayVar(&o.AssumeRoles, "assume-role", nil, "read the registry of this role's account with its credentials, and write assumeRole: (repeatable: one registry per role)")
	// Import's own --region, repeatable, in place of the global one.
	fl.StringArrayVar(&o.Regions, "region", nil, "AWS region to import from (repeatable; default: AWS_REGION / profile)")
	return cmd
}

func runImport(ctx context.Context, f *factory, g *globalOptions, o *importOptions) error {
	if o.Output == stdinPath {
		o.Output = "" // stdout, as without -o
	}
	if o.Output != "" && !o.Force && !isDirOutput(o.Output) {
		if _, err := os.Stat(o.Output); err == nil {
			return fmt.Errorf("%s already exists; pass --force to overwrite it, or choose another file with -o", o.Output)
		}
	}
	ts, err := importTargets(o)
	if err != nil {
		return err
	}
	regs, err := readRegistries(ctx, f, g, o, ts)
	if err != nil {
		return err
	}
	return writeImported(f, o, regs)
}

// importAdoptOptions are the flags that shape one registry's import.
func importAdoptOptions(o *importOptions, g *globalOptions, region string) adopt.Options {
	return adopt.Options{
		Selection:   adopt.Selection{Prefixes: o.Prefixes, Names: o.Names},
		Region:      region,
		Parallelism: g.Parallelism,
		NoRegistry:  o.NoRegistry,
	}
}

// writeNewFile writes data to path; without force an existing file is an
// error even if it appeared while the registry was being read.
func writeNewFile(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; pass --force to overwrite it, or choose another file with -o", path)
	}
	if err != nil {
		return fmt.Errorf("writing the spec: %w", err)
	}
	if _, err := fh.Write(data); err != nil {
		_ = fh.Close()
		return fmt.Errorf("writing the spec to %s: %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("writing the spec to %s: %w", path, err)
	}
	return nil
}
