package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/registryauth"
)

type loginOptions struct {
	Print    bool
	Registry string // ACCOUNT/REGION: only this registry of the run
}

func newLoginCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &loginOptions{}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log Docker in to the registry",
		Long: `Login gets an authorization token for the registry of the spec's region and
account (one GetAuthorizationToken call) and runs

  docker login --username AWS --password-stdin REGISTRY

passing the password on docker's stdin only: it never appears in a process
argument list, in ecrctl's output or in its error messages. The token is
valid for 12 hours.

With --print, ecrctl does not run docker: it writes the password, and nothing
else, to stdout, and the registry, username and expiry to stderr. It refuses
to write the password to a terminal: pipe it into the command that needs it.

When the spec pins an account, a token for another account is refused.

With spec files for several registries (accounts via assumeRole:, regions:),
login logs Docker in to each in turn (one token each), or only to the one
--registry ACCOUNT/REGION names. --print writes one password, so it needs
one registry. A registry that fails is reported and the others are still
logged in to.

Exit codes:
  0  Docker is logged in (with --print: the password was written)
  1  error: docker not on PATH, docker login failed, stdout is a terminal
     with --print, or an AWS error`,
		Example: `  ecrctl login
  ecrctl login --print | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-west-2.amazonaws.com
  ecrctl login --print | helm registry login --username AWS --password-stdin 123456789012.dkr.ecr.us-west-2.amazonaws.com
  ecrctl login -f registry/ --registry 111111111111/eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogin(cmd.Context(), f, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.Print, "print", false, "write the password to stdout (a pipe, never a terminal) instead of running docker login")
	cmd.Flags().StringVar(&o.Registry, "registry", "", "log in to this registry of the run only: ACCOUNT/REGION")
	return cmd
}

func runLogin(ctx context.Context, f *factory, g *globalOptions, o *loginOptions) error {
	// Refuse early, before any AWS call, what cannot succeed.
	if err := checkRegistryFlag(o.Registry); err != nil {
		return err
	}
	var docker string
	if o.Print {
		if f.IO.outTTY {
			return errors.New("refusing to write the registry password to a terminal; pipe it into the command that reads it, e.g. `ecrctl login --print | docker login --username AWS --password-stdin REGISTRY`")
		}
	} else {
		var err error
		if docker, err = registryauth.FindDocker(); err != nil {
			return err
		}
	}
	ts, err := loadTargets(ctx, f, g.Files)
	if err != nil {
		return err
	}
	if len(ts) > 1 || o.Registry != "" {
		return runLoginRegistries(ctx, f, g, o, docker, ts)
	}
	s := ts[0].Spec
	client, _, err := connectTarget(ctx, f, g, ts[0])
	if err != nil {
		return err
	}
	creds, err := registryauth.Get(ctx, client)
	if err != nil {
		return err
	}
	if err := creds.CheckAccount(s.Account, s.Path); err != nil {
		return err
	}
	if o.Print {
		return creds.Print(f.IO.Out, f.IO.ErrOut)
	}
	return creds.DockerLogin(ctx, docker, f.IO.ErrOut)
}
