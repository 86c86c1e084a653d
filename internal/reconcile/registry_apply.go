package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

// Apply runs the registry-level changes one at a time, in plan order, before
// any repository change: creation templates first, so that the repositories
// ECR creates for a new pull-through cache rule or replication rule get
// them, then the registry policy, scanning (which decides how the
// repositories created next are scanned), pull-through cache rules and
// replication. A creation template that fails stops the changes that make
// ECR create repositories: they would get ECR's defaults instead.

// createsRepositories reports whether applying rc lets ECR create
// repositories of its own.
func createsRepositories(rc ResourceChange) bool {
	switch rc.Type {
	case TypePullThroughCacheRule:
		return !rc.Is(Delete)
	case TypeReplication:
		return true
	}
	return false
}

// applyRegistry runs the registry changes of p into outcomes.
func (a *applier) applyRegistry(ctx context.Context, p *Plan, outcomes []outcome) {
	var failedTemplate string
	for i, rc := range p.Changes {
		if rc.Type == TypeRepository {
			continue
		}
		if rc.Is(NoOp) || len(rc.Steps) == 0 {
			outcomes[i].skip = true
			continue
		}
		if failedTemplate != "" && createsRepositories(rc) {
			a.progress("%s: not started: %s failed", rc.Address, failedTemplate)
			outcomes[i].err = changeError(rc, rc.Steps[0].Operation, fmt.Errorf("not started because %s failed", failedTemplate),
				"the repositories ECR creates for it would not get that template; fix the template's failure and run apply again")
			continue
		}
		outcomes[i] = a.change(ctx, rc)
		if outcomes[i].err != nil && rc.Type == TypeCreationTemplate {
			failedTemplate = rc.Address
		}
	}
}

// changeError is a failed call of a change, naming the repository or the
// registry setting it was changing.
func changeError(rc ResourceChange, operation string, err error, detail string) *ecrapi.OpError {
	if rc.Type == TypeRepository {
		return &ecrapi.OpError{Repository: rc.Name, Operation: operation, Doing: "changing", Err: err, Detail: detail}
	}
	return &ecrapi.OpError{Operation: operation, Doing: "changing the " + Title(rc), Err: err, Detail: detail}
}

