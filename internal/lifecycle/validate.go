package lifecycle

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Issue is one validation problem. Path is relative to the policy, e.g.
// "rules[2].selection.countUnit" (index = position in Rules, 0-based), or
// "rules" for policy-wide problems.
type Issue struct {
	Path    string
	Message string
}

func (i Issue) Error() string { return i.Path + ": " + i.Message }

// Validate returns every problem ECR would reject, in rule order; nil when
// valid. Policy-wide problems (Path "rules") come first. Validating locally
// matters because moto accepts much of what ECR rejects, and ECR's own error
// names neither the rule nor the field.
//
// Not checked: description length (ECR documents no limit) and the 100
// character minimum (see MinPolicyLength).
func (p Policy) Validate() []Issue {
	var issues []Issue
	add := func(path, format string, args ...any) {
		issues = append(issues, Issue{Path: path, Message: fmt.Sprintf(format, args...)})
	}

	if len(p.Rules) == 0 {
		add("rules", "the policy has no rules; add at least one rule, or remove the policy")
		return issues
	}
	// ECR counts characters of the text it receives, which is what JSON() sends.
	if n := utf8.RuneCountInString(p.JSON()); n > MaxPolicyLength {
		add("rules", "the policy is %d characters long, more than ECR's limit of %d; remove rules or shorten descriptions", n, MaxPolicyLength)
	}

	// Cross-rule facts, gathered once so each issue can land on its rule.
	// The highest priority is per storage class: a standard-class "any" rule
	// may come before an archive-class rule (ECR accepts the published
	// archive-then-delete policy, docs/validation-sources.md).
	maxPriority := map[string]int{}
	for _, r := range p.Rules {
		c := storageClass(r.Selection.StorageClass)
		if m, ok := maxPriority[c]; !ok || r.RulePriority > m {
			maxPriority[c] = r.RulePriority
		}
	}
	firstWithPriority := map[int]int{}
	// Keyed by storage class plus the canonical list; value is the first rule index.
	firstPrefixSet := map[string]int{}
	firstUntagged := map[string]int{}

	for i, r := range p.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		sel, act := r.Selection, r.Action
		class := sel.StorageClass
		if class == "" {
			class = StorageClassStandard
		}

		// rulePriority
		if r.RulePriority < 1 {
			add(at+".rulePriority", "rulePriority %d is not allowed; use an integer of 1 or more", r.RulePriority)
		}
		if j, dup := firstWithPriority[r.RulePriority]; dup {
			add(at+".rulePriority", "rulePriority %d is already used by rules[%d]; give every rule a unique priority", r.RulePriority, j)
		} else {
			firstWithPriority[r.RulePriority] = i
		}
		if m := maxPriority[storageClass(sel.StorageClass)]; sel.TagStatus == TagStatusAny && r.RulePriority < m {
			add(at+".rulePriority", "a tagStatus any rule must have the highest rulePriority of the rules in its storage class (%s), but %d is lower than %d; make it the last %s rule", storageClass(sel.StorageClass), r.RulePriority, m, storageClass(sel.StorageClass))
		}

		// tagStatus and the tag lists
		switch sel.TagStatus {
		case TagStatusTagged:
			switch hasP, hasT := len(sel.TagPrefixList) > 0, len(sel.TagPatternList) > 0; {
			case !hasP && !hasT:
				add(at+".selection", "tagStatus tagged needs a non-empty tagPrefixList or tagPatternList; add one")
			case hasP && hasT:
				add(at+".selection", "tagStatus tagged takes tagPrefixList or tagPatternList, not both; keep one (use two rules for both)")
			}
		case TagStatusUntagged, TagStatusAny:
			if len(sel.TagPrefixList) > 0 {
				add(at+".selection.tagPrefixList", "tagPrefixList is not allowed with tagStatus %s; remove it or use tagStatus tagged", sel.TagStatus)
			}
			if len(sel.TagPatternList) > 0 {
				add(at+".selection.tagPatternList", "tagPatternList is not allowed with tagStatus %s; remove it or use tagStatus tagged", sel.TagStatus)
			}
		default:
			add(at+".selection.tagStatus", "tagStatus %q is not valid; use tagged, untagged or any", sel.TagStatus)
		}
		for j, s := range sel.TagPrefixList {
			if s == "" {
				add(fmt.Sprintf("%s.selection.tagPrefixList[%d]", at, j), "empty prefix is not allowed; remove it")
			}
		}
		for j, s := range sel.TagPatternList {
			if s == "" {
				add(fmt.Sprintf("%s.selection.tagPatternList[%d]", at, j), "empty pattern is not allowed; remove it")
			}
			if n := strings.Count(s, "*"); n > MaxWildcards {
				add(fmt.Sprintf("%s.selection.tagPatternList[%d]", at, j), "pattern %q has %d wildcards, more than %d; use fewer '*'", s, n, MaxWildcards)
			}
		}
		// Two rules of one storage class with the same prefix set (docs).
		// A set: compare the canonical (sorted, de-duplicated) lists.
		if sel.TagStatus == TagStatusTagged && len(sel.TagPrefixList) > 0 {
			key := class + "\x00" + strings.Join(canonicalList(sel.TagPrefixList), "\x00")
			if j, dup := firstPrefixSet[key]; dup {
				add(at+".selection.tagPrefixList", "rules[%d] already selects the same tagPrefixList in storage class %s; merge the two rules or change one list", j, class)
			} else {
				firstPrefixSet[key] = i
			}
		}
		// The same check for pattern sets is only an inference, so it is a
		// lint warning (WarnUnconfirmed), not an error.
		// More than one rule of one storage class selecting untagged images
		// (docs). Only tagStatus untagged counts, not any: the docs give any
		// its own constraint (it must be last), and "expire untagged after N
		// days, then a final any rule" is a common, published policy shape
		// that ECR accepts. Counting any would reject it.
		if sel.TagStatus == TagStatusUntagged {
			if j, dup := firstUntagged[class]; dup {
				add(at+".selection.tagStatus", "rules[%d] already selects untagged images in storage class %s; only one such rule is allowed, merge them", j, class)
			} else {
				firstUntagged[class] = i
			}
		}

		// countType and countUnit
		switch sel.CountType {
		case CountTypeImageCountMoreThan:
			if sel.CountUnit != "" {
				add(at+".selection.countUnit", "countUnit %q is not allowed with countType imageCountMoreThan; remove countUnit", sel.CountUnit)
			}
		case CountTypeSinceImagePushed, CountTypeSinceImagePulled, CountTypeSinceImageTransitioned:
			if sel.CountUnit == "" {
				add(at+".selection.countUnit", "countType %s needs countUnit; set countUnit \"days\"", sel.CountType)
			}
		default:
			add(at+".selection.countType", "countType %q is not valid; use imageCountMoreThan, sinceImagePushed, sinceImagePulled or sinceImageTransitioned", sel.CountType)
		}
		if sel.CountUnit != "" && sel.CountUnit != CountUnitDays && sel.CountType != CountTypeImageCountMoreThan {
			add(at+".selection.countUnit", "countUnit %q is not valid; the only unit is \"days\"", sel.CountUnit)
		}
		if sel.CountNumber < 1 {
			add(at+".selection.countNumber", "countNumber %d is not allowed; use an integer of 1 or more", sel.CountNumber)
		}

		// storageClass
		switch sel.StorageClass {
		case "", StorageClassStandard:
			if sel.CountType == CountTypeSinceImageTransitioned {
				add(at+".selection.storageClass", "countType sinceImageTransitioned needs storageClass \"archive\"; set it")
			}
		case StorageClassArchive:
			if sel.CountType != CountTypeSinceImageTransitioned {
				add(at+".selection.storageClass", "storageClass \"archive\" needs countType sinceImageTransitioned; change countType or remove storageClass")
			}
		default:
			add(at+".selection.storageClass", "storageClass %q is not valid; use standard (the default) or archive", sel.StorageClass)
		}

		// action
		switch act.Type {
		case ActionExpire:
			if act.TargetStorageClass != "" {
				add(at+".action.targetStorageClass", "targetStorageClass is only allowed with action type transition; remove it")
			}
		case ActionTransition:
			switch act.TargetStorageClass {
			case StorageClassArchive:
			case "":
				add(at+".action.targetStorageClass", "action type transition needs targetStorageClass \"archive\"; set it")
			default:
				add(at+".action.targetStorageClass", "targetStorageClass %q is not valid; use \"archive\"", act.TargetStorageClass)
			}
		default:
			add(at+".action.type", "action type %q is not valid; use expire or transition", act.Type)
		}

		// Count type and action pairs the ECR user guide rules out
		// (lifecycle_policy_examples, docs/validation-sources.md):
		// sinceImagePulled only archives, sinceImageTransitioned only expires,
		// and not before the archive class's 90-day minimum. sinceImagePushed
		// and imageCountMoreThan may do either.
		switch {
		case sel.CountType == CountTypeSinceImagePulled && act.Type == ActionExpire:
			add(at+".action.type", "countType sinceImagePulled is only valid with action type transition (ECR cannot expire by pull time); archive with it, then expire from the archive with a sinceImageTransitioned rule, or expire by sinceImagePushed")
		case sel.CountType == CountTypeSinceImageTransitioned && act.Type == ActionTransition:
			add(at+".action.type", "countType sinceImageTransitioned is only valid with action type expire; archived images cannot transition again")
		}
		if sel.CountType == CountTypeSinceImageTransitioned && sel.CountNumber >= 1 && sel.CountNumber < MinArchiveDays {
			add(at+".selection.countNumber", "countNumber %d is below the archive storage class's %d-day minimum; ECR rejects sinceImageTransitioned rules under %d days, use %d or more", sel.CountNumber, MinArchiveDays, MinArchiveDays, MinArchiveDays)
		}
	}
	return issues
}
