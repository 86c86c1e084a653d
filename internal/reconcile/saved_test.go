package reconcile

import (
	"strings"
	"testing"
)

func TestCheckSaved(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  scanOnPush: true\n- name: bb\n  state: absent\n")
	live := func() *Live {
		return liveOf(liveRepo("aa", nil), liveRepo("bb", func(r *LiveRepository) { r.ImageCount = ptr(0) }), liveRepo("legacy", nil))
	}
	fresh := Diff(f, live(), DiffOptions{})
	if err := CheckSaved(Diff(f, live(), DiffOptions{}), fresh); err != nil {
		t.Fatalf("an identical plan is refused: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Plan)
		want string
	}{
		{"spec changed", func(p *Plan) { p.Fingerprint.SpecSHA256 = "x" }, "plan is stale: registry.yaml changed"},
		{"live changed", func(p *Plan) { p.Fingerprint.LiveSHA256 = "x" }, "plan is stale: live ECR changed"},
		{"other region", func(p *Plan) { p.Region = "eu-west-1" }, "made for region eu-west-1"},
		{"other registry", func(p *Plan) { p.RegistryID = "999999999999" }, "made for registry 999999999999"},
		{"a delete of an unmanaged repository added", func(p *Plan) {
			p.Changes = append(p.Changes, ResourceChange{Address: "repository.legacy", Name: "legacy", Actions: []Action{Delete}, Steps: []Step{{Operation: OpDeleteRepository, Force: true}}})
		}, "holds 3 resource changes, the spec gives 2"},
		{"steps edited", func(p *Plan) { p.Changes[0].Steps[0].Operation = OpDeleteRepository }, "repository.aa: its API calls differ"},
		{"delete turned into a no-op", func(p *Plan) { p.Changes[1].Actions = []Action{NoOp} }, "repository.bb: actions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := Diff(f, live(), DiffOptions{})
			tt.edit(saved)
			err := CheckSaved(saved, fresh)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
