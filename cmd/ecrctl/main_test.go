package main

import (
	"bytes"
	"context"
	"encoding/json"
	goio "io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

const testSpec = `version: 1
region: us-west-2
defaults:
  imageTagMutability: IMMUTABLE
  scanOnPush: true
  tags: {Team: platform}
repositories:
  - name: app-frontend
  - name: app-backend
    lifecyclePolicy:
      rules:
        - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
          action: {type: expire}
`

type harness struct {
	t             *testing.T
	progressDelay time.Duration
	fake          *ecrfake.Fake
	dir           string
	connected     int
	opts          ecrapi.ClientOptions // the last client the command built
}

func newHarness(t *testing.T, spec string) *harness {
	t.Helper()
	isolateTempDir(t)
	h := &harness{t: t, fake: ecrfake.New(), dir: t.TempDir(), progressDelay: statusProgressDelay}
	h.writeSpec(spec)
	return h
}

// isolateTempDir gives the test its own temporary directory: plan and apply
// look there for restore files (apply's fallback), and a stale
// /tmp/ecrctl-restore-*.json left by anything else must not add warnings.
// (t.Setenv: the harnesses' tests are not parallel.)
func isolateTempDir(t *testing.T) {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
}

func (h *harness) writeSpec(spec string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "registry.yaml"), []byte(spec), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// run executes ecrctl with args in the harness directory and returns the
// exit code and both streams. tty makes all streams terminals.
func (h *harness) run(stdin string, tty bool, args ...string) (int, string, string) {
	h.t.Helper()
	io, out, errOut := testIO(stdin, tty)
	code := h.runIO(io, args...)
	return code, out.String(), errOut.String()
}

// runIO executes ecrctl with args on the given streams and returns the exit code.
func (h *harness) runIO(io *IOStreams, args ...string) int {
	h.t.Helper()
	f := &factory{IO: io, NewECR: func(_ context.Context, o ecrapi.ClientOptions) (ecrapi.API, string, error) {
		h.connected++
		h.opts = o
		region := o.Region
		if region == "" {
			region = "us-west-2"
		}
		return h.fake, region, nil
	}, ProgressDelay: h.progressDelay}
	h.t.Chdir(h.dir)
	return run(context.Background(), f, args)
}

func TestValidateNeverConnects(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, _ := h.run("", false, "validate")
	if code != exitOK || !strings.Contains(out, "registry.yaml is valid: 2 repositories.") {
		t.Fatalf("validate = %d, %q", code, out)
	}
	if h.connected != 0 || len(h.fake.Calls()) != 0 {
		t.Fatalf("validate built a client %d times and made calls %v", h.connected, h.fake.Calls())
	}
}

func TestHelpNeverConnects(t *testing.T) {
	h := newHarness(t, testSpec)
	for _, cmd := range []string{"plan", "apply", "validate", "version", "import", "outputs", "status", "login", "lifecycle", "lifecycle explain", "completion"} {
		code, out, _ := h.run("", false, append(strings.Fields(cmd), "--help")...)
		if code != exitOK || !strings.Contains(out, "Example") {
			t.Errorf("%s --help = %d, missing examples:\n%s", cmd, code, out)
		}
		if cmd != "version" && !strings.Contains(out, "Exit codes") {
			t.Errorf("%s --help does not document exit codes", cmd)
		}
	}
	if h.connected != 0 {
		t.Fatalf("--help built a client")
	}
}

func TestInvalidSpecMakesNoAWSCall(t *testing.T) {
	h := newHarness(t, "version: 1\nrepositories:\n  - name: Bad_Name\n    scanOnPush: true\n    colour: red\n")
	for _, args := range [][]string{{"validate"}, {"plan"}, {"apply", "--auto-approve"}} {
		cmd := args[0]
		code, _, errOut := h.run("", false, args...)
		if code != exitError {
			t.Errorf("%s exit = %d, want 1", cmd, code)
		}
		for _, want := range []string{"registry.yaml:3:", "repositories[0].name", "registry.yaml:5:5: repositories[0].colour: unknown key \"colour\"", "nothing was sent to AWS"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s stderr lacks %q:\n%s", cmd, want, errOut)
			}
		}
	}
	if h.connected != 0 || h.fake.Writes() != 0 {
		t.Fatalf("invalid spec reached AWS: %d clients, calls %v", h.connected, h.fake.Calls())
	}
}

