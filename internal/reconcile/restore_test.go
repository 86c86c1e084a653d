package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/spec"
)

func restoreApply(t *testing.T) ApplyOptions {
	t.Helper()
	opt := fastApply()
	opt.RestoreDir = t.TempDir()
	return opt
}

func restoreFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "ecrctl-restore-*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The restore file is on disk before DeleteRepository is sent, so even a
// SIGKILL inside the window leaves the calls that recreate the repository;
// it is removed when the replacement completes.
func TestReplacementWritesRestoreFileBeforeDeleteAndRemovesItAfter(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	opt := restoreApply(t)
	var during *RestoreFile
	fake.Inject("DeleteRepository", "moving", func(context.Context) error {
		files := restoreFiles(t, opt.RestoreDir)
		if len(files) != 1 || filepath.Base(files[0]) != "ecrctl-restore-moving.json" {
			t.Errorf("restore files during the delete: %v", files)
			return nil
		}
		rf, err := ReadRestoreFile(files[0])
		if err != nil {
			t.Errorf("reading the restore file during the delete: %v", err)
		}
		during = rf
		return nil
	})
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if during == nil {
		t.Fatal("no restore file while DeleteRepository was in flight")
	}
	if during.Status != RestoreInProgress || during.Repository != "moving" || during.Region != p.Region || during.RegistryID != p.RegistryID {
		t.Errorf("restore file: %+v", during)
	}
	if diff := cmp.Diff(p.Changes[0].Steps[1:], during.Steps); diff != "" {
		t.Errorf("restore steps are not the calls after the delete (-plan +file):\n%s", diff)
	}
	if left := restoreFiles(t, opt.RestoreDir); len(left) != 0 {
		t.Errorf("restore file left after a complete replacement: %v", left)
	}
}

