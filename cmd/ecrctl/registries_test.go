package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
	roleA = "arn:aws:iam::" + acctA + ":role/ecrctl"
	roleB = "arn:aws:iam::" + acctB + ":role/ecrctl"
)

// Two accounts, reached by role, and two regions of the first: three
// registries from two team files in one directory.
var teamFiles = map[string]string{
	"registry/a.yaml": `version: 1
account: "` + acctA + `"
regions: [us-west-2, eu-west-1]
assumeRole: ` + roleA + `
repositories:
  - name: app
`,
	"registry/b.yaml": `version: 1
account: "` + acctB + `"
region: us-west-2
assumeRole: ` + roleB + `
repositories:
  - name: api
  - name: 9lives
`,
}

// create makes repositories in the registry of account in region.
func (h *registriesHarness) create(account, region string, names ...string) {
	h.t.Helper()
	for _, n := range names {
		if _, err := h.fake(account, region).CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String(n)}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// status over three registries: a report each under plan's header, with
// account and region in JSON; the registries' own credentials are used.
func TestStatusOverRegistries(t *testing.T) {
	w := newRegistriesHarness(t, teamFiles)
	w.create(acctA, "us-west-2", "app")
	w.create(acctB, "us-west-2", "api")
	code, out, errOut := w.run("status", "-f", "registry", "-o", "json")
	if code != exitOK {
		t.Fatalf("status = %d\n%s", code, errOut)
	}
	var got registriesStatus
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	type row struct{ registry, account, region, role string }
	var rows []row
	exists := map[string]bool{}
	for _, r := range got.Registries {
		rows = append(rows, row{r.Registry, r.Account, r.Region, r.Role})
		if r.Status == nil {
			t.Fatalf("%s has no status", r.Registry)
		}
		for _, repo := range r.Status.Repositories {
			exists[r.Registry+" "+repo.Name] = repo.Exists
		}
	}
	want := []row{
		{acctA + "/eu-west-1", acctA, "eu-west-1", roleA},
		{acctA + "/us-west-2", acctA, "us-west-2", roleA},
		{acctB + "/us-west-2", acctB, "us-west-2", roleB},
	}
	if len(rows) != len(want) {
		t.Fatalf("registries %+v, want %+v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("registry %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	for key, want := range map[string]bool{acctA + "/us-west-2 app": true, acctA + "/eu-west-1 app": false, acctB + "/us-west-2 api": true, acctB + "/us-west-2 9lives": false} {
		if exists[key] != want {
			t.Errorf("%s exists = %v, want %v", key, exists[key], want)
		}
	}
	for _, o := range w.opts {
		if o.AssumeRole == nil || !o.AssumeRole.ReadOnly {
			t.Errorf("status connected with %+v, want a read-only assumed role", o.AssumeRole)
		}
	}

	code, out, _ = w.run("status", "-f", "registry")
	if code != exitOK {
		t.Fatalf("status text = %d", code)
	}
	for _, want := range []string{
		"=== Registry " + acctA + "/eu-west-1 as " + roleA + " (registry/a.yaml)\n\nRegistry " + acctA + " in eu-west-1: 1 repository",
		"=== Registry " + acctB + "/us-west-2 as " + roleB + " (registry/b.yaml)\n\nRegistry " + acctB + " in us-west-2: 2 repositories",
		"\nTotal over 3 registries: 0 images, 0 B in 2 existing repositories;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status text lacks %q:\n%s", want, out)
		}
	}
}

// A registry that cannot be reached is reported; the others still are,
// and the command exits 1. Names on the command line pick registries.
func TestStatusOverRegistriesIsolatesFailures(t *testing.T) {
	w := newRegistriesHarness(t, teamFiles)
	w.refuse[roleB] = errors.New("assuming role " + roleB + ": STS answered AccessDenied")
	code, out, errOut := w.run("status", "-f", "registry", "-o", "json")
	if code != exitError {
		t.Fatalf("status = %d, want 1", code)
	}
	var got registriesStatus
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got.Registries) != 3 || got.Registries[2].Status != nil || !strings.Contains(got.Registries[2].Error, "AccessDenied") ||
		got.Registries[0].Status == nil || got.Registries[1].Status == nil {
		t.Errorf("registries = %+v", got.Registries)
	}
	if !strings.Contains(errOut, "status failed for 1 registry of 3 ("+acctB+"/us-west-2;") {
		t.Errorf("stderr:\n%s", errOut)
	}

	w.opts = nil
	code, out, errOut = w.run("status", "-f", "registry", "app")
	if code != exitOK || strings.Contains(out, acctB) || strings.Count(out, "=== Registry") != 2 {
		t.Errorf("status app = %d:\n%s%s", code, out, errOut)
	}
	if len(w.opts) != 2 {
		t.Errorf("connected %d times, want only the two registries describing app", len(w.opts))
	}
	code, _, errOut = w.run("status", "-f", "registry", "nope")
	if code != exitError || !strings.Contains(errOut, `"nope" is not in any spec file of the run`) {
		t.Errorf("status nope = %d: %s", code, errOut)
	}
}

