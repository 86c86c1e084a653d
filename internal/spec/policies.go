package spec

import "github.com/ecrctl/ecrctl/internal/lifecycle"

// PoliciesInUse returns each lifecycle policy the present repositories and
// creation templates use, once: a named policy under its name, an inline
// one under "REPOSITORY (inline)" or "template PREFIX (inline)".
func (f *File) PoliciesInUse() map[string]*lifecycle.Policy {
	policies := map[string]*lifecycle.Policy{}
	use := func(absent bool, lc *LifecycleSetting, inline string) {
		if absent || lc == nil || lc.Policy == nil {
			return
		}
		name := lc.Name
		if name == "" {
			name = inline + " (inline)"
		}
		policies[name] = lc.Policy
	}
	for _, r := range f.Repositories {
		use(r.Absent, r.Lifecycle, r.Name)
	}
	if f.Registry != nil {
		for _, t := range f.Registry.CreationTemplates {
			use(t.Absent, t.Lifecycle, "template "+t.Prefix)
		}
	}
	return policies
}
