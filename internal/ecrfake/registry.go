package ecrfake

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

// Registry-level settings: scanning, replication and the registry policy.
// Each is one value per registry; Put replaces it whole.

// ECR's limits on the registry settings (API reference and service quotas).
const (
	maxScanRules          = 2
	maxScanFilters        = 100
	maxReplicationRules   = 10
	maxReplicationDests   = 25 // distinct destinations over all rules
	maxReplicationFilters = 100
	maxScanBatch          = 25 // BatchGetRepositoryScanningConfiguration's names a call
)

var (
	// scanFilterRE is ScanningRepositoryFilter.filter's pattern (1-255 characters).
	scanFilterRE = regexp.MustCompile(`^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$`)
	// replFilterRE is RepositoryFilter.filter's pattern (2-256 characters).
	replFilterRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$`)
	regionRE     = regexp.MustCompile(`^[0-9a-z-]{2,25}$`)
)

func validationError(format string, args ...any) error {
	return &types.ValidationException{Message: aws.String(fmt.Sprintf(format, args...))}
}

// SetRegistryScanning seeds the registry scanning configuration without
// validation or counting, as another client could have set it.
func (f *Fake) SetRegistryScanning(cfg types.RegistryScanningConfiguration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scanType = cfg.ScanType
	if f.scanType == "" {
		f.scanType = types.ScanTypeBasic
	}
	f.scanRules = copyScanRules(cfg.Rules)
}

// GetRegistryScanningConfiguration returns the registry scanning
// configuration: BASIC with no rules until one is put (it cannot be deleted).
func (f *Fake) GetRegistryScanningConfiguration(ctx context.Context, in *ecr.GetRegistryScanningConfigurationInput, optFns ...func(*ecr.Options)) (*ecr.GetRegistryScanningConfigurationOutput, error) {
	if err := f.begin(ctx, "GetRegistryScanningConfiguration"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return &ecr.GetRegistryScanningConfigurationOutput{
		RegistryId:            aws.String(f.account),
		ScanningConfiguration: f.scanningConfig(),
	}, nil
}

// PutRegistryScanningConfiguration validates and replaces the registry
// scanning configuration. An omitted scanType is BASIC. Shape errors (enum
// values, counts, filter pattern) are InvalidParameterException; a frequency
// the scan type does not support is ValidationException (BASIC takes only
// SCAN_ON_PUSH rules, ENHANCED SCAN_ON_PUSH and CONTINUOUS_SCAN).
func (f *Fake) PutRegistryScanningConfiguration(ctx context.Context, in *ecr.PutRegistryScanningConfigurationInput, optFns ...func(*ecr.Options)) (*ecr.PutRegistryScanningConfigurationOutput, error) {
	if err := f.begin(ctx, "PutRegistryScanningConfiguration"); err != nil {
		return nil, err
	}
	scanType := in.ScanType
	switch scanType {
	case "":
		scanType = types.ScanTypeBasic
	case types.ScanTypeBasic, types.ScanTypeEnhanced:
	default:
		return nil, invalidParam("Invalid parameter at 'scanType' failed to satisfy constraint: 'Member must satisfy enum value set: [BASIC, ENHANCED]'")
	}
	if len(in.Rules) > maxScanRules {
		return nil, invalidParam("Invalid parameter at 'rules' failed to satisfy constraint: 'Member must have length less than or equal to %d'", maxScanRules)
	}
	for _, r := range in.Rules {
		switch r.ScanFrequency {
		case "":
			return nil, paramRequired("RegistryScanningRule", "ScanFrequency")
		case types.ScanFrequencyScanOnPush, types.ScanFrequencyContinuousScan, types.ScanFrequencyManual:
		default:
			return nil, invalidParam("Invalid parameter at 'scanFrequency' failed to satisfy constraint: 'Member must satisfy enum value set: [SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL]'")
		}
		if r.RepositoryFilters == nil {
			return nil, paramRequired("RegistryScanningRule", "RepositoryFilters")
		}
		if len(r.RepositoryFilters) > maxScanFilters {
			return nil, invalidParam("Invalid parameter at 'repositoryFilters' failed to satisfy constraint: 'Member must have length less than or equal to %d'", maxScanFilters)
		}
		for _, flt := range r.RepositoryFilters {
			if flt.Filter == nil {
				return nil, paramRequired("ScanningRepositoryFilter", "Filter")
			}
			if flt.FilterType == "" {
				return nil, paramRequired("ScanningRepositoryFilter", "FilterType")
			}
			if flt.FilterType != types.ScanningRepositoryFilterTypeWildcard {
				return nil, invalidParam("Invalid parameter at 'filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [WILDCARD]'")
			}
			if len(*flt.Filter) > 255 || !scanFilterRE.MatchString(*flt.Filter) {
				return nil, invalidParam("Invalid parameter at 'filter' failed to satisfy constraint: 'must satisfy regular expression '%s'' (1 to 255 characters)", scanFilterRE.String())
			}
		}
		supported := r.ScanFrequency == types.ScanFrequencyScanOnPush ||
			(scanType == types.ScanTypeEnhanced && r.ScanFrequency == types.ScanFrequencyContinuousScan)
		if !supported {
			return nil, validationError("Unsupported scan frequency %s for scan type %s", r.ScanFrequency, scanType)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scanType = scanType
	f.scanRules = copyScanRules(in.Rules)
	return &ecr.PutRegistryScanningConfigurationOutput{RegistryScanningConfiguration: f.scanningConfig()}, nil
}

// scanningConfig returns a copy of the stored configuration. Caller holds f.mu.
func (f *Fake) scanningConfig() *types.RegistryScanningConfiguration {
	return &types.RegistryScanningConfiguration{ScanType: f.scanType, Rules: copyScanRules(f.scanRules)}
}

func copyScanRules(rules []types.RegistryScanningRule) []types.RegistryScanningRule {
	out := make([]types.RegistryScanningRule, 0, len(rules))
	for _, r := range rules {
		c := types.RegistryScanningRule{ScanFrequency: r.ScanFrequency, RepositoryFilters: []types.ScanningRepositoryFilter{}}
		for _, flt := range r.RepositoryFilters {
			c.RepositoryFilters = append(c.RepositoryFilters, types.ScanningRepositoryFilter{
				Filter: aws.String(aws.ToString(flt.Filter)), FilterType: flt.FilterType})
		}
		out = append(out, c)
	}
	return out
}

// BatchGetRepositoryScanningConfiguration returns the scanning configuration
// in effect for 1 to 25 repositories; unknown names are failures
// (REPOSITORY_NOT_FOUND), not an error. See effectiveScanning for how the
// registry rules and the repository's own scanOnPush combine.
func (f *Fake) BatchGetRepositoryScanningConfiguration(ctx context.Context, in *ecr.BatchGetRepositoryScanningConfigurationInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetRepositoryScanningConfigurationOutput, error) {
	if err := f.begin(ctx, "BatchGetRepositoryScanningConfiguration", in.RepositoryNames...); err != nil {
		return nil, err
	}
	if in.RepositoryNames == nil {
		return nil, paramRequired("BatchGetRepositoryScanningConfigurationInput", "RepositoryNames")
	}
	if len(in.RepositoryNames) < 1 || len(in.RepositoryNames) > maxScanBatch {
		return nil, invalidParam("Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have length between 1 and %d inclusive'", maxScanBatch)
	}
	for _, n := range in.RepositoryNames {
		if err := validateRepoName(n); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecr.BatchGetRepositoryScanningConfigurationOutput{
		ScanningConfigurations: []types.RepositoryScanningConfiguration{},
		Failures:               []types.RepositoryScanningConfigurationFailure{},
	}
	seen := map[string]bool{}
	for _, n := range in.RepositoryNames {
		if seen[n] {
			continue
		}
		seen[n] = true
		r, err := f.lookup(n)
		if err != nil {
			out.Failures = append(out.Failures, types.RepositoryScanningConfigurationFailure{
				RepositoryName: aws.String(n),
				FailureCode:    types.ScanningConfigurationFailureCodeRepositoryNotFound,
				FailureReason:  aws.String("REPOSITORY_NOT_FOUND"),
			})
			continue
		}
		freq, applied := f.effectiveScanning(r)
		out.ScanningConfigurations = append(out.ScanningConfigurations, types.RepositoryScanningConfiguration{
			RepositoryName:     aws.String(n),
			RepositoryArn:      aws.String(f.RepositoryARN(n)),
			ScanOnPush:         r.scanOnPush,
			ScanFrequency:      freq,
			AppliedScanFilters: applied,
		})
	}
	return out, nil
}

// effectiveScanning computes a repository's scan frequency and the filters
// that chose it. With registry rules, the rules decide: a CONTINUOUS_SCAN
// rule wins over a SCAN_ON_PUSH rule that also matches (ECR documents this
// for ENHANCED), and a repository no rule matches is MANUAL whatever its own
// scanOnPush. With no rules, the repository's scanOnPush decides (BASIC's
// historical per-repository setting). Caller holds f.mu.
func (f *Fake) effectiveScanning(r *repo) (types.ScanFrequency, []types.ScanningRepositoryFilter) {
	if len(f.scanRules) == 0 {
		if r.scanOnPush {
			return types.ScanFrequencyScanOnPush, []types.ScanningRepositoryFilter{}
		}
		return types.ScanFrequencyManual, []types.ScanningRepositoryFilter{}
	}
	best, bestRank := types.ScanFrequencyManual, 0
	applied := []types.ScanningRepositoryFilter{}
	rank := map[types.ScanFrequency]int{types.ScanFrequencyScanOnPush: 1, types.ScanFrequencyContinuousScan: 2}
	for _, rule := range f.scanRules {
		var matched []types.ScanningRepositoryFilter
		for _, flt := range rule.RepositoryFilters {
			if ecrapi.ScanFilterMatches(aws.ToString(flt.Filter), r.name) {
				matched = append(matched, types.ScanningRepositoryFilter{Filter: aws.String(aws.ToString(flt.Filter)), FilterType: flt.FilterType})
			}
		}
		if len(matched) > 0 && rank[rule.ScanFrequency] > bestRank {
			best, bestRank, applied = rule.ScanFrequency, rank[rule.ScanFrequency], matched
		}
	}
	return best, applied
}

// SetReplication seeds the replication configuration without validation or
// counting.
func (f *Fake) SetReplication(cfg types.ReplicationConfiguration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replication = copyReplicationRules(cfg.Rules)
}

// PutReplicationConfiguration validates and replaces the replication
// configuration, which DescribeRegistry returns. ECR's limits: 10 rules, 25
// distinct destinations in all, 100 PREFIX_MATCH filters a rule; a
// destination equal to this registry (same account and region) is invalid.
func (f *Fake) PutReplicationConfiguration(ctx context.Context, in *ecr.PutReplicationConfigurationInput, optFns ...func(*ecr.Options)) (*ecr.PutReplicationConfigurationOutput, error) {
	if err := f.begin(ctx, "PutReplicationConfiguration"); err != nil {
		return nil, err
	}
	cfg := in.ReplicationConfiguration
	if cfg == nil {
		return nil, paramRequired("PutReplicationConfigurationInput", "ReplicationConfiguration")
	}
	if cfg.Rules == nil {
		return nil, paramRequired("ReplicationConfiguration", "Rules")
	}
	if len(cfg.Rules) > maxReplicationRules {
		return nil, invalidParam("Invalid parameter at 'replicationConfiguration.rules' failed to satisfy constraint: 'Member must have length less than or equal to %d'", maxReplicationRules)
	}
	dests := map[[2]string]bool{}
	for _, r := range cfg.Rules {
		if r.Destinations == nil {
			return nil, paramRequired("ReplicationRule", "Destinations")
		}
		for _, d := range r.Destinations {
			if d.Region == nil {
				return nil, paramRequired("ReplicationDestination", "Region")
			}
			if d.RegistryId == nil {
				return nil, paramRequired("ReplicationDestination", "RegistryId")
			}
			if !regionRE.MatchString(*d.Region) {
				return nil, invalidParam("Invalid parameter at 'region' failed to satisfy constraint: 'must satisfy regular expression '[0-9a-z-]{2,25}''")
			}
			if !registryIDRE.MatchString(*d.RegistryId) {
				return nil, invalidParam("Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''")
			}
			if *d.Region == f.region && *d.RegistryId == f.account {
				return nil, invalidParam("Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'Replication destination cannot be the same as the source registry'")
			}
			dests[[2]string{*d.Region, *d.RegistryId}] = true
		}
		// No filters means every repository; the member then stays out of
		// the request. A list that is there holds 1 to 100 filters.
		if r.RepositoryFilters != nil && len(r.RepositoryFilters) == 0 {
			return nil, invalidParam("Invalid parameter at 'repositoryFilters' failed to satisfy constraint: 'Member must have length greater than or equal to 1'")
		}
		if len(r.RepositoryFilters) > maxReplicationFilters {
			return nil, invalidParam("Invalid parameter at 'repositoryFilters' failed to satisfy constraint: 'Member must have length less than or equal to %d'", maxReplicationFilters)
		}
		for _, flt := range r.RepositoryFilters {
			if flt.Filter == nil {
				return nil, paramRequired("RepositoryFilter", "Filter")
			}
			if flt.FilterType == "" {
				return nil, paramRequired("RepositoryFilter", "FilterType")
			}
			if flt.FilterType != types.RepositoryFilterTypePrefixMatch {
				return nil, invalidParam("Invalid parameter at 'filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [PREFIX_MATCH]'")
			}
			if n := len(*flt.Filter); n < 2 || n > 256 || !replFilterRE.MatchString(*flt.Filter) {
				return nil, invalidParam("Invalid parameter at 'filter' failed to satisfy constraint: 'must satisfy regular expression '%s'' (2 to 256 characters)", replFilterRE.String())
			}
		}
	}
	if len(dests) > maxReplicationDests {
		return nil, invalidParam("Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: 'The total number of destinations across all rules must be less than or equal to %d'", maxReplicationDests)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replication = copyReplicationRules(cfg.Rules)
	return &ecr.PutReplicationConfigurationOutput{
		ReplicationConfiguration: &types.ReplicationConfiguration{Rules: copyReplicationRules(f.replication)},
	}, nil
}

func copyReplicationRules(rules []types.ReplicationRule) []types.ReplicationRule {
	out := make([]types.ReplicationRule, 0, len(rules))
	for _, r := range rules {
		c := types.ReplicationRule{Destinations: []types.ReplicationDestination{}}
		for _, d := range r.Destinations {
			c.Destinations = append(c.Destinations, types.ReplicationDestination{
				Region: aws.String(aws.ToString(d.Region)), RegistryId: aws.String(aws.ToString(d.RegistryId))})
		}
		for _, flt := range r.RepositoryFilters {
			c.RepositoryFilters = append(c.RepositoryFilters, types.RepositoryFilter{
				Filter: aws.String(aws.ToString(flt.Filter)), FilterType: flt.FilterType})
		}
		out = append(out, c)
	}
	return out
}

func (f *Fake) registryPolicyNotFound() error {
	return &types.RegistryPolicyNotFoundException{Message: aws.String(fmt.Sprintf(
		"Registry policy does not exist in the registry with id '%s'", f.account))}
}

// RegistryPolicy returns the stored registry policy text (reformatted as ECR
// stores it), or nil. It does not count as a call.
func (f *Fake) RegistryPolicy() *string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.registryPolicy == nil {
		return nil
	}
	return aws.String(*f.registryPolicy)
}

// PutRegistryPolicy validates, reformats (as ECR does with repository
// policies: the text read back differs from the text put) and stores the
// registry's permissions policy. Unlike a repository policy, a registry
// policy's statements name a Resource.
func (f *Fake) PutRegistryPolicy(ctx context.Context, in *ecr.PutRegistryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.PutRegistryPolicyOutput, error) {
	if err := f.begin(ctx, "PutRegistryPolicy"); err != nil {
		return nil, err
	}
	if in.PolicyText == nil {
		return nil, paramRequired("PutRegistryPolicyInput", "PolicyText")
	}
	text, err := normalizeRegistryPolicy(*in.PolicyText)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registryPolicy = aws.String(text)
	return &ecr.PutRegistryPolicyOutput{PolicyText: aws.String(text), RegistryId: aws.String(f.account)}, nil
}

// GetRegistryPolicy returns the stored policy or RegistryPolicyNotFoundException.
func (f *Fake) GetRegistryPolicy(ctx context.Context, in *ecr.GetRegistryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetRegistryPolicyOutput, error) {
	if err := f.begin(ctx, "GetRegistryPolicy"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.registryPolicy == nil {
		return nil, f.registryPolicyNotFound()
	}
	return &ecr.GetRegistryPolicyOutput{PolicyText: aws.String(*f.registryPolicy), RegistryId: aws.String(f.account)}, nil
}

// DeleteRegistryPolicy removes the policy and returns it, or
// RegistryPolicyNotFoundException.
func (f *Fake) DeleteRegistryPolicy(ctx context.Context, in *ecr.DeleteRegistryPolicyInput, optFns ...func(*ecr.Options)) (*ecr.DeleteRegistryPolicyOutput, error) {
	if err := f.begin(ctx, "DeleteRegistryPolicy"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.registryPolicy == nil {
		return nil, f.registryPolicyNotFound()
	}
	text := *f.registryPolicy
	f.registryPolicy = nil
	return &ecr.DeleteRegistryPolicyOutput{PolicyText: aws.String(text), RegistryId: aws.String(f.account)}, nil
}

// sortedBySeq returns m's values in creation order.
func sortedBySeq[T any](m map[string]*T, seq func(*T) int64) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *T) int { return int(seq(a) - seq(b)) })
	return out
}