// outputs over several registries: keyed by registry in JSON, prefixed by
// region and account in env.
func TestOutputsOverRegistries(t *testing.T) {
	w := newRegistriesHarness(t, teamFiles)
	w.create(acctA, "us-west-2", "app")
	w.create(acctA, "eu-west-1", "app")
	w.create(acctB, "us-west-2", "api", "9lives")
	code, out, errOut := w.run("outputs", "-f", "registry")
	if code != exitOK {
		t.Fatalf("outputs = %d: %s", code, errOut)
	}
	var got map[string]map[string]struct{ URI string }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got[acctA+"/eu-west-1"]["app"].URI != acctA+".dkr.ecr.eu-west-1.amazonaws.com/app" || got[acctB+"/us-west-2"]["9lives"].URI == "" || len(got) != 3 {
		t.Errorf("outputs = %+v", got)
	}
	code, out, _ = w.run("outputs", "-f", "registry", "-o", "env")
	for _, want := range []string{
		"EU_WEST_1_" + acctA + "_APP_URI='" + acctA + ".dkr.ecr.eu-west-1.amazonaws.com/app'\n",
		"US_WEST_2_" + acctB + "_9LIVES_URI='" + acctB + ".dkr.ecr.us-west-2.amazonaws.com/9lives'\n",
	} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("outputs -o env = %d, lacks %q:\n%s", code, want, out)
		}
	}
}

// login logs in to every registry, or the one --registry names; --print
// needs one.
func TestLoginOverRegistries(t *testing.T) {
	w := newRegistriesHarness(t, teamFiles)
	stub := stubDocker(t, 0)
	code, _, errOut := w.run("login", "-f", "registry")
	if code != exitOK {
		t.Fatalf("login = %d: %s", code, errOut)
	}
	// The stub keeps the last call's arguments.
	if argv := readStub(t, stub, "argv"); !strings.Contains(argv, acctB+".dkr.ecr.us-west-2.amazonaws.com") {
		t.Errorf("last docker login: %s", argv)
	}
	if n := strings.Count(errOut, "Login Succeeded"); n != 3 && len(w.opts) != 3 {
		t.Errorf("logged in %d times (connected %d), want 3:\n%s", n, len(w.opts), errOut)
	}

	w.opts = nil
	code, _, errOut = w.run("login", "-f", "registry", "--print")
	if code != exitError || !strings.Contains(errOut, "--print writes one password, and the spec files name 3 registries") || len(w.opts) != 0 {
		t.Errorf("login --print = %d, connected %d: %s", code, len(w.opts), errOut)
	}
	code, out, errOut := w.run("login", "-f", "registry", "--print", "--registry", acctA+"/eu-west-1")
	if code != exitOK || out == "" || !strings.Contains(errOut, acctA+".dkr.ecr.eu-west-1.amazonaws.com") || len(w.opts) != 1 {
		t.Errorf("login --print --registry = %d, connected %d: %s", code, len(w.opts), errOut)
	}
	code, _, errOut = w.run("login", "-f", "registry", "--registry", "333333333333/us-west-2")
	if code != exitError || !strings.Contains(errOut, "--registry 333333333333/us-west-2 is none of the run's registries") {
		t.Errorf("login --registry unknown = %d: %s", code, errOut)
	}
	code, _, errOut = w.run("login", "-f", "registry", "--registry", "us-west-2")
	if code != exitError || !strings.Contains(errOut, "must be ACCOUNT/REGION") {
		t.Errorf("login --registry malformed = %d: %s", code, errOut)
	}
}

