package explain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/golden"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

var at = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// AWS's "priorities" example: rule 1 keeps one prod image, rule 2 one beta
// image; only the oldest image expires.
const prodFirst = `rules:
  - {rulePriority: 1, selection: {tagStatus: tagged, tagPrefixList: [prod], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
  - {rulePriority: 2, selection: {tagStatus: tagged, tagPrefixList: [beta], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}
  - {rulePriority: 3, selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 30}, action: {type: expire}}
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func seeded(t *testing.T) *ecrfake.Fake {
	t.Helper()
	f := ecrfake.New()
	if _, err := f.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String("example")}); err != nil {
		t.Fatal(err)
	}
	for i, img := range []struct {
		tags []string
		age  int
	}{{[]string{"beta-1", "prod-1"}, 10}, {[]string{"beta-2", "prod-2"}, 9}, {[]string{"beta-3"}, 8}, {nil, 40}} {
		f.PutImage("example", ecrfake.Image{Digest: "sha256:" + strings.Repeat(string(rune('a'+i)), 64), Tags: img.tags, SizeBytes: 1 << 20 * int64(i+1), PushedAt: at.AddDate(0, 0, -img.age)})
	}
	f.ResetCalls()
	return f
}

func explained(t *testing.T) *Explanation {
	t.Helper()
	p, err := ReadPolicyFile(writeFile(t, "policy.yaml", prodFirst))
	if err != nil {
		t.Fatal(err)
	}
	f := seeded(t)
	e, err := Evaluate(context.Background(), f, "example", "prod-first", *p, at)
	if err != nil {
		t.Fatal(err)
	}
	if calls := f.Calls(); len(calls) != 1 || calls["DescribeImages"] != 1 {
		t.Errorf("calls = %v, want one DescribeImages", calls)
	}
	return e
}

func TestGolden(t *testing.T) {
	e := explained(t)
	var txt, js bytes.Buffer
	if err := e.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if err := e.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "explain.txt", txt.Bytes())
	golden.Check(t, "explain.json", js.Bytes())
}

func TestDecisionsNewestFirst(t *testing.T) {
	e := explained(t)
	var got []string
	for _, d := range e.Decisions {
		got = append(got, fmt.Sprintf("%s %s %d", strings.Join(d.Image.Tags, ","), d.Action, d.RulePriority))
	}
	want := []string{"beta-3 keep 2", "beta-2,prod-2 keep 1", "beta-1,prod-1 expire 1", " expire 3"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("decisions (-want +got):\n%s", d)
	}
}

func TestEvaluateNamesTheRepositoryOnError(t *testing.T) {
	_, err := Evaluate(context.Background(), ecrfake.New(), "nope", "p", lifecycle.Policy{}, at)
	var op *ecrapi.OpError
	if !errors.As(err, &op) || op.Repository != "nope" || op.Operation != "DescribeImages" {
		t.Errorf("err = %v", err)
	}
	// A repository the spec lists but apply has not created yet was never
	// "deleted or renamed since it was read".
	if msg := err.Error(); strings.Contains(msg, "deleted or renamed") || !strings.Contains(msg, "does not exist in ECR") || !strings.Contains(msg, "ecrctl apply") {
		t.Errorf("err = %v, want it to say the repository does not exist and how to create it", err)
	}
}

func TestReadPolicyFile(t *testing.T) {
	json := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	for name, text := range map[string]string{"p.json": json, "p.yaml": prodFirst} {
		if _, err := ReadPolicyFile(writeFile(t, name, text)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`, "ECR would reject this policy"},
		{`{"rules":[], "extra": 1}`, "extra"},
		{"rules: [", "p.txt: "},
	} {
		_, err := ReadPolicyFile(writeFile(t, "p.txt", tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadPolicyFile(%q) = %v, want %q", tc.text, err, tc.want)
		}
	}
	if _, err := ReadPolicyFile(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "reading the policy file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestChoosePolicy(t *testing.T) {
	s, err := spec.Load(writeFile(t, "registry.yaml", `version: 1
lifecyclePolicies:
  prod-first:
`+indent(prodFirst, "    ")+`repositories:
  - name: named
    lifecyclePolicy: prod-first
  - name: inline
    lifecyclePolicy:
      rules:
        - {selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}
  - name: bare
`))
	if err != nil {
		t.Fatal(err)
	}
	s.Path = "registry.yaml"
	file := writeFile(t, "candidate.yaml", prodFirst)
	for _, tc := range []struct {
		repo, name, file string
		label, err       string
	}{
		{"named", "", "", "prod-first", ""},
		{"inline", "", "", "inline policy of inline", ""},
		{"bare", "prod-first", "", "prod-first", ""},
		{"anything", "", file, file, ""},
		{"bare", "", "", "", `registry.yaml gives repository "bare" no lifecycle policy`},
		{"bare", "nope", "", "", `registry.yaml has no lifecycle policy "nope"; it has: prod-first`},
		{"bare", "none", "", "", "--policy none means no lifecycle policy"},
		{"unknown", "", "", "", `repository "unknown" is not in registry.yaml`},
	} {
		label, p, err := ChoosePolicy(s, tc.repo, tc.name, tc.file)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: err = %v, want %q", tc, err, tc.err)
			}
			continue
		}
		if err != nil || label != tc.label || p == nil || len(p.Rules) == 0 {
			t.Errorf("%+v: got %q, %v, %v", tc, label, p, err)
		}
	}
}

// With no named policies, the message must not end in "it has: ".
func TestChoosePolicyWithoutNamedPolicies(t *testing.T) {
	s, err := spec.Load(writeFile(t, "registry.yaml", "version: 1\nrepositories:\n  - name: app\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.Path = "registry.yaml"
	for _, name := range []string{"none", "keep-10"} {
		_, _, err := ChoosePolicy(s, "app", name, "")
		if err == nil || strings.HasSuffix(err.Error(), ": ") || strings.Contains(err.Error(), "it has:") {
			t.Errorf("--policy %s: err = %v", name, err)
		}
	}
	_, _, err = ChoosePolicy(s, "app", "keep-10", "")
	if err == nil || !strings.Contains(err.Error(), "defines no named policies") || !strings.Contains(err.Error(), "--policy-file") {
		t.Errorf("err = %v, want it to say there are no named policies and name --policy-file", err)
	}
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
}

func TestDecisionWord(t *testing.T) {
	for in, want := range map[string]string{"transition": "archive", "expire": "expire", "keep": "keep"} {
		if got := decisionWord(in); got != want {
			t.Errorf("decisionWord(%q) = %q, want %q", in, got, want)
		}
	}
}
