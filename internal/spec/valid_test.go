package spec_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

func ptr[T any](v T) *T { return &v }

func expire(priority int, desc string, sel lifecycle.Selection) lifecycle.Rule {
	return lifecycle.Rule{RulePriority: priority, Description: desc, Selection: sel, Action: lifecycle.Action{Type: "expire"}}
}

func keep10(prefix string) lifecycle.Selection {
	return lifecycle.Selection{TagStatus: "tagged", TagPrefixList: []string{prefix}, CountType: "imageCountMoreThan", CountNumber: 10}
}

func pushedDays(status string, prefixes []string, days int) lifecycle.Selection {
	return lifecycle.Selection{TagStatus: status, TagPrefixList: prefixes, CountType: "sinceImagePushed", CountUnit: "days", CountNumber: days}
}

// statement is the generic-JSON form of an access statement.
func statement(sid, principal string, actions ...string) map[string]any {
	acts := make([]any, len(actions))
	for i, a := range actions {
		acts[i] = a
	}
	return map[string]any{
		"Sid":       sid,
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": []any{principal}},
		"Action":    acts,
	}
}

var pullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
var pushActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
	"ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}

func TestLoadRegistryYAML(t *testing.T) {
	const path = "../../registry.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := spec.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	sum := sha256.Sum256(data)

	costOptimized := &lifecycle.Policy{Rules: []lifecycle.Rule{
		expire(10, "Keep the 10 newest v* images", keep10("v")),
		expire(20, "Keep the 10 newest release* images", keep10("release")),
		expire(30, "Keep the 10 newest prod* images", keep10("prod")),
		expire(40, "Expire dev* images 7 days after push", pushedDays("tagged", []string{"dev"}, 7)),
		expire(50, "Expire staging* images 7 days after push", pushedDays("tagged", []string{"staging"}, 7)),
		expire(60, "Expire untagged images 1 day after push", pushedDays("untagged", nil, 1)),
	}}
	repo := func(name string, line int, component string) spec.Repository {
		return spec.Repository{
			Name:               name,
			Line:               line,
			ImageTagMutability: "IMMUTABLE",
			ScanOnPush:         ptr(true),
			Encryption:         &spec.Encryption{Type: "AES256"},
			Lifecycle:          &spec.LifecycleSetting{Name: "cost-optimized", Policy: costOptimized},
			Policy: &spec.PolicySetting{Document: iampolicy.Document{
				"Version": "2012-10-17",
				"Statement": []any{
					statement("EcrctlPull", "arn:aws:iam::449870229058:role/ecs-task-execution", pullActions...),
					statement("EcrctlPush", "arn:aws:iam::449870229058:role/github-actions-deploy", pushActions...),
				},
			}},
			Tags: map[string]string{"Project": "durableai", "Environment": "dev", "ManagedBy": "ecrctl", "Component": component},
		}
	}
	want := &spec.File{
		Path:              path,
		SHA256:            hex.EncodeToString(sum[:]),
		Version:           1,
		Region:            "us-west-2",
		Account:           "449870229058",
		LifecyclePolicies: map[string]*lifecycle.Policy{"cost-optimized": costOptimized},
		Repositories: []spec.Repository{
			repo("durableai-dev-frontend", lineOf(t, data, "- name: durableai-dev-frontend"), "frontend"),
			repo("durableai-dev-backend", lineOf(t, data, "- name: durableai-dev-backend"), "backend"),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load(registry.yaml) mismatch (-want +got):\n%s", diff)
	}
	for _, r := range got.Repositories {
		if r.Absent {
			t.Errorf("%s: Absent; want present", r.Name)
		}
		if errs := r.Lifecycle.Policy.Validate(); errs != nil {
			t.Errorf("%s: lifecycle policy is invalid: %v", r.Name, errs)
		}
		if errs := r.Policy.Document.Validate(); errs != nil {
			t.Errorf("%s: repository policy is invalid: %v", r.Name, errs)
		}
	}
}

// lineOf returns the 1-based line of the first line containing s.
func lineOf(t *testing.T, data []byte, s string) int {
	t.Helper()
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not found", s)
	return 0
}

func TestDefaultsPrecedence(t *testing.T) {
	f := mustParse(t, `version: 1
defaults:
  imageTagMutability: IMMUTABLE
  scanOnPush: true
  encryption: {type: KMS, kmsKey: alias/default}
  lifecyclePolicy: keep
  tags: {Team: platform, Env: dev}
lifecyclePolicies:
  keep:
    rules:
      - selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 100}
        action: {type: expire}
repositories:
  - name: inherits
  - name: overrides
    imageTagMutability: MUTABLE
    scanOnPush: false
    encryption: {type: KMS_DSSE}
    lifecyclePolicy: none
    repositoryPolicy: none
    tags: {Env: prod, Owner: me}
`)
	keep := &lifecycle.Policy{Rules: []lifecycle.Rule{{RulePriority: 1,
		Selection: lifecycle.Selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: 100},
		Action:    lifecycle.Action{Type: "expire"}}}}
	want := []spec.Repository{
		{
			Name: "inherits", Line: 14,
			ImageTagMutability: "IMMUTABLE",
			ScanOnPush:         ptr(true),
			Encryption:         &spec.Encryption{Type: "KMS", KMSKey: "alias/default"},
			Lifecycle:          &spec.LifecycleSetting{Name: "keep", Policy: keep},
			Tags:               map[string]string{"Team": "platform", "Env": "dev"},
		},
		{
			Name: "overrides", Line: 15,
			ImageTagMutability: "MUTABLE",
			ScanOnPush:         ptr(false),
			Encryption:         &spec.Encryption{Type: "KMS_DSSE"},
			Lifecycle:          &spec.LifecycleSetting{},
			Policy:             &spec.PolicySetting{},
			Tags:               map[string]string{"Team": "platform", "Env": "prod", "Owner": "me"},
		},
	}
	if diff := cmp.Diff(want, f.Repositories); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if f.Region != "" || f.Account != "" {
		t.Errorf("Region, Account = %q, %q; want both empty", f.Region, f.Account)
	}
}

