package reconcile

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

func mustSpec(t testing.TB, yaml string) *spec.File {
	t.Helper()
	f, err := spec.Parse("registry.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func liveRepo(name string, mod func(*ecrapi.Repository)) *ecrapi.Repository {
	lr := &ecrapi.Repository{
		Name: name, ARN: "arn:aws:ecr:us-west-2:123456789012:repository/" + name,
		RegistryID: "123456789012", ImageTagMutability: "MUTABLE", EncryptionType: "AES256",
		Tags: map[string]string{}, TagsRead: true, LifecycleRead: true, PolicyRead: true,
	}
	if mod != nil {
		mod(lr)
	}
	return lr
}

func liveOf(repos ...*ecrapi.Repository) *Live {
	l := &Live{Region: "us-west-2", RegistryID: "123456789012", Repos: map[string]*ecrapi.Repository{}}
	for _, r := range repos {
		l.Repos[r.Name] = r
	}
	return l
}

const cheapPolicy = `{"rules":[{"action":{"type":"expire"},"rulePriority":1,"selection":{"countNumber":1,"countType":"sinceImagePushed","countUnit":"days","tagStatus":"untagged"}}]}`

// ECR's reformatting of a policy that grants pull to one role and one account.
const ecrFormattedPolicy = `{
  "Version" : "2012-10-17",
  "Statement" : [ {
    "Sid" : "EcrctlPull",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : [ "arn:aws:iam::123456789012:role/puller", "arn:aws:iam::210987654321:root" ]
    },
    "Action" : [ "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability" ]
  } ]
}`

func TestDiff(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		live    *Live
		opt     DiffOptions
		actions []Action
		paths   []string // attribute paths that change
		steps   []string // operations
		blocked bool
		reason  string
	}{
		{
			name:    "create with everything in one call then policies",
			spec:    "version: 1\nrepositories:\n- name: aa\n  imageTagMutability: IMMUTABLE\n  scanOnPush: true\n  tags: {T: v}\n  lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}\n  access: {pull: ['210987654321']}\n",
			live:    liveOf(),
			actions: []Action{Create},
			paths:   []string{"name", "imageTagMutability", "scanOnPush", "lifecyclePolicy", "repositoryPolicy", "tags.T"},
			steps:   []string{OpCreateRepository, OpPutLifecyclePolicy, OpSetRepositoryPolicy},
		},
		{
			name:    "nothing managed but existence is a no-op",
			spec:    "version: 1\nrepositories:\n- name: aa\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ScanOnPush = true; r.Tags = map[string]string{"x": "y"} })),
			actions: []Action{NoOp},
		},
		{
			name: "unmanaged fields never compared",
			spec: "version: 1\nrepositories:\n- name: aa\n  scanOnPush: true\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.ScanOnPush = true
				r.ImageTagMutability = "IMMUTABLE"
				r.Lifecycle = ptr(cheapPolicy)
			})),
			actions: []Action{NoOp},
		},
		{
			name:    "scan and mutability drift",
			spec:    "version: 1\nrepositories:\n- name: aa\n  scanOnPush: true\n  imageTagMutability: IMMUTABLE\n",
			live:    liveOf(liveRepo("aa", nil)),
			actions: []Action{Update},
			paths:   []string{"imageTagMutability", "scanOnPush"},
			steps:   []string{OpPutImageTagMutability, OpPutImageScanningConfiguration},
		},
		{
			name: "exclusion filters compared as a set",
			spec: "version: 1\nrepositories:\n- name: aa\n  imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n  imageTagMutabilityExclusionFilters: [latest, 'dev-*']\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.ImageTagMutability = "IMMUTABLE_WITH_EXCLUSION"
				r.ExclusionFilters = []string{"dev-*", "latest"}
			})),
			actions: []Action{NoOp},
		},
		{
			name: "tags are authoritative but aws: keys are never touched",
			spec: "version: 1\nrepositories:\n- name: aa\n  tags: {Keep: same, Change: new, Add: x}\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.Tags = map[string]string{"Keep": "same", "Change": "old", "Extra": "gone", "aws:cloudformation:stack": "s"}
			})),
			actions: []Action{Update},
			paths:   []string{"tags.Add", "tags.Change", "tags.Extra"},
			steps:   []string{OpUntagResource, OpTagResource},
		},
		{
			name:    "lifecycle compared by meaning, not text",
			spec:    "version: 1\nrepositories:\n- name: aa\n  lifecyclePolicy: {rules: [{rulePriority: 1, selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.Lifecycle = ptr(cheapPolicy) })),
			actions: []Action{NoOp},
		},
		{
			name:    "lifecycle none deletes a live policy",
			spec:    "version: 1\nrepositories:\n- name: aa\n  lifecyclePolicy: none\n  repositoryPolicy: none\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.Lifecycle = ptr(cheapPolicy) })),
			actions: []Action{Update},
			paths:   []string{"lifecyclePolicy"},
			steps:   []string{OpDeleteLifecyclePolicy},
		},
		{
			name: "lifecycle unknown live field is a change, never dropped",
			spec: "version: 1\nrepositories:\n- name: aa\n  lifecyclePolicy: {rules: [{rulePriority: 1, selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.Lifecycle = ptr(strings.Replace(cheapPolicy, `"type":"expire"`, `"type":"expire","futureField":1`, 1))
			})),
			actions: []Action{Update},
			paths:   []string{"lifecyclePolicy"},
			steps:   []string{OpPutLifecyclePolicy},
		},
		{
			name:    "repository policy as ECR reformats it is equal",
			spec:    "version: 1\nrepositories:\n- name: aa\n  access: {pull: ['arn:aws:iam::123456789012:role/puller', '210987654321']}\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.Policy = ptr(ecrFormattedPolicy) })),
			actions: []Action{NoOp},
		},
		{
			name: "repository policy with actions in another case is equal",
			spec: "version: 1\nrepositories:\n- name: aa\n  access: {pull: ['arn:aws:iam::123456789012:role/puller', '210987654321']}\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.Policy = ptr(strings.NewReplacer("ecr:BatchGetImage", "ecr:batchgetimage", "ecr:GetDownloadUrlForLayer", "ecr:getdownloadurlforlayer").Replace(ecrFormattedPolicy))
			})),
			actions: []Action{NoOp},
		},
		{
			name:    "repository policy with an extra principal is a change",
			spec:    "version: 1\nrepositories:\n- name: aa\n  access: {pull: ['arn:aws:iam::123456789012:role/puller']}\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.Policy = ptr(ecrFormattedPolicy) })),
			actions: []Action{Update},
			paths:   []string{"repositoryPolicy"},
			steps:   []string{OpSetRepositoryPolicy},
		},
		{
			name:    "absent and missing is a no-op",
			spec:    "version: 1\nrepositories:\n- name: aa\n  state: absent\n",
			live:    liveOf(),
			actions: []Action{NoOp},
		},
		{
			name:    "absent and empty deletes without a flag",
			spec:    "version: 1\nrepositories:\n- name: aa\n  state: absent\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(0) })),
			actions: []Action{Delete},
			paths:   []string{"name"},
			steps:   []string{OpDeleteRepository},
			reason:  "the repository is empty",
		},
		{
			name:    "absent with images is blocked",
			spec:    "version: 1\nrepositories:\n- name: aa\n  state: absent\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(7) })),
			actions: []Action{Delete},
			paths:   []string{"name"},
			steps:   []string{OpDeleteRepository},
			blocked: true,
			reason:  "destroys its 7 images",
		},
		{
			name:    "absent with images allowed",
			spec:    "version: 1\nrepositories:\n- name: aa\n  state: absent\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(7) })),
			opt:     DiffOptions{AllowDeleteImages: true},
			actions: []Action{Delete},
			paths:   []string{"name"},
			steps:   []string{OpDeleteRepository},
		},
		{
			name:    "encryption change is a blocked replacement",
			spec:    "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS}\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(3) })),
			opt:     DiffOptions{AllowReplace: true},
			actions: []Action{Delete, Create},
			paths:   []string{"encryption.type"},
			steps:   []string{OpDeleteRepository, OpCreateRepository},
			blocked: true,
			reason:  "destroys its 3 images",
		},
		{
			name:    "empty repository replacement needs only --allow-replace",
			spec:    "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS}\n",
			live:    liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(0) })),
			opt:     DiffOptions{AllowReplace: true},
			actions: []Action{Delete, Create},
			paths:   []string{"encryption.type"},
			steps:   []string{OpDeleteRepository, OpCreateRepository},
		},
		{
			name: "KMS key id matches the ARN ECR reports",
			spec: "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS, kmsKey: 1234abcd-12ab-34cd-56ef-1234567890ab}\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.EncryptionType = "KMS"
				r.KMSKey = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
			})),
			actions: []Action{NoOp},
		},
		{
			name: "KMS without a key leaves the key unmanaged",
			spec: "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS}\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.EncryptionType = "KMS"
				r.KMSKey = "arn:aws:kms:us-west-2:123456789012:key/x"
			})),
			actions: []Action{NoOp},
		},
		{
			name: "another KMS key ARN forces replacement",
			spec: "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS, kmsKey: 'arn:aws:kms:us-west-2:123456789012:key/other'}\n",
			live: liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
				r.EncryptionType = "KMS"
				r.KMSKey = "arn:aws:kms:us-west-2:123456789012:key/x"
				r.ImageCount = ptr(0)
			})),
			actions: []Action{Delete, Create},
			paths:   []string{"encryption.kmsKey"},
			steps:   []string{OpDeleteRepository, OpCreateRepository},
			blocked: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Diff(mustSpec(t, tt.spec), tt.live, tt.opt)
			if len(p.Changes) != 1 {
				t.Fatalf("want one resource change, got %d", len(p.Changes))
			}
			c := p.Changes[0]
			if diff := cmp.Diff(tt.actions, c.Actions); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			var paths, steps []string
			for _, ch := range c.Changes {
				paths = append(paths, ch.Path)
			}
			for _, s := range c.Steps {
				steps = append(steps, s.Operation)
			}
			if tt.actions[0] == NoOp {
				paths, steps = nil, nil
				if len(c.Changes) != 0 || len(c.Steps) != 0 {
					t.Errorf("no-op with changes %v steps %v", c.Changes, c.Steps)
				}
			}
			if diff := cmp.Diff(tt.paths, paths); diff != "" {
				t.Errorf("changed paths (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.steps, steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if c.Blocked != tt.blocked {
				t.Errorf("blocked = %v, want %v (requires %v)", c.Blocked, tt.blocked, c.Requires)
			}
			if !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("reason %q lacks %q", c.Reason, tt.reason)
			}
			if p.HasChanges == (tt.actions[0] == NoOp) {
				t.Errorf("has_changes = %v for actions %v", p.HasChanges, tt.actions)
			}
		})
	}
}

