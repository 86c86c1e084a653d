// Package registryauth owns logging a client in to the ECR registry: the
// authorization token ECR hands out (one GetAuthorizationToken call),
// decoded into the registry host, user name and password, and `docker
// login` with that password on docker's stdin. The password never reaches
// a process argument list, an error message, or any writer but the one a
// caller names for it.
package registryauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

// TokenAPI is the one ECR call login makes, with the SDK's exact signature.
type TokenAPI interface {
	GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

var _ TokenAPI = (*ecr.Client)(nil)

// Credentials log a client in to one registry.
type Credentials struct {
	// Registry is the host docker expects: ACCOUNT.dkr.ecr.REGION.amazonaws.com.
	Registry string
	Username string
	Password string
	// ExpiresAt is nil when ECR reports no expiry.
	ExpiresAt *time.Time
}

// Get asks ECR for an authorization token of the caller's default registry
// and decodes it.
func Get(ctx context.Context, api TokenAPI) (*Credentials, error) {
	out, err := api.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, &ecrapi.OpError{Operation: "GetAuthorizationToken", Err: err, Doing: "getting a registry authorization token"}
	}
	if len(out.AuthorizationData) == 0 {
		return nil, errors.New("getting a registry authorization token: ECR returned no authorization data")
	}
	ad := out.AuthorizationData[0]
	user, password, err := decodeToken(aws.ToString(ad.AuthorizationToken))
	if err != nil {
		return nil, err
	}
	return &Credentials{Registry: registryHost(aws.ToString(ad.ProxyEndpoint)), Username: user, Password: password, ExpiresAt: ad.ExpiresAt}, nil
}

// CheckAccount enforces the account guard of the spec at specPath: when it
// pins an account, credentials for another account's registry are refused.
func (c *Credentials) CheckAccount(account, specPath string) error {
	if account == "" {
		return nil
	}
	if acct, _, _ := strings.Cut(c.Registry, "."); acct != account {
		return fmt.Errorf("account guard: %s pins account %s, but the credentials get a token for registry %s; nothing was logged in. Use credentials for %s, or change `account:`",
			specPath, account, c.Registry, account)
	}
	return nil
}

// expires is the expiry in RFC 3339, or "" when ECR reported none.
func (c *Credentials) expires() string {
	if c.ExpiresAt == nil {
		return ""
	}
	return c.ExpiresAt.UTC().Format(time.RFC3339)
}

// Print writes the password, and nothing else, to out (for a pipe into
// another client's --password-stdin), and the registry, user name and expiry
// to log.
func (c *Credentials) Print(out, log io.Writer) error {
	fmt.Fprintf(log, "Registry: %s\nUsername: %s\n", c.Registry, c.Username)
	if e := c.expires(); e != "" {
		fmt.Fprintf(log, "Expires:  %s\n", e)
	}
	_, err := fmt.Fprintln(out, c.Password)
	return err
}

// FindDocker returns the docker executable on PATH.
func FindDocker() (string, error) {
	p, err := exec.LookPath("docker")
	if err != nil {
		return "", errors.New("docker is not on PATH; install Docker or use `ecrctl login --print | ...` to pass the password to another client")
	}
	return p, nil
}

// DockerLogin runs `docker login --username USER --password-stdin REGISTRY`
// with the executable docker, the password on its stdin only. docker's own
// messages ("Login Succeeded", credential-store warnings) are messages, not
// data: they go to log, followed by ours.
func (c *Credentials) DockerLogin(ctx context.Context, docker string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, docker, "login", "--username", c.Username, "--password-stdin", c.Registry)
	cmd.Stdin = strings.NewReader(c.Password)
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("docker login to %s failed (%w); docker's message, if any, is above", c.Registry, err)
	}
	if e := c.expires(); e != "" {
		fmt.Fprintf(log, "Docker is logged in to %s as %s until %s.\n", c.Registry, c.Username, e)
	} else {
		fmt.Fprintf(log, "Docker is logged in to %s as %s.\n", c.Registry, c.Username)
	}
	return nil
}

// decodeToken splits ECR's base64 "user:password" token. Its errors never
// include the token.
func decodeToken(token string) (user, password string, err error) {
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
