package lifecycle

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecrctl/ecrctl/internal/format"
)

// Image is one image in a repository as the evaluator sees it (one entry of
// DescribeImages).
type Image struct {
	Digest         string
	Tags           []string
	PushedAt       time.Time
	LastPulledAt   time.Time // zero: never pulled
	TransitionedAt time.Time // zero: never transitioned to archive
	SizeBytes      int64
	StorageClass   string // "" or "standard": standard; "archive"
	// Manifests holds, for a manifest list (image index), the digests of the
	// images it references. ECR never expires a referenced image before the
	// list itself; nil for a plain image or when unknown.
	Manifests []string
}

// Decision is what a policy does to one image.
type Decision struct {
	Image  Image
	Action string // DecisionKeep, DecisionExpire or DecisionTransition
	// RulePriority is the rule that claims the image: the first rule, in
	// priority order, whose tag selection (and storage class) matches it. That
	// rule alone may act on the image; when it does not select it, the image
	// is kept. 0 when no rule matches the image.
	RulePriority int
	Reason       string // in words, for people
}

// Decision actions.
const (
	DecisionKeep       = "keep"
	DecisionExpire     = ActionExpire
	DecisionTransition = ActionTransition
)

const day = 24 * time.Hour

// Evaluate applies p to images as ECR does at time now (the ECR User Guide's
// "Lifecycle policy evaluation rules"; docs/validation-sources.md) and
// returns one decision per image, in input order:
//
//   - Every rule first looks at all images (in its storage class): a rule's
//     imageCountMoreThan count includes images that a higher-priority rule
//     matches, keeps or expires.
//   - Then rules apply in priority order. An image matched by a rule's tag
//     selection can never be acted on by a lower-priority rule, even when the
//     matching rule keeps it, so at most one rule (the first that matches)
//     expires or transitions an image.
//   - A rule sees only images of its storage class (standard unless it says
//     archive), so a standard "any" rule never claims an archived image: in
//     the published archive-then-delete policy the archive rule comes after
//     the standard "any" rule and still acts.
//   - A multi-entry tagPrefixList/tagPatternList is an AND: every entry must
//     match at least one tag. Patterns support '*' only; a prefix is literal.
//   - imageCountMoreThan orders images newest to oldest by push time and
//     selects those past the count. Equal push times are ordered by digest
//     (smaller digest counts as newer), so the result never depends on input
//     order.
//   - since* selects an image when now minus the time is more than
//     countNumber days. sinceImagePulled uses the push time for an image never
//     pulled (inference: the docs do not say); sinceImageTransitioned never
//     selects an image with no transition time.
//   - An image a manifest list references is kept while the list is kept
//     (Image.Manifests).
//
// p should pass Validate; for an invalid rule Evaluate does not panic but the
// result is unspecified (a tagged rule without a list selects nothing).
func Evaluate(p Policy, images []Image, now time.Time) []Decision {
	rules := p.Canonical().Rules
	order := newestFirst(images)

	// looks[r][i] is rule r's view of image i, computed before any rule is
	// applied ("all rules are evaluated at once").
	looks := make([][]look, len(rules))
	for r, rule := range rules {
		looks[r] = lookAt(rule, images, order, now)
	}

	out := make([]Decision, len(images))
	for i, img := range images {
		d := Decision{Image: img, Action: DecisionKeep, Reason: "no rule matches it"}
		for r, rule := range rules {
			l := looks[r][i]
			if !l.matched {
				continue
			}
			d.RulePriority = rule.RulePriority
			label := fmt.Sprintf("rule %d (%s)", rule.RulePriority, selectionLabel(rule.Selection))
			if l.selected {
				d.Action = rule.Action.Type
				d.Reason = label + ": " + l.why
				break
			}
			d.Reason = "kept by " + label + ": " + l.why
			// Name a lower rule that selects it too, since that is the
			// surprise worth explaining: the match protects the image.
			for s := r + 1; s < len(rules); s++ {
				if looks[s][i].selected {
					d.Reason = fmt.Sprintf("protected: matched by %s, which keeps it (%s); rule %d (%s) selects it too but may not %s it",
						label, l.why, rules[s].RulePriority, selectionLabel(rules[s].Selection), verb(rules[s].Action.Type))
					break
				}
			}
			break
		}
		out[i] = d
	}
	protectReferenced(out)
	return out
}

// look is one rule's view of one image.
type look struct {
	matched  bool   // tag selection and storage class match
	selected bool   // the count selects it (only when matched)
	why      string // the count's verdict in words (only when matched)
}

// newestFirst returns image indexes ordered newest to oldest by push time,
// ties by digest, then by index (only for duplicate digests, which a real
// repository cannot hold).
func newestFirst(images []Image) []int {
	order := make([]int, len(images))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := images[b].PushedAt.Compare(images[a].PushedAt); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(images[a].Digest, images[b].Digest), cmp.Compare(a, b))
	})
	return order
}

