package ecrfake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/registryauth"
	"github.com/ecrctl/ecrctl/internal/status"
)

// served starts the fake behind its HTTP handler on a free port and returns
// a real SDK client pointed at it (no retries, so injected faults surface).
func served(t *testing.T, f *ecrfake.Fake) *ecr.Client {
	t.Helper()
	srv := httptest.NewServer(ecrfake.NewHandler(f))
	t.Cleanup(srv.Close)
	return ecr.New(ecr.Options{
		Region:       f.Region(),
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "any-secret", "any-token"),
		Retryer:      retry.AddWithMaxAttempts(retry.NewStandard(), 1),
	})
}

// TestServerServesEveryOperationEcrctlUses: each interface ecrctl defines
// over the ECR client is served, so no command meets an unknown operation
// (the lifecycle preview excepted: the fake has none; see below).
func TestServerServesEveryOperationEcrctlUses(t *testing.T) {
	ops := map[string]bool{}
	for _, op := range ecrfake.NewHandler(ecrfake.New()).Operations() {
		ops[op] = true
	}
	for _, iface := range []reflect.Type{
		reflect.TypeFor[ecrapi.ECR](),
		reflect.TypeFor[status.API](),
		reflect.TypeFor[registryauth.TokenAPI](),
	} {
		for i := range iface.NumMethod() {
			if name := iface.Method(i).Name; !ops[name] {
				t.Errorf("%s.%s is not served", iface, name)
			}
		}
	}
	for _, helper := range []string{"PutImage", "Images", "Repository", "Calls", "SetRegistryScanning", "SetReplication", "RegistryPolicy", "PullThroughCacheRules"} {
		if ops[helper] {
			t.Errorf("test helper %s is served as an operation", helper)
		}
	}
}

