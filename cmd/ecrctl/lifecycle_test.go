package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

// AWS's "priorities" example (lifecycle_policy_examples.html): rule 1 keeps
// one prod image, rule 2 keeps one beta image. Only A expires: B is
// protected by rule 1 even though rule 1 keeps it.
const prioritiesSpec = `version: 1
lifecyclePolicies:
  prod-first:
    rules:
      - {rulePriority: 1, selection: {tagStatus: tagged, tagPrefixList: [prod], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
      - {rulePriority: 2, selection: {tagStatus: tagged, tagPrefixList: [beta], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
  beta-first:
    rules:
      - {rulePriority: 1, selection: {tagStatus: tagged, tagPrefixList: [beta], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
      - {rulePriority: 2, selection: {tagStatus: tagged, tagPrefixList: [prod], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
repositories:
  - name: example
    lifecyclePolicy: prod-first
`

func seedPrioritiesExample(t *testing.T, h *harness, now time.Time) {
	t.Helper()
	name := "example"
	if _, err := h.fake.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: &name}); err != nil {
		t.Fatal(err)
	}
	for i, img := range []struct {
		tags []string
		age  int
	}{{[]string{"beta-1", "prod-1"}, 10}, {[]string{"beta-2", "prod-2"}, 9}, {[]string{"beta-3"}, 8}} {
		h.fake.PutImage(name, ecrfake.Image{Digest: fmt.Sprintf("sha256:%064x", i+0xa), Tags: img.tags, SizeBytes: 1 << 20, PushedAt: now.AddDate(0, 0, -img.age)})
	}
	h.fake.ResetCalls()
}

func explainDecisions(t *testing.T, out string) map[string]string {
	t.Helper()
	var got struct {
		Images []struct {
			Tags     []string `json:"tags"`
			Decision string   `json:"decision"`
			Rule     int      `json:"rule_priority"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("explain -o json: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, im := range got.Images {
		m[im.Tags[0]] = fmt.Sprintf("%s by %d", im.Decision, im.Rule)
	}
	return m
}

func TestLifecycleExplainAgreesWithAWSExample(t *testing.T) {
	h := newHarness(t, prioritiesSpec)
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	seedPrioritiesExample(t, h, now)

	code, out, errOut := h.run("", false, "lifecycle", "explain", "example", "--at", "2026-11-27", "-o", "json")
	if code != exitOK {
		t.Fatalf("explain = %d: %s", code, errOut)
	}
	want := map[string]string{"beta-1": "expire by 1", "beta-2": "keep by 1", "beta-3": "keep by 2"}
	if got := explainDecisions(t, out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("prod first: got %v, want %v", got, want)
	}

	// Priorities swapped: A and B expire.
	code, out, _ = h.run("", false, "lifecycle", "explain", "example", "--policy", "beta-first", "--at", "2026-11-27", "-o", "json")
	want = map[string]string{"beta-1": "expire by 1", "beta-2": "expire by 1", "beta-3": "keep by 1"}
	if got := explainDecisions(t, out); code != exitOK || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("beta first: got %v (exit %d), want %v", got, code, want)
	}

	code, out, _ = h.run("", false, "lifecycle", "explain", "example", "--at", "2026-11-27")
	if code != exitOK || !strings.Contains(out, "DIGEST") || !strings.Contains(out, "3 images: 2 keep, 1 expire (1.0 MiB), 0 archive.") {
		t.Errorf("text explain = %d:\n%s", code, out)
	}
	if h.fake.Writes() != 0 {
		t.Errorf("explain wrote: %v", h.fake.Calls())
	}
}

func TestLifecycleExplainPolicyFile(t *testing.T) {
	h := newHarness(t, prioritiesSpec)
	seedPrioritiesExample(t, h, time.Now())
	file := filepath.Join(h.dir, "candidate.json")
	policy := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	if err := os.WriteFile(file, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run("", false, "lifecycle", "explain", "example", "--policy-file", file, "-o", "json")
	want := map[string]string{"beta-1": "expire by 1", "beta-2": "expire by 1", "beta-3": "keep by 1"}
	if got := explainDecisions(t, out); code != exitOK || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("policy file: got %v (exit %d, %s), want %v", got, code, errOut, want)
	}
	if err := os.WriteFile(file, []byte(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = h.run("", false, "lifecycle", "explain", "example", "--policy-file", file)
	if code != exitError || !strings.Contains(errOut, "ECR would reject this policy") {
		t.Errorf("invalid policy file = %d: %s", code, errOut)
	}
}

func TestPlanNoLifecycleImpactSkipsImageReads(t *testing.T) {
	h := newHarness(t, prioritiesSpec)
	seedPrioritiesExample(t, h, time.Now())
	code, out, _ := h.run("", false, "plan")
	if code != exitOK || !strings.Contains(out, "# lifecycle impact: would expire 1 of 3 images") {
		t.Fatalf("plan = %d:\n%s", code, out)
	}
	h.fake.ResetCalls()
	code, out, _ = h.run("", false, "plan", "--no-lifecycle-impact")
	if code != exitOK || strings.Contains(out, "# lifecycle impact") || !strings.Contains(out, "lifecycle impact not estimated") || h.fake.Calls()["DescribeImages"] != 0 {
		t.Fatalf("--no-lifecycle-impact = %d, calls %v:\n%s", code, h.fake.Calls(), out)
	}
}

// explain evaluates the archive-then-delete policy ECR accepts (two any
// rules, one per storage class) instead of calling it invalid. Never-pulled
// images count from their push (the user guide's rule for sinceImagePulled).
func TestLifecycleExplainArchiveThenDelete(t *testing.T) {
	h := newHarness(t, archiveThenDeleteSpec)
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	name := "app"
	if _, err := h.fake.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: &name}); err != nil {
		t.Fatal(err)
	}
	h.fake.PutImage(name, ecrfake.Image{Digest: fmt.Sprintf("sha256:%064x", 1), Tags: []string{"old"}, SizeBytes: 1 << 20, PushedAt: now.AddDate(0, 0, -100)})
	h.fake.PutImage(name, ecrfake.Image{Digest: fmt.Sprintf("sha256:%064x", 2), Tags: []string{"new"}, SizeBytes: 1 << 20, PushedAt: now.AddDate(0, 0, -10)})
	code, out, errOut := h.run("", false, "lifecycle", "explain", "app", "--at", "2026-11-27", "-o", "json")
	if code != exitOK {
		t.Fatalf("explain = %d: %s", code, errOut)
	}
	want := map[string]string{"old": "archive by 1", "new": "keep by 1"}
	if got := explainDecisions(t, out); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
