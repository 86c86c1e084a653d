package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// Live is what ECR holds: every repository in the registry, with the
// attributes that need their own read filled in only where the spec manages
// them.
type Live struct {
	Region     string
	RegistryID string
	Repos      map[string]*ecrapi.Repository
	// Registry is nil when the spec has no registry: section: then no
	// registry-level setting is read.
	Registry *RegistryLive
}

// ReadAPI is what Read calls: ECR's reads, and KMS to resolve key aliases.
type ReadAPI interface {
	ecrapi.Reader
	ecrapi.KeyResolver
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

// Read lists the registry and reads, for the repositories the spec manages,
// only the attributes it manages: tags, lifecycle policy and repository
// policy each cost one call per repository. Registry-level settings are read
// only for a registry: section, one read for each setting it manages. Image counts are read only where
// the plan would destroy images. It fails before any write can happen when
// the account guard does not match.
func Read(ctx context.Context, client ReadAPI, f *spec.File, opt ReadOptions) (*Live, error) {
	repos, registryID, err := ecrapi.ListRepositories(ctx, client)
	if err != nil {
		return nil, err
	}
	live := &Live{Region: opt.Region, RegistryID: registryID, Repos: repos}
	if err := startRegistry(ctx, client, f, live); err != nil {
		return nil, err
	}
	if live.RegistryID, err = ecrapi.CheckAccount(ctx, client, f.Account, f.Path, live.RegistryID); err != nil {
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

	if err := readRegistry(ctx, client, f, live, opt.Parallelism); err != nil {
		return nil, err
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
		need := NeedsFor(&d, lr)
		if need.ImageCount {
			task(d.Name, func(ctx context.Context) error { return countImages(ctx, client, lr) })
		}
		if need.Tags {
			task(d.Name, func(ctx context.Context) error { return ecrapi.ReadTags(ctx, client, lr) })
		}
		if need.Lifecycle {
			task(d.Name, func(ctx context.Context) error { return ecrapi.ReadLifecycle(ctx, client, lr) })
		}
		if need.Policy {
			task(d.Name, func(ctx context.Context) error { return ecrapi.ReadPolicy(ctx, client, lr) })
		}
	}
	prog.start(len(f.Repositories))
	if err := ecrapi.RunAll(ctx, opt.Parallelism, tasks); err != nil {
		return nil, err
	}
	if opt.LifecycleImpact {
		// A second round: only now is it known whose lifecycle changes.
		tasks = tasks[:0]
		prog = newCounter(opt.Progress, ReadImages)
		df := newDiffer()
		for _, d := range f.Repositories {
			lr, ok := live.Repos[d.Name]
			if !ok || !df.needsImages(&d, lr) {
				continue
			}
			task(d.Name, func(ctx context.Context) error {
				imgs, err := ecrapi.ListImages(ctx, client, lr.Name)
				lr.Images, lr.ImagesRead = imgs, err == nil
				return err
			})
		}
		if len(tasks) > 0 {
			prog.start(len(tasks))
		}
		if err := ecrapi.RunAll(ctx, opt.Parallelism, tasks); err != nil {
			return nil, err
		}
	}
	return live, nil
}

// resolveAliases asks KMS which key each KMS alias in the spec names, once
// per alias, where the alias could matter: a repository with that alias whose
// live key is not written the same way. Without a resolver (an emulator, a
// test) or without kms:DescribeKey, aliases stay unresolved and Diff warns.
func resolveAliases(ctx context.Context, kr ecrapi.KeyResolver, f *spec.File, live *Live) error {
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

// describeRegistry asks ECR which account the credentials reach. Without
// ecr:DescribeRegistry the id stays "": the plan says so in a warning, and
// such a plan can be neither saved nor applied from a file.
func describeRegistry(ctx context.Context, client ecrapi.Reader) (string, error) {
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

func countImages(ctx context.Context, c ecrapi.Reader, lr *ecrapi.Repository) error {
	set, err := ecrapi.ReadImageSet(ctx, c, lr.Name)
	if err != nil {
		return err
	}
	lr.ImageCount, lr.ImagesSHA256 = &set.Count, set.SHA256
	return nil
}

// fingerprint hashes the part of live state a plan depends on: the managed
// repositories as read, so any drift between plan and apply changes it.
func fingerprint(f *spec.File, live *Live) string {
	type entry struct {
		Name string             `json:"name"`
		Repo *ecrapi.Repository `json:"repo"`
	}
	entries := make([]entry, 0, len(f.Repositories))
	for _, d := range f.Repositories {
		entries = append(entries, entry{Name: d.Name, Repo: live.Repos[d.Name]})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	// Encoded straight into the hash: no copy of the whole state in memory.
	h := sha256.New()
	err := json.NewEncoder(h).Encode(struct {
		RegistryID string        `json:"registry_id"`
		Repos      []entry       `json:"repos"`
		Registry   *RegistryLive `json:"registry,omitempty"` // absent without a registry: section
	}{live.RegistryID, entries, live.Registry.fingerprintView(f.Registry)})
	if err != nil {
		panic(fmt.Sprintf("fingerprint: %v", err)) // plain structs of strings cannot fail to marshal
	}
	return hex.EncodeToString(h.Sum(nil))
}
