package ecrapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Registry-level reads: the settings of the registry: section, shared by the
// engine, import and status. They return the SDK's types; what they mean for
// a spec is the caller's business.

// ScanBatchSize is how many repository names
// BatchGetRepositoryScanningConfiguration takes in one call (ECR's limit).
const ScanBatchSize = 25

// ScanFilterMatches reports whether a registry scanning filter (filterType
// WILDCARD) selects repository name. As ECR documents it, a filter without
// '*' matches every name that contains it, and a filter with '*' must match
// the whole name, each '*' standing for zero or more characters: "prod"
// matches "repo-prod-repo", "prod*" does not.
func ScanFilterMatches(filter, name string) bool {
	if !strings.Contains(filter, "*") {
		return strings.Contains(name, filter)
	}
	parts := strings.Split(filter, "*")
	first, last := parts[0], parts[len(parts)-1]
	if !strings.HasPrefix(name, first) {
		return false
	}
	rest := name[len(first):]
	// The middle parts match greedily leftmost: taking each at its first
	// occurrence leaves the most room for the ones after it.
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, last)
}

// ReadRegistryScanning reads the registry's scanning configuration. A
// registry that was never configured reports BASIC with no rules.
func ReadRegistryScanning(ctx context.Context, c Reader) (*types.RegistryScanningConfiguration, error) {
	out, err := c.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		return nil, &OpError{Operation: "GetRegistryScanningConfiguration", Err: err, Doing: "reading the registry scanning configuration"}
	}
	cfg := out.ScanningConfiguration
	if cfg == nil {
		cfg = &types.RegistryScanningConfiguration{}
	}
	if cfg.ScanType == "" {
		cfg.ScanType = types.ScanTypeBasic
	}
	return cfg, nil
}

// ReadReplication reads the registry id and the replication configuration
// with one DescribeRegistry call. cfg is never nil: no replication is a
// configuration without rules.
func ReadReplication(ctx context.Context, c Reader) (registryID string, cfg *types.ReplicationConfiguration, err error) {
	out, err := c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err != nil {
		return "", nil, &OpError{Operation: "DescribeRegistry", Err: err, Doing: "reading the registry's replication configuration"}
	}
	cfg = out.ReplicationConfiguration
	if cfg == nil {
		cfg = &types.ReplicationConfiguration{}
	}
	return aws.ToString(out.RegistryId), cfg, nil
}

// ReadRegistryPolicy reads the registry's permissions policy as ECR returns
// it; nil means the registry has none.
func ReadRegistryPolicy(ctx context.Context, c Reader) (*string, error) {
	out, err := c.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	var nf *types.RegistryPolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, &OpError{Operation: "GetRegistryPolicy", Err: err, Doing: "reading the registry policy"}
	}
	return out.PolicyText, nil
}

// ListPullThroughCacheRules reads every pull-through cache rule of the
// registry, following every page.
func ListPullThroughCacheRules(ctx context.Context, c Reader) ([]types.PullThroughCacheRule, error) {
	return listAll(func(token *string) ([]types.PullThroughCacheRule, *string, error) {
		out, err := c.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{
			MaxResults: aws.Int32(describePageSize),
			NextToken:  token,
		})
		if err != nil {
			return nil, nil, &OpError{Operation: "DescribePullThroughCacheRules", Err: err, Doing: "listing the pull-through cache rules"}
		}
		return out.PullThroughCacheRules, out.NextToken, nil
	})
}

// ListCreationTemplates reads every repository creation template of the
// registry, following every page.
func ListCreationTemplates(ctx context.Context, c Reader) ([]types.RepositoryCreationTemplate, error) {
	return listAll(func(token *string) ([]types.RepositoryCreationTemplate, *string, error) {
		out, err := c.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{
			MaxResults: aws.Int32(describePageSize),
			NextToken:  token,
		})
		if err != nil {
			return nil, nil, &OpError{Operation: "DescribeRepositoryCreationTemplates", Err: err, Doing: "listing the repository creation templates"}
		}
		return out.RepositoryCreationTemplates, out.NextToken, nil
	})
}

// listAll calls page with each next token, starting with none, until a page
// comes back without one, and returns every item.
func listAll[T any](page func(token *string) ([]T, *string, error)) ([]T, error) {
	var all []T
	var token *string
	for {
		items, next, err := page(token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == nil || *next == "" {
			return all, nil
		}
		token = next
	}
}

// ReadEffectiveScanning reads the scanning configuration in effect for each
// named repository (the registry's rules applied to it), ScanBatchSize names
// a call, keyed by repository name. A repository ECR does not know (deleted
// since it was listed) is left out of the map rather than failing the read:
// callers treat it as absent, as they would after listing again. Any other
// per-repository failure is an error naming the repository. (The service
// model also lists RepositoryNotFoundException for the call as a whole;
// callers pass names they have just listed, so that fails the read.)
func ReadEffectiveScanning(ctx context.Context, c Reader, names []string) (map[string]types.RepositoryScanningConfiguration, error) {
	out := make(map[string]types.RepositoryScanningConfiguration, len(names))
	for start := 0; start < len(names); start += ScanBatchSize {
		batch := names[start:min(start+ScanBatchSize, len(names))]
		res, err := c.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{RepositoryNames: batch})
		if err != nil {
			op := &OpError{Operation: "BatchGetRepositoryScanningConfiguration", Err: err,
				Doing: fmt.Sprintf("reading the effective scanning configuration of %d repositories (%s, ...)", len(batch), batch[0])}
			if len(batch) == 1 {
				op.Doing, op.Repository = "reading the effective scanning configuration of", batch[0]
			}
			return nil, op
		}
		for _, fl := range res.Failures {
			if fl.FailureCode == types.ScanningConfigurationFailureCodeRepositoryNotFound {
				continue
			}
			return nil, &OpError{
				Repository: aws.ToString(fl.RepositoryName),
				Operation:  "BatchGetRepositoryScanningConfiguration",
				Doing:      "reading the effective scanning configuration of",
				Err:        &scanFailure{code: string(fl.FailureCode), reason: aws.ToString(fl.FailureReason)},
				Detail:     "ECR could not report this repository's scanning configuration; run the command again, and if it persists check the repository in the console",
			}
		}
		for _, sc := range res.ScanningConfigurations {
			out[aws.ToString(sc.RepositoryName)] = sc
		}
	}
	return out, nil
}

// scanFailure is one failure entry of BatchGetRepositoryScanningConfiguration,
// which ECR reports in the answer rather than as an error.
type scanFailure struct{ code, reason string }

func (e *scanFailure) Error() string {
	if e.reason == "" {
		return e.code
	}
	return e.code + ": " + e.reason
}
