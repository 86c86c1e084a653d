package reconcile

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

// TestReadAndApplyReportProgress: the hooks see every repository and every
// call, from parallel workers, in order (one at a time, never going back),
// and end at their totals.
func TestReadAndApplyReportProgress(t *testing.T) {
	fake := ecrfake.New()
	var b strings.Builder
	b.WriteString("version: 1\nrepositories:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "- name: repo-%02d\n  tags: {N: \"%d\"}\n  lifecyclePolicy: none\n", i, i)
	}
	f := mustSpec(t, b.String())
	apply(t, fake, plan(t, fake, f, DiffOptions{}))
	// Half of them exist; the other half are new.
	b.Reset()
	b.WriteString("version: 1\nrepositories:\n")
	for i := range 60 {
		fmt.Fprintf(&b, "- name: repo-%02d\n  tags: {N: \"x%d\"}\n", i, i)
	}
	f = mustSpec(t, b.String())

	var mu sync.Mutex
	inside := false
	enter := func() {
		mu.Lock()
		if inside {
			t.Error("progress hooks called concurrently")
		}
		inside = true
		mu.Unlock()
	}
	leave := func() { mu.Lock(); inside = false; mu.Unlock() }

	var reads []ReadProgress
	live, err := Read(context.Background(), fake, f, ReadOptions{Region: "us-west-2", Parallelism: 8, Progress: func(p ReadProgress) {
		enter()
		defer leave()
		reads = append(reads, p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 31 || reads[0] != (ReadProgress{Stage: ReadRepositories, Done: 30, Total: 60}) {
		t.Fatalf("read progress = %v; want a first count of 30/60 (the new ones need no reads), then one per existing repository", reads)
	}
	for i, p := range reads[1:] {
		if p.Done != 31+i || p.Total != 60 {
			t.Fatalf("read progress %d = %+v, want %d/60", i+1, p, 31+i)
		}
	}

	p := Diff(f, live, DiffOptions{})
	var steps []ApplyProgress
	opt := fastApply()
	opt.Parallelism = 8
	opt.Steps = func(ap ApplyProgress) {
		enter()
		defer leave()
		steps = append(steps, ap)
	}
	if _, err := Apply(context.Background(), fake, p, opt); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rc := range p.Changes {
		if !rc.Is(NoOp) {
			total += len(rc.Steps)
		}
	}
	if total == 0 || len(steps) != total+1 {
		t.Fatalf("%d step reports for %d steps; want one before the first call and one per call", len(steps), total)
	}
	for i, s := range steps {
		if s.Done != i || s.Total != total {
			t.Fatalf("step progress %d = %+v, want %d/%d", i, s, i, total)
		}
	}
}
