package iampolicy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

// Equivalent reports whether two policies mean the same to IAM, so that a
// policy read back from ECR compares equal to the one ecrctl set.
//
// It canonicalises both documents and then compares them with
// awspolicyequivalence.PoliciesAreEquivalent. Together they ignore key order
// and whitespace, a single string vs a one-element list, the order of
// statements and of principal, action, resource and condition-value lists,
// duplicates in those lists, the case of Effect, a bare account id
// "123456789012" vs "arn:<partition>:iam::123456789012:root" as an AWS
// principal, "Principal": "*" vs {"AWS": "*"}, and the case of action names
// (IAM matches them case-insensitively, so ECR holding ecr:batchgetimage is
// no drift from a spec's ecr:BatchGetImage). Sid, Id and Version are compared
// exactly; so are condition operator and key names.
//
// The comparison only decides "changed or not": what ecrctl sends is always
// the desired document as written, with its own spelling of actions.
//
// A nil Document means "no policy": two nils are equivalent, nil and a
// non-nil document are not. It returns an error only when a side cannot be
// read as a policy (for example a Statement that is neither an object nor a
// list of objects).
func Equivalent(a, b Document) (eq bool, err error) {
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	ca, err := canonical(a)
	if err != nil {
		return false, fmt.Errorf("first policy: %w", err)
	}
	cb, err := canonical(b)
	if err != nil {
		return false, fmt.Errorf("second policy: %w", err)
	}
	ta, err := ca.encode()
	if err != nil {
		return false, fmt.Errorf("first policy: %w", err)
	}
	tb, err := cb.encode()
	if err != nil {
		return false, fmt.Errorf("second policy: %w", err)
	}
	defer func() {
		// The library assumes well-formed input; never let it crash a plan.
		if r := recover(); r != nil {
			eq, err = false, fmt.Errorf("comparing policies: %v", r)
		}
	}()
	return awspolicy.PoliciesAreEquivalent(ta, tb)
}

var rootARNRe = regexp.MustCompile(`^arn:[a-z0-9-]+:iam::([0-9]{12}):root$`)

// canonical returns a copy of d with the differences IAM ignores (and real
// ECR introduces) removed where awspolicyequivalence v1.7.0 would not:
//   - AWS principals "arn:<partition>:iam::ID:root" become the bare "ID"
//     (the library matches ID against the root ARN one-to-one, but a list
//     holding both forms of one account would then differ in length);
//   - string lists in Principal values, Action, NotAction, Resource and
//     NotResource are de-duplicated and sorted (the library compares lengths);
//   - "Principal": "*" becomes {"AWS": "*"} (IAM treats them alike; the
//     library does not);
//   - Action and NotAction entries are lower-cased (IAM action names are
//     case-insensitive; the library compares them as text).
func canonical(d Document) (Document, error) {
	c, err := d.clone()
	if err != nil {
		return nil, err
	}
	raw, present := c["Statement"]
	if !present || raw == nil {
		return c, nil
	}
	list, ok := statementList(c)
	if !ok {
		return nil, fmt.Errorf("the Statement field must be an object or a list of objects, got %s", describe(raw))
	}
	for i, el := range list {
		st, ok := el.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("the Statement field: element %d must be an object, got %s", i, describe(el))
		}
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if v, ok := st[k]; ok {
				st[k] = canonicalPrincipal(v)
			}
		}
		for _, k := range []string{"Action", "NotAction"} {
			if v, ok := st[k]; ok {
				st[k] = canonicalList(v, strings.ToLower)
			}
		}
		for _, k := range []string{"Resource", "NotResource"} {
			if v, ok := st[k]; ok {
				st[k] = canonicalList(v, nil)
			}
		}
	}
	return c, nil
}

func canonicalPrincipal(v any) any {
	switch p := v.(type) {
	case string:
		if p == "*" {
			return map[string]any{"AWS": "*"}
		}
		return p
	case map[string]any:
		out := make(map[string]any, len(p))
		for k, val := range p {
			if k == "AWS" {
				out[k] = canonicalList(val, rootToAccountID)
			} else {
				out[k] = canonicalList(val, nil)
			}
		}
		return out
	}
	return v
}

func rootToAccountID(s string) string {
	if m := rootARNRe.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// canonicalList maps a string or a list of strings through mapFn (if given)
// and returns a sorted, de-duplicated list. Other values are returned as is.
func canonicalList(v any, mapFn func(string) string) any {
	var ss []string
	switch x := v.(type) {
	case string:
		ss = []string{x}
	case []any:
		for _, el := range x {
			s, ok := el.(string)
			if !ok {
				return v
			}
			ss = append(ss, s)
		}
	default:
		return v
	}
	if mapFn != nil {
		for i := range ss {
			ss[i] = mapFn(ss[i])
		}
	}
	sort.Strings(ss)
	return toAnys(uniqueSorted(ss))
}
