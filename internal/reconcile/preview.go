package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// PreviewCheck is the outcome of comparing ECR's own preview with the local
// evaluation for one repository.
type PreviewCheck struct {
	Status        string   `json:"status"` // agree, disagree, unavailable
	Note          string   `json:"note,omitempty"`
	Compared      int      `json:"compared"`
	Disagreements []string `json:"disagreements,omitempty"`
	// unsupported: the endpoint lacks the preview operation altogether.
	unsupported bool
}

// PreviewOptions bound the wait for the asynchronous preview.
type PreviewOptions struct {
	Poll    time.Duration
	Timeout time.Duration
}

// CrossCheckPreview asks ECR to preview policyText on repo and compares, per
// image, the action and rule with the local decisions. An endpoint without
// the preview (an emulator) yields Status "unavailable", not an error.
func CrossCheckPreview(ctx context.Context, pc ecrapi.PreviewAPI, repo, policyText string, local []lifecycle.Decision, opt PreviewOptions) (*PreviewCheck, error) {
	// One attempt: an endpoint that lacks the operation answers 5xx, and
	// retrying that only delays the plan.
	once := func(o *ecr.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1) }
	_, err := pc.StartLifecyclePolicyPreview(ctx, &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String(repo), LifecyclePolicyText: aws.String(policyText)}, once)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if unsupported(err) {
			return &PreviewCheck{Status: "unavailable", Note: fmt.Sprintf("the endpoint does not implement StartLifecyclePolicyPreview (%s); local evaluation only", shortErr(err)), unsupported: true}, nil
		}
		return nil, &ecrapi.OpError{Repository: repo, Operation: "StartLifecyclePolicyPreview", Doing: "previewing the lifecycle policy of", Err: err}
	}
	deadline := time.Now().Add(opt.Timeout)
	acted := map[string]types.LifecyclePolicyPreviewResult{}
	for {
		var token *string
		status := types.LifecyclePolicyPreviewStatusInProgress
		clear(acted)
		for {
			out, err := pc.GetLifecyclePolicyPreview(ctx, &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String(repo), MaxResults: aws.Int32(100), NextToken: token})
			if err != nil {
				return nil, &ecrapi.OpError{Repository: repo, Operation: "GetLifecyclePolicyPreview", Doing: "reading the lifecycle preview of", Err: err}
			}
			status = out.Status
			for _, r := range out.PreviewResults {
				acted[aws.ToString(r.ImageDigest)] = r
			}
			token = out.NextToken
			if status != types.LifecyclePolicyPreviewStatusComplete || token == nil || *token == "" {
				break
			}
		}
		switch status {
		case types.LifecyclePolicyPreviewStatusComplete:
			return comparePreview(acted, local), nil
		case types.LifecyclePolicyPreviewStatusFailed, types.LifecyclePolicyPreviewStatusExpired:
			return &PreviewCheck{Status: "unavailable", Note: "ECR's preview ended " + string(status)}, nil
		}
		if time.Now().After(deadline) {
			return &PreviewCheck{Status: "unavailable", Note: fmt.Sprintf("ECR's preview did not finish within %s", opt.Timeout)}, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(opt.Poll):
		}
	}
}

// comparePreview matches ECR's acted-on images against local decisions.
// The preview lists only images a rule acts on.
func comparePreview(acted map[string]types.LifecyclePolicyPreviewResult, local []lifecycle.Decision) *PreviewCheck {
	pc := &PreviewCheck{Status: "agree", Compared: len(local)}
	for _, d := range local {
		r, inPreview := acted[d.Image.Digest]
		localActs := d.Action != "keep"
		switch {
		case inPreview && !localActs:
			pc.Disagreements = append(pc.Disagreements, fmt.Sprintf("%s: ECR would %s it (rule %d), ecrctl keeps it", format.ShortDigest(d.Image.Digest), previewAction(r), aws.ToInt32(r.AppliedRulePriority)))
		case !inPreview && localActs:
			pc.Disagreements = append(pc.Disagreements, fmt.Sprintf("%s: ecrctl would %s it (rule %d), ECR keeps it", format.ShortDigest(d.Image.Digest), d.Action, d.RulePriority))
		case inPreview && (previewAction(r) != d.Action || int(aws.ToInt32(r.AppliedRulePriority)) != d.RulePriority):
			pc.Disagreements = append(pc.Disagreements, fmt.Sprintf("%s: ECR: %s by rule %d, ecrctl: %s by rule %d", format.ShortDigest(d.Image.Digest), previewAction(r), aws.ToInt32(r.AppliedRulePriority), d.Action, d.RulePriority))
		}
	}
	sort.Strings(pc.Disagreements)
	if len(pc.Disagreements) > 0 {
		pc.Status = "disagree"
	}
	return pc
}

func previewAction(r types.LifecyclePolicyPreviewResult) string {
	if r.Action == nil {
		return "expire"
	}
	return strings.ToLower(string(r.Action.Type))
}

// unsupported reports whether err means the endpoint lacks the operation
// rather than refusing this request: an HTTP 404, 501 or 500 answer that is
// not a modelled ECR error (moto answers 500 with an HTML page).
func unsupported(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) {
			switch re.HTTPStatusCode() {
			case 404, 500, 501:
				return true
			}
		}
		return false
	}
	switch api.ErrorCode() {
	case "UnknownOperationException", "UnsupportedOperation", "NotImplemented", "InternalFailure":
		return true
	}
	return false
}

func shortErr(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP %d", re.HTTPStatusCode())
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// AddPreviewChecks cross-checks, with ECR's own preview, every lifecycle
// change whose impact was estimated, and records the outcome on the change.
// Repositories are previewed one after another: ECR runs one preview per
// repository and the calls are few.
func AddPreviewChecks(ctx context.Context, c ecrapi.PreviewAPI, f *spec.File, live *Live, p *Plan, opt PreviewOptions) error {
	desired := map[string]*spec.Repository{}
	for i := range f.Repositories {
		desired[f.Repositories[i].Name] = &f.Repositories[i]
	}
	for i := range p.Changes {
		rc := &p.Changes[i]
		d, lr := desired[rc.Name], live.Repos[rc.Name]
		if rc.LifecycleImpact == nil || d == nil || lr == nil || d.Lifecycle == nil || d.Lifecycle.Policy == nil {
			continue
		}
		policy := *d.Lifecycle.Policy
		local := lifecycle.Evaluate(policy, lr.Images, rc.LifecycleImpact.EvaluatedAt)
		check, err := CrossCheckPreview(ctx, c, rc.Name, policy.Canonical().JSON(), local, opt)
		if err != nil {
			return err
		}
		rc.LifecycleImpact.AWSPreview = check
		if check.Status == "unavailable" {
			p.Warnings = append(p.Warnings, fmt.Sprintf("repository %q: AWS lifecycle preview unavailable: %s", rc.Name, check.Note))
			// One unavailable endpoint is unavailable for every repository.
			if check.unsupported {
				return nil
			}
		}
	}
	return nil
}
