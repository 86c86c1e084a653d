package adopt

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// registryOps are the calls that read the registry's own settings.
var registryOps = []string{
	"GetRegistryScanningConfiguration", "DescribeRegistry", "GetRegistryPolicy",
	"DescribePullThroughCacheRules", "DescribeRepositoryCreationTemplates",
}

const registryPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ReplicationFromProd","Effect":"Allow",` +
	`"Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:CreateRepository","ecr:ReplicateImage"],` +
	`"Resource":"arn:aws:ecr:us-west-2:123456789012:repository/*"}]}`

// seedRegistry sets every registry setting ECR has, in many shapes.
func seedRegistry(t *testing.T, f *ecrfake.Fake) {
	t.Helper()
	ctx := context.Background()
	wild := func(fs ...string) []types.ScanningRepositoryFilter {
		var out []types.ScanningRepositoryFilter
		for _, s := range fs {
			out = append(out, types.ScanningRepositoryFilter{Filter: aws.String(s), FilterType: types.ScanningRepositoryFilterTypeWildcard})
		}
		return out
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seeding %s: %v", what, err)
		}
	}
	_, err := f.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeEnhanced, Rules: []types.RegistryScanningRule{
		{ScanFrequency: types.ScanFrequencyContinuousScan, RepositoryFilters: wild("prod-*", "release")},
		{ScanFrequency: types.ScanFrequencyScanOnPush, RepositoryFilters: wild("*")},
	}})
	must("scanning", err)
	_, err = f.PutReplicationConfiguration(ctx, &ecr.PutReplicationConfigurationInput{ReplicationConfiguration: &types.ReplicationConfiguration{Rules: []types.ReplicationRule{{
		Destinations: []types.ReplicationDestination{
			{Region: aws.String("us-east-1"), RegistryId: aws.String(f.Account())},
			{Region: aws.String("eu-west-1"), RegistryId: aws.String("210987654321")},
		},
		RepositoryFilters: []types.RepositoryFilter{{Filter: aws.String("prod-"), FilterType: types.RepositoryFilterTypePrefixMatch}},
	}}}})
	must("replication", err)
	_, err = f.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{PolicyText: aws.String(registryPolicy)})
	must("registry policy", err)
	_, err = f.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String("docker-hub"), UpstreamRegistryUrl: aws.String("registry-1.docker.io"),
		UpstreamRegistry: types.UpstreamRegistryDockerHub,
		CredentialArn:    aws.String("arn:aws:secretsmanager:us-west-2:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"),
	})
	must("pull-through cache rule docker-hub", err)
	_, err = f.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io"), UpstreamRegistry: types.UpstreamRegistryQuay,
	})
	must("pull-through cache rule quay", err)
	_, err = f.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{
		Prefix: aws.String("docker-hub"), Description: aws.String("cached from Docker Hub"),
		AppliedFor:         []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache, types.RCTAppliedForReplication},
		ImageTagMutability: types.ImageTagMutabilityImmutable,
		LifecyclePolicy:    aws.String(keepV),
		RepositoryPolicy:   aws.String(pullPushPolicy),
		ResourceTags:       []types.Tag{{Key: aws.String("Team"), Value: aws.String("platform")}},
		CustomRoleArn:      aws.String("arn:aws:iam::123456789012:role/ecr-templates"),
	})
	must("creation template docker-hub", err)
	_, err = f.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{
		Prefix: aws.String("ROOT"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForCreateOnPush},
	})
	must("creation template ROOT", err)
	f.ResetCalls()
}

