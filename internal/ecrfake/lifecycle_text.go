package ecrfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// lifecycleError is ECR's wording for a rejected lifecycle policy.
func lifecycleError(format string, args ...any) error {
	return invalidParam("Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: %s'", fmt.Sprintf(format, args...))
}

// decodeStrict decodes one JSON value with numbers kept as json.Number and
// refuses trailing data.
func decodeStrict(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func findNull(v any, path string) string {
	switch t := v.(type) {
	case nil:
		return path
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := findNull(t[k], path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, e := range t {
			if p := findNull(e, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func asInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

func asString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func stringList(v any) ([]string, bool) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// normalizeLifecycle validates a lifecycle policy the way ECR documents it and
// returns it re-serialised as ECR returns it: compact JSON, rules sorted by
// rulePriority, every field kept.
func normalizeLifecycle(text string) (string, error) {
	if n := utf8.RuneCountInString(text); n < 100 || n > 30720 {
		return "", invalidParam("Invalid parameter at 'lifecyclePolicyText' failed to satisfy constraint: 'Member must have length between 100 and 30720 inclusive'")
	}
	v, err := decodeStrict(text)
	if err != nil {
		return "", lifecycleError("invalid JSON: %v", err)
	}
	if p := findNull(v, "$"); p != "" {
		return "", lifecycleError("null value at %s is not allowed", p)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return "", lifecycleError("the policy must be a JSON object")
	}
	rawRules, ok := doc["rules"].([]any)
	if !ok || len(rawRules) == 0 {
		return "", lifecycleError("'rules' must be a non-empty array")
	}
	type ruleInfo struct {
		prio int64
		body map[string]any
	}
	rules := make([]ruleInfo, 0, len(rawRules))
	seenPrio := map[int64]bool{}
	prefixSets := map[string]int64{}
	untagged := map[string]int64{}
	anyPrio := map[int64]string{} // priority of each any rule -> its storage class
	maxPrio := map[string]int64{} // highest priority per storage class
	for i, rr := range rawRules {
		rule, ok := rr.(map[string]any)
		if !ok {
			return "", lifecycleError("rule %d must be an object", i)
		}
		prio, ok := asInt(rule["rulePriority"])
		if !ok || prio < 1 {
			return "", lifecycleError("rule %d: rulePriority must be an integer >= 1", i)
		}
		if seenPrio[prio] {
			return "", lifecycleError("rulePriority %d is used more than once", prio)
		}
		seenPrio[prio] = true
		if d, has := rule["description"]; has {
			if _, ok := asString(d); !ok {
				return "", lifecycleError("rule %d: description must be a string", prio)
			}
		}
		sel, ok := rule["selection"].(map[string]any)
		if !ok {
			return "", lifecycleError("rule %d: selection is required", prio)
		}
		act, ok := rule["action"].(map[string]any)
		if !ok {
			return "", lifecycleError("rule %d: action is required", prio)
		}
		status, _ := asString(sel["tagStatus"])
		_, hasPrefix := sel["tagPrefixList"]
		_, hasPattern := sel["tagPatternList"]
		switch status {
		case "tagged":
			if hasPrefix == hasPattern {
				return "", lifecycleError("rule %d: tagStatus tagged requires exactly one of tagPrefixList and tagPatternList", prio)
			}
		case "untagged", "any":
			if hasPrefix || hasPattern {
				return "", lifecycleError("rule %d: tagPrefixList and tagPatternList are only allowed with tagStatus tagged", prio)
			}
		default:
			return "", lifecycleError("rule %d: tagStatus must be one of tagged, untagged, any", prio)
		}
		storage := "standard"
		if sc, has := sel["storageClass"]; has {
			s, _ := asString(sc)
			if s != "standard" && s != "archive" {
				return "", lifecycleError("rule %d: storageClass must be standard or archive", prio)
			}
			storage = s
		}
		maxPrio[storage] = max(maxPrio[storage], prio)
		if hasPrefix {
			list, ok := stringList(sel["tagPrefixList"])
			if !ok {
				return "", lifecycleError("rule %d: tagPrefixList must be a non-empty list of non-empty strings", prio)
			}
			sorted := append([]string(nil), list...)
			sort.Strings(sorted)
			key := storage + "\x00" + strings.Join(sorted, "\x00")
			if other, dup := prefixSets[key]; dup {
				return "", lifecycleError("rules %d and %d have the same tagPrefixList", other, prio)
			}
			prefixSets[key] = prio
		}
		if hasPattern {
			list, ok := stringList(sel["tagPatternList"])
			if !ok {
				return "", lifecycleError("rule %d: tagPatternList must be a non-empty list of non-empty strings", prio)
			}
			for _, p := range list {
				if strings.Count(p, "*") > 4 {
					return "", lifecycleError("rule %d: tag pattern '%s' has more than 4 wildcards", prio, p)
				}
			}
		}
		if status == "untagged" {
			if other, dup := untagged[storage]; dup {
				return "", lifecycleError("rules %d and %d both select untagged images", other, prio)
			}
			untagged[storage] = prio
		}
		if status == "any" {
			anyPrio[prio] = storage
		}
		countType, _ := asString(sel["countType"])
		unit, hasUnit := sel["countUnit"]
		switch countType {
		case "imageCountMoreThan":
			if hasUnit {
				return "", lifecycleError("rule %d: countUnit is not allowed with imageCountMoreThan", prio)
			}
		case "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned":
			if u, _ := asString(unit); u != "days" {
				return "", lifecycleError("rule %d: countUnit days is required with %s", prio, countType)
			}
		default:
			return "", lifecycleError("rule %d: countType must be one of imageCountMoreThan, sinceImagePushed, sinceImagePulled, sinceImageTransitioned", prio)
		}
		if n, ok := asInt(sel["countNumber"]); !ok || n < 1 {
			return "", lifecycleError("rule %d: countNumber must be an integer >= 1", prio)
		}
		if (storage == "archive") != (countType == "sinceImageTransitioned") {
			return "", lifecycleError("rule %d: storageClass archive goes with countType sinceImageTransitioned and only with it", prio)
		}
		actType, _ := asString(act["type"])
		target, hasTarget := act["targetStorageClass"]
		switch actType {
		case "expire":
			if hasTarget {
				return "", lifecycleError("rule %d: targetStorageClass is only allowed with action transition", prio)
			}
		case "transition":
			if t, _ := asString(target); t != "archive" {
				return "", lifecycleError("rule %d: action transition requires targetStorageClass archive", prio)
			}
		default:
			return "", lifecycleError("rule %d: action type must be expire or transition", prio)
		}
		n, _ := asInt(sel["countNumber"])
		switch {
		case countType == "sinceImagePulled" && actType != "transition":
			return "", lifecycleError("rule %d: sinceImagePulled is only valid with action transition", prio)
		case countType == "sinceImageTransitioned" && (actType != "expire" || n < 90):
			return "", lifecycleError("rule %d: sinceImageTransitioned needs action expire and at least 90 days", prio)
		}
		rules = append(rules, ruleInfo{prio: prio, body: rule})
	}
	// An any rule is last among the rules of its storage class: AWS accepts
	// a standard any rule before an archive one (terraform-provider-aws
	// TestAccECRLifecyclePolicy_storageClass).
	for p, class := range anyPrio {
		if p != maxPrio[class] {
			return "", lifecycleError("rule %d: a rule with tagStatus any must have the highest rulePriority", p)
		}
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].prio < rules[j].prio })
	sortedRules := make([]any, len(rules))
	for i, r := range rules {
		sortedRules[i] = r.body
	}
	doc["rules"] = sortedRules

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return "", lifecycleError("%v", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
