package spec_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// writeSpecs writes name -> content into a new directory and returns it.
func writeSpecs(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func loadSet(t *testing.T, paths ...string) []*spec.Target {
	t.Helper()
	ts, err := spec.LoadSetFrom(context.Background(), paths, strings.NewReader(""))
	if err != nil {
		t.Fatalf("LoadSet: %v", err)
	}
	return ts
}

// setProblems runs LoadSet and returns its problems as text, one a line.
func setProblems(t *testing.T, paths ...string) []string {
	t.Helper()
	return setProblemsIn(t, "version: 1\nrepositories: []\n", paths...)
}

// setProblemsIn is setProblems with stdin.
func setProblemsIn(t *testing.T, stdin string, paths ...string) []string {
	t.Helper()
	_, err := spec.LoadSetFrom(context.Background(), paths, strings.NewReader(stdin))
	var out []string
	for _, p := range problems(t, err) {
		out = append(out, p.Error())
	}
	return out
}

func names(f *spec.File) []string {
	var out []string
	for _, r := range f.Repositories {
		out = append(out, r.Name)
	}
	return out
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestLoadSetOneFileIsLoad: a run with one file gets exactly what Load
// gives, the same *File, so today's saved plans (spec path and SHA256)
// stay valid.
func TestLoadSetOneFileIsLoad(t *testing.T) {
	for _, name := range []string{"../../registry.yaml", "testdata/valid/every-field.yaml", "testdata/valid/minimal.yaml"} {
		want, err := spec.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		ts := loadSet(t, name)
		if len(ts) != 1 {
			t.Fatalf("%s: %d targets, want 1", name, len(ts))
		}
		got := ts[0]
		if diff := cmp.Diff(want, got.Spec); diff != "" {
			t.Errorf("%s: Spec differs from Load (-Load +LoadSet):\n%s", name, diff)
		}
		if got.Account != want.Account || got.Region != want.Region || !cmp.Equal(got.AssumeRole, want.AssumeRole) || !cmp.Equal(got.Sources, []string{name}) {
			t.Errorf("%s: target = %+v, want account %q region %q, role %v, sources [%s]", name, got, want.Account, want.Region, want.AssumeRole, name)
		}
	}
}

// TestLoadSetRoleGivesTheAccount: without account:, the role's account is
// the registry's, and the target's Spec carries it as the account guard.
func TestLoadSetRoleGivesTheAccount(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"a.yaml": "version: 1\nregion: us-west-2\nassumeRole: arn:aws:iam::111122223333:role/ecrctl\nrepositories:\n  - name: app\n"})
	path := filepath.Join(dir, "a.yaml")
	ts := loadSet(t, path)
	if len(ts) != 1 {
		t.Fatalf("%d targets, want 1", len(ts))
	}
	got := ts[0]
	want := &spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/ecrctl"}
	if got.Account != "111122223333" || got.Region != "us-west-2" || !cmp.Equal(got.AssumeRole, want) {
		t.Errorf("target = account %q region %q role %+v, want 111122223333, us-west-2, %+v", got.Account, got.Region, got.AssumeRole, want)
	}
	if got.Spec.Account != "111122223333" || got.Spec.Path != path || got.Spec.SHA256 != fileSHA(t, path) {
		t.Errorf("Spec account %q path %q sha %q; want the role's account and the file's own path and hash", got.Spec.Account, got.Spec.Path, got.Spec.SHA256)
	}
	loaded, err := spec.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Account != "" {
		t.Errorf("Load filled account: with %q; Load keeps the file as written", loaded.Account)
	}
}

