package reconcile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

var _ ecrapi.API = (*ecrfake.Fake)(nil)

func seedSpec(t *testing.T) *spec.File {
	t.Helper()
	f, err := spec.Load("../../registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func fastApply() ApplyOptions {
	return ApplyOptions{Parallelism: 4, ConsistencyRetries: 3, ConsistencyDelay: time.Millisecond}
}

func plan(t *testing.T, c ReadAPI, f *spec.File, opt DiffOptions) *Plan {
	t.Helper()
	live, err := Read(context.Background(), c, f, ReadOptions{Region: "us-west-2", Parallelism: 4})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return Diff(f, live, opt)
}

func apply(t *testing.T, c ecrapi.ECR, p *Plan) *Result {
	t.Helper()
	res, err := Apply(context.Background(), c, p, fastApply())
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

// The heart of ecrctl: apply, then plan is empty, although the fake (like
// real ECR) hands policies back reformatted.
func TestConvergenceAgainstFake(t *testing.T) {
	fake := ecrfake.New(ecrfake.WithAccount("449870229058"))
	f := seedSpec(t)
	p := plan(t, fake, f, DiffOptions{})
	if p.Summary != (Summary{Add: 2}) {
		t.Fatalf("first plan summary = %+v", p.Summary)
	}
	res := apply(t, fake, p)
	if len(res.Failed) != 0 || res.Summary != (Summary{Add: 2}) {
		t.Fatalf("apply: %+v", res)
	}
	st, _ := fake.Repository("durableai-dev-frontend")
	if st.RepositoryPolicy == nil || !strings.Contains(*st.RepositoryPolicy, `"Version" : "2012-10-17"`) {
		t.Fatalf("the fake did not reformat the policy, so this test proves nothing: %v", st.RepositoryPolicy)
	}
	fake.ResetCalls()
	again := plan(t, fake, f, DiffOptions{})
	if again.HasChanges {
		var b strings.Builder
		_ = RenderText(&b, again, false)
		t.Fatalf("plan after apply is not empty:\n%s", b.String())
	}
	res = apply(t, fake, again)
	if fake.Writes() != 0 || len(res.Applied) != 0 {
		t.Fatalf("second apply wrote %d times: %v", fake.Writes(), fake.Calls())
	}
}

// Plan reads: DescribeRepositories pages of 1000, and one read per managed
// attribute of each managed repository; nothing for the rest.
func TestReadCallBudget(t *testing.T) {
	fake := ecrfake.New()
	var sb strings.Builder
	sb.WriteString("version: 1\nrepositories:\n")
	for i := range 2500 {
		name := fmt.Sprintf("repo-%04d", i)
		if _, err := fake.CreateRepository(context.Background(), createInput(name)); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			sb.WriteString("- name: " + name + "\n  tags: {A: b}\n")
		}
	}
	sb.WriteString("- name: only-policy\n  lifecyclePolicy: none\n- name: not-yet\n  scanOnPush: true\n  repositoryPolicy: none\n")
	if _, err := fake.CreateRepository(context.Background(), createInput("only-policy")); err != nil {
		t.Fatal(err)
	}
	fake.ResetCalls()
	p := plan(t, fake, mustSpec(t, sb.String()), DiffOptions{})
	want := map[string]int{"DescribeRepositories": 3, "ListTagsForResource": 3, "GetLifecyclePolicy": 1}
	if diff := cmp.Diff(want, fake.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if len(p.Unmanaged) != 2497 {
		t.Errorf("unmanaged = %d, want 2497", len(p.Unmanaged))
	}
}

func createInput(name string) *ecr.CreateRepositoryInput {
	return &ecr.CreateRepositoryInput{RepositoryName: &name}
}

func TestApplyMakesExactlyThePlannedWrites(t *testing.T) {
	fake := ecrfake.New(ecrfake.WithAccount("449870229058"))
	f := seedSpec(t)
	p := plan(t, fake, f, DiffOptions{})
	steps := 0
	want := map[string]int{} // "Operation repo" -> planned calls
	for _, c := range p.Changes {
		steps += len(c.Steps)
		for _, s := range c.Steps {
			want[s.Operation+" "+c.Name]++
		}
	}
	fake.ResetCalls()
	apply(t, fake, p)
	if fake.Writes() != steps {
		t.Fatalf("apply made %d writes for %d planned steps: %v", fake.Writes(), steps, fake.Calls())
	}
	for key, n := range want {
		op, repo, _ := strings.Cut(key, " ")
		if got := fake.CallsFor(op, repo); got != n {
			t.Errorf("%s on %s: %d calls, planned %d", op, repo, got, n)
		}
	}
}

// A repository that manages tags, lifecycle and policy costs exactly one
// read of each, and a registry with no managed attributes costs only the
// listing.
func TestReadBudgetPerManagedAttribute(t *testing.T) {
	fake := ecrfake.New()
	for _, name := range []string{"full", "bare"} {
		in := createInput(name)
		in.Tags = []types.Tag{{Key: ptr("A"), Value: ptr("b")}}
		if _, err := fake.CreateRepository(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	fake.ResetCalls()
	f := mustSpec(t, "version: 1\nrepositories:\n- name: full\n  tags: {A: b}\n  lifecyclePolicy: none\n  repositoryPolicy: none\n  scanOnPush: false\n- name: bare\n")
	p := plan(t, fake, f, DiffOptions{})
	want := map[string]int{"DescribeRepositories": 1, "ListTagsForResource": 1, "GetLifecyclePolicy": 1, "GetRepositoryPolicy": 1}
	if diff := cmp.Diff(want, fake.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for _, op := range []string{"ListTagsForResource", "GetLifecyclePolicy", "GetRepositoryPolicy"} {
		if fake.CallsFor(op, "bare") != 0 {
			t.Errorf("%s read for a repository that manages nothing", op)
		}
	}
	if p.HasChanges || fake.Writes() != 0 {
		t.Errorf("plan changed something: %+v", p.Summary)
	}
}

func TestPartialFailureOthersComplete(t *testing.T) {
	fake := ecrfake.New(ecrfake.WithAccount("449870229058"))
	f := seedSpec(t)
	fake.FailN("PutLifecyclePolicy", "durableai-dev-backend", 1, ecrfake.AccessDenied("PutLifecyclePolicy"))
	res := apply(t, fake, plan(t, fake, f, DiffOptions{}))
	if len(res.Failed) != 1 || len(res.Applied) != 1 || res.Applied[0] != "repository.durableai-dev-frontend" {
		t.Fatalf("result = %+v", res)
	}
	msg := res.Failed[0].Err.Error()
	for _, want := range []string{`repository "durableai-dev-backend"`, "(PutLifecyclePolicy)", "AccessDeniedException", "ecr:PutLifecyclePolicy"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure %q lacks %q", msg, want)
		}
	}
	if diff := cmp.Diff([]string{OpCreateRepository}, res.Failed[0].Done); diff != "" {
		t.Errorf("done before failure (-want +got):\n%s", diff)
	}
	var op *ecrapi.OpError
	if !errors.As(res.Failed[0].Err, &op) || op.Code() != "AccessDeniedException" {
		t.Errorf("failure is not an OpError with the AWS code: %#v", res.Failed[0].Err)
	}
	// A second apply converges the rest.
	res = apply(t, fake, plan(t, fake, f, DiffOptions{}))
	if len(res.Failed) != 0 || len(res.Applied) != 1 {
		t.Fatalf("second apply = %+v", res)
	}
	if plan(t, fake, f, DiffOptions{}).HasChanges {
		t.Fatal("not converged after the second apply")
	}
}

func TestBlockedPlanMakesNoWrites(t *testing.T) {
	fake := ecrfake.New()
	ctx := context.Background()
	if _, err := fake.CreateRepository(ctx, createInput("old-repo")); err != nil {
		t.Fatal(err)
	}
	fake.PutImage("old-repo", ecrfake.Image{Digest: "sha256:" + strings.Repeat("a", 64), Tags: []string{"v1"}, SizeBytes: 10})
	f := mustSpec(t, "version: 1\nrepositories:\n- name: old-repo\n  state: absent\n- name: new-repo\n")
	p := plan(t, fake, f, DiffOptions{})
	fake.ResetCalls()
	_, err := Apply(ctx, fake, p, fastApply())
	var be *BlockedError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), FlagAllowDeleteImages) || !strings.Contains(err.Error(), "1 image") {
		t.Fatalf("err = %v", err)
	}
	if len(fake.Calls()) != 0 {
		t.Fatalf("a blocked plan made calls: %v", fake.Calls())
	}
	res := apply(t, fake, plan(t, fake, f, DiffOptions{AllowDeleteImages: true}))
	if len(res.Failed) != 0 || res.Summary != (Summary{Add: 1, Destroy: 1}) {
		t.Fatalf("allowed apply = %+v", res)
	}
	if _, ok := fake.Repository("old-repo"); ok {
		t.Fatal("old-repo still exists")
	}
}

func TestDeleteRefusedWhenImagesArrivedSincePlan(t *testing.T) {
	fake := ecrfake.New()
	if _, err := fake.CreateRepository(context.Background(), createInput("old-repo")); err != nil {
		t.Fatal(err)
	}
	f := mustSpec(t, "version: 1\nrepositories:\n- name: old-repo\n  state: absent\n")
	p := plan(t, fake, f, DiffOptions{})
	if p.Changes[0].Blocked {
		t.Fatal("empty repository delete is blocked")
	}
	fake.PutImage("old-repo", ecrfake.Image{Digest: "sha256:" + strings.Repeat("b", 64), Tags: []string{"late"}})
	res := apply(t, fake, p)
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "now holds 1 image, the plan saw 0") {
		t.Fatalf("result = %+v", res)
	}
	if _, ok := fake.Repository("old-repo"); !ok {
		t.Fatal("repository with a new image was deleted")
	}
}

func TestEventualConsistencyAfterCreate(t *testing.T) {
	fake := ecrfake.New(ecrfake.WithAccount("449870229058"))
	fake.SetNotFoundAfterCreate(2)
	res := apply(t, fake, plan(t, fake, seedSpec(t), DiffOptions{}))
	if len(res.Failed) != 0 {
		t.Fatalf("two not-found answers after create were not tolerated: %v", res.Failed[0].Err)
	}

	fake = ecrfake.New(ecrfake.WithAccount("449870229058"))
	fake.SetNotFoundAfterCreate(100)
	res = apply(t, fake, plan(t, fake, seedSpec(t), DiffOptions{}))
	if len(res.Failed) != 2 || !strings.Contains(res.Failed[0].Err.Error(), "had not caught up with the previous call after 3 retries") {
		t.Fatalf("unbounded or unclear: %+v", res.Failed)
	}
}

func TestInterruptLetsInFlightCallFinishAndStartsNoMore(t *testing.T) {
	fake := ecrfake.New()
	f := mustSpec(t, "version: 1\ndefaults: {lifecyclePolicy: none, tags: {A: b}}\nrepositories:\n- name: first\n- name: second\n- name: third\n")
	p := plan(t, fake, f, DiffOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	// The interrupt arrives while the first CreateRepository is in flight.
	fake.Inject("CreateRepository", "first", func(context.Context) error { cancel(); return nil })
	opt := fastApply()
	opt.Parallelism = 1
	res, err := Apply(ctx, fake, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.Repository("first"); !ok {
		t.Fatal("the in-flight CreateRepository was abandoned")
	}
	if diff := cmp.Diff([]string{"repository.second", "repository.third"}, res.NotStarted); diff != "" {
		t.Errorf("not started (-want +got):\n%s", diff)
	}
	if fake.Calls()["CreateRepository"] != 1 {
		t.Errorf("calls after the interrupt: %v", fake.Calls())
	}
}

func TestAccountGuardStopsBeforeReadingRepositories(t *testing.T) {
	fake := ecrfake.New(ecrfake.WithAccount("123456789012"))
	f := mustSpec(t, "version: 1\naccount: '999999999999'\nrepositories:\n- name: app\n  tags: {A: b}\n")
	_, err := Read(context.Background(), fake, f, ReadOptions{Parallelism: 2})
	var am *ecrapi.AccountMismatchError
	if !errors.As(err, &am) || !strings.Contains(err.Error(), "999999999999") || !strings.Contains(err.Error(), "123456789012") {
		t.Fatalf("err = %v", err)
	}
	if fake.Writes() != 0 || fake.Calls()["ListTagsForResource"] != 0 {
		t.Fatalf("calls after mismatch: %v", fake.Calls())
	}
}

func TestReadErrorNamesRepositoryAndOperation(t *testing.T) {
	fake := ecrfake.New()
	if _, err := fake.CreateRepository(context.Background(), createInput("app")); err != nil {
		t.Fatal(err)
	}
	fake.FailN("GetRepositoryPolicy", "app", 1, ecrfake.AccessDenied("GetRepositoryPolicy"))
	_, err := Read(context.Background(), fake, mustSpec(t, "version: 1\nrepositories:\n- name: app\n  repositoryPolicy: none\n"), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), `reading the repository policy of repository "app" (GetRepositoryPolicy): AccessDeniedException`) ||
		!strings.Contains(err.Error(), "ecr:GetRepositoryPolicy") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryerTreatsQuotaAsTerminal(t *testing.T) {
	r := ecrapi.NewRetryer(4)
	if r.MaxAttempts() != 5 {
		t.Errorf("max attempts = %d, want 5", r.MaxAttempts())
	}
	if r.IsErrorRetryable(&types.LimitExceededException{Message: ptr("quota")}) {
		t.Error("LimitExceededException is retried, but it is a quota")
	}
	if !r.IsErrorRetryable(ecrfake.Throttling()) {
		t.Error("ThrottlingException is not retried")
	}
	if r.IsErrorRetryable(ecrfake.AccessDenied("X")) {
		t.Error("AccessDenied is retried")
	}
	e := &ecrapi.OpError{Repository: "app", Operation: "CreateRepository", Doing: "applying", Err: ecrfake.LimitExceeded()}
	if !strings.Contains(e.Error(), "quota") {
		t.Errorf("quota error does not say so: %v", e)
	}
}

// The expiry block looks at what the change destroys: not at images the
// current policy expires anyway, and not only at "now".
func TestLifecycleBlockCountsOnlyWhatTheChangeDestroys(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	keepOne := `{"rules":[{"rulePriority":1,"description":"old words","selection":{"tagStatus":"tagged","tagPrefixList":["v1"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	live := func(policy string) *Live {
		return liveOf(liveRepo("app", func(r *ecrapi.Repository) {
			r.Lifecycle = ptr(policy)
			r.ImagesRead = true
			for i := range 3 {
				r.Images = append(r.Images, lifecycle.Image{Digest: fmt.Sprintf("sha256:%064d", i), Tags: []string{fmt.Sprintf("v1.%d", i)}, SizeBytes: 1 << 20, PushedAt: now.Add(-time.Duration(i+1) * time.Hour)})
			}
		}))
	}
	// Only the description changes: the two images it expires, the current
	// policy expires too. Not blocked.
	f := mustSpec(t, "version: 1\nrepositories:\n- name: app\n  lifecyclePolicy: {rules: [{rulePriority: 1, description: new words, selection: {tagStatus: tagged, tagPrefixList: [v1], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}]}\n")
	c := Diff(f, live(keepOne), DiffOptions{Now: now}).Changes[0]
	if !c.Is(Update) || c.Blocked || c.LifecycleImpact.ExpireNow != 2 || c.LifecycleImpact.NewlyExpired != 0 {
		t.Errorf("description-only change: %+v %+v", c, c.LifecycleImpact)
	}
	// Expire everything a day after push: nothing goes now, all of it by
	// tomorrow. Blocked.
	f = mustSpec(t, "version: 1\nrepositories:\n- name: app\n  lifecyclePolicy: {rules: [{rulePriority: 1, selection: {tagStatus: any, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}\n")
	c = Diff(f, live(keepOne), DiffOptions{Now: now}).Changes[0]
	if !c.Blocked || c.LifecycleImpact.ExpireNow != 0 || c.LifecycleImpact.NewlyExpired != 1 || !strings.Contains(c.Reason, "within 30 days, not at ECR's next evaluation") {
		t.Errorf("expire-everything-tomorrow: blocked=%v %+v reason %q", c.Blocked, c.LifecycleImpact, c.Reason)
	}
}

func TestLifecycleImpactInPlan(t *testing.T) {
	fake := ecrfake.New()
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, name := range []string{"changing", "unchanged"} {
		if _, err := fake.CreateRepository(ctx, createInput(name)); err != nil {
			t.Fatal(err)
		}
		if _, err := fake.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: ptr(name), LifecyclePolicyText: ptr(cheapPolicy)}); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			fake.PutImage(name, ecrfake.Image{
				Digest: fmt.Sprintf("sha256:%064d", i), Tags: []string{fmt.Sprintf("v1.%d", i)},
				SizeBytes: 100 << 20, PushedAt: now.Add(-time.Duration(5-i) * time.Hour),
			})
		}
		// One untagged image pushed 10 days ago expires under both policies.
		fake.PutImage(name, ecrfake.Image{Digest: fmt.Sprintf("sha256:%064d", 9), SizeBytes: 1 << 30, PushedAt: now.Add(-240 * time.Hour)})
	}
	f := mustSpec(t, `version: 1
repositories:
- name: changing
  lifecyclePolicy:
    rules:
    - {selection: {tagStatus: tagged, tagPrefixList: [v1], countType: imageCountMoreThan, countNumber: 2}, action: {type: expire}}
    - {selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}
- name: unchanged
  lifecyclePolicy: {rules: [{rulePriority: 1, selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}, action: {type: expire}}]}
`)
	fake.ResetCalls()
	live, err := Read(ctx, fake, f, ReadOptions{Parallelism: 2, LifecycleImpact: true})
	if err != nil {
		t.Fatal(err)
	}
	if fake.CallsFor("DescribeImages", "changing") != 1 || fake.CallsFor("DescribeImages", "unchanged") != 0 {
		t.Errorf("images read for the wrong repositories: %v", fake.Calls())
	}
	p := Diff(f, live, DiffOptions{Now: now, PricePerGBMonth: 0.10})
	im := p.Changes[0].LifecycleImpact
	if im == nil || p.Changes[1].LifecycleImpact != nil {
		t.Fatalf("impact on the wrong changes: %+v / %+v", im, p.Changes[1].LifecycleImpact)
	}
	digests := []string{fmt.Sprintf("sha256:%064d", 9)}
	for i := range 5 {
		digests = append(digests, fmt.Sprintf("sha256:%064d", i))
	}
	want := LifecycleImpact{EvaluatedAt: now, Images: 6, ImagesSHA256: ecrapi.ImagesFingerprint(digests), Bytes: 5*(100<<20) + 1<<30, ExpireNow: 4, ExpireNowBytes: 3*(100<<20) + 1<<30,
		PricePerGBMonthUSD: 0.10, MonthlySavingNowUSD: 0.13,
		// The untagged image expires under the current policy too: not new.
		NewlyExpired: 3, NewlyExpiredNow: 3, NewlyExpiredBytes: 3 * (100 << 20)}
	if diff := cmp.Diff(want, *im); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
	var text strings.Builder
	if err := RenderText(&text, p, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "# lifecycle impact: would expire 4 of 6 images (1.3 GiB) now; 0 more within 30 days (0 B); saves about USD 0.13 per month") {
		t.Errorf("text lacks the impact line:\n%s", text.String())
	}
	// Expiring images at once needs the flag, like any other image loss.
	if c := p.Changes[0]; !c.Blocked || !strings.Contains(c.Reason, "expires 3 images (300.0 MiB) that the current policy keeps") {
		t.Errorf("a policy that newly expires 3 images is not blocked as such: %+v", c)
	}
	if Diff(f, live, DiffOptions{Now: now, AllowDeleteImages: true}).Changes[0].Blocked {
		t.Error("--allow-delete-images does not allow it")
	}
	// Without a time, no estimate (plan --no-lifecycle-impact).
	if Diff(f, live, DiffOptions{}).Changes[0].LifecycleImpact != nil {
		t.Error("impact computed without an evaluation time")
	}
}

// Renaming a tag on a repository at ECR's 50-tag limit converges: the old
// key is removed before the new one is added.
func TestTagRenameAtTheLimit(t *testing.T) {
	fake := ecrfake.New()
	ctx := context.Background()
	in := createInput("full")
	var yaml strings.Builder
	yaml.WriteString("version: 1\nrepositories:\n- name: full\n  tags:\n")
	for i := range 50 {
		k := fmt.Sprintf("k%02d", i)
		in.Tags = append(in.Tags, types.Tag{Key: ptr(k), Value: ptr("v")})
		if i == 0 {
			k = "renamed"
		}
		yaml.WriteString("    " + k + ": v\n")
	}
	if _, err := fake.CreateRepository(ctx, in); err != nil {
		t.Fatal(err)
	}
	f := mustSpec(t, yaml.String())
	res := apply(t, fake, plan(t, fake, f, DiffOptions{}))
	if len(res.Failed) != 0 {
		t.Fatalf("rename at 50 tags failed: %v", res.Failed[0].Err)
	}
	if plan(t, fake, f, DiffOptions{}).HasChanges {
		t.Fatal("not converged")
	}
}

func replacePlan(t *testing.T, fake *ecrfake.Fake) (*spec.File, *Plan) {
	t.Helper()
	ctx := context.Background()
	in := createInput("moving")
	in.Tags = []types.Tag{{Key: ptr("Team"), Value: ptr("x")}}
	if _, err := fake.CreateRepository(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: ptr("moving"), LifecyclePolicyText: ptr(cheapPolicy)}); err != nil {
		t.Fatal(err)
	}
	f := mustSpec(t, "version: 1\nrepositories:\n- name: moving\n  encryption: {type: KMS}\n")
	return f, plan(t, fake, f, DiffOptions{AllowReplace: true})
}

func TestReplacementCarriesUnmanagedSettings(t *testing.T) {
	fake := ecrfake.New()
	f, p := replacePlan(t, fake)
	res := apply(t, fake, p)
	if len(res.Failed) != 0 || res.Summary != (Summary{Add: 1, Destroy: 1}) {
		t.Fatalf("replace = %+v", res)
	}
	st, _ := fake.Repository("moving")
	if st.EncryptionType != "KMS" || st.Tags["Team"] != "x" || st.LifecyclePolicy == nil {
		t.Fatalf("after replace: %+v", st)
	}
	if plan(t, fake, f, DiffOptions{}).HasChanges {
		t.Fatal("not converged after replace")
	}
}

func TestReplacementIsNotInterruptedBetweenDeleteAndCreate(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	ctx, cancel := context.WithCancel(context.Background())
	g := &recordingGuard{}
	openDuring := map[string]int{}
	for _, op := range []string{"DeleteRepository", "CreateRepository", "PutLifecyclePolicy"} {
		fake.Inject(op, "moving", func(context.Context) error { openDuring[op] = g.openNow(); return nil })
	}
	fake.Inject("DeleteRepository", "moving", func(context.Context) error { cancel(); return nil })
	opt := fastApply()
	opt.Guard = g
	res, err := Apply(ctx, fake, p, opt)
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("interrupt during the delete stopped the replacement: %+v %v", res, err)
	}
	// The window opens before the delete is sent and closes after the last
	// carried-over setting: a second Ctrl-C relies on it.
	if diff := cmp.Diff(map[string]int{"DeleteRepository": 1, "CreateRepository": 1, "PutLifecyclePolicy": 1}, openDuring); diff != "" {
		t.Errorf("guard windows open during each call (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"enter moving", "leave moving"}, g.events); diff != "" {
		t.Errorf("guard events (-want +got):\n%s", diff)
	}
	if st, ok := fake.Repository("moving"); !ok || st.Tags["Team"] != "x" || st.LifecyclePolicy == nil {
		t.Fatalf("repository not fully recreated: %+v %v", st, ok)
	}
}

// recordingGuard is a Guard that remembers what apply told it.
type recordingGuard struct {
	mu      sync.Mutex
	open    int
	events  []string
	onEnter func()
}

func (g *recordingGuard) Enter(repo string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open++
	g.events = append(g.events, "enter "+repo)
	if g.onEnter != nil {
		g.onEnter()
	}
}

func (g *recordingGuard) Leave(repo string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open--
	g.events = append(g.events, "leave "+repo)
}

func (g *recordingGuard) openNow() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// An interrupt that arrives as the window opens (the signal handler sees no
// window yet, so it cancels) stops the replacement before the delete, and
// the guard is released.
func TestReplacementInterruptedAsTheWindowOpensDeletesNothing(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	ctx, cancel := context.WithCancel(context.Background())
	g := &recordingGuard{onEnter: cancel}
	opt := fastApply()
	opt.Guard, opt.RestoreDir = g, t.TempDir()
	writes := fake.Writes()
	res, err := Apply(ctx, fake, p, opt)
	if err != nil || len(res.NotStarted) != 1 || fake.Writes() != writes {
		t.Fatalf("res = %+v, err = %v, writes = %d", res, err, fake.Writes()-writes)
	}
	if g.openNow() != 0 {
		t.Errorf("guard left open")
	}
	assertNoRestoreFiles(t, opt.RestoreDir)
}

func assertNoRestoreFiles(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, "ecrctl-restore-*"))
	if len(left) > 0 {
		t.Errorf("restore files left behind: %v", left)
	}
}

func TestReplacementFailingAfterDeleteSaysHowToRestore(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	fake.FailN("CreateRepository", "moving", 1, ecrfake.AccessDenied("CreateRepository"))
	res := apply(t, fake, p)
	if len(res.Failed) != 1 {
		t.Fatalf("result = %+v", res)
	}
	msg := res.Failed[0].Err.Error()
	for _, want := range []string{"already deleted", `"operation":"CreateRepository"`, `"Team":"x"`, `"operation":"PutLifecyclePolicy"`, "ecr:CreateRepository"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure lacks %q:\n%s", want, msg)
		}
	}
}

// Right after a replacement's delete, ECR may still report the old
// repository on create; the create is retried, bounded.
func TestReplacementRetriesCreateWhileTheDeleteSettles(t *testing.T) {
	fake := ecrfake.New()
	f, p := replacePlan(t, fake)
	fake.FailN("CreateRepository", "moving", 2, &types.RepositoryAlreadyExistsException{Message: ptr("The repository already exists")})
	res := apply(t, fake, p)
	if len(res.Failed) != 0 {
		t.Fatalf("replacement gave up while the delete settled: %v", res.Failed[0].Err)
	}
	if plan(t, fake, f, DiffOptions{}).HasChanges {
		t.Fatal("not converged")
	}
}

// keyFake adds KMS alias resolution to the fake ECR.
type keyFake struct {
	*ecrfake.Fake
	aliases map[string]string
	err     error
	calls   int
}

func (k *keyFake) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	k.calls++
	if k.err != nil {
		return nil, k.err
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{Arn: ptr(k.aliases[*in.KeyId])}}, nil
}

func TestKMSAliasesAreResolved(t *testing.T) {
	const keyA = "arn:aws:kms:us-west-2:123456789012:key/aaaa"
	const keyB = "arn:aws:kms:us-west-2:123456789012:key/bbbb"
	setup := func(aliasTarget string, err error) (*keyFake, *spec.File) {
		fake := ecrfake.New(ecrfake.WithKMSAlias("team", "aaaa"))
		for _, name := range []string{"one", "two"} {
			in := createInput(name)
			in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms, KmsKey: ptr("alias/team")}
			if _, err := fake.CreateRepository(context.Background(), in); err != nil {
				t.Fatal(err)
			}
		}
		st, _ := fake.Repository("one")
		if st.KMSKey != keyA {
			t.Fatalf("the fake stores %q for alias/team, want %q", st.KMSKey, keyA)
		}
		f := mustSpec(t, "version: 1\ndefaults: {encryption: {type: KMS, kmsKey: alias/team}}\nrepositories:\n- name: one\n- name: two\n")
		return &keyFake{Fake: fake, aliases: map[string]string{"alias/team": aliasTarget}, err: err}, f
	}

	// The alias still names the key the repositories use: no change, no
	// warning, and one DescribeKey for both repositories.
	kf, f := setup(keyA, nil)
	p := plan(t, kf, f, DiffOptions{})
	if p.HasChanges || len(p.Warnings) != 0 || kf.calls != 1 {
		t.Fatalf("alias naming the live key: changes %v, warnings %q, DescribeKey calls %d", p.Summary, p.Warnings, kf.calls)
	}
	// The alias was moved to another key: the repositories use the old one,
	// which is drift that only a replacement can fix.
	kf, f = setup(keyB, nil)
	p = plan(t, kf, f, DiffOptions{})
	if p.Summary != (Summary{Add: 2, Destroy: 2}) || !p.Changes[0].IsReplace() {
		t.Fatalf("alias moved to another key: %+v", p.Summary)
	}
	// Without kms:DescribeKey: assume the same key, and say so.
	kf, f = setup("", ecrfake.AccessDenied("DescribeKey"))
	p = plan(t, kf, f, DiffOptions{})
	if p.HasChanges || len(p.Warnings) != 2 || !strings.Contains(p.Warnings[0], "could not resolve the alias") {
		t.Fatalf("unresolvable alias: changes %v, warnings %q", p.Summary, p.Warnings)
	}
}

// An access block that grants nothing manages the policy: an out-of-band
// public policy is planned for deletion and apply removes it.
func TestEmptyAccessRemovesOutOfBandPolicy(t *testing.T) {
	for _, access := range []string{"{}", "{pull: []}", "{pull: [], push: []}"} {
		t.Run(access, func(t *testing.T) {
			fake := ecrfake.New()
			ctx := context.Background()
			if _, err := fake.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: ptr("app")}); err != nil {
				t.Fatal(err)
			}
			public := `{"Version":"2012-10-17","Statement":[{"Sid":"open","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`
			if _, err := fake.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: ptr("app"), PolicyText: &public}); err != nil {
				t.Fatal(err)
			}
			f, err := spec.Parse("r.yaml", []byte("version: 1\nrepositories:\n  - name: app\n    access: "+access+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			p := plan(t, fake, f, DiffOptions{})
			if p.Summary != (Summary{Change: 1}) {
				var b strings.Builder
				_ = RenderText(&b, p, false)
				t.Fatalf("summary = %+v, want one change:\n%s", p.Summary, b.String())
			}
			var b strings.Builder
			if err := RenderText(&b, p, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "- repositoryPolicy = ") {
				t.Errorf("the plan does not show the policy going:\n%s", b.String())
			}
			if steps := p.Changes[0].Steps; len(steps) != 1 || steps[0].Operation != "DeleteRepositoryPolicy" {
				t.Errorf("steps = %+v, want one DeleteRepositoryPolicy", steps)
			}
			res := apply(t, fake, p)
			if len(res.Failed) != 0 {
				t.Fatalf("apply: %+v", res)
			}
			if st, _ := fake.Repository("app"); st.RepositoryPolicy != nil {
				t.Fatalf("policy still there after apply: %s", *st.RepositoryPolicy)
			}
			if plan(t, fake, f, DiffOptions{}).HasChanges {
				t.Fatal("not converged")
			}
		})
	}
}
