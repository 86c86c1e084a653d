package ecrfake_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/registryauth"
	"github.com/ecrctl/ecrctl/internal/status"
)

// The fake stands in for *ecr.Client behind the interfaces ecrctl defines
// over it (each package asserts the client satisfies its own). It has no
// lifecycle preview, so ecrapi.PreviewAPI is not among them.
var (
	_ ecrapi.ECR            = (*ecrfake.Fake)(nil)
	_ status.API            = (*ecrfake.Fake)(nil) // adds DescribeImageScanFindings
	_ registryauth.TokenAPI = (*ecrfake.Fake)(nil) // GetAuthorizationToken
)

var ctx = context.Background()

func mustCreate(t *testing.T, f *ecrfake.Fake, name string) *types.Repository {
	t.Helper()
	out, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateRepository(%s): %v", name, err)
	}
	return out.Repository
}

func wantErr[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("error = %v (%T), want %T", err, err, target)
	}
	return target
}

func TestCreateDefaultsAndIdentity(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	f := ecrfake.New(ecrfake.WithAccount("111122223333"), ecrfake.WithRegion("eu-west-1"), ecrfake.WithClock(func() time.Time { return at }))
	r := mustCreate(t, f, "team/app")
	if got, want := aws.ToString(r.RepositoryArn), "arn:aws:ecr:eu-west-1:111122223333:repository/team/app"; got != want {
		t.Errorf("arn = %s, want %s", got, want)
	}
	if got, want := aws.ToString(r.RepositoryUri), "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app"; got != want {
		t.Errorf("uri = %s, want %s", got, want)
	}
	if aws.ToString(r.RegistryId) != "111122223333" || !r.CreatedAt.Equal(at) {
		t.Errorf("registry/createdAt = %s/%v", aws.ToString(r.RegistryId), r.CreatedAt)
	}
	if r.ImageTagMutability != types.ImageTagMutabilityMutable || r.ImageScanningConfiguration.ScanOnPush ||
		r.EncryptionConfiguration.EncryptionType != types.EncryptionTypeAes256 || r.EncryptionConfiguration.KmsKey != nil {
		t.Errorf("defaults wrong: %+v %+v %+v", r.ImageTagMutability, r.ImageScanningConfiguration, r.EncryptionConfiguration)
	}
	_, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/app")})
	_ = wantErr[*types.RepositoryAlreadyExistsException](t, err)
}

