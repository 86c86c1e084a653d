package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/golden"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// registries is a run's worth of fakes: one per target, as separate
// accounts and regions are separate registries.
type registries struct {
	targets []*spec.Target
	fakes   map[*spec.Target]*ecrfake.Fake
	// refuse makes Connect fail for a target, as a role that cannot be
	// assumed does.
	refuse map[*spec.Target]error
}

func newRegistries() *registries {
	return &registries{fakes: map[*spec.Target]*ecrfake.Fake{}, refuse: map[*spec.Target]error{}}
}

// add is a target from one spec file reaching a fake registry in account
// and region; role "" is the default credentials.
func (rs *registries) add(t *testing.T, source, account, region, role, yaml string, repos ...string) (*spec.Target, *ecrfake.Fake) {
	t.Helper()
	f, err := spec.Parse(source, []byte(yaml))
	if err != nil {
		t.Fatalf("spec %s: %v", source, err)
	}
	tg := &spec.Target{Account: f.Account, Region: region, Spec: f, Sources: []string{source}}
	if role != "" {
		tg.AssumeRole = &spec.AssumeRole{RoleARN: role}
	}
	fake := ecrfake.New(ecrfake.WithAccount(account), ecrfake.WithRegion(region))
	for _, name := range repos {
		if _, err := fake.CreateRepository(context.Background(), createInput(name)); err != nil {
			t.Fatal(err)
		}
	}
	fake.ResetCalls()
	rs.targets = append(rs.targets, tg)
	rs.fakes[tg] = fake
	return tg, fake
}

func (rs *registries) connect(_ context.Context, t *spec.Target) (ecrapi.API, string, error) {
	if err := rs.refuse[t]; err != nil {
		return nil, "", err
	}
	return rs.fakes[t], rs.fakes[t].Region(), nil
}

func (rs *registries) plan(opt DiffOptions) *Run {
	return PlanRun(context.Background(), rs.targets, RunOptions{Connect: rs.connect, Parallelism: 4, Diff: opt})
}

const teamA = `version: 1
account: "111111111111"
repositories:
  - name: app
    scanOnPush: true
  - name: web
    tags: {Team: web}
`

const prodB = `version: 1
repositories:
  - name: app
    imageTagMutability: IMMUTABLE
  - name: old
    state: absent
`

// twoRegistries: the same repository name in two accounts and regions, so
// addresses must say which registry they are in.
func twoRegistries(t *testing.T) (*registries, *ecrfake.Fake, *ecrfake.Fake) {
	rs := newRegistries()
	_, a := rs.add(t, "teams/a.yaml", "111111111111", "us-west-2", "arn:aws:iam::111111111111:role/ecrctl", teamA, "web", "legacy")
	_, b := rs.add(t, "prod.yaml", "222222222222", "eu-west-1", "", prodB, "app", "old")
	return rs, a, b
}

func TestGoldenRunPlan(t *testing.T) {
	rs, _, _ := twoRegistries(t)
	run := rs.plan(DiffOptions{})
	if failed := run.Failed(); len(failed) > 0 {
		t.Fatalf("registry failed: %v", failed[0].Err)
	}
	var text, js, md bytes.Buffer
	if err := RenderRunText(&text, run, false); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(&js, run.Merged()); err != nil {
		t.Fatal(err)
	}
	if err := RenderRunMarkdown(&md, run); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "run-plan.txt", text.Bytes())
	golden.Check(t, "run-plan.json", js.Bytes())
	golden.Check(t, "run-plan.md", md.Bytes())

	back, err := ReadPlanJSON(&js)
	if err != nil {
		t.Fatalf("the multi-registry JSON does not read back: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range back.Changes {
		if seen[c.Address] {
			t.Errorf("address %s twice in one plan", c.Address)
		}
		seen[c.Address] = true
		if c.Account == "" || c.Region == "" {
			t.Errorf("%s: account %q region %q, want both", c.Address, c.Account, c.Region)
		}
	}
	if !seen[`registry["111111111111/us-west-2"].repository.app`] || !seen[`registry["222222222222/eu-west-1"].repository.app`] {
		t.Errorf("addresses %v, want app in both registries", seen)
	}
	if len(back.Registries) != 2 || back.Registries[0].Fingerprint == nil || back.Registries[1].Fingerprint == nil {
		t.Errorf("registries %+v, want two with fingerprints", back.Registries)
	}
}

