package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// A restore file records the calls that recreate a replaced repository with
// every setting it carries over. Apply writes it before it sends the
// replacement's DeleteRepository and removes it when the last setting is
// set; a file left behind means the process died (SIGKILL, crash) or a call
// failed in between. `ecrctl restore FILE` replays it, after checking what
// the repository looks like now. The format is documented in
// docs/restore-json.md.
const (
	RestoreKind          = "ecrctl-restore"
	RestoreFormatVersion = "1"
	// RestoreInProgress: written before the delete; the replacement never
	// reported back. RestoreFailed: a call after the delete failed.
	RestoreInProgress = "in_progress"
	RestoreFailed     = "failed"
)

// maxRestoreFileSize bounds what ReadRestoreFile reads: a restore file holds
// one repository's create call and two policies (each at most 30 KB in ECR).
const maxRestoreFileSize = 1 << 20

// RestoreFile is the JSON a restore file holds.
type RestoreFile struct {
	Kind          string `json:"kind"`
	FormatVersion string `json:"format_version"`
	Region        string `json:"region"`
	RegistryID    string `json:"registry_id"`
	// AssumeRole is the role apply reached the registry through (a
	// hub-and-spoke setup), so restore can reach it the same way; nil when
	// apply used the default credentials.
	AssumeRole *RestoreRole `json:"assume_role,omitempty"`
	Repository string       `json:"repository"`
	Status     string       `json:"status"`
	WrittenAt  time.Time    `json:"written_at"`
	// Error is the failed call's error when Status is RestoreFailed.
	Error string `json:"error,omitempty"`
	// Done lists the operations that completed, the delete included.
	Done []string `json:"done"`
	// Steps are every call after the delete, CreateRepository first, as the
	// plan made them; restore decides from live state which are still needed.
	Steps []Step `json:"steps"`
}

// RestoreRole is the role a restore file records. The external id is a
// shared secret and is never written: ExternalIDRequired only says that
// restore must be given it again (--external-id).
type RestoreRole struct {
	RoleARN            string `json:"role_arn"`
	SessionName        string `json:"session_name,omitempty"`
	ExternalIDRequired bool   `json:"external_id_required,omitempty"`
}

// restoreRoleOf is what a restore file records of the role apply used.
func restoreRoleOf(r *spec.AssumeRole) *RestoreRole {
	if r == nil {
		return nil
	}
	return &RestoreRole{RoleARN: r.RoleARN, SessionName: r.SessionName, ExternalIDRequired: r.ExternalID != ""}
}

// restoreFileName is the file's name in its directory. Repository names
// never contain "--" (separators are single), so "/" -> "--" is unambiguous.
func restoreFileName(repo string) string {
	return "ecrctl-restore-" + strings.ReplaceAll(repo, "/", "--") + ".json"
}

// restoreDirs are the directories a restore file is written to, in the
// order tried: dir, then the system's temporary directory. PendingRestores
// looks in the same places.
func restoreDirs(dir string) []string {
	return []string{dir, os.TempDir()}
}

// restoreJournal is the restore file of one replacement in flight.
type restoreJournal struct {
	path string
	file RestoreFile
}

