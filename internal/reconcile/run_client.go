package reconcile

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

// limitedClient is one registry's client in a run of several: every call
// first takes a slot of the run's FairLimiter, so --parallelism bounds the
// calls of the whole run while each registry's Read and Apply keep their own
// worker pools unchanged. TestLimitedClientWrapsEveryCall fails when a
// method of ecrapi.API reaches the embedded client without a slot.
type limitedClient struct {
	ecrapi.API
	lim      *FairLimiter
	registry int
}

var _ ecrapi.API = (*limitedClient)(nil)

// DescribeKey is KMS, not ECR, but a call all the same.
func (c *limitedClient) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, opts ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribeKey(ctx, in, opts...)
}

func (c *limitedClient) DescribeRepositories(ctx context.Context, in *ecr.DescribeRepositoriesInput, opts ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribeRepositories(ctx, in, opts...)
}

func (c *limitedClient) DescribeRegistry(ctx context.Context, in *ecr.DescribeRegistryInput, opts ...func(*ecr.Options)) (*ecr.DescribeRegistryOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribeRegistry(ctx, in, opts...)
}

func (c *limitedClient) DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, opts ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribeImages(ctx, in, opts...)
}

func (c *limitedClient) ListTagsForResource(ctx context.Context, in *ecr.ListTagsForResourceInput, opts ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.ListTagsForResource(ctx, in, opts...)
}

func (c *limitedClient) GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, opts ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.GetLifecyclePolicy(ctx, in, opts...)
}

func (c *limitedClient) GetRepositoryPolicy(ctx context.Context, in *ecr.GetRepositoryPolicyInput, opts ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.GetRepositoryPolicy(ctx, in, opts...)
}

func (c *limitedClient) CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, opts ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.CreateRepository(ctx, in, opts...)
}

func (c *limitedClient) DeleteRepository(ctx context.Context, in *ecr.DeleteRepositoryInput, opts ...func(*ecr.Options)) (*ecr.DeleteRepositoryOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DeleteRepository(ctx, in, opts...)
}

func (c *limitedClient) PutImageTagMutability(ctx context.Context, in *ecr.PutImageTagMutabilityInput, opts ...func(*ecr.Options)) (*ecr.PutImageTagMutabilityOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.PutImageTagMutability(ctx, in, opts...)
}

func (c *limitedClient) PutImageScanningConfiguration(ctx context.Context, in *ecr.PutImageScanningConfigurationInput, opts ...func(*ecr.Options)) (*ecr.PutImageScanningConfigurationOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.PutImageScanningConfiguration(ctx, in, opts...)
}

func (c *limitedClient) TagResource(ctx context.Context, in *ecr.TagResourceInput, opts ...func(*ecr.Options)) (*ecr.TagResourceOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.TagResource(ctx, in, opts...)
}

func (c *limitedClient) UntagResource(ctx context.Context, in *ecr.UntagResourceInput, opts ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.UntagResource(ctx, in, opts...)
}

func (c *limitedClient) PutLifecyclePolicy(ctx context.Context, in *ecr.PutLifecyclePolicyInput, opts ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.PutLifecyclePolicy(ctx, in, opts...)
}

func (c *limitedClient) DeleteLifecyclePolicy(ctx context.Context, in *ecr.DeleteLifecyclePolicyInput, opts ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DeleteLifecyclePolicy(ctx, in, opts...)
}

func (c *limitedClient) SetRepositoryPolicy(ctx context.Context, in *ecr.SetRepositoryPolicyInput, opts ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.SetRepositoryPolicy(ctx, in, opts...)
}

func (c *limitedClient) DeleteRepositoryPolicy(ctx context.Context, in *ecr.DeleteRepositoryPolicyInput, opts ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DeleteRepositoryPolicy(ctx, in, opts...)
}

func (c *limitedClient) StartLifecyclePolicyPreview(ctx context.Context, in *ecr.StartLifecyclePolicyPreviewInput, opts ...func(*ecr.Options)) (*ecr.StartLifecyclePolicyPreviewOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.StartLifecyclePolicyPreview(ctx, in, opts...)
}

func (c *limitedClient) GetLifecyclePolicyPreview(ctx context.Context, in *ecr.GetLifecyclePolicyPreviewInput, opts ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyPreviewOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.GetLifecyclePolicyPreview(ctx, in, opts...)
}

func (c *limitedClient) DescribeImageScanFindings(ctx context.Context, in *ecr.DescribeImageScanFindingsInput, opts ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribeImageScanFindings(ctx, in, opts...)
}

func (c *limitedClient) GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, opts ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.GetAuthorizationToken(ctx, in, opts...)
}

