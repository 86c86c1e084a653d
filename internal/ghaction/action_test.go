// Package ghaction checks the repository's GitHub Action (action.yml):
// actionlint lints workflows, not action metadata, so these tests check its
// structure and references and run its ecrctl step against a fake ecrctl.
package ghaction

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type input struct {
	Description        string  `yaml:"description"`
	Required           bool    `yaml:"required"`
	Default            *string `yaml:"default"`
	DeprecationMessage string  `yaml:"deprecationMessage"`
}

type output struct {
	Description string `yaml:"description"`
	Value       string `yaml:"value"`
}

type step struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	WorkingDirectory string            `yaml:"working-directory"`
	ContinueOnError  string            `yaml:"continue-on-error"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
}

type action struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Author      string            `yaml:"author"`
	Branding    map[string]string `yaml:"branding"`
	Inputs      map[string]input  `yaml:"inputs"`
	Outputs     map[string]output `yaml:"outputs"`
	Runs        struct {
		Using string `yaml:"using"`
		Steps []step `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Outputs of the actions the composite uses; a new action must be added here
// with its documented outputs before a step may read them.
var usesOutputs = map[string][]string{
	"actions/setup-go": {"go-version", "cache-hit"},
	"actions/cache":    {"cache-hit", "cache-primary-key", "cache-matched-key"},
}

var (
	inputRef   = regexp.MustCompile(`\binputs\.([A-Za-z0-9_-]+)`)
	stepRef    = regexp.MustCompile(`\bsteps\.([A-Za-z0-9_-]+)\.(outputs\.([A-Za-z0-9_-]+)|outcome|conclusion)`)
	outputLine = regexp.MustCompile(`echo "([A-Za-z][A-Za-z0-9_-]*)(=|<<)`)
	validShell = []string{"bash", "sh", "pwsh", "powershell", "python", "cmd"}
)

// stepOutputs lists what a step can set: the outputs its script writes to
// $GITHUB_OUTPUT, or the documented outputs of the action it uses.
func stepOutputs(s step, errorf func(string, ...any)) []string {
	if s.Run != "" {
		var names []string
		for _, m := range outputLine.FindAllStringSubmatch(s.Run, -1) {
			names = append(names, m[1])
		}
		return names
	}
	name, _, _ := strings.Cut(s.Uses, "@")
	outs, ok := usesOutputs[name]
	if !ok {
		errorf("step %q uses %s, whose outputs this test does not know; add them to usesOutputs", s.ID, s.Uses)
	}
	return outs
}

func TestActionStructure(t *testing.T) {
	for _, p := range problems(readAction(t)) {
		t.Error(p)
	}
}

// problems lists what is wrong with an action.yml. It is decoded strictly:
// an unknown key (a typo such as "shel:") is a problem, as GitHub would
// reject or ignore it.
func problems(data []byte) []string {
	var msgs []string
	errorf := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	var a action
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		return []string{"action.yml: " + err.Error()}
	}
	if a.Name == "" || a.Description == "" {
		errorf("action.yml needs a name and a description")
	}
	if a.Runs.Using != "composite" {
		errorf("runs.using = %q, want composite", a.Runs.Using)
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			errorf("input %s has no description", name)
		}
	}
	for _, name := range []string{"version", "command", "files", "args", "summary"} {
		if _, ok := a.Inputs[name]; !ok {
			errorf("input %s is not declared", name)
		}
	}
	for _, name := range []string{"exit-code", "has-changes", "plan-file"} {
		if _, ok := a.Outputs[name]; !ok {
			errorf("output %s is not declared", name)
		}
	}

	// Every reference resolves: inputs to declared inputs, steps.ID.outputs.Y
	// to an earlier step that sets Y. outputs.*.value may name any step.
	produced := map[string][]string{}
	used := map[string]bool{}
	check := func(where, text string, steps map[string][]string) {
		for _, m := range inputRef.FindAllStringSubmatch(text, -1) {
			used[m[1]] = true
			if _, ok := a.Inputs[m[1]]; !ok {
				errorf("%s: inputs.%s is not a declared input", where, m[1])
			}
		}
		for _, m := range stepRef.FindAllStringSubmatch(text, -1) {
			outs, ok := steps[m[1]]
			switch {
			case !ok:
				errorf("%s: steps.%s is not an earlier step's id", where, m[1])
			case m[3] != "" && !slices.Contains(outs, m[3]):
				errorf("%s: step %s does not set output %s (it sets %v)", where, m[1], m[3], outs)
			}
		}
	}
	for i, s := range a.Runs.Steps {
		where := "runs.steps[" + s.Name + "]"
		if s.Name == "" {
			errorf("runs.steps[%d] has no name", i)
		}
		if (s.Run == "") == (s.Uses == "") {
			errorf("%s: a step has exactly one of run and uses", where)
		}
		if s.Run != "" {
			if !slices.Contains(validShell, s.Shell) {
				errorf("%s: a composite run step needs shell: (one of %v), got %q", where, validShell, s.Shell)
			}
			// Expressions in a script are pasted in before the shell parses
			// it (script injection); values reach scripts through env.
			if strings.Contains(s.Run, "${{") {
				errorf("%s: run: contains ${{ }}; pass the value through env:", where)
			}
		}
		if s.Uses != "" && !strings.Contains(s.Uses, "@") {
			errorf("%s: uses %q is not pinned to a version", where, s.Uses)
		}
		check(where+".if", s.If, produced)
		for k, v := range s.Env {
			check(where+".env."+k, v, produced)
		}
		for k, v := range s.With {
			check(where+".with."+k, v, produced)
		}
		if s.ID != "" {
			if _, dup := produced[s.ID]; dup {
				errorf("%s: id %s is used twice", where, s.ID)
			}
			produced[s.ID] = stepOutputs(s, errorf)
		}
	}
	for name, o := range a.Outputs {
		if o.Description == "" || o.Value == "" {
			errorf("output %s needs a description and a value", name)
		}
		check("outputs."+name, o.Value, produced)
	}
	for name := range a.Inputs {
		if !used[name] {
			errorf("input %s is declared but never used", name)
		}
	}
	return msgs
}

// The checks above must catch what they claim to; a broken copy proves it.
func TestActionStructureCatchesMistakes(t *testing.T) {
	data := string(readAction(t))
	if p := problems([]byte(data)); len(p) != 0 {
		t.Fatalf("action.yml has problems: %v", p)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"shell: bash\n      env:\n        COMMAND", "env:\n        COMMAND", "needs shell:"},
		{"${{ inputs.command }}", "${{ inputs.comand }}", "inputs.comand is not a declared input"},
		{"steps.run.outputs.has-changes", "steps.run.outputs.has-change", "does not set output has-change"},
		{"if: steps.resolve.outputs.source", "if: steps.install.outputs.source", "steps.install is not an earlier step's id"},
		{"using: composite", "using: node20", "want composite"},
		{"shell: bash", "shel: bash", "field shel not found"},
		{"        ARGS: ${{ inputs.args }}\n", "", "input args is declared but never used"},
	} {
		broken := strings.Replace(data, tc.from, tc.to, 1)
		if broken == data {
			t.Fatalf("action.yml no longer contains %q; update this test", tc.from)
		}
		if msgs := strings.Join(problems([]byte(broken)), "\n"); !strings.Contains(msgs, tc.want) {
			t.Errorf("replacing %q with %q: want a problem containing %q, got:\n%s", tc.from, tc.to, tc.want, msgs)
		}
	}
}
