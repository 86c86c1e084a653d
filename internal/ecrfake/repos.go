package ecrfake

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// CreateRepository creates a repository. Omitted settings default to MUTABLE,
// scanOnPush false and AES256. For KMS and KMS_DSSE the stored and returned
// key is always a key ARN: no key means the AWS-managed key (alias aws/ecr,
// AWSManagedKeyID), an alias resolves through WithKMSAlias (unknown alias:
// KmsException) and a bare key id becomes an ARN in this region and account.
func (f *Fake) CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, optFns ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error) {
	name, err := f.repoCall(ctx, "CreateRepository", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	mut := in.ImageTagMutability
	if mut == "" {
		mut = types.ImageTagMutabilityMutable
	}
	filters, err := validateMutability(mut, in.ImageTagMutabilityExclusionFilters)
	if err != nil {
		return nil, err
	}
	tags, err := validateTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if len(tags) > maxTags {
		return nil, tooManyTags()
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	encType, key, err := f.resolveEncryption(in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	if _, ok := f.repos[name]; ok {
		return nil, &types.RepositoryAlreadyExistsException{Message: aws.String(fmt.Sprintf(
			"The repository with name '%s' already exists in the registry with id '%s'", name, f.account))}
	}
	f.seq++
	r := &repo{
		seq:          f.seq,
		name:         name,
		createdAt:    f.clock(),
		mutability:   mut,
		filters:      filters,
		encType:      encType,
		kmsKey:       key,
		tags:         tags,
		notFoundLeft: f.notFoundAfter,
	}
	if in.ImageScanningConfiguration != nil {
		r.scanOnPush = in.ImageScanningConfiguration.ScanOnPush
	}
	f.repos[name] = r
	return &ecr.CreateRepositoryOutput{Repository: f.toRepository(r)}, nil
}

// DescribeRepositories describes repositories by name (1 to 100 names; one
// missing name fails the whole call) or pages through all of them in creation
// order (MaxResults 1 to 1000, default 100).
func (f *Fake) DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error) {
	if err := f.begin(ctx, "DescribeRepositories", in.RepositoryNames...); err != nil {
		return nil, err
	}
	if err := f.checkRegistry(in.RegistryId); err != nil {
		return nil, err
	}
	if in.RepositoryNames != nil {
		if len(in.RepositoryNames) < 1 || len(in.RepositoryNames) > 100 {
			return nil, invalidParam("Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have length between 1 and 100 inclusive'")
		}
		if in.MaxResults != nil || in.NextToken != nil {
			return nil, invalidParam("maxResults and nextToken cannot be used with repositoryNames")
		}
		for _, n := range in.RepositoryNames {
			if err := validateRepoName(n); err != nil {
				return nil, err
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []types.Repository
		var firstErr error
		seen := map[string]bool{}
		for _, n := range in.RepositoryNames {
			if seen[n] {
				continue
			}
			seen[n] = true
			r, err := f.lookup(n)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			out = append(out, *f.toRepository(r))
		}
		if firstErr != nil {
			return nil, firstErr
		}
		return &ecr.DescribeRepositoriesOutput{Repositories: out}, nil
	}

	limit, after, err := pageArgs("repos", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecr.DescribeRepositoriesOutput{Repositories: []types.Repository{}}
	var last int64
	for _, r := range f.sortedRepos() {
		if r.seq <= after {
			continue
		}
		if len(out.Repositories) == limit {
			out.NextToken = aws.String(makeToken("repos", last))
			break
		}
		out.Repositories = append(out.Repositories, *f.toRepository(r))
		last = r.seq
	}
	return out, nil
}

// DeleteRepository deletes a repository; with images it needs Force.
func (f *Fake) DeleteRepository(ctx context.Context, in *ecr.DeleteRepositoryInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error) {
	name, err := f.repoCall(ctx, "DeleteRepository", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.repos[name]
	if !ok {
		return nil, f.repoNotFound(name)
	}
	if len(r.images) > 0 && !in.Force {
		return nil, &types.RepositoryNotEmptyException{Message: aws.String(fmt.Sprintf(
			"The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", name, f.account))}
	}
	delete(f.repos, name)
	return &ecr.DeleteRepositoryOutput{Repository: f.toRepository(r)}, nil
}

// PutImageTagMutability sets the tag mutability and exclusion filters.
func (f *Fake) PutImageTagMutability(ctx context.Context, in *ecr.PutImageTagMutabilityInput, optFns ...func(*ecr.Options)) (*ecr.PutImageTagMutabilityOutput, error) {
	name, err := f.repoCall(ctx, "PutImageTagMutability", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.ImageTagMutability == "" {
		return nil, paramRequired("PutImageTagMutabilityInput", "ImageTagMutability")
	}
	filters, err := validateMutability(in.ImageTagMutability, in.ImageTagMutabilityExclusionFilters)
	if err != nil {
		return nil, err
	}
	return withRepo(f, name, func(r *repo) (*ecr.PutImageTagMutabilityOutput, error) {
		r.mutability = in.ImageTagMutability
		r.filters = filters
		return &ecr.PutImageTagMutabilityOutput{
			ImageTagMutability:                 r.mutability,
			ImageTagMutabilityExclusionFilters: f.toRepository(r).ImageTagMutabilityExclusionFilters,
			RegistryId:                         aws.String(f.account),
			RepositoryName:                     aws.String(name),
		}, nil
	})
}

// PutImageScanningConfiguration sets scanOnPush.
func (f *Fake) PutImageScanningConfiguration(ctx context.Context, in *ecr.PutImageScanningConfigurationInput, optFns ...func(*ecr.Options)) (*ecr.PutImageScanningConfigurationOutput, error) {
	name, err := f.repoCall(ctx, "PutImageScanningConfiguration", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.ImageScanningConfiguration == nil {
		return nil, paramRequired("PutImageScanningConfigurationInput", "ImageScanningConfiguration")
	}
	return withRepo(f, name, func(r *repo) (*ecr.PutImageScanningConfigurationOutput, error) {
		r.scanOnPush = in.ImageScanningConfiguration.ScanOnPush
		return &ecr.PutImageScanningConfigurationOutput{
			ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: r.scanOnPush},
			RegistryId:                 aws.String(f.account),
			RepositoryName:             aws.String(name),
		}, nil
	})
}

// DescribeRegistry returns the registry id and the replication
// configuration (no rules until PutReplicationConfiguration).
func (f *Fake) DescribeRegistry(ctx context.Context, in *ecr.DescribeRegistryInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRegistryOutput, error) {
	if err := f.begin(ctx, "DescribeRegistry"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return &ecr.DescribeRegistryOutput{
		RegistryId:               aws.String(f.account),
		ReplicationConfiguration: &types.ReplicationConfiguration{Rules: copyReplicationRules(f.replication)},
	}, nil
}

// GetAuthorizationToken returns a base64 "AWS:<password>" token valid for 12
// hours, one per requested registry (default: this one).
func (f *Fake) GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	if err := f.begin(ctx, "GetAuthorizationToken"); err != nil {
		return nil, err
	}
	ids := in.RegistryIds //nolint:staticcheck // deprecated but still sent by old clients; the fake answers it
	if len(ids) == 0 {
		ids = []string{f.account}
	}
	f.mu.Lock()
	now := f.clock()
	f.mu.Unlock()
	out := &ecr.GetAuthorizationTokenOutput{}
	for _, id := range ids {
		if !registryIDRE.MatchString(id) {
			return nil, invalidParam("Invalid parameter at 'registryIds' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''")
		}
		tok := base64.StdEncoding.EncodeToString([]byte("AWS:ecrfake-password-" + id + "-" + strconv.FormatInt(now.Unix(), 10)))
		out.AuthorizationData = append(out.AuthorizationData, types.AuthorizationData{
			AuthorizationToken: aws.String(tok),
			ExpiresAt:          aws.Time(now.Add(12 * time.Hour)),
			ProxyEndpoint:      aws.String(fmt.Sprintf("https://%s.dkr.ecr.%s.amazonaws.com", id, f.region)),
		})
	}
	return out, nil
}

var filterRE = regexp.MustCompile(`^[0-9a-zA-Z._*-]{1,128}$`)

// validateMutability checks a mutability value and its exclusion filters and
// returns the filter strings to store.
func validateMutability(m types.ImageTagMutability, filters []types.ImageTagMutabilityExclusionFilter) ([]string, error) {
	withExclusion := false
	switch m {
	case types.ImageTagMutabilityMutable, types.ImageTagMutabilityImmutable:
	case types.ImageTagMutabilityMutableWithExclusion, types.ImageTagMutabilityImmutableWithExclusion:
		withExclusion = true
	default:
		return nil, invalidParam("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]'")
	}
	if !withExclusion {
		if len(filters) > 0 {
			return nil, invalidParam("imageTagMutabilityExclusionFilters can only be specified with imageTagMutability %s or %s",
				types.ImageTagMutabilityMutableWithExclusion, types.ImageTagMutabilityImmutableWithExclusion)
		}
		return nil, nil
	}
	if len(filters) < 1 || len(filters) > 5 {
		return nil, invalidParam("imageTagMutability %s requires between 1 and 5 imageTagMutabilityExclusionFilters", m)
	}
	out := make([]string, 0, len(filters))
	for _, flt := range filters {
		if flt.Filter == nil {
			return nil, paramRequired("ImageTagMutabilityExclusionFilter", "Filter")
		}
		if flt.FilterType == "" {
			return nil, paramRequired("ImageTagMutabilityExclusionFilter", "FilterType")
		}
		if flt.FilterType != types.ImageTagMutabilityExclusionFilterTypeWildcard {
			return nil, invalidParam("Invalid parameter at 'filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [WILDCARD]'")
		}
		if !filterRE.MatchString(*flt.Filter) {
			return nil, invalidParam("Invalid parameter at 'filter' failed to satisfy constraint: 'must satisfy regular expression '^[0-9a-zA-Z._*-]{1,128}$''")
		}
		out = append(out, *flt.Filter)
	}
	return out, nil
}

var keyIDRE = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$`)
var kmsARNRE = regexp.MustCompile(`^arn:(aws[a-z-]*):kms:([a-z0-9-]+):([0-9]{12}):(key|alias)/(.+)$`)

func trimAlias(a string) string { return strings.TrimPrefix(a, "alias/") }

// resolveEncryption validates an encryption configuration and returns the
// type and the key ARN to store. Caller holds f.mu.
func (f *Fake) resolveEncryption(ec *types.EncryptionConfiguration) (types.EncryptionType, string, error) {
	if ec == nil {
		return types.EncryptionTypeAes256, "", nil
	}
	key := aws.ToString(ec.KmsKey)
	switch ec.EncryptionType {
	case "":
		return "", "", paramRequired("EncryptionConfiguration", "EncryptionType")
	case types.EncryptionTypeAes256:
		if key != "" {
			return "", "", invalidParam("Invalid parameter: kmsKey can only be specified when encryptionType is KMS or KMS_DSSE")
		}
		return types.EncryptionTypeAes256, "", nil
	case types.EncryptionTypeKms, types.EncryptionTypeKmsDsse:
	default:
		return "", "", invalidParam("Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'")
	}
	arn, err := f.resolveKey(key)
	if err != nil {
		return "", "", err
	}
	return ec.EncryptionType, arn, nil
}

func (f *Fake) keyARN(region, account, id string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, id)
}

func (f *Fake) resolveKey(key string) (string, error) {
	kmsNotFound := func() error {
		return &types.KmsException{
			Message:  aws.String(fmt.Sprintf("Failed to find the KMS key '%s'", key)),
			KmsError: aws.String("NotFoundException"),
		}
	}
	alias := func(name string) (string, error) {
		id, ok := f.kmsAliases[name]
		if !ok {
			return "", kmsNotFound()
		}
		return f.keyARN(f.region, f.account, id), nil
	}
	switch {
	case key == "":
		return alias("aws/ecr")
	case strings.HasPrefix(key, "arn:"):
		m := kmsARNRE.FindStringSubmatch(key)
		if m == nil {
			return "", kmsNotFound()
		}
		if m[4] == "key" {
			return key, nil
		}
		if m[2] != f.region || m[3] != f.account {
			return "", kmsNotFound()
		}
		return alias(m[5])
	case strings.HasPrefix(key, "alias/"):
		return alias(trimAlias(key))
	case keyIDRE.MatchString(key):
		return f.keyARN(f.region, f.account, key), nil
	}
	return "", kmsNotFound()
}

// pageArgs validates the paging members of a listing call: MaxResults (1 to
// 1000, default 100), then a NextToken of this kind. It returns the page size
// and the sequence number to continue after.
func pageArgs(kind string, maxResults *int32, token *string) (int, int64, error) {
	limit := 100
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 1000 {
			return 0, 0, invalidParam("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000 inclusive'")
		}
		limit = int(*maxResults)
	}
	after, err := parseToken(kind, token)
	return limit, after, err
}

// Page tokens are opaque to callers: base64 of "ecrfake:<kind>:<sequence>",
// where sequence is that of the last item returned.
func makeToken(kind string, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ecrfake:" + kind + ":" + strconv.FormatInt(seq, 10)))
}

func parseToken(kind string, tok *string) (int64, error) {
	if tok == nil {
		return 0, nil
	}
	bad := invalidParam("Invalid parameter at 'nextToken': the token is not valid")
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil {
		return 0, bad
	}
	rest, ok := strings.CutPrefix(string(raw), "ecrfake:"+kind+":")
	if !ok {
		return 0, bad
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 {
		return 0, bad
	}
	return n, nil
}
