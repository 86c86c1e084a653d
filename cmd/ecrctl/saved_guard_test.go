package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

// The repro: no account: in the spec, an empty registry, a saved
// plan, and apply with credentials for another account.
func TestSavedPlanRefusedInAnotherAccount(t *testing.T) {
	h := newHarness(t, testSpec)
	h.fake = ecrfake.New(ecrfake.WithAccount("111111111111"))
	if code, _, errOut := h.run("", false, "plan", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d:\n%s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(h.dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"registry_id": "111111111111"`) {
		t.Fatalf("the saved plan does not record its account:\n%s", data)
	}
	h.fake = ecrfake.New(ecrfake.WithAccount("222222222222"))
	code, _, errOut := h.run("", false, "apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "made for account 111111111111, but these credentials reach account 222222222222") {
		t.Fatalf("apply in another account = %d:\n%s", code, errOut)
	}
	if h.fake.Writes() != 0 || len(h.fake.RepositoryNames()) != 0 {
		t.Fatalf("apply wrote to the other account: %v", h.fake.Calls())
	}
}

func TestPlanThatCannotTellItsAccountIsNotSaved(t *testing.T) {
	h := newHarness(t, testSpec)
	h.fake.FailN("DescribeRegistry", "", 1, ecrfake.AccessDenied("DescribeRegistry"))
	code, out, errOut := h.run("", false, "plan", "--out", "plan.json")
	if code != exitError || !strings.Contains(errOut, "not saving the plan to plan.json") || !strings.Contains(out, "ecr:DescribeRegistry") {
		t.Fatalf("plan --out without the account = %d:\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "plan.json")); !os.IsNotExist(err) {
		t.Fatalf("plan.json was written: %v", err)
	}
}
