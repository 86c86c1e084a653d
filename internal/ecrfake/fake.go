// Package ecrfake is an in-memory, stateful fake of the Amazon ECR control
// plane for unit tests. It models how real ECR behaves (not how the moto
// emulator behaves): paging, typed errors, reformatted policy text, tag limits,
// exclusion-filter validation, key ARNs for KMS encryption and the eventual
// consistency of CreateRepository. docs/ecr-behaviour.md lists the facts it models.
// Handler serves it over HTTP with ECR's JSON protocol, for `make demo`
// without moto and for any SDK or CLI (cmd/ecrfake-server).
//
// Every API method has the exact signature of the corresponding method of
// *ecr.Client, so a *Fake can stand in wherever an interface over the client
// is used. Errors are the SDK's typed errors from the ecr/types package (or
// smithy.InvalidParamsError for a missing required field, which is what the
// SDK client reports before sending a request), so callers match them with
// errors.As.
//
// Observation and fault injection:
//
//   - Calls, CallsFor and Writes count calls that reached the fake: a call
//     whose context is already done at entry returns ctx.Err() and is not
//     counted (the SDK would not have sent it). Every other call is counted
//     before anything else happens, including calls that then fail through
//     injection, eventual consistency or validation.
//   - Writes counts the mutating operations (CreateRepository,
//     DeleteRepository, PutImageTagMutability, PutImageScanningConfiguration,
//     TagResource, UntagResource, PutLifecyclePolicy, DeleteLifecyclePolicy,
//     SetRepositoryPolicy, DeleteRepositoryPolicy, and the registry-level
//     PutRegistryScanningConfiguration, PutReplicationConfiguration,
//     PutRegistryPolicy, DeleteRegistryPolicy and the Create, Update and
//     Delete of pull-through cache rules and repository creation templates)
//     counted that way. CallsFor counts the registry-level calls that name a
//     prefix (pull-through cache rules, creation templates) under the prefix,
//     and BatchGetRepositoryScanningConfiguration under each name.
//   - Inject and FailN run before the operation and without the fake's lock
//     held, so an injected function may block on its context.
package ecrfake

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Defaults used by New.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-west-2"

	// AWSManagedKeyID is the key id that the alias "alias/aws/ecr" (the
	// AWS-managed key ECR uses for KMS encryption when no key is given)
	// resolves to unless WithKMSAlias overrides it.
	AWSManagedKeyID = "4e6f7c2a-1b3d-4c5e-8f90-a1b2c3d4e5f6"
)

// DefaultTime is the fixed time the default clock returns.
var DefaultTime = time.Date(2025, time.January, 2, 3, 4, 5, 0, time.UTC)

// Option configures a Fake.
type Option func(*Fake)

// WithAccount sets the account id (registry id).
func WithAccount(id string) Option { return func(f *Fake) { f.account = id } }

// WithRegion sets the region.
func WithRegion(region string) Option { return func(f *Fake) { f.region = region } }

// WithClock sets the clock used for CreatedAt, default image push times and
// authorization token expiry.
func WithClock(clock func() time.Time) Option { return func(f *Fake) { f.clock = clock } }

// WithKMSAlias makes a KMS alias resolvable. alias may be given with or
// without the "alias/" prefix; keyID is a bare key id (such as a UUID).
func WithKMSAlias(alias, keyID string) Option {
	return func(f *Fake) { f.kmsAliases[trimAlias(alias)] = keyID }
}

// Image is an image seeded with PutImage.
type Image struct {
	Digest             string
	Tags               []string
	SizeBytes          int64
	PushedAt           time.Time
	ScanSeverityCounts map[string]int32
	Findings           []types.ImageScanFinding
}

// RepoState is a snapshot of one repository, for assertions.
type RepoState struct {
	Name               string
	ARN                string
	URI                string
	RegistryID         string
	CreatedAt          time.Time
	ImageTagMutability types.ImageTagMutability
	ExclusionFilters   []string
	ScanOnPush         bool
	EncryptionType     types.EncryptionType
	KMSKey             string // key ARN; "" for AES256
	Tags               map[string]string
	LifecyclePolicy    *string // as stored (re-serialised)
	RepositoryPolicy   *string // as stored (reformatted)
	ImageCount         int
}

type repo struct {
	seq          int64
	name         string
	createdAt    time.Time
	mutability   types.ImageTagMutability
	filters      []string
	scanOnPush   bool
	encType      types.EncryptionType
	kmsKey       string
	tags         map[string]string
	lifecycle    *string
	policy       *string
	images       []*image
	notFoundLeft int
}

type image struct {
	seq int64
	Image
}

