package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"golang.org/x/sync/errgroup"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// Live is what ECR holds: every repository in the registry, with the
// attributes that need their own read filled in only where the spec manages
// them.
type Live struct {
	Region     string
	RegistryID string
	Repos      map[string]*LiveRepository
}

// LiveRepository is one repository as ECR reports it. Pointers and maps are
// nil when the attribute was not read (unmanaged) or is not set; the *Read
// flags tell the two apart.
type LiveRepository struct {
	Name               string            `json:"name"`
	ARN                string            `json:"arn"`
	URI                string            `json:"uri"`
	RegistryID         string            `json:"registry_id"`
	ImageTagMutability string            `json:"image_tag_mutability"`
	ExclusionFilters   []string          `json:"exclusion_filters,omitempty"`
	ScanOnPush         bool              `json:"scan_on_push"`
	EncryptionType     string            `json:"encryption_type"`
	KMSKey             string            `json:"kms_key,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	TagsRead           bool              `json:"tags_read,omitempty"`
	Lifecycle          *string           `json:"lifecycle_policy,omitempty"`
	LifecycleRead      bool              `json:"lifecycle_read,omitempty"`
	Policy             *string           `json:"repository_policy,omitempty"`
	PolicyRead         bool              `json:"policy_read,omitempty"`
	ImageCount         *int              `json:"image_count,omitempty"`
	// ImagesSHA256 fingerprints the images (ImageDigests) where ImageCount
	// is read: a delete or replacement is tied to exactly these images.
	ImagesSHA256 string `json:"images_sha256,omitempty"`
	// Images are read only for lifecycle impact; left out of the
	// fingerprint so a push between plan and apply does not stale a plan
	// that does not delete anything.
	Images     []lifecycle.Image `json:"-"`
	ImagesRead bool              `json:"-"`
	// KMSAliasTarget is the key ARN that the spec's kmsKey alias names
	// today, when Read could resolve it; "" otherwise.
	KMSAliasTarget string `json:"kms_alias_target,omitempty"`
}

// ReadOptions tune the live read.
type ReadOptions struct {
	Region      string
	Parallelism int // concurrent per-repository reads; <1 means 1
	// LifecycleImpact reads the images of repositories whose lifecycle
	// policy changes, so the plan can say what the new policy would expire.
	LifecycleImpact bool
	// Progress, when set, is told how far the read has come: once when the
	// registry is listed, then each time a repository's reads finish. Calls
	// are serialised and their counts never go down.
	Progress func(ReadProgress)
}

// ReadProgress is how far Read has come in one stage.
type ReadProgress struct {
	// Stage is ReadRepositories (the attributes of each managed repository)
	// or ReadImages (images of repositories whose lifecycle policy changes).
	Stage       string
	Done, Total int // repositories
}

// Read stages.
const (
	ReadRepositories = "repositories"
	ReadImages       = "images"
)

// counter reports ReadProgress for one stage: a repository is done when its
// last task ends.
type counter struct {
	mu     sync.Mutex
	fn     func(ReadProgress)
	stage  string
	done   int
	total  int
	remain map[string]int
}

func newCounter(fn func(ReadProgress), stage string) *counter {
	return &counter{fn: fn, stage: stage, remain: map[string]int{}}
}

// add registers one task of repository name.
func (c *counter) add(name string) { c.remain[name]++ }

// start reports the first count: total repositories, those without tasks done.
func (c *counter) start(total int) {
	c.total = total
	c.done = total - len(c.remain)
	c.report()
}

// wrap returns task, counting name's progress when it ends.
func (c *counter) wrap(name string, task func(context.Context) error) func(context.Context) error {
	if c.fn == nil {
		return task
	}
	return func(ctx context.Context) error {
		err := task(ctx)
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.remain[name]--; c.remain[name] == 0 {
			c.done++
			c.fn(ReadProgress{Stage: c.stage, Done: c.done, Total: c.total})
		}
		return err
	}
}

func (c *counter) report() {
	if c.fn == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fn(ReadProgress{Stage: c.stage, Done: c.done, Total: c.total})
}

// describePageSize is DescribeRepositories' maximum page: the fewest calls.
const describePageSize = 1000

// Read lists the registry and reads, for the repositories the spec manages,
// only the attributes it manages: tags, lifecycle policy and repository
// policy each cost one call per repository. Image counts are read only where
// the plan would destroy images. It fails before any write can happen when
// the account guard does not match.
func Read(ctx context.Context, client ecrapi.ECR, f *spec.File, opt ReadOptions) (*Live, error) {
	repos, registryID, err := ListRepositories(ctx, client)
	if err != nil {
		return nil, err
	}
	live := &Live{Region: opt.Region, RegistryID: registryID, Repos: repos}
	if live.RegistryID, err = CheckAccount(ctx, client, f, registryID); err != nil {
		return nil, err
	}
	if live.RegistryID == "" {
		// A plan names the account it was made for, so a saved plan can
		// never be applied to another one; only an empty registry without
		// an account guard needs this call.
		if live.RegistryID, err = describeRegistry(ctx, client); err != nil {
			return nil, err
		}
	}

	if err := resolveAliases(ctx, client, f, live); err != nil {
		return nil, err
	}
	var tasks []func(context.Context) error
	prog := newCounter(opt.Progress, ReadRepositories)
	task := func(name string, t func(context.Context) error) {
		prog.add(name)
		tasks = append(tasks, prog.wrap(name, t))
	}
	for _, d := range f.Repositories {
		lr, ok := live.Repos[d.Name]
		if !ok {
			continue
		}
		replacing := !d.Absent && d.Encryption != nil && !encryptionMatches(d.Encryption, lr)
		if d.Absent || replacing {
			task(d.Name, func(ctx context.Context) error { return countImages(ctx, client, lr) })
		}
		if d.Absent {
			continue
		}
		// A replacement carries unmanaged attributes over to the new
		// repository, so it needs them all.
		if d.Tags != nil || replacing {
			task(d.Name, func(ctx context.Context) error { return readTags(ctx, client, lr) })
		}
		if d.Lifecycle != nil || replacing {
			task(d.Name, func(ctx context.Context) error { return readLifecycle(ctx, client, lr) })
		}
		if d.Policy != nil || replacing {
			task(d.Name, func(ctx context.Context) error { return readPolicy(ctx, client, lr) })
		}
	}
	prog.start(len(f.Repositories))
	if err := runAll(ctx, opt.Parallelism, tasks); err != nil {
		return nil, err
	}
	if opt.LifecycleImpact {
		// A second round: only now is it known whose lifecycle changes.
		tasks = tasks[:0]
		prog = newCounter(opt.Progress, ReadImages)
		df := newDiffer()
		for _, d := range f.Repositories {
			lr, ok := live.Repos[d.Name]
			if !ok || d.Absent || d.Lifecycle == nil || d.Lifecycle.Policy == nil {
				continue
			}
			if d.Encryption != nil && !encryptionMatches(d.Encryption, lr) {
				continue // replaced: its images go with the old repository
			}
			if !df.lifecycleChanged(d.Lifecycle, lr.Lifecycle) {
				continue
			}
			task(d.Name, func(ctx context.Context) error {
				imgs, err := ListImages(ctx, client, lr.Name)
				lr.Images, lr.ImagesRead = imgs, err == nil
				return err
			})
		}
		if len(tasks) > 0 {
			prog.start(len(tasks))
		}
		if err := runAll(ctx, opt.Parallelism, tasks); err != nil {
			return nil, err
		}
	}
	return live, nil
}

// resolveAliases asks KMS which key each KMS alias in the spec names, once
// per alias, where the alias could matter: a repository with that alias whose
// live key is not written the same way. Without a resolver (an emulator, a
// test) or without kms:DescribeKey, aliases stay unresolved and Diff warns.
func resolveAliases(ctx context.Context, client ecrapi.ECR, f *spec.File, live *Live) error {
	kr, ok := client.(ecrapi.KeyResolver)
	if !ok {
		return nil
	}
	resolved := map[string]string{}
	for _, d := range f.Repositories {
		lr := live.Repos[d.Name]
		if lr == nil || d.Absent || d.Encryption == nil || !isKMSAlias(d.Encryption.KMSKey) ||
			d.Encryption.Type != lr.EncryptionType || d.Encryption.KMSKey == lr.KMSKey {
			continue
		}
		alias := d.Encryption.KMSKey
		target, done := resolved[alias]
		if !done {
			out, err := kr.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
			switch {
			case err == nil && out.KeyMetadata != nil:
				target = aws.ToString(out.KeyMetadata.Arn)
			case ctx.Err() != nil:
				return ctx.Err()
			}
			resolved[alias] = target // "" when it could not be resolved
		}
		lr.KMSAliasTarget = target
	}
	return nil
}

// runAll runs tasks with at most parallelism at once; the first error
// cancels the rest.
func runAll(ctx context.Context, parallelism int, tasks []func(context.Context) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallelism, 1))
	for _, t := range tasks {
		g.Go(func() error { return t(gctx) })
	}
	return g.Wait()
}

// ListRepositories pages through DescribeRepositories, 1000 at a time: the
// fewest calls, and the only way to see repositories the spec does not name.
// registryID is "" when the registry is empty.
func ListRepositories(ctx context.Context, client ecrapi.ECR) (repos map[string]*LiveRepository, registryID string, err error) {
	repos = map[string]*LiveRepository{}
	var token *string
	for {
		out, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
			MaxResults: aws.Int32(describePageSize),
			NextToken:  token,
		})
		if err != nil {
			return nil, "", &ecrapi.OpError{Operation: "DescribeRepositories", Err: err, Doing: "listing repositories"}
		}
		for _, r := range out.Repositories {
			lr := fromSDK(r)
			repos[lr.Name] = lr
			if registryID == "" {
				registryID = lr.RegistryID
			}
		}
		token = out.NextToken
		if token == nil || *token == "" {
			return repos, registryID, nil
		}
	}
}

// CheckAccount enforces the spec's account guard. registryID comes from
// ListRepositories; only an empty registry costs a DescribeRegistry call.
// It returns the registry id as known after the check.
func CheckAccount(ctx context.Context, client ecrapi.ECR, f *spec.File, registryID string) (string, error) {
	if f.Account == "" {
		return registryID, nil
	}
	if registryID == "" {
		out, err := client.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
		if err != nil {
			return "", &ecrapi.OpError{Operation: "DescribeRegistry", Err: err, Doing: "checking the account guard"}
		}
		registryID = aws.ToString(out.RegistryId)
	}
	if registryID != f.Account {
		return "", &ecrapi.AccountMismatchError{Want: f.Account, Got: registryID, File: f.Path}
	}
	return registryID, nil
}

// describeRegistry asks ECR which account the credentials reach. Without
// ecr:DescribeRegistry the id stays "": the plan says so in a warning, and
// such a plan can be neither saved nor applied from a file.
func describeRegistry(ctx context.Context, client ecrapi.ECR) (string, error) {
	out, err := client.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	switch {
	case err == nil:
		return aws.ToString(out.RegistryId), nil
	case isAccessDenied(err):
		return "", nil
	}
	return "", &ecrapi.OpError{Operation: "DescribeRegistry", Err: err, Doing: "finding the account of the empty registry"}
}

func isAccessDenied(err error) bool {
	switch ecrapi.ErrorCode(err) {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		return true
	}
	return false
}

func fromSDK(r types.Repository) *LiveRepository {
	lr := &LiveRepository{
		Name:               aws.ToString(r.RepositoryName),
		ARN:                aws.ToString(r.RepositoryArn),
		URI:                aws.ToString(r.RepositoryUri),
		RegistryID:         aws.ToString(r.RegistryId),
		ImageTagMutability: string(r.ImageTagMutability),
		EncryptionType:     spec.AES256,
	}
	if lr.ImageTagMutability == "" {
		lr.ImageTagMutability = spec.Mutable
	}
	for _, f := range r.ImageTagMutabilityExclusionFilters {
		lr.ExclusionFilters = append(lr.ExclusionFilters, aws.ToString(f.Filter))
	}
	sort.Strings(lr.ExclusionFilters)
	if r.ImageScanningConfiguration != nil {
		lr.ScanOnPush = r.ImageScanningConfiguration.ScanOnPush
	}
	if e := r.EncryptionConfiguration; e != nil && e.EncryptionType != "" {
		lr.EncryptionType = string(e.EncryptionType)
		lr.KMSKey = aws.ToString(e.KmsKey)
	}
	return lr
}

func readTags(ctx context.Context, c ecrapi.ECR, lr *LiveRepository) error {
	out, err := c.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(lr.ARN)})
	if err != nil {
		return &ecrapi.OpError{Repository: lr.Name, Operation: "ListTagsForResource", Err: err, Doing: "reading tags of"}
	}
	lr.Tags = map[string]string{}
	for _, t := range out.Tags {
		lr.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	lr.TagsRead = true
	return nil
}

func readLifecycle(ctx context.Context, c ecrapi.ECR, lr *LiveRepository) error {
	out, err := c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(lr.Name)})
	var nf *types.LifecyclePolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		lr.Lifecycle = nil
	case err != nil:
		return &ecrapi.OpError{Repository: lr.Name, Operation: "GetLifecyclePolicy", Err: err, Doing: "reading the lifecycle policy of"}
	default:
		lr.Lifecycle = out.LifecyclePolicyText
	}
	lr.LifecycleRead = true
	return nil
}

func readPolicy(ctx context.Context, c ecrapi.ECR, lr *LiveRepository) error {
	out, err := c.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(lr.Name)})
	var nf *types.RepositoryPolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		lr.Policy = nil
	case err != nil:
		return &ecrapi.OpError{Repository: lr.Name, Operation: "GetRepositoryPolicy", Err: err, Doing: "reading the repository policy of"}
	default:
		lr.Policy = out.PolicyText
	}
	lr.PolicyRead = true
	return nil
}

func countImages(ctx context.Context, c ecrapi.ECR, lr *LiveRepository) error {
	set, err := ReadImageSet(ctx, c, lr.Name)
	if err != nil {
		return err
	}
	lr.ImageCount, lr.ImagesSHA256 = &set.Count, set.SHA256
	return nil
}

// ImageSet identifies the images a repository holds: how many, for people,
// and a fingerprint of their digests, so that a delete destroys exactly the
// images the plan showed and not others that took their place.
type ImageSet struct {
	Count  int
	SHA256 string
}

// ReadImageSet reads a repository's images, archived ones included (they
// are deleted with the repository too).
func ReadImageSet(ctx context.Context, c ecrapi.ECR, repo string) (ImageSet, error) {
	var digests []string
	err := EachImage(ctx, c, repo, "reading the images of", func(d types.ImageDetail) {
		digests = append(digests, aws.ToString(d.ImageDigest))
	})
	return ImageSet{Count: len(digests), SHA256: ImagesFingerprint(digests)}, err
}

// ImagesFingerprint is the SHA-256 of the sorted image digests, one per
// line: equal exactly when the two sets of images are equal, whatever the
// order ECR lists them in.
func ImagesFingerprint(digests []string) string {
	sorted := slices.Clone(digests)
	slices.Sort(sorted)
	h := sha256.New()
	for _, d := range sorted {
		h.Write([]byte(d))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ListImages reads every image of a repository (archived included) in the
// form the lifecycle evaluator takes.
func ListImages(ctx context.Context, c ecrapi.ECR, repo string) ([]lifecycle.Image, error) {
	var out []lifecycle.Image
	err := EachImage(ctx, c, repo, "reading images of", func(d types.ImageDetail) {
		img := lifecycle.Image{
			Digest:         aws.ToString(d.ImageDigest),
			Tags:           d.ImageTags,
			PushedAt:       aws.ToTime(d.ImagePushedAt),
			LastPulledAt:   aws.ToTime(d.LastRecordedPullTime),
			TransitionedAt: aws.ToTime(d.LastArchivedAt),
			SizeBytes:      aws.ToInt64(d.ImageSizeInBytes),
		}
		if d.ImageStatus == types.ImageStatusArchived {
			img.StorageClass = lifecycle.StorageClassArchive
		}
		out = append(out, img)
	})
	return out, err
}

// EachImage pages through DescribeImages, one entry per image whatever its
// tags, archived included, 1000 at a time; doing names the task in errors.
func EachImage(ctx context.Context, c ecrapi.ECR, repo, doing string, fn func(types.ImageDetail)) error {
	var token *string
	for {
		out, err := c.DescribeImages(ctx, &ecr.DescribeImagesInput{
			RepositoryName: aws.String(repo),
			Filter:         &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterAny},
			MaxResults:     aws.Int32(1000),
			NextToken:      token,
		})
		if err != nil {
			return &ecrapi.OpError{Repository: repo, Operation: "DescribeImages", Err: err, Doing: doing}
		}
		for _, d := range out.ImageDetails {
			fn(d)
		}
		token = out.NextToken
		if token == nil || *token == "" {
			return nil
		}
	}
}

// fingerprint hashes the part of live state a plan depends on: the managed
// repositories as read, so any drift between plan and apply changes it.
func fingerprint(f *spec.File, live *Live) string {
	type entry struct {
		Name string          `json:"name"`
		Repo *LiveRepository `json:"repo"`
	}
	entries := make([]entry, 0, len(f.Repositories))
	for _, d := range f.Repositories {
		entries = append(entries, entry{Name: d.Name, Repo: live.Repos[d.Name]})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	// Encoded straight into the hash: no copy of the whole state in memory.
	h := sha256.New()
	err := json.NewEncoder(h).Encode(struct {
		RegistryID string  `json:"registry_id"`
		Repos      []entry `json:"repos"`
	}{live.RegistryID, entries})
	if err != nil {
		panic(fmt.Sprintf("fingerprint: %v", err)) // plain structs of strings cannot fail to marshal
	}
	return hex.EncodeToString(h.Sum(nil))
}