func TestCreateValidation(t *testing.T) {
	f := ecrfake.New()
	filters := func(vals ...string) []types.ImageTagMutabilityExclusionFilter {
		var out []types.ImageTagMutabilityExclusionFilter
		for _, v := range vals {
			out = append(out, types.ImageTagMutabilityExclusionFilter{Filter: aws.String(v), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
		}
		return out
	}
	bad := []*ecr.CreateRepositoryInput{
		{RepositoryName: aws.String("a")},
		{RepositoryName: aws.String("Upper")},
		{RepositoryName: aws.String("a//b")},
		{RepositoryName: aws.String("ab-")},
		{RepositoryName: aws.String(strings.Repeat("a", 257))},
		{RepositoryName: aws.String("ok"), ImageTagMutability: "SOMETIMES"},
		{RepositoryName: aws.String("ok"), ImageTagMutability: types.ImageTagMutabilityImmutable, ImageTagMutabilityExclusionFilters: filters("dev*")},
		{RepositoryName: aws.String("ok"), ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion},
		{RepositoryName: aws.String("ok"), ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion, ImageTagMutabilityExclusionFilters: filters("a", "b", "c", "d", "e", "f")},
		{RepositoryName: aws.String("ok"), ImageTagMutability: types.ImageTagMutabilityMutableWithExclusion, ImageTagMutabilityExclusionFilters: filters("bad/filter")},
		{RepositoryName: aws.String("ok"), EncryptionConfiguration: &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeAes256, KmsKey: aws.String("alias/x")}},
	}
	for i, in := range bad {
		_, err := f.CreateRepository(ctx, in)
		_ = wantErr[*types.InvalidParameterException](t, err)
		if _, ok := f.Repository(aws.ToString(in.RepositoryName)); ok {
			t.Errorf("case %d: repository created despite error", i)
		}
	}
	out, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:                     aws.String("ok"),
		ImageTagMutability:                 types.ImageTagMutabilityImmutableWithExclusion,
		ImageTagMutabilityExclusionFilters: filters("latest", "dev-*"),
		ImageScanningConfiguration:         &types.ImageScanningConfiguration{ScanOnPush: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Repository.ImageTagMutabilityExclusionFilters) != 2 || !out.Repository.ImageScanningConfiguration.ScanOnPush {
		t.Errorf("create output = %+v", out.Repository)
	}
	st, _ := f.Repository("ok")
	if strings.Join(st.ExclusionFilters, ",") != "latest,dev-*" || !st.ScanOnPush {
		t.Errorf("state = %+v", st)
	}
}

func TestKMSKeysBecomeARNs(t *testing.T) {
	f := ecrfake.New(ecrfake.WithKMSAlias("alias/app", "11111111-2222-3333-4444-555555555555"))
	kms := func(name, key string) (*types.Repository, error) {
		in := &ecr.CreateRepositoryInput{RepositoryName: aws.String(name), EncryptionConfiguration: &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms}}
		if key != "" {
			in.EncryptionConfiguration.KmsKey = aws.String(key)
		}
		out, err := f.CreateRepository(ctx, in)
		if err != nil {
			return nil, err
		}
		return out.Repository, nil
	}
	cases := map[string]string{
		"":          "arn:aws:kms:us-west-2:123456789012:key/" + ecrfake.AWSManagedKeyID,
		"alias/app": "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555",
		"arn:aws:kms:us-west-2:123456789012:alias/app": "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555",
		"99999999-8888-7777-6666-555555555555":         "arn:aws:kms:us-west-2:123456789012:key/99999999-8888-7777-6666-555555555555",
	}
	i := 0
	for key, want := range cases {
		i++
		r, err := kms(fmt.Sprintf("kms%d", i), key)
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		if got := aws.ToString(r.EncryptionConfiguration.KmsKey); got != want {
			t.Errorf("key %q stored as %s, want %s", key, got, want)
		}
		st, _ := f.Repository(fmt.Sprintf("kms%d", i))
		if st.KMSKey != want || st.EncryptionType != types.EncryptionTypeKms {
			t.Errorf("state key %q = %s/%s", key, st.EncryptionType, st.KMSKey)
		}
	}
	_, err := kms("unknown", "alias/nope")
	_ = wantErr[*types.KmsException](t, err)
}

func TestDescribeRepositoriesPaging(t *testing.T) {
	f := ecrfake.New()
	const n = 2500
	for i := 0; i < n; i++ {
		mustCreate(t, f, fmt.Sprintf("repo-%04d", i))
	}
	seen := map[string]int{}
	var order []string
	pages := 0
	var token *string
	for {
		out, err := f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(1000), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Repositories {
			seen[*r.RepositoryName]++
			order = append(order, *r.RepositoryName)
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
		if pages > 10 {
			t.Fatal("paging does not terminate")
		}
	}
	if pages != 3 || len(seen) != n || len(order) != n {
		t.Fatalf("pages=%d distinct=%d total=%d, want 3/%d/%d", pages, len(seen), len(order), n, n)
	}
	for i, name := range order {
		if name != fmt.Sprintf("repo-%04d", i) || seen[name] != 1 {
			t.Fatalf("position %d: %s (seen %d times)", i, name, seen[name])
		}
	}
	// Default page size is 100.
	out, err := f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
	if err != nil || len(out.Repositories) != 100 || out.NextToken == nil {
		t.Fatalf("default page: %d repos, token %v, err %v", len(out.Repositories), out.NextToken, err)
	}
	for _, m := range []int32{0, 1001} {
		_, err := f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(m)})
		_ = wantErr[*types.InvalidParameterException](t, err)
	}
	_, err = f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{NextToken: aws.String("garbage")})
	_ = wantErr[*types.InvalidParameterException](t, err)
	if got := f.Calls()["DescribeRepositories"]; got != 7 {
		t.Errorf("DescribeRepositories calls = %d, want 7", got)
	}
}

