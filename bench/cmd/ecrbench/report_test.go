package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecrctl/ecrctl/bench/latencyproxy"
)

func TestPlanWithinBudget(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		calls map[string]int
		want  bool
	}{
		{"one of each", 1000, map[string]int{"DescribeRepositories": 1, "GetLifecyclePolicy": 1000, "GetRepositoryPolicy": 1000, "ListTagsForResource": 1000}, true},
		{"fewer reads", 1000, map[string]int{"DescribeRepositories": 1, "ListTagsForResource": 3}, true},
		{"two pages for 1001", 1001, map[string]int{"DescribeRepositories": 2}, true},
		{"an extra page", 1000, map[string]int{"DescribeRepositories": 2}, false},
		{"a read twice", 100, map[string]int{"DescribeRepositories": 1, "GetLifecyclePolicy": 101}, false},
		{"a write", 100, map[string]int{"DescribeRepositories": 1, "PutLifecyclePolicy": 1}, false},
		{"another read", 100, map[string]int{"DescribeRepositories": 1, "DescribeImages": 1}, false},
	} {
		if got := planWithinBudget(tc.n, tc.calls); got != tc.want {
			t.Errorf("%s: planWithinBudget = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestApplyWithinBudget(t *testing.T) {
	ok := map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1, "CreateRepository": 5, "PutLifecyclePolicy": 5, "SetRepositoryPolicy": 5}
	if !applyWithinBudget(5, ok) {
		t.Errorf("applyWithinBudget(%v) = false, want true", ok)
	}
	for _, bad := range []map[string]int{
		{"DescribeRepositories": 1, "CreateRepository": 5, "PutLifecyclePolicy": 5, "SetRepositoryPolicy": 4},
		{"DescribeRepositories": 1, "CreateRepository": 5, "PutLifecyclePolicy": 5, "SetRepositoryPolicy": 5, "TagResource": 5},
		{"DescribeRepositories": 2, "CreateRepository": 5, "PutLifecyclePolicy": 5, "SetRepositoryPolicy": 5},
	} {
		if applyWithinBudget(5, bad) {
			t.Errorf("applyWithinBudget(%v) = true, want false", bad)
		}
	}
}

func TestBoundAndMedian(t *testing.T) {
	r := &runResult{Delay: 20 * time.Millisecond, Parallelism: 10}
	for _, w := range []time.Duration{9 * time.Second, 6 * time.Second, 7 * time.Second} {
		r.add(measured{Wall: w}, latencyproxy.Stats{Calls: map[string]int{"DescribeRepositories": 1, "GetLifecyclePolicy": 3000}, Upstream: 3001 * 5 * time.Millisecond})
	}
	if got := r.bound(); got != 6002*time.Millisecond {
		t.Errorf("bound = %s, want 3001 calls / 10 x 20ms = 6.002s", got)
	}
	if got := r.median(); got != 7*time.Second {
		t.Errorf("median = %s, want 7s", got)
	}
	if got := r.upstreamMean(); got != 5*time.Millisecond {
		t.Errorf("upstreamMean = %s, want 5ms", got)
	}
	if got := r.boundWithServer(); got != 3001*25*time.Millisecond/10 {
		t.Errorf("boundWithServer = %s, want 7.5025s", got)
	}
}

func TestDefaultParallelismFromHelp(t *testing.T) {
	help := "Global Flags:\n      --parallelism int      concurrent ECR calls (default 10)\n      --profile string   AWS profile\n"
	m := defaultParRe.FindStringSubmatch(help)
	if m == nil || m[1] != "10" {
		t.Fatalf("defaultParRe on %q = %v, want 10", help, m)
	}
}

func TestIntList(t *testing.T) {
	got, err := intList(" 100, 1000,,5000")
	if err != nil || len(got) != 3 || got[0] != 100 || got[1] != 1000 || got[2] != 5000 {
		t.Errorf("intList = %v, %v", got, err)
	}
	if _, err := intList("100,x"); err == nil {
		t.Error("intList accepted x")
	}
	if _, err := intList("0"); err == nil {
		t.Error("intList accepted 0")
	}
}

func TestMaxLiveHeap(t *testing.T) {
	stderr := "repository.a: Creating...\n" +
		"gc 1 @0.005s 6%: 0.48+5.3+0.021 ms clock, 0.97+0/1.2/0.87+0.043 ms cpu, 3->4->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"gc 13 @0.778s 9%: 0.29+78+0.012 ms clock, 0.58+0/41/35+0.025 ms cpu, 146->151->83 MB, 156 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"gc 14 @6.571s 1%: 0.066+42+0.005 ms clock, 0.13+0.082/24/47+0.011 ms cpu, 141->141->54 MB, 166 MB goal, 0 MB stacks, 0 MB globals, 2 P\n"
	if got := maxLiveHeap(stderr); got != 83 {
		t.Errorf("maxLiveHeap = %v, want 83", got)
	}
	if got := maxLiveHeap("no trace"); got != 0 {
		t.Errorf("maxLiveHeap without gctrace = %v, want 0", got)
	}
}

func TestWriteKeepsTheAnalysis(t *testing.T) {
	path := t.TempDir() + "/results.md"
	res := &results{Ns: []*nResult{{N: 1}}}
	if err := res.write(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	edited := strings.Replace(string(b), "(none yet)", "moto is the limit.", 1)
	if edited == string(b) {
		t.Fatal("a new results file has no analysis placeholder")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	res.Delay = 20 * time.Millisecond
	if err := res.write(path); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), "moto is the limit.") || strings.Count(string(b), analysisMarker) != 1 {
		t.Errorf("rewriting lost or duplicated the analysis:\n%s", b)
	}
	if !strings.Contains(string(b), "20.0 ms") {
		t.Errorf("rewriting did not regenerate the figures:\n%s", b)
	}
}