func (c *limitedClient) BatchGetRepositoryScanningConfiguration(ctx context.Context, in *ecr.BatchGetRepositoryScanningConfigurationInput, opts ...func(*ecr.Options)) (*ecr.BatchGetRepositoryScanningConfigurationOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.BatchGetRepositoryScanningConfiguration(ctx, in, opts...)
}

func (c *limitedClient) CreatePullThroughCacheRule(ctx context.Context, in *ecr.CreatePullThroughCacheRuleInput, opts ...func(*ecr.Options)) (*ecr.CreatePullThroughCacheRuleOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.CreatePullThroughCacheRule(ctx, in, opts...)
}

func (c *limitedClient) CreateRepositoryCreationTemplate(ctx context.Context, in *ecr.CreateRepositoryCreationTemplateInput, opts ...func(*ecr.Options)) (*ecr.CreateRepositoryCreationTemplateOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.CreateRepositoryCreationTemplate(ctx, in, opts...)
}

func (c *limitedClient) DeletePullThroughCacheRule(ctx context.Context, in *ecr.DeletePullThroughCacheRuleInput, opts ...func(*ecr.Options)) (*ecr.DeletePullThroughCacheRuleOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DeletePullThroughCacheRule(ctx, in, opts...)
}

func (c *limitedClient) DeleteRegistryPolicy(ctx context.Context, in *ecr.DeleteRegistryPolicyInput, opts ...func(*ecr.Options)) (*ecr.DeleteRegistryPolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DeleteRegistryPolicy(ctx, in, opts...)
}

func (c *limitedClient) DeleteRepositoryCreationTemplate(ctx context.Context, in *ecr.DeleteRepositoryCreationTemplateInput, opts ...func(*ecr.Options)) (*ecr.DeleteRepositoryCreationTemplateOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DeleteRepositoryCreationTemplate(ctx, in, opts...)
}

func (c *limitedClient) DescribePullThroughCacheRules(ctx context.Context, in *ecr.DescribePullThroughCacheRulesInput, opts ...func(*ecr.Options)) (*ecr.DescribePullThroughCacheRulesOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribePullThroughCacheRules(ctx, in, opts...)
}

func (c *limitedClient) DescribeRepositoryCreationTemplates(ctx context.Context, in *ecr.DescribeRepositoryCreationTemplatesInput, opts ...func(*ecr.Options)) (*ecr.DescribeRepositoryCreationTemplatesOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.DescribeRepositoryCreationTemplates(ctx, in, opts...)
}

func (c *limitedClient) GetRegistryPolicy(ctx context.Context, in *ecr.GetRegistryPolicyInput, opts ...func(*ecr.Options)) (*ecr.GetRegistryPolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.GetRegistryPolicy(ctx, in, opts...)
}

func (c *limitedClient) GetRegistryScanningConfiguration(ctx context.Context, in *ecr.GetRegistryScanningConfigurationInput, opts ...func(*ecr.Options)) (*ecr.GetRegistryScanningConfigurationOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.GetRegistryScanningConfiguration(ctx, in, opts...)
}

func (c *limitedClient) PutRegistryPolicy(ctx context.Context, in *ecr.PutRegistryPolicyInput, opts ...func(*ecr.Options)) (*ecr.PutRegistryPolicyOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.PutRegistryPolicy(ctx, in, opts...)
}

func (c *limitedClient) PutRegistryScanningConfiguration(ctx context.Context, in *ecr.PutRegistryScanningConfigurationInput, opts ...func(*ecr.Options)) (*ecr.PutRegistryScanningConfigurationOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.PutRegistryScanningConfiguration(ctx, in, opts...)
}

func (c *limitedClient) PutReplicationConfiguration(ctx context.Context, in *ecr.PutReplicationConfigurationInput, opts ...func(*ecr.Options)) (*ecr.PutReplicationConfigurationOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.PutReplicationConfiguration(ctx, in, opts...)
}

func (c *limitedClient) UpdatePullThroughCacheRule(ctx context.Context, in *ecr.UpdatePullThroughCacheRuleInput, opts ...func(*ecr.Options)) (*ecr.UpdatePullThroughCacheRuleOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.UpdatePullThroughCacheRule(ctx, in, opts...)
}

func (c *limitedClient) UpdateRepositoryCreationTemplate(ctx context.Context, in *ecr.UpdateRepositoryCreationTemplateInput, opts ...func(*ecr.Options)) (*ecr.UpdateRepositoryCreationTemplateOutput, error) {
	if err := c.lim.Acquire(ctx, c.registry); err != nil {
		return nil, err
	}
	defer c.lim.Release()
	return c.API.UpdateRepositoryCreationTemplate(ctx, in, opts...)
}
