//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecrctl/ecrctl/internal/motoserver"
)

// Two accounts besides moto's default one, reached the way a hub role
// reaches spokes: sts:AssumeRole against the same moto server, whose
// credentials act in the role's account.
const (
	accountA = "111111111111"
	accountB = "222222222222"
	roleA    = "arn:aws:iam::" + accountA + ":role/ecrctl"
	roleB    = "arn:aws:iam::" + accountB + ":role/ecrctl"
	regionEU = "eu-west-1"
)

// newAccountsEnv is newEnv with a moto of its own, started without
// MOTO_ACCOUNT_ID (which would put every request in that one account, an
// assumed role's too), behind a recording proxy like the package's: each
// request acts in the account of its credentials, and the default
// credentials in 123456789012.
func newAccountsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	srv, err := motoserver.Start(motoserver.Options{StartTimeout: motoStartTimeout})
	if err != nil {
		t.Fatalf("starting a moto for several accounts: %v", err)
	}
	t.Cleanup(srv.Stop)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(calls.recorder(httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(proxy.Close)
	e.other, e.checkURL = proxy.URL, srv.URL
	return e
}

// stsPrefix marks an STS request in the call log (sts.AssumeRole).
const stsPrefix = "sts."

// stsRewrite lets a test make a role land elsewhere than its ARN says: the
// proxy swaps one RoleArn for another in AssumeRole requests.
var stsRewrite = &roleRewrite{}

type roleRewrite struct {
	mu       sync.Mutex
	from, to string
}

// set rewrites from to to until the test ends.
func (r *roleRewrite) set(t *testing.T, from, to string) {
	r.mu.Lock()
	r.from, r.to = from, to
	r.mu.Unlock()
	t.Cleanup(func() {
		r.mu.Lock()
		r.from, r.to = "", ""
		r.mu.Unlock()
	})
}

func (r *roleRewrite) apply(body []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.from == "" {
		return body
	}
	return bytes.ReplaceAll(body, []byte(url.QueryEscape(r.from)), []byte(url.QueryEscape(r.to)))
}

// boto runs code with c, a boto3 ECR client in region with the
// credentials of role ("" = the default account's), against moto.
func (e *env) boto(role, region, code string) string {
	e.t.Helper()
	script := botoClient + code
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script, e.checkerURL(), region, role)
	cmd.Env = e.checkerEnv()
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("boto3 as %q in %s: %v\n%s%s", role, region, err, o.String(), s.String())
	}
	return o.String()
}

// writeSpecs writes files under dir (relative to the test directory) and
// returns the directory's path.
func (e *env) writeSpecs(dir string, files map[string]string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, dir)
	if err := os.MkdirAll(p, 0o755); err != nil {
		e.t.Fatal(err)
	}
	for name, content := range files {
		e.writeFile(filepath.Join(dir, name), content)
	}
	return p
}

// assumed returns the roles the run assumed, in order.
func (r result) assumed() []string {
	var out []string
	for _, c := range r.calls {
		if c.Op == stsPrefix+"AssumeRole" {
			out = append(out, c.Repo)
		}
	}
	return out
}

// ecrCalls are the run's ECR calls, STS left out.
func (r result) ecrCalls() []call {
	var out []call
	for _, c := range r.calls {
		if !strings.HasPrefix(c.Op, stsPrefix) {
			out = append(out, c)
		}
	}
	return out
}

