package ecrfake

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Repository creation templates, keyed by prefix (or ROOT).

// templateKeyRE is KmsKeyForRepositoryCreationTemplate's pattern in the
// service model: a key ARN, never an alias or a bare key id.
var templateKeyRE = regexp.MustCompile(`^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+$`)

type template struct {
	seq                  int64
	prefix               string
	appliedFor           []types.RCTAppliedFor
	description          *string
	mutability           types.ImageTagMutability
	filters              []string
	encType              types.EncryptionType
	kmsKey               *string
	lifecycle, policy    *string // as stored (normalised like a repository's)
	tags                 []types.Tag
	customRoleArn        *string
	createdAt, updatedAt time.Time
}

// templateSettings is what Create and Update both carry.
type templateSettings struct {
	appliedFor      []types.RCTAppliedFor
	description     *string
	mutability      types.ImageTagMutability
	filters         []types.ImageTagMutabilityExclusionFilter
	encryption      *types.EncryptionConfigurationForRepositoryCreationTemplate
	lifecycle       *string
	policy          *string
	tags            []types.Tag
	customRoleArn   *string
	appliedRequired bool
}

func (f *Fake) templateNotFound(prefix string) error {
	return &types.TemplateNotFoundException{Message: aws.String(fmt.Sprintf(
		"The repository creation template with prefix '%s' does not exist in the registry with id '%s'", prefix, f.account))}
}

func templatePrefix(op string, p *string) (string, error) {
	if p == nil {
		return "", paramRequired(op+"Input", "Prefix")
	}
	if n := len(*p); n < 1 || n > 256 {
		return "", invalidParam("Invalid parameter at 'prefix' failed to satisfy constraint: 'Member must have length between 1 and 256 inclusive'")
	}
	if !ptcPrefixRE.MatchString(*p) {
		return "", invalidParam("Invalid parameter at 'prefix' failed to satisfy constraint: 'must satisfy regular expression '%s''", ptcPrefixRE.String())
	}
	return strings.TrimSuffix(*p, "/"), nil
}

// templateCall is the prologue of an operation on the template that prefix
// names: begin, then validation. It returns the template's key.
func (f *Fake) templateCall(ctx context.Context, op string, prefix *string) (string, error) {
	if err := f.begin(ctx, op, aws.ToString(prefix)); err != nil {
		return "", err
	}
	return templatePrefix(op, prefix)
}

// validate checks the settings and fills t with them. Text fields given as
// "" count as not set.
func (s templateSettings) validate(op string, t *template) error {
	if s.appliedRequired && s.appliedFor == nil {
		return paramRequired(op+"Input", "AppliedFor")
	}
	if s.appliedFor != nil {
		if len(s.appliedFor) == 0 {
			return invalidParam("Invalid parameter at 'appliedFor' failed to satisfy constraint: 'Member must have length greater than or equal to 1'")
		}
		var applied []types.RCTAppliedFor
		for _, a := range s.appliedFor {
			if !contains(enumStrings(types.RCTAppliedFor("").Values()), string(a)) {
				return invalidParam("Invalid parameter at 'appliedFor' failed to satisfy constraint: 'Member must satisfy enum value set: [REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH]'")
			}
			if !contains(enumStrings(applied), string(a)) {
				applied = append(applied, a)
			}
		}
		t.appliedFor = applied
	}
	t.description = nil
	if d := aws.ToString(s.description); d != "" {
		if utf8.RuneCountInString(d) > 256 {
			return invalidParam("Invalid parameter at 'description' failed to satisfy constraint: 'Member must have length less than or equal to 256'")
		}
		t.description = aws.String(d)
	}
	t.mutability = s.mutability
	if t.mutability == "" {
		t.mutability = types.ImageTagMutabilityMutable
	}
	filters, err := validateMutability(t.mutability, s.filters)
	if err != nil {
		return err
	}
	t.filters = filters
	t.encType, t.kmsKey = types.EncryptionTypeAes256, nil
	if e := s.encryption; e != nil {
		switch e.EncryptionType {
		case "":
			return paramRequired("EncryptionConfigurationForRepositoryCreationTemplate", "EncryptionType")
		case types.EncryptionTypeAes256:
			if aws.ToString(e.KmsKey) != "" {
				return invalidParam("Invalid parameter: kmsKey can only be specified when encryptionType is KMS or KMS_DSSE")
			}
		case types.EncryptionTypeKms, types.EncryptionTypeKmsDsse:
			if k := aws.ToString(e.KmsKey); k != "" && !templateKeyRE.MatchString(k) {
				return invalidParam("Invalid parameter at 'kmsKey': the full ARN of a KMS key must be specified, not '%s'", k)
			}
		default:
			return invalidParam("Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'")
		}
		t.encType = e.EncryptionType
		if aws.ToString(e.KmsKey) != "" {
			t.kmsKey = copyStr(e.KmsKey)
		}
	}
	t.lifecycle = nil
	if l := aws.ToString(s.lifecycle); l != "" {
		stored, err := normalizeLifecycle(l)
		if err != nil {
			return err
		}
		t.lifecycle = aws.String(stored)
	}
	t.policy = nil
	if p := aws.ToString(s.policy); p != "" {
		stored, err := normalizeRepoPolicy(p)
		if err != nil {
			return err
		}
		t.policy = aws.String(stored)
	}
	tags, err := validateTags(s.tags)
	if err != nil {
		return err
	}
	if len(tags) > maxTags {
		return tooManyTags()
	}
	t.tags = []types.Tag{}
	for _, tg := range s.tags {
		t.tags = append(t.tags, types.Tag{Key: copyStr(tg.Key), Value: copyStr(tg.Value)})
	}
	if err := checkRoleArn("customRoleArn", s.customRoleArn); err != nil {
		return err
	}
	t.customRoleArn = copyStr(s.customRoleArn)
	if t.customRoleArn == nil && (len(t.tags) > 0 || t.kmsKey != nil) {
		return validationError("A customRoleArn is required when the template sets resourceTags or a customer KMS key: ECR assumes that role to tag or encrypt the repositories it creates")
	}
	return nil
}