// createRestoreFile writes a new restore file in dir, falling back to the
// system's temporary directory when dir is not writable. An existing file
// (an earlier failed replacement not yet restored) is never overwritten: the
// new one gets a numbered name.
func createRestoreFile(dir string, rf RestoreFile) (*restoreJournal, error) {
	data, err := encodeRestore(rf)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, d := range restoreDirs(dir) {
		base := strings.TrimSuffix(restoreFileName(rf.Repository), ".json")
		for n := 1; n <= 100; n++ {
			name := base + ".json"
			if n > 1 {
				name = fmt.Sprintf("%s.%d.json", base, n)
			}
			path := filepath.Join(d, name)
			err = writeNew(path, data)
			if errors.Is(err, os.ErrExist) {
				continue
			}
			if err == nil {
				return &restoreJournal{path: path, file: rf}, nil
			}
			break
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("writing the restore file for %q: %w", rf.Repository, errors.Join(errs...))
}

func writeNew(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.Write(data); err != nil {
		_ = fh.Close()
		_ = os.Remove(path)
		return err
	}
	// On disk before the delete is sent: the file must survive a SIGKILL.
	if err := fh.Sync(); err != nil {
		_ = fh.Close()
		_ = os.Remove(path)
		return err
	}
	return fh.Close()
}

// fail records the failure in the file, replacing it atomically.
func (j *restoreJournal) fail(done []string, err error) error {
	j.file.Status = RestoreFailed
	j.file.Error = err.Error()
	j.file.Done = slices.Clone(done)
	j.file.WrittenAt = time.Now().UTC()
	data, encErr := encodeRestore(j.file)
	if encErr != nil {
		return encErr
	}
	tmp := j.path + ".tmp"
	if werr := os.WriteFile(tmp, data, 0o600); werr != nil {
		return werr
	}
	return os.Rename(tmp, j.path)
}

// remove deletes the file once the replacement is complete or nothing was
// deleted after all.
func (j *restoreJournal) remove() error {
	if j == nil {
		return nil
	}
	return os.Remove(j.path)
}

func encodeRestore(rf RestoreFile) ([]byte, error) {
	data, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ReadRestoreFile reads and checks a restore file.
func ReadRestoreFile(path string) (*RestoreFile, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the restore file: %w", err)
	}
	defer fh.Close() //nolint:errcheck // read-only file
	data, err := io.ReadAll(io.LimitReader(fh, maxRestoreFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the restore file %s: %w", path, err)
	}
	if len(data) > maxRestoreFileSize {
		return nil, fmt.Errorf("%s is over the %d KiB limit for a restore file; it is not one that ecrctl wrote", path, maxRestoreFileSize>>10)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rf RestoreFile
	if err := dec.Decode(&rf); err != nil {
		return nil, fmt.Errorf("reading the restore file %s: %w", path, err)
	}
	bad := func(why string) (*RestoreFile, error) {
		return nil, fmt.Errorf("%s is not a restore file this ecrctl can replay: %s", path, why)
	}
	switch {
	case rf.Kind != RestoreKind:
		return bad(fmt.Sprintf("kind is %q, want %q", rf.Kind, RestoreKind))
	case rf.FormatVersion != RestoreFormatVersion:
		return bad(fmt.Sprintf("format_version %q, this ecrctl reads %q", rf.FormatVersion, RestoreFormatVersion))
	case rf.Repository == "":
		return bad("it names no repository")
	case rf.AssumeRole != nil && rf.AssumeRole.RoleARN == "":
		return bad("its assume_role names no role_arn")
	case len(rf.Steps) == 0 || rf.Steps[0].Operation != OpCreateRepository:
		return bad("its first step is not CreateRepository")
	}
	for _, s := range rf.Steps[1:] {
		if s.Operation != OpPutLifecyclePolicy && s.Operation != OpSetRepositoryPolicy {
			return bad(fmt.Sprintf("it holds a %s step; a restore only creates a repository and sets its policies", s.Operation))
		}
	}
	return &rf, nil
}

// RestorePlan is what replaying a restore file does now, decided from the
// repository's live state.
type RestorePlan struct {
	File   *RestoreFile
	Exists bool   // the repository exists already
	ARN    string // its ARN when it exists
	// Steps are the calls to make, in order; none when the repository is
	// already as the file describes.
	Steps []Step
	// AlreadySet names settings that are already as the file says.
	AlreadySet []string
	// Conflicts name settings that differ from the file; they are
	// overwritten only when CheckRestore was asked to.
	Conflicts []string
}

// RestoreAPI is what CheckRestore calls: ECR, and KMS to resolve a key
// alias the restore file names.
type RestoreAPI interface {
	ecrapi.ECR
	ecrapi.KeyResolver
}

// CheckRestore reads the repository the file restores and decides which
// calls are still needed. It never decides to create over an existing
// repository: a repository that exists must already have the file's
// encryption (which cannot change in place), and a setting that exists with
// another value is a conflict, refused unless overwrite is set. Replaying
// the same file again therefore makes no call.
func CheckRestore(ctx context.Context, client RestoreAPI, rf *RestoreFile, overwrite bool) (*RestorePlan, error) {
	name := rf.Repository
	if rf.RegistryID != "" {
		reg, err := client.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
		if err != nil {
			return nil, &ecrapi.OpError{Operation: "DescribeRegistry", Err: err, Doing: "checking the account before restoring"}
		}
		if got := aws.ToString(reg.RegistryId); got != rf.RegistryID {
			return nil, fmt.Errorf("the restore file is for registry %s, but the credentials reach %s; nothing was changed. Use the account the file names", rf.RegistryID, got)
		}
	}
	rp := &RestorePlan{File: rf}
	out, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	var nf *types.RepositoryNotFoundException
	switch {
	case errors.As(err, &nf):
		rp.Steps = slices.Clone(rf.Steps)
		return rp, nil
	case err != nil:
		return nil, &ecrapi.OpError{Repository: name, Operation: "DescribeRepositories", Err: err, Doing: "checking before restoring"}
	case len(out.Repositories) != 1:
		return nil, fmt.Errorf("DescribeRepositories for %q returned %d repositories", name, len(out.Repositories))
	}
	lr := ecrapi.RepositoryFromSDK(out.Repositories[0])
	rp.Exists, rp.ARN = true, lr.ARN
	create := rf.Steps[0]
	if e := create.Encryption; e != nil {
		same, err := encryptionIs(ctx, client, e, lr)
		if err != nil {
			return nil, fmt.Errorf("repository %q exists with encryption %s; the restore file recreates it with the KMS alias %s, which could not be resolved to the key it names (%w), so restore cannot tell whether this is the repository the file restores. Nothing was changed. Allow kms:DescribeKey, or write the key's ARN in place of the alias in the file's encryption, and run restore again", name, describeEncryption(lr.EncryptionType, lr.KMSKey), e.KMSKey, err)
		}
		if !same {
			return nil, fmt.Errorf("repository %q exists with encryption %s, but the restore file recreates it with %s: it is not the repository the file restores, and encryption cannot change in place. Nothing was changed. If the replacement's delete never happened, the old repository is intact and the file is not needed: delete it and run `ecrctl plan`", name, describeEncryption(lr.EncryptionType, lr.KMSKey), describeEncryption(e.Type, e.KMSKey))
		}
	}
	if err := ecrapi.ReadTags(ctx, client, lr); err != nil {
		return nil, err
	}
	if err := ecrapi.ReadLifecycle(ctx, client, lr); err != nil {
		return nil, err
	}
	if err := ecrapi.ReadPolicy(ctx, client, lr); err != nil {
		return nil, err
	}
	rp.compare(lr, overwrite)
	if len(rp.Conflicts) > 0 && !overwrite {
		return rp, &RestoreConflictError{Repository: name, Conflicts: rp.Conflicts}
	}
	return rp, nil
}

// compare decides, setting by setting, what an existing repository needs.
func (rp *RestorePlan) compare(lr *ecrapi.Repository, overwrite bool) {
	create := rp.File.Steps[0]
	setting := func(what string, same, absent bool, fix Step) {
		switch {
		case same:
			rp.AlreadySet = append(rp.AlreadySet, what)
		case absent:
			rp.Steps = append(rp.Steps, fix)
		default:
			rp.Conflicts = append(rp.Conflicts, what)
			if overwrite {
				rp.Steps = append(rp.Steps, fix)
			}
		}
	}
	if create.ImageTagMutability != "" {
		same := create.ImageTagMutability == lr.ImageTagMutability && slices.Equal(sortedCopy(create.ExclusionFilters), lr.ExclusionFilters)
		setting(fmt.Sprintf("imageTagMutability %s (live: %s)", create.ImageTagMutability, lr.ImageTagMutability), same, false,
			Step{Operation: OpPutImageTagMutability, ImageTagMutability: create.ImageTagMutability, ExclusionFilters: create.ExclusionFilters})
	}
	if create.ScanOnPush != nil {
		setting(fmt.Sprintf("scanOnPush %t (live: %t)", *create.ScanOnPush, lr.ScanOnPush), *create.ScanOnPush == lr.ScanOnPush, false,
			Step{Operation: OpPutImageScanningConfiguration, ScanOnPush: create.ScanOnPush})
	}
	for _, k := range sortedKeys(create.Tags) {
		v, ok := lr.Tags[k]
		setting(fmt.Sprintf("tag %s=%q (live: %q)", k, create.Tags[k], v), ok && v == create.Tags[k], !ok,
			Step{Operation: OpTagResource, Tags: map[string]string{k: create.Tags[k]}})
	}
	for _, s := range rp.File.Steps[1:] {
		switch s.Operation {
		case OpPutLifecyclePolicy:
			setting("lifecycle policy", lr.Lifecycle != nil && sameLifecycle(s.PolicyText, *lr.Lifecycle), lr.Lifecycle == nil, s)
		case OpSetRepositoryPolicy:
			setting("repository policy", lr.Policy != nil && samePolicy(s.PolicyText, *lr.Policy), lr.Policy == nil, s)
		}
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func sameLifecycle(a, b string) bool {
	if a == b {
		return true
	}
	pa, err1 := lifecycle.Parse(a)
	pb, err2 := lifecycle.Parse(b)
	return err1 == nil && err2 == nil && lifecycle.Equal(pa, pb)
}

func samePolicy(a, b string) bool {
	if a == b {
		return true
	}
	da, err1 := iampolicy.Parse(a)
	db, err2 := iampolicy.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	eq, err := iampolicy.Equivalent(da, db)
	return err == nil && eq
}

func describeEncryption(typ, key string) string {
	if key == "" {
		return typ
	}
	return typ + " (key " + key + ")"
}

// awsManagedECRKey is the alias of the key ECR encrypts with when KMS
// encryption names no key.
const awsManagedECRKey = "alias/aws/ecr"

// encryptionIs decides whether a repository has exactly the encryption e
// names. Plan's comparison takes an alias it cannot resolve to match (it
// never replaces on a guess); this one decides whether an existing
// repository is the one a create made or a restore file recreates, so a
// KMS alias is resolved with kms:DescribeKey, and an alias that cannot be
// resolved (kr is nil, or KMS refuses) is an error, never a match.
func encryptionIs(ctx context.Context, kr ecrapi.KeyResolver, e *spec.Encryption, lr *ecrapi.Repository) (bool, error) {
	if e.Type != lr.EncryptionType {
		return false, nil
	}
	if e.KMSKey == "" || e.KMSKey == lr.KMSKey || !isKMSAlias(e.KMSKey) {
		return encryptionMatches(e, lr), nil
	}
	if kr == nil {
		return false, fmt.Errorf("resolving %s: this client cannot call KMS", e.KMSKey)
	}
	out, err := kr.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(e.KMSKey)})
	if err != nil {
		return false, fmt.Errorf("DescribeKey %s: %w", e.KMSKey, err)
	}
	if out.KeyMetadata == nil || aws.ToString(out.KeyMetadata.Arn) == "" {
		return false, fmt.Errorf("DescribeKey %s: KMS returned no key ARN", e.KMSKey)
	}
	return aws.ToString(out.KeyMetadata.Arn) == lr.KMSKey, nil
}

// RestoreConflictError lists settings of an existing repository that differ
// from the restore file.
type RestoreConflictError struct {
	Repository string
	Conflicts  []string
}

func (e *RestoreConflictError) Error() string {
	return fmt.Sprintf("repository %q exists and differs from the restore file: %s; nothing was changed. Someone may have set these since; run restore with --overwrite to set the file's values anyway", e.Repository, strings.Join(e.Conflicts, "; "))
}

// Replay makes the calls of a restore plan, in order. A create that ECR
// refuses because the deleted repository still shows is retried, bounded,
// as in apply. When ctx ends no new call starts.
func Replay(ctx context.Context, client ecrapi.ECR, rp *RestorePlan, opt ApplyOptions) error {
	a := &applier{client: client, opt: opt}
	rc := ResourceChange{Address: "repository." + rp.File.Repository, Name: rp.File.Repository}
	callCtx := context.WithoutCancel(ctx)
	arn, created := rp.ARN, false
	for i, s := range rp.Steps {
		if ctx.Err() != nil {
			return fmt.Errorf("restore of %q interrupted after %d of %d calls; run it again to finish (it starts from what exists)", rp.File.Repository, i, len(rp.Steps))
		}
		newARN, err := a.step(callCtx, ctx, rc, s, arn, created, !rp.Exists)
		if err != nil {
			return err
		}
		a.progress("%s: %s done", rc.Address, s.Operation)
		if s.Operation == OpCreateRepository {
			arn, created = newARN, true
		}
	}
	return nil
}

// PendingRestore is a restore file found on disk.
type PendingRestore struct {
	Path string
	File *RestoreFile
}

// IsFor says whether the file may restore repository in the registry of
// account and region. An account or region that either side does not know
// ("") matches, so a run that cannot tell still warns; one that both know
// and differ is another registry's repository of the same name.
func (rf *RestoreFile) IsFor(account, region, repository string) bool {
	differ := func(a, b string) bool { return a != "" && b != "" && a != b }
	return rf.Repository == repository && !differ(rf.RegistryID, account) && !differ(rf.Region, region)
}

// PendingRestores lists the restore files ecrctl can read in dir and in the
// temporary directory (where apply writes one when dir is not writable), so
// plan and apply can point at an unfinished replacement: the settings it
// carried are ones the spec does not manage, which plan cannot see missing.
func PendingRestores(dir string) []PendingRestore {
	var out []PendingRestore
	seen := map[string]bool{}
	for _, d := range restoreDirs(dir) {
		if abs, err := filepath.Abs(d); err == nil {
			if seen[abs] {
				continue // dir is the temporary directory
			}
			seen[abs] = true
		}
		paths, _ := filepath.Glob(filepath.Join(d, "ecrctl-restore-*.json"))
		for _, p := range paths {
			if rf, err := ReadRestoreFile(p); err == nil {
				out = append(out, PendingRestore{Path: p, File: rf})
			}
		}
	}
	return out
}
