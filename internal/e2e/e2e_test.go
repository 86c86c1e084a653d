//go:build unix

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	frontend = "durableai-dev-frontend"
	backend  = "durableai-dev-backend"

	pullRole = "arn:aws:iam::449870229058:role/ecs-task-execution"
	pushRole = "arn:aws:iam::449870229058:role/github-actions-deploy"
)

var (
	pullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
	pushActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
		"ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}
)

// TestE2ESeedConvergence: the project's registry.yaml converges an empty
// registry in one apply, and a second plan and apply find nothing to do.
func TestE2ESeedConvergence(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()

	r := e.mustExit(2, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.")
	mustContain(t, r, r.stdout, "repository.durableai-dev-frontend will be created")
	mustContain(t, r, r.stdout, "repository.durableai-dev-backend will be created")
	assertNoWrites(t, r)
	if n := len(e.snapshot().Repositories); n != 0 {
		t.Fatalf("plan created %d repositories", n)
	}

	r = e.mustExit(0, "apply", "--auto-approve")
	mustContain(t, r, r.stdout, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
	assertWrites(t, r,
		"CreateRepository(durableai-dev-backend)", "PutLifecyclePolicy(durableai-dev-backend)", "SetRepositoryPolicy(durableai-dev-backend)",
		"CreateRepository(durableai-dev-frontend)", "PutLifecyclePolicy(durableai-dev-frontend)", "SetRepositoryPolicy(durableai-dev-frontend)")

	snap := e.snapshot()
	if got := sortedNames(snap); !slices.Equal(got, []string{backend, frontend}) {
		t.Fatalf("want exactly the two seed repositories, got %v", got)
	}
	if snap.RegistryID != account {
		t.Errorf("registry id %q, want %q", snap.RegistryID, account)
	}
	assertSeedRepo(t, snap, frontend, "frontend")
	assertSeedRepo(t, snap, backend, "backend")

	r = e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
	assertNoWrites(t, r)

	r = e.mustExit(0, "apply", "--auto-approve")
	mustContain(t, r, r.stdout, "No changes")
	mustNotContain(t, r, r.stdout, "Apply complete")
	assertNoWrites(t, r)
	assertUnchanged(t, "a second apply", snap, e.snapshot())
}

// TestE2EDriftDetectedAndRepaired: changes made behind ecrctl's back show in
// the plan, attribute by attribute, and one apply repairs exactly them.
func TestE2EDriftDetectedAndRepaired(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	e.mustExit(0, "apply", "--auto-approve")
	snap := e.snapshot()
	frontARN := snap.repo(t, frontend).Repository.ARN

	// Drift, out of band with the AWS CLI.
	e.aws("put-image-scanning-configuration", "--repository-name", frontend, "--image-scanning-configuration", "scanOnPush=false")
	e.aws("tag-resource", "--resource-arn", frontARN, "--tags", "Key=Owner,Value=someone")
	e.aws("put-lifecycle-policy", "--repository-name", backend, "--lifecycle-policy-text",
		`{"rules":[{"rulePriority":1,"description":"hand-edited","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}`)
	e.aws("tag-resource", "--resource-arn", snap.repo(t, backend).Repository.ARN, "--tags", "Key=Environment,Value=prod")
	e.aws("set-repository-policy", "--repository-name", backend, "--policy-text",
		`{"Version":"2012-10-17","Statement":[{"Sid":"HandMade","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::449870229058:root"},"Action":["ecr:BatchGetImage"]}]}`)
	drifted := e.snapshot()
	if drifted.repo(t, frontend).Repository.Scanning.ScanOnPush {
		t.Fatal("moto ignored put-image-scanning-configuration scanOnPush=false")
	}
	if drifted.repo(t, frontend).Tags["Owner"] != "someone" {
		t.Fatal("moto ignored tag-resource Owner=someone")
	}

	r := e.mustExit(2, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "Plan: 0 to add, 2 to change, 0 to destroy.")
	front := planBlock(t, r, frontend)
	back := planBlock(t, r, backend)
	mustContain(t, r, front, "will be updated in place")
	mustMatch(t, r, front, `~ scanOnPush +=[ ]false -> true`)
	mustMatch(t, r, front, `- tags.Owner +=[ ]"someone" -> null`)
	mustContain(t, r, back, "will be updated in place")
	mustMatch(t, r, back, `~ lifecyclePolicy +=[ ]jsonencode\(`)
	mustMatch(t, r, back, `~ repositoryPolicy +=[ ]jsonencode\(`)
	mustMatch(t, r, back, `~ tags.Environment +=[ ]"prod" -> "dev"`)
	for _, s := range []string{"lifecyclePolicy", "repositoryPolicy", "tags.Component", "tags.Project"} {
		mustNotContain(t, r, front, s)
	}
	for _, s := range []string{"scanOnPush", "tags.Owner", "tags.Component"} {
		mustNotContain(t, r, back, s)
	}
	assertNoWrites(t, r)

	r = e.mustExit(0, "plan", "-o", "json")
	p := decodePlan(t, r)
	if !p.HasChanges {
		t.Errorf("has_changes is false\n%s", r)
	}
	if p.Summary != (planSummary{Add: 0, Change: 2, Destroy: 0}) {
		t.Errorf("summary %+v, want 0 add, 2 change, 0 destroy", p.Summary)
	}
	for _, want := range []struct {
		name  string
		paths []string
		ops   []string
	}{
		{frontend, []string{"scanOnPush", "tags.Owner"}, []string{"PutImageScanningConfiguration", "UntagResource"}},
		{backend, []string{"lifecyclePolicy", "repositoryPolicy", "tags.Environment"}, []string{"PutLifecyclePolicy", "SetRepositoryPolicy", "TagResource"}},
	} {
		c := p.change(t, want.name)
		if !slices.Equal(c.Actions, []string{"update"}) {
			t.Errorf("%s: actions %v, want [update]", want.name, c.Actions)
		}
		if c.Blocked {
			t.Errorf("%s: an in-place update is blocked", want.name)
		}
		if got := c.paths(); !slices.Equal(got, want.paths) {
			t.Errorf("%s: changed attributes %v, want %v", want.name, got, want.paths)
		}
		if got := c.ops(); !slices.Equal(got, want.ops) {
			t.Errorf("%s: steps %v, want %v", want.name, got, want.ops)
		}
	}

	r = e.mustExit(0, "apply", "--auto-approve")
	mustContain(t, r, r.stdout, "Apply complete! Resources: 0 added, 2 changed, 0 destroyed.")
	assertWrites(t, r,
		"PutImageScanningConfiguration(durableai-dev-frontend)", "UntagResource(durableai-dev-frontend)",
		"PutLifecyclePolicy(durableai-dev-backend)", "SetRepositoryPolicy(durableai-dev-backend)", "TagResource(durableai-dev-backend)")

	r = e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")

	repaired := e.snapshot()
	if _, ok := repaired.repo(t, frontend).Tags["Owner"]; ok {
		t.Errorf("the out-of-band tag Owner survived the apply: %v", repaired.repo(t, frontend).Tags)
	}
	assertSeedRepo(t, repaired, frontend, "frontend")
	assertSeedRepo(t, repaired, backend, "backend")
	if repaired.repo(t, frontend).Repository.CreatedAt != snap.repo(t, frontend).Repository.CreatedAt {
		t.Errorf("the repair recreated %s instead of updating it in place", frontend)
	}
}

// TestE2EReformattedPoliciesAreNotDrift: real ECR returns policies
// reformatted; a policy that means the same must not show as a change.
func TestE2EReformattedPoliciesAreNotDrift(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	e.mustExit(0, "apply", "--auto-approve")

	// The same repository policy: statements swapped, actions reversed, a
	// single principal as a string, pretty-printed.
	e.aws("set-repository-policy", "--repository-name", backend, "--policy-text", `{
  "Statement" : [ {
    "Action" : [ "ecr:UploadLayerPart", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:GetDownloadUrlForLayer", "ecr:CompleteLayerUpload", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability" ],
    "Principal" : { "AWS" : "arn:aws:iam::449870229058:role/github-actions-deploy" },
    "Effect" : "Allow",
    "Sid" : "EcrctlPush"
  }, {
    "Sid" : "EcrctlPull",
    "Effect" : "Allow",
    "Principal" : { "AWS" : "arn:aws:iam::449870229058:role/ecs-task-execution" },
    "Action" : [ "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability" ]
  } ],
  "Version" : "2012-10-17"
}`)
	// The same lifecycle policy: rules in reverse order, keys reordered.
	live := e.snapshot().repo(t, backend).LifecyclePolicy
	if live == nil {
		t.Fatal("no lifecycle policy after apply")
	}
	var doc struct {
		Rules []map[string]any `json:"rules"`
	}
	if err := json.Unmarshal([]byte(*live), &doc); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(doc.Rules)
	reordered, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	e.aws("put-lifecycle-policy", "--repository-name", backend, "--lifecycle-policy-text", string(reordered))
	stored := e.snapshot().repo(t, backend)
	if stored.LifecyclePolicy == nil || *stored.LifecyclePolicy == *live {
		t.Fatalf("moto did not store the reordered lifecycle policy: %v", stored.LifecyclePolicy)
	}
	if stored.RepositoryPolicy == nil || !strings.Contains(*stored.RepositoryPolicy, `"Version" : "2012-10-17"`) {
		t.Fatalf("moto did not store the reformatted repository policy: %v", stored.RepositoryPolicy)
	}

	r := e.ecrctl("plan", "--detailed-exitcode")
	if r.code != 0 {
		t.Errorf("policies equal in meaning but not in text show as drift; want exit 0\n%s", r)
	}
}

// TestE2EUnmanagedRepositoriesUntouched: a repository the spec does not name
// is listed as unmanaged and never read in detail or written.
func TestE2EUnmanagedRepositoriesUntouched(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	const other = "someone-elses"
	out := e.aws("create-repository", "--repository-name", other, "--image-tag-mutability", "MUTABLE",
		"--tags", "Key=Owner,Value=other-team", "Key=ManagedBy,Value=terraform")
	var created struct {
		Repository struct {
			Name string `json:"repositoryName"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(out, &created); err != nil || created.Repository.Name != other {
		t.Fatalf("create-repository answered %s (%v)", out, err)
	}
	e.aws("put-lifecycle-policy", "--repository-name", other, "--lifecycle-policy-text",
		`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}`)
	e.aws("set-repository-policy", "--repository-name", other, "--policy-text",
		`{"Version":"2012-10-17","Statement":[{"Sid":"Theirs","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::449870229058:root"},"Action":["ecr:BatchGetImage"]}]}`)
	pushImage(e, other, "latest", 1)
	before := e.snapshot().repo(t, other)

	r := e.mustExit(2, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "Unmanaged repositories (not in the spec, never touched): someone-elses")
	mustContain(t, r, r.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.")
	mustNotContain(t, r, r.stdout, `repository "someone-elses"`)
	assertNotNamed(t, r, other)

	r = e.mustExit(0, "plan", "-o", "json")
	if p := decodePlan(t, r); !slices.Equal(p.Unmanaged, []string{other}) {
		t.Errorf("unmanaged_repositories %v, want [%s]", p.Unmanaged, other)
	}

	r = e.mustExit(0, "apply", "--auto-approve")
	mustContain(t, r, r.stdout, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.")
	assertNotNamed(t, r, other)

	r = e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
	mustContain(t, r, r.stdout, "Unmanaged repositories (not in the spec, never touched): someone-elses")

	after := e.snapshot()
	if d := cmp.Diff(before, after.repo(t, other)); d != "" {
		t.Errorf("ecrctl changed the unmanaged repository (-before +after):\n%s", d)
	}
	assertSeedRepo(t, after, frontend, "frontend")
}

// TestE2EAbsentRepositoryWithImagesIsBlocked: state: absent deletes an empty
// repository, but one holding images only with --allow-delete-images.
func TestE2EAbsentRepositoryWithImagesIsBlocked(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", `version: 1
region: us-west-2
account: "449870229058"
repositories:
  - name: old-with-images
    state: absent
  - name: old-empty
    state: absent
  - name: never-existed
    state: absent
`)
	e.aws("create-repository", "--repository-name", "old-with-images")
	e.aws("create-repository", "--repository-name", "old-empty")
	pushImage(e, "old-with-images", "v1", 1)
	pushImage(e, "old-with-images", "v2", 2)
	before := e.snapshot()
	if n := len(before.repo(t, "old-with-images").Images); n != 2 {
		t.Fatalf("moto holds %d images in old-with-images after two put-image calls, want 2", n)
	}

	r := e.mustExit(2, "plan", "--detailed-exitcode")
	full := planBlock(t, r, "old-with-images")
	mustContain(t, r, full, "will be destroyed")
	mustContain(t, r, full, "2 images")
	mustContain(t, r, full, "blocked: needs --allow-delete-images")
	empty := planBlock(t, r, "old-empty")
	mustContain(t, r, empty, "will be destroyed")
	mustNotContain(t, r, empty, "blocked")
	mustContain(t, r, r.stdout, "Plan: 0 to add, 0 to change, 2 to destroy.")
	mustContain(t, r, r.stdout, "Blocked:")
	mustContain(t, r, r.stdout, "- repository.old-with-images: state: absent; deleting the repository destroys its 2 images (needs --allow-delete-images)")
	mustNotContain(t, r, r.stdout, "never-existed")
	assertNoWrites(t, r)

	r = e.mustExit(0, "plan", "-o", "json")
	p := decodePlan(t, r)
	c := p.change(t, "old-with-images")
	if !slices.Equal(c.Actions, []string{"delete"}) || !c.Blocked || c.ImageCount == nil || *c.ImageCount != 2 ||
		!slices.Equal(c.Requires, []string{"--allow-delete-images"}) {
		t.Errorf("old-with-images: want a blocked delete of 2 images requiring --allow-delete-images, got %+v", c)
	}
	c = p.change(t, "old-empty")
	if !slices.Equal(c.Actions, []string{"delete"}) || c.Blocked || c.ImageCount == nil || *c.ImageCount != 0 {
		t.Errorf("old-empty: want an unblocked delete of 0 images, got %+v", c)
	}
	if c := p.change(t, "never-existed"); !slices.Equal(c.Actions, []string{"no-op"}) {
		t.Errorf("never-existed: actions %v, want [no-op]", c.Actions)
	}

	r = e.mustExit(1, "apply", "--auto-approve")
	mustContain(t, r, r.stderr, "--allow-delete-images")
	mustContain(t, r, r.stderr, "repository.old-with-images")
	mustNotContain(t, r, r.stdout, "Apply complete")
	assertNoWrites(t, r)
	assertUnchanged(t, "a refused apply", before, e.snapshot())

	r = e.mustExit(0, "apply", "--auto-approve", "--allow-delete-images")
	mustContain(t, r, r.stdout, "Apply complete! Resources: 0 added, 0 changed, 2 destroyed.")
	assertWrites(t, r, "DeleteRepository(old-empty)", "DeleteRepository(old-with-images)")
	if names := sortedNames(e.snapshot()); len(names) != 0 {
		t.Fatalf("want an empty registry after the allowed delete, got %v", names)
	}

	// An empty repository needs no flag.
	e.aws("create-repository", "--repository-name", "old-empty")
	r = e.mustExit(0, "apply", "--auto-approve")
	mustContain(t, r, r.stdout, "Apply complete! Resources: 0 added, 0 changed, 1 destroyed.")
	assertWrites(t, r, "DeleteRepository(old-empty)")
	if names := sortedNames(e.snapshot()); len(names) != 0 {
		t.Fatalf("want old-empty deleted without --allow-delete-images, registry holds %v", names)
	}
	e.mustExit(0, "plan", "--detailed-exitcode")
}

// TestE2ESavedPlanStale: a saved plan is refused when live ECR or the spec
// changed after it was saved, and applied as saved otherwise.
func TestE2ESavedPlanStale(t *testing.T) {
	e := newEnv(t)
	spec := e.seedSpec()

	r := e.mustExit(0, "plan", "--out", "plan.json")
	mustContain(t, r, r.stderr, "Saved the plan to plan.json")
	// Live state moves on: someone creates one of the repositories by hand.
	e.aws("create-repository", "--repository-name", frontend)
	before := e.snapshot()

	r = e.mustExit(1, "apply", "plan.json")
	mustContain(t, r, r.stderr, "plan is stale")
	mustContain(t, r, r.stderr, "live ECR changed")
	assertNoWrites(t, r)
	assertUnchanged(t, "applying a stale plan", before, e.snapshot())
	if _, ok := before.Repositories[backend]; ok {
		t.Fatalf("%s exists although no plan was applied", backend)
	}

	// The spec moves on.
	e.mustExit(0, "plan", "--out", "plan2.json")
	original := readFile(t, spec)
	e.writeFile("registry.yaml", original+"# edited after the plan was saved\n")
	r = e.mustExit(1, "apply", "plan2.json")
	mustContain(t, r, r.stderr, "plan is stale")
	mustContain(t, r, r.stderr, "registry.yaml changed")
	assertNoWrites(t, r)

	// A fresh plan applies as saved, without --auto-approve (no terminal).
	e.writeFile("registry.yaml", original)
	e.mustExit(0, "plan", "--out", "plan3.json")
	r = e.mustExit(0, "apply", "plan3.json")
	mustContain(t, r, r.stdout, "Apply complete! Resources: 1 added, 1 changed, 0 destroyed.")
	e.mustExit(0, "plan", "--detailed-exitcode")
	snap := e.snapshot()
	assertSeedRepo(t, snap, frontend, "frontend")
	assertSeedRepo(t, snap, backend, "backend")
}

// TestE2ESavedPlanAppliedFromAnotherDirectory: a saved plan applies from any
// working directory, or with -f naming the spec it was made from.
func TestE2ESavedPlanAppliedFromAnotherDirectory(t *testing.T) {
	e := newEnv(t)
	spec := e.seedSpec()
	e.mustExit(0, "plan", "--out", "plan.json")
	elsewhere := t.TempDir()
	r := e.ecrctlIn(elsewhere, "apply", filepath.Join(e.dir, "plan.json"))
	if r.code != 0 {
		t.Errorf("applying a saved plan from another directory: want exit 0\n%s", r)
	}
	// Live state moved on, so save a fresh (empty) plan before the -f form.
	e.mustExit(0, "plan", "--out", "plan.json")
	r = e.ecrctlIn(elsewhere, "apply", "-f", spec, filepath.Join(e.dir, "plan.json"))
	if r.code != 0 {
		t.Errorf("applying a saved plan with -f: want exit 0\n%s", r)
	}
	e.mustExit(0, "plan", "--detailed-exitcode")
}

// TestE2EAccountGuard: a spec pinned to another account is refused before
// any write, whether or not the registry holds repositories.
func TestE2EAccountGuard(t *testing.T) {
	e := newEnv(t)
	seed := readFile(t, e.seedSpec())
	if !strings.Contains(seed, `account: "449870229058"`) {
		t.Fatalf("registry.yaml no longer pins account 449870229058; update this test")
	}
	e.writeFile("registry.yaml", strings.Replace(seed, `account: "449870229058"`, `account: "111111111111"`, 1))

	check := func(args ...string) {
		t.Helper()
		r := e.mustExit(1, args...)
		mustContain(t, r, r.stderr, "account guard")
		mustContain(t, r, r.stderr, "111111111111")
		mustContain(t, r, r.stderr, "449870229058")
		assertNoWrites(t, r)
	}
	// Empty registry: the account comes from DescribeRegistry.
	check("plan")
	check("apply", "--auto-approve")
	if names := sortedNames(e.snapshot()); len(names) != 0 {
		t.Fatalf("the guard let apply create %v", names)
	}
	// A registry with repositories: the account comes from their registry id.
	e.aws("create-repository", "--repository-name", "someone-elses")
	before := e.snapshot()
	check("plan", "--detailed-exitcode")
	check("apply", "--auto-approve")
	assertUnchanged(t, "a refused apply", before, e.snapshot())
}

// ---- helpers -------------------------------------------------------------

// assertSeedRepo checks one repository against registry.yaml's settings.
func assertSeedRepo(t *testing.T, snap snapshot, name, component string) {
	t.Helper()
	r := snap.repo(t, name)
	if got := r.Repository.ImageTagMutability; got != "IMMUTABLE" {
		t.Errorf("%s: imageTagMutability %q, want IMMUTABLE", name, got)
	}
	if !r.Repository.Scanning.ScanOnPush {
		t.Errorf("%s: scanOnPush false, want true", name)
	}
	if got := r.Repository.Encryption.Type; got != "AES256" {
		t.Errorf("%s: encryption %q, want AES256", name, got)
	}
	wantTags := map[string]string{"Project": "durableai", "Environment": "dev", "ManagedBy": "ecrctl", "Component": component}
	if d := cmp.Diff(wantTags, r.Tags); d != "" {
		t.Errorf("%s: tags (-want +got):\n%s", name, d)
	}

	if r.LifecyclePolicy == nil {
		t.Errorf("%s: no lifecycle policy", name)
	} else {
		var lp struct {
			Rules []struct {
				RulePriority int `json:"rulePriority"`
				Selection    struct {
					TagStatus     string   `json:"tagStatus"`
					TagPrefixList []string `json:"tagPrefixList"`
					CountType     string   `json:"countType"`
					CountNumber   int      `json:"countNumber"`
				} `json:"selection"`
				Action struct {
					Type string `json:"type"`
				} `json:"action"`
			} `json:"rules"`
		}
		if err := json.Unmarshal([]byte(*r.LifecyclePolicy), &lp); err != nil {
			t.Errorf("%s: lifecycle policy is not JSON: %v\n%s", name, err, *r.LifecyclePolicy)
		}
		var prios []int
		var summary []string
		for _, rule := range lp.Rules {
			prios = append(prios, rule.RulePriority)
			s := rule.Selection
			summary = append(summary, fmt.Sprintf("%d:%s:%s:%s:%d:%s", rule.RulePriority, s.TagStatus, strings.Join(s.TagPrefixList, "+"), s.CountType, s.CountNumber, rule.Action.Type))
		}
		sort.Ints(prios)
		if !slices.Equal(prios, []int{10, 20, 30, 40, 50, 60}) {
			t.Errorf("%s: lifecycle rule priorities %v, want 10..60", name, prios)
		}
		sort.Strings(summary)
		want := []string{
			"10:tagged:v:imageCountMoreThan:10:expire",
			"20:tagged:release:imageCountMoreThan:10:expire",
			"30:tagged:prod:imageCountMoreThan:10:expire",
			"40:tagged:dev:sinceImagePushed:7:expire",
			"50:tagged:staging:sinceImagePushed:7:expire",
			"60:untagged::sinceImagePushed:1:expire",
		}
		if d := cmp.Diff(want, summary); d != "" {
			t.Errorf("%s: lifecycle rules (-want +got):\n%s", name, d)
		}
	}

	if r.RepositoryPolicy == nil {
		t.Errorf("%s: no repository policy", name)
		return
	}
	stmts := parsePolicy(t, name, *r.RepositoryPolicy)
	want := map[string]statement{
		"EcrctlPull": {Effect: "Allow", Principals: []string{pullRole}, Actions: pullActions},
		"EcrctlPush": {Effect: "Allow", Principals: []string{pushRole}, Actions: pushActions},
	}
	if d := cmp.Diff(want, stmts); d != "" {
		t.Errorf("%s: repository policy statements by Sid (-want +got):\n%s\npolicy: %s", name, d, *r.RepositoryPolicy)
	}
}

type statement struct {
	Effect     string
	Principals []string // sorted
	Actions    []string // sorted
}

// parsePolicy returns a policy's statements by Sid, accepting a string or a
// list wherever IAM does.
func parsePolicy(t *testing.T, name, text string) map[string]statement {
	t.Helper()
	var doc struct {
		Statement []struct {
			Sid       string          `json:"Sid"`
			Effect    string          `json:"Effect"`
			Principal json.RawMessage `json:"Principal"`
			Action    json.RawMessage `json:"Action"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%s: repository policy is not JSON: %v\n%s", name, err, text)
	}
	out := map[string]statement{}
	for _, s := range doc.Statement {
		var principal struct {
			AWS json.RawMessage `json:"AWS"`
		}
		if err := json.Unmarshal(s.Principal, &principal); err != nil {
			t.Fatalf("%s: statement %q: Principal %s: %v", name, s.Sid, s.Principal, err)
		}
		out[s.Sid] = statement{Effect: s.Effect, Principals: stringOrList(t, principal.AWS), Actions: stringOrList(t, s.Action)}
	}
	return out
}

func stringOrList(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if err := json.Unmarshal(raw, &one); err != nil {
			t.Fatalf("%s is neither a string nor a list of strings", raw)
		}
		list = []string{one}
	}
	sort.Strings(list)
	return list
}

