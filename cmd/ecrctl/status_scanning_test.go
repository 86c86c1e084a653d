package main

import (
	"strings"
	"testing"
)

// TestStatusScanningDeniedWarns: without
// ecr:BatchGetRepositoryScanningConfiguration status still reports, exits 0,
// says "not read" where the frequency would be, and warns on stderr.
func TestStatusScanningDeniedWarns(t *testing.T) {
	h := statusHarness(t)
	h.fake.FailN("BatchGetRepositoryScanningConfiguration", "", 1, h.fake.AccessDeniedFor("BatchGetRepositoryScanningConfiguration", "app-frontend"))
	code, out, errOut := h.run("", false, "status")
	if code != exitOK {
		t.Fatalf("status = %d:\n%s", code, errOut)
	}
	if !strings.Contains(out, "  scanning      not read\n") || !strings.Contains(out, "Total: 3 images") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errOut, "Warning: the effective scan frequency was not read") || !strings.Contains(errOut, "BatchGetRepositoryScanningConfiguration") {
		t.Errorf("stderr lacks the warning: %q", errOut)
	}

	code, out, _ = h.run("", false, "status")
	if code != exitOK || !strings.Contains(out, "  scanning      SCAN_ON_PUSH (no registry scanning rule matches)\n") {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
}
