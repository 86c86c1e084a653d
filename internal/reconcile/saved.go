package reconcile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/ecrctl/ecrctl/internal/format"
)

// MaxPlanFileSize bounds what apply reads from a saved plan, so a wrong or
// hostile file cannot exhaust memory (decoding takes about three times the
// file's size). A plan is far larger than its spec: creating one repository
// with the seed's lifecycle and repository policies takes about 8.5 KB of
// plan JSON, so 256 MiB holds a first apply of about 30,000 repositories.
const MaxPlanFileSize = 256 << 20

// ReadPlanFile reads a saved plan, refusing files over MaxPlanFileSize
// before reading them (and, for pipes that report no size, after reading at
// most one byte more than the limit).
func ReadPlanFile(path string) (*Plan, error) { return readPlanFile(path, MaxPlanFileSize) }

// WritePlanFile saves p to path for `ecrctl apply PATH`. The copy names its
// spec relative to the plan file, so it can be applied from any directory,
// or from another checkout in CI; p itself is not changed.
func WritePlanFile(path string, p *Plan) error {
	saved := *p
	fp := *p.Fingerprint
	fp.SpecFile = specRelativeTo(fp.SpecFile, path)
	saved.Fingerprint = &fp
	var buf bytes.Buffer
	if err := RenderJSON(&buf, &saved); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return nil
}

// SpecPath is the spec a plan saved at planFile was made from: its recorded
// path taken relative to the plan file's directory; "" when none is recorded.
func (p *Plan) SpecPath(planFile string) string {
	if p.Fingerprint == nil || p.Fingerprint.SpecFile == "" {
		return ""
	}
	spec := filepath.FromSlash(p.Fingerprint.SpecFile)
	if filepath.IsAbs(spec) {
		return spec
	}
	return filepath.Join(filepath.Dir(planFile), spec)
}

// specRelativeTo returns the spec's path relative to the plan file's
// directory, or the path unchanged when no relative path exists.
func specRelativeTo(specPath, planPath string) string {
	absSpec, err1 := filepath.Abs(specPath)
	absPlanDir, err2 := filepath.Abs(filepath.Dir(planPath))
	if err1 != nil || err2 != nil {
		return specPath
	}
	rel, err := filepath.Rel(absPlanDir, absSpec)
	if err != nil {
		return specPath
	}
	return filepath.ToSlash(rel)
}

func readPlanFile(path string, limit int64) (*Plan, error) {
	tooBig := func(size string) error {
		return fmt.Errorf("the saved plan %s is %s, over the %d MiB limit for a plan file; it is not a plan saved by `ecrctl plan --out FILE`", path, size, limit>>20)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the saved plan: %w", err)
	}
	defer fh.Close() //nolint:errcheck // read-only file
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		return nil, tooBig(fmt.Sprintf("%d bytes", st.Size()))
	}
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the saved plan %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooBig("larger than that")
	}
	p, err := ReadPlanJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading the saved plan %s: %w; save one with `ecrctl plan --out FILE`", path, err)
	}
	if p.Fingerprint == nil && len(p.Registries) == 0 {
		return nil, fmt.Errorf("%s has no fingerprint, so ecrctl cannot tell whether it is stale; save the plan with `ecrctl plan --out FILE`", path)
	}
	return p, nil
}

