package ecrapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ecrctl/ecrctl/"

// goList runs `go list` on the whole module and returns one field list per
// package, keyed by import path.
func goList(t *testing.T, args ...string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	pkgs := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			pkgs[fields[0]] = fields[1:]
		}
	}
	return pkgs
}

// The package map (README, "Development"): the engine (internal/reconcile)
// is wired in by cmd/ecrctl only, plus import's round-trip check (it diffs
// the spec it generates); everything else reaches ECR through ecrapi, which
// knows nothing of specs, plans or commands.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	allowed := map[string]bool{module + "cmd/ecrctl": true, module + "internal/adopt": true}
	for pkg, imports := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		for _, imp := range imports {
			if imp == module+"internal/reconcile" && !allowed[pkg] {
				t.Errorf("%s imports internal/reconcile; only cmd/ecrctl and internal/adopt may (use internal/ecrapi for ECR access)", pkg)
			}
		}
	}
	deps := goList(t, "-deps", "./internal/ecrapi")
	for _, forbidden := range []string{"internal/reconcile", "internal/spec", "cmd/ecrctl"} {
		if _, ok := deps[module+forbidden]; ok {
			t.Errorf("internal/ecrapi depends on %s; it must stay below the engine", forbidden)
		}
	}
	if _, ok := deps[module+"internal/ecrapi"]; !ok {
		t.Fatalf("go list -deps did not list internal/ecrapi itself: %v", deps)
	}
}