func TestDescribeRepositoriesByName(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "a1")
	mustCreate(t, f, "b2")
	out, err := f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"b2", "a1"}})
	if err != nil || len(out.Repositories) != 2 || *out.Repositories[0].RepositoryName != "b2" {
		t.Fatalf("by name: %+v, %v", out, err)
	}
	_, err = f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"a1", "missing", "b2"}})
	e := wantErr[*types.RepositoryNotFoundException](t, err)
	if !strings.Contains(e.ErrorMessage(), "missing") {
		t.Errorf("message %q does not name the missing repository", e.ErrorMessage())
	}
	names := make([]string, 101)
	for i := range names {
		names[i] = fmt.Sprintf("r%d", i+10)
	}
	_, err = f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: names})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{}})
	_ = wantErr[*types.InvalidParameterException](t, err)
	if got := f.CallsFor("DescribeRepositories", "a1"); got != 2 {
		t.Errorf("CallsFor a1 = %d, want 2", got)
	}
}

const lifecycleIn = `{
  "rules": [
    {"rulePriority": 20, "description": "expire untagged <1d>", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1}, "action": {"type": "expire"}},
    {"rulePriority": 10, "description": "keep v", "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 10}, "action": {"type": "expire"}}
  ]
}`

const lifecycleOut = `{"rules":[{"action":{"type":"expire"},"description":"keep v","rulePriority":10,"selection":{"countNumber":10,"countType":"imageCountMoreThan","tagPrefixList":["v"],"tagStatus":"tagged"}},{"action":{"type":"expire"},"description":"expire untagged <1d>","rulePriority":20,"selection":{"countNumber":1,"countType":"sinceImagePushed","countUnit":"days","tagStatus":"untagged"}}]}`

func TestLifecyclePolicyRoundTrip(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	_, err := f.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})
	_ = wantErr[*types.LifecyclePolicyNotFoundException](t, err)
	_, err = f.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")})
	_ = wantErr[*types.LifecyclePolicyNotFoundException](t, err)

	put, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(lifecycleIn)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(put.LifecyclePolicyText); got != lifecycleOut {
		t.Errorf("put returned\n%s\nwant\n%s", got, lifecycleOut)
	}
	get, err := f.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(get.LifecyclePolicyText) != lifecycleOut || get.LastEvaluatedAt != nil ||
		aws.ToString(get.RepositoryName) != "app" || aws.ToString(get.RegistryId) != ecrfake.DefaultAccount {
		t.Errorf("get = %+v", get)
	}
	del, err := f.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(del.LifecyclePolicyText) != lifecycleOut {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	if st, _ := f.Repository("app"); st.LifecyclePolicy != nil {
		t.Error("lifecycle policy still stored after delete")
	}
}

