package reconcile

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"
)

// registrySpec manages all five registry settings.
const registrySpec = `version: 1
region: us-west-2
registry:
  scanning:
    type: ENHANCED
    rules:
      - frequency: CONTINUOUS_SCAN
        filters: ["prod-*"]
      - frequency: SCAN_ON_PUSH
        filters: ["*"]
  replication:
    rules:
      - destinations:
          - region: us-east-1
          - {region: eu-west-1, account: "111122223333"}
        filters: ["team-a/"]
  policy:
    Version: "2012-10-17"
    Statement:
      - Sid: ReplicationFromSource
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::444455556666:root"}
        Action: ["ecr:CreateRepository", "ecr:ReplicateImage"]
        Resource: "arn:aws:ecr:us-west-2:123456789012:repository/*"
  pullThroughCache:
    - prefix: docker-hub
      upstreamUrl: registry-1.docker.io
      credentialArn: arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub
  creationTemplates:
    - prefix: team-a
      appliedFor: [REPLICATION, PULL_THROUGH_CACHE]
      description: team a
      imageTagMutability: IMMUTABLE
      lifecyclePolicy:
        rules:
          - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
            action: {type: expire}
      tags: {Team: a}
      customRoleArn: arn:aws:iam::123456789012:role/ecr-templates
    - prefix: docker-hub
      appliedFor: [PULL_THROUGH_CACHE]
      imageTagMutability: IMMUTABLE
repositories: []
`

// registryLive is a registry whose five settings were read and hold
// nothing; mod fills them in.
func registryLive(mod func(*RegistryLive)) *Live {
	l := liveOf()
	l.Registry = &RegistryLive{
		Scanning:     &types.RegistryScanningConfiguration{ScanType: types.ScanTypeBasic},
		ScanningRead: true, ReplicationRead: true, PolicyRead: true, PullThroughCacheRead: true, CreationTemplatesRead: true,
	}
	if mod != nil {
		mod(l.Registry)
	}
	return l
}

// inSync is registrySpec as ECR reports it: rules in another order and
// split differently, a destination's account spelled out, the policy and
// lifecycle policy reformatted.
func inSync(r *RegistryLive) {
	wild := func(fs ...string) []types.ScanningRepositoryFilter {
		var out []types.ScanningRepositoryFilter
		for _, f := range fs {
			out = append(out, types.ScanningRepositoryFilter{Filter: aws.String(f), FilterType: types.ScanningRepositoryFilterTypeWildcard})
		}
		return out
	}
	r.Scanning = &types.RegistryScanningConfiguration{ScanType: types.ScanTypeEnhanced, Rules: []types.RegistryScanningRule{
		{ScanFrequency: types.ScanFrequencyScanOnPush, RepositoryFilters: wild("*")},
		{ScanFrequency: types.ScanFrequencyContinuousScan, RepositoryFilters: wild("prod-*")},
	}}
	r.Replication = &types.ReplicationConfiguration{Rules: []types.ReplicationRule{{
		Destinations: []types.ReplicationDestination{
			{Region: aws.String("eu-west-1"), RegistryId: aws.String("111122223333")},
			{Region: aws.String("us-east-1"), RegistryId: aws.String("123456789012")},
		},
		RepositoryFilters: []types.RepositoryFilter{{Filter: aws.String("team-a/"), FilterType: types.RepositoryFilterTypePrefixMatch}},
	}}}
	r.Policy = aws.String(`{
  "Version" : "2012-10-17",
  "Statement" : [ {
    "Sid" : "ReplicationFromSource",
    "Effect" : "Allow",
    "Principal" : { "AWS" : "arn:aws:iam::444455556666:root" },
    "Action" : [ "ecr:ReplicateImage", "ecr:CreateRepository" ],
    "Resource" : "arn:aws:ecr:us-west-2:123456789012:repository/*"
  } ]
}`)
	r.PullThroughCache = []types.PullThroughCacheRule{{
		EcrRepositoryPrefix: aws.String("docker-hub"), UpstreamRegistryUrl: aws.String("registry-1.docker.io"),
		UpstreamRegistry: types.UpstreamRegistryDockerHub,
		CredentialArn:    aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub"),
	}}
	r.CreationTemplates = []types.RepositoryCreationTemplate{
		{
			Prefix: aws.String("team-a"), Description: aws.String("team a"), ImageTagMutability: types.ImageTagMutabilityImmutable,
			AppliedFor:      []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache, types.RCTAppliedForReplication},
			LifecyclePolicy: aws.String(cheapPolicy),
			ResourceTags:    []types.Tag{{Key: aws.String("Team"), Value: aws.String("a")}},
			CustomRoleArn:   aws.String("arn:aws:iam::123456789012:role/ecr-templates"),
			EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{
				EncryptionType: types.EncryptionTypeAes256,
			},
		},
		{Prefix: aws.String("docker-hub"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache}, ImageTagMutability: types.ImageTagMutabilityImmutable},
	}
}

