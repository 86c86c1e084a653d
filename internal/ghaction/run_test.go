package ghaction

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// fakeEcrctl records its arguments, prints a line, writes --out like plan
// does, and exits by spec file as one run over all -f would: bad.yaml 1
// (an error anywhere wins), else drift.yaml 2 (changes), else 0.
const fakeEcrctl = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
code=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -f) case "$2" in drift.yaml) [ "$code" -eq 1 ] || code=2 ;; bad.yaml) code=1 ;; esac; shift ;;
    --out) out="$2"; shift ;;
  esac
  shift
done
echo "fake output"
if [ -n "$out" ] && [ "$code" -ne 1 ]; then echo '{}' > "$out"; fi
exit "$code"
`

type runResult struct {
	exit    int
	outputs map[string]string
	calls   []string
	summary string
	stdout  string
}

// runStep runs the action's "run" step script with bash, as the runner
// would: inputs through its env, ecrctl on PATH (here the fake).
func runStep(t *testing.T, inputs map[string]string) runResult {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not on PATH")
	}
	var a action
	if err := yaml.Unmarshal(readAction(t), &a); err != nil {
		t.Fatal(err)
	}
	var script string
	var env map[string]string
	for _, s := range a.Runs.Steps {
		if s.ID == "run" {
			script, env = s.Run, s.Env
		}
	}
	if script == "" {
		t.Fatal(`action.yml has no step with id "run"`)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "ecrctl"), []byte(fakeEcrctl), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"GITHUB_OUTPUT": "output", "GITHUB_STEP_SUMMARY": "summary", "FAKE_LOG": "calls"}
	// The runner's command line for shell: bash is bash --noprofile --norc -eo pipefail {0}.
	cmd := exec.Command(bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "RUNNER_TEMP=" + dir, "HOME=" + dir}
	for k, f := range files {
		files[k] = filepath.Join(dir, f)
		cmd.Env = append(cmd.Env, k+"="+files[k])
	}
	// Each env value is "${{ inputs.NAME }}"; the test supplies the input or
	// the action's default.
	for k, v := range env {
		name := strings.TrimSuffix(strings.TrimPrefix(v, "${{ inputs."), " }}")
		val, ok := inputs[name]
		if !ok {
			if d := a.Inputs[name].Default; d != nil {
				val = *d
			}
		}
		cmd.Env = append(cmd.Env, k+"="+val)
	}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	res := runResult{outputs: map[string]string{}}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		res.exit = ee.ExitCode()
	}
	res.stdout = stdout.String()
	read := func(p string) string { b, _ := os.ReadFile(p); return string(b) }
	res.summary = read(files["GITHUB_STEP_SUMMARY"])
	res.calls = strings.Split(strings.TrimSpace(read(files["FAKE_LOG"])), "\n")
	lines := strings.Split(read(files["GITHUB_OUTPUT"]), "\n")
	for i := 0; i < len(lines); i++ {
		if k, v, ok := strings.Cut(lines[i], "="); ok && !strings.Contains(k, "<<") {
			res.outputs[k] = v
			continue
		}
		if k, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			res.outputs[k] = strings.Join(val, "\n")
		}
	}
	return res
}

func TestRunPlanWithChangesDoesNotFail(t *testing.T) {
	r := runStep(t, map[string]string{"command": "plan", "files": "drift.yaml", "args": "-o markdown", "summary": "true"})
	if r.exit != 0 {
		t.Fatalf("exit %d on plan exit 2 without fail-on-changes:\n%s", r.exit, r.stdout)
	}
	if r.outputs["exit-code"] != "2" || r.outputs["has-changes"] != "true" {
		t.Errorf("outputs = %v, want exit-code 2, has-changes true", r.outputs)
	}
	plan := r.outputs["plan-file"]
	if _, err := os.Stat(plan); plan == "" || err != nil {
		t.Errorf("plan-file %q is not the saved plan: %v", plan, err)
	}
	want := "plan -f drift.yaml --detailed-exitcode --out " + plan + " --summary-file "
	if len(r.calls) != 1 || !strings.HasPrefix(r.calls[0], want) || !strings.HasSuffix(r.calls[0], "summary -o markdown") {
		t.Errorf("ecrctl called with %q, want %q...summary -o markdown", r.calls, want)
	}
	if out, _ := os.ReadFile(r.outputs["output-file"]); string(out) != "fake output\n" {
		t.Errorf("output-file holds %q", out)
	}
}

func TestRunPlanFailOnChanges(t *testing.T) {
	r := runStep(t, map[string]string{"command": "plan", "files": "drift.yaml", "fail-on-changes": "true"})
	if r.exit != 2 || r.outputs["has-changes"] != "true" || r.outputs["exit-code"] != "2" {
		t.Fatalf("exit %d, outputs %v; want exit 2 with has-changes true", r.exit, r.outputs)
	}
	r = runStep(t, map[string]string{"command": "plan", "files": "clean.yaml", "fail-on-changes": "true"})
	if r.exit != 0 || r.outputs["has-changes"] != "false" || r.outputs["exit-code"] != "0" {
		t.Fatalf("no changes: exit %d, outputs %v", r.exit, r.outputs)
	}
}

func TestRunErrorFailsTheStep(t *testing.T) {
	r := runStep(t, map[string]string{"command": "plan", "files": "bad.yaml"})
	if r.exit != 1 || r.outputs["exit-code"] != "1" || r.outputs["has-changes"] != "false" || r.outputs["plan-file"] != "" {
		t.Fatalf("exit %d, outputs %v; want exit 1, no plan file", r.exit, r.outputs)
	}
	if !strings.Contains(r.stdout, "::error::ecrctl plan -f bad.yaml exited 1") {
		t.Errorf("no error annotation:\n%s", r.stdout)
	}
}

// Several files and directories make one run: one call with -f each,
// one saved plan, ecrctl's exit code.
func TestRunSeveralFiles(t *testing.T) {
	r := runStep(t, map[string]string{"command": "plan", "files": "clean.yaml\nteams/ drift.yaml"})
	if r.exit != 0 || r.outputs["exit-code"] != "2" || r.outputs["has-changes"] != "true" {
		t.Fatalf("exit %d, outputs %v", r.exit, r.outputs)
	}
	plan := r.outputs["plan-file"]
	want := "plan -f clean.yaml -f teams/ -f drift.yaml --detailed-exitcode --out " + plan
	if len(r.calls) != 1 || r.calls[0] != want {
		t.Errorf("ecrctl called with %q, want one call %q", r.calls, want)
	}
	if _, err := os.Stat(plan); plan == "" || strings.Contains(plan, "\n") || err != nil {
		t.Errorf("plan-file = %q, want the one saved plan (%v)", plan, err)
	}
	r = runStep(t, map[string]string{"command": "plan", "files": "bad.yaml drift.yaml"})
	if r.exit != 1 || r.outputs["exit-code"] != "1" || r.outputs["has-changes"] != "false" || r.outputs["plan-file"] != "" {
		t.Fatalf("exit %d, outputs %v", r.exit, r.outputs)
	}
	if !strings.Contains(r.stdout, "::error::ecrctl plan -f bad.yaml -f drift.yaml exited 1") {
		t.Errorf("no error annotation naming every file:\n%s", r.stdout)
	}
}

func TestRunOtherCommands(t *testing.T) {
	r := runStep(t, map[string]string{"command": "validate", "files": "clean.yaml", "args": "--strict", "summary": "true"})
	if r.exit != 0 || len(r.calls) != 1 || r.calls[0] != "validate -f clean.yaml --strict" {
		t.Fatalf("exit %d, calls %q", r.exit, r.calls)
	}
	if !strings.Contains(r.summary, "### ecrctl validate -f clean.yaml\n\n```\nfake output\n```") || r.outputs["plan-file"] != "" {
		t.Errorf("summary %q, outputs %v", r.summary, r.outputs)
	}
	// No files: ecrctl's default, so a saved plan names its own spec.
	r = runStep(t, map[string]string{"command": "apply", "args": "--auto-approve plan.json"})
	if r.exit != 0 || r.calls[0] != "apply --auto-approve plan.json" || r.summary != "" {
		t.Fatalf("exit %d, calls %q, summary %q", r.exit, r.calls, r.summary)
	}
	r = runStep(t, map[string]string{"command": "lifecycle explain", "files": "bad.yaml", "args": "team/app"})
	if r.exit != 1 || r.calls[0] != "lifecycle explain -f bad.yaml team/app" {
		t.Fatalf("exit %d, calls %q", r.exit, r.calls)
	}
}
