// Package reconcile owns everything between a validated spec and ECR: the
// narrow ECR interface, the live read, the pure diff that yields a Plan, the
// plan's text and JSON renderings, and the apply that executes it.
package reconcile

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// ECRAPI is the part of the ECR client that ecrctl uses, with the SDK's exact
// signatures so that *ecr.Client and the in-memory fake both satisfy it.
type ECRAPI interface {
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	DescribeRegistry(context.Context, *ecr.DescribeRegistryInput, ...func(*ecr.Options)) (*ecr.DescribeRegistryOutput, error)
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	ListTagsForResource(context.Context, *ecr.ListTagsForResourceInput, ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error)
	GetLifecyclePolicy(context.Context, *ecr.GetLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
	GetRepositoryPolicy(context.Context, *ecr.GetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error)

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
}

var _ ECRAPI = (*ecr.Client)(nil)