// TestLoadSetRegionsExpand: regions: gives one target per region, each with
// the same repositories and the file's own path and hash.
func TestLoadSetRegionsExpand(t *testing.T) {
	const path = "testdata/valid/regions.yaml"
	ts := loadSet(t, path)
	if len(ts) != 2 {
		t.Fatalf("%d targets, want 2", len(ts))
	}
	sha := fileSHA(t, path)
	for i, region := range []string{"eu-west-1", "us-west-2"} { // sorted
		tg := ts[i]
		if tg.Region != region || tg.Account != "012345678901" || tg.AssumeRole == nil || tg.AssumeRole.RoleARN != "arn:aws:iam::012345678901:role/ecrctl" {
			t.Errorf("target %d = %q/%q role %+v, want 012345678901/%s with the file's role", i, tg.Account, tg.Region, tg.AssumeRole, region)
		}
		s := tg.Spec
		if s.Region != region || s.Regions != nil || s.Path != path || s.SHA256 != sha || !cmp.Equal(names(s), []string{"app"}) {
			t.Errorf("target %s: Spec region %q regions %v path %q sha %q repos %v; want the region alone, the file's path and hash, [app]",
				region, s.Region, s.Regions, s.Path, s.SHA256, names(s))
		}
	}
}

// TestLoadSetDirectory: a directory stands for its *.yaml and *.yml files,
// sorted by name, not recursively; other files are skipped.
func TestLoadSetDirectory(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"b.yaml":       "version: 1\nrepositories:\n  - name: bravo\n",
		"a.yml":        "version: 1\nrepositories:\n  - name: alpha\n",
		"c.yaml":       "version: 1\nrepositories:\n  - name: charlie\n",
		"notes.txt":    "not a spec",
		"sub/d.yaml":   "version: 1\nrepositories:\n  - name: delta\n",
		"dir.yaml/x":   "a directory named like a spec is skipped",
		"README.md":    "# specs",
		"e.yaml.orig":  "version: 1\n",
		"f.json":       "{}",
		"z-last.yaml":  "version: 1\nrepositories:\n  - name: zulu\n",
		"0-first.yaml": "version: 1\nrepositories:\n  - name: zero\n",
	})
	ts := loadSet(t, dir)
	if len(ts) != 1 {
		t.Fatalf("%d targets, want 1 (all files address the default registry)", len(ts))
	}
	var want []string
	for _, n := range []string{"0-first.yaml", "a.yml", "b.yaml", "c.yaml", "z-last.yaml"} {
		want = append(want, filepath.Join(dir, n))
	}
	if diff := cmp.Diff(want, ts[0].Sources); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"zero", "alpha", "bravo", "charlie", "zulu"}, names(ts[0].Spec)); diff != "" {
		t.Errorf("repositories in source order (-want +got):\n%s", diff)
	}
}

