package spec_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// registryHead is a valid spec up to the registry: key; cases append its
// body from line 6.
const registryHead = `version: 1
region: us-west-2
account: "111122223333"
repositories: [{name: app}]
registry:
`

const testSecret = "arn:aws:secretsmanager:us-west-2:111122223333:secret:ecr-pullthroughcache/hub-AbCdEf"

// expandRegistryCase replaces the placeholders that stand for long lists
// and values in the cases below.
func expandRegistryCase(body string) string {
	list := func(n int, f func(i int) string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = f(i)
		}
		return strings.Join(items, ", ")
	}
	return strings.NewReplacer(
		"LONG256", strings.Repeat("a", 256),
		"LONG257", strings.Repeat("d", 257),
		"F101", list(101, func(i int) string { return fmt.Sprintf("f%d-*", i) }),
		"P101", list(101, func(i int) string { return fmt.Sprintf("p%d-", i) }),
		"R11", list(11, func(i int) string { return fmt.Sprintf("{destinations: [{region: us-east-1}], filters: [r%d-]}", i) }),
		"D13", list(13, func(i int) string { return fmt.Sprintf("{region: us-east-1, account: \"%012d\"}", 444455550000+i) }),
		"SECRET", testSecret,
	).Replace(body)
}

// TestRegistryProblems: every rule ECR enforces on the registry settings is
// reported before any AWS call, with file:line:col, the field path and what
// to do. Each case is one mistake in an otherwise valid file; want is the
// whole message (placeholders as in expandRegistryCase).
func TestRegistryProblems(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"scan type missing",
			"  scanning: {rules: []}",
			"registry.yaml:6:13: registry.scanning.type: missing; use BASIC or ENHANCED"},
		{"scan type empty",
			"  scanning: {type: \"\"}",
			"registry.yaml:6:20: registry.scanning.type: is empty; use BASIC or ENHANCED"},
		{"scan type unknown",
			"  scanning: {type: FULL}",
			"registry.yaml:6:20: registry.scanning.type: \"FULL\" is not a scan type; use BASIC or ENHANCED"},
		{"scan type null",
			"  scanning: {type: null}",
			"registry.yaml:6:20: registry.scanning.type: has no value; give a value or remove the key"},
		{"scan three rules",
			"  scanning:\n    type: ENHANCED\n    rules:\n      - {frequency: SCAN_ON_PUSH, filters: [a]}\n      - {frequency: CONTINUOUS_SCAN, filters: [b]}\n      - {frequency: SCAN_ON_PUSH, filters: [c]}",
			"registry.yaml:9:7: registry.scanning.rules: 3 rules given; ECR allows at most 2 registry scanning rules"},
		{"scan frequency missing",
			"  scanning: {type: BASIC, rules: [{filters: [\"*\"]}]}",
			"registry.yaml:6:35: registry.scanning.rules[0].frequency: missing; use SCAN_ON_PUSH or CONTINUOUS_SCAN"},
		{"scan frequency unknown",
			"  scanning: {type: ENHANCED, rules: [{frequency: DAILY, filters: [\"*\"]}]}",
			"registry.yaml:6:50: registry.scanning.rules[0].frequency: \"DAILY\" is not a scan frequency; use SCAN_ON_PUSH or CONTINUOUS_SCAN"},
		{"scan frequency manual",
			"  scanning: {type: ENHANCED, rules: [{frequency: MANUAL, filters: [\"*\"]}]}",
			"registry.yaml:6:50: registry.scanning.rules[0].frequency: ECR takes no MANUAL rules: a repository no rule matches is scanned only on request already; remove the rule, or use SCAN_ON_PUSH or CONTINUOUS_SCAN"},
		{"basic continuous",
			"  scanning: {type: BASIC, rules: [{frequency: CONTINUOUS_SCAN, filters: [\"*\"]}]}",
			"registry.yaml:6:47: registry.scanning.rules[0].frequency: BASIC scanning takes only SCAN_ON_PUSH rules, not CONTINUOUS_SCAN; use SCAN_ON_PUSH or change type to ENHANCED"},
		{"scan filter uppercase",
			"  scanning: {type: BASIC, rules: [{frequency: SCAN_ON_PUSH, filters: [\"Prod-*\"]}]}",
			"registry.yaml:6:71: registry.scanning.rules[0].filters[0]: \"Prod-*\" is not a WILDCARD filter: 1 to 255 lowercase letters, digits, . _ - / and * wildcards, starting and ending with a letter, digit or *"},
		{"scan filter trailing dash",
			"  scanning: {type: BASIC, rules: [{frequency: SCAN_ON_PUSH, filters: [\"prod-\"]}]}",
			"registry.yaml:6:71: registry.scanning.rules[0].filters[0]: \"prod-\" is not a WILDCARD filter: 1 to 255 lowercase letters, digits, . _ - / and * wildcards, starting and ending with a letter, digit or *"},
		{"scan filter too long",
			"  scanning: {type: BASIC, rules: [{frequency: SCAN_ON_PUSH, filters: [\"LONG256\"]}]}",
			"registry.yaml:6:71: registry.scanning.rules[0].filters[0]: \"LONG256\" is not a WILDCARD filter: 1 to 255 lowercase letters, digits, . _ - / and * wildcards, starting and ending with a letter, digit or *"},
		{"scan 101 filters",
			"  scanning: {type: BASIC, rules: [{frequency: SCAN_ON_PUSH, filters: [F101]}]}",
			"registry.yaml:6:70: registry.scanning.rules[0].filters: 101 filters given; ECR allows at most 100 a rule"},
		{"scan unknown key",
			"  scanning: {type: BASIC, rule: []}",
			"registry.yaml:6:27: registry.scanning.rule: unknown key \"rule\"; did you mean rules?"},
		{"replication rules missing",
			"  replication: {}",
			"registry.yaml:6:16: registry.replication.rules: missing; list the replication rules, or give rules: [] for no replication"},
		{"replication 11 rules",
			"  replication:\n    rules: [R11]",
			"registry.yaml:7:12: registry.replication.rules: 11 rules given; ECR allows at most 10 replication rules"},
		{"replication rule no destinations",
			"  replication: {rules: [{destinations: []}]}",
			"registry.yaml:6:25: registry.replication.rules[0].destinations: a rule needs at least one destination {region, account}"},
		{"replication 26 destinations",
			"  replication:\n    rules:\n      - destinations: [D13]\n      - destinations: [D13]",
			"registry.yaml:9:23: registry.replication.rules[1].destinations: 26 destinations in all up to this rule; ECR allows at most 25 across all replication rules"},
		{"replication region missing",
			"  replication: {rules: [{destinations: [{account: \"444455556666\"}]}]}",
			"registry.yaml:6:41: registry.replication.rules[0].destinations[0].region: missing; name the region to replicate to, e.g. us-east-1"},
		{"replication region bad",
			"  replication: {rules: [{destinations: [{region: EU_WEST}]}]}",
			"registry.yaml:6:50: registry.replication.rules[0].destinations[0].region: \"EU_WEST\" is not an AWS region name like us-east-1"},
		{"replication account bad",
			"  replication: {rules: [{destinations: [{region: us-east-1, account: \"4444\"}]}]}",
			"registry.yaml:6:70: registry.replication.rules[0].destinations[0].account: \"4444\" is not a 12-digit AWS account id; quote it so YAML keeps leading zeros"},
		{"replication to itself",
			"  replication: {rules: [{destinations: [{region: us-west-2}]}]}",
			"registry.yaml:6:41: registry.replication.rules[0].destinations[0]: replicates to this registry itself (account 111122223333, region us-west-2); ECR rejects a destination equal to the source: name another region or account"},
		{"replication to itself by account",
			"  replication: {rules: [{destinations: [{region: us-west-2, account: \"111122223333\"}]}]}",
			"registry.yaml:6:41: registry.replication.rules[0].destinations[0]: replicates to this registry itself (account 111122223333, region us-west-2); ECR rejects a destination equal to the source: name another region or account"},
		{"replication destination twice",
			"  replication: {rules: [{destinations: [{region: us-east-1}, {region: us-east-1}]}]}",
			"registry.yaml:6:62: registry.replication.rules[0].destinations[1]: is listed twice in this rule (first as destinations[0]); keep one"},
		{"replication filter wildcard",
			"  replication: {rules: [{destinations: [{region: us-east-1}], filters: [\"prod-*\"]}]}",
			"registry.yaml:6:73: registry.replication.rules[0].filters[0]: \"prod-*\" is not a PREFIX_MATCH filter: the start of a repository name, 2 to 256 lowercase letters, digits, . _ - and / (no wildcards)"},
		{"replication filter short",
			"  replication: {rules: [{destinations: [{region: us-east-1}], filters: [\"a\"]}]}",
			"registry.yaml:6:73: registry.replication.rules[0].filters[0]: \"a\" is not a PREFIX_MATCH filter: the start of a repository name, 2 to 256 lowercase letters, digits, . _ - and / (no wildcards)"},
		{"replication 101 filters",
			"  replication: {rules: [{destinations: [{region: us-east-1}], filters: [P101]}]}",
			"registry.yaml:6:72: registry.replication.rules[0].filters: 101 filters given; ECR allows at most 100 a rule"},
		{"policy without resource",
			"  policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: {AWS: \"444455556666\"}, Action: [\"ecr:ReplicateImage\"]}]}",
			"registry.yaml:6:47: registry.policy.Statement[0].Resource: is required in a registry policy (or NotResource): the repositories the statement covers, e.g. \"arn:aws:ecr:us-west-2:111122223333:repository/*\""},
		{"policy resource of another service",
			"  policy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},\"Action\":\"ecr:ReplicateImage\",\"Resource\":\"arn:aws:s3:::b\"}]}'",
			"registry.yaml:6:11: registry.policy.Statement[0].Resource: \"arn:aws:s3:::b\" is not an ECR resource; a registry policy names \"*\" or ECR ARNs like \"arn:aws:ecr:us-west-2:111122223333:repository/*\""},
		{"policy bad json",
			"  policy: '{\"Version\":'",
			"registry.yaml:6:11: registry.policy: policy is not valid JSON: unexpected EOF; give an IAM policy document as YAML, a JSON string, or none"},
		{"policy number",
			"  policy: 5",
			"registry.yaml:6:11: registry.policy: policy document must be an object (or a string holding a JSON object), got a number; give an IAM policy document as YAML, a JSON string, or none"},
		{"ptc prefix missing",
			"  pullThroughCache: [{upstreamUrl: quay.io}]",
			"registry.yaml:6:22: registry.pullThroughCache[0].prefix: missing; give a pull-through cache prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces"},
		{"ptc prefix one char",
			"  pullThroughCache: [{prefix: q, upstreamUrl: quay.io}]",
			"registry.yaml:6:31: registry.pullThroughCache[0].prefix: \"q\" is not a pull-through cache prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces"},
		{"ptc prefix 31 chars",
			"  pullThroughCache: [{prefix: abcdefghijklmnopqrstuvwxyz01234, upstreamUrl: quay.io}]",
			"registry.yaml:6:31: registry.pullThroughCache[0].prefix: \"abcdefghijklmnopqrstuvwxyz01234\" is not a pull-through cache prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces"},
		{"ptc prefix uppercase",
			"  pullThroughCache: [{prefix: Quay, upstreamUrl: quay.io}]",
			"registry.yaml:6:31: registry.pullThroughCache[0].prefix: \"Quay\" is not a pull-through cache prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces"},
		{"ptc prefix twice",
			"  pullThroughCache:\n    - {prefix: quay, upstreamUrl: quay.io}\n    - {prefix: quay/, upstreamUrl: quay.io}",
			"registry.yaml:8:16: registry.pullThroughCache[1].prefix: \"quay/\" is listed twice (first at line 7); merge the entries"},
		{"ptc state wrong",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: quay.io, state: gone}]",
			"registry.yaml:6:66: registry.pullThroughCache[0] (quay).state: \"gone\" is not a state; use present or absent"},
		{"ptc url missing",
			"  pullThroughCache: [{prefix: quay}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (quay).upstreamUrl: missing; give the upstream registry's host, e.g. registry-1.docker.io"},
		{"ptc url with http",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: \"http://quay.io\"}]",
			"registry.yaml:6:50: registry.pullThroughCache[0] (quay).upstreamUrl: \"http://quay.io\": give the registry's host (https:// may come before it), without a path, e.g. registry-1.docker.io"},
		{"ptc url with a path",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: \"quay.io/coreos\"}]",
			"registry.yaml:6:50: registry.pullThroughCache[0] (quay).upstreamUrl: \"quay.io/coreos\": give the registry's host (https:// may come before it), without a path, e.g. registry-1.docker.io"},
		{"ptc url docker.io",
			"  pullThroughCache: [{prefix: hub, upstreamUrl: docker.io, credentialArn: SECRET}]",
			"registry.yaml:6:49: registry.pullThroughCache[0] (hub).upstreamUrl: \"docker.io\": ECR takes Docker Hub as registry-1.docker.io"},
		{"ptc url unknown",
			"  pullThroughCache: [{prefix: mine, upstreamUrl: registry.example.com}]",
			"registry.yaml:6:50: registry.pullThroughCache[0] (mine).upstreamUrl: \"registry.example.com\" is not an upstream ECR supports; use registry-1.docker.io, ghcr.io, registry.gitlab.com, NAME.azurecr.io, cgr.dev, quay.io, registry.k8s.io, public.ecr.aws or ACCOUNT.dkr.ecr.REGION.amazonaws.com"},
		{"ptc registry unknown",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: quay.io, upstreamRegistry: quay-io}]",
			"registry.yaml:6:77: registry.pullThroughCache[0] (quay).upstreamRegistry: \"quay-io\" is not an upstream ECR supports; use azure-container-registry, chainguard, docker-hub, ecr, ecr-public, github-container-registry, gitlab-container-registry, k8s, quay"},
		{"ptc url and registry disagree",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: ghcr.io, upstreamRegistry: quay}]",
			"registry.yaml:6:50: registry.pullThroughCache[0] (quay).upstreamUrl: \"ghcr.io\" is not a host of quay: it takes quay.io; fix upstreamUrl or upstreamRegistry"},
		{"ptc azure host wrong",
			"  pullThroughCache: [{prefix: acr, upstreamUrl: example.azure.com, upstreamRegistry: azure-container-registry, credentialArn: SECRET}]",
			"registry.yaml:6:49: registry.pullThroughCache[0] (acr).upstreamUrl: \"example.azure.com\" is not a host of azure-container-registry: it takes NAME.azurecr.io; fix upstreamUrl or upstreamRegistry"},
		{"ptc docker hub without credential",
			"  pullThroughCache: [{prefix: docker-hub, upstreamUrl: registry-1.docker.io}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (docker-hub).credentialArn: missing; ECR needs a Secrets Manager secret (named ecr-pullthroughcache/...) with the credentials for docker-hub"},
		{"ptc ghcr without credential",
			"  pullThroughCache: [{prefix: ghcr, upstreamUrl: ghcr.io}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (ghcr).credentialArn: missing; ECR needs a Secrets Manager secret (named ecr-pullthroughcache/...) with the credentials for github-container-registry"},
		{"ptc gitlab without credential",
			"  pullThroughCache: [{prefix: gitlab, upstreamUrl: registry.gitlab.com}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (gitlab).credentialArn: missing; ECR needs a Secrets Manager secret (named ecr-pullthroughcache/...) with the credentials for gitlab-container-registry"},
		{"ptc azure without credential",
			"  pullThroughCache: [{prefix: acr, upstreamUrl: durableai.azurecr.io}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (acr).credentialArn: missing; ECR needs a Secrets Manager secret (named ecr-pullthroughcache/...) with the credentials for azure-container-registry"},
		{"ptc chainguard without credential",
			"  pullThroughCache: [{prefix: cgr, upstreamUrl: cgr.dev}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (cgr).credentialArn: missing; ECR needs a Secrets Manager secret (named ecr-pullthroughcache/...) with the credentials for chainguard"},
		{"ptc credential wrong name",
			"  pullThroughCache: [{prefix: docker-hub, upstreamUrl: registry-1.docker.io, credentialArn: \"arn:aws:secretsmanager:us-west-2:111122223333:secret:dockerhub-creds-AbCdEf\"}]",
			"registry.yaml:6:93: registry.pullThroughCache[0] (docker-hub).credentialArn: \"arn:aws:secretsmanager:us-west-2:111122223333:secret:dockerhub-creds-AbCdEf\" is not a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/, like arn:aws:secretsmanager:us-west-2:111122223333:secret:ecr-pullthroughcache/docker-hub"},
		{"ptc credential on ecr",
			"  pullThroughCache: [{prefix: shared, upstreamUrl: 111122223333.dkr.ecr.us-east-1.amazonaws.com, credentialArn: SECRET}]",
			"registry.yaml:6:113: registry.pullThroughCache[0] (shared).credentialArn: an ECR upstream authenticates with customRoleArn, not a secret; remove credentialArn"},
		{"ptc role on quay",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: quay.io, customRoleArn: \"arn:aws:iam::111122223333:role/ptc\"}]",
			"registry.yaml:6:74: registry.pullThroughCache[0] (quay).customRoleArn: only an ECR upstream (ACCOUNT.dkr.ecr.REGION.amazonaws.com) takes customRoleArn, not quay; remove it"},
		{"ptc upstream prefix on quay",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: quay.io, upstreamRepositoryPrefix: coreos}]",
			"registry.yaml:6:85: registry.pullThroughCache[0] (quay).upstreamRepositoryPrefix: only an ECR upstream (ACCOUNT.dkr.ecr.REGION.amazonaws.com) takes upstreamRepositoryPrefix, not quay; remove it"},
		{"ptc ecr cross account without role",
			"  pullThroughCache: [{prefix: shared, upstreamUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com}]",
			"registry.yaml:6:22: registry.pullThroughCache[0] (shared).customRoleArn: missing; the upstream registry is in another account (444455556666), so ECR needs an IAM role in this account that may pull from it"},
		{"ptc role not a role",
			"  pullThroughCache: [{prefix: shared, upstreamUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com, customRoleArn: \"arn:aws:iam::111122223333:user/ptc\"}]",
			"registry.yaml:6:113: registry.pullThroughCache[0] (shared).customRoleArn: \"arn:aws:iam::111122223333:user/ptc\" is not an IAM role ARN like arn:aws:iam::111122223333:role/NAME"},
		{"ptc role in another account",
			"  pullThroughCache: [{prefix: shared, upstreamUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com, customRoleArn: \"arn:aws:iam::444455556666:role/ptc\"}]",
			"registry.yaml:6:113: registry.pullThroughCache[0] (shared).customRoleArn: the role is in account 444455556666, but ECR only assumes a role in the registry's own account (111122223333)"},
		{"ptc upstream prefix bad",
			"  pullThroughCache: [{prefix: shared, upstreamUrl: 111122223333.dkr.ecr.us-east-1.amazonaws.com, upstreamRepositoryPrefix: \"Team_A\"}]",
			"registry.yaml:6:124: registry.pullThroughCache[0] (shared).upstreamRepositoryPrefix: \"Team_A\" is not a repository prefix: ROOT, or 2 to 30 lowercase letters and digits with . _ - separators and / namespaces"},
		{"ptc unknown key",
			"  pullThroughCache: [{prefix: quay, upstreamUrl: quay.io, credentialARN: x}]",
			"registry.yaml:6:59: registry.pullThroughCache[0].credentialARN: unknown key \"credentialARN\"; did you mean credentialArn?"},
		{"template prefix missing",
			"  creationTemplates: [{appliedFor: [REPLICATION]}]",
			"registry.yaml:6:23: registry.creationTemplates[0].prefix: missing; give a creation template prefix: ROOT, or lowercase letters and digits with . _ - separators and / namespaces (at most 256 characters)"},
		{"template prefix bad",
			"  creationTemplates: [{prefix: \"team a\", appliedFor: [REPLICATION]}]",
			"registry.yaml:6:32: registry.creationTemplates[0].prefix: \"team a\" is not a creation template prefix: ROOT, or lowercase letters and digits with . _ - separators and / namespaces (at most 256 characters)"},
		{"template prefix twice",
			"  creationTemplates:\n    - {prefix: team-a, appliedFor: [REPLICATION]}\n    - {prefix: team-a, appliedFor: [CREATE_ON_PUSH]}",
			"registry.yaml:8:16: registry.creationTemplates[1].prefix: \"team-a\" is listed twice (first at line 7); merge the entries"},
		{"template appliedFor missing",
			"  creationTemplates: [{prefix: team-a}]",
			"registry.yaml:6:23: registry.creationTemplates[0] (team-a).appliedFor: missing; list when ECR applies the template: CREATE_ON_PUSH, PULL_THROUGH_CACHE, REPLICATION"},
		{"template appliedFor empty",
			"  creationTemplates: [{prefix: team-a, appliedFor: []}]",
			"registry.yaml:6:52: registry.creationTemplates[0] (team-a).appliedFor: is empty; list at least one of CREATE_ON_PUSH, PULL_THROUGH_CACHE, REPLICATION"},
		{"template appliedFor unknown",
			"  creationTemplates: [{prefix: team-a, appliedFor: [ON_PULL]}]",
			"registry.yaml:6:53: registry.creationTemplates[0] (team-a).appliedFor[0]: \"ON_PULL\" is not a creation scenario; use CREATE_ON_PUSH, PULL_THROUGH_CACHE or REPLICATION"},
		{"template appliedFor twice",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION, REPLICATION]}]",
			"registry.yaml:6:66: registry.creationTemplates[0] (team-a).appliedFor[1]: REPLICATION is listed twice (first as appliedFor[0]); keep one"},
		{"template description too long",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], description: LONG257}]",
			"registry.yaml:6:80: registry.creationTemplates[0] (team-a).description: is 257 characters; ECR allows at most 256"},
		{"template tags without role",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], tags: {team: a}}]",
			"registry.yaml:6:23: registry.creationTemplates[0] (team-a).customRoleArn: missing; a template that sets tags needs a role ECR assumes to create the repositories (with ecr:CreateRepository, ecr:TagResource and kms:CreateGrant as needed)"},
		{"template kms key without role",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], encryption: {type: KMS, kmsKey: \"arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\"}}]",
			"registry.yaml:6:23: registry.creationTemplates[0] (team-a).customRoleArn: missing; a template that sets a KMS key needs a role ECR assumes to create the repositories (with ecr:CreateRepository, ecr:TagResource and kms:CreateGrant as needed)"},
		{"template kms alias",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], customRoleArn: \"arn:aws:iam::111122223333:role/rct\", encryption: {type: KMS, kmsKey: alias/ecr}}]",
			"registry.yaml:6:152: registry.creationTemplates[0] (team-a).encryption.kmsKey: \"alias/ecr\": a creation template takes the full key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias or a bare key id"},
		{"template role bad",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], customRoleArn: ecr-templates}]",
			"registry.yaml:6:82: registry.creationTemplates[0] (team-a).customRoleArn: \"ecr-templates\" is not an IAM role ARN like arn:aws:iam::111122223333:role/NAME"},
		{"template scanOnPush",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], scanOnPush: true}]",
			"registry.yaml:6:67: registry.creationTemplates[0].scanOnPush: unknown key \"scanOnPush\"; a creation template has no scanOnPush: registry.scanning rules decide how the repositories ECR creates are scanned"},
		{"template mutability wrong",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], imageTagMutability: LOCKED}]",
			"registry.yaml:6:87: registry.creationTemplates[0] (team-a).imageTagMutability: \"LOCKED\" is not a tag mutability; use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION"},
		{"template filters without exclusion",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], imageTagMutability: IMMUTABLE, imageTagMutabilityExclusionFilters: [latest]}]",
			"registry.yaml:6:134: registry.creationTemplates[0] (team-a).imageTagMutabilityExclusionFilters: filters only apply with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not IMMUTABLE; change imageTagMutability or remove the filters"},
		{"template unknown lifecycle",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], lifecyclePolicy: nightly}]",
			"registry.yaml:6:84: registry.creationTemplates[0] (team-a).lifecyclePolicy: unknown lifecycle policy \"nightly\"; define it under lifecyclePolicies, or use none"},
		{"template repository policy with resource",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], repositoryPolicy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: \"*\", Action: \"ecr:BatchGetImage\", Resource: \"*\"}]}}]",
			"registry.yaml:6:192: registry.creationTemplates[0] (team-a).repositoryPolicy.Statement[0].Resource: a repository policy has no Resource element: it always applies to its own repository, and ECR rejects a statement that names one (\"Invalid repository policy provided\"); remove Resource"},
		{"template access bad principal",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], access: {pull: [\"arn:aws:iam::*:root\"]}}]",
			"registry.yaml:6:83: registry.creationTemplates[0] (team-a).access.pull[0]: invalid principal \"arn:aws:iam::*:root\": want a 12-digit account id (e.g. 123456789012) or an IAM ARN such as arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/NAME or arn:aws:iam::123456789012:user/NAME (partition aws, aws-cn or aws-us-gov)"},
		{"template aws tag",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], customRoleArn: \"arn:aws:iam::111122223333:role/rct\", tags: {\"aws:team\": a}}]",
			"registry.yaml:6:139: registry.creationTemplates[0] (team-a).tags.aws:team: keys starting with aws: are reserved for AWS; rename the tag"},
		{"template kms key on aes",
			"  creationTemplates: [{prefix: team-a, appliedFor: [REPLICATION], encryption: {type: AES256, kmsKey: \"arn:aws:kms:us-west-2:111122223333:key/abc\"}}]",
			"registry.yaml:6:102: registry.creationTemplates[0] (team-a).encryption.kmsKey: a KMS key is only used with type KMS or KMS_DSSE; remove kmsKey or change the type"},
		{"registry null",
			"  ",
			"registry.yaml:5:10: registry: has no value; give a value or remove the key"},
		{"registry list",
			"  - scanning",
			"registry.yaml:6:3: registry: must be a mapping, got a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spec.Parse("registry.yaml", []byte(registryHead+expandRegistryCase(tc.body)+"\n"))
			ps := problems(t, err)
			if want := expandRegistryCase(tc.want); len(ps) != 1 || ps[0].Error() != want {
				t.Errorf("got %d problems:\n%v\nwant exactly:\n%s", len(ps), err, want)
			}
		})
	}
}

