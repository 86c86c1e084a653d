package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

// What a saved plan or a plan shown a moment ago destroys must be exactly
// what was reviewed: the same account, the same images.

func digestOf(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

// registryWithImages is the repro: repository old holds keep1 and
// keep2, and the spec says it must not exist.
func registryWithImages(t *testing.T, spec string) (*ecrfake.Fake, func() *Plan) {
	t.Helper()
	fake := ecrfake.New()
	if _, err := fake.CreateRepository(context.Background(), createInput("old")); err != nil {
		t.Fatal(err)
	}
	fake.PutImage("old", ecrfake.Image{Digest: digestOf('1'), Tags: []string{"keep1"}})
	fake.PutImage("old", ecrfake.Image{Digest: digestOf('2'), Tags: []string{"keep2"}})
	f := mustSpec(t, spec)
	return fake, func() *Plan { return plan(t, fake, f, DiffOptions{AllowDeleteImages: true, AllowReplace: true}) }
}

// swapImages deletes keep1 behind ecrctl's back and pushes new-important:
// the count stays 2, the images do not.
func swapImages(t *testing.T, fake *ecrfake.Fake) {
	t.Helper()
	if !fake.RemoveImage("old", digestOf('1')) {
		t.Fatal("keep1 was not there to remove")
	}
	fake.PutImage("old", ecrfake.Image{Digest: digestOf('9'), Tags: []string{"new-important"}})
}

func assertNewImportantKept(t *testing.T, fake *ecrfake.Fake) {
	t.Helper()
	imgs, ok := fake.Images("old")
	if !ok {
		t.Fatal("repository old, holding new-important, was deleted")
	}
	for _, im := range imgs {
		if im.Digest == digestOf('9') {
			return
		}
	}
	t.Fatalf("new-important is gone: %+v", imgs)
}

const absentOld = "version: 1\nrepositories:\n- name: old\n  state: absent\n"

func TestSavedDeleteRefusedWhenImagesWereSwapped(t *testing.T) {
	fake, planNow := registryWithImages(t, absentOld)
	saved := planNow()
	if c := saved.Changes[0]; !c.Is(Delete) || c.ImagesSHA256 != ecrapi.ImagesFingerprint([]string{digestOf('1'), digestOf('2')}) ||
		c.Steps[0].ExpectedImagesSHA256 != c.ImagesSHA256 {
		t.Fatalf("the delete does not record the images it destroys: %+v", c)
	}
	if err := CheckSaved(saved, planNow()); err != nil {
		t.Fatalf("unchanged images refused: %v", err)
	}
	swapImages(t, fake)
	err := CheckSaved(saved, planNow())
	if err == nil || !strings.Contains(err.Error(), `repository "old" holds other images than the plan showed (2 images then, 2 images now`) {
		t.Fatalf("a saved delete with other images behind it: err = %v", err)
	}
}

// A plan applied right after it is computed (no saved file) reads the
// images again before the delete.
func TestDeleteRefusedWhenImagesWereSwappedSincePlan(t *testing.T) {
	fake, planNow := registryWithImages(t, absentOld)
	p := planNow()
	swapImages(t, fake)
	fake.ResetCalls()
	res := apply(t, fake, p)
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "now holds 2 images, the plan saw 2, and they are not the same images") {
		t.Fatalf("result = %+v", res)
	}
	if fake.Calls()["DeleteRepository"] != 0 {
		t.Fatalf("DeleteRepository was called: %v", fake.Calls())
	}
	assertNewImportantKept(t, fake)
}

func TestReplacementRefusedWhenImagesWereSwapped(t *testing.T) {
	fake, planNow := registryWithImages(t, "version: 1\nrepositories:\n- name: old\n  encryption: {type: KMS}\n")
	saved := planNow()
	if c := saved.Changes[0]; !c.IsReplace() || c.ImagesSHA256 == "" || c.Steps[0].ExpectedImagesSHA256 != c.ImagesSHA256 {
		t.Fatalf("the replacement does not record the images it destroys: %+v", c)
	}
	swapImages(t, fake)
	err := CheckSaved(saved, planNow())
	if err == nil || !strings.Contains(err.Error(), `repository "old" holds other images`) || !strings.Contains(err.Error(), "replacement") {
		t.Fatalf("a saved replacement with other images behind it: err = %v", err)
	}
	res := apply(t, fake, saved)
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "not the same images") {
		t.Fatalf("result = %+v", res)
	}
	assertNewImportantKept(t, fake)
}

