package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// costOptimizedText is the faithful encoding of the seed's "cost-optimized"
// policy (README, "The lifecycle-rule pitfall"): one rule per prefix, keep rules first. It is
// written the way JSON() renders it, which is also compact like ECR's output.
const costOptimizedText = `{"rules":[` +
	`{"rulePriority":10,"description":"keep last 10 v images","selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}},` +
	`{"rulePriority":20,"description":"keep last 10 release images","selection":{"tagStatus":"tagged","tagPrefixList":["release"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}},` +
	`{"rulePriority":30,"description":"keep last 10 prod images","selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}},` +
	`{"rulePriority":40,"description":"expire dev images after 7 days","selection":{"tagStatus":"tagged","tagPrefixList":["dev"],"countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},` +
	`{"rulePriority":50,"description":"expire staging images after 7 days","selection":{"tagStatus":"tagged","tagPrefixList":["staging"],"countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},` +
	`{"rulePriority":60,"description":"expire untagged images after 1 day","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}` +
	`]}`

func costOptimized() Policy {
	keep := func(prio int, prefix string) Rule {
		return Rule{
			RulePriority: prio,
			Description:  "keep last 10 " + prefix + " images",
			Selection:    Selection{TagStatus: "tagged", TagPrefixList: []string{prefix}, CountType: "imageCountMoreThan", CountNumber: 10},
			Action:       Action{Type: "expire"},
		}
	}
	expire := func(prio int, prefix string) Rule {
		return Rule{
			RulePriority: prio,
			Description:  "expire " + prefix + " images after 7 days",
			Selection:    Selection{TagStatus: "tagged", TagPrefixList: []string{prefix}, CountType: "sinceImagePushed", CountUnit: "days", CountNumber: 7},
			Action:       Action{Type: "expire"},
		}
	}
	return Policy{Rules: []Rule{
		keep(10, "v"), keep(20, "release"), keep(30, "prod"),
		expire(40, "dev"), expire(50, "staging"),
		{
			RulePriority: 60,
			Description:  "expire untagged images after 1 day",
			Selection:    Selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: 1},
			Action:       Action{Type: "expire"},
		},
	}}
}

// Rule builders for validation cases. Each returns a valid rule.

func keepTagged(prio int, prefixes ...string) Rule {
	return Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: "tagged", TagPrefixList: prefixes, CountType: "imageCountMoreThan", CountNumber: 5},
		Action:       Action{Type: "expire"},
	}
}

func keepPattern(prio int, patterns ...string) Rule {
	r := keepTagged(prio)
	r.Selection.TagPrefixList = nil
	r.Selection.TagPatternList = patterns
	return r
}

func untagged(prio int) Rule {
	return Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: 1},
		Action:       Action{Type: "expire"},
	}
}

func anyRule(prio int) Rule {
	return Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: 100},
		Action:       Action{Type: "expire"},
	}
}

// archiveExpire expires archived images 90 days after transition.
func archiveExpire(prio int, prefixes ...string) Rule {
	return Rule{
		RulePriority: prio,
		Selection: Selection{TagStatus: "tagged", TagPrefixList: prefixes, CountType: "sinceImageTransitioned",
			CountUnit: "days", CountNumber: 90, StorageClass: "archive"},
		Action: Action{Type: "expire"},
	}
}

// transitionPulled archives images not pulled for 30 days.
func transitionPulled(prio int, prefixes ...string) Rule {
	return Rule{
		RulePriority: prio,
		Selection:    Selection{TagStatus: "tagged", TagPrefixList: prefixes, CountType: "sinceImagePulled", CountUnit: "days", CountNumber: 30},
		Action:       Action{Type: "transition", TargetStorageClass: "archive"},
	}
}

func with(r Rule, f func(*Rule)) Rule { f(&r); return r }

func pol(rules ...Rule) Policy { return Policy{Rules: rules} }

