// Package lifecycle owns ECR lifecycle policies: the rule model, ECR's validation rules, and the canonical form used to compare policies by meaning.
// It also evaluates a policy against a repository's images as ECR would
// (Evaluate, ImpactOf) and lints policies ECR accepts but that probably do
// not mean what their author meant (Lint).
//
// Every rule here comes from ECR's documentation or from a policy known to
// be applied to ECR; docs/validation-sources.md lists each with its source.
// Rules that are only inferences are marked the same way below.
package lifecycle

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// Policy is an ECR lifecycle policy document.
type Policy struct {
	Rules []Rule `json:"rules" yaml:"rules"`
}

// Rule is one lifecycle rule.
type Rule struct {
	RulePriority int       `json:"rulePriority" yaml:"rulePriority"`
	Description  string    `json:"description,omitempty" yaml:"description"`
	Selection    Selection `json:"selection" yaml:"selection"`
	Action       Action    `json:"action" yaml:"action"`
}

// Selection says which images a rule selects and when.
//
// Several entries in TagPrefixList or TagPatternList are an AND: an image is
// selected only if every entry matches one of its tags. OR is one rule per entry.
type Selection struct {
	TagStatus      string   `json:"tagStatus" yaml:"tagStatus"`
	TagPrefixList  []string `json:"tagPrefixList,omitempty" yaml:"tagPrefixList"`
	TagPatternList []string `json:"tagPatternList,omitempty" yaml:"tagPatternList"`
	CountType      string   `json:"countType" yaml:"countType"`
	CountUnit      string   `json:"countUnit,omitempty" yaml:"countUnit"`
	CountNumber    int      `json:"countNumber" yaml:"countNumber"`
	StorageClass   string   `json:"storageClass,omitempty" yaml:"storageClass"`
}

// Action is what happens to the selected images.
type Action struct {
	Type               string `json:"type" yaml:"type"`
	TargetStorageClass string `json:"targetStorageClass,omitempty" yaml:"targetStorageClass"`
}

// Values ECR accepts. Exported so that other packages (spec, lint) name them
// the same way.
const (
	TagStatusTagged   = "tagged"
	TagStatusUntagged = "untagged"
	TagStatusAny      = "any"

	CountTypeImageCountMoreThan     = "imageCountMoreThan"
	CountTypeSinceImagePushed       = "sinceImagePushed"
	CountTypeSinceImagePulled       = "sinceImagePulled"
	CountTypeSinceImageTransitioned = "sinceImageTransitioned"

	CountUnitDays = "days"

	StorageClassStandard = "standard"
	StorageClassArchive  = "archive"

	ActionExpire     = "expire"
	ActionTransition = "transition"

	// MaxPolicyLength is the API's upper bound on policy text (characters).
	MaxPolicyLength = 30720
	// MinPolicyLength is the API's lower bound. Validate does not check it:
	// the shortest valid policy JSON() can produce (one "any" rule with
	// imageCountMoreThan and no description) is 138 characters, and every
	// other valid rule is longer. TestMinLengthUnreachable proves it.
	MinPolicyLength = 100
	// MaxWildcards is the most '*' one tagPatternList entry may hold.
	MaxWildcards = 4
	// MinArchiveDays is the archive minimum storage duration; see Validate.
	MinArchiveDays = 90
)

// Canonical returns the form used for comparison and for sending: rules
// sorted by rulePriority, tagPrefixList/tagPatternList sorted and
// de-duplicated, fields that ECR defaults normalised so that an explicit
// default equals an omitted one (storageClass "standard" == ""), everything
// else kept. It does not mutate p.
//
// Sorting and de-duplicating the lists keeps the meaning because a list is an
// AND of its entries. Rules with equal priorities (invalid anyway) keep their
// relative order so that Canonical is deterministic.
func (p Policy) Canonical() Policy {
	out := Policy{Rules: make([]Rule, len(p.Rules))}
	for i, r := range p.Rules {
		r.Selection.TagPrefixList = canonicalList(r.Selection.TagPrefixList)
		r.Selection.TagPatternList = canonicalList(r.Selection.TagPatternList)
		if r.Selection.StorageClass == StorageClassStandard {
			r.Selection.StorageClass = ""
		}
		out.Rules[i] = r
	}
	slices.SortStableFunc(out.Rules, func(a, b Rule) int {
		return cmp.Compare(a.RulePriority, b.RulePriority)
	})
	if len(out.Rules) == 0 {
		out.Rules = nil
	}
	return out
}

// canonicalList returns a sorted, de-duplicated copy of l; nil when empty so
// that an empty list and an omitted one compare equal.
func canonicalList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	c := slices.Clone(l)
	slices.Sort(c)
	return slices.Compact(c)
}

// JSON renders the canonical policy as compact JSON with no null values, as
// sent to PutLifecyclePolicy. The output is stable: equal policies render to
// identical text.
func (p Policy) JSON() string {
	c := p.Canonical()
	if c.Rules == nil {
		c.Rules = []Rule{} // "rules":[] rather than null; ECR rejects nulls.
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Descriptions may hold <, > or &; keep them readable, ECR does not care.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		// Only plain strings, ints and slices: encoding cannot fail.
		panic("lifecycle: encoding policy: " + err.Error())
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// Equal reports whether two policies mean the same thing, i.e. whether their
// canonical forms are identical. Use it, never text comparison, to decide
// whether a live policy needs updating: ECR re-serialises what it stores.
func Equal(a, b Policy) bool {
	return a.JSON() == b.JSON()
}