func TestUnmanagedFieldsStayNil(t *testing.T) {
	f := mustParse(t, "version: 1\nrepositories:\n  - name: bare\n  - name: gone\n    state: absent\n")
	want := []spec.Repository{{Name: "bare", Line: 3}, {Name: "gone", Line: 4, Absent: true}}
	if diff := cmp.Diff(want, f.Repositories); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestEmptyRepositoryList(t *testing.T) {
	f := mustParse(t, "version: 1\nrepositories: []\n")
	if f.Version != 1 || len(f.Repositories) != 0 {
		t.Errorf("got %+v", f)
	}
}

func TestTagMergeAndEmptyTags(t *testing.T) {
	f := mustParse(t, `version: 1
defaults:
  tags: {A: "1", B: "2"}
repositories:
  - name: merge
    tags: {B: "", C: "3"}
  - name: same
    tags: {}
`)
	got := []map[string]string{f.Repositories[0].Tags, f.Repositories[1].Tags}
	want := []map[string]string{{"A": "1", "B": "", "C": "3"}, {"A": "1", "B": "2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags mismatch (-want +got):\n%s", diff)
	}
}

func TestNoneSettings(t *testing.T) {
	f := mustParse(t, `version: 1
repositories:
  - name: app
    lifecyclePolicy: none
    repositoryPolicy: none
`)
	r := f.Repositories[0]
	if r.Lifecycle == nil || r.Lifecycle.Policy != nil || r.Lifecycle.Name != "" {
		t.Errorf("Lifecycle = %+v, want a setting with a nil policy", r.Lifecycle)
	}
	if r.Policy == nil || r.Policy.Document != nil {
		t.Errorf("Policy = %+v, want a setting with a nil document", r.Policy)
	}
}

func TestRulePriorityFromListOrder(t *testing.T) {
	f := mustParse(t, `version: 1
repositories:
  - name: app
    lifecyclePolicy:
      rules:
        - selection: {tagStatus: tagged, tagPrefixList: [v], countType: imageCountMoreThan, countNumber: 5}
          action: {type: expire}
        - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
          action: {type: expire}
        - selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 500}
          action: {type: expire}
`)
	lc := f.Repositories[0].Lifecycle
	if lc == nil || lc.Policy == nil || lc.Name != "" {
		t.Fatalf("Lifecycle = %+v, want an inline policy", lc)
	}
	var got []int
	for _, r := range lc.Policy.Rules {
		got = append(got, r.RulePriority)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, got); diff != "" {
		t.Errorf("priorities mismatch (-want +got):\n%s", diff)
	}
}

func TestJSONStringRepositoryPolicy(t *testing.T) {
	f := mustParse(t, `version: 1
repositories:
  - name: app
    repositoryPolicy: |
      {"Version": "2012-10-17",
       "Statement": [{"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
                      "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}]}
    access:
      pull: ["123456789012"]
`)
	want := iampolicy.Document{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-123"}}},
			statement("EcrctlPull", "123456789012", pullActions...),
		},
	}
	if diff := cmp.Diff(want, f.Repositories[0].Policy.Document); diff != "" {
		t.Errorf("policy mismatch (-want +got):\n%s", diff)
	}
}

