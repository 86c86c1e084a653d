package reconcile

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

func TestCheckSaved(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  scanOnPush: true\n- name: bb\n  state: absent\n")
	live := func() *Live {
		return liveOf(liveRepo("aa", nil), liveRepo("bb", func(r *ecrapi.Repository) {
			r.ImageCount, r.ImagesSHA256 = ptr(2), ecrapi.ImagesFingerprint([]string{"sha256:keep1", "sha256:keep2"})
		}), liveRepo("legacy", nil))
	}
	fresh := Diff(f, live(), DiffOptions{AllowDeleteImages: true})
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
		{"other account", func(p *Plan) { p.RegistryID = "999999999999" }, "made for account 999999999999, but these credentials reach account 123456789012"},
		{"no account recorded", func(p *Plan) { p.RegistryID = "" }, "does not record the AWS account it was made for"},
		{"other images behind the delete", func(p *Plan) {
			p.Changes[1].ImagesSHA256 = ecrapi.ImagesFingerprint([]string{"sha256:keep2", "sha256:new-important"})
		}, `repository "bb" holds other images than the plan showed (2 images then, 2 images now`},
		{"a delete that does not record its images", func(p *Plan) { p.Changes[1].ImagesSHA256 = "" }, "repository.bb: it does not record which images the delete destroys"},
		{"a delete of an unmanaged repository added", func(p *Plan) {
			p.Changes = append(p.Changes, ResourceChange{Address: "repository.legacy", Name: "legacy", Actions: []Action{Delete}, ImagesSHA256: "x", Steps: []Step{{Operation: OpDeleteRepository, Force: true}}})
		}, "holds 3 resource changes, the spec gives 2"},
		{"steps edited", func(p *Plan) { p.Changes[0].Steps[0].Operation = OpDeleteRepository }, "repository.aa: its API calls differ"},
		{"expected images edited", func(p *Plan) { p.Changes[1].Steps[0].ExpectedImagesSHA256 = "x" }, "repository.bb: its API calls differ"},
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
	t.Run("the repository to delete is gone", func(t *testing.T) {
		l := live()
		delete(l.Repos, "bb")
		err := CheckSaved(Diff(f, live(), DiffOptions{}), Diff(f, l, DiffOptions{}))
		if err == nil || !strings.Contains(err.Error(), "plan is stale: live ECR changed") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("credentials whose account is unknown", func(t *testing.T) {
		unknown := Diff(f, live(), DiffOptions{})
		unknown.RegistryID = ""
		err := CheckSaved(Diff(f, live(), DiffOptions{}), unknown)
		if err == nil || !strings.Contains(err.Error(), "cannot tell which account these credentials reach") {
			t.Fatalf("err = %v", err)
		}
	})
}

// A saved plan over the limit is refused before it is read: a 300 MB file
// used to be read whole (over 800 MB of memory) before failing to decode.
func TestReadPlanFileRefusesOversizedFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 300 MB on paper, nothing on disk.
	if err := fh.Truncate(300 << 20); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ReadPlanFile(big)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), big) || !strings.Contains(err.Error(), "314572800 bytes, over the 256 MiB limit") {
		t.Fatalf("err = %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("refusing the file allocated %d bytes; it must not be read", grew)
	}
}

func TestReadPlanFileRoundTrip(t *testing.T) {
	f := mustSpec(t, "version: 1\nrepositories:\n- name: aa\n  scanOnPush: true\n")
	p := Diff(f, liveOf(), DiffOptions{})
	var buf bytes.Buffer
	if err := RenderJSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSaved(got, p); err != nil {
		t.Fatalf("a plan read back is not the plan written: %v", err)
	}
}

// A saved plan names its spec relative to itself, and SpecPath finds the
// spec again from the plan file's place; the plan in memory is unchanged.
func TestPlanFileNamesItsSpecRelativeToItself(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "registry.yaml")
	planPath := filepath.Join(dir, "ci", "plan.json")
	if err := os.MkdirAll(filepath.Dir(planPath), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &Plan{FormatVersion: FormatVersion, RegistryID: "123456789012", Fingerprint: &Fingerprint{SpecFile: specPath, SpecSHA256: "a", LiveSHA256: "b"}}
	if err := WritePlanFile(planPath, p); err != nil {
		t.Fatal(err)
	}
	if p.Fingerprint.SpecFile != specPath {
		t.Errorf("WritePlanFile changed the plan in memory: %q", p.Fingerprint.SpecFile)
	}
	saved, err := ReadPlanFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Fingerprint.SpecFile != "../registry.yaml" {
		t.Errorf("saved spec path = %q, want ../registry.yaml", saved.Fingerprint.SpecFile)
	}
	if got := filepath.Clean(saved.SpecPath(planPath)); got != specPath {
		t.Errorf("SpecPath = %q, want %q", got, specPath)
	}
	if got := (&Plan{}).SpecPath(planPath); got != "" {
		t.Errorf("SpecPath without a fingerprint = %q", got)
	}
}