// TestRegistryNormalised: the registry: section in the form the engine
// compares: filters and appliedFor sorted and deduplicated, upstreamRegistry
// inferred from the URL, and a template's repository fields parsed like a
// repository's but without defaults.
func TestRegistryNormalised(t *testing.T) {
	f := mustParse(t, `version: 1
region: us-west-2
defaults: {imageTagMutability: IMMUTABLE, scanOnPush: true, tags: {team: platform}}
lifecyclePolicies:
  cached: {rules: [`+okRule+`]}
repositories: [{name: app}]
registry:
  scanning:
    type: ENHANCED
    rules: [{frequency: CONTINUOUS_SCAN, filters: ["prod-*", "api", "prod-*"]}]
  replication:
    rules:
      - destinations: [{region: us-east-1}, {region: eu-west-1, account: "444455556666"}]
        filters: [web-, api-]
  policy: none
  pullThroughCache:
    - {prefix: quay, upstreamUrl: quay.io}
    - {prefix: old, state: absent}
    - {prefix: hub, upstreamUrl: "https://registry-1.docker.io/", credentialArn: "`+testSecret+`"}
  creationTemplates:
    - prefix: ROOT
      appliedFor: [REPLICATION, CREATE_ON_PUSH, PULL_THROUGH_CACHE]
      imageTagMutability: IMMUTABLE_WITH_EXCLUSION
      imageTagMutabilityExclusionFilters: [latest, dev-*, latest]
      lifecyclePolicy: cached
      access: {pull: ["444455556666"]}
`)
	r := f.Registry
	if r == nil {
		t.Fatal("Registry is nil")
	}
	if r.Line != 7 {
		t.Errorf("Line = %d, want 7 (the registry: key)", r.Line)
	}
	if got := fmt.Sprintf("%s %v", r.Scanning.Type, r.Scanning.Rules); got != "ENHANCED [{CONTINUOUS_SCAN [api prod-*]}]" {
		t.Errorf("Scanning = %s", got)
	}
	if got := fmt.Sprint(r.Replication.Rules); got != "[{[{us-east-1 } {eu-west-1 444455556666}] [api- web-]}]" {
		t.Errorf("Replication = %s", got)
	}
	if r.Policy == nil || r.Policy.Document != nil {
		t.Errorf("Policy = %+v, want none (a setting with no document)", r.Policy)
	}
	if len(r.PullThroughCache) != 3 || r.PullThroughCache[0].UpstreamRegistry != "quay" || r.PullThroughCache[0].Line != 17 ||
		r.PullThroughCache[2].UpstreamRegistry != "docker-hub" || r.PullThroughCache[2].UpstreamURL != "https://registry-1.docker.io/" ||
		!r.PullThroughCache[1].Absent || r.PullThroughCache[1].Prefix != "old" {
		t.Errorf("PullThroughCache = %+v", r.PullThroughCache)
	}
	ct := r.CreationTemplates[0]
	if got := fmt.Sprintf("%s %v %s %v", ct.Prefix, ct.AppliedFor, ct.ImageTagMutability, ct.ExclusionFilters); got != "ROOT [CREATE_ON_PUSH PULL_THROUGH_CACHE REPLICATION] IMMUTABLE_WITH_EXCLUSION [dev-* latest]" {
		t.Errorf("template = %s", got)
	}
	if ct.Lifecycle == nil || ct.Lifecycle.Name != "cached" || ct.Lifecycle.Policy != f.LifecyclePolicies["cached"] {
		t.Errorf("template lifecycle = %+v, want the named policy cached", ct.Lifecycle)
	}
	if ct.Policy == nil || !strings.Contains(ct.Policy.Document.JSON(), `"AWS":["444455556666"]`) {
		t.Errorf("template policy = %+v, want the access statements", ct.Policy)
	}
	// Templates do not inherit defaults: no tags, no encryption.
	if ct.Tags != nil || ct.Encryption != nil {
		t.Errorf("template inherited defaults: tags %v, encryption %v", ct.Tags, ct.Encryption)
	}
}

