package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/reconcile"
)

// registriesHarness runs ecrctl against one fake registry per account and
// region: a client's account is its role's (else defaultAccount), its region
// the one it was built for, as with sts:AssumeRole against real AWS.
type registriesHarness struct {
	t      *testing.T
	dir    string
	mu     sync.Mutex
	fakes  map[string]*ecrfake.Fake // "ACCOUNT/REGION"
	refuse map[string]error         // role ARN -> why it cannot be assumed
	opts   []ecrapi.ClientOptions   // every client asked for, in order
}

const defaultAccount = "123456789012"

var roleAccount = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role/`)

func newRegistriesHarness(t *testing.T, files map[string]string) *registriesHarness {
	t.Helper()
	isolateTempDir(t)
	h := &registriesHarness{t: t, dir: t.TempDir(), fakes: map[string]*ecrfake.Fake{}, refuse: map[string]error{}}
	for name, content := range files {
		path := filepath.Join(h.dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// fake is the registry of account in region, created empty on first use.
func (h *registriesHarness) fake(account, region string) *ecrfake.Fake {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := account + "/" + region
	if h.fakes[key] == nil {
		h.fakes[key] = ecrfake.New(ecrfake.WithAccount(account), ecrfake.WithRegion(region))
	}
	return h.fakes[key]
}

func (h *registriesHarness) run(args ...string) (int, string, string) {
	h.t.Helper()
	io, out, errOut := testIO("", false)
	f := &factory{IO: io, ProgressDelay: statusProgressDelay, NewECR: func(_ context.Context, o ecrapi.ClientOptions) (ecrapi.API, string, error) {
		h.mu.Lock()
		h.opts = append(h.opts, o)
		h.mu.Unlock()
		region, account := o.Region, defaultAccount
		if region == "" {
			region = "us-west-2"
		}
		if o.AssumeRole != nil {
			if err := h.refuse[o.AssumeRole.RoleARN]; err != nil {
				return nil, "", err
			}
			account = roleAccount.FindStringSubmatch(o.AssumeRole.RoleARN)[1]
		}
		return h.fake(account, region), region, nil
	}}
	h.t.Chdir(h.dir)
	code := run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// Two teams' files for one registry (a directory) and a file for another
// account: one run plans both registries, applies both, and converges.
var manyFiles = map[string]string{
	"teams/web.yaml": "version: 1\nregion: eu-west-1\nrepositories:\n  - name: web\n    scanOnPush: true\n",
	"teams/api.yaml": "version: 1\nregion: eu-west-1\nrepositories:\n  - name: api\n",
	"shared.yaml":    "version: 1\nregion: us-west-2\nassumeRole: arn:aws:iam::111111111111:role/ecrctl\nrepositories:\n  - name: base\n  - name: api\n",
}

func TestPlanAndApplyManyRegistries(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	code, out, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--detailed-exitcode")
	if code != exitChanges {
		t.Fatalf("plan = %d, want 2 (changes in some registry); stderr:\n%s", code, errOut)
	}
	for _, want := range []string{
		"=== Registry account 111111111111 in us-west-2 as arn:aws:iam::111111111111:role/ecrctl (shared.yaml)",
		"=== Registry account 123456789012 in eu-west-1 (teams/api.yaml, teams/web.yaml)",
		"Plan: 4 to add, 0 to change, 0 to destroy, in 2 registries.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, `# repository.api will be created`) != 2 {
		t.Errorf("want api created in both registries:\n%s", out)
	}

	code, js, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "-o", "json")
	var p reconcile.Plan
	if err := json.Unmarshal([]byte(js), &p); code != exitOK || err != nil {
		t.Fatalf("plan -o json = %d, %v; stderr:\n%s", code, err, errOut)
	}
	if len(p.Registries) != 2 || p.Registries[0].Registry != "111111111111/us-west-2" || p.Registries[0].Role == "" {
		t.Errorf("registries = %+v", p.Registries)
	}
	if a := p.Changes[0].Address; a != `registry["111111111111/us-west-2"].repository.api` {
		t.Errorf("first address %s", a)
	}

	code, _, errOut = h.run("apply", "-f", "teams", "-f", "shared.yaml", "--auto-approve")
	if code != exitOK {
		t.Fatalf("apply = %d; stderr:\n%s", code, errOut)
	}
	for key, names := range map[string][]string{"111111111111/us-west-2": {"api", "base"}, "123456789012/eu-west-1": {"api", "web"}} {
		got := h.fakes[key].RepositoryNames()
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Errorf("%s holds %v, want %v", key, got, names)
		}
	}
	if code, out, _ := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--detailed-exitcode"); code != exitOK {
		t.Errorf("second plan = %d, want 0 (converged):\n%s", code, out)
	}
}