func addresses(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Address+" "+string(c.Actions[len(c.Actions)-1]))
	}
	return out
}

func change(t *testing.T, p *Plan, address string) ResourceChange {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == address {
			return c
		}
	}
	t.Fatalf("no change %s in %v", address, addresses(p))
	return ResourceChange{}
}

func operations(c ResourceChange) []string {
	var out []string
	for _, s := range c.Steps {
		out = append(out, s.Operation)
	}
	return out
}

// An empty registry gets every setting, in the order apply makes them:
// creation templates before the rules and replication that create
// repositories.
func TestRegistryDiffCreatesEverySetting(t *testing.T) {
	p := Diff(mustSpec(t, registrySpec), registryLive(nil), DiffOptions{})
	want := []string{
		"repository_creation_template.docker-hub create",
		"repository_creation_template.team-a create",
		"registry_policy create",
		"registry_scanning_configuration update",
		"pull_through_cache_rule.docker-hub create",
		"replication_configuration update",
	}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Fatalf("changes (-want +got):\n%s", diff)
	}
	if p.Summary != (Summary{Add: 4, Change: 2}) {
		t.Errorf("summary = %+v", p.Summary)
	}
	repl := change(t, p, "replication_configuration")
	wantRules := []ReplicationRuleStep{{
		Destinations: []ReplicationDestination{{"eu-west-1", "111122223333"}, {"us-east-1", "123456789012"}},
		Filters:      []string{"team-a/"},
	}}
	if diff := cmp.Diff(wantRules, repl.Steps[0].ReplicationRules); diff != "" {
		t.Errorf("replication rules (a destination without account is this registry's) (-want +got):\n%s", diff)
	}
	tmpl := change(t, p, "repository_creation_template.team-a").Steps[0]
	if tmpl.Operation != OpCreateRepositoryCreationTemplate || tmpl.LifecyclePolicyText == nil || tmpl.ResourceTags == nil ||
		!cmp.Equal(tmpl.AppliedFor, []string{"PULL_THROUGH_CACHE", "REPLICATION"}) || aws.ToString(tmpl.Description) != "team a" {
		t.Errorf("template step = %+v", tmpl)
	}
	scan := change(t, p, "registry_scanning_configuration").Steps[0]
	if scan.ScanType != "ENHANCED" || len(scan.ScanningRules) != 2 {
		t.Errorf("scanning step = %+v", scan)
	}
	ptc := change(t, p, "pull_through_cache_rule.docker-hub").Steps[0]
	if ptc.Operation != OpCreatePullThroughCacheRule || ptc.Prefix != "docker-hub" || ptc.UpstreamRegistryURL != "registry-1.docker.io" || !strings.HasSuffix(ptc.CredentialArn, "/docker-hub") {
		t.Errorf("pull-through cache step = %+v", ptc)
	}
}

// Compared by meaning, what ECR reports for the spec is no change.
func TestRegistryDiffByMeaning(t *testing.T) {
	p := Diff(mustSpec(t, registrySpec), registryLive(inSync), DiffOptions{})
	if p.HasChanges {
		t.Fatalf("changes for a registry that matches: %v", addresses(p))
	}
	if len(p.Changes) != 6 {
		t.Errorf("%d changes, want a no-op for each of 6 settings", len(p.Changes))
	}
}

