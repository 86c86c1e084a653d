package ecrfake_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

var pullThrough = []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache}

func TestCreationTemplateLifecycle(t *testing.T) {
	f := ecrfake.New()
	out, err := f.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{
		Prefix:     aws.String("docker-hub/"),
		AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache, types.RCTAppliedForReplication, types.RCTAppliedForPullThroughCache},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Omitted settings come back as ECR's repository defaults.
	tm := out.RepositoryCreationTemplate
	if aws.ToString(tm.Prefix) != "docker-hub" || fmt.Sprint(tm.AppliedFor) != "[PULL_THROUGH_CACHE REPLICATION]" ||
		tm.ImageTagMutability != types.ImageTagMutabilityMutable || tm.EncryptionConfiguration.EncryptionType != types.EncryptionTypeAes256 ||
		tm.LifecyclePolicy != nil || tm.RepositoryPolicy != nil || tm.Description != nil || len(tm.ResourceTags) != 0 {
		t.Errorf("created template = %+v", tm)
	}
	_, err = f.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("docker-hub"), AppliedFor: pullThrough})
	_ = wantErr[*types.TemplateAlreadyExistsException](t, err)

	// Update with every setting: policies are stored as ECR stores a
	// repository's (lifecycle compacted and sorted, repository policy
	// reformatted).
	kmsKey := "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	up, err := f.UpdateRepositoryCreationTemplate(ctx, &ecr.UpdateRepositoryCreationTemplateInput{
		Prefix:                             aws.String("docker-hub"),
		Description:                        aws.String("cached images"),
		ImageTagMutability:                 types.ImageTagMutabilityImmutableWithExclusion,
		ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{{Filter: aws.String("latest"), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard}},
		EncryptionConfiguration:            &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String(kmsKey)},
		LifecyclePolicy:                    aws.String(lifecycleIn),
		RepositoryPolicy:                   aws.String(policyIn),
		ResourceTags:                       []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
		CustomRoleArn:                      aws.String(roleARN),
	})
	if err != nil {
		t.Fatal(err)
	}
	tm = up.RepositoryCreationTemplate
	if aws.ToString(tm.LifecyclePolicy) != lifecycleOut || aws.ToString(tm.RepositoryPolicy) != policyOut ||
		aws.ToString(tm.Description) != "cached images" || aws.ToString(tm.EncryptionConfiguration.KmsKey) != kmsKey ||
		len(tm.ImageTagMutabilityExclusionFilters) != 1 || len(tm.ResourceTags) != 1 || fmt.Sprint(tm.AppliedFor) != "[PULL_THROUGH_CACHE REPLICATION]" {
		t.Errorf("updated template = %+v", tm)
	}
	desc, err := f.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{Prefixes: []string{"docker-hub", "unknown"}})
	if err != nil || len(desc.RepositoryCreationTemplates) != 1 || aws.ToString(desc.RepositoryCreationTemplates[0].RepositoryPolicy) != policyOut {
		t.Fatalf("describe = %+v, %v; want the one template, unknown prefixes left out", desc, err)
	}

	// Update replaces: what it omits goes back to the default, appliedFor
	// excepted.
	up, err = f.UpdateRepositoryCreationTemplate(ctx, &ecr.UpdateRepositoryCreationTemplateInput{Prefix: aws.String("docker-hub"), Description: aws.String("only this")})
	if err != nil {
		t.Fatal(err)
	}
	tm = up.RepositoryCreationTemplate
	if tm.LifecyclePolicy != nil || tm.RepositoryPolicy != nil || len(tm.ResourceTags) != 0 || tm.CustomRoleArn != nil ||
		tm.EncryptionConfiguration.EncryptionType != types.EncryptionTypeAes256 || tm.ImageTagMutability != types.ImageTagMutabilityMutable ||
		fmt.Sprint(tm.AppliedFor) != "[PULL_THROUGH_CACHE REPLICATION]" {
		t.Errorf("after a partial update = %+v", tm)
	}

	_, err = f.UpdateRepositoryCreationTemplate(ctx, &ecr.UpdateRepositoryCreationTemplateInput{Prefix: aws.String("nope")})
	_ = wantErr[*types.TemplateNotFoundException](t, err)
	del, err := f.DeleteRepositoryCreationTemplate(ctx, &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String("docker-hub")})
	if err != nil || aws.ToString(del.RepositoryCreationTemplate.Description) != "only this" {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = f.DeleteRepositoryCreationTemplate(ctx, &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String("docker-hub")})
	_ = wantErr[*types.TemplateNotFoundException](t, err)
	if f.Writes() != 7 {
		t.Errorf("Writes = %d, want every create, update and delete, failed ones too (7)", f.Writes())
	}
}