// callRegistry makes one registry-level call. A delete that finds nothing
// to delete has reached its goal.
func (a *applier) callRegistry(ctx context.Context, s Step) (handled bool, err error) {
	c := a.client
	switch s.Operation {
	case OpPutRegistryScanningConfiguration:
		in := &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanType(s.ScanType), Rules: []types.RegistryScanningRule{}}
		for _, r := range s.ScanningRules {
			// RepositoryFilters is required: a rule without filters is sent with
			// an empty list (ECR takes 0 to 100), never a missing one.
			rule := types.RegistryScanningRule{ScanFrequency: types.ScanFrequency(r.Frequency), RepositoryFilters: []types.ScanningRepositoryFilter{}}
			for _, f := range r.Filters {
				rule.RepositoryFilters = append(rule.RepositoryFilters, types.ScanningRepositoryFilter{Filter: aws.String(f), FilterType: types.ScanningRepositoryFilterTypeWildcard})
			}
			in.Rules = append(in.Rules, rule)
		}
		_, err = c.PutRegistryScanningConfiguration(ctx, in)
	case OpPutReplicationConfiguration:
		cfg := &types.ReplicationConfiguration{Rules: []types.ReplicationRule{}}
		for _, r := range s.ReplicationRules {
			var rule types.ReplicationRule
			for _, d := range r.Destinations {
				rule.Destinations = append(rule.Destinations, types.ReplicationDestination{Region: aws.String(d.Region), RegistryId: aws.String(d.RegistryID)})
			}
			for _, f := range r.Filters {
				rule.RepositoryFilters = append(rule.RepositoryFilters, types.RepositoryFilter{Filter: aws.String(f), FilterType: types.RepositoryFilterTypePrefixMatch})
			}
			cfg.Rules = append(cfg.Rules, rule)
		}
		_, err = c.PutReplicationConfiguration(ctx, &ecr.PutReplicationConfigurationInput{ReplicationConfiguration: cfg})
	case OpPutRegistryPolicy:
		_, err = c.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{PolicyText: aws.String(s.PolicyText)})
	case OpDeleteRegistryPolicy:
		_, err = c.DeleteRegistryPolicy(ctx, &ecr.DeleteRegistryPolicyInput{})
		var nf *types.RegistryPolicyNotFoundException
		if errors.As(err, &nf) {
			err = nil
		}
	case OpCreatePullThroughCacheRule:
		_, err = c.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
			EcrRepositoryPrefix: aws.String(s.Prefix), UpstreamRegistryUrl: aws.String(s.UpstreamRegistryURL),
			UpstreamRegistry: types.UpstreamRegistry(s.UpstreamRegistry), CredentialArn: optional(s.CredentialArn),
			CustomRoleArn: optional(s.CustomRoleArn), UpstreamRepositoryPrefix: optional(s.UpstreamRepositoryPrefix),
		})
	case OpUpdatePullThroughCacheRule:
		_, err = c.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{
			EcrRepositoryPrefix: aws.String(s.Prefix), CredentialArn: optional(s.CredentialArn), CustomRoleArn: optional(s.CustomRoleArn),
		})
	case OpDeletePullThroughCacheRule:
		_, err = c.DeletePullThroughCacheRule(ctx, &ecr.DeletePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String(s.Prefix)})
		var nf *types.PullThroughCacheRuleNotFoundException
		if errors.As(err, &nf) {
			err = nil
		}
	case OpCreateRepositoryCreationTemplate:
		t := templateInput(s)
		_, err = c.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{
			Prefix: t.Prefix, AppliedFor: t.AppliedFor, Description: t.Description, EncryptionConfiguration: t.EncryptionConfiguration,
			ImageTagMutability: t.ImageTagMutability, ImageTagMutabilityExclusionFilters: t.ImageTagMutabilityExclusionFilters,
			LifecyclePolicy: t.LifecyclePolicy, RepositoryPolicy: t.RepositoryPolicy, ResourceTags: t.ResourceTags, CustomRoleArn: t.CustomRoleArn,
		})
	case OpUpdateRepositoryCreationTemplate:
		_, err = c.UpdateRepositoryCreationTemplate(ctx, templateInput(s))
	case OpDeleteRepositoryCreationTemplate:
		_, err = c.DeleteRepositoryCreationTemplate(ctx, &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String(s.Prefix)})
		var nf *types.TemplateNotFoundException
		if errors.As(err, &nf) {
			err = nil
		}
	default:
		return false, nil
	}
	return true, err
}

// templateInput is a creation template step as ECR takes it; create and
// update carry the same fields.
func templateInput(s Step) *ecr.UpdateRepositoryCreationTemplateInput {
	in := &ecr.UpdateRepositoryCreationTemplateInput{
		Prefix: aws.String(s.Prefix), Description: s.Description, CustomRoleArn: optional(s.CustomRoleArn),
		ImageTagMutability:                 types.ImageTagMutability(s.ImageTagMutability),
		ImageTagMutabilityExclusionFilters: sdkFilters(s.ExclusionFilters),
		LifecyclePolicy:                    s.LifecyclePolicyText, RepositoryPolicy: s.RepositoryPolicyText,
	}
	for _, a := range s.AppliedFor {
		in.AppliedFor = append(in.AppliedFor, types.RCTAppliedFor(a))
	}
	if e := s.Encryption; e != nil {
		in.EncryptionConfiguration = &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionType(e.Type), KmsKey: optional(e.KMSKey)}
	}
	if s.ResourceTags != nil {
		in.ResourceTags = []types.Tag{} // sent even when empty: that clears them
		for _, k := range sortedKeys(*s.ResourceTags) {
			in.ResourceTags = append(in.ResourceTags, types.Tag{Key: aws.String(k), Value: aws.String((*s.ResourceTags)[k])})
		}
	}
	return in
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