type injection struct {
	op, repo  string
	fn        func(ctx context.Context) error
	remaining int // -1: unlimited
}

// Fake is an in-memory ECR control plane. The zero value is not usable; call New.
type Fake struct {
	mu         sync.Mutex
	account    string
	region     string
	clock      func() time.Time
	kmsAliases map[string]string

	repos         map[string]*repo
	seq           int64
	notFoundAfter int

	// Registry-level settings (registry.go, pullthrough.go, templates.go).
	scanType       types.ScanType
	scanRules      []types.RegistryScanningRule
	replication    []types.ReplicationRule
	registryPolicy *string
	ptcRules       map[string]*ptcRule
	templates      map[string]*template

	calls      map[string]int
	callsFor   map[[2]string]int
	writes     int
	injections []*injection
}

// New returns an empty fake registry.
func New(opts ...Option) *Fake {
	f := &Fake{
		account:    DefaultAccount,
		region:     DefaultRegion,
		clock:      func() time.Time { return DefaultTime },
		kmsAliases: map[string]string{"aws/ecr": AWSManagedKeyID},
		repos:      map[string]*repo{},
		scanType:   types.ScanTypeBasic,
		ptcRules:   map[string]*ptcRule{},
		templates:  map[string]*template{},
		calls:      map[string]int{},
		callsFor:   map[[2]string]int{},
	}
	for _, o := range opts {
		o(f)
	}
	return f
}

// Account returns the fake's account id.
func (f *Fake) Account() string { return f.account }

// Region returns the fake's region.
func (f *Fake) Region() string { return f.region }

// RepositoryARN returns the ARN of repository name in this registry.
func (f *Fake) RepositoryARN(name string) string {
	return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", f.region, f.account, name)
}

// RepositoryURI returns the URI of repository name in this registry.
func (f *Fake) RepositoryURI(name string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", f.account, f.region, name)
}

// SetNotFoundAfterCreate makes every repository created from now on answer
// RepositoryNotFoundException to its next n per-repository calls, as real ECR
// can right after CreateRepository. Per-repository calls are all operations
// naming the repository except CreateRepository and DeleteRepository:
// DescribeRepositories by name, DescribeImages, DescribeImageScanFindings, the
// tag, lifecycle, repository-policy, mutability and scanning operations. The
// paged DescribeRepositories listing shows the repository at once. n <= 0
// turns the hook off for repositories created later.
func (f *Fake) SetNotFoundAfterCreate(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notFoundAfter = max(n, 0)
}

// SetSystemTag sets a tag on repository name without validation, to seed the
// aws:-prefixed tags that the public API refuses. It panics if the repository
// does not exist.
func (f *Fake) SetSystemTag(name, key, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.mustRepo(name)
	r.tags[key] = value
}

// PutImage seeds an image into repository name (which must exist, else
// PutImage panics). An empty Digest gets a generated one; a zero PushedAt
// takes the clock's time. As with a real push, tags move from any other image
// that holds them; pushing an existing digest adds its tags to that image.
func (f *Fake) PutImage(name string, img Image) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.mustRepo(name)
	f.seq++
	if img.Digest == "" {
		img.Digest = fakeDigest(fmt.Sprintf("%s/%d", name, f.seq))
	}
	if img.PushedAt.IsZero() {
		img.PushedAt = f.clock()
	}
	img.Tags = append([]string(nil), img.Tags...)
	img.Findings = append([]types.ImageScanFinding(nil), img.Findings...)
	if img.ScanSeverityCounts != nil {
		img.ScanSeverityCounts = copyCounts(img.ScanSeverityCounts)
	}
	var target *image
	for _, im := range r.images {
		if im.Digest == img.Digest {
			target = im
			continue
		}
		im.Tags = removeAll(im.Tags, img.Tags)
	}
	if target != nil {
		for _, t := range img.Tags {
			if !contains(target.Tags, t) {
				target.Tags = append(target.Tags, t)
			}
		}
		return
	}
	r.images = append(r.images, &image{seq: f.seq, Image: img})
}

// RemoveImage deletes the image with digest from repository name behind
// ecrctl's back (as another client would); it reports whether it was there.
func (f *Fake) RemoveImage(name, digest string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.mustRepo(name)
	for i, im := range r.images {
		if im.Digest == digest {
			r.images = append(r.images[:i], r.images[i+1:]...)
			return true
		}
	}
	return false
}

