package ecrfake

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func (f *Fake) lifecycleNotFound(name string) error {
	return &types.LifecyclePolicyNotFoundException{Message: aws.String(fmt.Sprintf(
		"Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", name, f.account))}
}

func (f *Fake) policyNotFound(name string) error {
	return &types.RepositoryPolicyNotFoundException{Message: aws.String(fmt.Sprintf(
		"Repository policy does not exist for the repository with name '%s' in the registry with id '%s'", name, f.account))}
}

// PutLifecyclePolicy validates, re-serialises (compact, rules sorted by
// rulePriority) and stores a lifecycle policy, and returns the stored text.
func (f *Fake) PutLifecyclePolicy(ctx context.Context, in *ecr.PutLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error) {
	if err := f.begin(ctx, "PutLifecyclePolicy", nameOf(in.RepositoryName)); err != nil {
		return nil, err
	}
	name, err := f.repoArg("PutLifecyclePolicyInput", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.LifecyclePolicyText == nil {
		return nil, paramRequired("PutLifecyclePolicyInput", "LifecyclePolicyText")
	}
	text, err := normalizeLifecycle(*in.LifecyclePolicyText)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	r.lifecycle = aws.String(text)
	return &ecr.PutLifecyclePolicyOutput{
		LifecyclePolicyText: aws.String(text),
		RegistryId:          aws.String(f.account),
		RepositoryName:      aws.String(name),
	}, nil
}

// GetLifecyclePolicy returns the stored lifecycle policy or
// LifecyclePolicyNotFoundException.
func (f *Fake) GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	if err := f.begin(ctx, "GetLifecyclePolicy", nameOf(in.RepositoryName)); err != nil {
		return nil, err
	}
	name, err := f.repoArg("GetLifecyclePolicyInput", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	if r.lifecycle == nil {
		return nil, f.lifecycleNotFound(name)
	}
	return &ecr.GetLifecyclePolicyOutput{
		LifecyclePolicyText: aws.String(*r.lifecycle),
		RegistryId:          aws.String(f.account),
		RepositoryName:      aws.String(name),
	}, nil
}

// DeleteLifecyclePolicy removes the lifecycle policy and returns it, or
// LifecyclePolicyNotFoundException.
func (f *Fake) DeleteLifecyclePolicy(ctx context.Context, in *ecr.DeleteLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error) {
	if err := f.begin(ctx, "DeleteLifecyclePolicy", nameOf(in.RepositoryName)); err != nil {
		return nil, err
	}
	name, err := f.repoArg("DeleteLifecyclePolicyInput", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	if r.lifecycle == nil {
		return nil, f.lifecycleNotFound(name)
	}
	text := *r.lifecycle
	r.lifecycle = nil
	return &ecr.DeleteLifecyclePolicyOutput{
		LifecyclePolicyText: aws.String(text),
		RegistryId:          aws.String(f.account),
		RepositoryName:      aws.String(name),
	}, nil
}

// SetRepositoryPolicy validates, reformats (as ECR does) and stores a
// repository policy, and returns the stored text.
func (f *Fake) SetRepositoryPolicy(ctx context.Context, in *ecr.SetRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error) {
	if err := f.begin(ctx, "SetRepositoryPolicy", nameOf(in.RepositoryName)); err != nil {
		return nil, err
	}
	name, err := f.repoArg("SetRepositoryPolicyInput", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.PolicyText == nil {
		return nil, paramRequired("SetRepositoryPolicyInput", "PolicyText")
	}
	text, err := normalizeRepoPolicy(*in.PolicyText)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	r.policy = aws.String(text)
	return &ecr.SetRepositoryPolicyOutput{
		PolicyText:     aws.String(text),
		RegistryId:     aws.String(f.account),
		RepositoryName: aws.String(name),
	}, nil
}

// GetRepositoryPolicy returns the stored policy or RepositoryPolicyNotFoundException.
func (f *Fake) GetRepositoryPolicy(ctx context.Context, in *ecr.GetRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error) {
	if err := f.begin(ctx, "GetRepositoryPolicy", nameOf(in.RepositoryName)); err != nil {
		return nil, err
	}
	name, err := f.repoArg("GetRepositoryPolicyInput", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	if r.policy == nil {
		return nil, f.policyNotFound(name)
	}
	return &ecr.GetRepositoryPolicyOutput{
		PolicyText:     aws.String(*r.policy),
		RegistryId:     aws.String(f.account),
		RepositoryName: aws.String(name),
	}, nil
}

// DeleteRepositoryPolicy removes the policy and returns it, or
// RepositoryPolicyNotFoundException.
func (f *Fake) DeleteRepositoryPolicy(ctx context.Context, in *ecr.DeleteRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error) {
	if err := f.begin(ctx, "DeleteRepositoryPolicy", nameOf(in.RepositoryName)); err != nil {
		return nil, err
	}
	name, err := f.repoArg("DeleteRepositoryPolicyInput", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		return nil, err
	}
	if r.policy == nil {
		return nil, f.policyNotFound(name)
	}
	text := *r.policy
	r.policy = nil
	return &ecr.DeleteRepositoryPolicyOutput{
		PolicyText:     aws.String(text),
		RegistryId:     aws.String(f.account),
		RepositoryName: aws.String(name),
	}, nil
}
