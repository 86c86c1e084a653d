package spec_test

import (
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func TestPoliciesInUse(t *testing.T) {
	f, err := spec.Parse("registry.yaml", []byte(`version: 1
lifecyclePolicies:
  shared: {rules: [{selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}
repositories:
  - name: aa
    lifecyclePolicy: shared
  - name: bb
    lifecyclePolicy: shared
  - name: cc
    lifecyclePolicy: {rules: [{selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 5}, action: {type: expire}}]}
  - name: dd
    state: absent
    lifecyclePolicy: shared
  - name: ee
`))
	if err != nil {
		t.Fatal(err)
	}
	got := f.PoliciesInUse()
	if len(got) != 2 || got["shared"] == nil || got["cc (inline)"] == nil {
		t.Errorf("PoliciesInUse = %v, want shared and cc (inline)", got)
	}
}

// TestPoliciesInUseCountsTemplates: a named policy only a creation template
// uses is in use (validate lints it, and does not call it unused).
func TestPoliciesInUseCountsTemplates(t *testing.T) {
	f, err := spec.Parse("registry.yaml", []byte(`version: 1
lifecyclePolicies:
  cached: {rules: [{selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}
  gone: {rules: [{selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 2}, action: {type: expire}}]}
repositories:
  - name: aa
registry:
  creationTemplates:
    - prefix: docker-hub
      appliedFor: [PULL_THROUGH_CACHE]
      lifecyclePolicy: cached
    - prefix: ROOT
      appliedFor: [REPLICATION]
      lifecyclePolicy: {rules: [{selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 5}, action: {type: expire}}]}
    - prefix: old
      state: absent
      lifecyclePolicy: gone
`))
	if err != nil {
		t.Fatal(err)
	}
	got := f.PoliciesInUse()
	if len(got) != 2 || got["cached"] == nil || got["template ROOT (inline)"] == nil {
		t.Errorf("PoliciesInUse = %v, want cached and template ROOT (inline)", got)
	}
}