// A file with assumeRole: is read and written with the role's credentials:
// its repositories land in the role's account, the default account stays
// empty, and the role was assumed (once) through STS.
func TestAssumeRoleApply(t *testing.T) {
	e := newAccountsEnv(t)
	e.writeFile("registry.yaml", `version: 1
account: "`+accountA+`"
region: us-west-2
assumeRole: {roleArn: "`+roleA+`", externalId: e2e-external}
repositories:
  - name: team-a/app
    imageTagMutability: IMMUTABLE
`)
	r := e.mustExit(0, "apply", "--auto-approve")
	if got := r.assumed(); len(got) != 1 || got[0] != roleA {
		t.Errorf("assumed %v, want [%s] once\n%s", got, roleA, r)
	}
	a := e.snapshotAs(roleA, region)
	if a.RegistryID != accountA {
		t.Fatalf("boto3 as %s reads registry %s", roleA, a.RegistryID)
	}
	if got := a.repo(t, "team-a/app").Repository.ImageTagMutability; got != "IMMUTABLE" {
		t.Errorf("team-a/app in %s: imageTagMutability %s, want IMMUTABLE", accountA, got)
	}
	if def := e.snapshot(); len(def.Repositories) != 0 {
		t.Errorf("the default account %s got repositories %v; the role's credentials were not used", def.RegistryID, def.names())
	}
	if r := e.mustExit(0, "plan", "--detailed-exitcode"); !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("second plan is not empty:\n%s", r)
	}
}

// The account guard holds against the identity actually used: a role ARN
// that contradicts account: is refused before any call, and a role whose
// credentials land in another account (here: the proxy swaps the role STS
// is asked for) is refused after AssumeRole, before any ECR call, naming
// the role, the expected and the actual account.
func TestAssumeRoleAccountGuard(t *testing.T) {
	spec := func(role string) string {
		return `version: 1
account: "` + accountA + `"
region: us-west-2
assumeRole: ` + role + `
repositories:
  - name: team-a/app
`
	}
	t.Run("role ARN in another account", func(t *testing.T) {
		e := newAccountsEnv(t)
		e.writeFile("registry.yaml", spec(roleB))
		r := e.mustExit(1, "apply", "--auto-approve")
		for _, want := range []string{roleB, "account " + accountB, accountA} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q\n%s", want, r)
			}
		}
		if len(r.calls) != 0 {
			t.Errorf("calls %v, want none: the spec contradicts itself", r.calls)
		}
	})
	t.Run("credentials land in another account", func(t *testing.T) {
		e := newAccountsEnv(t)
		e.writeFile("registry.yaml", spec(roleA))
		stsRewrite.set(t, roleA, roleB)
		r := e.mustExit(1, "apply", "--auto-approve")
		want := "role " + roleA + " lands in account " + accountB
		if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "pins account "+accountA) || !strings.Contains(r.stderr, "registry.yaml") {
			t.Errorf("stderr lacks %q, the pinned account and the file\n%s", want, r)
		}
		if got := r.assumed(); len(got) != 1 {
			t.Errorf("assumed %v, want the role assumed once", got)
		}
		if c := r.ecrCalls(); len(c) != 0 {
			t.Errorf("ECR calls %v, want none before the guard", c)
		}
		for _, role := range []string{roleA, roleB} {
			if s := e.snapshotAs(role, region); len(s.Repositories) != 0 {
				t.Errorf("account of %s holds %v after a refused apply", role, s.names())
			}
		}
	})
}

// Team files for three registries: account A in two regions (two files
// merged per registry), account B in one, each reached through its role.
var manyRegistries = map[string]string{
	"a-platform.yaml": `version: 1
account: "` + accountA + `"
regions: [us-west-2, ` + regionEU + `]
assumeRole: ` + roleA + `
repositories:
  - name: shared/base
    imageTagMutability: IMMUTABLE
`,
	"a-team.yaml": `version: 1
account: "` + accountA + `"
regions: [us-west-2, ` + regionEU + `]
assumeRole: ` + roleA + `
defaults:
  tags: {Team: a}
repositories:
  - name: team-a/app
`,
	"b-team.yaml": `version: 1
account: "` + accountB + `"
region: us-west-2
assumeRole: ` + roleB + `
repositories:
  - name: team-b/api
    imageTagMutability: MUTABLE
    tags: {Team: b}
`,
}