// Singletons are authoritative: each live rule the spec does not list is
// removed, and the plan names it.
func TestRegistryDiffSingletonsNameRemovedRules(t *testing.T) {
	p := Diff(mustSpec(t, registrySpec), registryLive(func(r *RegistryLive) {
		inSync(r)
		r.Scanning.Rules = append(r.Scanning.Rules, types.RegistryScanningRule{ScanFrequency: types.ScanFrequencyManual,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("legacy-*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}}})
		r.Replication.Rules = append(r.Replication.Rules, types.ReplicationRule{Destinations: []types.ReplicationDestination{{Region: aws.String("ap-south-1"), RegistryId: aws.String("123456789012")}}})
	}), DiffOptions{})
	scan := change(t, p, "registry_scanning_configuration")
	if !scan.Is(Update) || !strings.Contains(scan.Reason, "MANUAL on [legacy-*]") {
		t.Errorf("scanning: %v %q", scan.Actions, scan.Reason)
	}
	if diff := cmp.Diff([]AttributeChange{{Path: "rules.MANUAL", Before: []string{"legacy-*"}}}, scan.Changes); diff != "" {
		t.Errorf("scanning changes (-want +got):\n%s", diff)
	}
	repl := change(t, p, "replication_configuration")
	if !repl.Is(Update) || !strings.Contains(repl.Reason, "to ap-south-1/123456789012") || len(repl.Changes) != 1 || repl.Changes[0].After != nil {
		t.Errorf("replication: %v %q %+v", repl.Actions, repl.Reason, repl.Changes)
	}
	if n := len(repl.Steps[0].ReplicationRules); n != 1 {
		t.Errorf("PutReplicationConfiguration sends %d rules, want the spec's 1", n)
	}
}

func TestRegistryPolicyNoneDeletes(t *testing.T) {
	f := mustSpec(t, "version: 1\nregistry:\n  policy: none\nrepositories: []\n")
	p := Diff(f, registryLive(inSync), DiffOptions{})
	c := change(t, p, "registry_policy")
	if !c.Is(Delete) || !cmp.Equal(operations(c), []string{OpDeleteRegistryPolicy}) || c.Blocked {
		t.Errorf("policy none: %v %v blocked=%t", c.Actions, operations(c), c.Blocked)
	}
	if p := Diff(f, registryLive(nil), DiffOptions{}); p.HasChanges {
		t.Errorf("none without a policy is a change: %v", addresses(p))
	}
}

func TestPullThroughCacheRuleUpdateOrReplace(t *testing.T) {
	const secret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub"
	live := registryLive(inSync)
	t.Run("credentialArn changes in place", func(t *testing.T) {
		p := Diff(mustSpec(t, `version: 1
registry:
  pullThroughCache:
    - prefix: docker-hub
      upstreamUrl: registry-1.docker.io
      credentialArn: `+secret+`-2
repositories: []
`), live, DiffOptions{})
		c := change(t, p, "pull_through_cache_rule.docker-hub")
		if !c.Is(Update) || !cmp.Equal(operations(c), []string{OpUpdatePullThroughCacheRule}) || c.Steps[0].CredentialArn != secret+"-2" || len(c.Requires) != 0 {
			t.Errorf("got %v %v %+v", c.Actions, operations(c), c.Steps)
		}
	})
	t.Run("another upstream is a replacement", func(t *testing.T) {
		f := mustSpec(t, `version: 1
registry:
  pullThroughCache:
    - prefix: docker-hub
      upstreamUrl: public.ecr.aws
repositories: []
`)
		p := Diff(f, live, DiffOptions{})
		c := change(t, p, "pull_through_cache_rule.docker-hub")
		if !c.IsReplace() || !cmp.Equal(operations(c), []string{OpDeletePullThroughCacheRule, OpCreatePullThroughCacheRule}) {
			t.Fatalf("got %v %v", c.Actions, operations(c))
		}
		if !c.Blocked || !cmp.Equal(c.Requires, []string{FlagAllowReplace}) || !strings.Contains(c.Reason, "their images stay") {
			t.Errorf("blocked=%t requires=%v reason=%q", c.Blocked, c.Requires, c.Reason)
		}
		if !c.Changes[0].ForcesReplacement || c.Changes[0].Path != "upstreamRegistryUrl" {
			t.Errorf("changes = %+v", c.Changes)
		}
		if p.Summary != (Summary{Add: 1, Destroy: 1}) {
			t.Errorf("summary = %+v", p.Summary)
		}
		if p := Diff(f, live, DiffOptions{AllowReplace: true}); p.Changes[0].Blocked {
			t.Error("--allow-replace does not unblock it")
		}
	})
	// Older rules come back from ECR without upstreamRegistry; the spec
	// infers it from the URL, so an empty live value is no difference, while
	// a live value that differs still is.
	dockerHub := "version: 1\nregistry:\n  pullThroughCache:\n    - {prefix: docker-hub, upstreamUrl: registry-1.docker.io, credentialArn: " + secret + "}\nrepositories: []\n"
	t.Run("upstreamRegistry ECR reports empty is no change", func(t *testing.T) {
		p := Diff(mustSpec(t, dockerHub), registryLive(func(r *RegistryLive) {
			inSync(r)
			r.PullThroughCache[0].UpstreamRegistry = ""
		}), DiffOptions{})
		if c := change(t, p, "pull_through_cache_rule.docker-hub"); !c.Is(NoOp) || len(c.Changes) != 0 {
			t.Errorf("got %v %+v", c.Actions, c.Changes)
		}
	})
	t.Run("upstreamRegistry ECR reports differently is a replacement", func(t *testing.T) {
		p := Diff(mustSpec(t, dockerHub), registryLive(func(r *RegistryLive) {
			inSync(r)
			r.PullThroughCache[0].UpstreamRegistry = types.UpstreamRegistryQuay
		}), DiffOptions{})
		if c := change(t, p, "pull_through_cache_rule.docker-hub"); !c.IsReplace() || len(c.Changes) != 1 || c.Changes[0].Path != "upstreamRegistry" {
			t.Errorf("got %v %+v", c.Actions, c.Changes)
		}
	})
	t.Run("state absent deletes without a flag", func(t *testing.T) {
		p := Diff(mustSpec(t, "version: 1\nregistry:\n  pullThroughCache:\n    - {prefix: docker-hub, state: absent}\nrepositories: []\n"), live, DiffOptions{})
		c := change(t, p, "pull_through_cache_rule.docker-hub")
		if !c.Is(Delete) || c.Blocked || !strings.Contains(c.Reason, "stay") {
			t.Errorf("got %v blocked=%t %q", c.Actions, c.Blocked, c.Reason)
		}
	})
}

func TestCreationTemplateUpdateSendsOnlyChanges(t *testing.T) {
	f := mustSpec(t, `version: 1
registry:
  creationTemplates:
    - prefix: team-a
      appliedFor: [REPLICATION, PULL_THROUGH_CACHE]
      imageTagMutability: MUTABLE
      lifecyclePolicy: none
      tags: {Team: a, Env: prod}
      customRoleArn: arn:aws:iam::123456789012:role/ecr-templates
    - prefix: docker-hub
      state: absent
    - prefix: gone
      state: absent
repositories: []
`)
	p := Diff(f, registryLive(inSync), DiffOptions{})
	c := change(t, p, "repository_creation_template.team-a")
	if !c.Is(Update) || len(c.Steps) != 1 {
		t.Fatalf("got %v %v", c.Actions, operations(c))
	}
	// The whole template is sent: the changed fields as the spec says (an
	// empty text clears the lifecycle policy), the rest as ECR holds them,
	// and what it does not have (a repository policy) not at all.
	s := c.Steps[0]
	if s.ImageTagMutability != "MUTABLE" || s.LifecyclePolicyText == nil || *s.LifecyclePolicyText != "" ||
		s.ResourceTags == nil || len(*s.ResourceTags) != 2 || !cmp.Equal(s.AppliedFor, []string{"PULL_THROUGH_CACHE", "REPLICATION"}) ||
		aws.ToString(s.Description) != "team a" || s.RepositoryPolicyText != nil ||
		s.Encryption == nil || s.Encryption.Type != "AES256" {
		t.Errorf("update step = %+v", s)
	}
	var paths []string
	for _, ch := range c.Changes {
		paths = append(paths, ch.Path)
	}
	if diff := cmp.Diff([]string{"imageTagMutability", "lifecyclePolicy", "tags.Env"}, paths); diff != "" {
		t.Errorf("changed attributes (-want +got):\n%s", diff)
	}
	if del := change(t, p, "repository_creation_template.docker-hub"); !del.Is(Delete) || del.Blocked || len(del.Requires) != 0 {
		t.Errorf("template delete: %v requires %v", del.Actions, del.Requires)
	}
	if gone := change(t, p, "repository_creation_template.gone"); !gone.Is(NoOp) {
		t.Errorf("absent and missing: %v", gone.Actions)
	}
}

func TestRegistryUnmanagedRulesAndTemplates(t *testing.T) {
	live := registryLive(func(r *RegistryLive) {
		inSync(r)
		r.PullThroughCache = append(r.PullThroughCache, types.PullThroughCacheRule{EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io")})
		r.CreationTemplates = append(r.CreationTemplates, types.RepositoryCreationTemplate{Prefix: aws.String("ROOT")})
	})
	p := Diff(mustSpec(t, registrySpec), live, DiffOptions{})
	if !cmp.Equal(p.UnmanagedPullThroughCache, []string{"quay"}) || !cmp.Equal(p.UnmanagedCreationTemplates, []string{"ROOT"}) {
		t.Errorf("unmanaged: %v %v", p.UnmanagedPullThroughCache, p.UnmanagedCreationTemplates)
	}
	// A spec that does not manage the key lists nothing for it.
	p = Diff(mustSpec(t, "version: 1\nregistry:\n  policy: none\nrepositories: []\n"), live, DiffOptions{})
	if p.UnmanagedPullThroughCache != nil || p.UnmanagedCreationTemplates != nil {
		t.Errorf("unmanaged keys listed: %v %v", p.UnmanagedPullThroughCache, p.UnmanagedCreationTemplates)
	}
}

// The fingerprint covers the registry's settings: drift in one stales a
// saved plan, drift in an unlisted rule does not.
func TestFingerprintCoversRegistry(t *testing.T) {
	f := mustSpec(t, registrySpec)
	base := Diff(f, registryLive(inSync), DiffOptions{}).Fingerprint.LiveSHA256
	drifted := Diff(f, registryLive(func(r *RegistryLive) {
		inSync(r)
		r.Policy = aws.String(`{"Version":"2012-10-17","Statement":[]}`)
	}), DiffOptions{})
	if drifted.Fingerprint.LiveSHA256 == base {
		t.Error("a changed registry policy does not change the fingerprint")
	}
	if err := CheckSaved(Diff(f, registryLive(inSync), DiffOptions{}), drifted); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("CheckSaved of a stale registry plan: %v", err)
	}
	unlisted := Diff(f, registryLive(func(r *RegistryLive) {
		inSync(r)
		r.PullThroughCache = append(r.PullThroughCache, types.PullThroughCacheRule{EcrRepositoryPrefix: aws.String("quay")})
	}), DiffOptions{})
	if unlisted.Fingerprint.LiveSHA256 != base {
		t.Error("an unlisted pull-through cache rule changes the fingerprint")
	}
	// Without a registry: section the fingerprint is what it always was.
	plain := mustSpec(t, "version: 1\nrepositories: []\n")
	l := liveOf()
	want := fingerprint(plain, l)
	l.Registry = &RegistryLive{PolicyRead: true}
	if fingerprint(plain, l) != want {
		t.Error("registry state counted for a spec without registry:")
	}
}
