package reconcile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRenderApplyResult(t *testing.T) {
	var out, log bytes.Buffer
	res := &Result{Summary: Summary{Add: 1}, Applied: []string{"repository.a"},
		Failed:     []Failure{{Address: "repository.b", Done: []string{OpCreateRepository}, Err: errors.New("boom")}},
		NotStarted: []string{"repository.c"}}
	if RenderApplyResult(&out, &log, res) {
		t.Error("a failed apply reported as complete")
	}
	if got := out.String(); got != "\nApply incomplete! Resources: 1 added, 0 changed, 0 destroyed.\n" {
		t.Errorf("stdout = %q", got)
	}
	for _, want := range []string{"Error: repository.b: boom\n", "(completed before the failure: CreateRepository)", "Interrupted: 1 not started: repository.c", "1 change failed and 1 did not start"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, log.String())
		}
	}
	out.Reset()
	log.Reset()
	if !RenderApplyResult(&out, &log, &Result{Summary: Summary{Change: 2}}) || log.Len() != 0 || !strings.Contains(out.String(), "Apply complete! Resources: 0 added, 2 changed") {
		t.Errorf("complete apply: %q / %q", out.String(), log.String())
	}
}