// TestImportRegistryRoundTrip: every registry setting is written in the
// spec's form, and the plan of the imported file changes nothing.
func TestImportRegistryRoundTrip(t *testing.T) {
	f := ecrfake.New()
	seed(t, f, repoSeed{name: "prod-api", lifecycle: keepV}, repoSeed{name: "web", lifecycle: keepV})
	seedRegistry(t, f)
	res := importAll(t, f, Selection{})
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
	for _, op := range registryOps {
		if n := f.CallsFor(op, ""); n != 1 && op != "DescribeRegistry" {
			t.Errorf("%s called %d times, want once", op, n)
		}
	}
	sf, _ := planAfterImport(t, f, res)
	rs := sf.Registry
	if rs == nil {
		t.Fatalf("no registry: section:\n%s", res.YAML)
	}
	if d := cmp.Diff(&spec.RegistryScanning{Type: "ENHANCED", Rules: []spec.ScanningRule{
		{Frequency: "CONTINUOUS_SCAN", Filters: []string{"prod-*", "release"}},
		{Frequency: "SCAN_ON_PUSH", Filters: []string{"*"}},
	}}, rs.Scanning); d != "" {
		t.Errorf("scanning (-want +got):\n%s", d)
	}
	if rs.Replication == nil || len(rs.Replication.Rules) != 1 {
		t.Fatalf("replication = %+v", rs.Replication)
	}
	dests := rs.Replication.Rules[0].Destinations
	slices.SortFunc(dests, func(a, b spec.ReplicationDestination) int { return strings.Compare(a.Region, b.Region) })
	if d := cmp.Diff([]spec.ReplicationDestination{{Region: "eu-west-1", Account: "210987654321"}, {Region: "us-east-1"}}, dests); d != "" {
		t.Errorf("destinations (-want +got; this account is written without account:):\n%s", d)
	}
	if rs.Policy == nil || rs.Policy.Document == nil {
		t.Errorf("registry policy not written:\n%s", res.YAML)
	}
	var prefixes []string
	for _, r := range rs.PullThroughCache {
		prefixes = append(prefixes, r.Prefix)
	}
	if d := cmp.Diff([]string{"docker-hub", "quay"}, prefixes); d != "" {
		t.Errorf("pull-through cache prefixes (-want +got):\n%s", d)
	}
	if len(rs.CreationTemplates) != 2 {
		t.Fatalf("creation templates = %+v", rs.CreationTemplates)
	}
	tpl := rs.CreationTemplates[1]
	if tpl.Prefix != "docker-hub" || tpl.ImageTagMutability != "IMMUTABLE" || tpl.Tags["Team"] != "platform" || tpl.Lifecycle == nil || tpl.Policy == nil || tpl.CustomRoleArn == "" {
		t.Errorf("template docker-hub = %+v", tpl)
	}
	text := string(res.YAML)
	for _, want := range []string{
		"registry:\n  scanning:\n    type: ENHANCED\n",
		"      - {region: eu-west-1, account: \"210987654321\"}\n",
		// The template's lifecycle policy is the repositories' shared one.
		"    lifecyclePolicy: policy-1\n",
		"    access:\n",
		"# registry: manages the registry's scanning, replication, policy,\n# pullThroughCache, creationTemplates as they are now.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("spec lacks %q:\n%s", want, text)
		}
	}
}

// TestImportFreshRegistryWritesNoRegistrySection: ECR's defaults are left
// out, so a plain import does not take ownership of singletons nobody set.
func TestImportFreshRegistryWritesNoRegistrySection(t *testing.T) {
	f := ecrfake.New()
	seed(t, f, repoSeed{name: "app"})
	res := importAll(t, f, Selection{})
	if strings.Contains(string(res.YAML), "\nregistry:") {
		t.Errorf("a fresh registry got a registry: section:\n%s", res.YAML)
	}
	if !strings.Contains(string(res.YAML), "registry: section and they stay unmanaged") {
		t.Errorf("the header does not say why there is no registry: section:\n%s", res.YAML)
	}
	if n := f.CallsFor("GetRegistryScanningConfiguration", "") + f.CallsFor("GetRegistryPolicy", ""); n != 2 {
		t.Errorf("the registry was not read (%d calls): %v", n, f.Calls())
	}
	planAfterImport(t, f, res)

	// Only the policy set: only the policy written.
	if _, err := f.PutRegistryPolicy(context.Background(), &ecr.PutRegistryPolicyInput{PolicyText: aws.String(registryPolicy)}); err != nil {
		t.Fatal(err)
	}
	f.ResetCalls()
	res = importAll(t, f, Selection{})
	sf, _ := planAfterImport(t, f, res)
	if sf.Registry == nil || sf.Registry.Policy == nil || sf.Registry.Scanning != nil || sf.Registry.Replication != nil || sf.Registry.PullThroughCache != nil || sf.Registry.CreationTemplates != nil {
		t.Errorf("want a registry: section with the policy alone:\n%s", res.YAML)
	}
}