// CheckSaved decides whether a saved plan may be executed now. fresh is the
// plan computed just now from the same spec file. The saved plan must have
// been made for the same spec bytes, the same live state, region and
// registry, and must hold exactly the changes fresh holds: a plan file is
// data from disk, so an edited file (or one from another ecrctl version)
// must not be able to do anything the spec does not ask for. What a change
// requires is not compared: the caller executes fresh, whose requirements
// were decided just now (images may have arrived since the plan was saved).
func CheckSaved(saved, fresh *Plan) error {
	if n := len(saved.Registries); n > 0 {
		return fmt.Errorf("plan is stale: it was made for %d registries, and the spec files now give one; nothing was written. Run plan again", n)
	}
	if saved.Fingerprint == nil || fresh.Fingerprint == nil {
		return errors.New("the saved plan has no fingerprint; save plans with `ecrctl plan --out FILE`")
	}
	switch {
	case saved.Fingerprint.SpecSHA256 != fresh.Fingerprint.SpecSHA256:
		return fmt.Errorf("plan is stale: %s changed since the plan was saved (or is not the spec the plan was made from); nothing was written. Run plan again", fresh.Fingerprint.SpecFile)
	case saved.Region != fresh.Region:
		return fmt.Errorf("plan is stale: it was made for region %s, but this run reaches %s; nothing was written. Use the plan's region or run plan again", saved.Region, fresh.Region)
	}
	if err := checkAccount(saved.RegistryID, fresh.RegistryID); err != nil {
		return err
	}
	if err := checkImages(saved, fresh); err != nil {
		return err
	}
	if saved.Fingerprint.LiveSHA256 != fresh.Fingerprint.LiveSHA256 {
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

// checkAccount refuses a plan for another account, and a plan that does
// not say which account it is for: applied elsewhere, its creates and
// deletes would land in a registry nobody reviewed.
func checkAccount(saved, fresh string) error {
	switch {
	case saved == "":
		return errors.New("refusing the saved plan: it does not record the AWS account it was made for (made by an older ecrctl, or ecr:DescribeRegistry was denied), so it could apply to any account; nothing was written. Run `ecrctl plan --out FILE` again with this ecrctl and ecr:DescribeRegistry allowed")
	case fresh == "":
		return fmt.Errorf("refusing the saved plan: it was made for account %s, and ecrctl cannot tell which account these credentials reach (the registry holds no repositories and ecr:DescribeRegistry was denied); nothing was written. Allow ecr:DescribeRegistry", saved)
	case saved != fresh:
		return fmt.Errorf("refusing the saved plan: it was made for account %s, but these credentials reach account %s; nothing was written. Use credentials for account %s, or run plan again against this account", saved, fresh, saved)
	}
	return nil
}

// checkImages refuses a plan whose deletes, replacements or reviewed
// lifecycle estimates were made on other images than the repository holds
// now: what apply destroys must be what the plan showed. It names the
// repository, which the live fingerprint alone cannot.
func checkImages(saved, fresh *Plan) error {
	now := make(map[string]*ResourceChange, len(fresh.Changes))
	for i := range fresh.Changes {
		now[fresh.Changes[i].Address] = &fresh.Changes[i]
	}
	for _, s := range saved.Changes {
		f := now[s.Address]
		if f == nil {
			continue // the change-by-change comparison reports it
		}
		// Registry settings hold no images: their deletes destroy none.
		if (s.Is(Delete) || s.IsReplace()) && s.Type == TypeRepository {
			switch {
			case s.ImagesSHA256 == "":
				return notThisPlan(fmt.Sprintf("%s: it does not record which images the %s destroys", s.Address, destroyVerb(s)))
			case (f.Is(Delete) || f.IsReplace()) && f.ImagesSHA256 != s.ImagesSHA256:
				return fmt.Errorf("refusing the saved plan: repository %q holds other images than the plan showed (%s then, %s now; images were pushed or deleted since), so the %s would destroy images nobody reviewed; nothing was written. Run plan again and review it",
					s.Name, format.Count(deref(s.ImageCount), "image", "images"), format.Count(deref(f.ImageCount), "image", "images"), destroyVerb(s))
			}
		}
		if si, fi := s.LifecycleImpact, f.LifecycleImpact; si != nil && fi != nil && si.ImagesSHA256 != fi.ImagesSHA256 {
			if si.ImagesSHA256 == "" {
				return notThisPlan(fmt.Sprintf("%s: its lifecycle impact does not record which images it was estimated on", s.Address))
			}
			return fmt.Errorf("refusing the saved plan: repository %q holds other images than the lifecycle impact in the plan was estimated on (%s then, %s now; images were pushed or deleted since), so the new lifecycle policy may expire images nobody reviewed; nothing was written. Run plan again and review its impact",
				s.Name, format.Count(si.Images, "image", "images"), format.Count(fi.Images, "image", "images"))
		}
	}
	return nil
}

func destroyVerb(c ResourceChange) string {
	if c.IsReplace() {
		return "replacement"
	}
	return "delete"
}

func deref(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

func notThisPlan(why string) error {
	return fmt.Errorf("refusing the saved plan: it does not match what this spec and live state produce (%s); it was edited or made by another ecrctl version. Nothing was written. Run plan again", why)
}

func sameSteps(a, b []Step) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
