package lifecycle

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// seedBuggy is the design seed's original policy: one rule per line with
// multi-entry prefix lists, which ECR reads as AND.
func seedBuggy() Policy {
	return pol(
		countRule(1, 10, "v", "release", "prod"),
		ageRule(2, 7, "dev", "staging"),
		statusRule(3, TagStatusUntagged, CountTypeSinceImagePushed, 1),
	)
}

// codes summarises warnings as "priority:code" in order.
func codes(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%d:%s", w.RulePriority, w.Code))
	}
	return out
}

func TestLintSeedBuggyPolicy(t *testing.T) {
	ws := Lint("cost-optimized", seedBuggy())
	want := []string{
		"1:" + WarnListAND, "1:" + WarnPrefixOvermatch, "1:" + WarnPrefixOvermatch,
		"2:" + WarnListAND, "2:" + WarnPrefixOvermatch,
	}
	if diff := cmp.Diff(want, codes(ws)); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s", diff)
	}
	for _, w := range ws {
		if w.Policy != "cost-optimized" {
			t.Errorf("warning names policy %q", w.Policy)
		}
	}

	// The rewrite is exactly the corrected policy (README, "The lifecycle-rule pitfall"):
	// 10/20/30 keep v, release, prod; 40/50 expire dev, staging; 60 untagged.
	rule1 := ws[0].Message
	for _, s := range []string{
		"tagPrefixList [v, release, prod] is an AND",
		"an image tagged only release-1 is never selected",
		"up to 10 are kept per entry",
		"rule 1 -> 10, 20, 30; rule 2 -> 40, 50; rule 3 -> 60",
		"\n    - rulePriority: 10\n      selection: {tagStatus: tagged, tagPrefixList: [v], countType: imageCountMoreThan, countNumber: 10}\n      action: {type: expire}" +
			"\n    - rulePriority: 20\n      selection: {tagStatus: tagged, tagPrefixList: [release], countType: imageCountMoreThan, countNumber: 10}\n      action: {type: expire}" +
			"\n    - rulePriority: 30\n      selection: {tagStatus: tagged, tagPrefixList: [prod], countType: imageCountMoreThan, countNumber: 10}\n      action: {type: expire}",
	} {
		if !strings.Contains(rule1, s) {
			t.Errorf("rule 1 AND warning lacks %q:\n%s", s, rule1)
		}
	}
	rule2 := ws[3].Message
	for _, s := range []string{
		"tagPrefixList [dev, staging] is an AND",
		"\n    - rulePriority: 40\n      selection: {tagStatus: tagged, tagPrefixList: [dev], countType: sinceImagePushed, countUnit: days, countNumber: 7}\n      action: {type: expire}" +
			"\n    - rulePriority: 50\n      selection: {tagStatus: tagged, tagPrefixList: [staging], countType: sinceImagePushed, countUnit: days, countNumber: 7}\n      action: {type: expire}",
	} {
		if !strings.Contains(rule2, s) {
			t.Errorf("rule 2 AND warning lacks %q:\n%s", s, rule2)
		}
	}
	if strings.Contains(rule2, "kept per entry") {
		t.Errorf("an age rule's rewrite should not talk about counts:\n%s", rule2)
	}

	// And as a policy: splitting the seed gives the corrected policy, which
	// validates and draws no AND warning.
	split := Policy{Rules: splitLists(sortedRules(seedBuggy())).rules}
	want2 := costOptimized()
	for i := range want2.Rules {
		want2.Rules[i].Description = ""
	}
	if !Equal(split, want2) {
		t.Errorf("split seed =\n%s\nwant\n%s", split.JSON(), want2.JSON())
	}
	if issues := split.Validate(); len(issues) != 0 {
		t.Errorf("split seed does not validate: %v", issues)
	}
}