func TestLifecyclePolicyValidation(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	pad := `, "description": "padding padding padding padding padding padding padding"`
	rule := func(prio int, sel string) string {
		return fmt.Sprintf(`{"rulePriority": %d%s, "selection": %s, "action": {"type": "expire"}}`, prio, pad, sel)
	}
	untagged := `{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1}`
	anyRule := `{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100}`
	bad := map[string]string{
		"not json":          strings.Repeat("x", 120),
		"no rules":          `{"other": []` + strings.Repeat(" ", 100) + `}`,
		"null":              `{"rules": [` + rule(1, untagged) + `], "x": null}`,
		"null description":  `{"rules": [{"rulePriority": 1, "description": null, "selection": ` + untagged + `, "action": {"type": "expire"}}]}`,
		"duplicate prio":    `{"rules": [` + rule(1, untagged) + `,` + rule(1, anyRule) + `]}`,
		"any not last":      `{"rules": [` + rule(1, anyRule) + `,` + rule(2, untagged) + `]}`,
		"unit with count":   `{"rules": [` + rule(1, `{"tagStatus": "untagged", "countType": "imageCountMoreThan", "countUnit": "days", "countNumber": 1}`) + `]}`,
		"tagged no list":    `{"rules": [` + rule(1, `{"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1}`) + `]}`,
		"two untagged":      `{"rules": [` + rule(1, untagged) + `,` + rule(2, untagged) + `]}`,
		"too many wildcard": `{"rules": [` + rule(1, `{"tagStatus": "tagged", "tagPatternList": ["a*b*c*d*e*"], "countType": "imageCountMoreThan", "countNumber": 1}`) + `]}`,
		"too short":         `{"rules": []}`,
		"pulled expire":     `{"rules": [` + rule(1, `{"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90}`) + `]}`,
		"archive 30 days":   `{"rules": [` + rule(1, `{"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 30}`) + `]}`,
	}
	for name, text := range bad {
		_, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(text)})
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		var ipe *types.InvalidParameterException
		if !errors.As(err, &ipe) {
			t.Errorf("%s: error %T %v, want InvalidParameterException", name, err, err)
		}
	}
	// The last: terraform-provider-aws TestAccECRLifecyclePolicy_storageClass,
	// which AWS accepts (an any rule is last within its storage class).
	archiveThenDelete := `{"rules": [` +
		`{"rulePriority": 1, "description": "Archive images not pulled in 90 days", "selection": {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90}, "action": {"type": "transition", "targetStorageClass": "archive"}},` +
		`{"rulePriority": 2, "description": "Delete images archived for more than 365 days", "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365}, "action": {"type": "expire"}}]}`
	for _, good := range []string{`{"rules": [` + rule(1, untagged) + `,` + rule(2, anyRule) + `]}`, archiveThenDelete} {
		if _, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(good)}); err != nil {
			t.Errorf("valid policy rejected: %v\n%s", err, good)
		}
	}
}

const policyIn = `{"Statement":[{"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/ci"]},"Effect":"Allow","Sid":"Pull"},{"Sid":"Push","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:role/ci"]},"Action":["ecr:PutImage"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-abc"]}}}],"Version":"2012-10-17"}`

const policyOut = `{
  "Version" : "2012-10-17",
  "Statement" : [ {
    "Sid" : "Pull",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : [ "arn:aws:iam::444455556666:role/ci", "arn:aws:iam::111122223333:root" ]
    },
    "Action" : [ "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" ]
  }, {
    "Sid" : "Push",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::444455556666:role/ci"
    },
    "Action" : "ecr:PutImage",
    "Condition" : {
      "StringEquals" : {
        "aws:PrincipalOrgID" : "o-abc"
      }
    }
  } ]
}`

func TestRepositoryPolicyReformatted(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	_, err := f.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
	_ = wantErr[*types.RepositoryPolicyNotFoundException](t, err)
	_, err = f.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("app")})
	_ = wantErr[*types.RepositoryPolicyNotFoundException](t, err)

	set, err := f.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(policyIn)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(set.PolicyText); got != policyOut {
		t.Errorf("set returned\n%s\nwant\n%s", got, policyOut)
	}
	get, err := f.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(get.PolicyText) != policyOut {
		t.Fatalf("get = %v, %v", aws.ToString(get.PolicyText), err)
	}
	del, err := f.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(del.PolicyText) != policyOut {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = f.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
	_ = wantErr[*types.RepositoryPolicyNotFoundException](t, err)

	stmt := `{"Sid":"S","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"%s}`
	bad := []string{
		`[]`,
		`{"Version":"2012-10-17"}`,
		`{"Statement":[]}`,
		`{"Statement":[` + fmt.Sprintf(stmt, `,"Resource":"*"`) + `]}`,
		`{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`,
		`{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"ecr:*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:*"},"Action":"ecr:*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/*"},"Action":"ecr:*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:group/devs"},"Action":"ecr:*"}]}`,
		`{"Statement":[` + fmt.Sprintf(stmt, "") + `]}` + strings.Repeat(" ", 10240),
	}
	for _, text := range bad {
		_, err := f.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(text)})
		var ipe *types.InvalidParameterException
		if !errors.As(err, &ipe) {
			t.Errorf("policy %.60q: error %v, want InvalidParameterException", text, err)
		}
	}
}