func TestYAMLRepositoryPolicyFromDefaultsWithRepoAccess(t *testing.T) {
	f := mustParse(t, `version: 1
defaults:
  repositoryPolicy:
    Version: 2012-10-17
    Statement:
      - Sid: Deny
        Effect: Deny
        Principal: "*"
        Action: ecr:DeleteRepository
repositories:
  - name: plain
  - name: pushers
    access: {push: ["arn:aws:iam::123456789012:user/ci"]}
`)
	deny := map[string]any{"Sid": "Deny", "Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository"}
	want := []iampolicy.Document{
		{"Version": "2012-10-17", "Statement": []any{deny}},
		{"Version": "2012-10-17", "Statement": []any{deny, statement("EcrctlPush", "arn:aws:iam::123456789012:user/ci", pushActions...)}},
	}
	got := []iampolicy.Document{f.Repositories[0].Policy.Document, f.Repositories[1].Policy.Document}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("policies mismatch (-want +got):\n%s", diff)
	}
}

// A repository's own setting wins when repositoryPolicy none and access
// come from different levels.
func TestPolicyNoneAgainstAccessAcrossLevels(t *testing.T) {
	f := mustParse(t, `version: 1
defaults:
  access: {pull: ["123456789012"]}
repositories:
  - name: private
    repositoryPolicy: none
  - name: shared
`)
	if p := f.Repositories[0].Policy; p == nil || p.Document != nil {
		t.Errorf("private: Policy = %+v, want none", p)
	}
	if p := f.Repositories[1].Policy; p == nil || p.Document == nil {
		t.Errorf("shared: Policy = %+v, want the access statements", p)
	}

	f = mustParse(t, `version: 1
defaults:
  repositoryPolicy: none
repositories:
  - name: private
  - name: shared
    access: {pull: ["123456789012"]}
`)
	if p := f.Repositories[0].Policy; p == nil || p.Document != nil {
		t.Errorf("private: Policy = %+v, want none", p)
	}
	want := iampolicy.Document{"Version": "2012-10-17", "Statement": []any{statement("EcrctlPull", "123456789012", pullActions...)}}
	if diff := cmp.Diff(want, f.Repositories[1].Policy.Document); diff != "" {
		t.Errorf("shared policy mismatch (-want +got):\n%s", diff)
	}
}

func TestUnquotedAccountID(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"account: 449870229058", "449870229058"},
		{"account: 012345678901", "012345678901"},
		{"account: '012345678901'", "012345678901"},
	} {
		f := mustParse(t, "version: 1\n"+tc.yaml+"\nrepositories: []\n")
		if f.Account != tc.want {
			t.Errorf("%s: Account = %q, want %q", tc.yaml, f.Account, tc.want)
		}
	}
}

func TestRegions(t *testing.T) {
	for _, r := range []string{"us-west-2", "eu-central-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4"} {
		if f := mustParse(t, "version: 1\nregion: "+r+"\nrepositories: []\n"); f.Region != r {
			t.Errorf("Region = %q, want %q", f.Region, r)
		}
	}
}