// A registry whose role cannot be assumed is reported with the reason; the
// other is planned and applied; the run exits 1, --detailed-exitcode or
// not.
func TestManyRegistriesFailureIsolation(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	h.refuse["arn:aws:iam::111111111111:role/ecrctl"] = errors.New("assuming role arn:aws:iam::111111111111:role/ecrctl: AccessDenied: not trusted")
	code, out, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--detailed-exitcode")
	if code != exitError {
		t.Fatalf("plan = %d, want 1", code)
	}
	if !strings.Contains(out, "Error: assuming role arn:aws:iam::111111111111:role/ecrctl: AccessDenied") || !strings.Contains(out, "# repository.web will be created") {
		t.Errorf("plan does not show the failure and the other registry's changes:\n%s", out)
	}
	if !strings.Contains(errOut, "1 of 2 registries could not be planned") || !strings.Contains(errOut, "(shared.yaml)") {
		t.Errorf("stderr does not name the failed registry:\n%s", errOut)
	}
	code, _, errOut = h.run("apply", "-f", "teams", "-f", "shared.yaml", "--auto-approve")
	if code != exitError {
		t.Fatalf("apply = %d, want 1; stderr:\n%s", code, errOut)
	}
	if got := h.fakes["123456789012/eu-west-1"].RepositoryNames(); len(got) != 2 {
		t.Errorf("the reachable registry holds %v, want api and web applied", got)
	}
}