// Images returns copies of the images in repository name, in push order.
func (f *Fake) Images(name string) ([]Image, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.repos[name]
	if !ok {
		return nil, false
	}
	out := make([]Image, 0, len(r.images))
	for _, im := range r.images {
		c := im.Image
		c.Tags = append([]string(nil), c.Tags...)
		c.Findings = append([]types.ImageScanFinding(nil), c.Findings...)
		if c.ScanSeverityCounts != nil {
			c.ScanSeverityCounts = copyCounts(c.ScanSeverityCounts)
		}
		out = append(out, c)
	}
	return out, true
}

// Repository returns a snapshot of repository name. It neither counts as a
// call nor consumes the eventual-consistency budget.
func (f *Fake) Repository(name string) (RepoState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.repos[name]
	if !ok {
		return RepoState{}, false
	}
	st := RepoState{
		Name:               r.name,
		ARN:                f.RepositoryARN(r.name),
		URI:                f.RepositoryURI(r.name),
		RegistryID:         f.account,
		CreatedAt:          r.createdAt,
		ImageTagMutability: r.mutability,
		ExclusionFilters:   append([]string(nil), r.filters...),
		ScanOnPush:         r.scanOnPush,
		EncryptionType:     r.encType,
		KMSKey:             r.kmsKey,
		Tags:               make(map[string]string, len(r.tags)),
		ImageCount:         len(r.images),
	}
	for k, v := range r.tags {
		st.Tags[k] = v
	}
	if r.lifecycle != nil {
		st.LifecyclePolicy = aws.String(*r.lifecycle)
	}
	if r.policy != nil {
		st.RepositoryPolicy = aws.String(*r.policy)
	}
	return st, true
}

// RepositoryNames returns the names of all repositories in creation order.
func (f *Fake) RepositoryNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	rs := f.sortedRepos()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.name
	}
	return out
}

// Calls returns a copy of the per-operation call counts.
func (f *Fake) Calls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.calls))
	for k, v := range f.calls {
		out[k] = v
	}
	return out
}

// CallsFor returns how many calls of op named repository repo. repo == ""
// returns all calls of op. DescribeRepositories by name counts once for each
// name in the request; the tag operations count for the repository their ARN
// names.
func (f *Fake) CallsFor(op, repo string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if repo == "" {
		return f.calls[op]
	}
	return f.callsFor[[2]string{op, repo}]
}

// Writes returns how many mutating calls reached the fake (see the package
// documentation), successful or not.
func (f *Fake) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

// ResetCalls zeroes Calls, CallsFor and Writes.
func (f *Fake) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = map[string]int{}
	f.callsFor = map[[2]string]int{}
	f.writes = 0
}

// Inject registers fn to run before every call of operation op ("" = any
// operation) on repository repo ("" = any repository, including calls that
// name none). A non-nil error from fn is returned instead of running the
// operation. fn runs without the fake's lock held and may block on ctx.
// Injections run in registration order and stay until ClearInjections.
func (f *Fake) Inject(op, repo string, fn func(ctx context.Context) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.injections = append(f.injections, &injection{op: op, repo: repo, fn: fn, remaining: -1})
}

// FailN makes the next n calls of op ("" = any) on repo ("" = any) return err.
func (f *Fake) FailN(op, repo string, n int, err error) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.injections = append(f.injections, &injection{
		op: op, repo: repo, remaining: n,
		fn: func(context.Context) error { return err },
	})
}

// ClearInjections removes every Inject and FailN registration.
func (f *Fake) ClearInjections() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.injections = nil
}

var writeOps = map[string]bool{
	"CreateRepository":              true,
	"DeleteRepository":              true,
	"PutImageTagMutability":         true,
	"PutImageScanningConfiguration": true,
	"TagResource":                   true,
	"UntagResource":                 true,
	"PutLifecyclePolicy":            true,
	"DeleteLifecyclePolicy":         true,
	"SetRepositoryPolicy":           true,
	"DeleteRepositoryPolicy":        true,

	"PutRegistryScanningConfiguration": true,
	"PutReplicationConfiguration":      true,
	"PutRegistryPolicy":                true,
	"DeleteRegistryPolicy":             true,
	"CreatePullThroughCacheRule":       true,
	"UpdatePullThroughCacheRule":       true,
	"DeletePullThroughCacheRule":       true,
	"CreateRepositoryCreationTemplate": true,
	"UpdateRepositoryCreationTemplate": true,
	"DeleteRepositoryCreationTemplate": true,
}