// TestServerRoundTripsThroughTheSDK drives every operation ecrctl uses
// through the real SDK client and the wire protocol, and checks values and
// typed errors on the way back.
func TestServerRoundTripsThroughTheSDK(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	f := ecrfake.New(ecrfake.WithAccount("449870229058"), ecrfake.WithClock(func() time.Time { return at }))
	c := served(t, f)
	ctx := context.Background()

	reg, err := c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err != nil || aws.ToString(reg.RegistryId) != "449870229058" {
		t.Fatalf("DescribeRegistry = %v, %v; want the fake's account", reg, err)
	}

	cr, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:                     aws.String("team/app"),
		ImageTagMutability:                 types.ImageTagMutabilityImmutableWithExclusion,
		ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String("dev-*")}},
		ImageScanningConfiguration:         &types.ImageScanningConfiguration{ScanOnPush: true},
		EncryptionConfiguration:            &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String("alias/aws/ecr")},
		Tags:                               []types.Tag{{Key: aws.String("Team"), Value: aws.String("platform")}},
	})
	if err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	repo := cr.Repository
	arn := aws.ToString(repo.RepositoryArn)
	if arn != "arn:aws:ecr:us-west-2:449870229058:repository/team/app" || !repo.CreatedAt.Equal(at) ||
		repo.ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion || !repo.ImageScanningConfiguration.ScanOnPush ||
		!strings.Contains(aws.ToString(repo.EncryptionConfiguration.KmsKey), ":key/") || len(repo.ImageTagMutabilityExclusionFilters) != 1 {
		t.Errorf("created repository came back as %+v", repo)
	}
	_, err = c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/app")})
	_ = wantErr[*types.RepositoryAlreadyExistsException](t, err)
	_, err = c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("Bad Name")})
	_ = wantErr[*types.InvalidParameterException](t, err)

	for i := range 3 {
		if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("page/" + string(rune('a'+i)))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := ecr.NewDescribeRepositoriesPaginator(c, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeRepositories: %v", err)
		}
		pages++
		for _, r := range out.Repositories {
			names = append(names, aws.ToString(r.RepositoryName))
		}
	}
	if pages != 2 || len(names) != 4 {
		t.Errorf("DescribeRepositories: %d pages, names %v; want 2 pages of 4 repositories", pages, names)
	}
	_, err = c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"nope"}})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)

	if _, err := c.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: aws.String("team/app"), ImageTagMutability: types.ImageTagMutabilityMutable}); err != nil {
		t.Errorf("PutImageTagMutability: %v", err)
	}
	if _, err := c.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: aws.String("team/app"), ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: false}}); err != nil {
		t.Errorf("PutImageScanningConfiguration: %v", err)
	}
	if st, _ := f.Repository("team/app"); st.ImageTagMutability != types.ImageTagMutabilityMutable || st.ScanOnPush {
		t.Errorf("after the puts the fake holds %+v", st)
	}

	if _, err := c.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("Env"), Value: aws.String("dev")}}}); err != nil {
		t.Errorf("TagResource: %v", err)
	}
	if _, err := c.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"Team"}}); err != nil {
		t.Errorf("UntagResource: %v", err)
	}
	tags, err := c.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "Env" || aws.ToString(tags.Tags[0].Value) != "dev" {
		t.Errorf("ListTagsForResource = %+v, %v; want Env=dev", tags, err)
	}
	_, err = c.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(arn + "-nope")})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)

	_, err = c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("team/app")})
	_ = wantErr[*types.LifecyclePolicyNotFoundException](t, err)
	policy := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`
	if _, err := c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("team/app"), LifecyclePolicyText: aws.String(policy)}); err != nil {
		t.Errorf("PutLifecyclePolicy: %v", err)
	}
	lp, err := c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("team/app")})
	if err != nil || !strings.Contains(aws.ToString(lp.LifecyclePolicyText), `"countNumber":1`) {
		t.Errorf("GetLifecyclePolicy = %+v, %v", lp, err)
	}
	_, err = c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("team/app"), LifecyclePolicyText: aws.String(`{"rules":[]}`)})
	_ = wantErr[*types.InvalidParameterException](t, err)
	if _, err := c.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("team/app")}); err != nil {
		t.Errorf("DeleteLifecyclePolicy: %v", err)
	}

	_, err = c.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("team/app")})
	_ = wantErr[*types.RepositoryPolicyNotFoundException](t, err)
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"ecr:BatchGetImage"}]}`
	if _, err := c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("team/app"), PolicyText: aws.String(doc)}); err != nil {
		t.Errorf("SetRepositoryPolicy: %v", err)
	}
	rp, err := c.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("team/app")})
	if err != nil || !strings.Contains(aws.ToString(rp.PolicyText), "arn:aws:iam::123456789012:root") {
		t.Errorf("GetRepositoryPolicy = %+v, %v; want the reformatted policy", rp, err)
	}
	if _, err := c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("team/app")}); err != nil {
		t.Errorf("DeleteRepositoryPolicy: %v", err)
	}

	f.PutImage("team/app", ecrfake.Image{Digest: "sha256:" + strings.Repeat("a", 64), Tags: []string{"v1"}, SizeBytes: 1234, PushedAt: at.Add(-time.Hour),
		ScanSeverityCounts: map[string]int32{"HIGH": 2}})
	imgs, err := c.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("team/app"), Filter: &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterAny}})
	if err != nil || len(imgs.ImageDetails) != 1 {
		t.Fatalf("DescribeImages = %+v, %v; want one image", imgs, err)
	}
	im := imgs.ImageDetails[0]
	if aws.ToInt64(im.ImageSizeInBytes) != 1234 || !im.ImagePushedAt.Equal(at.Add(-time.Hour)) || len(im.ImageTags) != 1 || im.ImageTags[0] != "v1" {
		t.Errorf("image came back as %+v", im)
	}
	_, err = c.DescribeImageScanFindings(ctx, &ecr.DescribeImageScanFindingsInput{RepositoryName: aws.String("team/app"), ImageId: &types.ImageIdentifier{ImageTag: aws.String("nope")}})
	_ = wantErr[*types.ImageNotFoundException](t, err)
	if _, err := c.DescribeImageScanFindings(ctx, &ecr.DescribeImageScanFindingsInput{RepositoryName: aws.String("team/app"), ImageId: &types.ImageIdentifier{ImageTag: aws.String("v1")}}); err != nil {
		t.Errorf("DescribeImageScanFindings: %v", err)
	}

	tok, err := c.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil || len(tok.AuthorizationData) != 1 || !tok.AuthorizationData[0].ExpiresAt.Equal(at.Add(12*time.Hour)) {
		t.Errorf("GetAuthorizationToken = %+v, %v", tok, err)
	}

	_, err = c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team/app")})
	_ = wantErr[*types.RepositoryNotEmptyException](t, err)
	if _, err := c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team/app"), Force: true}); err != nil {
		t.Errorf("DeleteRepository(force): %v", err)
	}
	_, err = c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team/app")})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)

	// Injected faults cross the wire as what they are.
	f.FailN("DescribeRegistry", "", 1, ecrfake.ServerError())
	_, err = c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	_ = wantErr[*types.ServerException](t, err)
	f.FailN("DescribeRegistry", "", 1, ecrfake.Throttling())
	_, err = c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if api := wantErr[smithy.APIError](t, err); api.ErrorCode() != "ThrottlingException" {
		t.Errorf("throttling came back as %v", err)
	}

	// No preview: the unknown-operation answer ecrctl reports as unavailable.
	_, err = c.StartLifecyclePolicyPreview(ctx, &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("page/a")})
	if api := wantErr[smithy.APIError](t, err); api.ErrorCode() != "UnknownOperationException" {
		t.Errorf("preview came back as %v", err)
	}
}