// import over several registries: one regions: file when the regions hold
// the same, else one file per registry in a directory; roles are written
// as assumeRole:.
func TestImportRegistries(t *testing.T) {
	w := newRegistriesHarness(t, nil)
	def := defaultAccount
	w.create(def, "us-west-2", "app")
	w.create(def, "eu-west-1", "app")
	code, _, errOut := w.run("import", "--region", "us-west-2", "--region", "eu-west-1", "-o", "one.yaml")
	if code != exitOK || !strings.Contains(errOut, "Imported 1 repository from registry "+def+" in us-west-2, eu-west-1 to one.yaml.") {
		t.Fatalf("import = %d: %s", code, errOut)
	}
	text, _ := os.ReadFile(filepath.Join(w.dir, "one.yaml"))
	if !strings.Contains(string(text), "\nregions: [us-west-2, eu-west-1]\n") || strings.Contains(string(text), "\nregion:") {
		t.Errorf("one.yaml:\n%s", text)
	}
	if code, _, errOut := w.run("validate", "-f", "one.yaml"); code != exitOK {
		t.Errorf("validate one.yaml = %d: %s", code, errOut)
	}

	w.create(def, "eu-west-1", "extra")
	code, _, errOut = w.run("import", "--region", "us-west-2", "--region", "eu-west-1", "-o", "two.yaml")
	if code != exitError || !strings.Contains(errOut, "extra exists only in eu-west-1") || !strings.Contains(errOut, "-o DIR/") {
		t.Errorf("import of differing regions = %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "two.yaml")); err == nil {
		t.Error("a refused import wrote two.yaml")
	}
	code, _, errOut = w.run("import", "--region", "us-west-2", "--region", "eu-west-1", "-o", "out/")
	if code != exitOK {
		t.Fatalf("import -o out/ = %d: %s", code, errOut)
	}
	for region, want := range map[string]string{"us-west-2": "name: app", "eu-west-1": "name: extra"} {
		text, err := os.ReadFile(filepath.Join(w.dir, "out", def+"-"+region+".yaml"))
		if err != nil || !strings.Contains(string(text), "\nregion: "+region+"\n") || !strings.Contains(string(text), want) {
			t.Errorf("out/%s-%s.yaml (%v):\n%s", def, region, err, text)
		}
	}
	if code, _, errOut := w.run("import", "--region", "us-west-2", "--region", "eu-west-1", "-o", "out/"); code != exitError || !strings.Contains(errOut, "already exists") {
		t.Errorf("import over existing files = %d: %s", code, errOut)
	}

	// Roles: one file per account, each with its role.
	w.create(acctA, "us-west-2", "app")
	w.create(acctB, "us-west-2", "api")
	w.opts = nil
	code, _, errOut = w.run("import", "--assume-role", roleA, "--assume-role", roleB, "--region", "us-west-2", "-o", "roles.yaml")
	if code != exitError || !strings.Contains(errOut, "2 registries in 2 accounts") {
		t.Errorf("import of two accounts to one file = %d: %s", code, errOut)
	}
	code, _, errOut = w.run("import", "--assume-role", roleA, "--assume-role", roleB, "--region", "us-west-2", "-o", "roles")
	if code != exitError || !strings.Contains(errOut, "2 registries in 2 accounts") {
		t.Errorf("import -o roles (no such directory, no slash) = %d: %s", code, errOut)
	}
	code, _, errOut = w.run("import", "--assume-role", roleA, "--assume-role", roleB, "--region", "us-west-2", "-o", "roles/")
	if code != exitOK {
		t.Fatalf("import --assume-role x2 -o roles/ = %d: %s", code, errOut)
	}
	text, _ = os.ReadFile(filepath.Join(w.dir, "roles", acctB+"-us-west-2.yaml"))
	if !strings.Contains(string(text), "account: \""+acctB+"\"\nassumeRole: \""+roleB+"\"\n") || !strings.Contains(string(text), "name: api") {
		t.Errorf("roles/%s-us-west-2.yaml:\n%s", acctB, text)
	}
	for _, o := range w.opts {
		if o.AssumeRole == nil || !o.AssumeRole.ReadOnly {
			t.Errorf("import connected with %+v, want a read-only assumed role", o.AssumeRole)
		}
	}
	if code, _, errOut := w.run("import", "--assume-role", "role/x"); code != exitError || !strings.Contains(errOut, `--assume-role "role/x" is not an IAM role ARN`) {
		t.Errorf("bad --assume-role = %d: %s", code, errOut)
	}
}

// plan, status and the other readers assume roles with a read-only session
// name; apply and restore, which write, do not (docs/iam.md: the plan hub
// may only open ecrctl-read-* sessions).
func TestSessionNameSaysWhetherTheVerbWrites(t *testing.T) {
	w := newRegistriesHarness(t, teamFiles)
	for _, tc := range []struct {
		args     []string
		readOnly bool
	}{
		{[]string{"plan", "-f", "registry"}, true},
		{[]string{"outputs", "-f", "registry"}, true},
		{[]string{"apply", "-f", "registry", "--auto-approve"}, false},
	} {
		w.opts = nil
		if code, _, errOut := w.run(tc.args...); code != exitOK {
			t.Fatalf("%v = %d: %s", tc.args, code, errOut)
		}
		if len(w.opts) == 0 {
			t.Fatalf("%v connected to nothing", tc.args)
		}
		for _, o := range w.opts {
			if o.AssumeRole == nil || o.AssumeRole.ReadOnly != tc.readOnly {
				t.Errorf("%v: assumed %+v, want ReadOnly %v", tc.args, o.AssumeRole, tc.readOnly)
			}
		}
	}
}

// outputs is keyed by ACCOUNT/REGION: two targets whose credentials land in
// one registry are refused as plan refuses them, not written under one key.
func TestOutputsRefusesTwoTargetsForOneRegistry(t *testing.T) {
	w := newRegistriesHarness(t, map[string]string{
		"a.yaml": "version: 1\nregion: us-west-2\nrepositories:\n  - name: app\n",
		"b.yaml": "version: 1\nregion: us-west-2\nassumeRole: arn:aws:iam::" + defaultAccount + ":role/ecrctl\nrepositories:\n  - name: api\n",
	})
	w.create(defaultAccount, "us-west-2", "app", "api")
	code, out, errOut := w.run("outputs", "-f", "a.yaml", "-f", "b.yaml", "-o", "json")
	if code != exitError || strings.Count(errOut, "all reach the same registry (account "+defaultAccount+" in us-west-2); nothing was written for it") != 2 {
		t.Errorf("outputs = %d:\n%s", code, errOut)
	}
	if strings.Contains(out, "app") || strings.Contains(out, "api") {
		t.Errorf("outputs wrote a registry it refused:\n%s", out)
	}
}

// Two roles into one account and region reach one registry: -o DIR/ would
// write both to DIR/ACCOUNT-REGION.yaml, the second over the first, so
// import refuses before writing anything (the directory included).
func TestImportDirRefusesTwoRegistriesForOneFile(t *testing.T) {
	w := newRegistriesHarness(t, nil)
	w.create(acctA, "us-west-2", "app")
	other := "arn:aws:iam::" + acctA + ":role/ecrctl-other"
	code, _, errOut := w.run("import", "--assume-role", roleA, "--assume-role", other, "--region", "us-west-2", "-o", "roles/")
	want := "role " + roleA + " and role " + other + " both reach registry " + acctA + " in us-west-2"
	if code != exitError || !strings.Contains(errOut, want) || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("import of two roles into one registry = %d, want a refusal with %q:\n%s", code, want, errOut)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "roles")); !os.IsNotExist(err) {
		t.Errorf("a refused import created roles/ (%v)", err)
	}
}
