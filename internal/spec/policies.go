package spec

import "github.com/ecrctl/ecrctl/internal/lifecycle"

// PoliciesInUse returns each lifecycle policy the present repositories
// use, once: a named policy under its name, an inline one under
// "REPOSITORY (inline)".
func (f *File) PoliciesInUse() map[string]*lifecycle.Policy {
	policies := map[string]*lifecycle.Policy{}
	for _, r := range f.Repositories {
		if r.Absent || r.Lifecycle == nil || r.Lifecycle.Policy == nil {
			continue
		}
		name := r.Lifecycle.Name
		if name == "" {
			name = r.Name + " (inline)"
		}
		policies[name] = r.Lifecycle.Policy
	}
	return policies
}
