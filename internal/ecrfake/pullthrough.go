package ecrfake

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Pull-through cache rules, keyed by ecrRepositoryPrefix.

const (
	maxPullThroughRules = 50 // per registry (service quota)
	// registryPageSize is the most items the fake returns in one page of
	// DescribePullThroughCacheRules and DescribeRepositoryCreationTemplates,
	// whatever maxResults asks: a paged API may return fewer than asked, and
	// a small page makes every caller's paging run in tests.
	registryPageSize = 2
)

var (
	// ptcPrefixRE is ecrRepositoryPrefix's pattern (2-30 characters); the
	// template prefix has the same pattern (1-256 characters).
	ptcPrefixRE   = regexp.MustCompile(`^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$`)
	credentialRE  = regexp.MustCompile(`^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$`)
	ecrUpstreamRE = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$`)
	acrUpstreamRE = regexp.MustCompile(`^[a-zA-Z0-9-]+\.azurecr\.io$`)
	roleARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/.+$`)
)

// upstreams is each upstream registry's URL (ecr and ACR are patterns) and
// whether it needs a Secrets Manager credential.
var upstreams = []struct {
	registry       types.UpstreamRegistry
	url            string
	urlRE          *regexp.Regexp
	needCredential bool
}{
	{registry: types.UpstreamRegistryEcr, urlRE: ecrUpstreamRE},
	{registry: types.UpstreamRegistryEcrPublic, url: "public.ecr.aws"},
	{registry: types.UpstreamRegistryQuay, url: "quay.io"},
	{registry: types.UpstreamRegistryK8s, url: "registry.k8s.io"},
	{registry: types.UpstreamRegistryDockerHub, url: "registry-1.docker.io", needCredential: true},
	{registry: types.UpstreamRegistryGitHubContainerRegistry, url: "ghcr.io", needCredential: true},
	{registry: types.UpstreamRegistryAzureContainerRegistry, urlRE: acrUpstreamRE, needCredential: true},
	{registry: types.UpstreamRegistryGitLabContainerRegistry, url: "registry.gitlab.com", needCredential: true},
	{registry: types.UpstreamRegistryChainguard, url: "cgr.dev", needCredential: true},
}

type ptcRule struct {
	seq                                 int64
	prefix, url                         string
	registry                            types.UpstreamRegistry
	credentialArn, customRoleArn, upPfx *string
	createdAt, updatedAt                time.Time
}

func (f *Fake) ptcNotFound(prefix string) error {
	return &types.PullThroughCacheRuleNotFoundException{Message: aws.String(fmt.Sprintf(
		"The pull through cache rule with prefix '%s' does not exist in the registry with id '%s'", prefix, f.account))}
}

// The patterns are those of the service model (botocore's ecr
// service-2.json), which is newer than some API Reference pages: a prefix
// may hold "__" and runs of "-" between its parts.

// ptcPrefix validates an ecrRepositoryPrefix and returns the key it is stored
// under: ECR treats "team" and "team/" alike.
func ptcPrefix(op string, p *string) (string, error) {
	if p == nil {
		return "", paramRequired(op+"Input", "EcrRepositoryPrefix")
	}
	if n := len(*p); n < 2 || n > 30 {
		return "", invalidParam("Invalid parameter at 'ecrRepositoryPrefix' failed to satisfy constraint: 'Member must have length between 2 and 30 inclusive'")
	}
	if !ptcPrefixRE.MatchString(*p) {
		return "", invalidParam("Invalid parameter at 'ecrRepositoryPrefix' failed to satisfy constraint: 'must satisfy regular expression '%s''", ptcPrefixRE.String())
	}
	return strings.TrimSuffix(*p, "/"), nil
}

// ptcCall is the prologue of an operation on the rule that a
// RegistryId/EcrRepositoryPrefix pair names: begin, then validation of the
// pair. It returns the rule's key.
func (f *Fake) ptcCall(ctx context.Context, op string, registryID, prefix *string) (string, error) {
	if err := f.begin(ctx, op, aws.ToString(prefix)); err != nil {
		return "", err
	}
	key, err := ptcPrefix(op, prefix)
	if err != nil {
		return "", err
	}
	return key, f.checkRegistry(registryID)
}