func TestSavedLifecycleChangeRefusedWhenImagesChanged(t *testing.T) {
	fake, _ := registryWithImages(t, absentOld)
	f := mustSpec(t, "version: 1\nrepositories:\n- name: old\n  lifecyclePolicy: {rules: [{selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}]}\n")
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	planNow := func() *Plan {
		live, err := Read(context.Background(), fake, f, ReadOptions{Region: "us-west-2", Parallelism: 2, LifecycleImpact: true})
		if err != nil {
			t.Fatal(err)
		}
		return Diff(f, live, DiffOptions{Now: now, AllowDeleteImages: true})
	}
	saved := planNow()
	im := saved.Changes[0].LifecycleImpact
	if im == nil || im.ImagesSHA256 != ecrapi.ImagesFingerprint([]string{digestOf('1'), digestOf('2')}) {
		t.Fatalf("the estimate does not record its images: %+v", im)
	}
	if err := CheckSaved(saved, planNow()); err != nil {
		t.Fatalf("unchanged images refused: %v", err)
	}
	fake.PutImage("old", ecrfake.Image{Digest: digestOf('9'), Tags: []string{"new-important"}})
	err := CheckSaved(saved, planNow())
	if err == nil || !strings.Contains(err.Error(), `repository "old" holds other images than the lifecycle impact in the plan was estimated on (2 images then, 3 images now`) {
		t.Fatalf("err = %v", err)
	}
	// A plan made without the estimate promised nothing about images.
	withoutImpact := plan(t, fake, f, DiffOptions{})
	if err := CheckSaved(withoutImpact, planNow()); err != nil {
		t.Fatalf("a plan saved with --no-lifecycle-impact is refused: %v", err)
	}
}

// Every plan knows the account it is for; an empty registry costs one
// DescribeRegistry call, a registry with repositories none.
func TestEveryPlanKnowsItsAccount(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: app\n")
	fake := ecrfake.New(ecrfake.WithAccount("111111111111"))
	p := plan(t, fake, f, DiffOptions{})
	if p.RegistryID != "111111111111" || fake.Calls()["DescribeRegistry"] != 1 || len(p.Warnings) != 0 {
		t.Fatalf("empty registry: registry id %q, calls %v, warnings %q", p.RegistryID, fake.Calls(), p.Warnings)
	}
	guarded := mustSpec(t, "version: 1\naccount: '111111111111'\nrepositories:\n- name: app\n")
	fake.ResetCalls()
	if p := plan(t, fake, guarded, DiffOptions{}); p.RegistryID != "111111111111" || fake.Calls()["DescribeRegistry"] != 1 {
		t.Fatalf("empty registry with the account guard: registry id %q, calls %v", p.RegistryID, fake.Calls())
	}
	if _, err := fake.CreateRepository(context.Background(), createInput("someone-elses")); err != nil {
		t.Fatal(err)
	}
	fake.ResetCalls()
	if p := plan(t, fake, f, DiffOptions{}); p.RegistryID != "111111111111" || fake.Calls()["DescribeRegistry"] != 0 {
		t.Fatalf("a repository tells the account: registry id %q, calls %v", p.RegistryID, fake.Calls())
	}
}

func TestPlanWithoutDescribeRegistry(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: app\n")
	fake := ecrfake.New()
	fake.FailN("DescribeRegistry", "", 1, ecrfake.AccessDenied("DescribeRegistry"))
	p := plan(t, fake, f, DiffOptions{})
	if p.RegistryID != "" || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "cannot be saved or applied from a file; allow ecr:DescribeRegistry") {
		t.Fatalf("denied DescribeRegistry: registry id %q, warnings %q", p.RegistryID, p.Warnings)
	}
	if err := CheckSaved(p, plan(t, fake, f, DiffOptions{})); err == nil || !strings.Contains(err.Error(), "does not record the AWS account") {
		t.Fatalf("a plan without its account was accepted: %v", err)
	}
	fake.FailN("DescribeRegistry", "", 1, ecrfake.ServerError())
	_, err := Read(context.Background(), fake, f, ReadOptions{Parallelism: 1})
	var op *ecrapi.OpError
	if !errors.As(err, &op) || op.Operation != "DescribeRegistry" {
		t.Fatalf("a failing DescribeRegistry: err = %v", err)
	}
}

// The repro: a plan saved against one account's empty registry must
// not create anything in another account's.
func TestSavedPlanForAnotherAccountIsRefused(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: app\n")
	saved := plan(t, ecrfake.New(ecrfake.WithAccount("111111111111")), f, DiffOptions{})
	if saved.RegistryID != "111111111111" {
		t.Fatalf("saved registry id = %q", saved.RegistryID)
	}
	other := ecrfake.New(ecrfake.WithAccount("222222222222"))
	err := CheckSaved(saved, plan(t, other, f, DiffOptions{}))
	if err == nil || !strings.Contains(err.Error(), "made for account 111111111111, but these credentials reach account 222222222222") {
		t.Fatalf("err = %v", err)
	}
}
