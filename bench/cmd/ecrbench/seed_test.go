package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// The benchmark measures a pure drift check, so the seeded registry must be
// what the spec describes; the driver also checks this against moto (plan
// --detailed-exitcode must exit 0) before measuring.
func TestSeededRegistryMatchesSpec(t *testing.T) {
	const n = 25
	path := filepath.Join(t.TempDir(), "registry.yaml")
	if err := writeSpec(path, n); err != nil {
		t.Fatal(err)
	}
	f, err := spec.Load(path)
	if err != nil {
		t.Fatalf("the generated spec is invalid: %v", err)
	}
	if len(f.Repositories) != n {
		t.Fatalf("spec manages %d repositories, want %d", len(f.Repositories), n)
	}
	fake := ecrfake.New(ecrfake.WithAccount(account), ecrfake.WithRegion(region))
	ctx := context.Background()
	if err := seed(ctx, fake, n, 4); err != nil {
		t.Fatal(err)
	}
	fake.ResetCalls()
	live, err := reconcile.Read(ctx, fake, f, reconcile.ReadOptions{Region: region, Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	p := reconcile.Diff(f, live, reconcile.DiffOptions{})
	if p.HasChanges {
		t.Errorf("plan of the seeded registry has changes: %+v", p.Summary)
		for _, c := range p.Changes {
			if !c.Is(reconcile.NoOp) {
				t.Logf("%s: %+v", c.Address, c)
				break
			}
		}
	}
	want := map[string]int{"DescribeRepositories": 1, "ListTagsForResource": n, "GetLifecyclePolicy": n, "GetRepositoryPolicy": n}
	for op, c := range fake.Calls() {
		if want[op] != c {
			t.Errorf("%s called %d times, want %d", op, c, want[op])
		}
	}
}