func TestLoadSetEmptyDirectory(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"notes.txt": "x", "sub/a.yaml": "version: 1\nrepositories: []\n"})
	want := []string{dir + ": the directory holds no *.yaml or *.yml files; put the spec files there or name them with -f FILE"}
	if diff := cmp.Diff(want, setProblems(t, dir)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestLoadSetStdin(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"a.yaml": "version: 1\nrepositories:\n  - name: alpha\n"})
	a := filepath.Join(dir, "a.yaml")
	in := "version: 1\nrepositories:\n  - name: from-stdin\n"
	ts, err := spec.LoadSetFrom(context.Background(), []string{a, "-"}, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || !cmp.Equal(ts[0].Sources, []string{a, spec.StdinName}) || !cmp.Equal(names(ts[0].Spec), []string{"alpha", "from-stdin"}) {
		t.Fatalf("targets = %+v; want one with sources [%s <stdin>] and repositories [alpha from-stdin]", ts, a)
	}
	// stdin alone is Read("<stdin>", ...).
	ts, err = spec.LoadSetFrom(context.Background(), []string{"-"}, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want, err := spec.Read(spec.StdinName, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ts[0].Spec); diff != "" {
		t.Errorf("stdin alone differs from Read (-Read +LoadSet):\n%s", diff)
	}
	// A problem in stdin is located as <stdin>.
	_, err = spec.LoadSetFrom(context.Background(), []string{"-"}, strings.NewReader("version: 1\nrepositories:\n  - name: A\n"))
	if ps := problems(t, err); !strings.HasPrefix(ps[0].Error(), "<stdin>:3:") {
		t.Errorf("problem = %q, want it located in <stdin>:3", ps[0].Error())
	}
}

func TestLoadSetNamedTwice(t *testing.T) {
	dir := writeSpecs(t, map[string]string{"a.yaml": "version: 1\nrepositories:\n  - name: alpha\n"})
	a := filepath.Join(dir, "a.yaml")
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"stdin twice", []string{"-", "-"}, []string{"<stdin>: stdin (-) is named twice; it can be read once"}},
		{"a file twice", []string{a, a}, []string{a + ": is named twice; name each spec file once"}},
		{"a file and its directory", []string{dir, a}, []string{a + ": is named twice (also through " + dir + "); name each spec file once"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, setProblems(t, tc.paths...)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadSetReportsEveryFile: the problems of every file come together, in
// the order the files were given, and a missing file is one of them.
func TestLoadSetReportsEveryFile(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"a.yaml": "version: 1\nrepositories:\n  - name: Bad\n",
		"b.yaml": "version: 1\nrepositories:\n  - name: good\n",
		"c.yaml": "version: 2\nrepositories:\n  - name: good2\n",
	})
	a, b, c, missing := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.yaml"), filepath.Join(dir, "nope.yaml")
	got := setProblems(t, c, a, missing, b)
	want := []string{
		c + ":1:10: version: 2 is not a known spec version; the only version is 1",
		a + `:3:11: repositories[0].name: "Bad" is not a valid ECR repository name: 2 to 256 characters of lowercase letters, digits and . _ - separators, with optional / namespaces`,
		missing + ": file does not exist; pass the spec with -f FILE (default registry.yaml)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestLoadSetNoPaths(t *testing.T) {
	if _, err := spec.LoadSetFrom(context.Background(), nil, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "no spec file given") {
		t.Errorf("err = %v, want: no spec file given", err)
	}
}

// blockingReader never returns, like a FIFO whose writer never comes.
type blockingReader struct{ done chan struct{} }

func (r blockingReader) Read([]byte) (int, error) { <-r.done; return 0, io.EOF }

func TestLoadSetInterrupted(t *testing.T) {
	r := blockingReader{done: make(chan struct{})}
	defer close(r.done)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := spec.LoadSetFrom(ctx, []string{"-"}, r)
	if err == nil || !strings.Contains(err.Error(), "interrupted while reading the spec files") {
		t.Errorf("err = %v, want the interruption", err)
	}
}

// TestLoadSetMerge: files for one registry become one target; each file's
// defaults and lifecycle policies stay with its own repositories.
func TestLoadSetMerge(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"a.yaml": `version: 1
region: us-west-2
account: "111122223333"
defaults: {scanOnPush: true, lifecyclePolicy: keep}
lifecyclePolicies:
  keep: {rules: [{selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 5}, action: {type: expire}}]}
repositories:
  - name: alpha
`,
		"b.yaml": `version: 1
region: us-west-2
account: "111122223333"
lifecyclePolicies:
  keep: {rules: [{selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 50}, action: {type: expire}}]}
registry:
  scanning: {type: BASIC, rules: []}
repositories:
  - name: bravo
  - name: charlie
    lifecyclePolicy: keep
`,
		"other.yaml": "version: 1\nregion: eu-west-1\naccount: \"111122223333\"\nrepositories:\n  - name: alpha\n",
	})
	a, b, other := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "other.yaml")
	ts := loadSet(t, a, b, other)
	if len(ts) != 2 {
		t.Fatalf("%d targets, want 2 (eu-west-1 alone, us-west-2 merged)", len(ts))
	}
	eu, us := ts[0], ts[1]
	if eu.Region != "eu-west-1" || !cmp.Equal(eu.Sources, []string{other}) || eu.Spec.Path != other {
		t.Errorf("first target = %s %v (path %s), want eu-west-1 from other.yaml alone", eu.Region, eu.Sources, eu.Spec.Path)
	}
	if us.Region != "us-west-2" || us.Account != "111122223333" || !cmp.Equal(us.Sources, []string{a, b}) {
		t.Fatalf("second target = %s/%s %v, want 111122223333/us-west-2 from a.yaml and b.yaml", us.Account, us.Region, us.Sources)
	}
	m := us.Spec
	if m.Region != "us-west-2" || m.Account != "111122223333" || m.Version != 1 || m.Registry == nil || m.Registry.Scanning == nil {
		t.Errorf("merged file: region %q account %q version %d registry %+v; want the registry's and b.yaml's registry: section", m.Region, m.Account, m.Version, m.Registry)
	}
	if diff := cmp.Diff([]string{"alpha", "bravo", "charlie"}, names(m)); diff != "" {
		t.Fatalf("repositories (-want +got):\n%s", diff)
	}
	alpha, bravo, charlie := m.Repositories[0], m.Repositories[1], m.Repositories[2]
	if alpha.ScanOnPush == nil || !*alpha.ScanOnPush || bravo.ScanOnPush != nil {
		t.Errorf("scanOnPush: alpha %v bravo %v; a.yaml's defaults must stay in a.yaml", alpha.ScanOnPush, bravo.ScanOnPush)
	}
	count := func(r spec.Repository) int {
		if r.Lifecycle == nil || r.Lifecycle.Policy == nil {
			return -1
		}
		return r.Lifecycle.Policy.Rules[0].Selection.CountNumber
	}
	if count(alpha) != 5 || count(charlie) != 50 || bravo.Lifecycle != nil {
		t.Errorf("lifecycle counts: alpha %d charlie %d bravo %v; want 5 (a.yaml's keep), 50 (b.yaml's keep), none", count(alpha), count(charlie), bravo.Lifecycle)
	}
	// The documented rule: Path joins the sources, SHA256 hashes what
	// `sha256sum a.yaml b.yaml` prints in their directory.
	wantPath := a + ", " + b
	sums := fmt.Sprintf("%s  %s\n%s  %s\n", fileSHA(t, a), filepath.Base(a), fileSHA(t, b), filepath.Base(b))
	sum := sha256.Sum256([]byte(sums))
	if m.Path != wantPath || m.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("merged Path %q SHA256 %s; want %q and the SHA-256 of %q", m.Path, m.SHA256, wantPath, sums)
	}
}

