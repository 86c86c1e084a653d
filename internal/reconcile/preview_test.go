package reconcile

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

// previewFake adds a scripted lifecycle preview to the fake: the first Get
// answers IN_PROGRESS, then COMPLETE with results over two pages.
type previewFake struct {
	*ecrfake.Fake
	results  []types.LifecyclePolicyPreviewResult
	startErr error
	gets     int
}

func (p *previewFake) StartLifecyclePolicyPreview(_ context.Context, in *ecr.StartLifecyclePolicyPreviewInput, _ ...func(*ecr.Options)) (*ecr.StartLifecyclePolicyPreviewOutput, error) {
	if p.startErr != nil {
		return nil, p.startErr
	}
	return &ecr.StartLifecyclePolicyPreviewOutput{RepositoryName: in.RepositoryName, Status: types.LifecyclePolicyPreviewStatusInProgress}, nil
}

func (p *previewFake) GetLifecyclePolicyPreview(_ context.Context, in *ecr.GetLifecyclePolicyPreviewInput, _ ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyPreviewOutput, error) {
	p.gets++
	if p.gets == 1 {
		return &ecr.GetLifecyclePolicyPreviewOutput{Status: types.LifecyclePolicyPreviewStatusInProgress}, nil
	}
	if in.NextToken == nil && len(p.results) > 1 {
		return &ecr.GetLifecyclePolicyPreviewOutput{Status: types.LifecyclePolicyPreviewStatusComplete, PreviewResults: p.results[:1], NextToken: aws.String("page2")}, nil
	}
	rest := p.results
	if in.NextToken != nil {
		rest = p.results[1:]
	}
	return &ecr.GetLifecyclePolicyPreviewOutput{Status: types.LifecyclePolicyPreviewStatusComplete, PreviewResults: rest}, nil
}

func expireResult(digest string, rule int32) types.LifecyclePolicyPreviewResult {
	return types.LifecyclePolicyPreviewResult{ImageDigest: aws.String(digest), AppliedRulePriority: aws.Int32(rule), Action: &types.LifecyclePolicyRuleAction{Type: types.ImageActionTypeExpire}}
}

func TestCrossCheckPreview(t *testing.T) {
	local := []lifecycle.Decision{
		{Image: lifecycle.Image{Digest: "sha256:aaaa"}, Action: "expire", RulePriority: 1},
		{Image: lifecycle.Image{Digest: "sha256:bbbb"}, Action: "expire", RulePriority: 2},
		{Image: lifecycle.Image{Digest: "sha256:cccc"}, Action: "keep", RulePriority: 1},
	}
	opt := PreviewOptions{Poll: time.Millisecond, Timeout: time.Second}

	agree := &previewFake{Fake: ecrfake.New(), results: []types.LifecyclePolicyPreviewResult{expireResult("sha256:aaaa", 1), expireResult("sha256:bbbb", 2)}}
	pc, err := CrossCheckPreview(context.Background(), agree, "app", cheapPolicy, local, opt)
	if err != nil || pc.Status != "agree" || pc.Compared != 3 || len(pc.Disagreements) != 0 {
		t.Fatalf("agree: %+v, %v", pc, err)
	}

	disagree := &previewFake{Fake: ecrfake.New(), results: []types.LifecyclePolicyPreviewResult{expireResult("sha256:aaaa", 1), expireResult("sha256:cccc", 3)}}
	pc, err = CrossCheckPreview(context.Background(), disagree, "app", cheapPolicy, local, opt)
	if err != nil || pc.Status != "disagree" || len(pc.Disagreements) != 2 {
		t.Fatalf("disagree: %+v, %v", pc, err)
	}
	if !strings.Contains(pc.Disagreements[0], "sha256:bbbb: ecrctl would expire it (rule 2), ECR keeps it") ||
		!strings.Contains(pc.Disagreements[1], "sha256:cccc: ECR would expire it (rule 3), ecrctl keeps it") {
		t.Errorf("disagreements = %q", pc.Disagreements)
	}

	// An endpoint without the operation (moto answers HTTP 500 with HTML).
	html500 := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: errors.New("deserialization failed")}
	missing := &previewFake{Fake: ecrfake.New(), startErr: html500}
	pc, err = CrossCheckPreview(context.Background(), missing, "app", cheapPolicy, local, opt)
	if err != nil || pc.Status != "unavailable" || !strings.Contains(pc.Note, "does not implement") {
		t.Fatalf("unsupported: %+v, %v", pc, err)
	}
	// A network failure is an error, not a missing feature.
	offline := &previewFake{Fake: ecrfake.New(), startErr: errors.New("dial tcp: connection refused")}
	if _, err := CrossCheckPreview(context.Background(), offline, "app", cheapPolicy, local, opt); err == nil {
		t.Fatal("a network failure was taken for a missing preview")
	}
	// A real refusal is an error, not "unavailable".
	denied := &previewFake{Fake: ecrfake.New(), startErr: ecrfake.AccessDenied("StartLifecyclePolicyPreview")}
	if _, err := CrossCheckPreview(context.Background(), denied, "app", cheapPolicy, local, opt); err == nil || !strings.Contains(err.Error(), "ecr:StartLifecyclePolicyPreview") {
		t.Fatalf("access denied: %v", err)
	}
	// The plain fake has no preview at all.
	pc, err = CrossCheckPreview(context.Background(), ecrfake.New(), "app", cheapPolicy, local, opt)
	if err != nil || pc.Status != "unavailable" {
		t.Fatalf("no preview: %+v, %v", pc, err)
	}
}

// An endpoint without the preview is asked once, not once per repository:
// the first answer says it lacks the operation (a typed outcome, not a
// message to match), and that holds for every repository.
func TestAddPreviewChecksStopsAtAnEndpointWithoutPreview(t *testing.T) {
	f := mustSpec(t, "version: 1\ndefaults:\n  lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}\nrepositories:\n- name: aa\n- name: bb\n")
	old := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}]}`
	withImages := func(r *ecrapi.Repository) {
		r.Lifecycle, r.ImagesRead = &old, true
		r.Images = []lifecycle.Image{{Digest: "sha256:aaaa", PushedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}
	}
	live := liveOf(liveRepo("aa", withImages), liveRepo("bb", withImages))
	p := Diff(f, live, DiffOptions{Now: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), PricePerGBMonth: 0.10})
	if p.Changes[0].LifecycleImpact == nil || p.Changes[1].LifecycleImpact == nil {
		t.Fatalf("no lifecycle impact to cross-check: %+v", p.Changes)
	}
	fake := ecrfake.New()
	if err := AddPreviewChecks(context.Background(), fake, f, live, p, PreviewOptions{Poll: time.Millisecond, Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if n := fake.CallsFor("StartLifecyclePolicyPreview", ""); n != 1 {
		t.Errorf("StartLifecyclePolicyPreview called %d times, want 1", n)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "does not implement StartLifecyclePolicyPreview") {
		t.Errorf("warnings = %q", p.Warnings)
	}
}
