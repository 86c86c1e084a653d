package reconcile

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// RegistryLive is what ECR holds for the registry-level settings: each
// setting is read only when the spec's registry: section manages it (the
// scanning configuration also when a managed repository's scanOnPush may be
// overridden by it), and the Read flag says whether it was.
type RegistryLive struct {
	Scanning     *types.RegistryScanningConfiguration `json:"scanning,omitempty"`
	ScanningRead bool                                 `json:"scanning_read,omitempty"`
	// ScanningDenied: the configuration was read only to check whether it
	// overrides a repository's scanOnPush, and ECR denied the read, so the
	// plan skips that check and says so.
	ScanningDenied bool `json:"scanning_denied,omitempty"`
	// Replication comes with DescribeRegistry; nil when read means none.
	Replication     *types.ReplicationConfiguration `json:"replication,omitempty"`
	ReplicationRead bool                            `json:"replication_read,omitempty"`
	// Policy is nil when the registry has none.
	Policy     *string `json:"policy,omitempty"`
	PolicyRead bool    `json:"policy_read,omitempty"`
	// Every rule and template, managed or not: the unmanaged ones are listed
	// in the plan and decide the creation-template warnings.
	PullThroughCache      []types.PullThroughCacheRule       `json:"pull_through_cache,omitempty"`
	PullThroughCacheRead  bool                               `json:"pull_through_cache_read,omitempty"`
	CreationTemplates     []types.RepositoryCreationTemplate `json:"creation_templates,omitempty"`
	CreationTemplatesRead bool                               `json:"creation_templates_read,omitempty"`
}

// fingerprintView is the part of the registry's state a plan depends on:
// the singletons read, and the rules and templates whose prefixes the spec
// lists. A change to an unlisted rule or template does not stale a plan.
func (r *RegistryLive) fingerprintView(rs *spec.RegistrySettings) *RegistryLive {
	if r == nil || rs == nil {
		return nil
	}
	v := *r
	v.PullThroughCache = nil
	for _, lr := range r.PullThroughCache {
		for _, d := range rs.PullThroughCache {
			if d.Prefix == aws.ToString(lr.EcrRepositoryPrefix) {
				v.PullThroughCache = append(v.PullThroughCache, lr)
			}
		}
	}
	v.CreationTemplates = nil
	for _, lt := range r.CreationTemplates {
		for _, d := range rs.CreationTemplates {
			if d.Prefix == aws.ToString(lt.Prefix) {
				v.CreationTemplates = append(v.CreationTemplates, lt)
			}
		}
	}
	return &v
}

// startRegistry begins the registry read for a spec with a registry:
// section: when replication is managed it reads it first, because the same
// DescribeRegistry answer names the registry's account, which an empty
// registry would otherwise cost a call of its own.
func startRegistry(ctx context.Context, client ecrapi.Reader, f *spec.File, live *Live) error {
	if f.Registry == nil {
		return nil // no registry: section, no registry call
	}
	live.Registry = &RegistryLive{}
	if f.Registry.Replication == nil {
		return nil
	}
	id, cfg, err := ecrapi.ReadReplication(ctx, client)
	if err != nil {
		return err
	}
	live.Registry.Replication, live.Registry.ReplicationRead = cfg, true
	if live.RegistryID == "" {
		live.RegistryID = id
	}
	return nil
}

// readRegistry reads the rest of what the registry: section manages, one
// read per setting (the lists follow every page). The scanning
// configuration is also read when a managed repository sets scanOnPush: its
// rules may override it, which the plan then says. That read is only for a
// warning, so when it alone is denied the plan goes on without the check
// (ScanningDenied) instead of failing; a managed scanning still needs it.
func readRegistry(ctx context.Context, client ecrapi.Reader, f *spec.File, live *Live, parallelism int) error {
	rs, rl := f.Registry, live.Registry
	if rs == nil {
		return nil
	}
	var tasks []func(context.Context) error
	if rs.Scanning != nil || managesScanOnPush(f) {
		tasks = append(tasks, func(ctx context.Context) error {
			cfg, err := ecrapi.ReadRegistryScanning(ctx, client)
			rl.Scanning, rl.ScanningRead = cfg, err == nil
			if err != nil && rs.Scanning == nil && isAccessDenied(err) {
				rl.ScanningDenied = true
				return nil
			}
			return err
		})
	}
	if rs.Policy != nil {
		tasks = append(tasks, func(ctx context.Context) error {
			text, err := ecrapi.ReadRegistryPolicy(ctx, client)
			rl.Policy, rl.PolicyRead = text, err == nil
			return err
		})
	}
	if rs.PullThroughCache != nil {
		tasks = append(tasks, func(ctx context.Context) error {
			rules, err := ecrapi.ListPullThroughCacheRules(ctx, client)
			rl.PullThroughCache, rl.PullThroughCacheRead = rules, err == nil
			return err
		})
	}
	if rs.CreationTemplates != nil {
		tasks = append(tasks, func(ctx context.Context) error {
			ts, err := ecrapi.ListCreationTemplates(ctx, client)
			rl.CreationTemplates, rl.CreationTemplatesRead = ts, err == nil
			return err
		})
	}
	return ecrapi.RunAll(ctx, parallelism, tasks)
}

func managesScanOnPush(f *spec.File) bool {
	for _, d := range f.Repositories {
		if !d.Absent && d.ScanOnPush != nil {
			return true
		}
	}
	return false
}
