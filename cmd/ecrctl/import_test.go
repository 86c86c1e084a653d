package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func seedRepo(t *testing.T, h *harness, name string, mut types.ImageTagMutability, lifecycle string) {
	t.Helper()
	ctx := context.Background()
	if _, err := h.fake.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName: aws.String(name), ImageTagMutability: mut,
		Tags: []types.Tag{{Key: aws.String("Team"), Value: aws.String("web")}},
	}); err != nil {
		t.Fatal(err)
	}
	if lifecycle != "" {
		if _, err := h.fake.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String(name), LifecyclePolicyText: aws.String(lifecycle)}); err != nil {
			t.Fatal(err)
		}
	}
}

const untaggedPolicy = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`

func TestImportThenPlanShowsNoChanges(t *testing.T) {
	h := newHarness(t, testSpec)
	seedRepo(t, h, "legacy/api", types.ImageTagMutabilityImmutable, untaggedPolicy)
	seedRepo(t, h, "legacy/web", types.ImageTagMutabilityMutable, untaggedPolicy)
	seedRepo(t, h, "other", types.ImageTagMutabilityMutable, "")
	h.fake.ResetCalls()

	code, out, errOut := h.run("", false, "import", "--prefix", "legacy/", "-o", "imported.yaml")
	if code != exitOK || out != "" || !strings.Contains(errOut, "Imported 2 repositories from registry 123456789012 in us-west-2 to imported.yaml.") {
		t.Fatalf("import = %d:\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if h.fake.Writes() != 0 {
		t.Fatalf("import wrote to ECR: %v", h.fake.Calls())
	}
	spec, err := os.ReadFile(filepath.Join(h.dir, "imported.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"region: us-west-2\n", "account: \"123456789012\"\n", "lifecyclePolicy: policy-1\n", "  - name: legacy/api\n", "Team: web"} {
		if !strings.Contains(string(spec), want) {
			t.Errorf("imported spec lacks %q:\n%s", want, spec)
		}
	}
	if strings.Contains(string(spec), "name: other") {
		t.Errorf("--prefix legacy/ imported other:\n%s", spec)
	}

	code, out, _ = h.run("", false, "plan", "-f", "imported.yaml", "--detailed-exitcode")
	if code != exitOK || !strings.Contains(out, "No changes. The registry matches the configuration (2 managed repositories).") {
		t.Fatalf("plan after import = %d:\n%s", code, out)
	}
	// Drift made by hand after the import shows up.
	if _, err := h.fake.PutImageScanningConfiguration(context.Background(), &ecr.PutImageScanningConfigurationInput{
		RepositoryName: aws.String("legacy/web"), ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
	}); err != nil {
		t.Fatal(err)
	}
	code, out, _ = h.run("", false, "plan", "-f", "imported.yaml", "--detailed-exitcode")
	if code != exitChanges || !strings.Contains(out, "scanOnPush = true -> false") {
		t.Fatalf("plan after drift = %d:\n%s", code, out)
	}
}

func TestImportRefusesToOverwrite(t *testing.T) {
	h := newHarness(t, testSpec)
	seedRepo(t, h, "app", types.ImageTagMutabilityMutable, "")
	before, _ := os.ReadFile(filepath.Join(h.dir, "registry.yaml"))
	code, _, errOut := h.run("", false, "import", "-o", "registry.yaml")
	if code != exitError || !strings.Contains(errOut, "registry.yaml already exists; pass --force") {
		t.Fatalf("import over an existing file = %d:\n%s", code, errOut)
	}
	if h.connected != 0 {
		t.Error("import connected before refusing")
	}
	after, _ := os.ReadFile(filepath.Join(h.dir, "registry.yaml"))
	if string(before) != string(after) {
		t.Fatal("the existing file changed")
	}
	code, _, errOut = h.run("", false, "import", "-o", "registry.yaml", "--force")
	if code != exitOK {
		t.Fatalf("import --force = %d:\n%s", code, errOut)
	}
	after, _ = os.ReadFile(filepath.Join(h.dir, "registry.yaml"))
	if !strings.Contains(string(after), "  - name: app\n") {
		t.Fatalf("--force did not overwrite:\n%s", after)
	}
}

func TestImportToStdout(t *testing.T) {
	h := newHarness(t, testSpec)
	seedRepo(t, h, "app", types.ImageTagMutabilityImmutable, "")
	seedRepo(t, h, "db", types.ImageTagMutabilityImmutable, "")
	code, out, errOut := h.run("", false, "import", "--name", "app")
	if code != exitOK || !strings.HasPrefix(out, "# yaml-language-server: $schema="+spec.SchemaURL+"\n# Written by `ecrctl import`") || strings.Contains(out, "name: db") {
		t.Fatalf("import --name app = %d:\n%s\n%s", code, out, errOut)
	}
	h.writeSpec(out)
	if code, planOut, _ := h.run("", false, "plan", "--detailed-exitcode"); code != exitOK {
		t.Fatalf("plan of the imported spec = %d:\n%s", code, planOut)
	}
	code, _, errOut = h.run("", false, "import", "--name", "nope")
	if code != exitError || !strings.Contains(errOut, `no repository named "nope"`) {
		t.Fatalf("import --name nope = %d:\n%s", code, errOut)
	}
}

func TestNewCommandsHelp(t *testing.T) {
	h := newHarness(t, testSpec)
	for _, cmd := range []string{"import", "outputs"} {
		code, out, _ := h.run("", false, cmd, "--help")
		if code != exitOK || !strings.Contains(out, "Example") || !strings.Contains(out, "Exit codes") {
			t.Errorf("%s --help = %d, lacks examples or exit codes:\n%s", cmd, code, out)
		}
	}
	if h.connected != 0 {
		t.Fatal("--help built a client")
	}
}
