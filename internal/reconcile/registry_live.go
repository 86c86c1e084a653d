package reconcile

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// RegistryLive is what ECR holds for the registry-level settings: each
// setting is read only when the spec's registry: section manages it (the
// scanning configuration also when a managed repository's scanOnPush may be
// overridden by it), and the Read flag says whether it was.
type RegistryLive struct {
	Scanning     *types.RegistryScanningConfiguration `json:"scanning,omitempty"`
	ScanningRead bool                                 `json:"scanning_read,omitempty"`
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
