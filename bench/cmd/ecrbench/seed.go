package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"golang.org/x/sync/errgroup"
)

const (
	account = "449870229058"
	region  = "us-west-2"
	pullARN = "arn:aws:iam::" + account + ":role/ecs-task-execution"
	pushARN = "arn:aws:iam::" + account + ":role/github-actions-deploy"
)

func repoName(i int) string { return fmt.Sprintf("bench/svc-%05d", i) }

// writeSpec writes a registry.yaml managing repositories 0..n-1 with every
// attribute: mutability, scanning, encryption, a named lifecycle policy, an
// access policy, and default plus per-repository tags.
func writeSpec(path string, n int) error {
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
region: %s
account: "%s"
defaults:
  imageTagMutability: IMMUTABLE
  scanOnPush: true
  encryption: {type: AES256}
  lifecyclePolicy: bench
  access:
    pull: ["%s"]
    push: ["%s"]
  tags: {Project: bench, ManagedBy: ecrctl}
lifecyclePolicies:
  bench:
    rules:
      - rulePriority: 10
        description: Keep the 10 newest release images
        selection: {tagStatus: tagged, tagPrefixList: [release], countType: imageCountMoreThan, countNumber: 10}
        action: {type: expire}
      - rulePriority: 20
        description: Expire dev images after 7 days
        selection: {tagStatus: tagged, tagPrefixList: [dev], countType: sinceImagePushed, countUnit: days, countNumber: 7}
        action: {type: expire}
      - rulePriority: 30
        description: Expire untagged images after 1 day
        selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
        action: {type: expire}
repositories:
`, region, account, pullARN, pushARN)
	for i := range n {
		fmt.Fprintf(&b, "  - name: %s\n    tags: {Component: c%05d}\n", repoName(i), i)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// The seeded texts say what the spec says, written the way another tool
// would: different key order, a bare string principal, rules out of order.
// ecrctl must compare them by meaning and find no changes.
const seedLifecycle = `{"rules":[` +
	`{"rulePriority":30,"description":"Expire untagged images after 1 day","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}},` +
	`{"rulePriority":10,"description":"Keep the 10 newest release images","selection":{"tagStatus":"tagged","tagPrefixList":["release"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}},` +
	`{"rulePriority":20,"description":"Expire dev images after 7 days","selection":{"tagStatus":"tagged","tagPrefixList":["dev"],"countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`

const seedPolicy = `{"Version":"2012-10-17","Statement":[` +
	`{"Sid":"EcrctlPush","Effect":"Allow","Principal":{"AWS":"` + pushARN + `"},"Action":["ecr:PutImage","ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:CompleteLayerUpload","ecr:GetDownloadUrlForLayer","ecr:InitiateLayerUpload","ecr:UploadLayerPart"]},` +
	`{"Sid":"EcrctlPull","Effect":"Allow","Principal":{"AWS":["` + pullARN + `"]},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]}]}`

// newSDKClient is an ECR client straight to endpoint (moto), with dummy
// credentials and enough idle connections for workers.
func newSDKClient(endpoint string, workers int) *ecr.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	return ecr.New(ecr.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "bench", SecretAccessKey: "bench", Source: "ecrbench"}, nil
		}),
		HTTPClient: &http.Client{Transport: tr},
	})
}

// seeder is the part of the ECR client that seeding uses (*ecr.Client, or
// the in-memory fake in tests).
type seeder interface {
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	PutLifecyclePolicy(context.Context, *ecr.PutLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error)
	SetRepositoryPolicy(context.Context, *ecr.SetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error)
}

// seed creates repositories 0..n-1 in the state the spec describes, with
// workers concurrent repositories, three calls each.
func seed(ctx context.Context, c seeder, n, workers int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error {
			name := repoName(i)
			if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{
				RepositoryName:             aws.String(name),
				ImageTagMutability:         types.ImageTagMutabilityImmutable,
				ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
				EncryptionConfiguration:    &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeAes256},
				Tags: []types.Tag{
					{Key: aws.String("Component"), Value: aws.String(fmt.Sprintf("c%05d", i))},
					{Key: aws.String("ManagedBy"), Value: aws.String("ecrctl")},
					{Key: aws.String("Project"), Value: aws.String("bench")},
				},
			}); err != nil {
				return fmt.Errorf("seeding %s: %w", name, err)
			}
			if _, err := c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String(name), LifecyclePolicyText: aws.String(seedLifecycle)}); err != nil {
				return fmt.Errorf("seeding the lifecycle policy of %s: %w", name, err)
			}
			if _, err := c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String(name), PolicyText: aws.String(seedPolicy)}); err != nil {
				return fmt.Errorf("seeding the repository policy of %s: %w", name, err)
			}
			return nil
		})
	}
	return g.Wait()
}
