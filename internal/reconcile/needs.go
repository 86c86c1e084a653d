package reconcile

import (
	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// ReadNeeds is what Diff needs read about one existing repository, beyond
// what listing the registry returns. Each field costs calls.
type ReadNeeds struct {
	ImageCount bool // a delete or replacement names the images it destroys
	Tags       bool
	Lifecycle  bool
	Policy     bool
}

// NeedsFor decides, with the comparisons Diff itself makes, what must be
// read for d given the listed repository lr: only what the spec manages,
// and everything on a replacement (it carries unmanaged settings over).
// Pure, like Diff.
func NeedsFor(d *spec.Repository, lr *ecrapi.Repository) ReadNeeds {
	if d.Absent {
		return ReadNeeds{ImageCount: true}
	}
	replacing := d.Encryption != nil && !encryptionMatches(d.Encryption, lr)
	return ReadNeeds{
		ImageCount: replacing,
		Tags:       d.Tags != nil || replacing,
		Lifecycle:  d.Lifecycle != nil || replacing,
		Policy:     d.Policy != nil || replacing,
	}
}

// needsImages decides, once the first read is done, whether Diff will
// estimate the lifecycle impact on d and so needs its images: an update
// (not a replacement, whose images go with the old repository) that changes
// the lifecycle policy, compared as Diff compares it.
func (df *differ) needsImages(d *spec.Repository, lr *ecrapi.Repository) bool {
	if d.Absent || d.Lifecycle == nil || d.Lifecycle.Policy == nil {
		return false
	}
	if d.Encryption != nil && !encryptionMatches(d.Encryption, lr) {
		return false
	}
	return df.lifecycleChanged(d.Lifecycle, lr.Lifecycle)
}