// pushImage puts a minimal image manifest with the AWS CLI. moto derives the
// digest from the layer digests only, so seed makes the image distinct.
func pushImage(e *env, repo, tag string, seed int) {
	e.t.Helper()
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",`+
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:%064x"},`+
		`"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32,"digest":"sha256:%064x"}]}`, seed, 1000+seed)
	e.aws("put-image", "--repository-name", repo, "--image-tag", tag, "--image-manifest", manifest)
}

type planJSON struct {
	HasChanges bool            `json:"has_changes"`
	Summary    planSummary     `json:"summary"`
	Changes    []planResChange `json:"resource_changes"`
	Unmanaged  []string        `json:"unmanaged_repositories"`
}

type planSummary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

type planResChange struct {
	Type       string   `json:"type"`
	Address    string   `json:"address"`
	Name       string   `json:"name"`
	Actions    []string `json:"actions"`
	Blocked    bool     `json:"blocked"`
	Requires   []string `json:"requires"`
	ImageCount *int     `json:"image_count"`
	Changes    []struct {
		Path string `json:"path"`
	} `json:"changes"`
	Steps []struct {
		Operation string `json:"operation"`
	} `json:"steps"`
}

func (c planResChange) paths() []string {
	var out []string
	for _, ch := range c.Changes {
		out = append(out, ch.Path)
	}
	sort.Strings(out)
	return out
}

