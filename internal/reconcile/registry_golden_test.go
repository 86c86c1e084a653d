package reconcile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/golden"
)

// goldenRegistrySpec has every registry kind, with each action it can take.
const goldenRegistrySpec = `version: 1
region: us-west-2
registry:
  scanning:
    type: ENHANCED
    rules:
      - frequency: CONTINUOUS_SCAN
        filters: ["prod-*"]
  replication:
    rules:
      - destinations:
          - region: us-east-1
          - {region: eu-west-1, account: "111122223333"}
        filters: ["team-a/"]
  policy:
    Version: "2012-10-17"
    Statement:
      - Sid: ReplicationFromSource
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::444455556666:root"}
        Action: ["ecr:CreateRepository", "ecr:ReplicateImage"]
        Resource: "arn:aws:ecr:us-west-2:123456789012:repository/*"
  pullThroughCache:
    - prefix: docker-hub
      upstreamUrl: registry-1.docker.io
      credentialArn: arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub-v2
    - prefix: ghcr
      upstreamUrl: ghcr.io
      credentialArn: arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/ghcr
    - prefix: k8s
      upstreamUrl: registry.k8s.io
    - prefix: old-quay
      state: absent
  creationTemplates:
    - prefix: team-a
      appliedFor: [REPLICATION, PULL_THROUGH_CACHE]
      description: team a
      imageTagMutability: IMMUTABLE
      lifecyclePolicy:
        rules:
          - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
            action: {type: expire}
      tags: {Team: a}
      customRoleArn: arn:aws:iam::123456789012:role/ecr-templates
    - prefix: docker-hub
      appliedFor: [PULL_THROUGH_CACHE]
      imageTagMutability: IMMUTABLE
      tags: {Source: docker-hub}
      customRoleArn: arn:aws:iam::123456789012:role/ecr-templates
    - prefix: retired
      state: absent
repositories:
  - name: prod-api
    scanOnPush: false
`

func goldenRegistryLive() *Live {
	l := registryLive(func(r *RegistryLive) {
		r.Scanning = &types.RegistryScanningConfiguration{ScanType: types.ScanTypeBasic, Rules: []types.RegistryScanningRule{{
			ScanFrequency:     types.ScanFrequencyScanOnPush,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}},
		}}}
		r.Policy = aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"ReplicationFromSource","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"ecr:ReplicateImage","Resource":"arn:aws:ecr:us-west-2:123456789012:repository/*"}]}`)
		r.PullThroughCache = []types.PullThroughCacheRule{
			{EcrRepositoryPrefix: aws.String("docker-hub"), UpstreamRegistryUrl: aws.String("registry-1.docker.io"), UpstreamRegistry: types.UpstreamRegistryDockerHub,
				CredentialArn: aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub")},
			{EcrRepositoryPrefix: aws.String("k8s"), UpstreamRegistryUrl: aws.String("k8s.gcr.io"), UpstreamRegistry: types.UpstreamRegistryK8s},
			{EcrRepositoryPrefix: aws.String("old-quay"), UpstreamRegistryUrl: aws.String("quay.io"), UpstreamRegistry: types.UpstreamRegistryQuay},
			{EcrRepositoryPrefix: aws.String("ecr-public"), UpstreamRegistryUrl: aws.String("public.ecr.aws"), UpstreamRegistry: types.UpstreamRegistryEcrPublic},
		}
		r.CreationTemplates = []types.RepositoryCreationTemplate{
			{Prefix: aws.String("docker-hub"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache}, ImageTagMutability: types.ImageTagMutabilityMutable},
			{Prefix: aws.String("retired"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForReplication}},
			{Prefix: aws.String("legacy"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForCreateOnPush}},
		}
	})
	l.Repos["prod-api"] = liveRepo("prod-api", func(r *ecrapi.Repository) { r.ScanOnPush = true })
	return l
}

func TestGoldenRegistryPlan(t *testing.T) {
	p := Diff(mustSpec(t, goldenRegistrySpec), goldenRegistryLive(), DiffOptions{})
	var text, js bytes.Buffer
	if err := RenderText(&text, p, false); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	md := renderMarkdown(t, p)
	golden.Check(t, "registry-plan.txt", text.Bytes())
	golden.Check(t, "registry-plan.json", js.Bytes())
	golden.Check(t, "registry-plan.md", []byte(md))

	// Every kind is in all three renderings.
	for _, typ := range []string{TypeRegistryScanning, TypeReplication, TypeRegistryPolicy, TypePullThroughCacheRule, TypeCreationTemplate} {
		noun := kinds[typ].Noun
		if !strings.Contains(text.String(), noun) || !strings.Contains(js.String(), `"type": "`+typ+`"`) || !strings.Contains(md, "`"+typ) {
			t.Errorf("%s is missing from a rendering", typ)
		}
	}
	for _, want := range []string{"Unmanaged pull-through cache rules (not in the spec, never touched): ecr-public", "Unmanaged repository creation templates (not in the spec, never touched): legacy"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// The JSON is the saved-plan format: it reads back to the same plan.
	back, err := ReadPlanJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSaved(back, p); err != nil {
		t.Errorf("a saved registry plan is refused against itself: %v", err)
	}
}