func checkCredentialArn(arn *string) error {
	if arn == nil {
		return nil
	}
	if n := len(*arn); n < 50 || n > 612 || !credentialRE.MatchString(*arn) {
		return invalidParam("Invalid parameter at 'credentialArn' failed to satisfy constraint: 'must be the ARN of a Secrets Manager secret whose name starts with ecr-pullthroughcache/ (50 to 612 characters)'")
	}
	return nil
}

func checkRoleArn(field string, arn *string) error {
	if arn == nil {
		return nil
	}
	if len(*arn) > 2048 || !roleARNRE.MatchString(*arn) {
		return invalidParam("Invalid parameter at '%s' failed to satisfy constraint: 'must be the ARN of an IAM role'", field)
	}
	return nil
}

// PullThroughCacheRules returns how many rules the registry holds, without
// counting a call.
func (f *Fake) PullThroughCacheRules() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ptcRules)
}

// CreatePullThroughCacheRule creates a rule. The upstream URL must be one ECR
// supports (UnsupportedUpstreamRegistryException otherwise) and agree with
// upstreamRegistry when that is given; docker-hub, GHCR, GitLab, ACR and
// Chainguard need a credentialArn naming a secret ecr-pullthroughcache/...;
// only an ecr upstream takes customRoleArn (required when the upstream is in
// another account, and a role of this account) and upstreamRepositoryPrefix
// (which defaults to ROOT), and it takes no credentialArn. 50 rules per
// registry.
func (f *Fake) CreatePullThroughCacheRule(ctx context.Context, in *ecr.CreatePullThroughCacheRuleInput, optFns ...func(*ecr.Options)) (*ecr.CreatePullThroughCacheRuleOutput, error) {
	prefix, err := f.ptcCall(ctx, "CreatePullThroughCacheRule", in.RegistryId, in.EcrRepositoryPrefix)
	if err != nil {
		return nil, err
	}
	if in.UpstreamRegistryUrl == nil {
		return nil, paramRequired("CreatePullThroughCacheRuleInput", "UpstreamRegistryUrl")
	}
	url := *in.UpstreamRegistryUrl
	var registry types.UpstreamRegistry
	needCredential := false
	for _, u := range upstreams {
		if url == u.url || (u.urlRE != nil && u.urlRE.MatchString(url)) {
			registry, needCredential = u.registry, u.needCredential
			break
		}
	}
	if registry == "" {
		return nil, &types.UnsupportedUpstreamRegistryException{Message: aws.String(fmt.Sprintf(
			"The specified upstream registry URL '%s' is not supported", url))}
	}
	if in.UpstreamRegistry != "" && in.UpstreamRegistry != registry {
		if !contains(enumStrings(types.UpstreamRegistry("").Values()), string(in.UpstreamRegistry)) {
			return nil, invalidParam("Invalid parameter at 'upstreamRegistry' failed to satisfy constraint: 'Member must satisfy enum value set: %v'", types.UpstreamRegistry("").Values())
		}
		return nil, invalidParam("The upstream registry URL '%s' does not belong to upstream registry %s (it is %s)", url, in.UpstreamRegistry, registry)
	}
	if err := checkCredentialArn(in.CredentialArn); err != nil {
		return nil, err
	}
	if needCredential && in.CredentialArn == nil {
		return nil, invalidParam("A credentialArn is required for upstream registry %s", registry)
	}
	if err := checkRoleArn("customRoleArn", in.CustomRoleArn); err != nil {
		return nil, err
	}
	upPfx := in.UpstreamRepositoryPrefix
	if registry == types.UpstreamRegistryEcr {
		if in.CredentialArn != nil {
			return nil, invalidParam("credentialArn is not supported for upstream registry ecr: ECR authenticates to an ECR upstream with customRoleArn")
		}
		upstreamAccount := ecrUpstreamRE.FindStringSubmatch(url)[1]
		if in.CustomRoleArn == nil && upstreamAccount != f.account {
			return nil, invalidParam("A customRoleArn is required for an ECR upstream in another account (%s)", upstreamAccount)
		}
		if m := roleARNRE.FindStringSubmatch(aws.ToString(in.CustomRoleArn)); m != nil && m[1] != f.account {
			return nil, invalidParam("The customRoleArn must be a role in the registry's own account %s, not %s", f.account, m[1])
		}
		if upPfx == nil {
			upPfx = aws.String("ROOT")
		} else if n := len(*upPfx); n < 2 || n > 30 || !ptcPrefixRE.MatchString(*upPfx) {
			return nil, invalidParam("Invalid parameter at 'upstreamRepositoryPrefix' failed to satisfy constraint: 'must satisfy regular expression '%s''", ptcPrefixRE.String())
		}
	} else {
		if in.CustomRoleArn != nil {
			return nil, invalidParam("customRoleArn is only supported for upstream registry ecr")
		}
		if upPfx != nil {
			return nil, invalidParam("upstreamRepositoryPrefix is only supported for upstream registry ecr")
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ptcRules[prefix]; ok {
		return nil, &types.PullThroughCacheRuleAlreadyExistsException{Message: aws.String(fmt.Sprintf(
			"A pull through cache rule with prefix '%s' already exists in the registry with id '%s'", prefix, f.account))}
	}
	if len(f.ptcRules) >= maxPullThroughRules {
		return nil, &types.LimitExceededException{Message: aws.String(fmt.Sprintf(
			"The maximum number of pull through cache rules (%d) for the registry has been reached", maxPullThroughRules))}
	}
	f.seq++
	now := f.clock()
	r := &ptcRule{
		seq: f.seq, prefix: prefix, url: url, registry: registry,
		credentialArn: copyStr(in.CredentialArn), customRoleArn: copyStr(in.CustomRoleArn), upPfx: copyStr(upPfx),
		createdAt: now, updatedAt: now,
	}
	f.ptcRules[prefix] = r
	return &ecr.CreatePullThroughCacheRuleOutput{
		CreatedAt:                aws.Time(r.createdAt),
		CredentialArn:            copyStr(r.credentialArn),
		CustomRoleArn:            copyStr(r.customRoleArn),
		EcrRepositoryPrefix:      aws.String(r.prefix),
		RegistryId:               aws.String(f.account),
		UpstreamRegistry:         r.registry,
		UpstreamRegistryUrl:      aws.String(r.url),
		UpstreamRepositoryPrefix: copyStr(r.upPfx),
	}, nil
}

// DescribePullThroughCacheRules lists rules in creation order, at most
// registryPageSize a page, or describes the given prefixes (an unknown one
// is PullThroughCacheRuleNotFoundException).
func (f *Fake) DescribePullThroughCacheRules(ctx context.Context, in *ecr.DescribePullThroughCacheRulesInput, optFns ...func(*ecr.Options)) (*ecr.DescribePullThroughCacheRulesOutput, error) {
	if err := f.begin(ctx, "DescribePullThroughCacheRules", in.EcrRepositoryPrefixes...); err != nil {
		return nil, err
	}
	if err := f.checkRegistry(in.RegistryId); err != nil {
		return nil, err
	}
	limit, after, err := pageArgs("ptc", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for i := range in.EcrRepositoryPrefixes {
		p, err := ptcPrefix("DescribePullThroughCacheRules", &in.EcrRepositoryPrefixes[i])
		if err != nil {
			return nil, err
		}
		want[p] = true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for p := range want {
		if _, ok := f.ptcRules[p]; !ok {
			return nil, f.ptcNotFound(p)
		}
	}
	out := &ecr.DescribePullThroughCacheRulesOutput{PullThroughCacheRules: []types.PullThroughCacheRule{}}
	var last int64
	for _, r := range sortedBySeq(f.ptcRules, func(r *ptcRule) int64 { return r.seq }) {
		if r.seq <= after || (len(want) > 0 && !want[r.prefix]) {
			continue
		}
		if len(out.PullThroughCacheRules) == min(limit, registryPageSize) {
			out.NextToken = aws.String(makeToken("ptc", last))
			break
		}
		out.PullThroughCacheRules = append(out.PullThroughCacheRules, f.toPTCRule(r))
		last = r.seq
	}
	return out, nil
}

func (f *Fake) toPTCRule(r *ptcRule) types.PullThroughCacheRule {
	return types.PullThroughCacheRule{
		CreatedAt:                aws.Time(r.createdAt),
		UpdatedAt:                aws.Time(r.updatedAt),
		CredentialArn:            copyStr(r.credentialArn),
		CustomRoleArn:            copyStr(r.customRoleArn),
		EcrRepositoryPrefix:      aws.String(r.prefix),
		RegistryId:               aws.String(f.account),
		UpstreamRegistry:         r.registry,
		UpstreamRegistryUrl:      aws.String(r.url),
		UpstreamRepositoryPrefix: copyStr(r.upPfx),
	}
}

// UpdatePullThroughCacheRule changes a rule's credentialArn and
// customRoleArn, the only fields ECR lets change in place (any other change
// is a delete and a create). An omitted field stays as it is; a rule whose
// upstream needs a credential cannot lose it.
func (f *Fake) UpdatePullThroughCacheRule(ctx context.Context, in *ecr.UpdatePullThroughCacheRuleInput, optFns ...func(*ecr.Options)) (*ecr.UpdatePullThroughCacheRuleOutput, error) {
	prefix, err := f.ptcCall(ctx, "UpdatePullThroughCacheRule", in.RegistryId, in.EcrRepositoryPrefix)
	if err != nil {
		return nil, err
	}
	if in.CredentialArn == nil && in.CustomRoleArn == nil {
		return nil, invalidParam("At least one of credentialArn and customRoleArn must be specified")
	}
	if err := checkCredentialArn(in.CredentialArn); err != nil {
		return nil, err
	}
	if err := checkRoleArn("customRoleArn", in.CustomRoleArn); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.ptcRules[prefix]
	if !ok {
		return nil, f.ptcNotFound(prefix)
	}
	if in.CustomRoleArn != nil && r.registry != types.UpstreamRegistryEcr {
		return nil, invalidParam("customRoleArn is only supported for upstream registry ecr")
	}
	if in.CredentialArn != nil {
		r.credentialArn = copyStr(in.CredentialArn)
	}
	if in.CustomRoleArn != nil {
		r.customRoleArn = copyStr(in.CustomRoleArn)
	}
	r.updatedAt = f.clock()
	return &ecr.UpdatePullThroughCacheRuleOutput{
		CredentialArn:            copyStr(r.credentialArn),
		CustomRoleArn:            copyStr(r.customRoleArn),
		EcrRepositoryPrefix:      aws.String(r.prefix),
		RegistryId:               aws.String(f.account),
		UpdatedAt:                aws.Time(r.updatedAt),
		UpstreamRepositoryPrefix: copyStr(r.upPfx),
	}, nil
}

// DeletePullThroughCacheRule deletes a rule and returns it, or
// PullThroughCacheRuleNotFoundException. Repositories it created stay.
func (f *Fake) DeletePullThroughCacheRule(ctx context.Context, in *ecr.DeletePullThroughCacheRuleInput, optFns ...func(*ecr.Options)) (*ecr.DeletePullThroughCacheRuleOutput, error) {
	prefix, err := f.ptcCall(ctx, "DeletePullThroughCacheRule", in.RegistryId, in.EcrRepositoryPrefix)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.ptcRules[prefix]
	if !ok {
		return nil, f.ptcNotFound(prefix)
	}
	delete(f.ptcRules, prefix)
	return &ecr.DeletePullThroughCacheRuleOutput{
		CreatedAt:                aws.Time(r.createdAt),
		CredentialArn:            copyStr(r.credentialArn),
		CustomRoleArn:            copyStr(r.customRoleArn),
		EcrRepositoryPrefix:      aws.String(r.prefix),
		RegistryId:               aws.String(f.account),
		UpstreamRegistryUrl:      aws.String(r.url),
		UpstreamRepositoryPrefix: copyStr(r.upPfx),
	}, nil
}

func copyStr(s *string) *string {
	if s == nil {
		return nil
	}
	return aws.String(*s)
}

func enumStrings[T ~string](vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}