func TestDeleteRepository(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "full")
	f.PutImage("full", ecrfake.Image{Tags: []string{"v1"}, SizeBytes: 10})
	_, err := f.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("full")})
	_ = wantErr[*types.RepositoryNotEmptyException](t, err)
	if st, ok := f.Repository("full"); !ok || st.ImageCount != 1 {
		t.Fatalf("repository changed by failed delete: %+v %v", st, ok)
	}
	out, err := f.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("full"), Force: true})
	if err != nil || aws.ToString(out.Repository.RepositoryName) != "full" {
		t.Fatalf("force delete: %+v, %v", out, err)
	}
	if _, ok := f.Repository("full"); ok {
		t.Error("repository still present")
	}
	_, err = f.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("full")})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)
	if f.Writes() != 4 { // create + 3 deletes, failed ones included
		t.Errorf("Writes = %d, want 4", f.Writes())
	}
}

func tags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func TestTags(t *testing.T) {
	f := ecrfake.New()
	arn := aws.ToString(mustCreate(t, f, "app").RepositoryArn)

	_, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("x1"), Tags: tags("aws:owner", "me")})
	_ = wantErr[*types.InvalidTagParameterException](t, err)
	_, err = f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("x2"), Tags: tags(strings.Repeat("k", 129), "v")})
	_ = wantErr[*types.InvalidTagParameterException](t, err)
	_, err = f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("x3"), Tags: tags("k", strings.Repeat("v", 257))})
	_ = wantErr[*types.InvalidTagParameterException](t, err)
	var many []string
	for i := 0; i < 51; i++ {
		many = append(many, fmt.Sprintf("k%d", i), "v")
	}
	_, err = f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("x4"), Tags: tags(many...)})
	_ = wantErr[*types.TooManyTagsException](t, err)
	if len(f.RepositoryNames()) != 1 {
		t.Fatalf("repositories = %v", f.RepositoryNames())
	}

	if _, err := f.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags(many[:100]...)}); err != nil {
		t.Fatal(err)
	}
	f.SetSystemTag("app", "aws:cloudformation:stack-name", "s") // does not count toward 50
	if _, err := f.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags("k0", "changed")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags("extra", "v")})
	_ = wantErr[*types.TooManyTagsException](t, err)
	_, err = f.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"aws:cloudformation:stack-name"}})
	_ = wantErr[*types.InvalidTagParameterException](t, err)
	if _, err := f.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"k1", "absent"}}); err != nil {
		t.Fatal(err)
	}
	list, err := f.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tg := range list.Tags {
		got[*tg.Key] = *tg.Value
	}
	if len(got) != 50 || got["k0"] != "changed" || got["aws:cloudformation:stack-name"] != "s" || got["k1"] != "" {
		t.Errorf("tags = %v", got)
	}

	_, err = f.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-west-2:123456789012:repository/nope")})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)
	_, err = f.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String("not-an-arn")})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn)})
	_ = wantErr[smithy.InvalidParamsError](t, err)
}

func TestPutMutabilityAndScanning(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	_, err := f.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: aws.String("app"), ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion})
	_ = wantErr[*types.InvalidParameterException](t, err)
	out, err := f.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
		RepositoryName: aws.String("app"), ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion,
		ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{{Filter: aws.String("latest"), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard}},
	})
	if err != nil || out.ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion || len(out.ImageTagMutabilityExclusionFilters) != 1 {
		t.Fatalf("put mutability: %+v, %v", out, err)
	}
	if _, err := f.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: aws.String("app"), ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true}}); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Repository("app")
	if st.ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion || st.ExclusionFilters[0] != "latest" || !st.ScanOnPush {
		t.Errorf("state = %+v", st)
	}
	if _, err := f.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: aws.String("app"), ImageTagMutability: types.ImageTagMutabilityMutable}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.Repository("app"); len(st.ExclusionFilters) != 0 {
		t.Errorf("filters kept after MUTABLE: %v", st.ExclusionFilters)
	}
}