func TestValidate(t *testing.T) {
	manyRules := func(n, descLen int) Policy {
		var p Policy
		for i := range n {
			r := keepTagged(i+1, fmt.Sprintf("p%d", i))
			r.Description = strings.Repeat("d", descLen)
			p.Rules = append(p.Rules, r)
		}
		return p
	}

	tests := []struct {
		name     string
		policy   Policy
		wantPath string // "" = valid
		wantMsg  string
	}{
		// Fixtures.
		{name: "cost-optimized policy is valid", policy: costOptimized()},
		{name: "minimal any rule is valid", policy: pol(anyRule(1))},

		// At least one rule.
		{name: "no rules", policy: Policy{}, wantPath: "rules", wantMsg: "has no rules"},
		{name: "empty rules slice", policy: Policy{Rules: []Rule{}}, wantPath: "rules", wantMsg: "add at least one rule"},

		// Length upper bound.
		{name: "policy over 30720 characters", policy: manyRules(100, 300), wantPath: "rules", wantMsg: "more than ECR's limit of 30720"},
		{name: "policy under 30720 characters", policy: manyRules(100, 100)},
		{name: "long description is not limited", policy: pol(with(anyRule(1), func(r *Rule) { r.Description = strings.Repeat("x", 5000) }))},

		// rulePriority >= 1.
		{name: "rulePriority 0", policy: pol(keepTagged(0, "v")), wantPath: "rules[0].rulePriority", wantMsg: "rulePriority 0 is not allowed"},
		{name: "rulePriority negative", policy: pol(keepTagged(-3, "v")), wantPath: "rules[0].rulePriority", wantMsg: "1 or more"},
		{name: "rulePriority 1", policy: pol(keepTagged(1, "v"))},

		// rulePriority unique, not necessarily contiguous.
		{name: "duplicate rulePriority", policy: pol(keepTagged(10, "v"), keepTagged(10, "prod")), wantPath: "rules[1].rulePriority", wantMsg: "already used by rules[0]"},
		{name: "non-contiguous priorities", policy: pol(keepTagged(10, "v"), keepTagged(500, "prod"))},

		// tagStatus values.
		{name: "tagStatus unknown", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.TagStatus = "TAGGED" })), wantPath: "rules[0].selection.tagStatus", wantMsg: `tagStatus "TAGGED" is not valid`},
		{name: "tagStatus missing", policy: pol(with(anyRule(1), func(r *Rule) { r.Selection.TagStatus = "" })), wantPath: "rules[0].selection.tagStatus", wantMsg: "use tagged, untagged or any"},

		// tagged needs exactly one non-empty list.
		{name: "tagged without list", policy: pol(keepTagged(1)), wantPath: "rules[0].selection", wantMsg: "needs a non-empty tagPrefixList or tagPatternList"},
		{name: "tagged with empty list", policy: pol(with(keepTagged(1), func(r *Rule) { r.Selection.TagPrefixList = []string{} })), wantPath: "rules[0].selection", wantMsg: "needs a non-empty"},
		{name: "tagged with both lists", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.TagPatternList = []string{"v*"} })), wantPath: "rules[0].selection", wantMsg: "not both"},
		{name: "tagged with pattern list only", policy: pol(keepPattern(1, "v*"))},

		// untagged and any take neither list.
		{name: "untagged with prefix list", policy: pol(with(untagged(1), func(r *Rule) { r.Selection.TagPrefixList = []string{"v"} })), wantPath: "rules[0].selection.tagPrefixList", wantMsg: "not allowed with tagStatus untagged"},
		{name: "any with pattern list", policy: pol(with(anyRule(1), func(r *Rule) { r.Selection.TagPatternList = []string{"v*"} })), wantPath: "rules[0].selection.tagPatternList", wantMsg: "not allowed with tagStatus any"},
		{name: "untagged with empty list", policy: pol(with(untagged(1), func(r *Rule) { r.Selection.TagPrefixList = []string{} }))},

		// Empty strings in lists.
		{name: "empty prefix", policy: pol(keepTagged(1, "v", "")), wantPath: "rules[0].selection.tagPrefixList[1]", wantMsg: "empty prefix"},
		{name: "empty pattern", policy: pol(keepPattern(1, "", "v*")), wantPath: "rules[0].selection.tagPatternList[0]", wantMsg: "empty pattern"},

		// At most 4 wildcards per pattern.
		{name: "five wildcards", policy: pol(keepPattern(1, "*a*b*c*d*")), wantPath: "rules[0].selection.tagPatternList[0]", wantMsg: "5 wildcards, more than 4"},
		{name: "four wildcards", policy: pol(keepPattern(1, "*a*b*c*d"))},

		// countType values.
		{name: "countType unknown", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.CountType = "imageCountLessThan" })), wantPath: "rules[0].selection.countType", wantMsg: `countType "imageCountLessThan" is not valid`},

		// countUnit.
		{name: "countUnit with imageCountMoreThan", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.CountUnit = "days" })), wantPath: "rules[0].selection.countUnit", wantMsg: `countUnit "days" is not allowed with countType imageCountMoreThan; remove countUnit`},
		{name: "since type without countUnit", policy: pol(with(untagged(1), func(r *Rule) { r.Selection.CountUnit = "" })), wantPath: "rules[0].selection.countUnit", wantMsg: `countType sinceImagePushed needs countUnit; set countUnit "days"`},
		{name: "countUnit hours", policy: pol(with(untagged(1), func(r *Rule) { r.Selection.CountUnit = "hours" })), wantPath: "rules[0].selection.countUnit", wantMsg: `countUnit "hours" is not valid`},
		{name: "countUnit days with sinceImagePushed", policy: pol(untagged(1))},

		// countNumber >= 1.
		{name: "countNumber 0", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.CountNumber = 0 })), wantPath: "rules[0].selection.countNumber", wantMsg: "countNumber 0 is not allowed"},
		{name: "countNumber 1", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.CountNumber = 1 }))},

		// storageClass.
		{name: "storageClass unknown", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.StorageClass = "glacier" })), wantPath: "rules[0].selection.storageClass", wantMsg: `storageClass "glacier" is not valid`},
		{name: "storageClass standard explicit", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.StorageClass = "standard" }))},
		{name: "archive without sinceImageTransitioned", policy: pol(with(untagged(1), func(r *Rule) { r.Selection.StorageClass = "archive" })), wantPath: "rules[0].selection.storageClass", wantMsg: `storageClass "archive" needs countType sinceImageTransitioned`},
		{name: "sinceImageTransitioned without archive", policy: pol(with(archiveExpire(1, "v"), func(r *Rule) { r.Selection.StorageClass = "" })), wantPath: "rules[0].selection.storageClass", wantMsg: `needs storageClass "archive"`},
		{name: "archive expire rule", policy: pol(archiveExpire(1, "v"))},

		// action.type.
		{name: "action type unknown", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Action.Type = "delete" })), wantPath: "rules[0].action.type", wantMsg: `action type "delete" is not valid`},
		{name: "action type missing", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Action.Type = "" })), wantPath: "rules[0].action.type", wantMsg: "use expire or transition"},

		// transition needs targetStorageClass archive; targetStorageClass only with transition.
		{name: "transition without target", policy: pol(with(transitionPulled(1, "v"), func(r *Rule) { r.Action.TargetStorageClass = "" })), wantPath: "rules[0].action.targetStorageClass", wantMsg: `needs targetStorageClass "archive"`},
		{name: "transition to unknown class", policy: pol(with(transitionPulled(1, "v"), func(r *Rule) { r.Action.TargetStorageClass = "glacier" })), wantPath: "rules[0].action.targetStorageClass", wantMsg: `targetStorageClass "glacier" is not valid`},
		{name: "targetStorageClass with expire", policy: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Action.TargetStorageClass = "archive" })), wantPath: "rules[0].action.targetStorageClass", wantMsg: "only allowed with action type transition"},
		{name: "transition to archive", policy: pol(transitionPulled(1, "v"))},
		{name: "transition after push age", policy: pol(with(transitionPulled(1, "v"), func(r *Rule) { r.Selection.CountType = "sinceImagePushed" }))},

		// tagStatus any must have the highest rulePriority.
		// tagStatus any must have the highest rulePriority of its storage class.
		{name: "any rule not last", policy: pol(anyRule(10), keepTagged(20, "v")), wantPath: "rules[0].rulePriority", wantMsg: "highest rulePriority of the rules in its storage class (standard), but 10 is lower than 20"},
		{name: "any rule last, listed first", policy: pol(anyRule(30), keepTagged(20, "v"), untagged(10))},
		{name: "standard any rule before an archive rule", policy: pol(anyRule(10), archiveExpire(20, "v"))},
		{name: "archive any rule before a standard rule", policy: pol(with(archiveExpire(10), func(r *Rule) { r.Selection.TagStatus = "any" }), keepTagged(20, "v"))},
		{name: "archive any rule not last in archive", policy: pol(with(archiveExpire(10), func(r *Rule) { r.Selection.TagStatus = "any" }), archiveExpire(20, "v")),
			wantPath: "rules[0].rulePriority", wantMsg: "its storage class (archive), but 10 is lower than 20"},
		{name: "two standard any rules", policy: pol(anyRule(10), with(anyRule(20), func(r *Rule) { r.Selection.CountNumber = 5 })), wantPath: "rules[0].rulePriority", wantMsg: "10 is lower than 20"},

		// Same prefix set in one storage class.
		{name: "same prefix set", policy: pol(keepTagged(1, "b", "a"), keepTagged(2, "a", "b", "a")), wantPath: "rules[1].selection.tagPrefixList", wantMsg: "rules[0] already selects the same tagPrefixList in storage class standard"},
		{name: "same prefix set, standard explicit", policy: pol(keepTagged(1, "v"), with(keepTagged(2, "v"), func(r *Rule) { r.Selection.StorageClass = "standard" })), wantPath: "rules[1].selection.tagPrefixList", wantMsg: "same tagPrefixList"},
		{name: "same prefixes, different storage class", policy: pol(keepTagged(1, "v"), archiveExpire(2, "v"))},
		{name: "overlapping but different prefix sets", policy: pol(keepTagged(1, "a"), keepTagged(2, "a", "b"))},

		// Same pattern set (inference).
		{name: "same pattern set is only a lint warning", policy: pol(keepPattern(1, "v*", "*rc*"), keepPattern(2, "*rc*", "v*"))},
		{name: "different pattern sets", policy: pol(keepPattern(1, "v*"), keepPattern(2, "v*-rc"))},

		// One untagged rule per storage class.
		{name: "two untagged rules", policy: pol(untagged(1), with(untagged(2), func(r *Rule) { r.Selection.CountNumber = 9 })), wantPath: "rules[1].selection.tagStatus", wantMsg: "rules[0] already selects untagged images in storage class standard"},
		{name: "untagged in standard and archive", policy: pol(untagged(1), with(archiveExpire(2), func(r *Rule) { r.Selection.TagStatus = "untagged" }))},
		{name: "untagged then any does not count as two", policy: pol(untagged(1), anyRule(2))},

		// sinceImagePulled only with transition (lifecycle_policy_examples).
		{name: "sinceImagePulled with expire", policy: pol(with(transitionPulled(1, "v"), func(r *Rule) { r.Action = Action{Type: "expire"} })),
			wantPath: "rules[0].action.type", wantMsg: "sinceImagePulled is only valid with action type transition"},
		// imageCountMoreThan may archive too ("expired or archived").
		{name: "transition by count", policy: pol(with(transitionPulled(1, "v"), func(r *Rule) { r.Selection.CountType, r.Selection.CountUnit = "imageCountMoreThan", "" }))},

		// sinceImageTransitioned only with expire, countNumber >= 90 (lifecycle_policy_examples).
		{name: "sinceImageTransitioned with transition", policy: pol(with(archiveExpire(1, "v"), func(r *Rule) { r.Action = Action{Type: "transition", TargetStorageClass: "archive"} })), wantPath: "rules[0].action.type", wantMsg: "sinceImageTransitioned is only valid with action type expire"},
		{name: "sinceImageTransitioned under 90 days", policy: pol(with(archiveExpire(1, "v"), func(r *Rule) { r.Selection.CountNumber = 89 })),
			wantPath: "rules[0].selection.countNumber", wantMsg: "countNumber 89 is below the archive storage class's 90-day minimum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Validate()
			if tt.wantPath == "" {
				if got != nil {
					t.Fatalf("Validate() = %v, want nil", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Validate() = %v, want exactly one issue at %s", got, tt.wantPath)
			}
			if got[0].Path != tt.wantPath {
				t.Errorf("Path = %q, want %q (message %q)", got[0].Path, tt.wantPath, got[0].Message)
			}
			if !strings.Contains(got[0].Message, tt.wantMsg) {
				t.Errorf("Message = %q, want it to contain %q", got[0].Message, tt.wantMsg)
			}
		})
	}
}

