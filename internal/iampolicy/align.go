package iampolicy

import (
	"maps"
	"reflect"
)

// AlignStatements returns before with each statement that means the same
// to IAM as a statement of after (a string or a one-element list, an
// account id or its root ARN, list order, ...) replaced by that statement's
// text. A line diff of the result against after then shows only the
// statements that really differ, not every statement whose form ECR
// rewrote. Neither document is changed; when either has no statement list,
// before is returned as it is.
func AlignStatements(before, after Document) Document {
	bl, ok := statementList(before)
	if !ok {
		return before
	}
	al, ok := statementList(after)
	if !ok {
		return before
	}
	used := make([]bool, len(al))
	out := make([]any, len(bl))
	changed := false
	for i, st := range bl {
		out[i] = st
		// An identical statement first, so an equivalent one does not take
		// the place of a statement that is there word for word.
		if j := matchStatement(st, al, used, reflect.DeepEqual); j >= 0 {
			used[j] = true
			continue
		}
		if j := matchStatement(st, al, used, sameStatement); j >= 0 {
			used[j], out[i], changed = true, al[j], true
		}
	}
	if !changed {
		return before
	}
	res := maps.Clone(before)
	res["Statement"] = out
	return res
}

func matchStatement(st any, in []any, used []bool, same func(a, b any) bool) int {
	for j, c := range in {
		if !used[j] && same(st, c) {
			return j
		}
	}
	return -1
}

// sameStatement compares two statements by IAM meaning, each as the only
// statement of a policy.
func sameStatement(a, b any) bool {
	const v = "2012-10-17"
	eq, err := Equivalent(Document{"Version": v, "Statement": []any{a}}, Document{"Version": v, "Statement": []any{b}})
	return err == nil && eq
}