func TestFailNAndInject(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "a1")
	mustCreate(t, f, "b2")
	get := func(name string) error {
		_, err := f.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(name)})
		return err
	}
	f.FailN("GetLifecyclePolicy", "a1", 2, ecrfake.Throttling())
	_ = wantErr[*types.LifecyclePolicyNotFoundException](t, get("b2"))
	for i := 0; i < 2; i++ {
		var ae smithy.APIError
		if err := get("a1"); !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
			t.Fatalf("call %d: %v, want throttling", i, err)
		}
	}
	_ = wantErr[*types.LifecyclePolicyNotFoundException](t, get("a1"))
	if f.CallsFor("GetLifecyclePolicy", "a1") != 3 || f.Calls()["GetLifecyclePolicy"] != 4 {
		t.Errorf("calls = %v, a1 = %d", f.Calls(), f.CallsFor("GetLifecyclePolicy", "a1"))
	}

	// Typed helpers.
	f.FailN("", "", 1, ecrfake.LimitExceeded())
	_ = wantErr[*types.LimitExceededException](t, get("b2"))
	f.FailN("", "", 1, ecrfake.ServerError())
	_ = wantErr[*types.ServerException](t, get("b2"))
	f.FailN("PutLifecyclePolicy", "", 1, ecrfake.AccessDenied("PutLifecyclePolicy"))
	_, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("a1"), LifecyclePolicyText: aws.String(lifecycleIn)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !strings.Contains(ae.ErrorMessage(), "is not authorized to perform: ecr:PutLifecyclePolicy on resource: arn:aws:ecr:") {
		t.Fatalf("access denied = %v", err)
	}
	if st, _ := f.Repository("a1"); st.LifecyclePolicy != nil {
		t.Error("failed call changed state")
	}

	// A slow call honours its context; a call with a done context is not counted.
	f.Inject("DescribeImages", "a1", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = f.DescribeImages(tctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("a1")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow call: %v", err)
	}
	if _, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("b2")}); err != nil {
		t.Fatalf("other repository affected: %v", err)
	}
	before := f.Calls()["DescribeImages"]
	_, err = f.DescribeImages(tctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("b2")})
	if !errors.Is(err, context.DeadlineExceeded) || f.Calls()["DescribeImages"] != before {
		t.Fatalf("done context: %v, calls %d -> %d", err, before, f.Calls()["DescribeImages"])
	}
	f.ClearInjections()
	if _, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("a1")}); err != nil {
		t.Fatalf("after ClearInjections: %v", err)
	}
	f.ResetCalls()
	if len(f.Calls()) != 0 || f.Writes() != 0 {
		t.Error("ResetCalls did not reset")
	}
}

func TestEventualConsistency(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "old")
	f.SetNotFoundAfterCreate(2)
	arn := aws.ToString(mustCreate(t, f, "fresh").RepositoryArn)
	for i := 0; i < 2; i++ {
		_, err := f.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		_ = wantErr[*types.RepositoryNotFoundException](t, err)
	}
	if _, err := f.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(arn)}); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if _, err := f.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("old")}); errors.As(err, new(*types.RepositoryNotFoundException)) {
		t.Fatal("repository created before the hook was affected")
	}
	mustCreate(t, f, "fresh2")
	_, err := f.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"old", "fresh2"}})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)
	_, err = f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("fresh2"), LifecyclePolicyText: aws.String(lifecycleIn)})
	_ = wantErr[*types.RepositoryNotFoundException](t, err)
	if _, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("fresh2"), LifecyclePolicyText: aws.String(lifecycleIn)}); err != nil {
		t.Fatalf("after budget: %v", err)
	}
}

