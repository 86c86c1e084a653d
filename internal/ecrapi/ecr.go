// Package ecrapi is ecrctl's access to AWS ECR: the client interfaces (the
// SDK's exact signatures, so *ecr.Client and the in-memory fake both satisfy
// them), client construction with its retryer, typed errors that say what to
// do (OpError), and the read helpers every command shares. It knows nothing
// of specs, plans or renderers: the engine (internal/reconcile) and the
// other commands build on it.
package ecrapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// API is every call any ecrctl command makes: what the command factory
// returns, so no command has to ask at run time whether its client can do
// more than another command's. Each package still names the narrower
// interface it uses (status.API, registryauth.TokenAPI, ECR, Reader).
type API interface {
	ECR
	PreviewAPI
	KeyResolver
	DescribeImageScanFindings(context.Context, *ecr.DescribeImageScanFindingsInput, ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error)
	GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// ECR is the part of the ECR client that plan and apply use, with the SDK's
// exact signatures so that *ecr.Client and the in-memory fake both satisfy it.
type ECR interface {
	Reader
	Writer
}

// Reader is ECR's read calls that the engine and the other commands share.
type Reader interface {
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	DescribeRegistry(context.Context, *ecr.DescribeRegistryInput, ...func(*ecr.Options)) (*ecr.DescribeRegistryOutput, error)
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	ListTagsForResource(context.Context, *ecr.ListTagsForResourceInput, ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error)
	GetLifecyclePolicy(context.Context, *ecr.GetLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
	GetRepositoryPolicy(context.Context, *ecr.GetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error)
	// Registry-level reads (registry: section, status); DescribeRegistry
	// above also carries the replication configuration.
	GetRegistryScanningConfiguration(context.Context, *ecr.GetRegistryScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.GetRegistryScanningConfigurationOutput, error)
	GetRegistryPolicy(context.Context, *ecr.GetRegistryPolicyInput, ...func(*ecr.Options)) (*ecr.GetRegistryPolicyOutput, error)
	DescribePullThroughCacheRules(context.Context, *ecr.DescribePullThroughCacheRulesInput, ...func(*ecr.Options)) (*ecr.DescribePullThroughCacheRulesOutput, error)
	DescribeRepositoryCreationTemplates(context.Context, *ecr.DescribeRepositoryCreationTemplatesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoryCreationTemplatesOutput, error)
	BatchGetRepositoryScanningConfiguration(context.Context, *ecr.BatchGetRepositoryScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.BatchGetRepositoryScanningConfigurationOutput, error)
}

// Writer is ECR's write calls that apply makes.
type Writer interface {
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	DeleteRepository(context.Context, *ecr.DeleteRepositoryInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error)
	PutImageTagMutability(context.Context, *ecr.PutImageTagMutabilityInput, ...func(*ecr.Options)) (*ecr.PutImageTagMutabilityOutput, error)
	PutImageScanningConfiguration(context.Context, *ecr.PutImageScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.PutImageScanningConfigurationOutput, error)
	TagResource(context.Context, *ecr.TagResourceInput, ...func(*ecr.Options)) (*ecr.TagResourceOutput, error)
	UntagResource(context.Context, *ecr.UntagResourceInput, ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error)
	PutLifecyclePolicy(context.Context, *ecr.PutLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error)
	DeleteLifecyclePolicy(context.Context, *ecr.DeleteLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error)
	SetRepositoryPolicy(context.Context, *ecr.SetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(context.Context, *ecr.DeleteRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error)
	// Registry-level writes (registry: section).
	PutRegistryScanningConfiguration(context.Context, *ecr.PutRegistryScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.PutRegistryScanningConfigurationOutput, error)
	PutReplicationConfiguration(context.Context, *ecr.PutReplicationConfigurationInput, ...func(*ecr.Options)) (*ecr.PutReplicationConfigurationOutput, error)
	PutRegistryPolicy(context.Context, *ecr.PutRegistryPolicyInput, ...func(*ecr.Options)) (*ecr.PutRegistryPolicyOutput, error)
	DeleteRegistryPolicy(context.Context, *ecr.DeleteRegistryPolicyInput, ...func(*ecr.Options)) (*ecr.DeleteRegistryPolicyOutput, error)
	CreatePullThroughCacheRule(context.Context, *ecr.CreatePullThroughCacheRuleInput, ...func(*ecr.Options)) (*ecr.CreatePullThroughCacheRuleOutput, error)
	UpdatePullThroughCacheRule(context.Context, *ecr.UpdatePullThroughCacheRuleInput, ...func(*ecr.Options)) (*ecr.UpdatePullThroughCacheRuleOutput, error)
	DeletePullThroughCacheRule(context.Context, *ecr.DeletePullThroughCacheRuleInput, ...func(*ecr.Options)) (*ecr.DeletePullThroughCacheRuleOutput, error)
	CreateRepositoryCreationTemplate(context.Context, *ecr.CreateRepositoryCreationTemplateInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryCreationTemplateOutput, error)
	UpdateRepositoryCreationTemplate(context.Context, *ecr.UpdateRepositoryCreationTemplateInput, ...func(*ecr.Options)) (*ecr.UpdateRepositoryCreationTemplateOutput, error)
	DeleteRepositoryCreationTemplate(context.Context, *ecr.DeleteRepositoryCreationTemplateInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryCreationTemplateOutput, error)
}

var _ ECR = (*ecr.Client)(nil)

// PreviewAPI is ECR's lifecycle policy preview: an asynchronous job, one at a
// time per repository. Not every endpoint has it (moto does not).
type PreviewAPI interface {
	StartLifecyclePolicyPreview(context.Context, *ecr.StartLifecyclePolicyPreviewInput, ...func(*ecr.Options)) (*ecr.StartLifecyclePolicyPreviewOutput, error)
	GetLifecyclePolicyPreview(context.Context, *ecr.GetLifecyclePolicyPreviewInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyPreviewOutput, error)
}

var _ PreviewAPI = (*ecr.Client)(nil)

// KeyResolver is the one KMS call ecrctl makes: turning a key alias into the
// key ARN that ECR reports, so an alias compares as the key it names.
type KeyResolver interface {
	DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}
