package ecrfake_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

const (
	dockerSecret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
	roleARN      = "arn:aws:iam::123456789012:role/ecr-pull-through"
)

func createPTC(f *ecrfake.Fake, in ecr.CreatePullThroughCacheRuleInput) (*ecr.CreatePullThroughCacheRuleOutput, error) {
	return f.CreatePullThroughCacheRule(ctx, &in)
}

func describePTC(t *testing.T, f *ecrfake.Fake, prefixes ...string) []types.PullThroughCacheRule {
	t.Helper()
	out, err := f.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{EcrRepositoryPrefixes: prefixes})
	if err != nil {
		t.Fatalf("DescribePullThroughCacheRules(%v): %v", prefixes, err)
	}
	return out.PullThroughCacheRules
}

func TestPullThroughCacheRuleLifecycle(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	now := at
	f := ecrfake.New(ecrfake.WithClock(func() time.Time { return now }))
	out, err := createPTC(f, ecr.CreatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String("docker-hub/"), UpstreamRegistryUrl: aws.String("registry-1.docker.io"), CredentialArn: aws.String(dockerSecret),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.EcrRepositoryPrefix) != "docker-hub" || out.UpstreamRegistry != types.UpstreamRegistryDockerHub ||
		!out.CreatedAt.Equal(at) || aws.ToString(out.CredentialArn) != dockerSecret || out.UpstreamRepositoryPrefix != nil {
		t.Errorf("create returned %+v", out)
	}
	// "docker-hub" and "docker-hub/" are the same prefix.
	_, err = createPTC(f, ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub"), UpstreamRegistryUrl: aws.String("public.ecr.aws")})
	_ = wantErr[*types.PullThroughCacheRuleAlreadyExistsException](t, err)

	// An ECR upstream takes a role and an upstream prefix, which defaults to ROOT.
	if _, err := createPTC(f, ecr.CreatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("210987654321.dkr.ecr.eu-west-1.amazonaws.com"),
		CustomRoleArn: aws.String(roleARN),
	}); err != nil {
		t.Fatal(err)
	}
	rules := describePTC(t, f, "mirror")
	if len(rules) != 1 || rules[0].UpstreamRegistry != types.UpstreamRegistryEcr || aws.ToString(rules[0].UpstreamRepositoryPrefix) != "ROOT" ||
		aws.ToString(rules[0].CustomRoleArn) != roleARN || aws.ToString(rules[0].RegistryId) != f.Account() {
		t.Errorf("describe mirror = %+v", rules)
	}

	now = at.Add(time.Hour)
	newSecret := strings.Replace(dockerSecret, "AbCdEf", "XyZ123", 1)
	up, err := f.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub"), CredentialArn: aws.String(newSecret)})
	if err != nil || aws.ToString(up.CredentialArn) != newSecret || !up.UpdatedAt.Equal(now) {
		t.Fatalf("update = %+v, %v", up, err)
	}
	rules = describePTC(t, f, "docker-hub")
	if r := rules[0]; aws.ToString(r.CredentialArn) != newSecret || aws.ToString(r.UpstreamRegistryUrl) != "registry-1.docker.io" ||
		!r.CreatedAt.Equal(at) || !r.UpdatedAt.Equal(now) {
		t.Errorf("after update: %+v", r)
	}
	// Update changes only credentialArn and customRoleArn: with neither it
	// has nothing to do; customRoleArn belongs to ECR upstreams.
	_, err = f.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub")})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub"), CustomRoleArn: aws.String(roleARN)})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub"), CredentialArn: aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:other/docker-hub")})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("nope"), CredentialArn: aws.String(newSecret)})
	_ = wantErr[*types.PullThroughCacheRuleNotFoundException](t, err)
	if up, err := f.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"),
		CustomRoleArn: aws.String(roleARN + "-2")}); err != nil || aws.ToString(up.UpstreamRepositoryPrefix) != "ROOT" {
		t.Errorf("update of the ECR rule's role = %+v, %v", up, err)
	}

	_, err = f.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{EcrRepositoryPrefixes: []string{"docker-hub", "nope"}})
	_ = wantErr[*types.PullThroughCacheRuleNotFoundException](t, err)

	del, err := f.DeletePullThroughCacheRule(ctx, &ecr.DeletePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub")})
	if err != nil || aws.ToString(del.UpstreamRegistryUrl) != "registry-1.docker.io" || aws.ToString(del.CredentialArn) != newSecret {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = f.DeletePullThroughCacheRule(ctx, &ecr.DeletePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("docker-hub")})
	_ = wantErr[*types.PullThroughCacheRuleNotFoundException](t, err)
	if got := describePTC(t, f); len(got) != 1 || f.PullThroughCacheRules() != 1 {
		t.Errorf("after delete: %d rules listed, %d held; want 1", len(got), f.PullThroughCacheRules())
	}
	for _, op := range []string{"CreatePullThroughCacheRule", "UpdatePullThroughCacheRule", "DeletePullThroughCacheRule"} {
		if f.CallsFor(op, "docker-hub") == 0 {
			t.Errorf("CallsFor(%s, docker-hub) = 0; calls are counted under the prefix", op)
		}
	}
}