// TestImportNoRegistry: --no-registry writes no registry: section and reads
// none of the registry's settings.
func TestImportNoRegistry(t *testing.T) {
	f := ecrfake.New()
	seed(t, f, repoSeed{name: "app"})
	seedRegistry(t, f)
	res, err := Import(context.Background(), f, Options{Region: f.Region(), Parallelism: 4, NoRegistry: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.YAML), "registry:") {
		t.Errorf("--no-registry wrote a registry: section:\n%s", res.YAML)
	}
	for _, op := range registryOps {
		if n := f.CallsFor(op, ""); n != 0 {
			t.Errorf("--no-registry called %s %d times", op, n)
		}
	}
	planAfterImport(t, f, res)
}

// TestImportRegistryUnsupported: an endpoint without pull-through cache
// rules (moto answers HTTP 500) leaves that key out with a warning, and the
// rest is imported.
func TestImportRegistryUnsupported(t *testing.T) {
	f := ecrfake.New()
	seed(t, f, repoSeed{name: "app"})
	seedRegistry(t, f)
	// What the SDK makes of moto's HTML 500 page: no ECR error code.
	html500 := &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}},
		Err:      errors.New("failed to decode response body, invalid character '<' looking for beginning of value"),
	}
	f.FailN("DescribePullThroughCacheRules", "", 100, html500)
	res := importAll(t, f, Selection{})
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "(HTTP 500 without an ECR error code); registry.pullThroughCache is left out") {
		t.Errorf("warnings = %q", res.Warnings)
	}
	if strings.Contains(string(res.YAML), "pullThroughCache") {
		t.Errorf("pullThroughCache written although unread:\n%s", res.YAML)
	}
	planAfterImport(t, f, res)

	// A modelled server error, or a refusal, is an error, not a gap in the spec.
	f.ClearInjections()
	f.FailN("DescribeRepositoryCreationTemplates", "", 1, ecrfake.ServerError())
	if _, err := Import(context.Background(), f, Options{Region: f.Region()}); err == nil || !strings.Contains(err.Error(), "DescribeRepositoryCreationTemplates") {
		t.Errorf("ServerException on DescribeRepositoryCreationTemplates: err = %v", err)
	}
	f.FailN("GetRegistryPolicy", "", 1, ecrfake.AccessDenied("ecr:GetRegistryPolicy"))
	if _, err := Import(context.Background(), f, Options{Region: f.Region()}); err == nil || !strings.Contains(err.Error(), "GetRegistryPolicy") {
		t.Errorf("AccessDenied on GetRegistryPolicy: err = %v", err)
	}
}