func TestValidateReportsEveryIssueInRuleOrder(t *testing.T) {
	p := pol(
		anyRule(5), // not last
		with(keepTagged(0, "v"), func(r *Rule) { r.Selection.CountUnit = "days" }),
		with(untagged(9), func(r *Rule) { r.Action.Type = "delete" }),
	)
	var paths []string
	for _, is := range p.Validate() {
		paths = append(paths, is.Path)
	}
	want := []string{
		"rules[0].rulePriority",
		"rules[1].rulePriority",
		"rules[1].selection.countUnit",
		"rules[2].action.type",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("issue paths (-want +got):\n%s", diff)
	}
}

func TestIssueError(t *testing.T) {
	is := Issue{Path: "rules[2].selection.countUnit", Message: "bad"}
	if got, want := is.Error(), "rules[2].selection.countUnit: bad"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// The 100-character minimum is not checked by Validate because no valid
// policy can be shorter. The shortest valid rule is tagStatus any (shortest
// value) with imageCountMoreThan (the only type without countUnit) and a
// one-digit count and priority.
func TestMinLengthUnreachable(t *testing.T) {
	p := pol(Rule{RulePriority: 1, Selection: Selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: 1}, Action: Action{Type: "expire"}})
	if is := p.Validate(); is != nil {
		t.Fatalf("minimal policy invalid: %v", is)
	}
	if n := len(p.JSON()); n < MinPolicyLength || n != 138 {
		t.Errorf("minimal valid policy is %d characters; want 138 (>= %d)", n, MinPolicyLength)
	}
}

