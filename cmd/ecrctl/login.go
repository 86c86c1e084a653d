package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/reconcile"
)

type loginOptions struct {
	Print bool
	// Docker is the docker executable; "" looks "docker" up on PATH.
	Docker string
}

// authTokenAPI is the one ECR call login makes.
type authTokenAPI interface {
	GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

var _ authTokenAPI = (*ecr.Client)(nil)

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

Exit codes:
  0  Docker is logged in (with --print: the password was written)
  1  error: docker not on PATH, docker login failed, stdout is a terminal
     with --print, or an AWS error`,
		Example: `  ecrctl login
  ecrctl login --print | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-west-2.amazonaws.com
  ecrctl login --print | helm registry login --username AWS --password-stdin 123456789012.dkr.ecr.us-west-2.amazonaws.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogin(cmd.Context(), f, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.Print, "print", false, "write the password to stdout (a pipe, never a terminal) instead of running docker login")
	return cmd
}

func runLogin(ctx context.Context, f *factory, g *globalOptions, o *loginOptions) error {
	// Refuse early, before any AWS call, what cannot succeed.
	docker := o.Docker
	if o.Print {
		if f.IO.outTTY {
			return errors.New("refusing to write the registry password to a terminal; pipe it into the command that reads it, e.g. `ecrctl login --print | docker login --username AWS --password-stdin REGISTRY`")
		}
	} else if docker == "" {
		p, err := exec.LookPath("docker")
		if err != nil {
			return errors.New("docker is not on PATH; install Docker or use `ecrctl login --print | ...` to pass the password to another client")
		}
		docker = p
	}
	s, err := loadSpec(f, g.File)
	if err != nil {
		return err
	}
	client, _, err := connect(ctx, f, g, s)
	if err != nil {
		return err
	}
	api, ok := client.(authTokenAPI)
	if !ok {
		return fmt.Errorf("the ECR client (%T) cannot get authorization tokens; login needs the full ECR client", client)
	}
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return &reconcile.OpError{Operation: "GetAuthorizationToken", Err: err, Doing: "getting a registry authorization token"}
	}
	if len(out.AuthorizationData) == 0 {
		return errors.New("getting a registry authorization token: ECR returned no authorization data")
	}
	ad := out.AuthorizationData[0]
	user, password, err := decodeAuthToken(aws.ToString(ad.AuthorizationToken))
	if err != nil {
		return err
	}
	registry := registryHost(aws.ToString(ad.ProxyEndpoint))
	if s.Account != "" {
		if acct, _, _ := strings.Cut(registry, "."); acct != s.Account {
			return fmt.Errorf("account guard: %s pins account %s, but the credentials get a token for registry %s; nothing was logged in. Use credentials for %s, or change `account:`",
				s.Path, s.Account, registry, s.Account)
		}
	}
	expires := ""
	if ad.ExpiresAt != nil {
		expires = ad.ExpiresAt.UTC().Format(time.RFC3339)
	}

	if o.Print {
		fmt.Fprintf(f.IO.ErrOut, "Registry: %s\nUsername: %s\n", registry, user)
		if expires != "" {
			fmt.Fprintf(f.IO.ErrOut, "Expires:  %s\n", expires)
		}
		_, err := fmt.Fprintln(f.IO.Out, password)
		return err
	}

	cmd := exec.CommandContext(ctx, docker, "login", "--username", user, "--password-stdin", registry)
	cmd.Stdin = strings.NewReader(password)
	// docker's own messages ("Login Succeeded", credential-store warnings)
	// are messages, not data: they go to stderr with ours.
	cmd.Stdout = f.IO.ErrOut
	cmd.Stderr = f.IO.ErrOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("docker login to %s failed (%w); docker's message, if any, is above", registry, err)
	}
	if expires != "" {
		fmt.Fprintf(f.IO.ErrOut, "Docker is logged in to %s as %s until %s.\n", registry, user, expires)
	} else {
		fmt.Fprintf(f.IO.ErrOut, "Docker is logged in to %s as %s.\n", registry, user)
	}
	return nil
}

// decodeAuthToken splits ECR's base64 "user:password" token. Its errors
// never include the token.
func decodeAuthToken(token string) (user, password string, err error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", "", errors.New("the authorization token from ECR is not valid base64")
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || password == "" {
		return "", "", errors.New(`the authorization token from ECR is not of the form "user:password"`)
	}
	return user, password, nil
}

// registryHost turns ECR's proxy endpoint ("https://ACCOUNT.dkr.ecr.REGION.amazonaws.com")
// into the registry name docker expects: the host, without the scheme.
func registryHost(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return u.Host
	}
	return strings.TrimSuffix(strings.TrimPrefix(endpoint, "https://"), "/")
}
