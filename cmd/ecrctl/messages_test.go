package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/reconcile"
)

// /dev/null is a character device but not a terminal: `login --print >
// /dev/null` must not be refused as writing to a terminal.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if isTerminal(f) {
		t.Errorf("%s is reported as a terminal", os.DevNull)
	}
}

// no-color.org: NO_COLOR disables colour only when set and non-empty.
func TestEmptyNoColorKeepsColour(t *testing.T) {
	for value, want := range map[string]bool{"": false, "1": true, "0": true} {
		t.Setenv("NO_COLOR", value)
		if got := systemIO().noColorEnv; got != want {
			t.Errorf("NO_COLOR=%q: colour disabled = %v, want %v", value, got, want)
		}
	}
}

// pflag takes a back-quoted word in a usage string as the value's name.
func TestPlanHelpNamesTheOutValue(t *testing.T) {
	h := newHarness(t, testSpec)
	code, out, _ := h.run("", false, "plan", "--help")
	if code != exitOK || !strings.Contains(out, "--out FILE ") || strings.Contains(out, "--out ecrctl") {
		t.Errorf("plan --help:\n%s", out)
	}
}

// An interrupted apply names the first addresses not started and counts
// the rest, instead of printing all of them on one line.
func TestInterruptedApplySummarisesNotStarted(t *testing.T) {
	io, _, errOut := testIO("", false)
	res := &reconcile.Result{}
	for i := range 142 {
		res.NotStarted = append(res.NotStarted, fmt.Sprintf("repository.r%03d", i))
	}
	if err := reportApply(&factory{IO: io}, res); err == nil {
		t.Fatal("an interrupted apply reported success")
	}
	got := errOut.String()
	want := "Interrupted: 142 not started: repository.r000, repository.r001, repository.r002, repository.r003, repository.r004, repository.r005, repository.r006, repository.r007, repository.r008, repository.r009 and 132 more\n"
	if !strings.Contains(got, want) || strings.Contains(got, "repository.r010") {
		t.Errorf("stderr:\n%s\nwant the line\n%s", got, want)
	}
}
