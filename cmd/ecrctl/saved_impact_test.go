package main

import (
	"strings"
	"testing"
	"time"
)

// A plan saved with --no-lifecycle-impact records no estimate, and so no
// images to compare at apply. Apply estimates the impact anyway, from the
// images the repository holds then: a lifecycle change that expires images
// the current policy keeps is refused without --allow-delete-images given
// to apply, writing nothing, and applies with it.
func TestApplySavedPlanWithoutImpactStillGuardsLifecycleChange(t *testing.T) {
	h := newHarness(t, prioritiesSpec)
	seedPrioritiesExample(t, h, time.Now())
	code, out, errOut := h.run("", false, "plan", "--no-lifecycle-impact", "--out", "saved.json")
	if code != exitOK || strings.Contains(out, "# lifecycle impact") {
		t.Fatalf("plan = %d:\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = h.run("", false, "apply", "--auto-approve", "saved.json")
	if code == exitOK || !strings.Contains(errOut, "--allow-delete-images") || h.fake.Writes() != 0 {
		t.Fatalf("apply without --allow-delete-images = %d, %d writes:\n%s", code, h.fake.Writes(), errOut)
	}
	code, _, errOut = h.run("", false, "apply", "--auto-approve", "--allow-delete-images", "saved.json")
	if code != exitOK || h.fake.Writes() != 1 {
		t.Fatalf("apply with --allow-delete-images = %d, %d writes:\n%s", code, h.fake.Writes(), errOut)
	}
}