func (c planResChange) ops() []string {
	var out []string
	for _, s := range c.Steps {
		out = append(out, s.Operation)
	}
	sort.Strings(out)
	return out
}

func decodePlan(t *testing.T, r result) planJSON {
	t.Helper()
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan -o json is not JSON: %v\n%s", err, r)
	}
	return p
}

func (p planJSON) change(t *testing.T, name string) planResChange {
	t.Helper()
	for _, c := range p.Changes {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the plan has no resource change for %s: %+v", name, p.Changes)
	return planResChange{}
}

// planBlock returns the text plan's block for one repository: from its
// "# repository.NAME" header to the next header or the summary.
func planBlock(t *testing.T, r result, name string) string {
	t.Helper()
	header := "# repository." + name + " "
	i := strings.Index(r.stdout, header)
	if i < 0 {
		t.Fatalf("the plan has no block for %s\n%s", name, r)
	}
	rest := r.stdout[i+len(header):]
	end := len(rest)
	for _, stop := range []string{"# repository.", "\nPlan:"} {
		if j := strings.Index(rest, stop); j >= 0 && j < end {
			end = j
		}
	}
	return r.stdout[i : i+len(header)+end]
}

// assertWrites fails unless the run's write calls are exactly want, in any
// order.
func assertWrites(t *testing.T, r result, want ...string) {
	t.Helper()
	var got []string
	for _, c := range r.writes() {
		got = append(got, c.String())
	}
	sort.Strings(got)
	want = slices.Clone(want)
	sort.Strings(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("write calls (-want +got):\n%s\n%s", d, r)
	}
}

// assertNotNamed fails when any call of the run names the repository.
func assertNotNamed(t *testing.T, r result, repo string) {
	t.Helper()
	for _, c := range r.calls {
		if c.Repo == repo {
			t.Errorf("ecrctl sent %s to the unmanaged repository %s\n%s", c, repo, r)
		}
	}
}

func mustContain(t *testing.T, r result, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Errorf("want output containing %q\n%s", want, r)
	}
}

func mustMatch(t *testing.T, r result, text, pattern string) {
	t.Helper()
	if !regexp.MustCompile(pattern).MatchString(text) {
		t.Errorf("want output matching %q\n%s", pattern, r)
	}
}

func mustNotContain(t *testing.T, r result, text, unwanted string) {
	t.Helper()
	if strings.Contains(text, unwanted) {
		t.Errorf("want output without %q\n%s", unwanted, r)
	}
}

func sortedNames(s snapshot) []string {
	n := s.names()
	sort.Strings(n)
	return n
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