func TestPlanDetailedExitCodeAndConvergence(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, _ := h.run("", false, "plan", "--detailed-exitcode")
	if code != exitChanges || !strings.Contains(out, "Plan: 2 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("plan = %d:\n%s", code, out)
	}
	if code, _, _ := h.run("", false, "plan"); code != exitOK {
		t.Fatalf("plan without --detailed-exitcode = %d, want 0", code)
	}
	if h.fake.Writes() != 0 {
		t.Fatalf("plan wrote: %v", h.fake.Calls())
	}
	code, out, errOut := h.run("", false, "apply", "--auto-approve")
	if code != exitOK || !strings.Contains(out, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.") {
		t.Fatalf("apply = %d:\n%s\n%s", code, out, errOut)
	}
	h.fake.ResetCalls()
	code, out, _ = h.run("", false, "plan", "--detailed-exitcode")
	if code != exitOK || !strings.Contains(out, "No changes.") {
		t.Fatalf("plan after apply = %d:\n%s", code, out)
	}
	code, _, _ = h.run("", false, "apply", "--auto-approve")
	if code != exitOK || h.fake.Writes() != 0 {
		t.Fatalf("second apply = %d with %d writes", code, h.fake.Writes())
	}
}

func TestApplyWithoutTerminalNeedsAutoApprove(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("yes\n", false, "apply")
	if code != exitError || !strings.Contains(errOut, "--auto-approve") {
		t.Fatalf("apply without tty = %d:\n%s", code, errOut)
	}
	if h.fake.Writes() != 0 {
		t.Fatal("apply without confirmation wrote")
	}
}

func TestApplyPromptsOnTerminal(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("no\n", true, "apply")
	if code != exitError || !strings.Contains(errOut, "Only 'yes' will be accepted") || h.fake.Writes() != 0 {
		t.Fatalf("answer no: exit %d, writes %d:\n%s", code, h.fake.Writes(), errOut)
	}
	code, _, _ = h.run("yes\n", true, "apply")
	if code != exitOK || h.fake.Writes() == 0 {
		t.Fatalf("answer yes: exit %d, writes %d", code, h.fake.Writes())
	}
}

func TestColourOnlyOnTerminal(t *testing.T) {
	h := newHarness(t, testSpec)
	_, out, _ := h.run("", false, "plan")
	if strings.Contains(out, "\x1b[") {
		t.Fatal("colour escape codes in piped output")
	}
	_, out, _ = h.run("", true, "plan")
	if !strings.Contains(out, "\x1b[") {
		t.Fatal("no colour on a terminal")
	}
	_, out, _ = h.run("", true, "plan", "--no-color")
	if strings.Contains(out, "\x1b[") {
		t.Fatal("--no-color ignored")
	}
}

