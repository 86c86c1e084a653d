package adopt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

const (
	keepV = `{"rules":[{"rulePriority":20,"description":"expire untagged: after 1 day","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}},` +
		`{"rulePriority":10,"selection":{"tagStatus":"tagged","tagPrefixList":["v","release"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`
	patterns = `{"rules":[{"rulePriority":1,"description":"# not a comment","selection":{"tagStatus":"tagged","tagPatternList":["*-rc*","yes","2012-10-17"],"countType":"imageCountMoreThan","countNumber":3,"storageClass":"standard"},"action":{"type":"expire"}}]}`

	pullPushPolicy = `{"Version":"2012-10-17","Statement":[
		{"Sid":"EcrctlPull","Effect":"Allow","Principal":{"AWS":["210987654321","arn:aws:iam::123456789012:role/ecs-task"]},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]},
		{"Sid":"EcrctlPush","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/deploy"},"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:CompleteLayerUpload","ecr:GetDownloadUrlForLayer","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"]}]}`
	mixedPolicy = `{"Version":"2012-10-17","Statement":[
		{"Sid":"EcrctlPull","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]},
		{"Sid":"LambdaPull","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Condition":{"StringLike":{"aws:sourceArn":"arn:aws:lambda:us-west-2:123456789012:function:*"}}}]}`
	// Sid EcrctlPull but a narrower action set: not what access renders.
	lookalikePolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"EcrctlPull","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr:BatchGetImage"]}]}`
	// The access shape with an Id: Compose cannot produce the Id.
	withIDPolicy = `{"Version":"2012-10-17","Id":"team-policy","Statement":[{"Sid":"EcrctlPull","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]}]}`
)

type repoSeed struct {
	name       string
	mutability types.ImageTagMutability
	filters    []string
	scan       bool
	encryption *types.EncryptionConfiguration
	tags       map[string]string
	awsTags    map[string]string
	lifecycle  string
	policy     string
}

func seed(t *testing.T, f *ecrfake.Fake, seeds ...repoSeed) {
	t.Helper()
	ctx := context.Background()
	for _, s := range seeds {
		in := &ecr.CreateRepositoryInput{
			RepositoryName:             aws.String(s.name),
			ImageTagMutability:         s.mutability,
			ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: s.scan},
			EncryptionConfiguration:    s.encryption,
		}
		for _, flt := range s.filters {
			in.ImageTagMutabilityExclusionFilters = append(in.ImageTagMutabilityExclusionFilters,
				types.ImageTagMutabilityExclusionFilter{Filter: aws.String(flt), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
		}
		for k, v := range s.tags {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		if _, err := f.CreateRepository(ctx, in); err != nil {
			t.Fatalf("seeding %s: %v", s.name, err)
		}
		for k, v := range s.awsTags {
			f.SetSystemTag(s.name, k, v)
		}
		if s.lifecycle != "" {
			if _, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String(s.name), LifecyclePolicyText: aws.String(s.lifecycle)}); err != nil {
				t.Fatalf("seeding lifecycle of %s: %v", s.name, err)
			}
		}
		if s.policy != "" {
			if _, err := f.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String(s.name), PolicyText: aws.String(s.policy)}); err != nil {
				t.Fatalf("seeding policy of %s: %v", s.name, err)
			}
		}
	}
	f.ResetCalls()
}

func importAll(t *testing.T, f *ecrfake.Fake, sel Selection) *Result {
	t.Helper()
	res, err := Import(context.Background(), f, Options{Selection: sel, Region: f.Region(), Parallelism: 4})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if f.Writes() != 0 {
		t.Fatalf("import wrote to ECR: %v", f.Calls())
	}
	return res
}