// planChange is the part of a multi-registry plan's JSON the tests read.
type planChange struct {
	Address string   `json:"address"`
	Name    string   `json:"name"`
	Account string   `json:"account"`
	Region  string   `json:"region"`
	Actions []string `json:"actions"`
}

func (c planChange) noOp() bool { return len(c.Actions) == 1 && c.Actions[0] == "no-op" }

// changedIn reads plan -o json and returns the registries (ACCOUNT/REGION)
// with a change other than no-op, and what changes there.
func changedIn(t *testing.T, r result) map[string][]string {
	t.Helper()
	var p struct {
		Changes []planChange `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, r)
	}
	out := map[string][]string{}
	for _, c := range p.Changes {
		if !c.noOp() {
			key := c.Account + "/" + c.Region
			out[key] = append(out[key], c.Name+" "+strings.Join(c.Actions, ","))
		}
	}
	return out
}

// One run over two accounts (assumed roles) and two regions, from a
// directory of team files: plan, apply, convergence, and drift made by
// hand in one registry showing only there. Checked with boto3.
func TestManyRegistries(t *testing.T) {
	e := newAccountsEnv(t)
	e.writeSpecs("registry", manyRegistries)

	r := e.mustExit(2, "plan", "-f", "registry", "--detailed-exitcode", "-o", "json")
	assertNoWrites(t, r)
	got := changedIn(t, r)
	want := map[string]int{accountA + "/us-west-2": 2, accountA + "/" + regionEU: 2, accountB + "/us-west-2": 1}
	if len(got) != len(want) {
		t.Fatalf("registries with changes %v, want %v", got, want)
	}
	for k, n := range want {
		if len(got[k]) != n || !strings.HasSuffix(got[k][0], " create") {
			t.Errorf("%s: changes %v, want %d creates", k, got[k], n)
		}
	}

	r = e.mustExit(0, "apply", "-f", "registry", "--auto-approve")
	assumed := map[string]bool{}
	for _, role := range r.assumed() {
		assumed[role] = true
	}
	if !assumed[roleA] || !assumed[roleB] || len(assumed) != 2 {
		t.Errorf("apply assumed %v, want both roles", r.assumed())
	}
	for _, reg := range []struct{ role, region string }{{roleA, region}, {roleA, regionEU}} {
		s := e.snapshotAs(reg.role, reg.region)
		if s.RegistryID != accountA || len(s.Repositories) != 2 {
			t.Fatalf("%s in %s: registry %s holds %v, want shared/base and team-a/app", reg.role, reg.region, s.RegistryID, s.names())
		}
		if s.repo(t, "shared/base").Repository.ImageTagMutability != "IMMUTABLE" || s.repo(t, "team-a/app").Tags["Team"] != "a" {
			t.Errorf("%s in %s: %+v", accountA, reg.region, s.Repositories)
		}
	}
	b := e.snapshotAs(roleB, region)
	if b.RegistryID != accountB || len(b.Repositories) != 1 || b.repo(t, "team-b/api").Tags["Team"] != "b" {
		t.Fatalf("%s: %+v", accountB, b)
	}
	if s := e.snapshotAs(roleB, regionEU); len(s.Repositories) != 0 {
		t.Errorf("%s in %s got %v; nothing is meant for it", accountB, regionEU, s.names())
	}
	if def := e.snapshot(); len(def.Repositories) != 0 {
		t.Errorf("the default account got %v; every file names a role", def.names())
	}

	// Convergence: the second plan is empty in every registry.
	r = e.mustExit(0, "plan", "-f", "registry", "--detailed-exitcode")
	assertNoWrites(t, r)
	if strings.Count(r.stdout, "No changes") != 3 {
		t.Errorf("second plan is not empty in each of the 3 registries:\n%s", r)
	}

	// Drift in one registry only: someone makes team-b/api immutable.
	e.boto(roleB, region, `c.put_image_tag_mutability(repositoryName="team-b/api", imageTagMutability="IMMUTABLE")`)
	r = e.mustExit(2, "plan", "-f", "registry", "--detailed-exitcode", "-o", "json")
	got = changedIn(t, r)
	if len(got) != 1 || len(got[accountB+"/us-west-2"]) != 1 || got[accountB+"/us-west-2"][0] != "team-b/api update" {
		t.Errorf("drift shows in %v, want only team-b/api in %s/us-west-2", got, accountB)
	}
	e.mustExit(0, "apply", "-f", "registry", "--auto-approve")
	if m := e.snapshotAs(roleB, region).repo(t, "team-b/api").Repository.ImageTagMutability; m != "MUTABLE" {
		t.Errorf("apply did not revert the drift: %s", m)
	}
}

// Two files that claim one repository in one registry: the run refuses
// before any call, naming both files and lines.
func TestManyRegistriesOneRepositoryTwoFiles(t *testing.T) {
	e := newAccountsEnv(t)
	files := map[string]string{
		"a.yaml": manyRegistries["a-team.yaml"],
		"b.yaml": `version: 1
account: "` + accountA + `"
region: ` + regionEU + `
assumeRole: ` + roleA + `
repositories:
  - name: other
  - name: team-a/app
`,
	}
	e.writeSpecs("registry", files)
	for _, verb := range [][]string{{"plan"}, {"apply", "--auto-approve"}, {"validate"}} {
		r := e.mustExit(1, append(verb, "-f", "registry")...)
		for _, want := range []string{"team-a/app", "registry/a.yaml:8", "registry/b.yaml:7"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q\n%s", verb, want, r)
			}
		}
		if len(r.calls) != 0 {
			t.Errorf("%v made calls %v before refusing", verb, r.calls)
		}
	}
}

// import over two regions of an account reached by role: one regions:
// file with assumeRole:, and a plan of it right away shows no changes in
// either registry; status and outputs read both.
func TestImportTwoRegionsByRole(t *testing.T) {
	e := newAccountsEnv(t)
	for _, r := range []string{region, regionEU} {
		e.boto(roleA, r, `c.create_repository(repositoryName="team-a/app", imageTagMutability="IMMUTABLE")`)
	}
	r := e.mustExit(0, "import", "--assume-role", roleA, "--region", region, "--region", regionEU, "-o", "registry.yaml")
	assertNoWrites(t, r)
	text, err := os.ReadFile(filepath.Join(e.dir, "registry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nregions: [" + region + ", " + regionEU + "]\n", "\naccount: \"" + accountA + "\"\nassumeRole: \"" + roleA + "\"\n"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("imported spec lacks %q:\n%s", want, text)
		}
	}
	r = e.mustExit(0, "outputs", "-o", "env")
	for _, want := range []string{
		"US_WEST_2_TEAM_A_APP_URI='" + accountA + ".dkr.ecr." + region + ".amazonaws.com/team-a/app'",
		"EU_WEST_1_TEAM_A_APP_URI='" + accountA + ".dkr.ecr." + regionEU + ".amazonaws.com/team-a/app'",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("outputs lacks %q\n%s", want, r)
		}
	}
	r = e.mustExit(0, "status", "-o", "json")
	var st struct {
		Registries []struct {
			Registry string `json:"registry"`
			Status   struct {
				RegistryID   string `json:"registry_id"`
				Repositories []struct {
					Exists bool `json:"exists"`
				} `json:"repositories"`
			} `json:"status"`
		} `json:"registries"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || len(st.Registries) != 2 {
		t.Fatalf("status -o json (%v):\n%s", err, r)
	}
	for _, reg := range st.Registries {
		if reg.Status.RegistryID != accountA || len(reg.Status.Repositories) != 1 || !reg.Status.Repositories[0].Exists {
			t.Errorf("status of %s: %+v", reg.Registry, reg.Status)
		}
	}
	r = e.mustExit(0, "plan", "--detailed-exitcode")
	if strings.Count(r.stdout, "No changes") != 2 {
		t.Errorf("plan after import:\n%s", r)
	}
}