func TestPlanJSON(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, _ := h.run("", false, "plan", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var p struct {
		FormatVersion string `json:"format_version"`
		HasChanges    bool   `json:"has_changes"`
		Summary       struct{ Add int }
		Changes       []struct {
			Address string   `json:"address"`
			Actions []string `json:"actions"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan -o json is not one JSON object: %v\n%s", err, out)
	}
	if p.FormatVersion != "1" || !p.HasChanges || p.Summary.Add != 2 || len(p.Changes) != 2 || p.Changes[0].Address != "repository.app-backend" {
		t.Fatalf("unexpected plan JSON: %+v", p)
	}
}

func TestRegionFlagContradictingSpec(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("", false, "plan", "--region", "eu-west-1")
	if code != exitError || !strings.Contains(errOut, "--region eu-west-1 contradicts region us-west-2") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

func TestSavedPlan(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("", false, "plan", "--out", "plan.json")
	if code != exitOK || !strings.Contains(errOut, "Saved the plan to plan.json") {
		t.Fatalf("plan --out = %d:\n%s", code, errOut)
	}
	// Without a terminal, a saved plan applies without a prompt: it was reviewed.
	code, out, errOut := h.run("", false, "apply", "plan.json")
	if code != exitOK || !strings.Contains(out, "Apply complete! Resources: 2 added") {
		t.Fatalf("apply plan.json = %d:\n%s\n%s", code, out, errOut)
	}
	// The same file again: live state moved on, so it is stale.
	writes := h.fake.Writes()
	code, _, errOut = h.run("", false, "apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "plan is stale: live ECR changed") || h.fake.Writes() != writes {
		t.Fatalf("stale apply = %d, writes %d -> %d:\n%s", code, writes, h.fake.Writes(), errOut)
	}
}

func TestSavedPlanStaleWhenSpecChanges(t *testing.T) {
	h := newHarness(t, testSpec)
	if code, _, _ := h.run("", false, "plan", "--out", "plan.json"); code != exitOK {
		t.Fatal("plan --out failed")
	}
	h.writeSpec(strings.Replace(testSpec, "Team: platform", "Team: payments", 1))
	code, _, errOut := h.run("", false, "apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "plan is stale: registry.yaml changed") || h.fake.Writes() != 0 {
		t.Fatalf("apply after spec edit = %d, writes %d:\n%s", code, h.fake.Writes(), errOut)
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, _ := h.run("", false, "version")
	if code != exitOK || !strings.HasPrefix(out, "ecrctl ") {
		t.Fatalf("version = %d %q", code, out)
	}
}

func TestUnknownFlagIsAnError(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("", false, "plan", "--bogus")
	if code != exitError || !bytes.Contains([]byte(errOut), []byte("unknown flag: --bogus")) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestSavedPlanEditedToDeleteAnUnmanagedRepositoryIsRefused(t *testing.T) {
	h := newHarness(t, testSpec)
	if _, err := h.fake.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: ptrTo("legacy")}); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := h.run("", false, "plan", "--out", "plan.json"); code != exitOK {
		t.Fatal("plan --out failed")
	}
	path := filepath.Join(h.dir, "plan.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	p["resource_changes"] = append(p["resource_changes"].([]any), map[string]any{
		"address": "repository.legacy", "type": "repository", "name": "legacy", "actions": []string{"delete"},
		"blocked": false, "changes": []any{}, "steps": []any{map[string]any{"operation": "DeleteRepository", "force": true}},
	})
	edited, _ := json.Marshal(p)
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	h.fake.ResetCalls()
	code, _, errOut := h.run("", false, "apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "refusing the saved plan") || h.fake.Writes() != 0 {
		t.Fatalf("edited plan: exit %d, writes %d:\n%s", code, h.fake.Writes(), errOut)
	}
	if _, ok := h.fake.Repository("legacy"); !ok {
		t.Fatal("the unmanaged repository was deleted")
	}
}

func TestInterruptAtThePromptCancels(t *testing.T) {
	io, _, errOut := testIO("", true)
	r, w := goio.Pipe() // a reader that never answers, like a person who does not type
	defer w.Close()     //nolint:errcheck // test pipe
	io.In = r
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := confirm(ctx, &factory{IO: io})
	if ok || err != nil {
		t.Fatalf("confirm after interrupt = %v, %v", ok, err)
	}
	if !strings.Contains(errOut.String(), "Enter a value") {
		t.Fatalf("no prompt: %q", errOut.String())
	}
}

func ptrTo(s string) *string { return &s }

// repoRoot is the repository root, fixed when the test binary starts (in
// the package directory), so tests that change directory still find it.
var repoRoot = func() string {
	root, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return root
}()

// repoFile is a path in the repository, whatever the current directory.
func repoFile(rel string) string { return filepath.Join(repoRoot, filepath.FromSlash(rel)) }