// lookAt evaluates one rule against every image.
func lookAt(rule Rule, images []Image, order []int, now time.Time) []look {
	sel := rule.Selection
	ls := make([]look, len(images))
	total := 0
	for i, img := range images {
		if matches(sel, img) {
			ls[i].matched = true
			total++
		}
	}
	n := sel.CountNumber
	switch sel.CountType {
	case CountTypeImageCountMoreThan:
		rank := 0
		for _, i := range order {
			if !ls[i].matched {
				continue
			}
			rank++
			ls[i].selected = rank > n
			ls[i].why = fmt.Sprintf("%s newest of %s matching; keeps %d", ordinal(rank), format.Count(total, "image", "images"), n)
		}
	case CountTypeSinceImagePushed, CountTypeSinceImagePulled, CountTypeSinceImageTransitioned:
		for i, img := range images {
			if ls[i].matched {
				ls[i].selected, ls[i].why = since(sel.CountType, n, img, now)
			}
		}
	default:
		for i := range ls {
			if ls[i].matched {
				ls[i].why = fmt.Sprintf("countType %q selects nothing", sel.CountType)
			}
		}
	}
	return ls
}

// since decides a since* count for one image.
func since(countType string, n int, img Image, now time.Time) (bool, string) {
	var t time.Time
	var what string
	switch countType {
	case CountTypeSinceImagePushed:
		t, what = img.PushedAt, "pushed"
	case CountTypeSinceImagePulled:
		t, what = img.LastPulledAt, "last pulled"
		if t.IsZero() {
			t, what = img.PushedAt, "never pulled; pushed"
		}
	case CountTypeSinceImageTransitioned:
		t, what = img.TransitionedAt, "archived"
		if t.IsZero() {
			return false, "no archive time recorded"
		}
	}
	age := now.Sub(t)
	limit := format.Count(n, "day", "days")
	if age > time.Duration(n)*day {
		return true, fmt.Sprintf("%s %s ago, more than %s", what, formatAge(age), limit)
	}
	return false, fmt.Sprintf("%s %s ago, within %s", what, formatAge(age), limit)
}

// matches reports whether a selection's tag status, lists and storage class
// match an image; the count is not considered.
func matches(sel Selection, img Image) bool {
	if storageClass(sel.StorageClass) != storageClass(img.StorageClass) {
		return false
	}
	switch sel.TagStatus {
	case TagStatusAny:
		return true
	case TagStatusUntagged:
		return len(img.Tags) == 0
	case TagStatusTagged:
		if len(img.Tags) == 0 {
			return false
		}
		switch {
		case len(sel.TagPrefixList) > 0:
			return all(sel.TagPrefixList, img.Tags, strings.HasPrefix)
		case len(sel.TagPatternList) > 0:
			return all(sel.TagPatternList, img.Tags, func(tag, pattern string) bool { return matchGlob(pattern, tag) })
		}
	}
	return false
}

// all reports whether every entry matches at least one tag (the AND of a
// multi-entry list).
func all(entries, tags []string, match func(tag, entry string) bool) bool {
	for _, e := range entries {
		if !slices.ContainsFunc(tags, func(t string) bool { return match(t, e) }) {
			return false
		}
	}
	return true
}

func storageClass(s string) string {
	if s == "" {
		return StorageClassStandard
	}
	return s
}

// matchGlob reports whether s matches pattern, in which '*' matches any
// run of bytes (including none) and every other byte matches itself. The
// greedy backtracking walk is exact for '*'-only patterns and linear in
// the common case.
func matchGlob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			// Let the last '*' swallow one more byte and retry.
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// protectReferenced keeps images that a kept (or differently treated)
// manifest list references: ECR never removes a referenced image before the
// list. Repeats until stable so that nested lists work; the reason names the
// blocking list with the smallest digest so that it never depends on order.
func protectReferenced(ds []Decision) {
	byDigest := map[string]int{}
	for i, d := range ds {
		byDigest[d.Image.Digest] = i
	}
	parents := map[int][]int{} // child index -> parent indexes
	for p, d := range ds {
		for _, child := range d.Image.Manifests {
			if c, ok := byDigest[child]; ok && c != p {
				parents[c] = append(parents[c], p)
			}
		}
	}
	// blocks reports whether a list with action pa prevents its child's
	// action ca. The child may go along with the list: both expire, or both
	// move to archive. Anything else would break the list.
	blocks := func(pa, ca string) bool { return pa != DecisionExpire && pa != ca }
	wanted := map[int]string{} // child index -> the action its rule wanted
	for changed := true; changed; {
		changed = false
		for c, ps := range parents {
			if ds[c].Action == DecisionKeep {
				continue
			}
			if slices.ContainsFunc(ps, func(p int) bool { return blocks(ds[p].Action, ds[c].Action) }) {
				wanted[c] = ds[c].Action
				ds[c].Action = DecisionKeep
				changed = true
			}
		}
	}
	for c, action := range wanted {
		var by *Decision
		for _, p := range parents[c] {
			if blocks(ds[p].Action, action) && (by == nil || ds[p].Image.Digest < by.Image.Digest) {
				by = &ds[p]
			}
		}
		state := "kept"
		if by.Action == DecisionTransition {
			state = "archived"
		}
		ds[c].Reason = fmt.Sprintf("kept: rule %d would %s it, but manifest list %s, which references it, is %s",
			ds[c].RulePriority, verb(action), format.ShortDigest(by.Image.Digest), state)
	}
}

