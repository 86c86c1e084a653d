package reconcile

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

// A flag the operator already gave is not asked for again.
func TestBlockedNamesOnlyTheMissingFlags(t *testing.T) {
	fake := ecrfake.New()
	replacePlan(t, fake)
	fake.PutImage("moving", ecrfake.Image{Digest: "sha256:" + strings.Repeat("c", 64), Tags: []string{"v1"}})
	f := mustSpec(t, "version: 1\nrepositories:\n- name: moving\n  encryption: {type: KMS}\n")
	p := plan(t, fake, f, DiffOptions{AllowReplace: true})
	if !p.Changes[0].Blocked {
		t.Fatalf("replacement of a repository with images is not blocked: %+v", p.Changes[0])
	}
	_, err := Apply(context.Background(), fake, p, fastApply())
	var be *BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a BlockedError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "to allow it, add --allow-delete-images (--allow-replace is given)") || strings.Contains(msg, "add --allow-replace") {
		t.Errorf("message asks for a flag already given:\n%s", msg)
	}
	var text, md bytes.Buffer
	if err := RenderText(&text, p, false); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "# blocked: needs --allow-delete-images\n") || strings.Contains(text.String(), "needs --allow-replace") {
		t.Errorf("text plan:\n%s", text.String())
	}
	if strings.Contains(md.String(), "`--allow-replace`") {
		t.Errorf("markdown plan asks for --allow-replace, which was given:\n%s", md.String())
	}
	// Without any flag, both are named.
	p.Allow(DiffOptions{})
	if _, err := Apply(context.Background(), fake, p, fastApply()); err == nil || !strings.Contains(err.Error(), "add --allow-replace --allow-delete-images") {
		t.Errorf("err = %v, want both flags", err)
	}
}

// A delete that apply refuses before calling DeleteRepository is not
// reported as failing at DeleteRepository.
func TestRefusedDeleteIsNotReportedAsAFailedCall(t *testing.T) {
	fake := ecrfake.New()
	if _, err := fake.CreateRepository(context.Background(), createInput("old-repo")); err != nil {
		t.Fatal(err)
	}
	p := plan(t, fake, mustSpec(t, "version: 1\nrepositories:\n- name: old-repo\n  state: absent\n"), DiffOptions{})
	fake.PutImage("old-repo", ecrfake.Image{Digest: "sha256:" + strings.Repeat("b", 64), Tags: []string{"late"}})
	var progress bytes.Buffer
	opt := fastApply()
	opt.Progress = &progress
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 1 {
		t.Fatalf("apply = %+v, %v", res, err)
	}
	if fake.CallsFor("DeleteRepository", "old-repo") != 0 {
		t.Fatal("DeleteRepository was called")
	}
	got := progress.String()
	if strings.Contains(got, "failed at DeleteRepository") || !strings.Contains(got, "repository.old-repo: refused before DeleteRepository; the call was not made") {
		t.Errorf("progress:\n%s", got)
	}
}

// The same for a replacement whose delete is refused.
func TestRefusedReplacementIsNotReportedAsAFailedCall(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	fake.PutImage("moving", ecrfake.Image{Digest: "sha256:" + strings.Repeat("d", 64), Tags: []string{"late"}})
	var progress bytes.Buffer
	opt := fastApply()
	opt.Progress = &progress
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 1 {
		t.Fatalf("apply = %+v, %v", res, err)
	}
	if fake.CallsFor("DeleteRepository", "moving") != 0 {
		t.Fatal("DeleteRepository was called")
	}
	got := progress.String()
	if strings.Contains(got, "failed at DeleteRepository") || !strings.Contains(got, "repository.moving: refused before DeleteRepository; the call was not made; nothing was deleted") {
		t.Errorf("progress:\n%s", got)
	}
}

func TestWhenExpiredNamesNoEmptyGroup(t *testing.T) {
	for _, tc := range []struct {
		n, now int
		want   string
	}{
		{2, 2, "all at ECR's next evaluation (within 24 hours)"},
		{1, 1, "at ECR's next evaluation (within 24 hours)"},
		{3, 0, "all within 30 days, none at ECR's next evaluation"},
		{1, 0, "within 30 days, not at ECR's next evaluation"},
		{5, 2, "2 of them at ECR's next evaluation (within 24 hours), the other 3 within 30 days"},
	} {
		got := whenExpired(tc.n, tc.now)
		if got != tc.want {
			t.Errorf("whenExpired(%d, %d) = %q, want %q", tc.n, tc.now, got, tc.want)
		}
		if strings.Contains(got, "the rest") {
			t.Errorf("whenExpired(%d, %d) = %q", tc.n, tc.now, got)
		}
	}
}

