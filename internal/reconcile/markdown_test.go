package reconcile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/golden"
)

func renderMarkdown(t *testing.T, p *Plan) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGoldenMarkdownPlan(t *testing.T) {
	p := Diff(mustSpec(t, goldenSpec), goldenLive(), goldenOptions())
	md := renderMarkdown(t, p)
	golden.Check(t, "markdown-plan.md", []byte(md))

	// Beyond the golden file: every changed repository has a table row and
	// a details section, no-ops have neither, and each blocked change names
	// the flags it still needs (--allow-replace is given).
	for _, rc := range p.Changes {
		row := "| `" + rc.Name + "` |"
		section := "##### `" + rc.Name + "` "
		if rc.Is(NoOp) {
			if strings.Contains(md, row) || strings.Contains(md, section) {
				t.Errorf("no-op %s is listed", rc.Name)
			}
			continue
		}
		if !strings.Contains(md, row) || !strings.Contains(md, section) {
			t.Errorf("%s lacks a table row or a details section", rc.Name)
		}
	}
	for _, want := range []string{
		"`re-encrypted` | `-/+` replace, **blocked** | `encryption.type` |",
		"**Blocked:** needs `--allow-delete-images`.",
		"```json\n{\n  \"rules\": [",
		"1 unmanaged repository",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "needs `--allow-replace`") || strings.Contains(md, "Allow with `--allow-replace`") {
		t.Error("markdown asks for --allow-replace, which the plan was made with")
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Error("unbalanced <details> blocks")
	}
}

func TestGoldenMarkdownNoChanges(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: in-sync\n  scanOnPush: true\n")
	p := Diff(f, liveOf(liveRepo("in-sync", func(r *ecrapi.Repository) { r.ScanOnPush = true }), liveRepo("other", nil)), DiffOptions{})
	md := renderMarkdown(t, p)
	golden.Check(t, "markdown-no-changes.md", []byte(md))
	if strings.Contains(md, "| Repository |") {
		t.Error("a plan without changes renders a table")
	}
}

func TestMarkdownWarningsAreEscaped(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  encryption: {type: KMS, kmsKey: alias/ecr}\n")
	live := liveOf(liveRepo("aa", func(r *ecrapi.Repository) {
		r.EncryptionType = "KMS"
		r.KMSKey = "arn:aws:kms:us-west-2:123456789012:key/x"
	}))
	p := Diff(f, live, DiffOptions{})
	p.Warnings = append(p.Warnings, "a <script> with | pipes and `ticks`")
	md := renderMarkdown(t, p)
	for _, want := range []string{
		"#### Warnings",
		"encryption.kmsKey \"alias/ecr\" is an alias",
		"- a &lt;script&gt; with \\| pipes and \\`ticks\\`\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "<script>") {
		t.Error("raw HTML from a warning reached the markdown")
	}
}

func TestMarkdownCodeSpans(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "`plain`",
		"a|b":        "`a\\|b`",
		"x`y":        "``x`y``",
		"`edge":      "`` `edge ``",
		"two\nlines": "`two lines`",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownTagValueWithPipeStaysInItsCell(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  tags: {Owner: a-b}\n")
	p := Diff(f, liveOf(liveRepo("aa", func(r *ecrapi.Repository) { r.Tags = map[string]string{"Owner": "x|y"} })), DiffOptions{})
	md := renderMarkdown(t, p)
	if !strings.Contains(md, "| `tags.Owner` | `\"x\\|y\"` | `\"a-b\"` |\n") {
		t.Fatalf("tag row not escaped:\n%s", md)
	}
}

func TestMarkdownLifecycleImpact(t *testing.T) {
	p := Diff(mustSpec(t, goldenSpec), goldenLive(), goldenOptions())
	for i := range p.Changes {
		if p.Changes[i].Name == "drifted" {
			p.Changes[i].LifecycleImpact = &LifecycleImpact{Images: 12, ExpireNow: 3, ExpireNowBytes: 3 << 20, PricePerGBMonthUSD: 0.10,
				AWSPreview: &PreviewCheck{Status: "disagree", Compared: 12, Disagreements: []string{"image <x> expires in ECR's preview only"}}}
		}
	}
	md := renderMarkdown(t, p)
	for _, want := range []string{
		"##### `drifted` will be updated in place\n",
		"**Lifecycle impact:** would expire 3 of 12 images (3.0 MiB) now;",
		"AWS preview disagrees with this estimate (12 images).\n- image &lt;x&gt; expires in ECR's preview only\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
