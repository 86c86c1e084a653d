package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// ApplyOptions tune apply.
type ApplyOptions struct {
	Parallelism int       // repositories changed at once; <1 means 1
	Progress    io.Writer // per-repository progress lines; nil for none
	// Steps, when set, is told how many API calls of the plan are done:
	// once before the first, then after each call that succeeds. Calls are
	// serialised with the Progress lines, and Done never goes down.
	Steps func(ApplyProgress)
	// ConsistencyRetries bounds how often a call right after CreateRepository
	// is retried when ECR does not see the new repository yet (ECR is
	// eventually consistent). The wait starts at ConsistencyDelay and doubles.
	ConsistencyRetries int
	ConsistencyDelay   time.Duration
	// Guard, when set, is told when a replacement enters and leaves the
	// window in which exiting would lose the repository or its settings.
	Guard Guard
	// RestoreDir is where a replacement writes its restore file before it
	// deletes the repository; "" writes none (tests that do not need one).
	RestoreDir string
	// AssumeRole is the role the client reaches the registry through (nil:
	// the default credentials); a restore file records it, so `ecrctl
	// restore` reaches the same account. ApplyRun sets it per registry.
	AssumeRole *spec.AssumeRole
}

// Guard keeps a process alive through a replacement's critical window. Enter
// is called before DeleteRepository is sent; Leave after the last
// carried-over setting is set, or after the restore file records what is
// left. The CLI absorbs interrupts while any window is open.
type Guard interface {
	Enter(repository string)
	Leave(repository string)
}

// DefaultApplyOptions are used by the CLI: up to about 30 s of waiting for a
// new repository to become visible.
func DefaultApplyOptions() ApplyOptions {
	return ApplyOptions{Parallelism: 10, ConsistencyRetries: 6, ConsistencyDelay: 500 * time.Millisecond}
}

// Result is what apply did. Every change of the plan ends in exactly one of
// Applied, Failed or NotStarted.
type Result struct {
	Summary    Summary   // completed changes, counted like a plan summary
	Applied    []string  // addresses
	Failed     []Failure // in plan order
	NotStarted []string  // addresses skipped because apply was interrupted
}

// Failure is one repository whose change stopped at a failed call. Done
// lists the steps that completed before it.
type Failure struct {
	Address string
	Done    []string
	Err     error
}

// BlockedError names each blocked change and the flags that would allow it.
type BlockedError struct{ Changes []ResourceChange }

func (e *BlockedError) Error() string {
	var b strings.Builder
	b.WriteString("apply refused before making any change: the plan makes destructive changes that no flag allows:")
	for _, c := range e.Changes {
		fmt.Fprintf(&b, "\n  - %s: %s; to allow it, add %s", c.Address, c.Reason, strings.Join(c.MissingFlags(), " "))
		if given := len(c.Requires) - len(c.MissingFlags()); given > 0 {
			b.WriteString(" (" + strings.Join(slices.DeleteFunc(slices.Clone(c.Requires), func(f string) bool { return slices.Contains(c.MissingFlags(), f) }), " ") + " is given)")
		}
	}
	return b.String()
}

// Apply executes the plan's steps. Registry settings run first, one at a
// time (registry_apply.go); then repositories run concurrently and
// independently: one failing does not stop the others. When ctx is cancelled
// no new call starts, calls in flight finish, and the rest is reported as not
// started. A plan with a blocked change is refused before any write.
func Apply(ctx context.Context, client ecrapi.ECR, p *Plan, opt ApplyOptions) (*Result, error) {
	if blocked := p.Blocked(); len(blocked) > 0 {
		return nil, &BlockedError{Changes: blocked}
	}
	a := &applier{client: client, opt: opt, region: p.Region, registryID: p.RegistryID}
	for _, rc := range p.Changes {
		if !rc.Is(NoOp) {
			a.steps.Total += len(rc.Steps)
		}
	}
	a.stepDone(0)
	res := &Result{}
	outcomes := make([]outcome, len(p.Changes))
	a.applyRegistry(ctx, p, outcomes)
	var g errgroup.Group
	g.SetLimit(max(opt.Parallelism, 1))
	for i, rc := range p.Changes {
		if rc.Type != TypeRepository {
			continue // applyRegistry ran it
		}
		if rc.Is(NoOp) || len(rc.Steps) == 0 {
			outcomes[i].skip = true
			continue
		}
		g.Go(func() error {
			outcomes[i] = a.change(ctx, rc)
			return nil
		})
	}
	_ = g.Wait() // changes report through outcomes, never through the group
	for i, rc := range p.Changes {
		o := outcomes[i]
		switch {
		case o.skip:
		case o.notStarted:
			res.NotStarted = append(res.NotStarted, rc.Address)
		case o.err != nil:
			res.Failed = append(res.Failed, Failure{Address: rc.Address, Done: o.done, Err: o.err})
		default:
			res.Applied = append(res.Applied, rc.Address)
			single := Plan{Changes: []ResourceChange{rc}}
			single.summarise()
			res.Summary.Add += single.Summary.Add
			res.Summary.Change += single.Summary.Change
			res.Summary.Destroy += single.Summary.Destroy
		}
	}
	return res, nil
}

