package spec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func loadSet(t *testing.T, paths ...string) []*spec.Target {
	t.Helper()
	ts, err := spec.LoadSetFrom(context.Background(), paths, strings.NewReader(""))
	if err != nil {
		t.Fatalf("LoadSet: %v", err)
	}
	return ts
}

// TestLoadSetOneFileIsLoad: a run with one file gets exactly what Load
// gives, the same *File, so today's saved plans (spec path and SHA256)
// stay valid.
func TestLoadSetOneFileIsLoad(t *testing.T) {
	for _, name := range []string{"../../registry.yaml", "testdata/valid/every-field.yaml", "testdata/valid/minimal.yaml"} {
		want, err := spec.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		ts := loadSet(t, name)
		if len(ts) != 1 {
			t.Fatalf("%s: %d targets, want 1", name, len(ts))
		}
		got := ts[0]
		if diff := cmp.Diff(want, got.Spec); diff != "" {
			t.Errorf("%s: Spec differs from Load (-Load +LoadSet):\n%s", name, diff)
		}
		if got.Account != want.Account || got.Region != want.Region || got.AssumeRole != nil || !cmp.Equal(got.Sources, []string{name}) {
			t.Errorf("%s: target = %+v, want account %q region %q, no role, sources [%s]", name, got, want.Account, want.Region, name)
		}
	}
}
