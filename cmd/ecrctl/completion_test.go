package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete command, as a shell's completion
// script does, and returns the candidates and the directive line (":4").
func complete(t *testing.T, h *harness, args ...string) ([]string, string) {
	t.Helper()
	code, out, errOut := h.run("", false, append([]string{"__complete"}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %q exit %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	directive := lines[len(lines)-1]
	if !strings.HasPrefix(directive, ":") {
		t.Fatalf("__complete %q: no directive line in %q", args, out)
	}
	return lines[:len(lines)-1], directive
}

// Directives, from cobra's ShellCompDirective values.
const (
	noFileComp    = ":4"
	filterFileExt = ":8"
)

func TestCompleteRepositoryNames(t *testing.T) {
	h := newHarness(t, testSpec)
	for name, content := range map[string]string{
		"other.yaml":  "version: 1\nrepositories:\n  - name: team/other\n",
		"broken.yaml": "version: 1\nrepositories:\n  - name: Bad_Name\n",
	} {
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"status", ""}, []string{"app-frontend", "app-backend"}, noFileComp},
		{[]string{"status", "app-b"}, []string{"app-backend"}, noFileComp},
		{[]string{"status", "app-frontend", ""}, []string{"app-backend"}, noFileComp},
		{[]string{"status", "-f", "other.yaml", ""}, []string{"team/other"}, noFileComp},
		{[]string{"status", "--file=other.yaml", "team/"}, []string{"team/other"}, noFileComp},
		{[]string{"status", "-f", "broken.yaml", ""}, nil, noFileComp},
		{[]string{"status", "-f", "missing.yaml", ""}, nil, noFileComp},
		{[]string{"lifecycle", "explain", ""}, []string{"app-frontend", "app-backend"}, noFileComp},
		{[]string{"lifecycle", "explain", "app-frontend", ""}, nil, noFileComp},
		{[]string{"lifecycle", "explain", "-f", "other.yaml", "t"}, []string{"team/other"}, noFileComp},
	} {
		got, directive := complete(t, h, tc.args...)
		if !slices.Equal(got, tc.want) || directive != tc.directive {
			t.Errorf("__complete %q = %q %s, want %q %s", tc.args, got, directive, tc.want, tc.directive)
		}
	}
	if h.connected != 0 {
		t.Errorf("completion built an AWS client %d times", h.connected)
	}
}

func TestCompleteFiles(t *testing.T) {
	h := newHarness(t, testSpec)
	for _, tc := range []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"apply", ""}, []string{"json"}, filterFileExt},
		{[]string{"apply", "--auto-approve", "pl"}, []string{"json"}, filterFileExt},
		{[]string{"apply", "plan.json", ""}, nil, noFileComp},
		{[]string{"plan", "-f", ""}, []string{"yaml", "yml"}, filterFileExt},
		{[]string{"status", "--file", ""}, []string{"yaml", "yml"}, filterFileExt},
	} {
		got, directive := complete(t, h, tc.args...)
		if !slices.Equal(got, tc.want) || directive != tc.directive {
			t.Errorf("__complete %q = %q %s, want %q %s", tc.args, got, directive, tc.want, tc.directive)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	h := newHarness(t, testSpec)
	for shell, marker := range map[string]string{
		"bash":       "# bash completion V2 for ecrctl",
		"zsh":        "#compdef ecrctl",
		"fish":       "# fish completion for ecrctl",
		"powershell": "# powershell completion for ecrctl",
	} {
		code, out, errOut := h.run("", false, "completion", shell)
		if code != exitOK || !strings.HasPrefix(out, marker) {
			t.Errorf("completion %s = %d, stdout starts %.60q, stderr %q", shell, code, out, errOut)
		}
	}
	code, _, errOut := h.run("", false, "completion", "tcsh")
	if code != exitError || !strings.Contains(errOut, `unknown shell "tcsh"`) {
		t.Errorf("completion tcsh = %d %q, want an unknown shell error", code, errOut)
	}
}
