package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

// fullRegistrySpec manages all five settings and two repositories, one of
// whose scanOnPush the scanning rules override.
const fullRegistrySpec = `version: 1
registry:
  scanning:
    type: ENHANCED
    rules:
      - frequency: CONTINUOUS_SCAN
        filters: ["prod-*"]
      - frequency: SCAN_ON_PUSH
        filters: ["team-a/*"]
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
    - prefix: ecr-public
      upstreamUrl: public.ecr.aws
    - prefix: docker-hub
      upstreamUrl: registry-1.docker.io
      credentialArn: arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub
  creationTemplates:
    - prefix: ROOT
      appliedFor: [REPLICATION, PULL_THROUGH_CACHE]
      description: what ECR creates
      imageTagMutability: IMMUTABLE
      lifecyclePolicy:
        rules:
          - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
            action: {type: expire}
      repositoryPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: Pull
            Effect: Allow
            Principal: {AWS: "arn:aws:iam::210987654321:root"}
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      tags: {Team: platform}
      customRoleArn: arn:aws:iam::123456789012:role/ecr-templates
repositories:
  - name: prod-api
    scanOnPush: false
  - name: team-a/web
    imageTagMutability: IMMUTABLE
`

func registryFake() *ecrfake.Fake { return ecrfake.New(ecrfake.WithAccount("123456789012")) }

func renderPlan(p *Plan) string {
	var b strings.Builder
	_ = RenderText(&b, p, false)
	return b.String()
}

// Apply, then plan is empty for each of the five settings; an
// out-of-band change to each is planned and repaired.
func TestRegistryConvergenceAgainstFake(t *testing.T) {
	fake := registryFake()
	f := mustSpec(t, fullRegistrySpec)
	p := plan(t, fake, f, DiffOptions{})
	if p.Summary != (Summary{Add: 6, Change: 2}) {
		t.Fatalf("first plan: %+v\n%s", p.Summary, renderPlan(p))
	}
	if res := apply(t, fake, p); len(res.Failed) != 0 {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if pol := fake.RegistryPolicy(); pol == nil || !strings.Contains(*pol, `"Version" : "2012-10-17"`) {
		t.Fatalf("the fake did not reformat the registry policy, so convergence proves less: %v", pol)
	}
	again := plan(t, fake, f, DiffOptions{})
	if again.HasChanges {
		t.Fatalf("plan after apply is not empty:\n%s", renderPlan(again))
	}
	if len(warningsWith(again, `repository "prod-api"`)) != 1 {
		t.Errorf("the overridden scanOnPush is not warned about: %q", again.Warnings)
	}
	fake.ResetCalls()
	if res := apply(t, fake, again); fake.Writes() != 0 || len(res.Applied) != 0 {
		t.Fatalf("second apply wrote %d times: %v", fake.Writes(), fake.Calls())
	}

	// Drift in every setting, made behind ecrctl's back.
	ctx := context.Background()
	fake.SetRegistryScanning(types.RegistryScanningConfiguration{ScanType: types.ScanTypeBasic})
	fake.SetReplication(types.ReplicationConfiguration{Rules: []types.ReplicationRule{{Destinations: []types.ReplicationDestination{{Region: aws.String("ap-south-1"), RegistryId: aws.String("123456789012")}}}}})
	mustDo(t, func() error { _, err := fake.DeleteRegistryPolicy(ctx, &ecr.DeleteRegistryPolicyInput{}); return err })
	mustDo(t, func() error {
		_, err := fake.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub"),
			CredentialArn: aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/other")})
		return err
	})
	mustDo(t, func() error {
		_, err := fake.DeletePullThroughCacheRule(ctx, &ecr.DeletePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("ecr-public")})
		return err
	})
	mustDo(t, func() error {
		_, err := fake.UpdateRepositoryCreationTemplate(ctx, &ecr.UpdateRepositoryCreationTemplateInput{Prefix: aws.String("ROOT"),
			AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForReplication}, ImageTagMutability: types.ImageTagMutabilityMutable})
		return err
	})
	drift := plan(t, fake, f, DiffOptions{})
	want := []string{
		"repository_creation_template.ROOT update",
		"registry_policy create",
		"registry_scanning_configuration update",
		"pull_through_cache_rule.docker-hub update",
		"pull_through_cache_rule.ecr-public create",
		"replication_configuration update",
	}
	var got []string
	for _, c := range drift.Changes {
		if !c.Is(NoOp) {
			got = append(got, c.Address+" "+string(c.Actions[0]))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("drift planned (-want +got):\n%s\n%s", diff, renderPlan(drift))
	}
	if res := apply(t, fake, drift); len(res.Failed) != 0 {
		t.Fatalf("repairing drift failed: %+v", res.Failed)
	}
	if p := plan(t, fake, f, DiffOptions{}); p.HasChanges {
		t.Fatalf("drift not repaired:\n%s", renderPlan(p))
	}
}