// One registry's reads fail: it is reported with the reason, and the other
// is planned and applied all the same.
func TestRunFailureStaysWithItsRegistry(t *testing.T) {
	rs, a, b := twoRegistries(t)
	b.FailN("DescribeRepositories", "", 100, ecrfake.AccessDenied("ecr:DescribeRepositories"))
	run := rs.plan(DiffOptions{AllowDeleteImages: true})
	failed := run.Failed()
	if len(failed) != 1 || failed[0].Target != rs.targets[1] {
		t.Fatalf("failed = %v, want prod.yaml's registry only", failed)
	}
	if !strings.Contains(failed[0].Err.Error(), "DescribeRepositories") {
		t.Errorf("the failure does not say what failed: %v", failed[0].Err)
	}
	var text bytes.Buffer
	if err := RenderRunText(&text, run, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Error: ", "prod.yaml", "# repository.app will be created", "1 could not be planned"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text plan lacks %q:\n%s", want, text.String())
		}
	}
	res, err := ApplyRun(context.Background(), run, fastApply())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 0 || len(res.Applied) != 2 {
		t.Fatalf("apply: %+v, want both changes of account 111111111111 applied", res)
	}
	if _, ok := a.Repository("app"); !ok {
		t.Error("app was not created in the registry that could be read")
	}
	if b.Writes() != 0 {
		t.Errorf("%d writes to the registry that could not be read", b.Writes())
	}
	// Converged: the registry that was applied plans empty now.
	b.ClearInjections()
	if again := rs.plan(DiffOptions{AllowDeleteImages: true}); again.Registries[0].Plan.HasChanges {
		t.Errorf("second plan of the applied registry has changes: %+v", again.Registries[0].Plan.Summary)
	}
}

// A role that cannot be assumed fails its registry only.
func TestRunConnectFailureStaysWithItsRegistry(t *testing.T) {
	rs, _, _ := twoRegistries(t)
	rs.refuse[rs.targets[0]] = errors.New("assuming role arn:aws:iam::111111111111:role/ecrctl: AccessDenied")
	run := rs.plan(DiffOptions{AllowDeleteImages: true})
	if run.Registries[0].Err == nil || run.Registries[1].Err != nil {
		t.Fatalf("errors %v / %v, want the first registry only", run.Registries[0].Err, run.Registries[1].Err)
	}
	m := run.Merged()
	if m.Registries[0].Error == "" || m.Registries[0].Account != "111111111111" || m.Registries[0].Role == "" {
		t.Errorf("failed registry in JSON: %+v, want its error, account and role", m.Registries[0])
	}
	for _, c := range m.Changes {
		if c.Account == "111111111111" {
			t.Errorf("a change for the failed registry: %s", c.Address)
		}
	}
}

// Two targets that turn out to reach one registry (account and region) are
// both refused, naming both files.
func TestRunRefusesTwoTargetsForOneRegistry(t *testing.T) {
	rs := newRegistries()
	_, fake := rs.add(t, "a.yaml", "111111111111", "us-west-2", "", "version: 1\nrepositories:\n- name: one\n")
	tb, _ := rs.add(t, "b.yaml", "111111111111", "us-west-2", "arn:aws:iam::111111111111:role/ecrctl", "version: 1\nrepositories:\n- name: two\n")
	rs.fakes[tb] = fake
	run := rs.plan(DiffOptions{})
	for _, r := range run.Registries {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "a.yaml and b.yaml") || !strings.Contains(r.Err.Error(), "111111111111 in us-west-2") {
			t.Errorf("%s: err = %v, want both files and the registry named", r.Sources(), r.Err)
		}
	}
	if _, err := ApplyRun(context.Background(), run, fastApply()); err != nil {
		t.Fatal(err)
	}
	if fake.Writes() != 0 {
		t.Errorf("%d writes to a registry two files fight over", fake.Writes())
	}
}