// TestRegistryUnmanaged: without registry: nothing registry-level is
// managed; within it, each key left out stays nil.
func TestRegistryUnmanaged(t *testing.T) {
	if f := mustParse(t, head); f.Registry != nil {
		t.Errorf("Registry = %+v without a registry: section, want nil", f.Registry)
	}
	f := mustParse(t, head+"registry:\n  replication: {rules: []}\n")
	r := f.Registry
	if r == nil || r.Scanning != nil || r.Policy != nil || r.PullThroughCache != nil || r.CreationTemplates != nil {
		t.Fatalf("Registry = %+v, want only replication managed", r)
	}
	if r.Replication == nil || r.Replication.Rules == nil || len(r.Replication.Rules) != 0 {
		t.Errorf("Replication = %+v, want managed with no rules", r.Replication)
	}
	f = mustParse(t, head+"registry:\n  pullThroughCache: []\n  creationTemplates: []\n")
	if f.Registry.PullThroughCache == nil || f.Registry.CreationTemplates == nil {
		t.Errorf("empty lists must stay non-nil (managed, nothing listed): %+v", f.Registry)
	}
}

// TestRegistryEveryProblemAtOnce: problems in several settings are all
// reported in one run, in file order.
func TestRegistryEveryProblemAtOnce(t *testing.T) {
	_, err := spec.Parse("registry.yaml", []byte(registryHead+`  scanning: {type: BASIC, rules: [{frequency: CONTINUOUS_SCAN}]}
  replication: {rules: [{destinations: [{region: us-west-2}]}]}
  pullThroughCache: [{prefix: hub, upstreamUrl: registry-1.docker.io}]
  creationTemplates: [{prefix: ROOT}]
`))
	ps := problems(t, err)
	var lines []int
	for _, p := range ps {
		lines = append(lines, p.Line)
	}
	if fmt.Sprint(lines) != "[6 7 8 9]" {
		t.Errorf("problems on lines %v, want [6 7 8 9]:\n%v", lines, err)
	}
}