func mustDo(t *testing.T, fn func() error) {
	t.Helper()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
}

// No registry call at all without a registry: section; with one, one read
// per managed setting (lists page) and DescribeRegistry shared between
// replication and the account of an empty registry.
func TestRegistryReadBudget(t *testing.T) {
	repos := "repositories:\n  - name: web\n    scanOnPush: true\n"
	for _, tc := range []struct {
		name, registry string
		want           map[string]int
	}{
		{"no registry section", "", map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1}},
		{"scanning", "registry:\n  scanning: {type: BASIC, rules: []}\n",
			map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1, "GetRegistryScanningConfiguration": 1}},
		{"replication shares DescribeRegistry", "registry:\n  replication: {rules: []}\n",
			map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1, "GetRegistryScanningConfiguration": 1}},
		{"policy", "registry:\n  policy: none\n",
			map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1, "GetRegistryPolicy": 1, "GetRegistryScanningConfiguration": 1}},
		{"pull-through cache", "registry:\n  pullThroughCache: []\n",
			map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1, "DescribePullThroughCacheRules": 1, "GetRegistryScanningConfiguration": 1}},
		{"creation templates", "registry:\n  creationTemplates: []\n",
			map[string]int{"DescribeRepositories": 1, "DescribeRegistry": 1, "DescribeRepositoryCreationTemplates": 1, "GetRegistryScanningConfiguration": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := registryFake()
			plan(t, fake, mustSpec(t, "version: 1\n"+tc.registry+repos), DiffOptions{})
			if diff := cmp.Diff(tc.want, fake.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
	// Without a managed scanOnPush, scanning is read only when managed.
	fake := registryFake()
	plan(t, fake, mustSpec(t, "version: 1\nregistry:\n  policy: none\nrepositories: []\n"), DiffOptions{})
	if n := fake.Calls()["GetRegistryScanningConfiguration"]; n != 0 {
		t.Errorf("scanning read %d times for a spec that neither manages it nor sets scanOnPush", n)
	}
	// The lists follow every page (the fake's pages hold two).
	fake = registryFake()
	for _, p := range []string{"cache-a", "cache-b", "cache-c", "cache-d", "cache-e"} {
		if _, err := fake.CreatePullThroughCacheRule(context.Background(), &ecr.CreatePullThroughCacheRuleInput{
			EcrRepositoryPrefix: aws.String(p), UpstreamRegistryUrl: aws.String("public.ecr.aws")}); err != nil {
			t.Fatal(err)
		}
	}
	fake.ResetCalls()
	p := plan(t, fake, mustSpec(t, "version: 1\nregistry:\n  pullThroughCache: []\nrepositories: []\n"), DiffOptions{})
	if n := fake.Calls()["DescribePullThroughCacheRules"]; len(p.UnmanagedPullThroughCache) != 5 || n != 3 {
		t.Errorf("listed %d rules in %d calls, want 5 in 3", len(p.UnmanagedPullThroughCache), n)
	}
}

// The scanning configuration read only for the scanOnPush override check
// may be denied: the plan goes on and says which permission the check
// needs. Managed scanning cannot be planned without it.
func TestRegistryScanningReadDenied(t *testing.T) {
	const repos = "repositories:\n  - name: web\n    scanOnPush: true\n"
	fake := registryFake()
	fake.FailN("GetRegistryScanningConfiguration", "", 1, ecrfake.AccessDenied("GetRegistryScanningConfiguration"))
	p := plan(t, fake, mustSpec(t, "version: 1\nregistry:\n  policy: none\n"+repos), DiffOptions{})
	var found bool
	for _, w := range p.Warnings {
		found = found || strings.Contains(w, "scanOnPush") && strings.Contains(w, "allow ecr:GetRegistryScanningConfiguration")
	}
	if !found || fake.Calls()["GetRegistryScanningConfiguration"] != 1 {
		t.Errorf("denied override check: warnings %q, calls %v", p.Warnings, fake.Calls())
	}
	fake.FailN("GetRegistryScanningConfiguration", "", 1, ecrfake.AccessDenied("GetRegistryScanningConfiguration"))
	_, err := Read(context.Background(), fake, mustSpec(t, "version: 1\nregistry:\n  scanning: {type: BASIC, rules: []}\n"+repos), ReadOptions{Parallelism: 1})
	if err == nil || !strings.Contains(err.Error(), "GetRegistryScanningConfiguration") {
		t.Errorf("denied read of managed scanning: err = %v", err)
	}
}

// A registry call that fails names the setting; a delete that finds nothing
// has reached its goal.
func TestRegistryApplyErrorsAndGoneDeletes(t *testing.T) {
	fake := registryFake()
	p := &Plan{FormatVersion: FormatVersion, Changes: []ResourceChange{
		{Address: "registry_policy", Type: TypeRegistryPolicy, Actions: []Action{Delete}, Steps: []Step{{Operation: OpDeleteRegistryPolicy}}},
		{Address: "pull_through_cache_rule.old", Type: TypePullThroughCacheRule, Name: "old", Actions: []Action{Delete}, Steps: []Step{{Operation: OpDeletePullThroughCacheRule, Prefix: "old"}}},
		{Address: "repository_creation_template.old", Type: TypeCreationTemplate, Name: "old", Actions: []Action{Delete}, Steps: []Step{{Operation: OpDeleteRepositoryCreationTemplate, Prefix: "old"}}},
	}}
	res := apply(t, fake, p)
	if len(res.Failed) != 0 || len(res.Applied) != 3 {
		t.Fatalf("deletes of what is gone: %+v", res)
	}

	fake.FailN("PutRegistryPolicy", "", 1, ecrfake.AccessDenied("PutRegistryPolicy"))
	spec := mustSpec(t, fullRegistrySpec)
	res = apply(t, fake, plan(t, fake, spec, DiffOptions{}))
	var failed *Failure
	for i := range res.Failed {
		if res.Failed[i].Address == "registry_policy" {
			failed = &res.Failed[i]
		}
	}
	if failed == nil {
		t.Fatalf("no failure for the registry policy: %+v", res)
	}
	var op *ecrapi.OpError
	msg := failed.Err.Error()
	if !errors.As(failed.Err, &op) || op.Code() != "AccessDeniedException" || !strings.Contains(msg, "changing the registry policy (PutRegistryPolicy)") ||
		!strings.Contains(msg, "ecr:PutRegistryPolicy on the registry") {
		t.Errorf("failure = %q", msg)
	}
	// The others went on.
	if len(res.Applied) < 5 {
		t.Errorf("applied %v", res.Applied)
	}
}

// A creation template that fails stops what would make ECR create
// repositories without it.
func TestFailedTemplateStopsRepositoryCreators(t *testing.T) {
	fake := registryFake()
	fake.FailN("CreateRepositoryCreationTemplate", "", 1, ecrfake.AccessDenied("CreateRepositoryCreationTemplate"))
	res := apply(t, fake, plan(t, fake, mustSpec(t, fullRegistrySpec), DiffOptions{}))
	failed := map[string]string{}
	for _, fl := range res.Failed {
		failed[fl.Address] = fl.Err.Error()
	}
	for _, addr := range []string{"pull_through_cache_rule.docker-hub", "pull_through_cache_rule.ecr-public", "replication_configuration"} {
		if !strings.Contains(failed[addr], "not started because repository_creation_template.ROOT failed") {
			t.Errorf("%s: %q", addr, failed[addr])
		}
	}
	if fake.PullThroughCacheRules() != 0 || fake.Calls()["PutReplicationConfiguration"] != 0 {
		t.Error("a rule or replication was created without its template")
	}
	for _, addr := range []string{"registry_policy", "registry_scanning_configuration", "repository.team-a/web"} {
		if _, ok := failed[addr]; ok {
			t.Errorf("%s did not run: %s", addr, failed[addr])
		}
	}
}

// A pull-through cache rule whose upstream changes is replaced only with
// --allow-replace: delete, then create with the new upstream.
func TestPullThroughCacheReplacementApply(t *testing.T) {
	fake := registryFake()
	ctx := context.Background()
	mustDo(t, func() error {
		_, err := fake.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("public.ecr.aws")})
		return err
	})
	f := mustSpec(t, "version: 1\nregistry:\n  pullThroughCache:\n    - {prefix: mirror, upstreamUrl: registry.k8s.io}\nrepositories: []\n")
	fake.ResetCalls()
	_, err := Apply(ctx, fake, plan(t, fake, f, DiffOptions{}), fastApply())
	var be *BlockedError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "pull_through_cache_rule.mirror") || !strings.Contains(err.Error(), FlagAllowReplace) || fake.Writes() != 0 {
		t.Fatalf("without --allow-replace: %v (%d writes)", err, fake.Writes())
	}
	res := apply(t, fake, plan(t, fake, f, DiffOptions{AllowReplace: true}))
	if len(res.Failed) != 0 || res.Summary != (Summary{Add: 1, Destroy: 1}) {
		t.Fatalf("replacement: %+v", res)
	}
	rules, err := ecrapi.ListPullThroughCacheRules(ctx, fake)
	if err != nil || len(rules) != 1 || aws.ToString(rules[0].UpstreamRegistryUrl) != "registry.k8s.io" {
		t.Fatalf("rules after the replacement: %+v %v", rules, err)
	}
	if p := plan(t, fake, f, DiffOptions{}); p.HasChanges {
		t.Errorf("not converged:\n%s", renderPlan(p))
	}
}
