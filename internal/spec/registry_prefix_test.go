package spec_test

import "testing"

// A trailing / on a pull-through cache or template prefix is implied by ECR:
// the spec's "team/" is the key "team", so a plan after apply compares it
// with the rule ECR lists, not with a rule of another name.
func TestRegistryPrefixTrailingSlash(t *testing.T) {
	f := mustParse(t, registryHead+`  pullThroughCache:
    - {prefix: quay/, upstreamUrl: quay.io}
  creationTemplates:
    - {prefix: team/a/, appliedFor: [CREATE_ON_PUSH]}
    - {prefix: ROOT, appliedFor: [REPLICATION]}
`)
	r := f.Registry
	if got := r.PullThroughCache[0].Prefix; got != "quay" {
		t.Errorf("pull-through cache prefix = %q, want quay", got)
	}
	if got := r.CreationTemplates[0].Prefix; got != "team/a" {
		t.Errorf("template prefix = %q, want team/a", got)
	}
	if got := r.CreationTemplates[1].Prefix; got != "ROOT" {
		t.Errorf("template prefix = %q, want ROOT", got)
	}
}