// A blocked change in one registry refuses the whole apply: nothing is
// written in the other either.
func TestRunBlockedAnywhereRefusesAll(t *testing.T) {
	rs, a, b := twoRegistries(t)
	b.PutImage("old", ecrfake.Image{Digest: digestOf('1'), Tags: []string{"v1"}})
	run := rs.plan(DiffOptions{})
	_, err := ApplyRun(context.Background(), run, fastApply())
	var be *BlockedError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), `registry["222222222222/eu-west-1"].repository.old`) {
		t.Fatalf("err = %v, want a BlockedError naming the registry's old", err)
	}
	if a.Writes()+b.Writes() != 0 {
		t.Errorf("writes %d + %d despite a blocked change", a.Writes(), b.Writes())
	}
}

// --parallelism is shared fairly: with one slot, a registry of two
// repositories queued beside one of sixty waits, for each of its calls, for
// at most one call of the large one, however many the large one has
// queued (a first-come limiter makes it wait for all of them). Every call
// of both registries goes through the run's limiter.
func TestRunSharesParallelismFairly(t *testing.T) {
	rs := newRegistries()
	var big strings.Builder
	big.WriteString("version: 1\nrepositories:\n")
	var names []string
	for i := range 60 {
		name := fmt.Sprintf("r%02d", i)
		names = append(names, name)
		fmt.Fprintf(&big, "- name: %s\n  tags: {Team: big}\n  lifecyclePolicy: none\n  repositoryPolicy: none\n", name)
	}
	_, bigFake := rs.add(t, "big.yaml", "111111111111", "us-west-2", "", big.String(), names...)
	_, smallFake := rs.add(t, "small.yaml", "222222222222", "us-west-2", "", "version: 1\nrepositories:\n- name: s1\n  tags: {Team: small}\n- name: s2\n  tags: {Team: small}\n", "s1", "s2")

	// Each call takes a moment, so that calls queue for the one slot as
	// they would against ECR. Nothing is timed: whatever the moment, a
	// fair limiter lets at most one call of the large registry pass while
	// the small one has a call waiting.
	for _, f := range []*ecrfake.Fake{bigFake, smallFake} {
		f.Inject("", "", func(context.Context) error { time.Sleep(100 * time.Microsecond); return nil })
	}
	type event struct {
		queued   bool
		registry int
	}
	var log []event // appended under the limiter's lock
	lim := NewFairLimiter(1, 2)
	lim.queued = func(r int) { log = append(log, event{true, r}) }
	lim.granted = func(r int) { log = append(log, event{false, r}) }
	run := planRunWith(context.Background(), rs.targets, RunOptions{Connect: rs.connect, Parallelism: 8}, lim)
	if len(run.Failed()) > 0 {
		t.Fatal(run.Failed()[0].Err)
	}
	grants := map[int]int{}
	waiting, bigWhileWaiting, worst := 0, 0, 0
	for _, e := range log {
		switch {
		case e.queued && e.registry == 1:
			waiting++
		case !e.queued && e.registry == 1 && waiting > 0:
			waiting--
			bigWhileWaiting = 0
		case !e.queued && e.registry == 0 && waiting > 0:
			bigWhileWaiting++
			worst = max(worst, bigWhileWaiting)
		}
		if !e.queued {
			grants[e.registry]++
		}
	}
	if grants[1] == 0 || worst > 1 {
		t.Errorf("the small registry waited through %d calls of the large one for one slot; a fair share is 1", worst)
	}
	if n := totalCalls(bigFake); grants[0] != n || n < 180 {
		t.Errorf("the large registry made %d calls and took %d slots; want every call (over 180) through the limiter", n, grants[0])
	}
	if n := totalCalls(smallFake); grants[1] != n {
		t.Errorf("the small registry made %d calls and took %d slots", n, grants[1])
	}
}