// A call failing after the delete keeps the file, with the error; restore
// recreates the repository with the carried-over settings, and replaying
// the same file again makes no call.
func TestReplacementFailureKeepsRestoreFileThatRestoreReplays(t *testing.T) {
	fake := ecrfake.New()
	f, p := replacePlan(t, fake)
	fake.FailN("CreateRepository", "moving", 1, ecrfake.AccessDenied("CreateRepository"))
	opt := restoreApply(t)
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 1 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	files := restoreFiles(t, opt.RestoreDir)
	if len(files) != 1 {
		t.Fatalf("restore files after the failure: %v", files)
	}
	msg := res.Failed[0].Err.Error()
	for _, want := range []string{"already deleted", "ecrctl restore " + files[0], `"operation":"CreateRepository"`, `"Team":"x"`, `"operation":"PutLifecyclePolicy"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure lacks %q:\n%s", want, msg)
		}
	}
	rf, err := ReadRestoreFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if rf.Status != RestoreFailed || !strings.Contains(rf.Error, "AccessDeniedException") || !cmp.Equal(rf.Done, []string{OpDeleteRepository}) {
		t.Errorf("restore file after the failure: status %q, error %q, done %v", rf.Status, rf.Error, rf.Done)
	}
	if _, ok := fake.Repository("moving"); ok {
		t.Fatal("the repository exists; the test needs it deleted")
	}

	ctx := context.Background()
	rp, err := CheckRestore(ctx, fake, rf, false)
	if err != nil {
		t.Fatal(err)
	}
	if rp.Exists || len(rp.Steps) != 2 {
		t.Fatalf("restore plan for a missing repository: %+v", rp)
	}
	if err := Replay(ctx, fake, rp, fastApply()); err != nil {
		t.Fatal(err)
	}
	st, ok := fake.Repository("moving")
	if !ok || st.EncryptionType != "KMS" || st.Tags["Team"] != "x" || st.LifecyclePolicy == nil {
		t.Fatalf("after restore: %+v %v", st, ok)
	}
	if plan(t, fake, f, DiffOptions{}).HasChanges {
		t.Error("not converged after restore")
	}

	writes := fake.Writes()
	rp, err = CheckRestore(ctx, fake, rf, false)
	if err != nil {
		t.Fatalf("a second restore of the same file: %v", err)
	}
	if len(rp.Steps) != 0 || !rp.Exists || len(rp.AlreadySet) == 0 {
		t.Fatalf("a second restore plans calls: %+v", rp)
	}
	if err := Replay(ctx, fake, rp, fastApply()); err != nil || fake.Writes() != writes {
		t.Fatalf("a second replay wrote %d calls (err %v)", fake.Writes()-writes, err)
	}
}

// A failure after the create: restore finds the new repository and makes
// only the missing setting's call.
func TestRestoreSetsOnlyWhatIsMissing(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	fake.FailN("PutLifecyclePolicy", "moving", 1, ecrfake.AccessDenied("PutLifecyclePolicy"))
	opt := restoreApply(t)
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "new one created, but not all its settings") {
		t.Fatalf("apply: %+v %v", res, err)
	}
	rf, err := ReadRestoreFile(restoreFiles(t, opt.RestoreDir)[0])
	if err != nil {
		t.Fatal(err)
	}
	rp, err := CheckRestore(context.Background(), fake, rf, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Steps) != 1 || rp.Steps[0].Operation != OpPutLifecyclePolicy {
		t.Fatalf("restore steps: %+v", rp.Steps)
	}
	if err := Replay(context.Background(), fake, rp, fastApply()); err != nil {
		t.Fatal(err)
	}
	if st, _ := fake.Repository("moving"); st.LifecyclePolicy == nil {
		t.Fatal("lifecycle policy not restored")
	}
}

// A restore file for a replacement whose delete never happened finds the
// old repository: restore refuses, changing nothing.
func TestRestoreRefusesARepositoryItDoesNotDescribe(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	rf := &RestoreFile{Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Repository: "moving", RegistryID: p.RegistryID, Steps: p.Changes[0].Steps[1:]}
	writes := fake.Writes()
	_, err := CheckRestore(context.Background(), fake, rf, true)
	if err == nil || !strings.Contains(err.Error(), `exists with encryption AES256, but the restore file recreates it with KMS`) {
		t.Fatalf("err = %v", err)
	}
	if fake.Writes() != writes {
		t.Error("a refused restore wrote")
	}
}

// A setting changed since is never overwritten blindly: it needs
// overwrite, which then sets the file's value.
func TestRestoreConflictNeedsOverwrite(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	rf := &RestoreFile{Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Repository: "moving", Steps: p.Changes[0].Steps[1:]}
	ctx := context.Background()
	// Recreate as the replacement would, then let someone change a setting.
	if _, err := fake.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: ptr("moving"), Force: true}); err != nil {
		t.Fatal(err)
	}
	rp, err := CheckRestore(ctx, fake, rf, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := Replay(ctx, fake, rp, fastApply()); err != nil {
		t.Fatal(err)
	}
	other := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":3},"action":{"type":"expire"}}]}`
	if _, err := fake.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: ptr("moving"), LifecyclePolicyText: ptr(other)}); err != nil {
		t.Fatal(err)
	}
	writes := fake.Writes()
	_, err = CheckRestore(ctx, fake, rf, false)
	var ce *RestoreConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "lifecycle policy") || !strings.Contains(err.Error(), "--overwrite") {
		t.Fatalf("err = %v", err)
	}
	if fake.Writes() != writes {
		t.Error("a refused restore wrote")
	}
	rp, err = CheckRestore(ctx, fake, rf, true)
	if err != nil || len(rp.Steps) != 1 || rp.Steps[0].Operation != OpPutLifecyclePolicy {
		t.Fatalf("overwrite plan: %+v %v", rp, err)
	}
	if err := Replay(ctx, fake, rp, fastApply()); err != nil {
		t.Fatal(err)
	}
	if st, _ := fake.Repository("moving"); !sameLifecycle(*st.LifecyclePolicy, rf.Steps[1].PolicyText) {
		t.Errorf("overwrite did not set the file's policy: %s", *st.LifecyclePolicy)
	}
}

