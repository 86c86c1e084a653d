//go:build unix

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestE2ELifecycleImpactAndExplain: after apply, three release images are
// pushed with the AWS CLI; a spec that keeps only the newest v1* image shows
// in plan that 2 of 3 would expire, and lifecycle explain agrees image by
// image. moto stamps every push "now", so the age-based rule is checked with
// an evaluation time 8 days ahead. --aws-preview says plainly that moto has
// no preview and the plan carries on.
func TestE2ELifecycleImpactAndExplain(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	e.mustExit(0, "apply", "--auto-approve")
	for i, tag := range []string{"v1.0", "v1.1", "v1.2"} {
		pushImage(e, frontend, tag, i+1)
		time.Sleep(1100 * time.Millisecond) // moto's push times have whole seconds
	}
	seed := readFile(t, e.seedSpec())
	spec := strings.Replace(seed, "    tags: {Component: frontend}\n", `    tags: {Component: frontend}
    lifecyclePolicy:
      rules:
        - {selection: {tagStatus: tagged, tagPrefixList: [v1], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
        - {selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 7}, action: {type: expire}}
`, 1)
	if spec == seed {
		t.Fatal("registry.yaml changed shape; update this test")
	}
	e.writeFile("registry.yaml", spec)

	r := e.mustExit(2, "plan", "--detailed-exitcode", "--aws-preview")
	mustContain(t, r, r.stdout, "# lifecycle impact: would expire 2 of 3 images")
	mustContain(t, r, r.stdout, "AWS lifecycle preview unavailable")
	// StartLifecyclePolicyPreview changes nothing; it is the only non-read.
	for _, c := range r.calls {
		if !strings.HasPrefix(c.Op, "Describe") && !strings.HasPrefix(c.Op, "Get") && !strings.HasPrefix(c.Op, "List") && c.Op != "StartLifecyclePolicyPreview" {
			t.Errorf("plan --aws-preview sent %s", c)
		}
	}

	r = e.mustExit(0, "plan", "-o", "json")
	assertNoWrites(t, r)
	var p struct {
		Changes []struct {
			Name   string `json:"name"`
			Impact *struct {
				Images    int `json:"images"`
				ExpireNow int `json:"expire_now"`
			} `json:"lifecycle_impact"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, r)
	}
	for _, c := range p.Changes {
		switch {
		case c.Name == frontend && (c.Impact == nil || c.Impact.Images != 3 || c.Impact.ExpireNow != 2):
			t.Errorf("frontend lifecycle_impact = %+v, want 2 of 3", c.Impact)
		case c.Name == backend && c.Impact != nil:
			t.Errorf("backend's policy does not change, yet it has an impact: %+v", c.Impact)
		}
	}

	at := time.Now().AddDate(0, 0, 8).UTC().Format(time.RFC3339)
	r = e.mustExit(0, "lifecycle", "explain", frontend, "--at", at, "-o", "json")
	var ex struct {
		Images []struct {
			Tags     []string `json:"tags"`
			Decision string   `json:"decision"`
			Rule     int      `json:"rule_priority"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ex); err != nil {
		t.Fatalf("explain -o json: %v\n%s", err, r)
	}
	got := map[string]string{}
	for _, im := range ex.Images {
		got[strings.Join(im.Tags, ",")] = im.Decision
	}
	want := map[string]string{"v1.2": "keep", "v1.1": "expire", "v1.0": "expire"}
	for tag, d := range want {
		if got[tag] != d {
			t.Errorf("explain: %s = %q, want %q (all: %v)", tag, got[tag], d, got)
		}
	}
	assertNoWrites(t, r)
}