// selectionLabel names a selection briefly: "release*", "alpha* and beta*",
// "prod-*", "untagged", "any"; archived selections say so.
func selectionLabel(sel Selection) string {
	var s string
	switch {
	case sel.TagStatus != TagStatusTagged:
		s = sel.TagStatus
	case len(sel.TagPrefixList) > 0:
		ps := make([]string, len(sel.TagPrefixList))
		for i, p := range sel.TagPrefixList {
			ps[i] = p + "*"
		}
		s = strings.Join(ps, " and ")
	default:
		s = strings.Join(sel.TagPatternList, " and ")
	}
	if storageClass(sel.StorageClass) == StorageClassArchive {
		s += ", archived"
	}
	return s
}

func verb(action string) string {
	if action == ActionTransition {
		return "archive"
	}
	return action
}

// ordinal renders 1 as "1st", 11 as "11th", 22 as "22nd".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// formatAge renders a duration in days and hours: "9 days", "7 days 3 hours",
// "5 hours", "less than an hour". Negative ages (push time after now) read as
// "less than an hour".
func formatAge(d time.Duration) string {
	days, hours := int(d/day), int(d%day/time.Hour)
	switch {
	case d < time.Hour:
		return "less than an hour"
	case days == 0:
		return format.Count(hours, "hour", "hours")
	case hours == 0:
		return format.Count(days, "day", "days")
	}
	return format.Count(days, "day", "days") + " " + format.Count(hours, "hour", "hours")
}

// Impact is what a policy does to a repository: now, and later within a
// horizon when nothing is pushed or pulled in between.
type Impact struct {
	Images int   // images in the repository
	Bytes  int64 // their total size

	ExpireNow          int
	ExpireNowBytes     int64
	TransitionNow      int
	TransitionNowBytes int64

	// Later counts images whose action at now+horizon differs from now: an
	// image is never in both ExpireNow and ExpireLater.
	ExpireLater          int
	ExpireLaterBytes     int64
	TransitionLater      int
	TransitionLaterBytes int64
}

// ImpactOf evaluates p at now, applies the result (expired images leave,
// transitioned images move to archive at now), and evaluates again at
// now+horizon to count what follows. Removing images can only shrink later
// counts, which is what ECR would see too.
func ImpactOf(p Policy, images []Image, now time.Time, horizon time.Duration) Impact {
	var im Impact
	var rest []Image
	for _, d := range Evaluate(p, images, now) {
		im.Images++
		im.Bytes += d.Image.SizeBytes
		switch d.Action {
		case DecisionExpire:
			im.ExpireNow++
			im.ExpireNowBytes += d.Image.SizeBytes
			continue
		case DecisionTransition:
			im.TransitionNow++
			im.TransitionNowBytes += d.Image.SizeBytes
			img := d.Image
			img.StorageClass, img.TransitionedAt = StorageClassArchive, now
			rest = append(rest, img)
			continue
		}
		rest = append(rest, d.Image)
	}
	for _, d := range Evaluate(p, rest, now.Add(horizon)) {
		switch d.Action {
		case DecisionExpire:
			im.ExpireLater++
			im.ExpireLaterBytes += d.Image.SizeBytes
		case DecisionTransition:
			im.TransitionLater++
			im.TransitionLaterBytes += d.Image.SizeBytes
		}
	}
	return im
}

// ExpiredWithin returns the digests p expires at now or, with nothing pushed
// meanwhile, by now+horizon: the images it will have destroyed by then. An
// image archived now is evaluated again from the archive, as in ImpactOf.
func ExpiredWithin(p Policy, images []Image, now time.Time, horizon time.Duration) map[string]bool {
	out := map[string]bool{}
	var rest []Image
	for _, d := range Evaluate(p, images, now) {
		switch d.Action {
		case DecisionExpire:
			out[d.Image.Digest] = true
			continue
		case DecisionTransition:
			img := d.Image
			img.StorageClass, img.TransitionedAt = StorageClassArchive, now
			rest = append(rest, img)
			continue
		}
		rest = append(rest, d.Image)
	}
	for _, d := range Evaluate(p, rest, now.Add(horizon)) {
		if d.Action == DecisionExpire {
			out[d.Image.Digest] = true
		}
	}
	return out
}