func TestCreationTemplateValidation(t *testing.T) {
	kms := &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeKms}
	tag := []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	tests := []struct {
		name  string
		in    ecr.CreateRepositoryCreationTemplateInput
		check func(*testing.T, error)
	}{
		{"ROOT", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("ROOT"), AppliedFor: pullThrough}, noErr},
		{"no prefix", ecr.CreateRepositoryCreationTemplateInput{AppliedFor: pullThrough}, isErr[smithy.InvalidParamsError]},
		{"bad prefix", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("Team/"), AppliedFor: pullThrough}, isErr[*types.InvalidParameterException]},
		{"root in lower case", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("root"), AppliedFor: pullThrough}, noErr},
		{"no appliedFor", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a")}, isErr[smithy.InvalidParamsError]},
		{"empty appliedFor", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: []types.RCTAppliedFor{}}, isErr[*types.InvalidParameterException]},
		{"unknown appliedFor", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: []types.RCTAppliedFor{"ON_PULL"}}, isErr[*types.InvalidParameterException]},
		{"every appliedFor", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: types.RCTAppliedFor("").Values()}, noErr},
		{"long description", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, Description: aws.String(strings.Repeat("d", 257))}, isErr[*types.InvalidParameterException]},
		{"tags without role", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, ResourceTags: tag}, isErr[*types.ValidationException]},
		{"AWS-managed KMS key without role", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, EncryptionConfiguration: kms}, noErr},
		{"customer KMS key without role", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough,
			EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeKmsDsse,
				KmsKey: aws.String("arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")}}, isErr[*types.ValidationException]},
		{"prefix with __ and --", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("team__a--b/c"), AppliedFor: pullThrough}, noErr},
		{"tags with role", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, ResourceTags: tag, EncryptionConfiguration: kms,
			CustomRoleArn: aws.String(roleARN)}, noErr},
		{"KMS key by alias", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, CustomRoleArn: aws.String(roleARN),
			EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String("alias/team")}}, isErr[*types.InvalidParameterException]},
		{"AES256 with a key", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough,
			EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeAes256, KmsKey: aws.String("arn:aws:kms:us-west-2:123456789012:key/x")}}, isErr[*types.InvalidParameterException]},
		{"exclusion filters with MUTABLE", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough,
			ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{{Filter: aws.String("x"), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard}}}, isErr[*types.InvalidParameterException]},
		{"bad lifecycle policy", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, LifecyclePolicy: aws.String(`{"rules":[]}` + strings.Repeat(" ", 100))}, isErr[*types.InvalidParameterException]},
		{"repository policy with Resource", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough,
			RepositoryPolicy: aws.String(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Resource":"*"}]}`)}, isErr[*types.InvalidParameterException]},
		{"reserved tag", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, CustomRoleArn: aws.String(roleARN),
			ResourceTags: []types.Tag{{Key: aws.String("aws:team"), Value: aws.String("a")}}}, isErr[*types.InvalidTagParameterException]},
		{"bad role", ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("a"), AppliedFor: pullThrough, CustomRoleArn: aws.String("role/x")}, isErr[*types.InvalidParameterException]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ecrfake.New().CreateRepositoryCreationTemplate(ctx, &tc.in)
			tc.check(t, err)
		})
	}
}

func TestCreationTemplatesPage(t *testing.T) {
	f := ecrfake.New()
	for i := range 5 {
		if _, err := f.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String(fmt.Sprintf("p%d", i)), AppliedFor: pullThrough}); err != nil {
			t.Fatal(err)
		}
	}
	p := ecr.NewDescribeRepositoryCreationTemplatesPaginator(f, &ecr.DescribeRepositoryCreationTemplatesInput{})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tm := range page.RepositoryCreationTemplates {
			got = append(got, aws.ToString(tm.Prefix))
		}
	}
	if pages != 3 || fmt.Sprint(got) != "[p0 p1 p2 p3 p4]" {
		t.Errorf("%d pages of %v; want 3 pages (2 a page) in creation order", pages, got)
	}
	_, err := f.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{NextToken: aws.String("garbage")})
	_ = wantErr[*types.InvalidParameterException](t, err)
}