// TestLoadSetMergedSHA256Changes: the merged fingerprint changes whenever a
// source changes, is added, or the order changes; and stays put otherwise.
func TestLoadSetMergedSHA256Changes(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"a.yaml": "version: 1\nrepositories:\n  - name: alpha\n",
		"b.yaml": "version: 1\nrepositories:\n  - name: bravo\n",
		"c.yaml": "version: 1\nrepositories:\n  - name: charlie\n",
	})
	a, b, c := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.yaml")
	sha := func(paths ...string) string { return loadSet(t, paths...)[0].Spec.SHA256 }
	base := sha(a, b)
	if again := sha(a, b); again != base {
		t.Fatalf("the same sources give %s then %s", base, again)
	}
	seen := map[string]string{base: "a, b"}
	check := func(what, got string) {
		t.Helper()
		if prev, dup := seen[got]; dup {
			t.Errorf("%s gives the same SHA256 as %s", what, prev)
		}
		seen[got] = what
	}
	check("b, a", sha(b, a))
	check("a, b, c", sha(a, b, c))
	check("a alone", sha(a))
	if err := os.WriteFile(b, []byte("version: 1\nrepositories:\n  - name: bravo\n    scanOnPush: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("a, b after editing b", sha(a, b))

	// The same files named another way (relative, or through ..) are the
	// same sources: apply finds a saved plan's spec paths relative to the
	// plan file, not as they were typed.
	edited := sha(a, b)
	t.Chdir(dir)
	if got := sha("a.yaml", filepath.Join("..", filepath.Base(dir), "b.yaml")); got != edited {
		t.Errorf("a.yaml, ../%s/b.yaml give %s; the same files by absolute path give %s", filepath.Base(dir), got, edited)
	}
}

// TestLoadSetTargetsSorted: targets come sorted by account, then region;
// the default identity ("") and the default region ("") sort first.
func TestLoadSetTargetsSorted(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"1.yaml": "version: 1\naccount: \"999999999999\"\nregion: us-east-1\nrepositories: []\n",
		"2.yaml": "version: 1\nregions: [us-west-2, eu-west-1]\naccount: \"111111111111\"\nrepositories: []\n",
		"3.yaml": "version: 1\nrepositories: []\n",
		"4.yaml": "version: 1\nregion: ap-south-1\nrepositories: []\n",
		"5.yaml": "version: 1\nassumeRole: arn:aws:iam::555555555555:role/r\nrepositories: []\n",
		"6.yaml": "version: 1\nregion: eu-west-1\naccount: \"111111111111\"\nrepositories: []\n",
	})
	var got []string
	for _, tg := range loadSet(t, dir) {
		got = append(got, fmt.Sprintf("%s/%s %d", tg.Account, tg.Region, len(tg.Sources)))
	}
	want := []string{"/ 1", "/ap-south-1 1", "111111111111/eu-west-1 2", "111111111111/us-west-2 1", "555555555555/ 1", "999999999999/us-east-1 1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

// TestLoadSetMergeErrors: what two files for one registry must not both
// say, each reported at the second file's line and naming the first's.
func TestLoadSetMergeErrors(t *testing.T) {
	const us = "version: 1\nregion: us-west-2\naccount: \"111122223333\"\n"
	tests := []struct {
		name string
		a, b string
		want []string // %[1]s = a.yaml's path, %[2]s = b.yaml's
	}{
		{
			"a repository in two files",
			us + "repositories:\n  - name: alpha\n  - name: shared\n",
			us + "repositories:\n  - name: bravo\n  - name: shared\n    scanOnPush: true\n",
			[]string{"%[2]s:6: repositories[1] (shared): repository shared: described in %[1]s:6 and %[2]s:6, both for account 111122223333 in us-west-2; a repository belongs to one file: remove one of the two"},
		},
		{
			"a repository in two files of the default registry",
			"version: 1\nrepositories:\n  - name: shared\n",
			"version: 1\nrepositories:\n  - name: shared\n",
			[]string{"%[2]s:3: repositories[0] (shared): repository shared: described in %[1]s:3 and %[2]s:3, both for the default credentials' account in the region from --region or the environment; a repository belongs to one file: remove one of the two"},
		},
		{
			"two registry sections",
			us + "registry:\n  scanning: {type: BASIC, rules: []}\nrepositories: []\n",
			us + "repositories: []\nregistry:\n  policy: none\n",
			[]string{"%[2]s:5: registry: the registry: section is described in %[1]s:4 and %[2]s:5, both for account 111122223333 in us-west-2; registry-level settings belong to one file: keep one of the two sections"},
		},
		{
			"different roles",
			us + "assumeRole: arn:aws:iam::111122223333:role/a\nrepositories: []\n",
			"version: 1\nregion: us-west-2\nrepositories: []\nassumeRole: {roleArn: \"arn:aws:iam::111122223333:role/b\"}\n",
			[]string{"%[2]s:4: assumeRole: %[1]s:4 assumes arn:aws:iam::111122223333:role/a but %[2]s:4 assumes arn:aws:iam::111122223333:role/b, both for account 111122223333 in us-west-2; files for one registry must use the same assumeRole (or none): make them equal, or set account: or region: so they address different registries"},
		},
		{
			"a role and none",
			us + "repositories: []\n",
			us + "assumeRole: arn:aws:iam::111122223333:role/b\nrepositories: []\n",
			[]string{"%[2]s:4: assumeRole: %[1]s uses the default credentials but %[2]s:4 assumes arn:aws:iam::111122223333:role/b, both for account 111122223333 in us-west-2; files for one registry must use the same assumeRole (or none): make them equal, or set account: or region: so they address different registries"},
		},
		{
			"none and a role",
			us + "assumeRole: arn:aws:iam::111122223333:role/a\nrepositories: []\n",
			us + "repositories: []\n",
			[]string{"%[2]s: assumeRole: %[1]s:4 assumes arn:aws:iam::111122223333:role/a but %[2]s uses the default credentials, both for account 111122223333 in us-west-2; files for one registry must use the same assumeRole (or none): make them equal, or set account: or region: so they address different registries"},
		},
		{
			"one role, another external id",
			us + "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/a\", externalId: one-secret}\nrepositories: []\n",
			us + "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/a\", externalId: another, sessionName: s2}\nrepositories: []\n",
			[]string{"%[2]s:4: assumeRole: %[1]s:4 assumes arn:aws:iam::111122223333:role/a but %[2]s:4 assumes arn:aws:iam::111122223333:role/a with a different externalId and sessionName, both for account 111122223333 in us-west-2; files for one registry must use the same assumeRole (or none): make them equal, or set account: or region: so they address different registries"},
		},
		{
			"a regions file meets a region file in one region",
			"version: 1\nregions: [eu-west-1, us-west-2]\naccount: \"111122223333\"\nrepositories:\n  - name: shared\n",
			us + "repositories:\n  - name: shared\n",
			[]string{"%[2]s:5: repositories[0] (shared): repository shared: described in %[1]s:5 and %[2]s:5, both for account 111122223333 in us-west-2; a repository belongs to one file: remove one of the two"},
		},
		{
			"every conflict at once",
			us + "assumeRole: arn:aws:iam::111122223333:role/a\nregistry: {policy: none}\nrepositories:\n  - name: x1\n  - name: x2\n",
			us + "registry: {policy: none}\nrepositories:\n  - name: x2\n  - name: x1\n",
			[]string{
				"%[2]s: assumeRole: %[1]s:4 assumes arn:aws:iam::111122223333:role/a but %[2]s uses the default credentials, both for account 111122223333 in us-west-2; files for one registry must use the same assumeRole (or none): make them equal, or set account: or region: so they address different registries",
				"%[2]s:6: repositories[0] (x2): repository x2: described in %[1]s:8 and %[2]s:6, both for account 111122223333 in us-west-2; a repository belongs to one file: remove one of the two",
				"%[2]s:7: repositories[1] (x1): repository x1: described in %[1]s:7 and %[2]s:7, both for account 111122223333 in us-west-2; a repository belongs to one file: remove one of the two",
				"%[2]s:4: registry: the registry: section is described in %[1]s:5 and %[2]s:4, both for account 111122223333 in us-west-2; registry-level settings belong to one file: keep one of the two sections",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeSpecs(t, map[string]string{"a.yaml": tc.a, "b.yaml": tc.b})
			a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
			var want []string
			for _, w := range tc.want {
				want = append(want, fmt.Sprintf(w, a, b))
			}
			if diff := cmp.Diff(want, setProblems(t, a, b)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadSetSameRoleMerges: files with an equal assumeRole, or one giving
// account: and the other only the role in that account, are one registry.
func TestLoadSetSameRoleMerges(t *testing.T) {
	dir := writeSpecs(t, map[string]string{
		"a.yaml": "version: 1\nregion: us-west-2\naccount: \"111122223333\"\nassumeRole: arn:aws:iam::111122223333:role/a\nrepositories:\n  - name: alpha\n",
		"b.yaml": "version: 1\nregion: us-west-2\nassumeRole: {roleArn: \"arn:aws:iam::111122223333:role/a\"}\nrepositories:\n  - name: bravo\n",
	})
	ts := loadSet(t, dir)
	if len(ts) != 1 || ts[0].Account != "111122223333" || ts[0].AssumeRole == nil || ts[0].AssumeRole.RoleARN != "arn:aws:iam::111122223333:role/a" ||
		!cmp.Equal(names(ts[0].Spec), []string{"alpha", "bravo"}) || ts[0].Spec.AssumeRole != ts[0].AssumeRole {
		t.Fatalf("targets = %+v; want one for 111122223333/us-west-2 with the role and both repositories", ts)
	}
}