// begin is the common prologue of every API method: context check, counting
// and fault injection. repos are the repository names the call refers to.
func (f *Fake) begin(ctx context.Context, op string, repos ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.calls[op]++
	for _, r := range repos {
		if r != "" {
			f.callsFor[[2]string{op, r}]++
		}
	}
	if writeOps[op] {
		f.writes++
	}
	var cands []*injection
	for _, in := range f.injections {
		if (in.op == "" || in.op == op) && (in.repo == "" || contains(repos, in.repo)) {
			cands = append(cands, in)
		}
	}
	f.mu.Unlock()

	for _, in := range cands {
		f.mu.Lock()
		if in.remaining == 0 {
			f.mu.Unlock()
			continue
		}
		if in.remaining > 0 {
			in.remaining--
		}
		f.mu.Unlock()
		if err := in.fn(ctx); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *Fake) mustRepo(name string) *repo {
	r, ok := f.repos[name]
	if !ok {
		panic(fmt.Sprintf("ecrfake: repository %q does not exist", name))
	}
	return r
}

func (f *Fake) sortedRepos() []*repo {
	rs := make([]*repo, 0, len(f.repos))
	for _, r := range f.repos {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].seq < rs[j].seq })
	return rs
}

var (
	repoNameRE   = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	registryIDRE = regexp.MustCompile(`^[0-9]{12}$`)
)

func validateRepoName(name string) error {
	if len(name) < 2 || len(name) > 256 {
		return invalidParam("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'Member must have length between 2 and 256 inclusive'")
	}
	if !repoNameRE.MatchString(name) {
		return invalidParam("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '%s''", repoNameRE.String()[1:len(repoNameRE.String())-1])
	}
	return nil
}

// checkRegistry accepts a nil registry id or the fake's own account.
func (f *Fake) checkRegistry(id *string) error {
	if id == nil || *id == f.account {
		return nil
	}
	if !registryIDRE.MatchString(*id) {
		return invalidParam("Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''")
	}
	return invalidParam("ecrfake serves only registry %s, not %s", f.account, *id)
}

// lookup finds a repository for a per-repository operation, applying the
// eventual-consistency budget. Caller holds f.mu.
func (f *Fake) lookup(name string) (*repo, error) {
	r, ok := f.repos[name]
	if !ok {
		return nil, f.repoNotFound(name)
	}
	if r.notFoundLeft > 0 {
		r.notFoundLeft--
		return nil, f.repoNotFound(name)
	}
	return r, nil
}

// repoCall is the prologue of operation op on the repository that a
// RegistryId/RepositoryName pair names: begin, then validation of the pair
// (reported against op's input type). It returns the repository name.
func (f *Fake) repoCall(ctx context.Context, op string, registryID, name *string) (string, error) {
	if err := f.begin(ctx, op, aws.ToString(name)); err != nil {
		return "", err
	}
	if name == nil {
		return "", paramRequired(op+"Input", "RepositoryName")
	}
	if err := f.checkRegistry(registryID); err != nil {
		return "", err
	}
	if err := validateRepoName(*name); err != nil {
		return "", err
	}
	return *name, nil
}

// arnCall is repoCall for the tag operations, which name the repository by ARN.
func (f *Fake) arnCall(ctx context.Context, op string, arn *string) (string, error) {
	if err := f.begin(ctx, op, repoNameFromARN(arn)); err != nil {
		return "", err
	}
	return f.resolveARN(op+"Input", arn)
}

// withRepo runs fn on repository name with f.mu held, once lookup (and its
// eventual-consistency budget) has found the repository.
func withRepo[T any](f *Fake, name string, fn func(*repo) (T, error)) (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.lookup(name)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(r)
}

func (f *Fake) toRepository(r *repo) *types.Repository {
	out := &types.Repository{
		CreatedAt:                  aws.Time(r.createdAt),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: r.scanOnPush},
		ImageTagMutability:         r.mutability,
		RegistryId:                 aws.String(f.account),
		RepositoryArn:              aws.String(f.RepositoryARN(r.name)),
		RepositoryName:             aws.String(r.name),
		RepositoryUri:              aws.String(f.RepositoryURI(r.name)),
		EncryptionConfiguration:    &types.EncryptionConfiguration{EncryptionType: r.encType},
	}
	if r.kmsKey != "" {
		out.EncryptionConfiguration.KmsKey = aws.String(r.kmsKey)
	}
	for _, flt := range r.filters {
		out.ImageTagMutabilityExclusionFilters = append(out.ImageTagMutabilityExclusionFilters,
			types.ImageTagMutabilityExclusionFilter{Filter: aws.String(flt), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func removeAll(list, drop []string) []string {
	var out []string
	for _, x := range list {
		if !contains(drop, x) {
			out = append(out, x)
		}
	}
	return out
}

func copyCounts(m map[string]int32) map[string]int32 {
	out := make(map[string]int32, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
