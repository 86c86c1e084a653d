package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// CheckSaved decides whether a saved plan may be executed now. fresh is the
// plan computed just now from the same spec file. The saved plan must have
// been made for the same spec bytes, the same live state, region and
// registry, and must hold exactly the changes fresh holds: a plan file is
// data from disk, so an edited file (or one from another ecrctl version)
// must not be able to do anything the spec does not ask for. What a change
// requires is not compared: the caller executes fresh, whose requirements
// were decided just now (images may have arrived since the plan was saved).
func CheckSaved(saved, fresh *Plan) error {
	if saved.Fingerprint == nil || fresh.Fingerprint == nil {
		return errors.New("the saved plan has no fingerprint; save plans with `ecrctl plan --out FILE`")
	}
	switch {
	case saved.Fingerprint.SpecSHA256 != fresh.Fingerprint.SpecSHA256:
		return fmt.Errorf("plan is stale: %s changed since the plan was saved (or is not the spec the plan was made from); nothing was written. Run plan again", fresh.Fingerprint.SpecFile)
	case saved.Region != fresh.Region:
		return fmt.Errorf("plan is stale: it was made for region %s, but this run reaches %s; nothing was written. Use the plan's region or run plan again", saved.Region, fresh.Region)
	case saved.RegistryID != "" && saved.RegistryID != fresh.RegistryID:
		return fmt.Errorf("plan is stale: it was made for registry %s, but the credentials reach %s; nothing was written", saved.RegistryID, fresh.RegistryID)
	case saved.Fingerprint.LiveSHA256 != fresh.Fingerprint.LiveSHA256:
		return errors.New("plan is stale: live ECR changed since the plan was saved; nothing was written. Run plan again")
	}
	if len(saved.Changes) != len(fresh.Changes) {
		return notThisPlan(fmt.Sprintf("it holds %d resource changes, the spec gives %d", len(saved.Changes), len(fresh.Changes)))
	}
	for i := range saved.Changes {
		s, f := saved.Changes[i], fresh.Changes[i]
		switch {
		case s.Address != f.Address || s.Name != f.Name:
			return notThisPlan(fmt.Sprintf("change %d is %s, the spec gives %s", i, s.Address, f.Address))
		case !slices.Equal(s.Actions, f.Actions):
			return notThisPlan(fmt.Sprintf("%s: actions %v, the spec gives %v", s.Address, s.Actions, f.Actions))
		case !sameSteps(s.Steps, f.Steps):
			return notThisPlan(fmt.Sprintf("%s: its API calls differ from the ones the spec gives", s.Address))
		}
	}
	return nil
}

func notThisPlan(why string) error {
	return fmt.Errorf("refusing the saved plan: it does not match what this spec and live state produce (%s); it was edited or made by another ecrctl version. Nothing was written. Run plan again", why)
}

func sameSteps(a, b []Step) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
