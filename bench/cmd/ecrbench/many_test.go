package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecrctl/ecrctl/bench/latencyproxy"
)

// The many-registries section replaces only itself and keeps the rest of
// results.md, the hand-written analysis included.
func TestWriteManyKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.md")
	orig := "# figures\n\n" + analysisMarker + "\n## Analysis\n\nby hand\n"
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(wall time.Duration) *runResult {
		r := &runResult{N: 1000, Delay: 20 * time.Millisecond, Parallelism: 20}
		r.add(measured{Wall: wall}, latencyproxy.Stats{Calls: map[string]int{"GetLifecyclePolicy": 3010}})
		return r
	}
	res := &manyResult{Registries: 10, PerRegistry: 100, Apply: run(9 * time.Second), Plan: run(8 * time.Second), Replay: []*runResult{run(3200 * time.Millisecond)}}
	for range 2 {
		if err := writeMany(path, res); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.HasPrefix(got, orig) || strings.Count(got, manyBegin) != 1 || !strings.Contains(got, "| plan, moto's answers replayed | 20 | 3010 | 3.20 s | 3.01 s | 1.06x |") {
		t.Errorf("results.md after two runs:\n%s", got)
	}
}

func TestParseMany(t *testing.T) {
	if r, n, err := parseMany("10x100"); r != 10 || n != 100 || err != nil {
		t.Errorf("10x100 = %d, %d, %v", r, n, err)
	}
	for _, bad := range []string{"10", "1x100", "x", "99x1"} {
		if _, _, err := parseMany(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