// planAfterImport is the property: the imported spec, read and diffed the
// way `ecrctl plan` does, changes nothing, and it manages every attribute
// of every imported repository.
func planAfterImport(t *testing.T, f *ecrfake.Fake, res *Result) (*spec.File, *reconcile.Plan) {
	t.Helper()
	sf, err := spec.Parse("registry.yaml", res.YAML)
	if err != nil {
		t.Fatalf("imported spec does not validate: %v\n%s", err, res.YAML)
	}
	live, err := reconcile.Read(context.Background(), f, sf, reconcile.ReadOptions{Region: f.Region(), Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	p := reconcile.Diff(sf, live, reconcile.DiffOptions{})
	if p.HasChanges {
		var b strings.Builder
		_ = reconcile.RenderText(&b, p, false)
		t.Fatalf("plan after import has changes:\n%s\nspec:\n%s", b.String(), res.YAML)
	}
	repos := 0
	for _, c := range p.Changes {
		if c.Type == reconcile.TypeRepository {
			repos++
		}
	}
	if repos != len(res.Repositories) {
		t.Fatalf("plan covers %d repositories, import wrote %d", repos, len(res.Repositories))
	}
	return sf, p
}

func assertFullyManaged(t *testing.T, sf *spec.File, except map[string][]string) {
	t.Helper()
	for _, r := range sf.Repositories {
		skip := strings.Join(except[r.Name], ",")
		if r.ImageTagMutability == "" && !strings.Contains(skip, "imageTagMutability") {
			t.Errorf("%s: imageTagMutability unmanaged", r.Name)
		}
		if r.ScanOnPush == nil || r.Encryption == nil {
			t.Errorf("%s: scanOnPush or encryption unmanaged: %+v", r.Name, r)
		}
		if r.Tags == nil && !strings.Contains(skip, "tags") {
			t.Errorf("%s: tags unmanaged", r.Name)
		}
		if r.Lifecycle == nil && !strings.Contains(skip, "lifecyclePolicy") {
			t.Errorf("%s: lifecyclePolicy unmanaged", r.Name)
		}
		if r.Policy == nil && !strings.Contains(skip, "repositoryPolicy") {
			t.Errorf("%s: repositoryPolicy unmanaged", r.Name)
		}
	}
}

func TestImportManyShapesPlansNoChanges(t *testing.T) {
	f := ecrfake.New()
	seed(t, f,
		repoSeed{name: "plain", tags: map[string]string{"Team": "web", "Env": "dev"}},
		repoSeed{name: "team/app.web-1", mutability: types.ImageTagMutabilityImmutableWithExclusion, filters: []string{"latest", "dev-*"}, scan: true,
			tags: map[string]string{"Team": "web", "Owner": "alice"}, lifecycle: keepV, policy: pullPushPolicy},
		repoSeed{name: "kms-key", mutability: types.ImageTagMutabilityMutableWithExclusion, filters: []string{"release-*"},
			encryption: &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String("0a1b2c3d-1111-2222-3333-444455556666")},
			tags:       map[string]string{"Team": "web"}, lifecycle: keepV, policy: mixedPolicy},
		repoSeed{name: "kms-default", mutability: types.ImageTagMutabilityImmutable, scan: true,
			encryption: &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKmsDsse},
			tags:       map[string]string{"Team": "web", "Empty": ""}, awsTags: map[string]string{"aws:cloudformation:stack-name": "legacy"},
			lifecycle: patterns, policy: lookalikePolicy},
		repoSeed{name: "with-id", tags: map[string]string{"Team": "web"}, policy: withIDPolicy, lifecycle: keepV},
	)
	res := importAll(t, f, Selection{})
	if len(res.Warnings) != 0 {
		t.Errorf("unexpected warnings: %q", res.Warnings)
	}
	sf, _ := planAfterImport(t, f, res)
	assertFullyManaged(t, sf, nil)
	text := string(res.YAML)

	var doc struct {
		Account  string `yaml:"account"`
		Defaults struct {
			Tags            map[string]string `yaml:"tags"`
			ScanOnPush      *bool             `yaml:"scanOnPush"`
			LifecyclePolicy any               `yaml:"lifecyclePolicy"`
		} `yaml:"defaults"`
		LifecyclePolicies map[string]any `yaml:"lifecyclePolicies"`
		Repositories      []map[string]any
	}
	if err := yaml.Unmarshal(res.YAML, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Account != ecrfake.DefaultAccount {
		t.Errorf("account = %q", doc.Account)
	}
	// Team=web is on every repository; Env, Owner and Empty are not.
	if len(doc.Defaults.Tags) != 1 || doc.Defaults.Tags["Team"] != "web" {
		t.Errorf("defaults.tags = %v", doc.Defaults.Tags)
	}
	if doc.Defaults.ScanOnPush != nil || doc.Defaults.LifecyclePolicy != nil {
		t.Errorf("a setting that differs was lifted: %+v", doc.Defaults)
	}
	// keepV is used three times (written by ECR in another order): one
	// named policy; patterns once: inline.
	if len(doc.LifecyclePolicies) != 1 || doc.LifecyclePolicies["policy-1"] == nil {
		t.Errorf("lifecyclePolicies = %v", doc.LifecyclePolicies)
	}
	repo := map[string]map[string]any{}
	for _, r := range doc.Repositories {
		repo[r["name"].(string)] = r
	}
	for name, want := range map[string]map[string]string{
		"plain":          {"lifecyclePolicy": "none", "repositoryPolicy": "none"},
		"team/app.web-1": {"lifecyclePolicy": "policy-1", "repositoryPolicy": "", "access": "set"},
		"kms-key":        {"lifecyclePolicy": "policy-1", "repositoryPolicy": "set", "access": "set"},
		"kms-default":    {"lifecyclePolicy": "set", "repositoryPolicy": "set", "access": ""},
		"with-id":        {"lifecyclePolicy": "policy-1", "repositoryPolicy": "set", "access": ""},
	} {
		r := repo[name]
		if r == nil {
			t.Errorf("%s missing from the spec", name)
			continue
		}
		for key, w := range want {
			v, ok := r[key]
			switch {
			case w == "" && ok:
				t.Errorf("%s.%s = %v, want it absent", name, key, v)
			case w == "set" && !ok:
				t.Errorf("%s.%s missing", name, key)
			case w != "" && w != "set" && v != w:
				t.Errorf("%s.%s = %v, want %s", name, key, v, w)
			}
		}
	}
	access := repo["team/app.web-1"]["access"].(map[string]any)
	if fmt.Sprint(access["pull"]) != "[210987654321 arn:aws:iam::123456789012:role/ecs-task]" || fmt.Sprint(access["push"]) != "[arn:aws:iam::123456789012:role/deploy]" {
		t.Errorf("access = %v (root ARNs should read back as bare account ids)", access)
	}
	if strings.Contains(text, "aws:cloudformation") {
		t.Errorf("spec manages an aws: tag:\n%s", text)
	}
	if !strings.Contains(text, "kmsKey: \"arn:aws:kms:us-west-2:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666\"") {
		t.Errorf("KMS key not written as the ARN ECR reports:\n%s", text)
	}
}

func TestImportSharedSettingsGoToDefaults(t *testing.T) {
	f := ecrfake.New()
	common := repoSeed{mutability: types.ImageTagMutabilityImmutable, scan: true, lifecycle: keepV, policy: pullPushPolicy}
	a, b, c := common, common, common
	a.name, b.name, c.name = "svc-a", "svc-b", "svc-c"
	seed(t, f, a, b, c)
	res := importAll(t, f, Selection{})
	sf, _ := planAfterImport(t, f, res)
	assertFullyManaged(t, sf, nil)

	var doc struct {
		Defaults     map[string]any   `yaml:"defaults"`
		Repositories []map[string]any `yaml:"repositories"`
	}
	if err := yaml.Unmarshal(res.YAML, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"imageTagMutability", "scanOnPush", "encryption", "lifecyclePolicy", "access", "tags"} {
		if _, ok := doc.Defaults[key]; !ok {
			t.Errorf("defaults.%s missing:\n%s", key, res.YAML)
		}
	}
	if doc.Defaults["lifecyclePolicy"] != "policy-1" {
		t.Errorf("defaults.lifecyclePolicy = %v", doc.Defaults["lifecyclePolicy"])
	}
	for _, r := range doc.Repositories {
		if len(r) != 1 {
			t.Errorf("repository %v repeats shared settings", r)
		}
	}
}

func TestImportSelection(t *testing.T) {
	f := ecrfake.New()
	seed(t, f, repoSeed{name: "team-a/api"}, repoSeed{name: "team-a/web"}, repoSeed{name: "team-b/api"}, repoSeed{name: "tools"})
	res := importAll(t, f, Selection{Prefixes: []string{"team-a/"}, Names: []string{"tools"}})
	if got := strings.Join(res.Repositories, ","); got != "team-a/api,team-a/web,tools" {
		t.Fatalf("imported %s", got)
	}
	_, p := planAfterImport(t, f, res)
	if len(p.Unmanaged) != 1 || p.Unmanaged[0] != "team-b/api" {
		t.Fatalf("unmanaged = %v", p.Unmanaged)
	}
	// One repository: nothing moves to defaults.
	res = importAll(t, f, Selection{Names: []string{"tools"}})
	if strings.Contains(string(res.YAML), "defaults:") {
		t.Errorf("a single repository got defaults:\n%s", res.YAML)
	}
	planAfterImport(t, f, res)
}

func TestImportErrors(t *testing.T) {
	f := ecrfake.New()
	seed(t, f, repoSeed{name: "app"})
	for _, tc := range []struct {
		sel  Selection
		want string
	}{
		{Selection{Names: []string{"app", "nope"}}, `no repository named "nope"`},
		{Selection{Prefixes: []string{"zz"}}, `no repository in registry 123456789012 (us-west-2) starts with "zz"`},
	} {
		_, err := Import(context.Background(), f, Options{Selection: tc.sel, Region: "us-west-2"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.sel, err, tc.want)
		}
	}
	_, err := Import(context.Background(), ecrfake.New(), Options{Region: "us-west-2"})
	if err == nil || !strings.Contains(err.Error(), "nothing to import") {
		t.Errorf("empty registry: %v", err)
	}
	f.FailN("GetRepositoryPolicy", "app", 1, ecrfake.AccessDenied("ecr:GetRepositoryPolicy"))
	_, err = Import(context.Background(), f, Options{Region: "us-west-2"})
	var op *ecrapi.OpError
	if !errors.As(err, &op) || op.Repository != "app" {
		t.Errorf("read error = %v, want an OpError naming app", err)
	}
	if f.Writes() != 0 {
		t.Fatal("import wrote")
	}
}

// Shapes the spec cannot express are left unmanaged with a warning, and the
// plan after import is still empty. The fake refuses such policies, so
// Generate gets live state directly.
func TestGenerateLeavesInexpressibleAttributesUnmanaged(t *testing.T) {
	arn := "arn:aws:ecr:us-west-2:123456789012:repository/"
	live := &reconcile.Live{Region: "us-west-2", RegistryID: "123456789012", Repos: map[string]*ecrapi.Repository{
		"future": {Name: "future", ARN: arn + "future", RegistryID: "123456789012", ImageTagMutability: "MUTABLE", EncryptionType: "AES256",
			Tags: map[string]string{}, TagsRead: true, LifecycleRead: true, PolicyRead: true,
			Lifecycle: aws.String(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5,"futureField":1},"action":{"type":"expire"}}]}`),
			Policy:    aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`)},
		"moto": {Name: "moto", ARN: arn + "moto", RegistryID: "123456789012", ImageTagMutability: "MUTABLE", ExclusionFilters: []string{"x*"}, EncryptionType: "AES256",
			Tags: map[string]string{}, TagsRead: true, LifecycleRead: true, PolicyRead: true},
		"odd-tags": {Name: "odd-tags", ARN: arn + "odd-tags", RegistryID: "123456789012", ImageTagMutability: "MUTABLE", EncryptionType: "AES256",
			Tags: map[string]string{"Team": "a|b"}, TagsRead: true, LifecycleRead: true, PolicyRead: true},
	}}
	repos := []*ecrapi.Repository{live.Repos["future"], live.Repos["moto"], live.Repos["odd-tags"]}
	text, warnings, err := Generate("us-west-2", "123456789012", repos)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{`"future": the lifecycle policy cannot be written`, `"future": the repository policy cannot be written`, `"moto": imageTagMutability MUTABLE with exclusion filters`, `"odd-tags": the tags cannot be written`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if err := checkRoundTrip(text, live); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	sf, err := spec.Parse("registry.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	assertFullyManaged(t, sf, map[string][]string{"future": {"lifecyclePolicy", "repositoryPolicy"}, "moto": {"imageTagMutability"}, "odd-tags": {"tags"}})
	if !strings.Contains(string(text), "name: future # unmanaged: lifecyclePolicy, repositoryPolicy") {
		t.Errorf("no comment on the unmanaged attributes:\n%s", text)
	}
}

// The round-trip check refuses a spec that would not plan empty.
func TestCheckRoundTripCatchesDrift(t *testing.T) {
	live := &reconcile.Live{Region: "us-west-2", Repos: map[string]*ecrapi.Repository{
		"app": {Name: "app", ImageTagMutability: "MUTABLE", EncryptionType: "AES256", Tags: map[string]string{}, TagsRead: true},
	}}
	err := checkRoundTrip([]byte("version: 1\nrepositories:\n  - name: app\n    scanOnPush: true\n"), live)
	if err == nil || !strings.Contains(err.Error(), "app (scanOnPush)") {
		t.Fatalf("err = %v", err)
	}
}
