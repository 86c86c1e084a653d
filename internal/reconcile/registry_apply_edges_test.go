package reconcile

import "testing"

// A scanning rule the spec gives without filters still applies: the SDK
// refuses a rule whose RepositoryFilters member is missing (the fake too),
// so apply sends an empty list, which ECR takes, and reads it back equal.
func TestScanningRuleWithoutFiltersApplies(t *testing.T) {
	fake := registryFake()
	f := mustSpec(t, `version: 1
registry:
  scanning:
    type: BASIC
    rules:
      - frequency: SCAN_ON_PUSH
repositories: []
`)
	p := plan(t, fake, f, DiffOptions{})
	if res := apply(t, fake, p); len(res.Failed) != 0 {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if again := plan(t, fake, f, DiffOptions{}); again.HasChanges {
		t.Fatalf("plan after apply is not empty:\n%s", renderPlan(again))
	}
}

// A prefix written with ECR's implied trailing / converges: the spec's key
// has no /, so the rule and template ECR lists are the ones the spec names.
func TestTrailingSlashPrefixesConverge(t *testing.T) {
	fake := registryFake()
	f := mustSpec(t, `version: 1
registry:
  pullThroughCache:
    - {prefix: quay/, upstreamUrl: quay.io}
  creationTemplates:
    - {prefix: team/, appliedFor: [CREATE_ON_PUSH]}
repositories: []
`)
	p := plan(t, fake, f, DiffOptions{})
	if res := apply(t, fake, p); len(res.Failed) != 0 {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if again := plan(t, fake, f, DiffOptions{}); again.HasChanges {
		t.Fatalf("plan after apply is not empty:\n%s", renderPlan(again))
	}
}

// An upstreamUrl the spec accepts with https:// before it or / after it is
// created as the bare host ECR documents (the fake refuses the rest), and
// compares equal to it afterwards.
func TestUpstreamURLWithSchemeApplies(t *testing.T) {
	fake := registryFake()
	f := mustSpec(t, `version: 1
registry:
  pullThroughCache:
    - {prefix: quay, upstreamUrl: "https://quay.io/"}
repositories: []
`)
	p := plan(t, fake, f, DiffOptions{})
	if res := apply(t, fake, p); len(res.Failed) != 0 {
		t.Fatalf("apply failed: %v", res.Failed[0].Err)
	}
	if again := plan(t, fake, f, DiffOptions{}); again.HasChanges {
		t.Fatalf("plan after apply is not empty:\n%s", renderPlan(again))
	}
}
