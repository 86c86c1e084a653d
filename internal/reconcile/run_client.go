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
