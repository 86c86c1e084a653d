package reconcile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/golden"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

const goldenSpec = `version: 1
region: us-west-2
defaults:
  imageTagMutability: IMMUTABLE
  scanOnPush: true
  tags: {Team: platform}
repositories:
  - name: new-service
    lifecyclePolicy:
      rules:
        - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
          action: {type: expire}
    access: {pull: ["210987654321"]}
  - name: drifted
    tags: {Owner: web}
    lifecyclePolicy:
      rules:
        - rulePriority: 1
          selection: {tagStatus: tagged, tagPrefixList: [v], countType: imageCountMoreThan, countNumber: 10}
          action: {type: expire}
        - rulePriority: 2
          selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
          action: {type: expire}
  - name: re-encrypted
    encryption: {type: KMS}
  - name: retired
    state: absent
  - name: in-sync
`

var goldenNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// goldenOptions evaluates lifecycle impact at a fixed time.
func goldenOptions() DiffOptions {
	return DiffOptions{AllowReplace: true, Now: goldenNow, PricePerGBMonth: 0.10}
}

func goldenLive() *Live {
	return liveOf(
		liveRepo("drifted", func(r *ecrapi.Repository) {
			r.ImageTagMutability = "IMMUTABLE"
			r.Tags = map[string]string{"Team": "platform", "Owner": "mobile", "CostCentre": "42", "aws:ecr:managed": "x"}
			r.Lifecycle = ptr(cheapPolicy)
			// 12 version images a day apart (the new policy keeps 10) and one
			// untagged image from yesterday.
			for i := range 12 {
				r.Images = append(r.Images, lifecycle.Image{
					Digest: fmt.Sprintf("sha256:%064d", i), Tags: []string{fmt.Sprintf("v1.%d.0", i)},
					SizeBytes: 300 << 20, PushedAt: goldenNow.AddDate(0, 0, i-12),
				})
			}
			r.Images = append(r.Images, lifecycle.Image{Digest: "sha256:" + strings.Repeat("f", 64), SizeBytes: 50 << 20, PushedAt: goldenNow.Add(-20 * time.Hour)})
			r.ImagesRead = true
		}),
		liveRepo("re-encrypted", func(r *ecrapi.Repository) {
			r.ImageTagMutability = "IMMUTABLE"
			r.ScanOnPush = true
			r.ImageCount, r.ImagesSHA256 = ptr(12), ecrapi.ImagesFingerprint([]string{"sha256:golden"})
			r.Tags = map[string]string{"Team": "platform"}
		}),
		liveRepo("retired", func(r *ecrapi.Repository) {
			r.ImageCount, r.ImagesSHA256 = ptr(3), ecrapi.ImagesFingerprint([]string{"sha256:retired"})
		}),
		liveRepo("in-sync", func(r *ecrapi.Repository) {
			r.ImageTagMutability = "IMMUTABLE"
			r.ScanOnPush = true
			r.Tags = map[string]string{"Team": "platform"}
		}),
		liveRepo("legacy-tool", nil),
	)
}

func TestGoldenPlan(t *testing.T) {
	p := Diff(mustSpec(t, goldenSpec), goldenLive(), goldenOptions())
	var text, color, js bytes.Buffer
	if err := RenderText(&text, p, false); err != nil {
		t.Fatal(err)
	}
	if err := RenderText(&color, p, true); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "plan.txt", text.Bytes())
	golden.Check(t, "plan-color.txt", color.Bytes())
	golden.Check(t, "plan.json", js.Bytes())

	// The JSON is the saved-plan format: it must read back to the same plan.
	back, err := ReadPlanJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary != p.Summary || len(back.Changes) != len(p.Changes) || back.Fingerprint.LiveSHA256 != p.Fingerprint.LiveSHA256 {
		t.Errorf("plan JSON does not round-trip: %+v", back.Summary)
	}
}

func TestGoldenNoChanges(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: in-sync\n  scanOnPush: true\n")
	p := Diff(f, liveOf(liveRepo("in-sync", func(r *ecrapi.Repository) { r.ScanOnPush = true }), liveRepo("other", nil)), DiffOptions{})
	var text bytes.Buffer
	if err := RenderText(&text, p, false); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "no-changes.txt", text.Bytes())
}