func (f *Fake) toTemplate(t *template) *types.RepositoryCreationTemplate {
	out := &types.RepositoryCreationTemplate{
		AppliedFor:              append([]types.RCTAppliedFor(nil), t.appliedFor...),
		CreatedAt:               aws.Time(t.createdAt),
		UpdatedAt:               aws.Time(t.updatedAt),
		CustomRoleArn:           copyStr(t.customRoleArn),
		Description:             copyStr(t.description),
		EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: t.encType, KmsKey: copyStr(t.kmsKey)},
		ImageTagMutability:      t.mutability,
		LifecyclePolicy:         copyStr(t.lifecycle),
		Prefix:                  aws.String(t.prefix),
		RepositoryPolicy:        copyStr(t.policy),
		ResourceTags:            []types.Tag{},
	}
	for _, flt := range t.filters {
		out.ImageTagMutabilityExclusionFilters = append(out.ImageTagMutabilityExclusionFilters,
			types.ImageTagMutabilityExclusionFilter{Filter: aws.String(flt), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
	}
	for _, tg := range t.tags {
		out.ResourceTags = append(out.ResourceTags, types.Tag{Key: copyStr(tg.Key), Value: copyStr(tg.Value)})
	}
	return out
}

// CreateRepositoryCreationTemplate creates a template. appliedFor is
// required (REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH); the repository
// settings are validated as for CreateRepository (tag mutability and its
// filters, tags) except that a KMS key must be a full key ARN; lifecycle and
// repository policy text is stored normalised as for a repository; a
// template that sets resourceTags or a customer KMS key needs a
// customRoleArn (the AWS-managed key needs none).
// Omitted settings are ECR's repository defaults (MUTABLE, AES256).
func (f *Fake) CreateRepositoryCreationTemplate(ctx context.Context, in *ecr.CreateRepositoryCreationTemplateInput, optFns ...func(*ecr.Options)) (*ecr.CreateRepositoryCreationTemplateOutput, error) {
	prefix, err := f.templateCall(ctx, "CreateRepositoryCreationTemplate", in.Prefix)
	if err != nil {
		return nil, err
	}
	t := &template{prefix: prefix}
	err = templateSettings{
		appliedFor: in.AppliedFor, description: in.Description, mutability: in.ImageTagMutability,
		filters: in.ImageTagMutabilityExclusionFilters, encryption: in.EncryptionConfiguration,
		lifecycle: in.LifecyclePolicy, policy: in.RepositoryPolicy, tags: in.ResourceTags,
		customRoleArn: in.CustomRoleArn, appliedRequired: true,
	}.validate("CreateRepositoryCreationTemplate", t)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.templates[prefix]; ok {
		return nil, &types.TemplateAlreadyExistsException{Message: aws.String(fmt.Sprintf(
			"A repository creation template with prefix '%s' already exists in the registry with id '%s'", prefix, f.account))}
	}
	f.seq++
	t.seq = f.seq
	t.createdAt = f.clock()
	t.updatedAt = t.createdAt
	f.templates[prefix] = t
	return &ecr.CreateRepositoryCreationTemplateOutput{RegistryId: aws.String(f.account), RepositoryCreationTemplate: f.toTemplate(t)}, nil
}

// UpdateRepositoryCreationTemplate replaces a template's settings with the
// ones given: an omitted setting goes back to its default (no description,
// MUTABLE, AES256, no policies, no tags, no role), except appliedFor, which
// stays when omitted. So an update sends the whole template, which is also
// right if ECR merges instead. TemplateNotFoundException for an unknown
// prefix.
func (f *Fake) UpdateRepositoryCreationTemplate(ctx context.Context, in *ecr.UpdateRepositoryCreationTemplateInput, optFns ...func(*ecr.Options)) (*ecr.UpdateRepositoryCreationTemplateOutput, error) {
	prefix, err := f.templateCall(ctx, "UpdateRepositoryCreationTemplate", in.Prefix)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.templates[prefix]
	if !ok {
		return nil, f.templateNotFound(prefix)
	}
	t := &template{seq: old.seq, prefix: prefix, appliedFor: old.appliedFor, createdAt: old.createdAt}
	err = templateSettings{
		appliedFor: in.AppliedFor, description: in.Description, mutability: in.ImageTagMutability,
		filters: in.ImageTagMutabilityExclusionFilters, encryption: in.EncryptionConfiguration,
		lifecycle: in.LifecyclePolicy, policy: in.RepositoryPolicy, tags: in.ResourceTags,
		customRoleArn: in.CustomRoleArn,
	}.validate("UpdateRepositoryCreationTemplate", t)
	if err != nil {
		return nil, err
	}
	t.updatedAt = f.clock()
	f.templates[prefix] = t
	return &ecr.UpdateRepositoryCreationTemplateOutput{RegistryId: aws.String(f.account), RepositoryCreationTemplate: f.toTemplate(t)}, nil
}

// DeleteRepositoryCreationTemplate deletes a template and returns it, or
// TemplateNotFoundException.
func (f *Fake) DeleteRepositoryCreationTemplate(ctx context.Context, in *ecr.DeleteRepositoryCreationTemplateInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRepositoryCreationTemplateOutput, error) {
	prefix, err := f.templateCall(ctx, "DeleteRepositoryCreationTemplate", in.Prefix)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.templates[prefix]
	if !ok {
		return nil, f.templateNotFound(prefix)
	}
	delete(f.templates, prefix)
	return &ecr.DeleteRepositoryCreationTemplateOutput{RegistryId: aws.String(f.account), RepositoryCreationTemplate: f.toTemplate(t)}, nil
}

// DescribeRepositoryCreationTemplates lists templates in creation order, at
// most registryPageSize a page, or only the given prefixes (unknown ones are
// left out, not an error).
func (f *Fake) DescribeRepositoryCreationTemplates(ctx context.Context, in *ecr.DescribeRepositoryCreationTemplatesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoryCreationTemplatesOutput, error) {
	if err := f.begin(ctx, "DescribeRepositoryCreationTemplates", in.Prefixes...); err != nil {
		return nil, err
	}
	limit, after, err := pageArgs("templates", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for i := range in.Prefixes {
		p, err := templatePrefix("DescribeRepositoryCreationTemplates", &in.Prefixes[i])
		if err != nil {
			return nil, err
		}
		want[p] = true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecr.DescribeRepositoryCreationTemplatesOutput{
		RegistryId:                  aws.String(f.account),
		RepositoryCreationTemplates: []types.RepositoryCreationTemplate{},
	}
	var last int64
	for _, t := range sortedBySeq(f.templates, func(t *template) int64 { return t.seq }) {
		if t.seq <= after || (len(want) > 0 && !want[t.prefix]) {
			continue
		}
		if len(out.RepositoryCreationTemplates) == min(limit, registryPageSize) {
			out.NextToken = aws.String(makeToken("templates", last))
			break
		}
		out.RepositoryCreationTemplates = append(out.RepositoryCreationTemplates, *f.toTemplate(t))
		last = t.seq
	}
	return out, nil
}
