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

// policyDoc is one of the two policy documents a repository holds, which ECR
// stores, returns and deletes alike.
type policyDoc struct {
	textField string                       // the input member carrying the text
	normalize func(string) (string, error) // validates and reformats as ECR stores it
	slot      func(*repo) **string
	notFound  func(f *Fake, name string) error
}

var (
	lifecycleDoc = policyDoc{
		textField: "LifecyclePolicyText",
		normalize: normalizeLifecycle,
		slot:      func(r *repo) **string { return &r.lifecycle },
		notFound:  (*Fake).lifecycleNotFound,
	}
	repoPolicyDoc = policyDoc{
		textField: "PolicyText",
		normalize: normalizeRepoPolicy,
		slot:      func(r *repo) **string { return &r.policy },
		notFound:  (*Fake).policyNotFound,
	}
)

// putPolicy runs a Put/Set of doc: it validates and normalises text, stores
// it, and returns the repository name and the stored text.
func (f *Fake) putPolicy(ctx context.Context, op string, doc policyDoc, registryID, repoName, text *string) (string, string, error) {
	name, err := f.repoCall(ctx, op, registryID, repoName)
	if err != nil {
		return "", "", err
	}
	if text == nil {
		return "", "", paramRequired(op+"Input", doc.textField)
	}
	stored, err := doc.normalize(*text)
	if err != nil {
		return "", "", err
	}
	stored, err = withRepo(f, name, func(r *repo) (string, error) {
		*doc.slot(r) = aws.String(stored)
		return stored, nil
	})
	return name, stored, err
}

// storedPolicy runs a Get (remove false) or Delete (remove true) of doc: it
// returns the repository name and the stored text, or doc's not-found error.
func (f *Fake) storedPolicy(ctx context.Context, op string, doc policyDoc, registryID, repoName *string, remove bool) (string, string, error) {
	name, err := f.repoCall(ctx, op, registryID, repoName)
	if err != nil {
		return "", "", err
	}
	text, err := withRepo(f, name, func(r *repo) (string, error) {
		slot := doc.slot(r)
		if *slot == nil {
			return "", doc.notFound(f, name)
		}
		text := **slot
		if remove {
			*slot = nil
		}
		return text, nil
	})
	return name, text, err
}

// PutLifecyclePolicy validates, re-serialises (compact, rules sorted by
// rulePriority) and stores a lifecycle policy, and returns the stored text.
func (f *Fake) PutLifecyclePolicy(ctx context.Context, in *ecr.PutLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error) {
	name, text, err := f.putPolicy(ctx, "PutLifecyclePolicy", lifecycleDoc, in.RegistryId, in.RepositoryName, in.LifecyclePolicyText)
	if err != nil {
		return nil, err
	}
	return &ecr.PutLifecyclePolicyOutput{
		LifecyclePolicyText: aws.String(text),
		RegistryId:          aws.String(f.account),
		RepositoryName:      aws.String(name),
	}, nil
}

// GetLifecyclePolicy returns the stored lifecycle policy or
// LifecyclePolicyNotFoundException.
func (f *Fake) GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	name, text, err := f.storedPolicy(ctx, "GetLifecyclePolicy", lifecycleDoc, in.RegistryId, in.RepositoryName, false)
	if err != nil {
		return nil, err
	}
	return &ecr.GetLifecyclePolicyOutput{
		LifecyclePolicyText: aws.String(text),
		RegistryId:          aws.String(f.account),
		RepositoryName:      aws.String(name),
	}, nil
}

// DeleteLifecyclePolicy removes the lifecycle policy and returns it, or
// LifecyclePolicyNotFoundException.
func (f *Fake) DeleteLifecyclePolicy(ctx context.Context, in *ecr.DeleteLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error) {
	name, text, err := f.storedPolicy(ctx, "DeleteLifecyclePolicy", lifecycleDoc, in.RegistryId, in.RepositoryName, true)
	if err != nil {
		return nil, err
	}
	return &ecr.DeleteLifecyclePolicyOutput{
		LifecyclePolicyText: aws.String(text),
		RegistryId:          aws.String(f.account),
		RepositoryName:      aws.String(name),
	}, nil
}

// SetRepositoryPolicy validates, reformats (as ECR does) and stores a
// repository policy, and returns the stored text.
func (f *Fake) SetRepositoryPolicy(ctx context.Context, in *ecr.SetRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error) {
	name, text, err := f.putPolicy(ctx, "SetRepositoryPolicy", repoPolicyDoc, in.RegistryId, in.RepositoryName, in.PolicyText)
	if err != nil {
		return nil, err
	}
	return &ecr.SetRepositoryPolicyOutput{
		PolicyText:     aws.String(text),
		RegistryId:     aws.String(f.account),
		RepositoryName: aws.String(name),
	}, nil
}

// GetRepositoryPolicy returns the stored policy or RepositoryPolicyNotFoundException.
func (f *Fake) GetRepositoryPolicy(ctx context.Context, in *ecr.GetRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error) {
	name, text, err := f.storedPolicy(ctx, "GetRepositoryPolicy", repoPolicyDoc, in.RegistryId, in.RepositoryName, false)
	if err != nil {
		return nil, err
	}
	return &ecr.GetRepositoryPolicyOutput{
		PolicyText:     aws.String(text),
		RegistryId:     aws.String(f.account),
		RepositoryName: aws.String(name),
	}, nil
}

// DeleteRepositoryPolicy removes the policy and returns it, or
// RepositoryPolicyNotFoundException.
func (f *Fake) DeleteRepositoryPolicy(ctx context.Context, in *ecr.DeleteRepositoryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error) {
	name, text, err := f.storedPolicy(ctx, "DeleteRepositoryPolicy", repoPolicyDoc, in.RegistryId, in.RepositoryName, true)
	if err != nil {
		return nil, err
	}
	return &ecr.DeleteRepositoryPolicyOutput{
		PolicyText:     aws.String(text),
		RegistryId:     aws.String(f.account),
		RepositoryName: aws.String(name),
	}, nil
}