type outcome struct {
	skip, notStarted bool
	done             []string
	err              error
}

// ApplyProgress counts the API calls of the changes Apply runs.
type ApplyProgress struct{ Done, Total int }

type applier struct {
	client     ecrapi.ECR
	opt        ApplyOptions
	region     string // for restore files
	registryID string
	mu         sync.Mutex // serialises progress lines and step counts
	steps      ApplyProgress
}

// stepDone counts one finished call (n = 0: just report the count).
func (a *applier) stepDone(n int) {
	if a.opt.Steps == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.steps.Done += n
	a.opt.Steps(a.steps)
}

func (a *applier) progress(format string, args ...any) {
	if a.opt.Progress == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.opt.Progress, format+"\n", args...)
}

// refusal is apply declining a call, for safety, before making it.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// progressFailure says where a change stopped: at a call that failed, at
// the read before it, or before a call apply refused to make. note, when
// set, is added to the line.
func (a *applier) progressFailure(rc ResourceChange, s Step, err error, note string) {
	var refused *refusal
	var op *ecrapi.OpError
	var line string
	switch {
	case errors.As(err, &refused):
		line = fmt.Sprintf("%s: refused before %s; the call was not made", rc.Address, s.Operation)
	case errors.As(err, &op) && op.Operation != "" && op.Operation != s.Operation:
		line = fmt.Sprintf("%s: failed at %s, before %s", rc.Address, op.Operation, s.Operation)
	default:
		line = fmt.Sprintf("%s: failed at %s", rc.Address, s.Operation)
	}
	if note != "" {
		line += "; " + note
	}
	a.progress("%s", line)
}

func (a *applier) change(ctx context.Context, rc ResourceChange) outcome {
	if ctx.Err() != nil {
		return outcome{notStarted: true}
	}
	if rc.IsReplace() && rc.Type == TypeRepository {
		return a.replace(ctx, rc)
	}
	// Calls run on a context that outlives an interrupt, so a call in flight
	// completes and its result is known; interrupts are honoured between calls.
	callCtx := context.WithoutCancel(ctx)
	arn := rc.ARN
	created := false
	var done []string
	a.progress("%s: %s...", rc.Address, WordsOf(rc).Progress)
	for _, s := range rc.Steps {
		if ctx.Err() != nil {
			err := fmt.Errorf("interrupted before %s; run apply again to finish", s.Operation)
			a.progress("%s: interrupted after %d of %d calls", rc.Address, len(done), len(rc.Steps))
			return outcome{done: done, err: changeError(rc, s.Operation, err, "")}
		}
		newARN, err := a.step(callCtx, ctx, rc, s, arn, created, false)
		if err != nil {
			a.progressFailure(rc, s, err, "")
			return outcome{done: done, err: err}
		}
		if s.Operation == OpCreateRepository {
			created, arn = true, newARN
		}
		done = append(done, s.Operation)
	}
	a.progress("%s: %s complete", rc.Address, WordsOf(rc).Done)
	return outcome{done: done}
}

