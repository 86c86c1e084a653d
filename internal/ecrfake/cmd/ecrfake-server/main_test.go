package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

const (
	account  = "449870229058" // registry.yaml's account guard
	region   = "us-west-2"
	repoRoot = "../../../.."
)

var (
	builds   sync.Map // package -> *builtBinary
	buildDir string
)

type builtBinary struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ecrfake-server-test-")
	if err != nil {
		panic(err)
	}
	buildDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles a package of this module once per test run (the machine
// may be shared with the end-to-end tests) and returns the binary.
func build(t *testing.T, pkg, name string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(pkg, &builtBinary{})
	b := v.(*builtBinary)
	b.once.Do(func() {
		b.path = filepath.Join(buildDir, name)
		if out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// startServer runs the built server on a free port and returns its URL,
// read from the first line of its stdout.
func startServer(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-account", account, "-region", region)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case url, ok := <-lines:
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("first stdout line %q is not the server URL; stderr:\n%s", url, stderr.String())
		}
		return url
	case <-time.After(20 * time.Second):
		t.Fatalf("the server printed no URL; stderr:\n%s", stderr.String())
	}
	return ""
}

// TestEcrctlConvergesAgainstTheServedFake: the built ecrctl binary, run
// against the built server like `make demo` runs it, plans the project's
// registry.yaml, applies it, and then plans no changes. The result is read
// back with the SDK, not with ecrctl.
func TestEcrctlConvergesAgainstTheServedFake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ecrctl and the server")
	}
	dir := t.TempDir()
	url := startServer(t, build(t, ".", "ecrfake-server"))
	ecrctl := build(t, "github.com/ecrctl/ecrctl/cmd/ecrctl", "ecrctl")
	seed, err := os.ReadFile(filepath.Join(repoRoot, "registry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "registry.yaml"), seed, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(want int, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, ecrctl, args...)
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + dir, "AWS_ACCESS_KEY_ID=any", "AWS_SECRET_ACCESS_KEY=any",
			"AWS_ENDPOINT_URL=" + url, "AWS_EC2_METADATA_DISABLED=true"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("ecrctl %v: %v", args, err)
		}
		if code != want {
			t.Fatalf("ecrctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
		}
		return stdout.String()
	}

	if out := run(2, "plan", "--detailed-exitcode", "--no-color"); !strings.Contains(out, "Plan: 2 to add, 0 to change, 0 to destroy.") {
		t.Errorf("first plan:\n%s", out)
	}
	if out := run(0, "apply", "--auto-approve", "--no-color"); !strings.Contains(out, "Apply complete! Resources: 2 added, 0 changed, 0 destroyed.") {
		t.Errorf("apply:\n%s", out)
	}
	if out := run(0, "plan", "--detailed-exitcode", "--no-color"); !strings.Contains(out, "No changes.") {
		t.Errorf("second plan:\n%s", out)
	}

	c := ecr.New(ecr.Options{Region: region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("any", "any", "")})
	out, err := c.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range out.Repositories {
		names = append(names, aws.ToString(r.RepositoryName))
		if r.ImageTagMutability != "IMMUTABLE" || r.ImageScanningConfiguration == nil || !r.ImageScanningConfiguration.ScanOnPush {
			t.Errorf("%s: mutability %s, scanning %+v; want registry.yaml's IMMUTABLE and scanOnPush", aws.ToString(r.RepositoryName), r.ImageTagMutability, r.ImageScanningConfiguration)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"durableai-dev-backend", "durableai-dev-frontend"}) {
		t.Errorf("repositories after apply: %v", names)
	}
}

// TestDemoUsesTheFakeWithoutMoto runs `make demo`'s script with the fake
// forced (as on a machine without moto) and checks it says so and ends with
// an empty plan.
func TestDemoUsesTheFakeWithoutMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ecrctl and the server")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	ecrctl := build(t, "github.com/ecrctl/ecrctl/cmd/ecrctl", "ecrctl")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "internal/e2e/demo.sh", ecrctl)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "DEMO_BACKEND=fake")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Local ECR emulator: ecrctl's in-memory fake",
		"Apply complete! Resources: 2 added",
		"No changes.",
		"durableai-dev-frontend", // from the independent check
		"Demo done (fake)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestDemoConvergesRegistrySettingsOnTheFake runs `make demo`'s script on
// the example that manages every registry setting: each registry-level
// operation goes over the wire to the served fake (moto has no pull-through
// cache rules or creation templates), apply succeeds, and the next plan is
// empty, so the fake reads back what it was given.
func TestDemoConvergesRegistrySettingsOnTheFake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ecrctl and the server")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	ecrctl := build(t, "github.com/ecrctl/ecrctl/cmd/ecrctl", "ecrctl")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "internal/e2e/demo.sh", ecrctl)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "DEMO_BACKEND=fake", "SPEC=docs/examples/registry-full.yaml")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		"registry_scanning_configuration will be",
		"replication_configuration will be",
		"registry_policy will be created",
		"pull_through_cache_rule.",
		"repository_creation_template.",
		"Apply complete!",
		"No changes.",
		"Demo done (fake)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