func TestRestoreChecksTheAccount(t *testing.T) {
	fake := ecrfake.New(ecrfake.WithAccount("123456789012"))
	rf := &RestoreFile{Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Repository: "moving", RegistryID: "999999999999",
		Steps: []Step{{Operation: OpCreateRepository}}}
	_, err := CheckRestore(context.Background(), fake, rf, false)
	if err == nil || !strings.Contains(err.Error(), "for registry 999999999999, but the credentials reach 123456789012") {
		t.Fatalf("err = %v", err)
	}
	if fake.Writes() != 0 {
		t.Error("wrote after an account mismatch")
	}
}

// ECR refusing the delete deletes nothing: the file is removed and the error
// is the plain one.
func TestReplacementDeleteRefusedRemovesRestoreFile(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	fake.FailN("DeleteRepository", "moving", 1, ecrfake.AccessDenied("DeleteRepository"))
	opt := restoreApply(t)
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 1 || strings.Contains(res.Failed[0].Err.Error(), "restore") {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if _, ok := fake.Repository("moving"); !ok {
		t.Fatal("repository gone")
	}
	assertNoRestoreFiles(t, opt.RestoreDir)
}

// ECR deleted the repository but the answer to DeleteRepository was lost
// (a reset), or the last attempt's answer is a refusal after an earlier
// attempt had deleted it (an SDK retry then AccessDenied): apply asks ECR,
// finds it gone, and goes on to recreate it instead of dropping its
// restore file.
func TestReplacementGoesOnWhenTheDeleteTookEffect(t *testing.T) {
	for name, answer := range map[string]error{
		"lost answer":               errors.New("read tcp: connection reset by peer"),
		"refusal after lost answer": ecrfake.AccessDenied("DeleteRepository"),
	} {
		t.Run(name, func(t *testing.T) {
			fake := ecrfake.New()
			f, p := replacePlan(t, fake)
			lost := false
			fake.Inject("DeleteRepository", "moving", func(ctx context.Context) error {
				if lost {
					return nil
				}
				lost = true
				if _, err := fake.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: ptr("moving"), Force: true}); err != nil {
					return err
				}
				return answer
			})
			opt := restoreApply(t)
			res, err := Apply(context.Background(), fake, p, opt)
			if err != nil || len(res.Failed) != 0 {
				t.Fatalf("apply: %+v %v", res, err)
			}
			if plan(t, fake, f, DiffOptions{}).HasChanges {
				t.Error("not converged")
			}
			if st, _ := fake.Repository("moving"); st.Tags["Team"] != "x" || st.LifecyclePolicy == nil {
				t.Errorf("settings not carried over: %+v", st)
			}
			assertNoRestoreFiles(t, opt.RestoreDir)
		})
	}
}

// An unwritable directory falls back to the temporary directory; an
// existing restore file is never overwritten.
func TestCreateRestoreFileFallsBackAndNeverOverwrites(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	rf := RestoreFile{Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Repository: "team/app", Steps: []Step{{Operation: OpCreateRepository}}}
	j1, err := createRestoreFile(filepath.Join(t.TempDir(), "missing"), rf)
	if err != nil {
		t.Fatal(err)
	}
	if j1.path != filepath.Join(tmp, "ecrctl-restore-team--app.json") {
		t.Errorf("first file at %s", j1.path)
	}
	j2, err := createRestoreFile(tmp, rf)
	if err != nil {
		t.Fatal(err)
	}
	if j2.path != filepath.Join(tmp, "ecrctl-restore-team--app.2.json") {
		t.Errorf("second file at %s", j2.path)
	}
	for _, j := range []*restoreJournal{j1, j2} {
		if _, err := ReadRestoreFile(j.path); err != nil {
			t.Error(err)
		}
	}
}

func TestReadRestoreFileRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not a restore file":  `{"kind":"something","format_version":"1","repository":"a","steps":[{"operation":"CreateRepository"}]}`,
		"first step":          `{"kind":"ecrctl-restore","format_version":"1","repository":"a","steps":[{"operation":"DeleteRepository"}]}`,
		"a delete step later": `{"kind":"ecrctl-restore","format_version":"1","repository":"a","steps":[{"operation":"CreateRepository"},{"operation":"DeleteRepository"}]}`,
		"newer version":       `{"kind":"ecrctl-restore","format_version":"2","repository":"a","steps":[{"operation":"CreateRepository"}]}`,
		"unknown field":       `{"kind":"ecrctl-restore","format_version":"1","repository":"a","force":true,"steps":[{"operation":"CreateRepository"}]}`,
	} {
		path := filepath.Join(dir, "f.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRestoreFile(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// CreateRepository succeeded but its answer was lost: the SDK's retry is
// told the repository already exists. It has the encryption the replacement
// asked for, so it is the one the create made: apply takes it and goes on,
// instead of waiting for ECR and reporting it not created.
func TestReplacementGoesOnWhenTheCreateTookEffect(t *testing.T) {
	fake := ecrfake.New()
	f, p := replacePlan(t, fake)
	lost := false
	fake.Inject("CreateRepository", "moving", func(ctx context.Context) error {
		if lost {
			return nil
		}
		lost = true
		in := createInput("moving")
		in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms}
		in.Tags = []types.Tag{{Key: ptr("Team"), Value: ptr("x")}}
		_, err := fake.CreateRepository(ctx, in)
		return err // nil: the call itself now runs, and finds the repository
	})
	opt := restoreApply(t)
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if plan(t, fake, f, DiffOptions{}).HasChanges {
		t.Error("not converged")
	}
	if st, _ := fake.Repository("moving"); st.LifecyclePolicy == nil {
		t.Errorf("lifecycle policy not carried over: %+v", st)
	}
	assertNoRestoreFiles(t, opt.RestoreDir)
}

// A repository that exists after the delete with another encryption is not
// the one the create asked for (the old one, still visible, or someone
// else's): apply does not take it, and the restore file stays.
func TestReplacementDoesNotTakeARepositoryWithOtherEncryption(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	other := false
	fake.Inject("CreateRepository", "moving", func(ctx context.Context) error {
		if other {
			return nil
		}
		other = true
		_, err := fake.CreateRepository(ctx, createInput("moving")) // AES256
		return err
	})
	opt := restoreApply(t)
	res, err := Apply(context.Background(), fake, p, opt)
	if err != nil || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "not created") {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if len(restoreFiles(t, opt.RestoreDir)) != 1 {
		t.Error("restore file not kept")
	}
}

// A restore file whose encryption names a KMS alias is compared by the key
// the alias names, not taken to match any KMS repository; an alias KMS
// cannot resolve is refused, changing nothing.
func TestRestoreResolvesKMSAliases(t *testing.T) {
	const appKey, otherKey = "11111111-2222-3333-4444-555555555555", "99999999-8888-7777-6666-555555555555"
	for name, tc := range map[string]struct{ alias, liveKey, wantErr string }{
		"the aliased key":    {"alias/app", appKey, ""},
		"another key":        {"alias/app", otherKey, "exists with encryption KMS (key arn:aws:kms:us-west-2:123456789012:key/" + otherKey + "), but the restore file recreates it with KMS (key alias/app)"},
		"unresolvable alias": {"alias/gone", appKey, "cannot tell whether this is the repository the file restores"},
	} {
		t.Run(name, func(t *testing.T) {
			fake := ecrfake.New(ecrfake.WithKMSAlias("app", appKey))
			in := createInput("moving")
			in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms, KmsKey: ptr(tc.liveKey)}
			if _, err := fake.CreateRepository(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			rf := &RestoreFile{Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Repository: "moving",
				Steps: []Step{{Operation: OpCreateRepository, Encryption: &spec.Encryption{Type: "KMS", KMSKey: tc.alias}}}}
			writes := fake.Writes()
			rp, err := CheckRestore(context.Background(), fake, rf, false)
			switch {
			case tc.wantErr == "" && (err != nil || !rp.Exists || len(rp.Steps) != 0):
				t.Fatalf("restore plan: %+v %v", rp, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if fake.Writes() != writes {
				t.Error("checking the restore wrote")
			}
		})
	}
}

// A restore file that fell back to the temporary directory (the directory
// apply ran in was not writable) is found as well as one in dir, and a dir
// that is the temporary directory is not listed twice.
func TestPendingRestoresLooksWhereApplyWrites(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := t.TempDir()
	rf := RestoreFile{Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Repository: "team/app", Steps: []Step{{Operation: OpCreateRepository}}}
	fell, err := createRestoreFile(filepath.Join(dir, "missing"), rf)
	if err != nil {
		t.Fatal(err)
	}
	rf.Repository = "web"
	here, err := createRestoreFile(dir, rf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range PendingRestores(dir) {
		got = append(got, p.Path)
	}
	if want := []string{here.path, fell.path}; !cmp.Equal(got, want) {
		t.Errorf("PendingRestores(dir) = %v, want %v", got, want)
	}
	if got := PendingRestores(tmp); len(got) != 1 || got[0].Path != fell.path {
		t.Errorf("PendingRestores(temporary directory) = %+v", got)
	}
}

// A replacement in a registry reached through a role records the role (and
// its session name) in the restore file, so restore can reach the same
// account; the external id, a shared secret, is never written.
func TestRestoreFileRecordsTheRoleButNotItsExternalID(t *testing.T) {
	fake := ecrfake.New()
	_, p := replacePlan(t, fake)
	opt := restoreApply(t)
	opt.AssumeRole = &spec.AssumeRole{RoleARN: "arn:aws:iam::111111111111:role/ecrctl", SessionName: "ci", ExternalID: "s3cret"}
	var during *RestoreFile
	var raw []byte
	fake.Inject("DeleteRepository", "moving", func(context.Context) error {
		files := restoreFiles(t, opt.RestoreDir)
		if len(files) != 1 {
			t.Errorf("restore files during the delete: %v", files)
			return nil
		}
		raw, _ = os.ReadFile(files[0])
		rf, err := ReadRestoreFile(files[0])
		if err != nil {
			t.Errorf("reading the restore file during the delete: %v", err)
		}
		during = rf
		return nil
	})
	if _, err := Apply(context.Background(), fake, p, opt); err != nil {
		t.Fatal(err)
	}
	want := &RestoreRole{RoleARN: "arn:aws:iam::111111111111:role/ecrctl", SessionName: "ci", ExternalIDRequired: true}
	if during == nil || !cmp.Equal(during.AssumeRole, want) {
		t.Fatalf("restore file's role = %+v, want %+v", during, want)
	}
	if strings.Contains(string(raw), "s3cret") {
		t.Fatalf("the restore file holds the external id:\n%s", raw)
	}
}

// A restore file is for one registry: the same repository name in another
// account or region is not its repository; what either side does not know
// matches.
func TestRestoreFileIsForItsRegistryOnly(t *testing.T) {
	rf := &RestoreFile{Repository: "app", RegistryID: "111111111111", Region: "us-west-2"}
	for _, c := range []struct {
		account, region, repo string
		want                  bool
	}{
		{"111111111111", "us-west-2", "app", true},
		{"", "", "app", true},
		{"111111111111", "us-west-2", "web", false},
		{"222222222222", "us-west-2", "app", false},
		{"111111111111", "eu-west-1", "app", false},
		{"", "eu-west-1", "app", false},
	} {
		if got := rf.IsFor(c.account, c.region, c.repo); got != c.want {
			t.Errorf("IsFor(%q, %q, %q) = %t, want %t", c.account, c.region, c.repo, got, c.want)
		}
	}
	if !(&RestoreFile{Repository: "app"}).IsFor("222222222222", "eu-west-1", "app") {
		t.Error("a file that names no registry must match every registry's repository of its name")
	}
}