// replace deletes and recreates a repository. From just before the delete
// is sent until the new repository has every carried-over setting, nothing
// may stop it: the guard keeps the process alive, calls ignore interrupts,
// and a restore file on disk records the calls that recreate it, so that
// even a SIGKILL leaves a way back. The file is removed when the
// replacement completes, and kept, with the error, when a call fails.
func (a *applier) replace(ctx context.Context, rc ResourceChange) outcome {
	if len(rc.Steps) < 2 || rc.Steps[0].Operation != OpDeleteRepository || rc.Steps[1].Operation != OpCreateRepository {
		return outcome{err: &ecrapi.OpError{Repository: rc.Name, Operation: OpDeleteRepository, Doing: "replacing",
			Err: errors.New("a replacement must be DeleteRepository then CreateRepository; the plan file may come from another ecrctl version")}}
	}
	callCtx := context.WithoutCancel(ctx)
	if g := a.opt.Guard; g != nil {
		g.Enter(rc.Name)
		defer g.Leave(rc.Name)
	}
	// An interrupt that arrived before the window opened stops the
	// replacement before anything is deleted.
	if ctx.Err() != nil {
		return outcome{notStarted: true}
	}
	a.progress("%s: %s...", rc.Address, WordsOf(rc).Progress)
	var journal *restoreJournal
	if a.opt.RestoreDir != "" {
		var err error
		journal, err = createRestoreFile(a.opt.RestoreDir, RestoreFile{
			Kind: RestoreKind, FormatVersion: RestoreFormatVersion, Region: a.region, RegistryID: a.registryID, AssumeRole: restoreRoleOf(a.opt.AssumeRole),
			Repository: rc.Name, Status: RestoreInProgress, WrittenAt: time.Now().UTC(), Done: []string{}, Steps: rc.Steps[1:],
		})
		if err != nil {
			a.progress("%s: not started: its restore file cannot be written", rc.Address)
			return outcome{err: &ecrapi.OpError{Repository: rc.Name, Operation: OpDeleteRepository, Doing: "replacing", Err: err,
				Detail: "nothing was deleted: a replacement first writes the calls that recreate the repository to a file. Run apply from a writable directory"}}
		}
		a.progress("%s: the calls that recreate it are in %s until the replacement completes", rc.Address, journal.path)
	}
	del := rc.Steps[0]
	if _, err := a.step(callCtx, callCtx, rc, del, rc.ARN, false, false); err != nil {
		gone, known := a.deletedAnyway(callCtx, rc.Name, err)
		switch {
		case !gone && known:
			_ = journal.remove() // nothing was deleted: the file is not needed
			a.progressFailure(rc, del, err, "nothing was deleted")
			return outcome{err: err}
		case !gone:
			return a.replacementFailed(rc, journal, 0, nil, false, err)
		}
		// The delete took effect although its answer was an error (a retry
		// after a lost answer finds the repository gone): go on.
	}
	done := []string{del.Operation}
	arn, created := "", false
	for i := 1; i < len(rc.Steps); i++ {
		s := rc.Steps[i]
		newARN, err := a.step(callCtx, callCtx, rc, s, arn, created, true)
		if err != nil {
			return a.replacementFailed(rc, journal, i, done, created, err)
		}
		if s.Operation == OpCreateRepository {
			created, arn = true, newARN
		}
		done = append(done, s.Operation)
	}
	if err := journal.remove(); err != nil {
		a.progress("%s: could not remove %s (%v); the replacement is complete, so the file can be deleted", rc.Address, journal.path, err)
	}
	a.progress("%s: %s complete", rc.Address, WordsOf(rc).Done)
	return outcome{done: done}
}

// deletedAnyway decides, after DeleteRepository returned an error, whether
// the repository is gone. gone is true when it certainly is; known is false
// when the outcome cannot be told (the answer was lost and ECR could not
// confirm), in which case the restore file is kept.
func (a *applier) deletedAnyway(ctx context.Context, name string, err error) (gone, known bool) {
	var nf *types.RepositoryNotFoundException
	var notSent *refusedBeforeCall
	var api smithy.APIError
	switch {
	case errors.As(err, &nf):
		return true, true
	case errors.As(err, &notSent):
		return false, true
	}
	// Even a refusal is checked: after retries the SDK returns the last
	// attempt's error, and an earlier attempt whose answer was lost (a
	// timeout, a reset) may have deleted the repository already.
	_, derr := a.client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	switch {
	case errors.As(derr, &nf):
		return true, true
	case derr == nil && errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient && !isThrottle(api):
		// ECR refused the request and the repository is still there.
		return false, true
	}
	// A timeout or a server error may come after the delete took effect.
	return false, false
}

func isThrottle(api smithy.APIError) bool {
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(api) == aws.TrueTernary
}

// refusedBeforeCall is an error apply raised before sending the call.
type refusedBeforeCall struct{ error }

func (e *refusedBeforeCall) Unwrap() error { return e.error }

