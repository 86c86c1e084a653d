package iampolicy

import (
	"reflect"
	"testing"
)

func TestAlignStatements(t *testing.T) {
	live := Document{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": "Ci", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:BatchGetImage"},
		map[string]any{"Sid": "Ops", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:*"},
	}}
	ci := map[string]any{"Sid": "Ci", "Effect": "Allow", "Principal": map[string]any{"AWS": []any{"123456789012"}}, "Action": []any{"ecr:BatchGetImage"}}
	ops := map[string]any{"Sid": "Ops", "Effect": "Allow", "Principal": map[string]any{"AWS": []any{"123456789012"}}, "Action": []any{"ecr:PutImage"}}
	want := Document{"Version": "2012-10-17", "Statement": []any{ci, live["Statement"].([]any)[1]}}
	got := AlignStatements(live, Document{"Version": "2012-10-17", "Statement": []any{ops, ci}})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AlignStatements =\n%v\nwant\n%v", got, want)
	}
	if _, ok := live["Statement"].([]any)[0].(map[string]any)["Principal"].(map[string]any)["AWS"].(string); !ok {
		t.Error("AlignStatements changed its input")
	}
	if got := AlignStatements(live, Document{"Version": "2012-10-17"}); !reflect.DeepEqual(got, live) {
		t.Errorf("without statements: %v", got)
	}
}
