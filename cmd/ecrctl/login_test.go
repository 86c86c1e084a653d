package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

const registryHostname = "123456789012.dkr.ecr.us-west-2.amazonaws.com"

// stubDocker puts a fake `docker` first on PATH. It records its arguments
// (one per line), its stdin and its environment in dir, prints what real
// docker prints, and exits with exitCode.
func stubDocker(t *testing.T, exitCode int) (dir string) {
	t.Helper()
	dir = t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do printf '%%s\n' "$a"; done > %[1]q/argv
cat > %[1]q/stdin
env > %[1]q/env
if [ %[2]d -eq 0 ]; then echo "Login Succeeded"; else echo "Error response from daemon: login denied" >&2; fi
exit %[2]d
`, dir, exitCode)
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// fakePassword is the password in the fake's authorization token (its clock
// is fixed, so every token is the same).
func fakePassword(t *testing.T, h *harness) string {
	t.Helper()
	out, err := h.fake.GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	if err != nil {
		t.Fatal(err)
	}
	_, pw, _ := strings.Cut(string(raw), ":")
	if len(pw) < 8 {
		t.Fatalf("implausible password %q", pw)
	}
	h.fake.ResetCalls()
	return pw
}

func readStub(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("the docker stub did not record %s: %v", name, err)
	}
	return string(b)
}

func TestLoginPassesPasswordOnStdinOnly(t *testing.T) {
	dir := stubDocker(t, 0)
	h := newHarness(t, testSpec)
	pw := fakePassword(t, h)

	code, out, errOut := h.run("", false, "login")
	if code != exitOK {
		t.Fatalf("login = %d:\n%s", code, errOut)
	}
	argv := readStub(t, dir, "argv")
	if want := "login\n--username\nAWS\n--password-stdin\n" + registryHostname + "\n"; argv != want {
		t.Errorf("docker argv:\n%s\nwant:\n%s", argv, want)
	}
	if got := readStub(t, dir, "stdin"); got != pw {
		t.Errorf("docker stdin = %q, want the password", got)
	}
	for name, text := range map[string]string{"argv": argv, "environment": readStub(t, dir, "env"), "stdout": out, "stderr": errOut} {
		if strings.Contains(text, pw) {
			t.Errorf("the password reached docker's %s or ecrctl's output (%s)", name, name)
		}
	}
	if out != "" {
		t.Errorf("login wrote to stdout: %q", out)
	}
	for _, want := range []string{"Login Succeeded", "Docker is logged in to " + registryHostname + " as AWS until 2025-01-02T15:04:05Z."} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := h.fake.CallsFor("GetAuthorizationToken", ""); n != 1 || len(h.fake.Calls()) != 1 {
		t.Errorf("calls = %v, want one GetAuthorizationToken", h.fake.Calls())
	}
}

func TestLoginDockerFails(t *testing.T) {
	stubDocker(t, 1)
	h := newHarness(t, testSpec)
	pw := fakePassword(t, h)
	code, out, errOut := h.run("", false, "login")
	if code != exitError || !strings.Contains(errOut, "login denied") || !strings.Contains(errOut, "docker login to "+registryHostname+" failed (exit status 1)") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if strings.Contains(out+errOut, pw) {
		t.Error("the password is in the output of a failed login")
	}
}

func TestLoginWithoutDocker(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("", false, "login")
	if code != exitError || !strings.Contains(errOut, "docker is not on PATH; install Docker or use `ecrctl login --print | ...`") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if h.connected != 0 || len(h.fake.Calls()) != 0 {
		t.Errorf("login without docker reached AWS: %v", h.fake.Calls())
	}
}

func TestLoginPrintToPipe(t *testing.T) {
	dir := stubDocker(t, 0)
	h := newHarness(t, testSpec)
	pw := fakePassword(t, h)
	code, out, errOut := h.run("", false, "login", "--print")
	if code != exitOK {
		t.Fatalf("login --print = %d:\n%s", code, errOut)
	}
	if out != pw+"\n" {
		t.Errorf("stdout = %q, want only the password and a newline", out)
	}
	for _, want := range []string{"Registry: " + registryHostname + "\n", "Username: AWS\n", "Expires:  2025-01-02T15:04:05Z\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, pw) {
		t.Error("the password is on stderr")
	}
	if _, err := os.Stat(filepath.Join(dir, "argv")); err == nil {
		t.Error("--print ran docker")
	}
}

func TestLoginPrintRefusesTerminal(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, errOut := h.run("", true, "login", "--print")
	if code != exitError || out != "" || !strings.Contains(errOut, "refusing to write the registry password to a terminal") {
		t.Fatalf("exit %d, stdout %q:\n%s", code, out, errOut)
	}
	if h.connected != 0 || h.fake.CallsFor("GetAuthorizationToken", "") != 0 {
		t.Error("got a token it was going to refuse to print")
	}
}

func TestLoginAccountGuard(t *testing.T) {
	dir := stubDocker(t, 0)
	h := newHarness(t, strings.Replace(testSpec, "region: us-west-2\n", "region: us-west-2\naccount: \"111122223333\"\n", 1))
	pw := fakePassword(t, h)
	code, out, errOut := h.run("", false, "login")
	if code != exitError || !strings.Contains(errOut, "account guard: registry.yaml pins account 111122223333") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if strings.Contains(out+errOut, pw) {
		t.Error("the password is in the output")
	}
	if _, err := os.Stat(filepath.Join(dir, "argv")); err == nil {
		t.Error("docker ran for the wrong account")
	}
}
