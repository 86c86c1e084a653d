package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanMarkdown(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, _ := h.run("", true, "plan", "-o", "markdown", "--detailed-exitcode")
	if code != exitChanges {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{
		"**Plan:** 2 to add, 0 to change, 0 to destroy.",
		"| `app-backend` | `+` create |",
		"| `app-frontend` | `+` create |",
		"<details><summary><code>lifecyclePolicy</code> of <code>app-backend</code></summary>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan -o markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("markdown carries colour codes on a terminal")
	}
	if h.fake.Writes() != 0 {
		t.Fatalf("plan wrote: %v", h.fake.Calls())
	}
}

func TestPlanSummaryFileAppends(t *testing.T) {
	h := newHarness(t, testSpec)
	summary := filepath.Join(h.dir, "step-summary.md")
	if err := os.WriteFile(summary, []byte("## Earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := h.run("", false, "plan", "--summary-file", summary, "--detailed-exitcode")
	if code != exitChanges {
		t.Fatalf("exit %d, want 2", code)
	}
	// stdout keeps the normal text output.
	if !strings.Contains(out, "Plan: 2 to add, 0 to change, 0 to destroy.") || strings.Contains(out, "| Repository |") {
		t.Fatalf("stdout is not the text plan:\n%s", out)
	}
	got, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "## Earlier step\n\n### ecrctl plan") || !strings.Contains(string(got), "| `app-backend` | `+` create |") {
		t.Fatalf("summary file was not appended to:\n%s", got)
	}

	// After apply, a second plan appends "No changes." below the first.
	if code, _, errOut := h.run("", false, "apply", "--auto-approve"); code != exitOK {
		t.Fatalf("apply = %d: %s", code, errOut)
	}
	code, out, _ = h.run("", false, "plan", "-o", "json", "--summary-file", "step-summary.md")
	if code != exitOK || !strings.HasPrefix(out, "{") {
		t.Fatalf("plan -o json --summary-file = %d:\n%s", code, out)
	}
	got, _ = os.ReadFile(summary)
	if strings.Count(string(got), "### ecrctl plan") != 2 || !strings.Contains(string(got), "**No changes.** The registry matches the configuration (2 managed repositories).") {
		t.Fatalf("second summary not appended:\n%s", got)
	}
}

func TestPlanSummaryFileCreated(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, _ := h.run("", false, "plan", "--summary-file", "new.md")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	got, err := os.ReadFile(filepath.Join(h.dir, "new.md"))
	if err != nil || !strings.HasPrefix(string(got), "### ecrctl plan") {
		t.Fatalf("summary file = %q, %v", got, err)
	}
}

func TestPlanSummaryFileUnwritable(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("", false, "plan", "--summary-file", filepath.Join(h.dir, "no-such-dir", "s.md"))
	if code != exitError || !strings.Contains(errOut, "writing the summary file") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
}

func TestPlanRejectsUnknownFormat(t *testing.T) {
	h := newHarness(t, testSpec)
	code, _, errOut := h.run("", false, "plan", "-o", "yaml")
	if code != exitError || !strings.Contains(errOut, "use text, json or markdown") {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if h.connected != 0 {
		t.Fatal("a bad -o reached AWS")
	}
}