func TestDiffSummaryCountsReplaceAsAddAndDestroy(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS}\n- name: bb\n- name: cc\n  state: absent\n- name: dd\n  scanOnPush: true\n")
	live := liveOf(
		liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(0) }),
		liveRepo("cc", func(r *ecrapi.Repository) { r.ImageCount = ptr(0) }),
		liveRepo("dd", nil),
		liveRepo("zz-unmanaged", nil),
		liveRepo("aa-unmanaged", nil),
	)
	p := Diff(f, live, DiffOptions{AllowReplace: true})
	if diff := cmp.Diff(Summary{Add: 2, Change: 1, Destroy: 2}, p.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"aa-unmanaged", "zz-unmanaged"}, p.Unmanaged); diff != "" {
		t.Errorf("unmanaged (-want +got):\n%s", diff)
	}
	var names []string
	for _, c := range p.Changes {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"aa", "bb", "cc", "dd"}, names); diff != "" {
		t.Errorf("changes are not sorted by name (-want +got):\n%s", diff)
	}
}

func TestDiffReplacementKeepsUnmanagedAttributes(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS}\n")
	live := liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
		r.ImageCount = ptr(0)
		r.ScanOnPush = true
		r.ImageTagMutability = "IMMUTABLE"
		r.Tags = map[string]string{"Team": "x", "aws:reserved": "y"}
		r.Lifecycle = ptr(cheapPolicy)
		r.Policy = ptr(ecrFormattedPolicy)
	}))
	c := Diff(f, live, DiffOptions{AllowReplace: true}).Changes[0]
	create := c.Steps[1]
	if create.Operation != OpCreateRepository || create.ImageTagMutability != "IMMUTABLE" || create.ScanOnPush == nil || !*create.ScanOnPush {
		t.Errorf("create step does not carry live settings: %+v", create)
	}
	if diff := cmp.Diff(map[string]string{"Team": "x"}, create.Tags); diff != "" {
		t.Errorf("carried tags (-want +got):\n%s", diff)
	}
	if len(c.Steps) != 4 || c.Steps[2].PolicyText != cheapPolicy || c.Steps[3].PolicyText != ecrFormattedPolicy {
		t.Errorf("policies not carried over: %+v", c.Steps)
	}
}