func TestServerRejectsNonProtocolRequests(t *testing.T) {
	srv := httptest.NewServer(ecrfake.NewHandler(ecrfake.New()))
	defer srv.Close()
	for _, tc := range []struct {
		method, target, body string
		want                 int
	}{
		{http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{http.MethodPost, "AmazonEC2ContainerRegistry_V20150921.PutImage", "{}", http.StatusBadRequest},
		{http.MethodPost, "TrentService.DescribeKey", "{}", http.StatusBadRequest},
		{http.MethodPost, "AmazonEC2ContainerRegistry_V20150921.DescribeRegistry", "{not json", http.StatusBadRequest},
		{http.MethodPost, "AmazonEC2ContainerRegistry_V20150921.DescribeRegistry", "", http.StatusOK},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+"/", strings.NewReader(tc.body))
		req.Header.Set("X-Amz-Target", tc.target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s %q: HTTP %d, want %d", tc.method, tc.target, tc.body, resp.StatusCode, tc.want)
		}
	}
}

// TestServerRoundTripsRegistrySettings drives every registry-level operation
// through the real SDK client and the wire protocol: values, timestamps,
// paging tokens and typed errors survive the JSON both ways.
func TestServerRoundTripsRegistrySettings(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	f := ecrfake.New(ecrfake.WithClock(func() time.Time { return at }))
	c := served(t, f)
	ctx := context.Background()
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("prod-api")}); err != nil {
		t.Fatal(err)
	}

	// Scanning, and its effect on a repository.
	if _, err := c.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{
		ScanType: types.ScanTypeEnhanced,
		Rules: []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyContinuousScan,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("prod*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}}}},
	}); err != nil {
		t.Fatalf("PutRegistryScanningConfiguration: %v", err)
	}
	sc, err := c.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil || sc.ScanningConfiguration.ScanType != types.ScanTypeEnhanced || len(sc.ScanningConfiguration.Rules) != 1 {
		t.Errorf("GetRegistryScanningConfiguration = %+v, %v", sc, err)
	}
	_, err = c.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeBasic,
		Rules: []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyContinuousScan, RepositoryFilters: []types.ScanningRepositoryFilter{}}}})
	_ = wantErr[*types.ValidationException](t, err)
	bs, err := c.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{RepositoryNames: []string{"prod-api", "gone"}})
	if err != nil || len(bs.ScanningConfigurations) != 1 || bs.ScanningConfigurations[0].ScanFrequency != types.ScanFrequencyContinuousScan ||
		len(bs.Failures) != 1 || bs.Failures[0].FailureCode != types.ScanningConfigurationFailureCodeRepositoryNotFound {
		t.Errorf("BatchGetRepositoryScanningConfiguration = %+v, %v", bs, err)
	}

	// Replication, read back with DescribeRegistry.
	if _, err := c.PutReplicationConfiguration(ctx, &ecr.PutReplicationConfigurationInput{ReplicationConfiguration: &types.ReplicationConfiguration{
		Rules: []types.ReplicationRule{{Destinations: []types.ReplicationDestination{{Region: aws.String("eu-west-1"), RegistryId: aws.String(f.Account())}}}},
	}}); err != nil {
		t.Fatalf("PutReplicationConfiguration: %v", err)
	}
	reg, err := c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err != nil || len(reg.ReplicationConfiguration.Rules) != 1 || aws.ToString(reg.ReplicationConfiguration.Rules[0].Destinations[0].Region) != "eu-west-1" {
		t.Errorf("DescribeRegistry = %+v, %v", reg, err)
	}

	// Registry policy.
	_, err = c.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	_ = wantErr[*types.RegistryPolicyNotFoundException](t, err)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"ecr:ReplicateImage","Resource":"*"}]}`
	if _, err := c.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{PolicyText: aws.String(doc)}); err != nil {
		t.Fatalf("PutRegistryPolicy: %v", err)
	}
	gp, err := c.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	if err != nil || !strings.Contains(aws.ToString(gp.PolicyText), "arn:aws:iam::111122223333:root") {
		t.Errorf("GetRegistryPolicy = %+v, %v", gp, err)
	}
	if _, err := c.DeleteRegistryPolicy(ctx, &ecr.DeleteRegistryPolicyInput{}); err != nil {
		t.Errorf("DeleteRegistryPolicy: %v", err)
	}

	// Pull-through cache rules, paged over the wire.
	for _, p := range []string{"ecr-public", "quay", "k8s"} {
		url := map[string]string{"ecr-public": "public.ecr.aws", "quay": "quay.io", "k8s": "registry.k8s.io"}[p]
		if _, err := c.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String(p), UpstreamRegistryUrl: aws.String(url)}); err != nil {
			t.Fatalf("CreatePullThroughCacheRule(%s): %v", p, err)
		}
	}
	_, err = c.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("hub"), UpstreamRegistryUrl: aws.String("docker.io")})
	_ = wantErr[*types.UnsupportedUpstreamRegistryException](t, err)
	_, err = c.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io")})
	_ = wantErr[*types.PullThroughCacheRuleAlreadyExistsException](t, err)
	var prefixes []string
	pages := 0
	pp := ecr.NewDescribePullThroughCacheRulesPaginator(c, &ecr.DescribePullThroughCacheRulesInput{})
	for pp.HasMorePages() {
		page, err := pp.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribePullThroughCacheRules: %v", err)
		}
		pages++
		for _, r := range page.PullThroughCacheRules {
			prefixes = append(prefixes, aws.ToString(r.EcrRepositoryPrefix))
			if !r.CreatedAt.Equal(at) {
				t.Errorf("rule %s created at %v", aws.ToString(r.EcrRepositoryPrefix), r.CreatedAt)
			}
		}
	}
	if pages != 2 || strings.Join(prefixes, ",") != "ecr-public,quay,k8s" {
		t.Errorf("%d pages of %v", pages, prefixes)
	}
	_, err = c.UpdatePullThroughCacheRule(ctx, &ecr.UpdatePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("nope"),
		CredentialArn: aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/x-AbCdEf")})
	_ = wantErr[*types.PullThroughCacheRuleNotFoundException](t, err)
	if _, err := c.DeletePullThroughCacheRule(ctx, &ecr.DeletePullThroughCacheRuleInput{EcrRepositoryPrefix: aws.String("k8s")}); err != nil {
		t.Errorf("DeletePullThroughCacheRule: %v", err)
	}

	// Creation templates.
	if _, err := c.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("ROOT"),
		AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForReplication}, ImageTagMutability: types.ImageTagMutabilityImmutable}); err != nil {
		t.Fatalf("CreateRepositoryCreationTemplate: %v", err)
	}
	_, err = c.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("ROOT"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForReplication}})
	_ = wantErr[*types.TemplateAlreadyExistsException](t, err)
	if _, err := c.UpdateRepositoryCreationTemplate(ctx, &ecr.UpdateRepositoryCreationTemplateInput{Prefix: aws.String("ROOT"), Description: aws.String("all")}); err != nil {
		t.Errorf("UpdateRepositoryCreationTemplate: %v", err)
	}
	ts, err := c.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{})
	if err != nil || len(ts.RepositoryCreationTemplates) != 1 || aws.ToString(ts.RepositoryCreationTemplates[0].Description) != "all" ||
		!ts.RepositoryCreationTemplates[0].UpdatedAt.Equal(at) {
		t.Errorf("DescribeRepositoryCreationTemplates = %+v, %v", ts, err)
	}
	if _, err := c.DeleteRepositoryCreationTemplate(ctx, &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String("ROOT")}); err != nil {
		t.Errorf("DeleteRepositoryCreationTemplate: %v", err)
	}
	_, err = c.DeleteRepositoryCreationTemplate(ctx, &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String("ROOT")})
	_ = wantErr[*types.TemplateNotFoundException](t, err)
}