func TestParse(t *testing.T) {
	rule := `{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}`
	tests := []struct {
		name     string
		text     string
		wantPath string // for Issue errors
		wantErr  string // fragment of err.Error(); "" = success
	}{
		{name: "unknown top-level field", text: `{"rules":[` + rule + `],"version":1}`, wantPath: "version", wantErr: `unknown field "version"`},
		{name: "unknown nested field", text: `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefix":["v"]}}]}`, wantPath: "rules[0].selection.tagPrefix", wantErr: `unknown field "tagPrefix"`},
		{name: "unknown field in second rule's action", text: `{"rules":[` + rule + `,{"action":{"type":"expire","when":"now"}}]}`, wantPath: "rules[1].action.when", wantErr: `unknown field "when"`},
		{name: "field name case differs", text: `{"rules":[{"RulePriority":1}]}`, wantPath: "rules[0].RulePriority", wantErr: "case-sensitive"},
		{name: "duplicate field", text: `{"rules":[{"rulePriority":1,"rulePriority":2}]}`, wantPath: "rules[0].rulePriority", wantErr: "appears twice"},
		{name: "null field", text: `{"rules":[{"rulePriority":1,"description":null}]}`, wantPath: "rules[0].description", wantErr: "null is not allowed"},
		{name: "null rules", text: `{"rules":null}`, wantPath: "rules", wantErr: "null is not allowed"},
		{name: "null list entry", text: `{"rules":[{"selection":{"tagPrefixList":["v",null]}}]}`, wantPath: "rules[0].selection.tagPrefixList[1]", wantErr: "null is not allowed"},
		{name: "null policy", text: `null`, wantPath: "policy", wantErr: "null is not allowed"},
		{name: "string for integer", text: `{"rules":[{"rulePriority":"1"}]}`, wantPath: "rules[0].rulePriority", wantErr: "must be an integer, got a string"},
		{name: "fraction for integer", text: `{"rules":[{"selection":{"countNumber":1.5}}]}`, wantPath: "rules[0].selection.countNumber", wantErr: "not an integer"},
		{name: "object for list", text: `{"rules":{}}`, wantPath: "rules", wantErr: "must be an array, got an object"},
		{name: "array for policy", text: `[]`, wantPath: "policy", wantErr: "must be an object"},
		{name: "boolean for string", text: `{"rules":[{"action":{"type":true}}]}`, wantPath: "rules[0].action.type", wantErr: "must be a string, got a boolean"},
		{name: "trailing garbage", text: `{"rules":[` + rule + `]} x`, wantErr: "trailing data"},
		{name: "second object", text: `{"rules":[]}{}`, wantErr: "trailing data"},
		{name: "truncated", text: `{"rules":[` + rule, wantErr: "lifecycle policy"},
		{name: "syntax error", text: `{"rules":[,]}`, wantErr: "not valid JSON"},
		{name: "empty text", text: ``, wantErr: "empty text"},
		{name: "trailing whitespace is fine", text: "{\"rules\":[" + rule + "]}\n\t "},
		{name: "indented text", text: "{\n  \"rules\": [\n    " + rule + "\n  ]\n}"},
		{name: "cost-optimized", text: costOptimizedText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.text)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse() error = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse() succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			var is Issue
			if tt.wantPath != "" {
				if !errors.As(err, &is) {
					t.Fatalf("error %v is not an Issue", err)
				}
				if is.Path != tt.wantPath {
					t.Errorf("Path = %q, want %q", is.Path, tt.wantPath)
				}
			}
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	p, err := Parse(costOptimizedText)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(costOptimized(), p); diff != "" {
		t.Errorf("Parse() (-want +got):\n%s", diff)
	}
	if got := p.JSON(); got != costOptimizedText {
		t.Errorf("JSON() round trip differs:\n got %s\nwant %s", got, costOptimizedText)
	}
	if is := p.Validate(); is != nil {
		t.Errorf("Validate() = %v", is)
	}
}

func TestCanonical(t *testing.T) {
	in := Policy{Rules: []Rule{
		{RulePriority: 30, Selection: Selection{TagStatus: "tagged", TagPrefixList: []string{"b", "a", "b"}, StorageClass: "standard"}},
		{RulePriority: 10, Selection: Selection{TagStatus: "tagged", TagPatternList: []string{"z*", "a*", "z*"}, StorageClass: "archive"}},
		{RulePriority: 20, Description: "kept", Selection: Selection{TagStatus: "untagged", TagPrefixList: []string{}}},
	}}
	want := Policy{Rules: []Rule{
		{RulePriority: 10, Selection: Selection{TagStatus: "tagged", TagPatternList: []string{"a*", "z*"}, StorageClass: "archive"}},
		{RulePriority: 20, Description: "kept", Selection: Selection{TagStatus: "untagged"}},
		{RulePriority: 30, Selection: Selection{TagStatus: "tagged", TagPrefixList: []string{"a", "b"}}},
	}}
	before := deepCopy(t, in)

	got := in.Canonical()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Canonical() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, in); diff != "" {
		t.Errorf("Canonical() mutated its input (-before +after):\n%s", diff)
	}
	// The result must not share list storage with the input either.
	got.Rules[2].Selection.TagPrefixList[0] = "mutated"
	if diff := cmp.Diff(before, in); diff != "" {
		t.Errorf("Canonical() result aliases its input (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(want, want.Canonical()); diff != "" {
		t.Errorf("Canonical() is not idempotent (-want +got):\n%s", diff)
	}
	if got := (Policy{Rules: []Rule{}}).Canonical(); got.Rules != nil {
		t.Errorf("Canonical() of empty rules = %#v, want nil rules", got.Rules)
	}
}

func TestCanonicalEqualPrioritiesKeepOrder(t *testing.T) {
	in := pol(keepTagged(5, "b"), keepTagged(1, "z"), keepTagged(5, "a"))
	got := in.Canonical()
	var order []string
	for _, r := range got.Rules {
		order = append(order, r.Selection.TagPrefixList[0])
	}
	if diff := cmp.Diff([]string{"z", "b", "a"}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func deepCopy(t *testing.T, p Policy) Policy {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out Policy
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	// json drops empty lists; restore them so the comparison is exact.
	for i, r := range p.Rules {
		if r.Selection.TagPrefixList != nil && len(r.Selection.TagPrefixList) == 0 {
			out.Rules[i].Selection.TagPrefixList = []string{}
		}
		if r.Selection.TagPatternList != nil && len(r.Selection.TagPatternList) == 0 {
			out.Rules[i].Selection.TagPatternList = []string{}
		}
	}
	return out
}

func TestEqual(t *testing.T) {
	base := costOptimized()
	reversed := costOptimized()
	for i, j := 0, len(reversed.Rules)-1; i < j; i, j = i+1, j-1 {
		reversed.Rules[i], reversed.Rules[j] = reversed.Rules[j], reversed.Rules[i]
	}
	tests := []struct {
		name string
		a, b Policy
		want bool
	}{
		{name: "identical", a: base, b: costOptimized(), want: true},
		{name: "rules reordered", a: base, b: reversed, want: true},
		{name: "list reordered and duplicated", a: pol(keepTagged(1, "a", "b")), b: pol(keepTagged(1, "b", "a", "b")), want: true},
		{name: "patterns reordered", a: pol(keepPattern(1, "a*", "*b")), b: pol(keepPattern(1, "*b", "a*")), want: true},
		{name: "explicit standard storage class", a: pol(keepTagged(1, "v")), b: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Selection.StorageClass = "standard" })), want: true},
		{name: "empty vs nil list", a: pol(untagged(1)), b: pol(with(untagged(1), func(r *Rule) { r.Selection.TagPrefixList = []string{} })), want: true},
		{name: "nil vs empty rules", a: Policy{}, b: Policy{Rules: []Rule{}}, want: true},
		{name: "countNumber changed", a: base, b: func() Policy { p := costOptimized(); p.Rules[0].Selection.CountNumber = 11; return p }(), want: false},
		{name: "description changed", a: pol(keepTagged(1, "v")), b: pol(with(keepTagged(1, "v"), func(r *Rule) { r.Description = "x" })), want: false},
		{name: "priority changed", a: pol(keepTagged(1, "v")), b: pol(keepTagged(2, "v")), want: false},
		{name: "prefix vs pattern", a: pol(keepTagged(1, "v")), b: pol(keepPattern(1, "v")), want: false},
		{name: "archive vs standard", a: pol(archiveExpire(1, "v")), b: pol(with(archiveExpire(1, "v"), func(r *Rule) { r.Selection.StorageClass = "" })), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal() = %v, want %v\n a=%s\n b=%s", got, tt.want, tt.a.JSON(), tt.b.JSON())
			}
			if got := Equal(tt.b, tt.a); got != tt.want {
				t.Errorf("Equal() is not symmetric")
			}
		})
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   string
	}{
		{name: "no rules", policy: Policy{}, want: `{"rules":[]}`},
		{
			name:   "omits empty optional fields and sorts",
			policy: pol(with(untagged(2), func(r *Rule) { r.Selection.TagPrefixList = []string{} }), with(keepTagged(1, "b", "a"), func(r *Rule) { r.Selection.StorageClass = "standard" })),
			want: `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["a","b"],"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}},` +
				`{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`,
		},
		{
			name:   "archive fields kept",
			policy: pol(transitionPulled(1, "v"), archiveExpire(2, "v")),
			want: `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}},` +
				`{"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"sinceImageTransitioned","countUnit":"days","countNumber":90,"storageClass":"archive"},"action":{"type":"expire"}}]}`,
		},
		{
			name:   "html characters not escaped",
			policy: pol(with(anyRule(1), func(r *Rule) { r.Description = "a<b & c>d" })),
			want:   `{"rules":[{"rulePriority":1,"description":"a<b & c>d","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.JSON()
			if got != tt.want {
				t.Errorf("JSON():\n got %s\nwant %s", got, tt.want)
			}
			if strings.Contains(got, "null") {
				t.Errorf("JSON() contains null: %s", got)
			}
			if got2 := tt.policy.JSON(); got2 != got {
				t.Errorf("JSON() is not stable: %s then %s", got, got2)
			}
			if _, err := Parse(got); err != nil {
				t.Errorf("Parse(JSON()) = %v", err)
			}
		})
	}
}
