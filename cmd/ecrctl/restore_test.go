package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

const keepPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["ecr:BatchGetImage"]}]}`

// seedUnmanaged makes repository app with settings the spec does not manage.
func seedUnmanaged(t *testing.T, fake *ecrfake.Fake) {
	t.Helper()
	ctx := context.Background()
	if _, err := fake.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app"), ImageTagMutability: types.ImageTagMutabilityImmutable,
		Tags: []types.Tag{{Key: aws.String("Owner"), Value: aws.String("alice")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(keepPolicy)}); err != nil {
		t.Fatal(err)
	}
}

// A replacement whose last call fails leaves a restore file in the working
// directory; `ecrctl restore` makes the missing call, and a second run
// makes none.
func TestApplyReplacementFailureThenRestore(t *testing.T) {
	h := newHarness(t, "version: 1\nregion: us-west-2\nrepositories:\n  - name: app\n    encryption: {type: KMS}\n")
	seedUnmanaged(t, h.fake)
	h.fake.FailN("SetRepositoryPolicy", "app", 1, ecrfake.AccessDenied("SetRepositoryPolicy"))
	code, _, errOut := h.run("", false, "apply", "--auto-approve", "--allow-replace")
	if code != exitError || !strings.Contains(errOut, "run `ecrctl restore ecrctl-restore-app.json`") ||
		!strings.Contains(errOut, "repository.app: the calls that recreate it are in ecrctl-restore-app.json until the replacement completes") {
		t.Fatalf("apply exit %d:\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "ecrctl-restore-app.json")); err != nil {
		t.Fatalf("no restore file in the working directory: %v", err)
	}

	// The spec does not manage the lost policy: plan shows no change, but
	// points at the file.
	code, out, errOut := h.run("", false, "plan")
	if code != exitOK || !strings.Contains(out, "No changes.") ||
		!strings.Contains(errOut, "Warning: ecrctl-restore-app.json records a replacement of \"app\" that did not finish (failed)") {
		t.Fatalf("plan exit %d:\n%s\n%s", code, out, errOut)
	}
	saved, err := os.ReadFile(filepath.Join(h.dir, "ecrctl-restore-app.json"))
	if err != nil {
		t.Fatal(err)
	}

	code, _, errOut = h.run("", false, "restore", "ecrctl-restore-app.json")
	if code != exitError || !strings.Contains(errOut, "pass --auto-approve") {
		t.Fatalf("restore without confirmation: exit %d:\n%s", code, errOut)
	}
	writes := h.fake.Writes()
	code, out, errOut = h.run("", false, "restore", "--auto-approve", "ecrctl-restore-app.json")
	if code != exitOK || !strings.Contains(out, `Repository "app" exists; restore will call:`) || !strings.Contains(out, "SetRepositoryPolicy") || strings.Contains(out, "CreateRepository") {
		t.Fatalf("restore exit %d:\n%s\n%s", code, out, errOut)
	}
	if h.fake.Writes() != writes+1 {
		t.Errorf("restore made %d writes, want 1", h.fake.Writes()-writes)
	}
	st, _ := h.fake.Repository("app")
	if st.RepositoryPolicy == nil || !strings.Contains(*st.RepositoryPolicy, "keep") || st.Tags["Owner"] != "alice" || st.ImageTagMutability != types.ImageTagMutabilityImmutable || st.EncryptionType != "KMS" {
		t.Fatalf("after restore: %+v", st)
	}

	if _, err := os.Stat(filepath.Join(h.dir, "ecrctl-restore-app.json")); !os.IsNotExist(err) || !strings.Contains(errOut, "Removed ecrctl-restore-app.json") {
		t.Errorf("the restore file is still there after a complete restore (%v):\n%s", err, errOut)
	}
	code, _, errOut = h.run("", false, "plan")
	if code != exitOK || strings.Contains(errOut, "Warning:") {
		t.Errorf("plan after restore: exit %d:\n%s", code, errOut)
	}

	// Replaying a copy of the same file makes no call.
	if err := os.WriteFile(filepath.Join(h.dir, "copy.json"), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	writes = h.fake.Writes()
	code, out, _ = h.run("", false, "restore", "copy.json")
	if code != exitOK || !strings.Contains(out, "already restored; nothing to do") || h.fake.Writes() != writes {
		t.Fatalf("second restore: exit %d, %d writes:\n%s", code, h.fake.Writes()-writes, out)
	}
}

// A --region that contradicts the file is refused before any call.
func TestRestoreRegionMustMatchTheFile(t *testing.T) {
	h := newHarness(t, testSpec)
	content := `{"kind":"ecrctl-restore","format_version":"1","region":"us-west-2","registry_id":"","repository":"app","status":"failed","written_at":"2026-01-01T00:00:00Z","done":[],"steps":[{"operation":"CreateRepository"}]}`
	if err := os.WriteFile(filepath.Join(h.dir, "r.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := h.run("", false, "restore", "--region", "eu-west-1", "r.json")
	if code != exitError || !strings.Contains(errOut, "--region eu-west-1 contradicts region us-west-2 in r.json") || h.connected != 0 {
		t.Fatalf("exit %d, connected %d:\n%s", code, h.connected, errOut)
	}
}

// Restore builds its client with the same global options as every verb:
// a --request-timeout must bound its calls too.
func TestRestoreUsesTheGlobalClientOptions(t *testing.T) {
	h := newHarness(t, testSpec)
	content := `{"kind":"ecrctl-restore","format_version":"1","region":"us-west-2","registry_id":"","repository":"app","status":"failed","written_at":"2026-01-01T00:00:00Z","done":[],"steps":[{"operation":"CreateRepository"}]}`
	if err := os.WriteFile(filepath.Join(h.dir, "r.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	h.run("", false, "restore", "--request-timeout", "7s", "--max-retries", "2", "--auto-approve", "r.json")
	if h.connected == 0 || h.opts.RequestTimeout != 7*time.Second || h.opts.MaxRetries != 2 || h.opts.Region != "us-west-2" {
		t.Fatalf("restore built its client %d times with %+v", h.connected, h.opts)
	}
}

// A restore file apply wrote to the temporary directory, because the
// directory it ran in was not writable, is pointed at by plan too.
func TestPlanWarnsOfARestoreFileInTheTemporaryDirectory(t *testing.T) {
	h := newHarness(t, testSpec)
	tmp := os.TempDir() // the harness's own
	content := `{"kind":"ecrctl-restore","format_version":"1","region":"us-west-2","registry_id":"","repository":"app-frontend","status":"in_progress","written_at":"2026-01-01T00:00:00Z","done":[],"steps":[{"operation":"CreateRepository"}]}`
	path := filepath.Join(tmp, "ecrctl-restore-app-frontend.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, errOut := h.run("", false, "plan")
	if want := "Warning: " + path + ` records a replacement of "app-frontend" that did not finish (in_progress)`; !strings.Contains(errOut, want) {
		t.Fatalf("plan stderr lacks %q:\n%s", want, errOut)
	}
}

// A restore file naming a role (apply reached the registry through
// assumeRole:) makes restore assume it, for writing, pinned to the file's
// account; a role that needed an external id is refused without one.
func TestRestoreAssumesTheRoleTheFileRecords(t *testing.T) {
	h := newHarness(t, testSpec)
	content := `{"kind":"ecrctl-restore","format_version":"1","region":"us-west-2","registry_id":"111111111111","assume_role":{"role_arn":"arn:aws:iam::111111111111:role/ecrctl","session_name":"ci"},"repository":"app","status":"failed","written_at":"2026-01-01T00:00:00Z","done":[],"steps":[{"operation":"CreateRepository"}]}`
	if err := os.WriteFile(filepath.Join(h.dir, "r.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	h.run("", false, "restore", "--auto-approve", "r.json")
	r := h.opts.AssumeRole
	if h.connected == 0 || r == nil || r.RoleARN != "arn:aws:iam::111111111111:role/ecrctl" || r.SessionName != "ci" ||
		r.Account != "111111111111" || r.ReadOnly || r.ExternalID != "" {
		t.Fatalf("restore built its client %d times with role %+v", h.connected, r)
	}

	needsID := strings.Replace(content, `"session_name":"ci"`, `"external_id_required":true`, 1)
	if err := os.WriteFile(filepath.Join(h.dir, "r2.json"), []byte(needsID), 0o600); err != nil {
		t.Fatal(err)
	}
	h.connected = 0
	code, _, errOut := h.run("", false, "restore", "--auto-approve", "r2.json")
	if code != exitError || h.connected != 0 || !strings.Contains(errOut, "pass it with --external-id") {
		t.Fatalf("restore without the external id: exit %d, connected %d:\n%s", code, h.connected, errOut)
	}
	h.run("", false, "restore", "--auto-approve", "--external-id", "s3cret", "r2.json")
	if h.connected == 0 || h.opts.AssumeRole == nil || h.opts.AssumeRole.ExternalID != "s3cret" {
		t.Fatalf("restore --external-id built its client %d times with %+v", h.connected, h.opts.AssumeRole)
	}
}

// The harness's temporary directory is the test's own: a restore file in
// the temporary directory the tests were started with (a stale one from
// another run) adds no warning.
func TestHarnessIgnoresTheOuterTemporaryDirectory(t *testing.T) {
	outer := t.TempDir()
	t.Setenv("TMPDIR", outer)
	content := `{"kind":"ecrctl-restore","format_version":"1","region":"us-west-2","registry_id":"","repository":"app-frontend","status":"in_progress","written_at":"2026-01-01T00:00:00Z","done":[],"steps":[{"operation":"CreateRepository"}]}`
	if err := os.WriteFile(filepath.Join(outer, "ecrctl-restore-app-frontend.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]func() string{
		"newHarness": func() string { _, _, e := newHarness(t, testSpec).run("", false, "plan"); return e },
		"newRegistriesHarness": func() string {
			_, _, e := newRegistriesHarness(t, map[string]string{"registry.yaml": testSpec}).run("plan")
			return e
		},
	} {
		if errOut := run(); strings.Contains(errOut, "Warning:") {
			t.Errorf("%s: plan warned of a file outside the test's temporary directory:\n%s", name, errOut)
		}
	}
}