// replacementFailed explains a replacement that stopped inside its window:
// the next plan would only see a missing repository (or one without the
// settings the spec does not manage), so the calls still to make are
// printed, and recorded in the restore file.
func (a *applier) replacementFailed(rc ResourceChange, journal *restoreJournal, failedAt int, done []string, created bool, err error) outcome {
	op := &ecrapi.OpError{Repository: rc.Name, Operation: rc.Steps[failedAt].Operation, Doing: "replacing", Err: err}
	var what string
	switch {
	case failedAt == 0:
		what = "the answer to DeleteRepository was lost and ECR could not confirm whether the repository still exists, so it may be deleted. Fix the cause"
	case created:
		what = "the old repository was deleted and the new one created, but not all its settings were set. Fix the cause"
	default:
		what = "the old repository is already deleted and the new one not created. Fix the cause"
	}
	remaining, _ := json.Marshal(rc.Steps[max(failedAt, 1):])
	how := "and run apply again to set what the spec manages; settings the spec does not manage were carried over in these remaining calls, which restore them exactly"
	if journal != nil {
		if jerr := journal.fail(done, err); jerr != nil {
			a.progress("%s: could not record the failure in %s: %v", rc.Address, journal.path, jerr)
		}
		how = fmt.Sprintf("and run `ecrctl restore %s`: it checks the repository first, then makes only the calls still needed. The calls left, which restore the settings the spec does not manage exactly, are", journal.path)
		a.progress("%s: failed at %s; the calls that restore it are saved in %s: run `ecrctl restore %s`", rc.Address, op.Operation, journal.path, journal.path)
	} else {
		a.progress("%s: failed at %s", rc.Address, op.Operation)
	}
	op.Detail = fmt.Sprintf("%s %s: %s", what, how, remaining)
	return outcome{done: done, err: op}
}