func totalCalls(f *ecrfake.Fake) int {
	n := 0
	for _, c := range f.Calls() {
		n += c
	}
	return n
}

// A saved plan over two registries holds a fingerprint per registry; when
// live state moves in one of them, apply refuses the whole plan and names
// that registry only.
func TestSavedRunStaleInOneRegistry(t *testing.T) {
	rs, _, b := twoRegistries(t)
	t.Chdir(t.TempDir())
	path := filepath.Join("plans", "plan.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WritePlanFileFrom(path, rs.plan(DiffOptions{}).Merged(), []string{"teams", "prod.yaml"}); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := saved.SpecPathsOf(path), []string{"teams", "prod.yaml"}; !slices.Equal(got, want) {
		t.Errorf("SpecPathsOf = %v, want %v (the -f paths, relative to the plan file)", got, want)
	}
	if err := CheckSavedRun(saved, rs.plan(DiffOptions{})); err != nil {
		t.Fatalf("an unchanged run refused its own saved plan: %v", err)
	}

	if _, err := b.PutImageTagMutability(context.Background(), &ecr.PutImageTagMutabilityInput{RepositoryName: aws.String("app"), ImageTagMutability: "IMMUTABLE"}); err != nil {
		t.Fatal(err)
	}
	err = CheckSavedRun(saved, rs.plan(DiffOptions{}))
	if err == nil || !strings.Contains(err.Error(), "222222222222/eu-west-1 (prod.yaml)") || strings.Contains(err.Error(), "111111111111") {
		t.Fatalf("err = %v, want a stale plan naming prod.yaml's registry only", err)
	}
	if !strings.Contains(err.Error(), "nothing was written in any registry") {
		t.Errorf("err = %v, want it to say nothing was written", err)
	}
}

// A saved plan must cover the registries of the run, no more and no fewer.
func TestSavedRunOtherRegistries(t *testing.T) {
	rs, _, _ := twoRegistries(t)
	saved := rs.plan(DiffOptions{}).Merged()
	rs.add(t, "dr.yaml", "333333333333", "us-east-2", "", "version: 1\nrepositories:\n- name: app\n")
	err := CheckSavedRun(saved, rs.plan(DiffOptions{}))
	if err == nil || !strings.Contains(err.Error(), "333333333333/us-east-2 (dr.yaml) is not in the saved plan") {
		t.Errorf("err = %v, want the new registry named", err)
	}
	// A single-registry plan is not a plan for a run of several, and the
	// other way round.
	single := rs.plan(DiffOptions{}).Registries[0].Plan
	if err := CheckSavedRun(single, rs.plan(DiffOptions{})); err == nil || !strings.Contains(err.Error(), "made for one registry") {
		t.Errorf("err = %v, want a refusal of a single-registry plan", err)
	}
	if err := CheckSaved(saved, single); err == nil || !strings.Contains(err.Error(), "made for 2 registries") {
		t.Errorf("err = %v, want a refusal of a multi-registry plan", err)
	}
}

// An interrupt before apply starts leaves every change of every registry
// not started, each named with its registry, and writes nothing.
func TestApplyRunInterrupted(t *testing.T) {
	rs, a, b := twoRegistries(t)
	run := rs.plan(DiffOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := ApplyRun(ctx, run, fastApply())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotStarted) != 4 || len(res.Applied)+len(res.Failed) != 0 {
		t.Fatalf("result %+v, want all 4 changes not started", res)
	}
	if !slices.Contains(res.NotStarted, `registry["222222222222/eu-west-1"].repository.old`) {
		t.Errorf("not started %v, want addresses with their registry", res.NotStarted)
	}
	if a.Writes()+b.Writes() != 0 {
		t.Errorf("writes after an interrupt: %d + %d", a.Writes(), b.Writes())
	}
}