// TestExampleRegistryFull: the documented full registry file loads with no
// problems and declares every registry setting (the schema tests check it
// against the schema too, through repoSpecs).
func TestExampleRegistryFull(t *testing.T) {
	f, err := spec.Load(filepath.Join(repoRoot, "docs", "examples", "registry-full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Registry
	if len(f.Repositories) == 0 || r == nil || r.Scanning == nil || r.Replication == nil || r.Policy == nil || r.Policy.Document == nil ||
		len(r.PullThroughCache) == 0 || len(r.CreationTemplates) == 0 {
		t.Errorf("the example must show repositories and all five registry settings; got %+v", r)
	}
}

// TestRegistryAccountFromAssumeRole: the registry the settings belong to
// is known from assumeRole:'s account as well as from account:.
func TestRegistryAccountFromAssumeRole(t *testing.T) {
	const spec1 = `version: 1
region: eu-west-1
assumeRole: arn:aws:iam::111122223333:role/ecrctl
repositories: [{name: app}]
registry:
  replication: {rules: [{destinations: [{region: eu-west-1}]}]}
  pullThroughCache: [{prefix: shared, upstreamUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com, customRoleArn: "arn:aws:iam::444455556666:role/ptc"}]
`
	_, err := spec.Parse("registry.yaml", []byte(spec1))
	got := problems(t, err).Error()
	want := `registry.yaml:6:41: registry.replication.rules[0].destinations[0]: replicates to this registry itself (account 111122223333, region eu-west-1); ECR rejects a destination equal to the source: name another region or account
registry.yaml:7:113: registry.pullThroughCache[0] (shared).customRoleArn: the role is in account 444455556666, but ECR only assumes a role in the registry's own account (111122223333)`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestUpstreamRegistryInferred: each host ECR documents gives its
// upstreamRegistry when the spec leaves it out, and that value is what
// ECR reports, so the engine compares like with like.
func TestUpstreamRegistryInferred(t *testing.T) {
	tests := []struct{ url, want string }{
		{"registry-1.docker.io", "docker-hub"},
		{"https://registry-1.docker.io/", "docker-hub"},
		{"ghcr.io", "github-container-registry"},
		{"registry.gitlab.com", "gitlab-container-registry"},
		{"durableai.azurecr.io", "azure-container-registry"},
		{"cgr.dev", "chainguard"},
		{"quay.io", "quay"},
		{"registry.k8s.io", "k8s"},
		{"public.ecr.aws", "ecr-public"},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com", "ecr"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			credential := `, credentialArn: "` + testSecret + `"`
			if tc.want == "ecr" {
				credential = "" // an ECR upstream takes a role, not a secret
			}
			f := mustParse(t, registryHead+`  pullThroughCache: [{prefix: up, upstreamUrl: "`+tc.url+`"`+credential+"}]\n")
			if got := f.Registry.PullThroughCache[0].UpstreamRegistry; got != tc.want {
				t.Errorf("upstreamRegistry = %q, want %q", got, tc.want)
			}
		})
	}
}