func TestPullThroughCacheRuleValidation(t *testing.T) {
	acrSecret := strings.Replace(dockerSecret, "docker-hub", "acr", 1)
	tests := []struct {
		name  string
		in    ecr.CreatePullThroughCacheRuleInput
		check func(*testing.T, error)
	}{
		{"one-character prefix", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("q"), UpstreamRegistryUrl: aws.String("quay.io")}, isErr[*types.InvalidParameterException]},
		{"31-character prefix", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String(strings.Repeat("q", 31)), UpstreamRegistryUrl: aws.String("quay.io")}, isErr[*types.InvalidParameterException]},
		{"30-character prefix", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String(strings.Repeat("q", 30)), UpstreamRegistryUrl: aws.String("quay.io")}, noErr},
		{"upper-case prefix", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("Quay"), UpstreamRegistryUrl: aws.String("quay.io")}, isErr[*types.InvalidParameterException]},
		{"ROOT", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("ROOT"), UpstreamRegistryUrl: aws.String("public.ecr.aws")}, noErr},
		{"no prefix", ecr.CreatePullThroughCacheRuleInput{UpstreamRegistryUrl: aws.String("quay.io")}, isErr[smithy.InvalidParamsError]},
		{"no URL", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("quay")}, isErr[smithy.InvalidParamsError]},
		{"unknown upstream", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("hub"), UpstreamRegistryUrl: aws.String("docker.io")}, isErr[*types.UnsupportedUpstreamRegistryException]},
		{"URL of another registry", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io"),
			UpstreamRegistry: types.UpstreamRegistryK8s}, isErr[*types.InvalidParameterException]},
		{"unknown upstream registry name", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io"),
			UpstreamRegistry: "harbor"}, isErr[*types.InvalidParameterException]},
		{"matching upstream registry name", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io"),
			UpstreamRegistry: types.UpstreamRegistryQuay}, noErr},
		{"docker hub without credential", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("hub"), UpstreamRegistryUrl: aws.String("registry-1.docker.io")}, isErr[*types.InvalidParameterException]},
		{"GHCR without credential", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("ghcr"), UpstreamRegistryUrl: aws.String("ghcr.io")}, isErr[*types.InvalidParameterException]},
		{"GitLab without credential", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("gitlab"), UpstreamRegistryUrl: aws.String("registry.gitlab.com")}, isErr[*types.InvalidParameterException]},
		{"ACR without credential", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("acr"), UpstreamRegistryUrl: aws.String("myregistry.azurecr.io")}, isErr[*types.InvalidParameterException]},
		{"ACR with credential", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("acr"), UpstreamRegistryUrl: aws.String("myregistry.azurecr.io"),
			CredentialArn: aws.String(acrSecret)}, noErr},
		{"secret outside ecr-pullthroughcache/", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("hub"), UpstreamRegistryUrl: aws.String("registry-1.docker.io"),
			CredentialArn: aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:dockerhub-creds-AbCdEf")}, isErr[*types.InvalidParameterException]},
		{"role on a non-ECR upstream", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("k8s"), UpstreamRegistryUrl: aws.String("registry.k8s.io"),
			CustomRoleArn: aws.String(roleARN)}, isErr[*types.InvalidParameterException]},
		{"upstream prefix on a non-ECR upstream", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("k8s"), UpstreamRegistryUrl: aws.String("registry.k8s.io"),
			UpstreamRepositoryPrefix: aws.String("team")}, isErr[*types.InvalidParameterException]},
		{"role that is no role ARN", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("210987654321.dkr.ecr.eu-west-1.amazonaws.com"),
			CustomRoleArn: aws.String("ecr-pull-through")}, isErr[*types.InvalidParameterException]},
		{"Chainguard without credential", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("cg"), UpstreamRegistryUrl: aws.String("cgr.dev")}, isErr[*types.InvalidParameterException]},
		{"credential on an ECR upstream", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
			CredentialArn: aws.String(dockerSecret)}, isErr[*types.InvalidParameterException]},
		{"ECR upstream of this account without role", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com")}, noErr},
		{"ECR upstream of another account without role", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("210987654321.dkr.ecr.eu-west-1.amazonaws.com")}, isErr[*types.InvalidParameterException]},
		{"role of another account", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("210987654321.dkr.ecr.eu-west-1.amazonaws.com"),
			CustomRoleArn: aws.String("arn:aws:iam::210987654321:role/pull")}, isErr[*types.InvalidParameterException]},
		{"ECR upstream prefix", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
			UpstreamRepositoryPrefix: aws.String("team")}, noErr},
		{"bad ECR upstream prefix", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("mirror"), UpstreamRegistryUrl: aws.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
			UpstreamRepositoryPrefix: aws.String("Team")}, isErr[*types.InvalidParameterException]},
		{"prefix with __ and --", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("q__a--b"), UpstreamRegistryUrl: aws.String("quay.io")}, noErr},
		{"secret in another partition", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("hub"), UpstreamRegistryUrl: aws.String("registry-1.docker.io"),
			CredentialArn: aws.String(strings.Replace(dockerSecret, "arn:aws:", "arn:aws-cn:", 1))}, noErr},
		{"registry of another account", ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io"),
			RegistryId: aws.String("210987654321")}, isErr[*types.InvalidParameterException]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := createPTC(ecrfake.New(), tc.in)
			tc.check(t, err)
		})
	}
}