// The corrected policy draws only over-match notes: bare v, prod and dev.
func TestLintCorrectedPolicy(t *testing.T) {
	want := []string{"10:" + WarnPrefixOvermatch, "30:" + WarnPrefixOvermatch, "40:" + WarnPrefixOvermatch}
	if diff := cmp.Diff(want, codes(Lint("cost-optimized", costOptimized()))); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// registry.yaml's lifecycle policies draw no warning but over-match notes.
// It reads the file so that it keeps holding if the file changes.
func TestLintRegistryYAML(t *testing.T) {
	data, err := os.ReadFile("../../registry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		LifecyclePolicies map[string]Policy `yaml:"lifecyclePolicies"`
	}
	if err := yaml.Unmarshal(data, &reg); err != nil {
		t.Fatal(err)
	}
	if len(reg.LifecyclePolicies) == 0 {
		t.Fatal("registry.yaml has no lifecyclePolicies")
	}
	for name, p := range reg.LifecyclePolicies {
		if issues := p.Validate(); len(issues) != 0 {
			t.Errorf("policy %q does not validate: %v", name, issues)
		}
		for _, w := range Lint(name, p) {
			if w.Code != WarnPrefixOvermatch {
				t.Errorf("unexpected warning: %s", w)
			}
		}
	}
}

func TestLintWarnings(t *testing.T) {
	patternRule := func(r Rule, patterns ...string) Rule {
		r.Selection.TagPrefixList, r.Selection.TagPatternList = nil, patterns
		return r
	}
	transition := func(r Rule) Rule {
		r.Selection.CountType = CountTypeSinceImagePulled
		r.Action = Action{Type: ActionTransition, TargetStorageClass: StorageClassArchive}
		return r
	}
	archiveRule := func(r Rule) Rule {
		r.Selection.StorageClass = StorageClassArchive
		r.Selection.CountType, r.Selection.CountUnit, r.Selection.CountNumber = CountTypeSinceImageTransitioned, CountUnitDays, 90
		return r
	}
	tests := []struct {
		name     string
		policy   Policy
		want     []string // "priority:code"
		contains []string // substrings of the joined messages
	}{
		// WarnListAND
		{"list-and: two prefixes", pol(countRule(1, 5, "alpha-", "beta-")), []string{"1:list-and"},
			[]string{"tagPrefixList [alpha-, beta-] is an AND", "rule 1 -> 10, 20"}},
		{"list-and: two patterns", pol(patternRule(ageRule(1, 30, "x"), "alpha-*", "beta-*")), []string{"1:list-and"},
			[]string{"tagPatternList [alpha-*, beta-*] is an AND", "a tag matching each of", "tagPatternList: [alpha-*]"}},
		{"list-and: one entry", pol(countRule(1, 5, "alpha-")), nil, nil},
		{"list-and: a repeated entry is one entry", pol(countRule(1, 5, "alpha-", "alpha-")), nil, nil},
		{"list-and: an entry with its own rule is left out of the rewrite",
			pol(countRule(1, 5, "x-"), countRule(2, 3, "x-", "y-")), []string{"2:list-and", "2:shadowed-rule"},
			[]string{"an image tagged only y-1 is", "rule 1 -> 10; rule 2 -> 20", "left out, already selected by a one-entry rule of their own: x-"}},
		{"list-and: a pattern starting with * is quoted", pol(patternRule(countRule(1, 5, "x"), "*-rc", "v1-*")), []string{"1:list-and"},
			[]string{`tagPatternList: ["*-rc"]`}},

		// WarnPrefixOvermatch
		{"overmatch: v", pol(countRule(1, 5, "v")), []string{"1:prefix-overmatch"}, []string{`"validate-x"`, `"v*.*"`, "[v1]"}},
		{"overmatch: rc", pol(countRule(1, 5, "rc")), []string{"1:prefix-overmatch"}, []string{"prefix rc- ", `tagPatternList: [rc]`}},
		{"overmatch: qa pattern", pol(patternRule(countRule(1, 5, "x"), "qa*")), []string{"1:prefix-overmatch"}, []string{"pattern qa-* "}},
		{"overmatch: separator-terminated prefixes are fine", pol(countRule(1, 5, "dev-"), countRule(2, 5, "v1."), countRule(3, 5, "rc_")), nil, nil},
		{"overmatch: a digit ends the prefix", pol(countRule(1, 5, "v1")), nil, nil},
		{"overmatch: long prefixes are fine", pol(countRule(1, 5, "release"), countRule(2, 5, "staging")), nil, nil},
		{"overmatch: exact and inner patterns are fine", pol(patternRule(countRule(1, 5, "x"), "dev"), patternRule(countRule(2, 5, "x"), "dev-*"), patternRule(countRule(3, 5, "x"), "*dev*")), nil, nil},

		// WarnShadowedRule
		{"shadowed: v1 after v", pol(countRule(1, 10, "v1."), countRule(5, 10, "v"), countRule(6, 3, "v1")),
			[]string{"5:prefix-overmatch", "6:shadowed-rule"},
			[]string{"its tagPrefixList [v1] matches also matches rule 5's tagPrefixList [v]", "lower rulePriority than 5"}},
		{"shadowed: v1 before v is fine", pol(countRule(1, 3, "v1."), countRule(2, 10, "v2.")), nil, nil},
		{"shadowed: a superset list after its subset", pol(countRule(1, 10, "prod-"), ageRule(2, 30, "prod-", "x-")),
			[]string{"2:list-and", "2:shadowed-rule"}, []string{"can never expire an image"}},
		{"shadowed: a subset list after its superset is fine", pol(countRule(1, 10, "prod-", "x-"), ageRule(2, 30, "prod-")), []string{"1:list-and"}, nil},
		{"shadowed: a pattern covering a prefix", pol(patternRule(countRule(1, 10, "x"), "*-rc*"), patternRule(countRule(2, 1, "x"), "v*-rc1")),
			[]string{"2:shadowed-rule"}, []string{`rule 1's tagPatternList ["*-rc*"]`}},
		{"shadowed: a pattern not covering", pol(patternRule(countRule(1, 10, "x"), "*-rc"), patternRule(countRule(2, 1, "x"), "v*-rc1")), nil, nil},
		{"shadowed: other storage class is fine", pol(transition(ageRule(1, 30, "rel-")), archiveRule(ageRule(2, 90, "rel-x"))), nil, nil},
		{"shadowed: any after untagged and tagged *", pol(patternRule(countRule(1, 10, "x"), "*"), statusRule(2, TagStatusUntagged, CountTypeSinceImagePushed, 1), statusRule(3, TagStatusAny, CountTypeSinceImagePushed, 30)),
			[]string{"3:shadowed-rule"}, []string{"rule 2 matches every untagged image and rule 1 every tagged one"}},
		{"shadowed: any after untagged only", pol(statusRule(2, TagStatusUntagged, CountTypeSinceImagePushed, 1), statusRule(3, TagStatusAny, CountTypeSinceImagePushed, 30)), nil, nil},

		// WarnAnyCountNoKeep
		{"any count alone", pol(statusRule(1, TagStatusAny, CountTypeImageCountMoreThan, 5)), []string{"1:any-count-without-keep"},
			[]string{"past the 5 newest whatever its tags"}},
		{"any count after an untagged rule", pol(statusRule(1, TagStatusUntagged, CountTypeSinceImagePushed, 1), statusRule(2, TagStatusAny, CountTypeImageCountMoreThan, 5)),
			[]string{"2:any-count-without-keep"}, nil},
		{"any count after a keep rule is fine", pol(countRule(1, 10, "release-"), statusRule(2, TagStatusAny, CountTypeImageCountMoreThan, 5)), nil, nil},
		{"any count after an archive-class tagged rule", pol(archiveRule(ageRule(1, 90, "release-")), statusRule(2, TagStatusAny, CountTypeImageCountMoreThan, 5)),
			[]string{"2:any-count-without-keep"}, nil},
		{"any by age is not a count", pol(statusRule(1, TagStatusAny, CountTypeSinceImagePushed, 90)), nil, nil},

		// WarnShortReleaseAge
		{"short age: v, 1 day", pol(ageRule(1, 1, "v1.")), []string{"1:release-short-age"}, []string{"expires v1.* images 1 day after push", "expired within 1 day"}},
		{"short age: release, 2 days", pol(ageRule(1, 2, "release-")), []string{"1:release-short-age"}, nil},
		{"short age: prod pattern", pol(patternRule(ageRule(1, 1, "x"), "*-prod")), []string{"1:release-short-age"}, nil},
		{"short age: 3 days is fine", pol(ageRule(1, ShortAgeDays, "release-")), nil, nil},
		{"short age: dev is not a release", pol(ageRule(1, 1, "dev-")), nil, nil},
		{"short age: a word starting with v is not a release", pol(ageRule(1, 1, "vendor")), nil, nil},
		{"short age: archiving by pull", pol(transition(ageRule(1, 2, "release-"))), []string{"1:release-short-age"},
			[]string{"archives release-* images not pulled for 2 days", "can no longer be pulled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := Lint("p", tt.policy)
			if diff := cmp.Diff(tt.want, codes(ws)); diff != "" {
				t.Fatalf("warnings (-want +got):\n%s\n%v", diff, ws)
			}
			var all strings.Builder
			for _, w := range ws {
				all.WriteString(w.Message + "\n")
			}
			for _, s := range tt.contains {
				if !strings.Contains(all.String(), s) {
					t.Errorf("messages lack %q:\n%s", s, all.String())
				}
			}
		})
	}
}

// Lint is documented to tolerate invalid policies without panicking.
func TestLintInvalidPoliciesDoNotPanic(t *testing.T) {
	for _, p := range []Policy{
		{},
		pol(countRule(1, 5, "", "")),
		pol(countRule(1, 5, "x", "")),
		pol(patternRule2(countRule(1, 5), "", "*")),
		pol(Rule{RulePriority: 1, Selection: Selection{TagStatus: TagStatusTagged}}),
		pol(Rule{RulePriority: 0, Selection: Selection{TagStatus: "bogus", CountType: "bogus"}}),
		pol(countRule(1, 5, "a*", "b"), countRule(1, 5, "a*")),
		pol(statusRule(1, TagStatusAny, CountTypeImageCountMoreThan, 0), statusRule(1, TagStatusAny, CountTypeSinceImagePushed, -1)),
	} {
		_ = Lint("p", p)
		_ = Evaluate(p, []Image{mkImage("a", 1, "x"), mkImage("b", 2)}, evalNow)
	}
}

func patternRule2(r Rule, patterns ...string) Rule {
	r.Selection.TagPrefixList, r.Selection.TagPatternList = nil, patterns
	return r
}

func TestLintOrdersByPriority(t *testing.T) {
	p := pol(countRule(20, 5, "v"), statusRule(30, TagStatusAny, CountTypeImageCountMoreThan, 5), countRule(10, 5, "a-", "b-"))
	want := []string{"10:list-and", "20:prefix-overmatch"}
	if diff := cmp.Diff(want, codes(Lint("p", p))); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestWarningString(t *testing.T) {
	w := Warning{Policy: "cost-optimized", RulePriority: 10, Code: WarnPrefixOvermatch, Message: "m"}
	if got, want := w.String(), `lifecycle policy "cost-optimized", rule 10 [prefix-overmatch]: m`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestGlobCovers(t *testing.T) {
	tests := []struct {
		h, l string
		want bool
	}{
		{"v*", "v1*", true},
		{"v1*", "v*", false},
		{"*", "anything*", true},
		{"*-rc*", "v*-rc1", true},
		{"*-rc", "v*-rc1", false},
		{"a*b", "a*b", true},
		{"a*b", "ab", true},
		{"ab", "a*b", false},
		{"*a*", "*", false},
		{"latest", "latest", true},
	}
	for _, tt := range tests {
		if got := globCovers(tt.h, tt.l); got != tt.want {
			t.Errorf("globCovers(%q, %q) = %v, want %v", tt.h, tt.l, got, tt.want)
		}
	}
}

// globCovers is sound: when it says h covers l, every string made from l
// by filling its '*' matches h.
func TestPropertyGlobCoversSound(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	alphabet := "ab-*"
	gen := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	fill := func(l string) string {
		var b strings.Builder
		for _, c := range []byte(l) {
			if c == '*' {
				b.WriteString(strings.ReplaceAll(gen(rng.Intn(4)), "*", "a"))
			} else {
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	covered := 0
	for range 20000 {
		h, l := gen(1+rng.Intn(5)), gen(1+rng.Intn(5))
		if !globCovers(h, l) {
			continue
		}
		covered++
		for range 10 {
			if s := fill(l); !matchGlob(h, s) {
				t.Fatalf("globCovers(%q, %q) but %q does not match %q", h, l, s, h)
			}
		}
	}
	if covered < 100 {
		t.Fatalf("only %d covering pairs generated; the property says little", covered)
	}
}

// A shadowed-rule warning is never wrong: in random repositories the rule
// it names never acts.
func TestPropertyShadowedRuleNeverActs(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	warned := 0
	for range 3000 {
		p := genPolicy(rng, 1)
		var shadowed []int
		for _, w := range Lint("p", p) {
			if w.Code == WarnShadowedRule {
				shadowed = append(shadowed, w.RulePriority)
			}
		}
		if len(shadowed) == 0 {
			continue
		}
		warned++
		for range 5 {
			for _, d := range Evaluate(p, genImages(rng), evalNow) {
				if d.Action != DecisionKeep && slices.Contains(shadowed, d.RulePriority) {
					t.Fatalf("rule %d was called shadowed but acts on %s\npolicy: %s", d.RulePriority, d.Image.Digest, p.JSON())
				}
			}
		}
	}
	if warned < 20 {
		t.Fatalf("only %d policies drew a shadowed-rule warning; the property says little", warned)
	}
}

func TestLintUnconfirmedRules(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   string // "" = no WarnUnconfirmed
	}{
		{"sinceImagePulled with transition", pol(transitionPulled(1, "v1")), ""},
		{"archive expiry at 90 days", pol(archiveExpire(1, "v1")), ""},
		{"same pattern set twice", pol(keepPattern(1, "v*", "*rc*"), keepPattern(2, "*rc*", "v*")), "rule 1 already selects the same tagPatternList"},
		{"different pattern sets", pol(keepPattern(1, "v*"), keepPattern(2, "v*-rc")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if issues := tt.policy.Validate(); len(issues) != 0 {
				t.Fatalf("an unconfirmed rule must not be a validation error: %v", issues)
			}
			var got []string
			for _, w := range Lint("p", tt.policy) {
				if w.Code == WarnUnconfirmed {
					got = append(got, w.Message)
				}
			}
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("unexpected warnings: %q", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("warnings = %q, want one containing %q", got, tt.want)
			}
		})
	}
}