// Text read from ECR cannot reorder or hide what a reviewer sees.
func TestControlAndBidiCharactersAreEscaped(t *testing.T) {
	evil := "keep \u202Eexe.txt\u202C \x1b[31mred\u0085"
	p := &Plan{HasChanges: true, Summary: Summary{Change: 1}, Changes: []ResourceChange{{
		Address: "repository.app", Type: "ecr_repository", Name: "app", Actions: []Action{Update},
		Reason: "reason " + evil,
		Changes: []AttributeChange{
			{Path: "lifecyclePolicy", Before: map[string]any{"rules": []any{map[string]any{"description": evil}}}, After: map[string]any{"rules": []any{}}},
			{Path: "tags.Note", Before: evil, After: "ok"},
		},
	}}, Warnings: []string{"warning " + evil}}
	var text, md bytes.Buffer
	if err := RenderText(&text, p, false); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		for _, raw := range []string{"\u202E", "\u202C", "\x1b", "\u0085"} {
			if strings.Contains(out, raw) {
				t.Errorf("%s output holds raw %q:\n%s", name, raw, out)
			}
		}
		if !strings.Contains(out, `\u202e`) {
			t.Errorf("%s output does not show the bidi override as \\u202e:\n%s", name, out)
		}
	}
}

// Attribute names line up by display width, not by bytes.
func TestPlanColumnsAlignWithMultiByteTagKeys(t *testing.T) {
	p := &Plan{HasChanges: true, Summary: Summary{Change: 1}, Changes: []ResourceChange{{
		Address: "repository.app", Type: "ecr_repository", Name: "app", Actions: []Action{Update},
		Changes: []AttributeChange{
			{Path: "scanOnPush", Before: false, After: true},
			{Path: "tags.Größe", Before: "a", After: "b"},
			{Path: "tags.部署", Before: "a", After: "b"},
		},
	}}}
	var b bytes.Buffer
	if err := RenderText(&b, p, false); err != nil {
		t.Fatal(err)
	}
	var cols []int
	for _, line := range strings.Split(b.String(), "\n") {
		if i := strings.Index(line, " = "); i >= 0 {
			cols = append(cols, displayWidth(line[:i]))
		}
	}
	if len(cols) != 3 || cols[0] != cols[1] || cols[1] != cols[2] {
		t.Errorf("the = signs are at columns %v:\n%s", cols, b.String())
	}
}

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// ECR hands a one-principal list back as a string: equivalent policies are
// no change, and a real change shows only itself.
func TestPrincipalFormIsNotAChange(t *testing.T) {
	ctx := context.Background()
	const desired = `version: 1
repositories:
- name: app
  repositoryPolicy:
    Version: "2012-10-17"
    Statement:
    - {Sid: Ci, Effect: Allow, Principal: {AWS: ["arn:aws:iam::123456789012:role/ci"]}, Action: ["ecr:BatchGetImage"]}
    - {Sid: Ops, Effect: Allow, Principal: {AWS: ["123456789012"]}, Action: ["ecr:PutImage"]}
`
	for _, tc := range []struct {
		name, live  string
		wantChange  bool
		wantRemoved string
	}{
		{"same meaning", `{"Version":"2012-10-17","Statement":[{"Sid":"Ci","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":"ecr:BatchGetImage"},{"Sid":"Ops","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"ecr:PutImage"}]}`, false, ""},
		{"one real change", `{"Version":"2012-10-17","Statement":[{"Sid":"Ci","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":"ecr:BatchGetImage"},{"Sid":"Ops","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"ecr:*"}]}`, true, `"Sid":"Ops"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := ecrfake.New()
			if _, err := fake.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: ptr("app")}); err != nil {
				t.Fatal(err)
			}
			live := tc.live
			if _, err := fake.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: ptr("app"), PolicyText: &live}); err != nil {
				t.Fatal(err)
			}
			p := plan(t, fake, mustSpec(t, desired), DiffOptions{})
			var b bytes.Buffer
			if err := RenderText(&b, p, false); err != nil {
				t.Fatal(err)
			}
			if p.HasChanges != tc.wantChange {
				t.Fatalf("HasChanges = %v, want %v:\n%s", p.HasChanges, tc.wantChange, b.String())
			}
			if !tc.wantChange {
				return
			}
			var removed, added []string
			for _, line := range strings.Split(b.String(), "\n") {
				l := strings.TrimSpace(line)
				switch {
				case strings.HasPrefix(l, "-") && strings.HasSuffix(strings.TrimSuffix(l, ","), "}") && strings.Contains(l, `"Sid"`):
					removed = append(removed, l)
				case strings.HasPrefix(l, "+") && strings.HasSuffix(strings.TrimSuffix(l, ","), "}") && strings.Contains(l, `"Sid"`):
					added = append(added, l)
				}
			}
			if len(removed) != 1 || len(added) != 1 || !strings.Contains(removed[0], tc.wantRemoved) || !strings.Contains(added[0], tc.wantRemoved) {
				t.Errorf("want only the Ops statement removed and added, got -%v +%v:\n%s", removed, added, b.String())
			}
		})
	}
}
