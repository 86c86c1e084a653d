package lifecycle

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var evalNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// mkImage builds a standard-class image pushed daysAgo days before evalNow.
func mkImage(digest string, daysAgo float64, tags ...string) Image {
	return Image{
		Digest:    digest,
		Tags:      tags,
		PushedAt:  evalNow.Add(-time.Duration(daysAgo * float64(day))),
		SizeBytes: 100 << 20,
	}
}

func countRule(prio, n int, prefixes ...string) Rule {
	return Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: TagStatusTagged, TagPrefixList: prefixes, CountType: CountTypeImageCountMoreThan, CountNumber: n},
		Action:       Action{Type: ActionExpire},
	}
}

func ageRule(prio, days int, prefixes ...string) Rule {
	return Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: TagStatusTagged, TagPrefixList: prefixes, CountType: CountTypeSinceImagePushed, CountUnit: CountUnitDays, CountNumber: days},
		Action:       Action{Type: ActionExpire},
	}
}

func statusRule(prio int, status, countType string, n int) Rule {
	r := Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: status, CountType: countType, CountNumber: n},
		Action:       Action{Type: ActionExpire},
	}
	if countType != CountTypeImageCountMoreThan {
		r.Selection.CountUnit = CountUnitDays
	}
	return r
}

// outcome is the part of a decision most tests compare: digest -> action@rule.
func outcome(ds []Decision) map[string]string {
	m := map[string]string{}
	for _, d := range ds {
		m[d.Image.Digest] = fmt.Sprintf("%s@%d", d.Action, d.RulePriority)
	}
	return m
}

// acted returns the digests a policy expires or transitions, sorted.
func acted(ds []Decision) []string {
	var out []string
	for _, d := range ds {
		if d.Action != DecisionKeep {
			out = append(out, d.Image.Digest)
		}
	}
	slices.Sort(out)
	return out
}

func reasons(ds []Decision) map[string]string {
	m := map[string]string{}
	for _, d := range ds {
		m[d.Image.Digest] = d.Reason
	}
	return m
}

