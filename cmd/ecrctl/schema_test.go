package main

import (
	"encoding/json"
	"os"
	"testing"
)

// TestSchemaCommand: `ecrctl schema` prints the committed schema, needs no
// spec file and no AWS.
func TestSchemaCommand(t *testing.T) {
	h := newHarness(t, "not: a spec")
	code, out, errOut := h.run("", false, "schema")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want, err := os.ReadFile(repoFile("docs/registry.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("ecrctl schema differs from docs/registry.schema.json")
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil || s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("not a draft 2020-12 schema: %v", err)
	}
	if h.connected != 0 {
		t.Errorf("schema connected to ECR")
	}
}