func TestKMSWithoutKeyIsValid(t *testing.T) {
	f := mustParse(t, "version: 1\nrepositories:\n  - {name: a1, encryption: {type: KMS}}\n  - {name: a2, encryption: {type: KMS_DSSE}}\n")
	want := []*spec.Encryption{{Type: "KMS"}, {Type: "KMS_DSSE"}}
	got := []*spec.Encryption{f.Repositories[0].Encryption, f.Repositories[1].Encryption}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestExclusionFilters(t *testing.T) {
	f := mustParse(t, `version: 1
defaults:
  imageTagMutability: IMMUTABLE_WITH_EXCLUSION
  imageTagMutabilityExclusionFilters: [latest, "dev-*"]
repositories:
  - name: inherits
  - name: own-filters
    imageTagMutabilityExclusionFilters: [z, a, z]
  - name: plain
    imageTagMutability: IMMUTABLE
  - name: other-mode
    imageTagMutability: MUTABLE_WITH_EXCLUSION
`)
	type mf struct {
		M string
		F []string
	}
	var got []mf
	for _, r := range f.Repositories {
		got = append(got, mf{r.ImageTagMutability, r.ExclusionFilters})
	}
	want := []mf{
		{"IMMUTABLE_WITH_EXCLUSION", []string{"dev-*", "latest"}},
		{"IMMUTABLE_WITH_EXCLUSION", []string{"a", "z"}},
		{"IMMUTABLE", nil}, // a repository's own IMMUTABLE does not inherit the default filters
		{"MUTABLE_WITH_EXCLUSION", []string{"dev-*", "latest"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestNamedPolicyInDefaultsAndInline(t *testing.T) {
	f := mustParse(t, `version: 1
lifecyclePolicies:
  short:
    rules:
      - rulePriority: 5
        selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
        action: {type: expire}
defaults:
  lifecyclePolicy: short
repositories:
  - name: named
  - name: inline
    lifecyclePolicy:
      rules:
        - rulePriority: 7
          selection: {tagStatus: tagged, tagPatternList: ["v*-rc"], countType: imageCountMoreThan, countNumber: 3}
          action: {type: expire}
`)
	short := &lifecycle.Policy{Rules: []lifecycle.Rule{{RulePriority: 5,
		Selection: pushedDays("untagged", nil, 1), Action: lifecycle.Action{Type: "expire"}}}}
	inline := &lifecycle.Policy{Rules: []lifecycle.Rule{{RulePriority: 7,
		Selection: lifecycle.Selection{TagStatus: "tagged", TagPatternList: []string{"v*-rc"}, CountType: "imageCountMoreThan", CountNumber: 3},
		Action:    lifecycle.Action{Type: "expire"}}}}
	want := []*spec.LifecycleSetting{{Name: "short", Policy: short}, {Policy: inline}}
	got := []*spec.LifecycleSetting{f.Repositories[0].Lifecycle, f.Repositories[1].Lifecycle}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// Anchors, aliases and merge keys decode as YAML says, and settings reached
// through them still get checked and located.
func TestAnchorsAndMergeKeys(t *testing.T) {
	f := mustParse(t, `version: 1
defaults: &base
  scanOnPush: true
  lifecyclePolicy: none
  tags: &tags {Team: a}
repositories:
  - name: one
    tags: *tags
  - <<: *base
    name: two
    scanOnPush: false
`)
	want := []spec.Repository{
		{Name: "one", Line: 7, ScanOnPush: ptr(true), Lifecycle: &spec.LifecycleSetting{}, Tags: map[string]string{"Team": "a"}},
		{Name: "two", Line: 9, ScanOnPush: ptr(false), Lifecycle: &spec.LifecycleSetting{}, Tags: map[string]string{"Team": "a"}},
	}
	if diff := cmp.Diff(want, f.Repositories); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}

	_, err := spec.Parse("registry.yaml", []byte(`version: 1
defaults: &base
  lifecyclePolicy: nope
repositories:
  - <<: *base
    name: two
`))
	ps := problems(t, err)
	if got := ps[0].Error(); !strings.HasPrefix(got, "registry.yaml:3:20: defaults.lifecyclePolicy: unknown lifecycle policy") {
		t.Errorf("got %q", got)
	}
}

// Top-level x- keys hold anchors and are otherwise ignored; empty
// documents (a trailing ---) are ignored too.
func TestExtensionKeysAndEmptyDocuments(t *testing.T) {
	for _, text := range []string{
		"version: 1\nx-defaults: &d {scanOnPush: true, tags: {Team: a}}\nx-unused: [1, {a: b}]\nrepositories:\n  - {<<: *d, name: app}\n",
		"---\nversion: 1\nx-defaults: &d {scanOnPush: true, tags: {Team: a}}\nrepositories:\n  - <<: *d\n    name: app\n---\n",
		"# leading\n---\n---\nversion: 1\nx-defaults: &d {scanOnPush: true, tags: {Team: a}}\nrepositories: [{<<: *d, name: app}]\n--- # end\n...\n---\n# nothing\n",
	} {
		f := mustParse(t, text)
		want := []spec.Repository{{Name: "app", ScanOnPush: ptr(true), Tags: map[string]string{"Team": "a"}}}
		if diff := cmp.Diff(want, f.Repositories, cmpopts.IgnoreFields(spec.Repository{}, "Line")); diff != "" {
			t.Errorf("%q: mismatch (-want +got):\n%s", text, diff)
		}
	}
}

// An access block manages the repository policy even when it grants
// nothing: with no repositoryPolicy, the repository must have none.
func TestEmptyAccessMeansNoPolicy(t *testing.T) {
	f := mustParse(t, `version: 1
defaults:
  access: {pull: ["123456789012"]}
repositories:
  - name: empty-block
    access: {}
  - name: empty-lists
    access: {pull: [], push: []}
  - name: inherits
  - name: with-document
    access: {}
    repositoryPolicy: '{"Version":"2012-10-17","Statement":[{"Sid":"keep","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"ecr:BatchGetImage"}]}'
`)
	for _, i := range []int{0, 1} {
		if p := f.Repositories[i].Policy; p == nil || p.Document != nil {
			t.Errorf("%s: Policy = %+v, want none (a setting with a nil document)", f.Repositories[i].Name, p)
		}
	}
	if p := f.Repositories[2].Policy; p == nil || p.Document == nil {
		t.Errorf("inherits: Policy = %+v, want the defaults' access statement", p)
	}
	if p := f.Repositories[3].Policy; p == nil || len(p.Document["Statement"].([]any)) != 1 {
		t.Errorf("with-document: Policy = %+v, want the document alone", p)
	}

	f = mustParse(t, "version: 1\ndefaults:\n  access: {}\nrepositories:\n  - name: app\n")
	if p := f.Repositories[0].Policy; p == nil || p.Document != nil {
		t.Errorf("access: {} in defaults: Policy = %+v, want none", p)
	}
}

func TestSHA256TracksBytes(t *testing.T) {
	a := mustParse(t, "version: 1\nrepositories: []\n")
	b := mustParse(t, "version: 1\nrepositories: []\n")
	c := mustParse(t, "version: 1\nrepositories: []\n# edited\n")
	if len(a.SHA256) != 64 {
		t.Errorf("SHA256 = %q, want 64 hex digits", a.SHA256)
	}
	if a.SHA256 != b.SHA256 {
		t.Error("same bytes, different SHA256")
	}
	if a.SHA256 == c.SHA256 {
		t.Error("different bytes, same SHA256")
	}
	sum := sha256.Sum256([]byte("version: 1\nrepositories: []\n"))
	if a.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s, want the SHA-256 of the file bytes", a.SHA256)
	}
	if a.Path != "registry.yaml" {
		t.Errorf("Path = %q", a.Path)
	}
}

// The seed's original policy puts several prefixes in one rule. ECR ANDs a
// list, so this does not mean what the seed wanted, but ECR accepts it: it
// must load (a lint warning is a separate feature).
func TestSeedOriginalPolicyShapeIsValid(t *testing.T) {
	f := mustParse(t, `version: 1
lifecyclePolicies:
  seed:
    rules:
      - rulePriority: 1
        description: keep last 10 images tagged with v, release, or prod
        selection: {tagStatus: tagged, tagPrefixList: [v, release, prod], countType: imageCountMoreThan, countNumber: 10}
        action: {type: expire}
      - rulePriority: 2
        description: remove images tagged dev or staging after 7 days
        selection: {tagStatus: tagged, tagPrefixList: [dev, staging], countType: sinceImagePushed, countUnit: days, countNumber: 7}
        action: {type: expire}
      - rulePriority: 3
        description: untagged after 1 day
        selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
        action: {type: expire}
repositories:
  - name: app
    lifecyclePolicy: seed
`)
	p := f.Repositories[0].Lifecycle.Policy
	if p == nil || len(p.Rules) != 3 {
		t.Fatalf("policy = %+v, want 3 rules", p)
	}
	if diff := cmp.Diff([]string{"v", "release", "prod"}, p.Rules[0].Selection.TagPrefixList); diff != "" {
		t.Errorf("first rule's prefixes changed (-want +got):\n%s", diff)
	}
}