func TestDiffKMSAliasWarnsInsteadOfReplacing(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS, kmsKey: alias/ecr}\n")
	live := liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
		r.EncryptionType = "KMS"
		r.KMSKey = "arn:aws:kms:us-west-2:123456789012:key/x"
	}))
	p := Diff(f, live, DiffOptions{})
	if p.HasChanges {
		t.Fatalf("alias caused a change: %+v", p.Changes)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "alias") {
		t.Fatalf("warnings = %q", p.Warnings)
	}
}

func TestPlanAllowRecomputesBlocked(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  state: absent\n")
	p := Diff(f, liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.ImageCount = ptr(2) })), DiffOptions{AllowDeleteImages: true})
	if len(p.Blocked()) != 0 {
		t.Fatal("allowed delete is blocked")
	}
	p.Allow(DiffOptions{})
	if len(p.Blocked()) != 1 {
		t.Fatal("saved plan applied without the flag is not blocked")
	}
}

// BenchmarkDiffAndRender10000 diffs and renders 10,000 repositories that
// manage everything, policies included: half exist with the policies as ECR
// returns them (reformatted, so compared by meaning) and a drifted tag, half
// are created.
func BenchmarkDiffAndRender10000(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`version: 1
defaults:
  imageTagMutability: IMMUTABLE
  scanOnPush: true
  tags: {Team: t}
  lifecyclePolicy: {rules: [{rulePriority: 1, selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}
  access: {pull: ['arn:aws:iam::123456789012:role/puller', '210987654321']}
repositories:
`)
	live := liveOf()
	for i := range 10000 {
		name := "repo-" + strings.Repeat("x", i%7) + strconv.Itoa(i)
		sb.WriteString("- name: " + name + "\n")
		if i%2 == 0 {
			live.Repos[name] = liveRepo(name, func(r *ecrapi.Repository) {
				r.ImageTagMutability, r.ScanOnPush = "IMMUTABLE", true
				r.Tags = map[string]string{"Team": "old"}
				// Fresh strings per repository, as the SDK returns them.
				r.Lifecycle = ptr(strings.Clone(cheapPolicy))
				r.Policy = ptr(strings.Clone(ecrFormattedPolicy))
			})
		}
	}
	f := mustSpec(b, sb.String())
	p := Diff(f, live, DiffOptions{})
	if p.Summary != (Summary{Add: 5000, Change: 5000}) {
		b.Fatalf("the benchmark's registry is not what it claims: %+v", p.Summary)
	}
	for _, c := range p.Changes {
		if c.Is(Update) && (len(c.Changes) != 1 || c.Changes[0].Path != "tags.Team") {
			b.Fatalf("policies as ECR returns them should compare equal: %+v", c.Changes)
		}
	}
	b.ResetTimer()
	for range b.N {
		p := Diff(f, live, DiffOptions{})
		var out strings.Builder
		if err := RenderText(&out, p, false); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDiffReplacementShowsEveryOtherChange(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS}\n  scanOnPush: true\n  tags: {A: b}\n")
	live := liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
		r.ImageCount = ptr(0)
		r.Tags = map[string]string{"A": "b", "X": "y"}
	}))
	c := Diff(f, live, DiffOptions{AllowReplace: true}).Changes[0]
	got := map[string]bool{}
	for _, ch := range c.Changes {
		got[ch.Path] = ch.ForcesReplacement
	}
	want := map[string]bool{"encryption.type": true, "scanOnPush": false, "tags.X": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes of a replacement (path -> forces replacement) (-want +got):\n%s", diff)
	}
}

// When a policy does change, what is written is the spec's document, with the
// spec's spelling of actions, never the live text's.
func TestDiffPolicyWritesTheSpecsActionSpelling(t *testing.T) {
	live := strings.NewReplacer("ecr:BatchGetImage", "ecr:batchgetimage", `"arn:aws:iam::210987654321:root"`, `"arn:aws:iam::210987654321:root", "111111111111"`).Replace(ecrFormattedPolicy)
	p := Diff(mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  access: {pull: ['arn:aws:iam::123456789012:role/puller', '210987654321']}\n"),
		liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.Policy = ptr(live) })), DiffOptions{})
	c := p.Changes[0]
	if len(c.Steps) != 1 || c.Steps[0].Operation != OpSetRepositoryPolicy {
		t.Fatalf("steps = %+v, want one SetRepositoryPolicy (the live policy has an extra principal)", c.Steps)
	}
	if text := c.Steps[0].PolicyText; !strings.Contains(text, `"ecr:BatchGetImage"`) || strings.Contains(text, "batchgetimage") {
		t.Errorf("written policy = %s, want the spec's ecr:BatchGetImage", text)
	}
}