// AWS example "multiple tags in one rule" (lifecycle_policy_examples.html):
// the rule [alpha, beta] sees only C and F, the images carrying both.
func TestEvaluateAWSMultipleTagsExample(t *testing.T) {
	images := []Image{
		mkImage("A", 12, "alpha-1"),
		mkImage("B", 11, "beta-1"),
		mkImage("C", 10, "alpha-2", "beta-2"),
		mkImage("D", 4, "alpha-3"),
		mkImage("E", 3, "beta-3"),
		mkImage("F", 2, "alpha-4", "beta-4"),
	}
	patterns := func(r Rule) Rule {
		r.Selection.TagPatternList = []string{"alpha*", "beta*"}
		r.Selection.TagPrefixList = nil
		return r
	}
	want := map[string]string{
		"A": "keep@0", "B": "keep@0", "C": "expire@1", "D": "keep@0", "E": "keep@0", "F": "keep@1",
	}
	for name, r := range map[string]Rule{
		"sinceImagePushed 5 days":           ageRule(1, 5, "alpha", "beta"),
		"imageCountMoreThan 1":              countRule(1, 1, "alpha", "beta"),
		"patterns, sinceImagePushed 5 days": patterns(ageRule(1, 5, "alpha", "beta")),
		"patterns, imageCountMoreThan 1":    patterns(countRule(1, 1, "alpha", "beta")),
	} {
		t.Run(name, func(t *testing.T) {
			got := outcome(Evaluate(pol(r), images, evalNow))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("count reason", func(t *testing.T) {
		got := reasons(Evaluate(pol(countRule(1, 1, "alpha", "beta")), images, evalNow))
		want := map[string]string{
			"C": "rule 1 (alpha* and beta*): 2nd newest of 2 images matching; keeps 1",
			"F": "kept by rule 1 (alpha* and beta*): 1st newest of 2 images matching; keeps 1",
			"A": "no rule matches it",
		}
		for d, w := range want {
			if got[d] != w {
				t.Errorf("reason for %s = %q, want %q", d, got[d], w)
			}
		}
	})
}

// AWS example "priorities": rule 1 keeps 1 prod, rule 2 keeps 1 beta. Only A
// expires: rule 2 also selects B, but B matches rule 1, which keeps it.
// Swapped, A and B expire.
func TestEvaluateAWSPrioritiesExample(t *testing.T) {
	images := []Image{
		mkImage("A", 10, "beta-1", "prod-1"),
		mkImage("B", 9, "beta-2", "prod-2"),
		mkImage("C", 8, "beta-3"),
	}
	t.Run("prod first", func(t *testing.T) {
		ds := Evaluate(pol(countRule(1, 1, "prod"), countRule(2, 1, "beta")), images, evalNow)
		want := map[string]string{"A": "expire@1", "B": "keep@1", "C": "keep@2"}
		if diff := cmp.Diff(want, outcome(ds)); diff != "" {
			t.Errorf("outcome (-want +got):\n%s", diff)
		}
		wantB := "protected: matched by rule 1 (prod*), which keeps it (1st newest of 2 images matching; keeps 1); rule 2 (beta*) selects it too but may not expire it"
		if got := reasons(ds)["B"]; got != wantB {
			t.Errorf("reason for B = %q, want %q", got, wantB)
		}
	})
	t.Run("beta first", func(t *testing.T) {
		ds := Evaluate(pol(countRule(1, 1, "beta"), countRule(2, 1, "prod")), images, evalNow)
		want := map[string]string{"A": "expire@1", "B": "expire@1", "C": "keep@1"}
		if diff := cmp.Diff(want, outcome(ds)); diff != "" {
			t.Errorf("outcome (-want +got):\n%s", diff)
		}
	})
}

func TestEvaluateHandBuilt(t *testing.T) {
	releases := func(n int) []Image {
		var out []Image
		for i := range n {
			out = append(out, mkImage(fmt.Sprintf("r%02d", i), float64(n-i), fmt.Sprintf("release-%d", i)))
		}
		return out
	}
	tests := []struct {
		name   string
		policy Policy
		images []Image
		want   map[string]string // digest -> action@rule; digests not listed must be keep
	}{
		{
			name:   "count keeps the newest, expires the 11th",
			policy: pol(countRule(20, 10, "release")),
			images: releases(11),
			want:   map[string]string{"r00": "expire@20"},
		},
		{
			name: "multi-tag image kept by a keep rule is not expired by a later age rule",
			policy: pol(
				countRule(10, 10, "v"),
				ageRule(40, 7, "dev"),
			),
			images: []Image{
				mkImage("both", 30, "v1.0.0", "dev-abc"),
				mkImage("devonly", 30, "dev-def"),
				mkImage("devyoung", 2, "dev-ghi"),
			},
			want: map[string]string{"both": "keep@10", "devonly": "expire@40", "devyoung": "keep@40"},
		},
		{
			name: "protected images still take slots in a lower count",
			// Rule 1 expires v1 and keeps v2; rule 2 (any, keep 2) counts
			// u, x, v2, v1 and selects v2 and v1, but rule 1 claimed both.
			policy: pol(countRule(1, 1, "v"), statusRule(2, TagStatusAny, CountTypeImageCountMoreThan, 2)),
			images: []Image{
				mkImage("v1", 5, "v1"),
				mkImage("v2", 4, "v2"),
				mkImage("x", 3, "x"),
				mkImage("u", 2),
			},
			want: map[string]string{"v1": "expire@1", "v2": "keep@1", "x": "keep@2", "u": "keep@2"},
		},
		{
			name: "images expired by a higher rule still count in a lower rule",
			// Rule 1 expires a-old. Rule 2 (b, keep 1) sees a-old as its
			// newest b image, so it expires b-new even though a-old goes.
			policy: pol(ageRule(1, 10, "a"), countRule(2, 1, "b")),
			images: []Image{
				mkImage("a-old", 15, "a-1", "b-1"),
				mkImage("b-new", 20, "b-2"),
			},
			want: map[string]string{"a-old": "expire@1", "b-new": "expire@2"},
		},
		{
			name:   "untagged selects only untagged images",
			policy: pol(statusRule(1, TagStatusUntagged, CountTypeSinceImagePushed, 1)),
			images: []Image{mkImage("u-old", 2), mkImage("u-new", 0.5), mkImage("t-old", 2, "latest")},
			want:   map[string]string{"u-old": "expire@1", "u-new": "keep@1", "t-old": "keep@0"},
		},
		{
			name:   "any counts tagged and untagged together",
			policy: pol(statusRule(1, TagStatusAny, CountTypeImageCountMoreThan, 2)),
			images: []Image{mkImage("a", 1), mkImage("b", 2, "x"), mkImage("c", 3), mkImage("d", 4, "y")},
			want:   map[string]string{"a": "keep@1", "b": "keep@1", "c": "expire@1", "d": "expire@1"},
		},
		{
			name:   "ties in push time: the smaller digest counts as newer",
			policy: pol(countRule(1, 1, "v")),
			images: []Image{mkImage("sha256:bbb", 3, "v2"), mkImage("sha256:aaa", 3, "v1"), mkImage("sha256:ccc", 3, "v3")},
			want:   map[string]string{"sha256:aaa": "keep@1", "sha256:bbb": "expire@1", "sha256:ccc": "expire@1"},
		},
		{
			name:   "sinceImagePushed boundary: exactly N days is kept",
			policy: pol(ageRule(1, 7, "dev")),
			images: []Image{
				mkImage("exact", 7, "dev-1"),
				{Digest: "over", Tags: []string{"dev-2"}, PushedAt: evalNow.Add(-7*day - time.Second)},
				{Digest: "future", Tags: []string{"dev-3"}, PushedAt: evalNow.Add(time.Hour)},
			},
			want: map[string]string{"exact": "keep@1", "over": "expire@1", "future": "keep@1"},
		},
		{
			name: "sinceImagePulled uses the last pull, or the push time when never pulled",
			policy: pol(Rule{
				RulePriority: 1,
				Selection:    Selection{TagStatus: TagStatusAny, CountType: CountTypeSinceImagePulled, CountUnit: CountUnitDays, CountNumber: 30},
				Action:       Action{Type: ActionTransition, TargetStorageClass: StorageClassArchive},
			}),
			images: []Image{
				with2(mkImage("pulled-recently", 100, "a"), func(i *Image) { i.LastPulledAt = evalNow.Add(-5 * day) }),
				with2(mkImage("pulled-long-ago", 100, "b"), func(i *Image) { i.LastPulledAt = evalNow.Add(-40 * day) }),
				mkImage("never-pulled-old", 31, "c"),
				mkImage("never-pulled-new", 29, "d"),
			},
			want: map[string]string{
				"pulled-recently": "keep@1", "pulled-long-ago": "transition@1",
				"never-pulled-old": "transition@1", "never-pulled-new": "keep@1",
			},
		},
		{
			name:   "storage classes: archive rules see only archived images, standard rules only standard ones",
			policy: pol(archiveExpire(1, "v"), statusRule(2, TagStatusAny, CountTypeImageCountMoreThan, 1)),
			images: []Image{
				archived(mkImage("arch-old", 400, "v1"), 100),
				archived(mkImage("arch-new", 300, "v2"), 30),
				archived(mkImage("arch-unknown", 300, "v3"), 0),
				archived(mkImage("arch-untagged", 400), 200),
				mkImage("std-1", 2, "v4"),
				mkImage("std-2", 3, "v5"),
			},
			want: map[string]string{
				"arch-old": "expire@1", "arch-new": "keep@1", "arch-unknown": "keep@1", "arch-untagged": "keep@0",
				"std-1": "keep@2", "std-2": "expire@2",
			},
		},
		{
			name: "patterns with wildcards",
			policy: pol(Rule{
				RulePriority: 1,
				Selection:    Selection{TagStatus: TagStatusTagged, TagPatternList: []string{"*-rc*"}, CountType: CountTypeSinceImagePushed, CountUnit: CountUnitDays, CountNumber: 1},
				Action:       Action{Type: ActionExpire},
			}),
			images: []Image{mkImage("rc", 3, "v1.2-rc1"), mkImage("final", 3, "v1.2"), mkImage("rcx", 3, "rc-1")},
			want:   map[string]string{"rc": "expire@1", "final": "keep@0", "rcx": "keep@0"},
		},
		{
			name:   "bare prefix over-matches: dev expires devops images (the lint trap)",
			policy: pol(ageRule(1, 7, "dev")),
			images: []Image{mkImage("devops", 10, "devops-tools-1")},
			want:   map[string]string{"devops": "expire@1"},
		},
		{
			name:   "rules are applied by priority, not by written order",
			policy: pol(countRule(2, 1, "beta"), countRule(1, 1, "prod")),
			images: []Image{mkImage("A", 10, "beta-1", "prod-1"), mkImage("B", 9, "beta-2", "prod-2"), mkImage("C", 8, "beta-3")},
			want:   map[string]string{"A": "expire@1", "B": "keep@1", "C": "keep@2"},
		},
		{
			name:   "an invalid tagged rule without a list selects nothing",
			policy: pol(Rule{RulePriority: 1, Selection: Selection{TagStatus: TagStatusTagged, CountType: CountTypeImageCountMoreThan, CountNumber: 1}, Action: Action{Type: ActionExpire}}),
			images: []Image{mkImage("a", 3, "x"), mkImage("b", 2, "y")},
			want:   map[string]string{"a": "keep@0", "b": "keep@0"},
		},
		{
			name:   "the seed's buggy AND rule never caps release-only images",
			policy: pol(countRule(1, 1, "v", "release", "prod")),
			images: []Image{mkImage("r1", 3, "release-1"), mkImage("r2", 2, "release-2"), mkImage("all", 1, "v1", "release-3", "prod")},
			want:   map[string]string{"r1": "keep@0", "r2": "keep@0", "all": "keep@1"},
		},
		{
			name:   "the corrected policy caps each prefix",
			policy: costOptimized(),
			images: append(releases(12), mkImage("untagged-old", 2), mkImage("untagged-new", 0.2), mkImage("staging-old", 8, "staging-1")),
			want: map[string]string{
				"r00": "expire@20", "r01": "expire@20", "untagged-old": "expire@60", "staging-old": "expire@50",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Evaluate(tt.policy, tt.images, evalNow)
			if len(ds) != len(tt.images) {
				t.Fatalf("got %d decisions for %d images", len(ds), len(tt.images))
			}
			for i, d := range ds {
				if d.Image.Digest != tt.images[i].Digest {
					t.Fatalf("decision %d is for %s, want %s (input order)", i, d.Image.Digest, tt.images[i].Digest)
				}
				if d.Reason == "" {
					t.Errorf("decision for %s has no reason", d.Image.Digest)
				}
			}
			got := outcome(ds)
			for _, img := range tt.images {
				w, ok := tt.want[img.Digest]
				if !ok {
					if !strings.HasPrefix(got[img.Digest], "keep@") {
						t.Errorf("%s: got %s, want keep", img.Digest, got[img.Digest])
					}
					continue
				}
				if got[img.Digest] != w {
					t.Errorf("%s: got %s, want %s (reason: %s)", img.Digest, got[img.Digest], w, reasons(ds)[img.Digest])
				}
			}
		})
	}
}

func with2(i Image, f func(*Image)) Image { f(&i); return i }

// archived moves an image to archive, transitioned daysAgo days before
// evalNow (0: no transition time).
func archived(i Image, daysAgo int) Image {
	i.StorageClass = StorageClassArchive
	if daysAgo > 0 {
		i.TransitionedAt = evalNow.Add(-time.Duration(daysAgo) * day)
	}
	return i
}

func TestEvaluateReasons(t *testing.T) {
	p := pol(
		countRule(10, 1, "v"),
		ageRule(40, 7, "dev"),
		statusRule(60, TagStatusUntagged, CountTypeSinceImagePushed, 1),
	)
	images := []Image{
		mkImage("v-new", 1, "v2"),
		mkImage("v-old", 3, "v1"),
		mkImage("dev-old", 9.125, "dev-1"),
		mkImage("dev-new", 2, "dev-2"),
		mkImage("untagged", 1.5),
		mkImage("other", 100, "latest"),
	}
	want := map[string]string{
		"v-new":    "kept by rule 10 (v*): 1st newest of 2 images matching; keeps 1",
		"v-old":    "rule 10 (v*): 2nd newest of 2 images matching; keeps 1",
		"dev-old":  "rule 40 (dev*): pushed 9 days 3 hours ago, more than 7 days",
		"dev-new":  "kept by rule 40 (dev*): pushed 2 days ago, within 7 days",
		"untagged": "rule 60 (untagged): pushed 1 day 12 hours ago, more than 1 day",
		"other":    "no rule matches it",
	}
	if diff := cmp.Diff(want, reasons(Evaluate(p, images, evalNow))); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}

func TestEvaluateManifestLists(t *testing.T) {
	p := pol(countRule(10, 1, "v"), statusRule(60, TagStatusUntagged, CountTypeSinceImagePushed, 1))
	index := func(digest string, daysAgo float64, tag string, children ...string) Image {
		i := mkImage(digest, daysAgo, tag)
		i.Manifests = children
		return i
	}
	images := []Image{
		index("idx-new", 3, "v2", "amd64-new", "arm64-new"),
		mkImage("amd64-new", 3),
		mkImage("arm64-new", 3),
		index("idx-old", 5, "v1", "amd64-old"),
		mkImage("amd64-old", 5),
		mkImage("orphan", 5),
	}
	ds := Evaluate(p, images, evalNow)
	want := map[string]string{
		"idx-new": "keep@10", "amd64-new": "keep@60", "arm64-new": "keep@60",
		"idx-old": "expire@10", "amd64-old": "expire@60", "orphan": "expire@60",
	}
	if diff := cmp.Diff(want, outcome(ds)); diff != "" {
		t.Errorf("outcome (-want +got):\n%s", diff)
	}
	wantReason := "kept: rule 60 would expire it, but manifest list idx-new, which references it, is kept"
	if got := reasons(ds)["amd64-new"]; got != wantReason {
		t.Errorf("reason = %q, want %q", got, wantReason)
	}
}

func TestEvaluateEmpty(t *testing.T) {
	if ds := Evaluate(costOptimized(), nil, evalNow); len(ds) != 0 {
		t.Errorf("no images: got %d decisions", len(ds))
	}
	ds := Evaluate(Policy{}, []Image{mkImage("a", 100, "x")}, evalNow)
	if ds[0].Action != DecisionKeep || ds[0].RulePriority != 0 {
		t.Errorf("no rules: got %+v, want keep by no rule", ds[0])
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"prod*", "prod", true},
		{"prod*", "production", true},
		{"prod*", "xprod", false},
		{"latest", "latest", true},
		{"latest", "latest-1", false},
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"a*", "", false},
		{"*-rc*", "v1.2-rc1", true},
		{"*-rc*", "v1.2", false},
		{"*ab", "aab", true}, // needs backtracking
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"*a*a*a*", "banana", true},
		{"*a*a*a*a*", "banana", false},
		{"v*.*", "v1.2.3", true},
		{"v*.*", "validate", false},
	}
	for _, tt := range tests {
		if got := matchGlob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 111: "111th", 101: "101st"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		-time.Hour:             "less than an hour",
		30 * time.Minute:       "less than an hour",
		time.Hour:              "1 hour",
		5 * time.Hour:          "5 hours",
		day:                    "1 day",
		2*day + 90*time.Minute: "2 days 1 hour",
	} {
		if got := formatAge(d); got != want {
			t.Errorf("formatAge(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestImpactOf(t *testing.T) {
	sized := func(i Image, mib int64) Image { i.SizeBytes = mib << 20; return i }
	images := []Image{
		sized(mkImage("dev-old", 10, "dev-1"), 100),    // expires now (rule 40)
		sized(mkImage("dev-mid", 5, "dev-2"), 200),     // expires on day 7: later
		sized(mkImage("dev-new", 0.5, "dev-3"), 300),   // expires on day 7.5: later
		sized(mkImage("untagged-old", 3), 50),          // expires now (rule 60)
		sized(mkImage("v1", 40, "v1.0"), 1000),         // kept by rule 10 forever
		sized(mkImage("staging", 20, "staging-1"), 10), // expires now (rule 50)
	}
	got := ImpactOf(costOptimized(), images, evalNow, 30*day)
	want := Impact{
		Images: 6, Bytes: 1660 << 20,
		ExpireNow: 3, ExpireNowBytes: 160 << 20,
		ExpireLater: 2, ExpireLaterBytes: 500 << 20,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ImpactOf (-want +got):\n%s", diff)
	}

	// Transitioned images move to archive at now and are not transitioned
	// again later; the archive expiry (90 days) falls outside 30 days but
	// inside 100.
	p := pol(transitionPulled(1, "v"), archiveExpire(2, "v"))
	imgs := []Image{sized(mkImage("v-cold", 60, "v1"), 10), sized(mkImage("v-warm", 10, "v2"), 20)}
	got = ImpactOf(p, imgs, evalNow, 30*day)
	want = Impact{Images: 2, Bytes: 30 << 20, TransitionNow: 1, TransitionNowBytes: 10 << 20, TransitionLater: 1, TransitionLaterBytes: 20 << 20}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ImpactOf with transitions (-want +got):\n%s", diff)
	}
	got = ImpactOf(p, imgs, evalNow, 100*day)
	if got.ExpireLater != 1 || got.TransitionLater != 1 {
		t.Errorf("100-day horizon: got %+v, want 1 expiring (archived at now) and 1 transitioning later", got)
	}
}

// ---- property tests (seeded, deterministic) ----

var genTags = []string{
	"v1.0", "v1.1", "v2.0", "validate-x", "release-1", "release-2", "prod", "prod-eu", "product",
	"dev-1", "dev-2", "devops", "staging-1", "latest", "alpha-1", "beta-1", "x-rc1",
}

func genImages(rng *rand.Rand) []Image {
	n := rng.Intn(14)
	images := make([]Image, n)
	for i := range images {
		img := Image{
			Digest:    fmt.Sprintf("sha256:%04d", rng.Intn(10000)*100+i), // unique
			PushedAt:  evalNow.Add(-time.Duration(rng.Intn(40)) * day),   // whole days: many ties
			SizeBytes: int64(rng.Intn(1000)) << 20,
		}
		for range rng.Intn(4) {
			if t := genTags[rng.Intn(len(genTags))]; !slices.Contains(img.Tags, t) {
				img.Tags = append(img.Tags, t)
			}
		}
		if rng.Intn(3) == 0 {
			img.LastPulledAt = evalNow.Add(-time.Duration(rng.Intn(60)) * day)
		}
		if rng.Intn(6) == 0 {
			img.StorageClass = StorageClassArchive
			img.TransitionedAt = evalNow.Add(-time.Duration(rng.Intn(200)) * day)
		}
		images[i] = img
	}
	return images
}

var genEntries = []string{"v", "v1", "release", "prod", "dev", "staging", "alpha", "beta", "x-"}
var genPatterns = []string{"v*", "*-1", "prod*", "*rc*", "dev-*", "latest", "*"}

// genPolicy returns a random policy with priorities from firstPriority up;
// any, when drawn, is last.
func genPolicy(rng *rand.Rand, firstPriority int) Policy {
	var p Policy
	prio := firstPriority
	for i, n := 0, 1+rng.Intn(5); i < n; i++ {
		r := Rule{RulePriority: prio, Action: Action{Type: ActionExpire}}
		prio += 1 + rng.Intn(10)
		sel := &r.Selection
		switch k := rng.Intn(10); {
		case k < 5:
			sel.TagStatus = TagStatusTagged
			for range 1 + rng.Intn(2) {
				sel.TagPrefixList = append(sel.TagPrefixList, genEntries[rng.Intn(len(genEntries))])
			}
		case k < 7:
			sel.TagStatus = TagStatusTagged
			for range 1 + rng.Intn(2) {
				sel.TagPatternList = append(sel.TagPatternList, genPatterns[rng.Intn(len(genPatterns))])
			}
		case k < 9:
			sel.TagStatus = TagStatusUntagged
		default:
			sel.TagStatus = TagStatusAny
			i = n // last
		}
		switch k := rng.Intn(8); {
		case k < 4:
			sel.CountType, sel.CountNumber = CountTypeImageCountMoreThan, 1+rng.Intn(5)
		case k < 6:
			sel.CountType, sel.CountUnit, sel.CountNumber = CountTypeSinceImagePushed, CountUnitDays, 1+rng.Intn(30)
		case k < 7:
			sel.CountType, sel.CountUnit, sel.CountNumber = CountTypeSinceImagePulled, CountUnitDays, 1+rng.Intn(30)
			r.Action = Action{Type: ActionTransition, TargetStorageClass: StorageClassArchive}
		default:
			sel.CountType, sel.CountUnit, sel.CountNumber = CountTypeSinceImageTransitioned, CountUnitDays, 90+rng.Intn(60)
			sel.StorageClass = StorageClassArchive
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

// An image is acted on by at most one rule: the first rule (by priority)
// whose tag selection matches it, and only when that rule's own count
// selects it. Checked against a literal reading of the docs: every rule
// marks images, then rules apply in priority order, skipping images an
// earlier rule matched.
func TestPropertyOneRulePerImage(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := range 2000 {
		p, images := genPolicy(rng, 1), genImages(rng)
		ds := Evaluate(p, images, evalNow)

		rules := p.Canonical().Rules
		order := newestFirst(images)
		marks := make([][]look, len(rules))
		for r := range rules {
			marks[r] = lookAt(rules[r], images, order, evalNow)
		}
		for i, d := range ds {
			var actors []int
			claimed := false
			for r := range rules {
				if marks[r][i].selected && !claimed {
					actors = append(actors, rules[r].RulePriority)
				}
				claimed = claimed || marks[r][i].matched
			}
			if len(actors) > 1 {
				t.Fatalf("iter %d: image %s acted on by rules %v", iter, d.Image.Digest, actors)
			}
			wantAct := len(actors) == 1
			if gotAct := d.Action != DecisionKeep; gotAct != wantAct || (wantAct && d.RulePriority != actors[0]) {
				t.Fatalf("iter %d: image %s: got %s@%d, want acted=%v by %v\npolicy: %s", iter, d.Image.Digest, d.Action, d.RulePriority, wantAct, actors, p.JSON())
			}
		}
	}
}

// Adding, at top priority, a rule that keeps every image with some prefix
// never expires more: it removes exactly the images it matches from the
// set the old policy acts on.
func TestPropertyKeepRuleNeverExpiresMore(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for iter := range 2000 {
		p, images := genPolicy(rng, 2), genImages(rng)
		prefix := genEntries[rng.Intn(len(genEntries))]
		keep := countRule(1, len(images)+1, prefix)
		withKeep := pol(append([]Rule{keep}, p.Rules...)...)

		before := acted(Evaluate(p, images, evalNow))
		after := acted(Evaluate(withKeep, images, evalNow))
		var want []string
		for _, d := range before {
			i := slices.IndexFunc(images, func(img Image) bool { return img.Digest == d })
			if !matches(keep.Selection, images[i]) {
				want = append(want, d)
			}
		}
		if !slices.Equal(after, want) {
			t.Fatalf("iter %d: keep rule for %q: acted %v, want %v (before %v)\npolicy: %s", iter, prefix, after, want, before, p.JSON())
		}
	}
}

// The decisions do not depend on the order of images or rules.
func TestPropertyOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for iter := range 2000 {
		p, images := genPolicy(rng, 1), genImages(rng)
		// Some manifest lists too.
		for i := range images {
			if len(images) > 1 && rng.Intn(5) == 0 {
				images[i].Manifests = []string{images[rng.Intn(len(images))].Digest}
			}
		}
		want := map[string]Decision{}
		for _, d := range Evaluate(p, images, evalNow) {
			want[d.Image.Digest] = d
		}
		shuffled := slices.Clone(images)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		q := pol(slices.Clone(p.Rules)...)
		rng.Shuffle(len(q.Rules), func(i, j int) { q.Rules[i], q.Rules[j] = q.Rules[j], q.Rules[i] })
		got := map[string]Decision{}
		for _, d := range Evaluate(q, shuffled, evalNow) {
			got[d.Image.Digest] = d
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("iter %d: decisions depend on order (-first +shuffled):\n%s", iter, diff)
		}
	}
}

func TestExpiredWithin(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	imgs := []Image{
		{Digest: "sha256:new", Tags: []string{"v1"}, PushedAt: now.Add(-time.Hour)},
		{Digest: "sha256:mid", Tags: []string{"v2"}, PushedAt: now.AddDate(0, 0, -5)},
		{Digest: "sha256:old", Tags: []string{"v3"}, PushedAt: now.AddDate(0, 0, -40)},
	}
	p := Policy{Rules: []Rule{{RulePriority: 1, Selection: Selection{TagStatus: TagStatusAny, CountType: CountTypeSinceImagePushed, CountUnit: CountUnitDays, CountNumber: 30}, Action: Action{Type: ActionExpire}}}}
	got := ExpiredWithin(p, imgs, now, 30*24*time.Hour)
	// "old" now; "mid" and "new" pass 30 days within the horizon.
	if len(got) != 3 || !got["sha256:old"] || !got["sha256:mid"] || !got["sha256:new"] {
		t.Errorf("ExpiredWithin 30 days = %v", got)
	}
	if got := ExpiredWithin(p, imgs, now, 0); len(got) != 1 || !got["sha256:old"] {
		t.Errorf("ExpiredWithin now = %v", got)
	}
}