func TestPullThroughCacheRuleLimit(t *testing.T) {
	f := ecrfake.New()
	for i := range 50 {
		if _, err := createPTC(f, ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String(fmt.Sprintf("q%02d", i)), UpstreamRegistryUrl: aws.String("quay.io")}); err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
	}
	_, err := createPTC(f, ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("q50"), UpstreamRegistryUrl: aws.String("quay.io")})
	_ = wantErr[*types.LimitExceededException](t, err)

	// Describe pages: at most 2 a page whatever maxResults asks, fewer when asked.
	out, err := f.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{MaxResults: aws.Int32(1000)})
	if err != nil || len(out.PullThroughCacheRules) != 2 || out.NextToken == nil {
		t.Fatalf("first page = %d rules, token %v, %v", len(out.PullThroughCacheRules), out.NextToken, err)
	}
	out, err = f.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{MaxResults: aws.Int32(1), NextToken: out.NextToken})
	if err != nil || len(out.PullThroughCacheRules) != 1 || aws.ToString(out.PullThroughCacheRules[0].EcrRepositoryPrefix) != "q02" {
		t.Fatalf("second page = %+v, %v", out.PullThroughCacheRules, err)
	}
	p := ecr.NewDescribePullThroughCacheRulesPaginator(f, &ecr.DescribePullThroughCacheRulesInput{})
	seen := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(page.PullThroughCacheRules)
	}
	if seen != 50 {
		t.Errorf("paging saw %d rules, want 50", seen)
	}
	_, err = f.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{NextToken: aws.String("garbage")})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{MaxResults: aws.Int32(0)})
	_ = wantErr[*types.InvalidParameterException](t, err)
}