func TestImages(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	pushed := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 250; i++ {
		img := ecrfake.Image{Digest: fmt.Sprintf("sha256:%064d", i), SizeBytes: int64(i), PushedAt: pushed.Add(time.Duration(i) * time.Hour)}
		if i%2 == 0 {
			img.Tags = []string{fmt.Sprintf("v%d", i)}
		}
		f.PutImage("app", img)
	}
	f.PutImage("app", ecrfake.Image{Digest: "sha256:scanned", Tags: []string{"v0"}, ScanSeverityCounts: map[string]int32{"HIGH": 2},
		Findings: []types.ImageScanFinding{{Name: aws.String("CVE-1"), Severity: types.FindingSeverityHigh}}})

	count, pages := 0, 0
	var token *string
	for {
		out, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), NextToken: token,
			Filter: &types.DescribeImagesFilter{TagStatus: types.TagStatusTagged}})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		count += len(out.ImageDetails)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if count != 125 || pages != 2 { // 125 even images; v0 moved to the scanned image, untagging image 0
		t.Errorf("tagged images = %d in %d pages, want 125 in 2", count, pages)
	}
	out, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("v0")}}})
	if err != nil || len(out.ImageDetails) != 1 {
		t.Fatalf("lookup: %+v, %v", out, err)
	}
	d := out.ImageDetails[0]
	if *d.ImageDigest != "sha256:scanned" || d.ImageScanFindingsSummary == nil || d.ImageScanFindingsSummary.FindingSeverityCounts["HIGH"] != 2 ||
		*d.RepositoryName != "app" || *d.RegistryId != ecrfake.DefaultAccount {
		t.Errorf("detail = %+v", d)
	}
	_, err = f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("nope")}}})
	_ = wantErr[*types.ImageNotFoundException](t, err)
	_, err = f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(1001)})
	_ = wantErr[*types.InvalidParameterException](t, err)

	fnd, err := f.DescribeImageScanFindings(ctx, &ecr.DescribeImageScanFindingsInput{RepositoryName: aws.String("app"), ImageId: &types.ImageIdentifier{ImageTag: aws.String("v0")}})
	if err != nil || len(fnd.ImageScanFindings.Findings) != 1 || *fnd.ImageScanFindings.Findings[0].Name != "CVE-1" {
		t.Fatalf("findings = %+v, %v", fnd, err)
	}
	_, err = f.DescribeImageScanFindings(ctx, &ecr.DescribeImageScanFindingsInput{RepositoryName: aws.String("app"), ImageId: &types.ImageIdentifier{ImageTag: aws.String("v2")}})
	_ = wantErr[*types.ScanNotFoundException](t, err)
}

func TestRegistryAndAuth(t *testing.T) {
	f := ecrfake.New()
	reg, err := f.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err != nil || aws.ToString(reg.RegistryId) != ecrfake.DefaultAccount {
		t.Fatalf("registry = %+v, %v", reg, err)
	}
	auth, err := f.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil || len(auth.AuthorizationData) != 1 {
		t.Fatalf("auth = %+v, %v", auth, err)
	}
	ad := auth.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(ad.AuthorizationToken))
	if err != nil || !strings.HasPrefix(string(raw), "AWS:") || len(raw) <= 4 {
		t.Errorf("token %q decodes to %q (%v)", aws.ToString(ad.AuthorizationToken), raw, err)
	}
	if aws.ToString(ad.ProxyEndpoint) != "https://123456789012.dkr.ecr.us-west-2.amazonaws.com" || !ad.ExpiresAt.After(ecrfake.DefaultTime) {
		t.Errorf("auth data = %+v", ad)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := ecrfake.New()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("c%02d", i)
			if _, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
				t.Error(err)
				return
			}
			if _, err := f.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(f.RepositoryARN(name)), Tags: tags("i", name)}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if n := len(f.RepositoryNames()); n != 20 || f.Writes() != 40 {
		t.Errorf("repositories = %d, writes = %d", n, f.Writes())
	}
}

func TestRemoveImage(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	f.PutImage("app", ecrfake.Image{Digest: "sha256:one", Tags: []string{"keep1"}})
	f.PutImage("app", ecrfake.Image{Digest: "sha256:two", Tags: []string{"keep2"}})
	if !f.RemoveImage("app", "sha256:one") || f.RemoveImage("app", "sha256:one") {
		t.Fatal("RemoveImage does not report whether the image was there")
	}
	out, err := f.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app")})
	if err != nil || len(out.ImageDetails) != 1 || aws.ToString(out.ImageDetails[0].ImageDigest) != "sha256:two" {
		t.Fatalf("after RemoveImage: %+v, %v", out, err)
	}
}
