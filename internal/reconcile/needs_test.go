package reconcile

import (
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

func TestNeedsFor(t *testing.T) {
	f := mustSpec(t, `version: 1
repositories:
- name: bare
- name: tagged
  tags: {Team: a}
- name: policies
  lifecyclePolicy: none
  repositoryPolicy: none
- name: gone
  state: absent
- name: same-key
  encryption: {type: AES256}
  tags: {Team: a}
- name: new-key
  encryption: {type: KMS}
`)
	want := map[string]ReadNeeds{
		"bare":     {},
		"tagged":   {Tags: true},
		"policies": {Lifecycle: true, Policy: true},
		"gone":     {ImageCount: true},
		"same-key": {Tags: true},
		// A replacement reads everything it carries over, and its images.
		"new-key": {ImageCount: true, Tags: true, Lifecycle: true, Policy: true},
	}
	for i := range f.Repositories {
		d := &f.Repositories[i]
		got := NeedsFor(d, liveRepo(d.Name, func(*ecrapi.Repository) {}))
		if got != want[d.Name] {
			t.Errorf("%s: NeedsFor = %+v, want %+v", d.Name, got, want[d.Name])
		}
	}
}
