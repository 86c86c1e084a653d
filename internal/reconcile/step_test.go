package reconcile

import (
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func TestStepDescribe(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		step Step
		want string
	}{
		{Step{Operation: OpDeleteRepositoryPolicy}, "DeleteRepositoryPolicy"},
		{Step{Operation: OpCreateRepository, Encryption: &spec.Encryption{Type: "AES256"}, ImageTagMutability: "IMMUTABLE", ScanOnPush: &yes,
			Tags: map[string]string{"b": "2", "a": "1"}},
			"CreateRepository: encryption AES256, imageTagMutability IMMUTABLE, scanOnPush true, tag a=1, tag b=2"},
		{Step{Operation: OpCreateRepository, Encryption: &spec.Encryption{Type: "KMS", KMSKey: "alias/k"}}, "CreateRepository: encryption KMS alias/k"},
		{Step{Operation: OpSetRepositoryPolicy, PolicyText: `{"Version":"2012-10-17"}`}, `SetRepositoryPolicy: {"Version":"2012-10-17"}`},
		{Step{Operation: OpPutRegistryScanningConfiguration, ScanType: "ENHANCED", ScanningRules: []ScanningRuleStep{{Frequency: "CONTINUOUS_SCAN", Filters: []string{"prod-*", "web"}}}},
			"PutRegistryScanningConfiguration: scanType ENHANCED, rule CONTINUOUS_SCAN prod-* web"},
		{Step{Operation: OpPutReplicationConfiguration}, "PutReplicationConfiguration: no rules"},
		{Step{Operation: OpPutReplicationConfiguration, ReplicationRules: []ReplicationRuleStep{{Destinations: []ReplicationDestination{{"us-east-1", "123456789012"}}, Filters: []string{"team-a/"}}}},
			"PutReplicationConfiguration: rule to us-east-1/123456789012 for prefixes team-a/"},
		{Step{Operation: OpCreatePullThroughCacheRule, Prefix: "docker-hub", UpstreamRegistryURL: "registry-1.docker.io", CredentialArn: "arn:secret"},
			"CreatePullThroughCacheRule: prefix docker-hub, upstreamRegistryUrl registry-1.docker.io, credentialArn arn:secret"},
		{Step{Operation: OpUpdateRepositoryCreationTemplate, Prefix: "ROOT", AppliedFor: []string{"REPLICATION"}, Description: ptr("d"),
			LifecyclePolicyText: ptr(""), RepositoryPolicyText: ptr("{}"), ResourceTags: &map[string]string{}},
			`UpdateRepositoryCreationTemplate: prefix ROOT, appliedFor REPLICATION, description "d", no tags, lifecyclePolicy none, repositoryPolicy {}`},
	} {
		if got := tc.step.Describe(); got != tc.want {
			t.Errorf("Describe() = %q, want %q", got, tc.want)
		}
	}
}