// step runs one call. Right after CreateRepository, a not-found answer means
// ECR has not caught up yet: wait and retry, a bounded number of times.
func (a *applier) step(callCtx, ctx context.Context, rc ResourceChange, s Step, arn string, created, deleted bool) (string, error) {
	delay := a.opt.ConsistencyDelay
	for attempt := 0; ; attempt++ {
		newARN, err := a.call(callCtx, rc.Name, s, arn)
		if err == nil {
			a.stepDone(1)
			return newARN, nil
		}
		// ECR is eventually consistent both ways: right after create a
		// follow-up call may not find the repository, and right after a
		// replacement's delete the create may still find the old one.
		var nf *types.RepositoryNotFoundException
		var ae *types.RepositoryAlreadyExistsException
		existsAfterDelete := deleted && s.Operation == OpCreateRepository && errors.As(err, &ae)
		if existsAfterDelete {
			if arn, ok := a.createdAnyway(callCtx, rc, s); ok {
				a.stepDone(1)
				return arn, nil
			}
		}
		lagging := (created && errors.As(err, &nf)) || existsAfterDelete
		if !lagging || attempt >= a.opt.ConsistencyRetries {
			var op *ecrapi.OpError
			if errors.As(err, &op) {
				return "", err
			}
			op = changeError(rc, s.Operation, err, "")
			if lagging {
				op.Detail = fmt.Sprintf("ECR still had not caught up with the previous call after %d retries; run apply again in a minute", attempt)
			}
			return "", op
		}
		select {
		case <-ctx.Done():
			return "", &ecrapi.OpError{Repository: rc.Name, Operation: s.Operation, Doing: "changing", Err: err, Detail: "interrupted while waiting for the new repository to appear"}
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// createdAnyway decides, after a replacement's CreateRepository was told
// the repository already exists, whether it is the one this create made: a
// first attempt can succeed and its answer be lost, and the SDK's retry then
// finds it. It is accepted when it has exactly the encryption the step asks
// for (the one thing a replacement changes, and the old repository, still
// visible while ECR lags, does not have); otherwise the caller waits for ECR
// to catch up, as before. A key that cannot be told apart is never accepted.
func (a *applier) createdAnyway(ctx context.Context, rc ResourceChange, s Step) (string, bool) {
	if s.Encryption == nil {
		return "", false
	}
	out, err := a.client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{rc.Name}})
	if err != nil || len(out.Repositories) != 1 {
		return "", false
	}
	lr := ecrapi.RepositoryFromSDK(out.Repositories[0])
	want := *s.Encryption
	if want.Type == "KMS" && want.KMSKey == "" {
		want.KMSKey = awsManagedECRKey // the key ECR uses when none is named
	}
	kr, _ := a.client.(ecrapi.KeyResolver)
	if same, err := encryptionIs(ctx, kr, &want, lr); err != nil || !same {
		return "", false
	}
	a.progress("%s: CreateRepository's answer was lost; the repository it created exists with the encryption asked for, so the replacement goes on", rc.Address)
	return lr.ARN, true
}

func (a *applier) call(ctx context.Context, repo string, s Step, arn string) (string, error) {
	if handled, err := a.callRegistry(ctx, s); handled {
		return "", err
	}
	name := aws.String(repo)
	c := a.client
	switch s.Operation {
	case OpCreateRepository:
		in := &ecr.CreateRepositoryInput{
			RepositoryName:                     name,
			ImageTagMutability:                 types.ImageTagMutability(s.ImageTagMutability),
			ImageTagMutabilityExclusionFilters: sdkFilters(s.ExclusionFilters),
		}
		if s.ScanOnPush != nil {
			in.ImageScanningConfiguration = &types.ImageScanningConfiguration{ScanOnPush: *s.ScanOnPush}
		}
		if s.Encryption != nil {
			in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionType(s.Encryption.Type)}
			if s.Encryption.KMSKey != "" {
				in.EncryptionConfiguration.KmsKey = aws.String(s.Encryption.KMSKey)
			}
		}
		for _, k := range sortedKeys(s.Tags) {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(s.Tags[k])})
		}
		out, err := c.CreateRepository(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Repository.RepositoryArn), nil
	case OpDeleteRepository:
		if err := checkImagesBeforeDelete(ctx, c, repo, s); err != nil {
			return "", &refusedBeforeCall{err}
		}
		_, err := c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: name, Force: s.Force})
		return "", err
	case OpPutImageTagMutability:
		_, err := c.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
			RepositoryName:                     name,
			ImageTagMutability:                 types.ImageTagMutability(s.ImageTagMutability),
			ImageTagMutabilityExclusionFilters: sdkFilters(s.ExclusionFilters),
		})
		return "", err
	case OpPutImageScanningConfiguration:
		_, err := c.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
			RepositoryName:             name,
			ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: aws.ToBool(s.ScanOnPush)},
		})
		return "", err
	case OpTagResource:
		in := &ecr.TagResourceInput{ResourceArn: aws.String(arn)}
		for _, k := range sortedKeys(s.Tags) {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(s.Tags[k])})
		}
		_, err := c.TagResource(ctx, in)
		return "", err
	case OpUntagResource:
		_, err := c.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: s.TagKeys})
		return "", err
	case OpPutLifecyclePolicy:
		_, err := c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: name, LifecyclePolicyText: aws.String(s.PolicyText)})
		return "", err
	case OpDeleteLifecyclePolicy:
		_, err := c.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: name})
		var nf *types.LifecyclePolicyNotFoundException
		if errors.As(err, &nf) {
			return "", nil // already gone: the goal is reached
		}
		return "", err
	case OpSetRepositoryPolicy:
		_, err := c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: name, PolicyText: aws.String(s.PolicyText)})
		return "", err
	case OpDeleteRepositoryPolicy:
		_, err := c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: name})
		var nf *types.RepositoryPolicyNotFoundException
		if errors.As(err, &nf) {
			return "", nil
		}
		return "", err
	}
	return "", fmt.Errorf("unknown operation %q in plan; the plan file may come from a newer ecrctl", s.Operation)
}

// checkImagesBeforeDelete reads the images again right before a delete: it
// destroys exactly the images the plan showed, never an image pushed (or
// put in the place of another) since.
func checkImagesBeforeDelete(ctx context.Context, c ecrapi.ECR, repo string, s Step) error {
	now, err := ecrapi.ReadImageSet(ctx, c, repo)
	if err != nil {
		return err
	}
	saw := 0
	if s.ExpectedImages != nil {
		saw = *s.ExpectedImages
	}
	switch {
	case s.ExpectedImagesSHA256 != "" && now.SHA256 != s.ExpectedImagesSHA256:
		return &refusal{fmt.Sprintf("refusing to delete: the repository now holds %s, the plan saw %d, and they are not the same images (some were pushed or deleted since); nothing was deleted. Run plan again and review the images it destroys", format.Count(now.Count, "image", "images"), saw)}
	case s.ExpectedImages != nil && now.Count > saw:
		return &refusal{fmt.Sprintf("refusing to delete: the repository now holds %s, the plan saw %d; nothing was deleted. Run plan again", format.Count(now.Count, "image", "images"), saw)}
	}
	return nil
}

func sdkFilters(filters []string) []types.ImageTagMutabilityExclusionFilter {
	var out []types.ImageTagMutabilityExclusionFilter
	for _, f := range filters {
		out = append(out, types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
	}
	return out
}
