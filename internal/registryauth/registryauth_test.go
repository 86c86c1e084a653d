package registryauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

const registryHostname = "123456789012.dkr.ecr.us-west-2.amazonaws.com"

func TestDecodeAuthToken(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		token, user, pw string
		ok              bool
	}{
		{enc([]byte("AWS:s3cr:et")), "AWS", "s3cr:et", true},
		{enc([]byte("AWS")), "", "", false},
		{enc([]byte(":pw")), "", "", false},
		{"not base64 s3cret", "", "", false},
	} {
		u, p, err := decodeToken(tc.token)
		if (err == nil) != tc.ok || u != tc.user || p != tc.pw {
			t.Errorf("decodeToken(%q) = %q, %q, %v", tc.token, u, p, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr") {
			t.Errorf("the error quotes the token: %v", err)
		}
	}
	if got := registryHost("https://" + registryHostname); got != registryHostname {
		t.Errorf("registryHost = %q", got)
	}
}

func TestGetFromTheFake(t *testing.T) {
	f := ecrfake.New()
	c, err := Get(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Registry != registryHostname || c.Username != "AWS" || !strings.HasPrefix(c.Password, "ecrfake-password-") || c.expires() != "2025-01-02T15:04:05Z" {
		t.Errorf("credentials = %+v, expires %q", c, c.expires())
	}
	if n := f.CallsFor("GetAuthorizationToken", ""); n != 1 || len(f.Calls()) != 1 {
		t.Errorf("calls = %v, want one GetAuthorizationToken", f.Calls())
	}
}

// tokenFunc answers GetAuthorizationToken with a fixed output or error.
type tokenFunc func() (*ecr.GetAuthorizationTokenOutput, error)

func (fn tokenFunc) GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	return fn()
}

func TestGetErrors(t *testing.T) {
	denied := &types.ServerException{Message: aws.String("boom")}
	_, err := Get(context.Background(), tokenFunc(func() (*ecr.GetAuthorizationTokenOutput, error) { return nil, denied }))
	var op *ecrapi.OpError
	if !errors.As(err, &op) || op.Operation != "GetAuthorizationToken" || !strings.Contains(err.Error(), "getting a registry authorization token") {
		t.Errorf("err = %v", err)
	}
	_, err = Get(context.Background(), tokenFunc(func() (*ecr.GetAuthorizationTokenOutput, error) { return &ecr.GetAuthorizationTokenOutput{}, nil }))
	if err == nil || !strings.Contains(err.Error(), "ECR returned no authorization data") {
		t.Errorf("no data: err = %v", err)
	}
	c, err := Get(context.Background(), tokenFunc(func() (*ecr.GetAuthorizationTokenOutput, error) {
		return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []types.AuthorizationData{{
			AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:pw"))),
			ProxyEndpoint:      aws.String("https://" + registryHostname),
		}}}, nil
	}))
	if err != nil || c.ExpiresAt != nil || c.expires() != "" {
		t.Errorf("no expiry: %+v, %v", c, err)
	}
}

func TestCheckAccount(t *testing.T) {
	c := &Credentials{Registry: registryHostname, Username: "AWS", Password: "s3cret"}
	if err := c.CheckAccount("", "registry.yaml"); err != nil {
		t.Errorf("no guard: %v", err)
	}
	if err := c.CheckAccount("123456789012", "registry.yaml"); err != nil {
		t.Errorf("matching guard: %v", err)
	}
	err := c.CheckAccount("111122223333", "registry.yaml")
	if err == nil || !strings.Contains(err.Error(), "account guard: registry.yaml pins account 111122223333, but the credentials get a token for registry "+registryHostname) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("mismatch: %v", err)
	}
}

func TestPrint(t *testing.T) {
	at := aws.Time(time.Date(2025, 1, 2, 15, 4, 5, 0, time.FixedZone("CET", 3600)))
	c := &Credentials{Registry: registryHostname, Username: "AWS", Password: "s3cret", ExpiresAt: at}
	var out, log bytes.Buffer
	if err := c.Print(&out, &log); err != nil {
		t.Fatal(err)
	}
	if out.String() != "s3cret\n" {
		t.Errorf("out = %q, want only the password", out.String())
	}
	want := "Registry: " + registryHostname + "\nUsername: AWS\nExpires:  " + "2025-01-02T14:04:05Z" + "\n"
	if log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
}

// stubDocker writes a fake docker that records its arguments and stdin in
// dir and exits with exitCode; its path is passed to DockerLogin directly.
func stubDocker(t *testing.T, exitCode int) (docker, dir string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the docker stub is a shell script")
	}
	dir = t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do printf '%%s\n' "$a"; done > %[1]q/argv
cat > %[1]q/stdin
if [ %[2]d -eq 0 ]; then echo "Login Succeeded"; else echo "Error response from daemon: login denied" >&2; fi
exit %[2]d
`, dir, exitCode)
	docker = filepath.Join(dir, "docker")
	if err := os.WriteFile(docker, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return docker, dir
}

func TestDockerLogin(t *testing.T) {
	docker, dir := stubDocker(t, 0)
	c := &Credentials{Registry: registryHostname, Username: "AWS", Password: "s3cret"}
	var log bytes.Buffer
	if err := c.DockerLogin(context.Background(), docker, &log); err != nil {
		t.Fatal(err)
	}
	argv, _ := os.ReadFile(filepath.Join(dir, "argv"))
	if want := "login\n--username\nAWS\n--password-stdin\n" + registryHostname + "\n"; string(argv) != want {
		t.Errorf("docker argv:\n%s\nwant:\n%s", argv, want)
	}
	if stdin, _ := os.ReadFile(filepath.Join(dir, "stdin")); string(stdin) != "s3cret" {
		t.Errorf("docker stdin = %q, want the password", stdin)
	}
	if want := "Login Succeeded\nDocker is logged in to " + registryHostname + " as AWS.\n"; log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}

	docker, _ = stubDocker(t, 1)
	log.Reset()
	err := c.DockerLogin(context.Background(), docker, &log)
	if err == nil || !strings.Contains(err.Error(), "docker login to "+registryHostname+" failed (exit status 1)") || !strings.Contains(log.String(), "login denied") {
		t.Errorf("failing docker: %v\n%s", err, log.String())
	}
	if strings.Contains(err.Error()+log.String(), "s3cret") {
		t.Error("the password is in the error or the log")
	}
}

func TestFindDocker(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := FindDocker(); err == nil || !strings.Contains(err.Error(), "docker is not on PATH") {
		t.Errorf("no docker on PATH: %v", err)
	}
}