// TestCheckRoundTripCatchesRegistryDrift: a registry: section that would
// still change the registry is refused, naming the setting.
func TestCheckRoundTripCatchesRegistryDrift(t *testing.T) {
	live := &reconcile.Live{Region: "us-west-2", RegistryID: "123456789012", Repos: map[string]*ecrapi.Repository{
		"app": {Name: "app", ImageTagMutability: "MUTABLE", EncryptionType: "AES256", Tags: map[string]string{}, TagsRead: true},
	}, Registry: &reconcile.RegistryLive{
		Scanning:     &types.RegistryScanningConfiguration{ScanType: types.ScanTypeBasic, Rules: []types.RegistryScanningRule{}},
		ScanningRead: true,
	}}
	err := checkRoundTrip([]byte("version: 1\nrepositories:\n  - name: app\nregistry:\n  scanning: {type: ENHANCED, rules: []}\n"), live)
	if err == nil || !strings.Contains(err.Error(), "registry_scanning_configuration") {
		t.Fatalf("err = %v, want one naming registry_scanning_configuration", err)
	}
}

// TestImportTheFullExample: docs/examples/registry-full.yaml applied to a
// registry, then imported, gives a file that plans no change and manages
// the same five registry settings.
func TestImportTheFullExample(t *testing.T) {
	ctx := context.Background()
	example, err := spec.Load(filepath.Join("..", "..", "docs", "examples", "registry-full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := ecrfake.New(ecrfake.WithAccount(example.Account), ecrfake.WithRegion(example.Region))
	live, err := reconcile.Read(ctx, f, example, reconcile.ReadOptions{Region: example.Region, Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconcile.Apply(ctx, f, reconcile.Diff(example, live, reconcile.DiffOptions{}), reconcile.ApplyOptions{Parallelism: 4}); err != nil {
		t.Fatalf("applying the example: %v", err)
	}
	f.ResetCalls()

	res := importAll(t, f, Selection{})
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
	sf, _ := planAfterImport(t, f, res)
	rs, want := sf.Registry, example.Registry
	if rs == nil || rs.Scanning == nil || rs.Replication == nil || rs.Policy == nil {
		t.Fatalf("registry: section incomplete:\n%s", res.YAML)
	}
	if d := cmp.Diff(want.Scanning, rs.Scanning); d != "" {
		t.Errorf("scanning (-example +imported):\n%s", d)
	}
	if len(rs.Replication.Rules) != len(want.Replication.Rules) || len(rs.PullThroughCache) != len(want.PullThroughCache) || len(rs.CreationTemplates) != len(want.CreationTemplates) {
		t.Errorf("imported %d replication rules, %d pull-through cache rules, %d templates; the example has %d, %d, %d:\n%s",
			len(rs.Replication.Rules), len(rs.PullThroughCache), len(rs.CreationTemplates),
			len(want.Replication.Rules), len(want.PullThroughCache), len(want.CreationTemplates), res.YAML)
	}
}

// TestImportRegistryWithoutRepositories: a registry that holds registry
// settings but no repository yet (a hub of pull-through cache rules and
// templates) is imported; one that holds neither still says there is
// nothing to import, and so does --no-registry.
func TestImportRegistryWithoutRepositories(t *testing.T) {
	f := ecrfake.New()
	_, err := f.CreatePullThroughCacheRule(context.Background(), &ecr.CreatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String("quay"), UpstreamRegistryUrl: aws.String("quay.io")})
	if err != nil {
		t.Fatal(err)
	}
	f.ResetCalls()
	res := importAll(t, f, Selection{})
	sf, _ := planAfterImport(t, f, res)
	if sf.Registry == nil || len(sf.Registry.PullThroughCache) != 1 || sf.Account != f.Account() {
		t.Errorf("the registry's settings were not imported:\n%s", res.YAML)
	}

	_, err = Import(context.Background(), f, Options{Region: f.Region(), Parallelism: 4, NoRegistry: true})
	if err == nil || !strings.Contains(err.Error(), "holds no repositories; there is nothing to import") {
		t.Errorf("--no-registry on a registry without repositories: %v", err)
	}
	_, err = Import(context.Background(), ecrfake.New(), Options{Region: "us-west-2", Parallelism: 4})
	if err == nil || !strings.Contains(err.Error(), "holds no repositories and no registry settings") {
		t.Errorf("an empty registry: %v", err)
	}
}