// A saved plan over two registries applies as saved; when live state moved
// in one registry, apply refuses it naming that registry and writes
// nothing anywhere.
func TestSavedPlanManyRegistries(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	if code, _, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(h.dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var saved reconcile.Plan
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	if strings.Join(saved.SpecPaths, ",") != "teams,shared.yaml" || len(saved.Registries) != 2 || saved.Registries[1].Fingerprint == nil {
		t.Fatalf("saved plan records spec paths %v and registries %+v", saved.SpecPaths, saved.Registries)
	}

	other := h.fake(defaultAccount, "eu-west-1")
	if _, err := other.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	other.ResetCalls()
	code, _, errOut := h.run("apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "123456789012/eu-west-1 (teams/api.yaml, teams/web.yaml): plan is stale") || strings.Contains(errOut, "111111111111/us-west-2 (") {
		t.Fatalf("apply of a plan stale in one registry = %d, want 1 naming that registry only; stderr:\n%s", code, errOut)
	}
	for key, f := range h.fakes {
		if f.Writes() != 0 {
			t.Errorf("%s: %d writes after a refused plan", key, f.Writes())
		}
	}

	// Planned again, the saved plan applies without a prompt.
	if code, _, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	if code, _, errOut := h.run("apply", "plan.json"); code != exitOK {
		t.Fatalf("apply plan.json = %d; stderr:\n%s", code, errOut)
	}
	if got := h.fakes["111111111111/us-west-2"].RepositoryNames(); len(got) != 2 {
		t.Errorf("the role's registry holds %v after the saved plan", got)
	}
}

// Verbs that work on one registry say so when the spec files give several
// (status, outputs and login go over every registry: registries_test.go).
func TestOneRegistryVerbsRefuseSeveral(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	for _, verb := range [][]string{{"lifecycle", "explain", "api"}} {
		code, _, errOut := h.run(append(verb, "-f", "teams", "-f", "shared.yaml")...)
		if code != exitError || !strings.Contains(errOut, strings.Join(verb[:2], " ")+" works on one registry, and the spec files give 2") {
			t.Errorf("%s = %d, stderr %q", verb, code, errOut)
		}
	}
	if len(h.fakes) != 0 {
		t.Errorf("a refused verb built clients: %v", h.fakes)
	}
}

// validate checks every file of the set and merges those for one registry.
func TestValidateManyFiles(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	code, out, errOut := h.run("validate", "-f", "teams", "-f", "shared.yaml")
	if code != exitOK || !strings.Contains(out, "teams, shared.yaml are valid: 2 registries, 4 repositories.") {
		t.Fatalf("validate = %d, %q; stderr:\n%s", code, out, errOut)
	}
	dup := newRegistriesHarness(t, map[string]string{
		"a.yaml": "version: 1\nrepositories:\n  - name: app\n",
		"b.yaml": "version: 1\nrepositories:\n  - name: app\n",
	})
	code, _, errOut = dup.run("validate", "-f", "a.yaml", "-f", "b.yaml")
	if code != exitError || !strings.Contains(errOut, "a.yaml:3") || !strings.Contains(errOut, "b.yaml:3") {
		t.Errorf("two files claiming one repository = %d; stderr:\n%s", code, errOut)
	}
}

// One registry from a directory of two files: the plan is a single
// registry's, and its saved file records the directory, which apply loads
// again (a file added there since makes the plan stale).
func TestSavedPlanOneRegistryFromDirectory(t *testing.T) {
	h := newRegistriesHarness(t, map[string]string{
		"teams/web.yaml": manyFiles["teams/web.yaml"],
		"teams/api.yaml": manyFiles["teams/api.yaml"],
	})
	if code, _, errOut := h.run("plan", "-f", "teams", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(h.dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var saved reconcile.Plan
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	if len(saved.Registries) != 0 || saved.Region != "eu-west-1" || strings.Join(saved.SpecPaths, ",") != "teams" {
		t.Fatalf("saved: region %q, registries %d, spec paths %v; want a single-registry plan recording teams", saved.Region, len(saved.Registries), saved.SpecPaths)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "teams", "late.yaml"), []byte("version: 1\nregion: eu-west-1\nrepositories:\n  - name: late\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := h.run("apply", "plan.json"); code != exitError || !strings.Contains(errOut, "plan is stale") {
		t.Fatalf("apply after a file joined the directory = %d, want stale; stderr:\n%s", code, errOut)
	}
	if err := os.Remove(filepath.Join(h.dir, "teams", "late.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := h.run("apply", "plan.json"); code != exitOK {
		t.Fatalf("apply plan.json = %d; stderr:\n%s", code, errOut)
	}
	if got := h.fakes["123456789012/eu-west-1"].RepositoryNames(); len(got) != 2 {
		t.Errorf("registry holds %v after the saved plan, want api and web", got)
	}
}

// A saved plan whose directory was named by absolute path applies: apply
// loads the spec paths relative to the plan file, and a registry merged
// from two files is not stale for that.
func TestSavedPlanFromAbsoluteDirectory(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	teams := filepath.Join(h.dir, "teams")
	if code, _, errOut := h.run("plan", "-f", teams, "-f", "shared.yaml", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	if code, _, errOut := h.run("apply", "plan.json"); code != exitOK {
		t.Fatalf("apply plan.json = %d, want 0: nothing changed since the plan; stderr:\n%s", code, errOut)
	}
	if got := h.fakes[defaultAccount+"/eu-west-1"].RepositoryNames(); len(got) != 2 {
		t.Errorf("the merged registry holds %v after the saved plan, want api and web", got)
	}
}

// A saved plan whose registry cannot be reached at apply time: that
// registry is reported and the others are applied as saved (exit 1);
// nothing is written where the plan could not be checked.
func TestSavedPlanOneRegistryFailsAtApply(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	if code, _, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	h.refuse["arn:aws:iam::111111111111:role/ecrctl"] = errors.New("assuming role: AccessDenied")
	code, _, errOut := h.run("apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "1 of 2 registries could not be planned") {
		t.Fatalf("apply = %d, want 1 naming the unreachable registry; stderr:\n%s", code, errOut)
	}
	if got := h.fakes[defaultAccount+"/eu-west-1"].RepositoryNames(); len(got) != 2 {
		t.Errorf("the reachable registry holds %v, want api and web applied as saved", got)
	}
	if f := h.fakes["111111111111/us-west-2"]; f != nil && f.Writes() != 0 {
		t.Errorf("%d writes in the registry that could not be reached", f.Writes())
	}
}

// The -f paths may be written otherwise at apply than at plan (absolute
// here): a registry that fails then is said to have failed, with its error,
// not to be "not reached by this run".
func TestSavedPlanRegistryFailsWithOtherPaths(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	if code, _, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	h.refuse["arn:aws:iam::111111111111:role/ecrctl"] = errors.New("assuming role: AccessDenied")
	code, _, errOut := h.run("apply", "-f", filepath.Join(h.dir, "teams"), "-f", filepath.Join(h.dir, "shared.yaml"), "plan.json")
	if code != exitError || strings.Contains(errOut, "not reached by this run") ||
		!strings.Contains(errOut, "registry 111111111111/us-west-2 (shared.yaml) failed in this run") || !strings.Contains(errOut, "assuming role: AccessDenied") {
		t.Errorf("apply = %d, want the registry's failure named; stderr:\n%s", code, errOut)
	}
}

// A saved plan over three registries is refused, naming the registry,
// when a -f path is dropped or a file leaves a merged registry.
func TestSavedPlanRegistryRemoved(t *testing.T) {
	files := map[string]string{"dr.yaml": "version: 1\nregion: ap-south-1\nrepositories:\n  - name: dr\n"}
	for k, v := range manyFiles {
		files[k] = v
	}
	h := newRegistriesHarness(t, files)
	if code, _, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml", "-f", "dr.yaml", "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan --out = %d; stderr:\n%s", code, errOut)
	}
	code, _, errOut := h.run("apply", "-f", "teams", "-f", "shared.yaml", "plan.json")
	if code != exitError || !strings.Contains(errOut, "registry "+defaultAccount+"/ap-south-1 (dr.yaml) is not reached by this run") {
		t.Errorf("apply without dr.yaml = %d, want the plan refused naming its registry; stderr:\n%s", code, errOut)
	}
	if err := os.Remove(filepath.Join(h.dir, "teams", "api.yaml")); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = h.run("apply", "plan.json")
	if code != exitError || !strings.Contains(errOut, "registry "+defaultAccount+"/eu-west-1: the plan was made from teams/api.yaml, teams/web.yaml, and this run merges teams/web.yaml for it") {
		t.Errorf("apply after teams/api.yaml left = %d, want the registry's files named; stderr:\n%s", code, errOut)
	}
	for key, f := range h.fakes {
		if f.Writes() != 0 {
			t.Errorf("%s: %d writes after a refused plan", key, f.Writes())
		}
	}
}

// In a run over several registries, a restore file warns only for the
// registry it was written in, not for the same name in another account.
func TestPendingRestoreWarnsOnlyForItsRegistry(t *testing.T) {
	h := newRegistriesHarness(t, manyFiles)
	content := `{"kind":"ecrctl-restore","format_version":"1","region":"us-west-2","registry_id":"111111111111","repository":"api","status":"failed","written_at":"2026-01-01T00:00:00Z","done":[],"steps":[{"operation":"CreateRepository"}]}`
	if err := os.WriteFile(filepath.Join(h.dir, "ecrctl-restore-api.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, errOut := h.run("plan", "-f", "teams", "-f", "shared.yaml")
	if n := strings.Count(errOut, `records a replacement of "api" that did not finish`); n != 1 {
		t.Fatalf("plan warned %d times of the restore file for 111111111111/us-west-2 (teams/api.yaml is eu-west-1), want 1:\n%s", n, errOut)
	}
}
