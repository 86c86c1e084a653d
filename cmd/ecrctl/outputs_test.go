package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/outputs"
)

const outputsSpec = `version: 1
region: us-west-2
repositories:
  - name: team/app.web-1
  - name: 9lives
  - name: plain
  - name: retired
    state: absent
`

// appliedHarness creates the spec's repositories, then adds one the fake
// does not hold yet.
func appliedHarness(t *testing.T, spec string) *harness {
	t.Helper()
	h := newHarness(t, spec)
	if code, _, errOut := h.run("", false, "apply", "--auto-approve"); code != exitOK {
		t.Fatalf("apply = %d: %s", code, errOut)
	}
	h.writeSpec(spec + "  - name: not-yet\n")
	h.fake.ResetCalls()
	return h
}

func TestOutputsJSON(t *testing.T) {
	h := appliedHarness(t, outputsSpec)
	code, out, errOut := h.run("", false, "outputs")
	if code != exitOK {
		t.Fatalf("outputs = %d: %s", code, errOut)
	}
	var got map[string]outputs.Repository
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, out)
	}
	want := outputs.Repository{
		Name:       "team/app.web-1",
		ARN:        h.fake.RepositoryARN("team/app.web-1"),
		URI:        h.fake.RepositoryURI("team/app.web-1"),
		RegistryID: "123456789012",
	}
	if len(got) != 3 || got["team/app.web-1"] != want || got["9lives"].URI == "" || got["plain"].ARN == "" {
		t.Fatalf("outputs = %+v", got)
	}
	if _, ok := got["retired"]; ok {
		t.Error("an absent repository has outputs")
	}
	if !strings.Contains(errOut, `Repository "not-yet" does not exist yet`) {
		t.Errorf("missing repository not reported:\n%s", errOut)
	}
	calls := h.fake.Calls()
	if len(calls) != 1 || calls["DescribeRepositories"] == 0 {
		t.Errorf("outputs made calls other than DescribeRepositories: %v", calls)
	}
}

func TestOutputsEnvIsShellSafe(t *testing.T) {
	h := appliedHarness(t, outputsSpec)
	code, out, errOut := h.run("", false, "outputs", "-o", "env")
	if code != exitOK {
		t.Fatalf("outputs -o env = %d: %s", code, errOut)
	}
	uri := h.fake.RepositoryURI("team/app.web-1")
	for _, want := range []string{
		"TEAM_APP_WEB_1_NAME='team/app.web-1'\n",
		"TEAM_APP_WEB_1_URI='" + uri + "'\n",
		"TEAM_APP_WEB_1_ARN='" + h.fake.RepositoryARN("team/app.web-1") + "'\n",
		"TEAM_APP_WEB_1_REGISTRY_ID='123456789012'\n",
		"_9LIVES_URI='",
		"PLAIN_URI='",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("env output lacks %q:\n%s", want, out)
		}
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to evaluate the output with")
	}
	res, err := exec.Command("sh", "-c", out+`printf '%s|%s' "$TEAM_APP_WEB_1_URI" "$_9LIVES_NAME"`).CombinedOutput()
	if err != nil || string(res) != uri+"|9lives" {
		t.Fatalf("sh evaluating the env output: %v, %q", err, res)
	}
}

func TestOutputsGitHub(t *testing.T) {
	h := appliedHarness(t, outputsSpec)
	ghOut := filepath.Join(h.dir, "github-output")
	if err := os.WriteFile(ghOut, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_OUTPUT", ghOut)
	code, out, errOut := h.run("", false, "outputs", "-o", "github")
	if code != exitOK || out != "" || !strings.Contains(errOut, "Wrote outputs for 3 repositories to $GITHUB_OUTPUT.") {
		t.Fatalf("outputs -o github = %d:\n%s\n%s", code, out, errOut)
	}
	data, _ := os.ReadFile(ghOut)
	text := string(data)
	for _, want := range []string{
		"earlier=1\n",
		"team_app_web_1_uri=" + h.fake.RepositoryURI("team/app.web-1") + "\n",
		"team_app_web_1_name=team/app.web-1\n",
		"_9lives_arn=" + h.fake.RepositoryARN("9lives") + "\n",
		`repositories={"9lives":{`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("$GITHUB_OUTPUT lacks %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		name, _, ok := strings.Cut(line, "=")
		if !ok || strings.Trim(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Errorf("bad output line %q", line)
		}
	}

	t.Setenv("GITHUB_OUTPUT", "")
	code, _, errOut = h.run("", false, "outputs", "-o", "github")
	if code != exitError || !strings.Contains(errOut, "$GITHUB_OUTPUT, which is unset") {
		t.Fatalf("unset GITHUB_OUTPUT = %d: %s", code, errOut)
	}
}

func TestOutputsNameCollision(t *testing.T) {
	h := appliedHarness(t, "version: 1\nrepositories:\n  - name: a-b\n  - name: a.b\n")
	code, _, errOut := h.run("", false, "outputs", "-o", "env")
	if code != exitError || !strings.Contains(errOut, `repositories "a-b" and "a.b" both map to the variable prefix A_B`) {
		t.Fatalf("collision = %d: %s", code, errOut)
	}
	if code, _, _ := h.run("", false, "outputs", "-o", "json"); code != exitOK {
		t.Fatal("json must not care about variable names")
	}
}

func TestOutputsBadFormat(t *testing.T) {
	h := newHarness(t, outputsSpec)
	code, _, errOut := h.run("", false, "outputs", "-o", "yaml")
	if code != exitError || !strings.Contains(errOut, "use json, env or github") || h.connected != 0 {
		t.Fatalf("exit %d, connected %d: %s", code, h.connected, errOut)
	}
}
