//go:build unix

package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EImportThenPlanIsEmpty: a registry made by hand (here with the AWS
// CLI) in many shapes is imported, and a plan of the imported spec right
// after shows no changes; import and plan send no write.
func TestE2EImportThenPlanIsEmpty(t *testing.T) {
	e := newEnv(t)
	const lifecycle = `{"rules":[{"rulePriority":20,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}},` +
		`{"rulePriority":10,"description":"keep 10 releases","selection":{"tagStatus":"tagged","tagPrefixList":["v","release"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`
	accessPolicy := `{"Version":"2012-10-17","Statement":[
		{"Sid":"EcrctlPull","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + account + `:root","` + pullRole + `"]},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]},
		{"Sid":"EcrctlPush","Effect":"Allow","Principal":{"AWS":"` + pushRole + `"},"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:CompleteLayerUpload","ecr:GetDownloadUrlForLayer","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"]}]}`
	customPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"LambdaPull","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
	arn := func(name string) string { return "arn:aws:ecr:" + region + ":" + account + ":repository/" + name }

	e.aws("create-repository", "--repository-name", "legacy/api", "--image-tag-mutability", "IMMUTABLE_WITH_EXCLUSION",
		"--image-tag-mutability-exclusion-filters", "filterType=WILDCARD,filter=latest", "filterType=WILDCARD,filter=dev-*",
		"--image-scanning-configuration", "scanOnPush=true", "--tags", "Key=Team,Value=web", "Key=Owner,Value=alice")
	e.aws("put-lifecycle-policy", "--repository-name", "legacy/api", "--lifecycle-policy-text", lifecycle)
	e.aws("set-repository-policy", "--repository-name", "legacy/api", "--policy-text", accessPolicy)

	e.aws("create-repository", "--repository-name", "legacy/worker", "--encryption-configuration", "encryptionType=KMS",
		"--tags", "Key=Team,Value=web")
	e.aws("put-lifecycle-policy", "--repository-name", "legacy/worker", "--lifecycle-policy-text", lifecycle)
	e.aws("set-repository-policy", "--repository-name", "legacy/worker", "--policy-text", customPolicy)

	e.aws("create-repository", "--repository-name", "legacy/plain", "--tags", "Key=Team,Value=web", "Key=aws:cloudformation:stack-name,Value=old")

	e.aws("create-repository", "--repository-name", "other/tool")

	r := e.mustExit(0, "--region", region, "import", "--prefix", "legacy/", "-o", "imported.yaml")
	assertNoWrites(t, r)
	mustContain(t, r, r.stderr, "Imported 3 repositories from registry "+account+" in "+region+" to imported.yaml.")
	spec := readFile(t, filepath.Join(e.dir, "imported.yaml"))
	for _, want := range []string{
		"account: \"" + account + "\"",
		"lifecyclePolicies:\n  policy-1:",
		"tags:\n    Team: web",
		"access:\n      pull:\n        - \"" + account + "\"\n        - " + pullRole + "\n",
		"repositoryPolicy: none",
		"lifecyclePolicy: none",
		"imageTagMutabilityExclusionFilters: [dev-*, latest]",
		"encryption: {type: KMS, kmsKey: ",
	} {
		if !strings.Contains(spec, want) {
			t.Errorf("imported spec lacks %q:\n%s", want, spec)
		}
	}
	for _, unwanted := range []string{"other/tool", "aws:cloudformation"} {
		mustNotContain(t, r, spec, unwanted)
	}

	r = e.mustExit(0, "plan", "-f", "imported.yaml", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes. The registry matches the configuration (3 managed repositories).")
	mustContain(t, r, r.stdout, "Unmanaged repositories (not in the spec, never touched): other/tool")
	assertNoWrites(t, r)

	// The imported spec manages what it says: a change by hand is drift.
	e.aws("tag-resource", "--resource-arn", arn("legacy/plain"), "--tags", "Key=Team,Value=data")
	r = e.mustExit(2, "plan", "-f", "imported.yaml", "--detailed-exitcode")
	mustContain(t, r, r.stdout, `~ tags.Team = "data" -> "web"`)

	// An existing file is not overwritten.
	r = e.mustExit(1, "--region", region, "import", "-o", "imported.yaml")
	mustContain(t, r, r.stderr, "imported.yaml already exists; pass --force")
	if got := readFile(t, filepath.Join(e.dir, "imported.yaml")); got != spec {
		t.Fatal("import changed an existing file without --force")
	}
}

// TestE2EOutputs: outputs reports what the AWS CLI reports.
func TestE2EOutputs(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	e.mustExit(0, "apply", "--auto-approve")

	r := e.mustExit(0, "outputs")
	var got map[string]struct {
		Name, ARN, URI string
		RegistryID     string `json:"registry_id"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("outputs is not JSON: %v\n%s", err, r)
	}
	var described struct {
		Repositories []struct {
			RepositoryName, RepositoryArn, RepositoryUri, RegistryId string
		}
	}
	if err := json.Unmarshal(e.aws("describe-repositories"), &described); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(described.Repositories) != 2 {
		t.Fatalf("outputs %v, registry %v", got, described.Repositories)
	}
	for _, d := range described.Repositories {
		o := got[d.RepositoryName]
		if o.ARN != d.RepositoryArn || o.URI != d.RepositoryUri || o.RegistryID != d.RegistryId || o.Name != d.RepositoryName {
			t.Errorf("outputs[%s] = %+v, the AWS CLI says %+v", d.RepositoryName, o, d)
		}
	}
	for _, c := range r.calls {
		if c.Op != "DescribeRepositories" {
			t.Errorf("outputs sent %s", c)
		}
	}

}
