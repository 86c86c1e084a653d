package ecrapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"golang.org/x/sync/errgroup"
)

// Repository is one repository as ECR reports it. Pointers and maps are nil
// when the attribute was not read (unmanaged) or is not set; the *Read flags
// tell the two apart. The engine fills the fields after PolicyRead.
type Repository struct {
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

// describePageSize is DescribeRepositories' maximum page: the fewest calls.
const describePageSize = 1000

// RunAll runs tasks with at most parallelism at once; the first error
// cancels the rest.
func RunAll(ctx context.Context, parallelism int, tasks []func(context.Context) error) error {
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
func ListRepositories(ctx context.Context, client Reader) (repos map[string]*Repository, registryID string, err error) {
	repos = map[string]*Repository{}
	var token *string
	for {
		out, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
			MaxResults: aws.Int32(describePageSize),
			NextToken:  token,
		})
		if err != nil {
			return nil, "", &OpError{Operation: "DescribeRepositories", Err: err, Doing: "listing repositories"}
		}
		for _, r := range out.Repositories {
			lr := RepositoryFromSDK(r)
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

// CheckAccount enforces a spec's account guard: account is what the spec at
// specPath pins ("" for no guard). registryID comes from ListRepositories;
// only an empty registry costs a DescribeRegistry call. It returns the
// registry id as known after the check.
func CheckAccount(ctx context.Context, client Reader, account, specPath, registryID string) (string, error) {
	if account == "" {
		return registryID, nil
	}
	if registryID == "" {
		out, err := client.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
		if err != nil {
			return "", &OpError{Operation: "DescribeRegistry", Err: err, Doing: "checking the account guard"}
		}
		registryID = aws.ToString(out.RegistryId)
	}
	if registryID != account {
		return "", &AccountMismatchError{Want: account, Got: registryID, File: specPath}
	}
	return registryID, nil
}

// RepositoryFromSDK converts a repository as the SDK returns it.
// RepositoryFromSDK converts a repository as the SDK returns it.
func RepositoryFromSDK(r types.Repository) *Repository {
	lr := &Repository{
		Name:               aws.ToString(r.RepositoryName),
		ARN:                aws.ToString(r.RepositoryArn),
		URI:                aws.ToString(r.RepositoryUri),
		RegistryID:         aws.ToString(r.RegistryId),
		ImageTagMutability: string(r.ImageTagMutability),
		EncryptionType:     string(types.EncryptionTypeAes256),
	}
	if lr.ImageTagMutability == "" {
		lr.ImageTagMutability = string(types.ImageTagMutabilityMutable)
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

func ReadTags(ctx context.Context, c Reader, lr *Repository) error {
	out, err := c.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: aws.String(lr.ARN)})
	if err != nil {
		return &OpError{Repository: lr.Name, Operation: "ListTagsForResource", Err: err, Doing: "reading tags of"}
	}
	lr.Tags = map[string]string{}
	for _, t := range out.Tags {
		lr.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	lr.TagsRead = true
	return nil
}

func ReadLifecycle(ctx context.Context, c Reader, lr *Repository) error {
	out, err := c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(lr.Name)})
	var nf *types.LifecyclePolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		lr.Lifecycle = nil
	case err != nil:
		return &OpError{Repository: lr.Name, Operation: "GetLifecyclePolicy", Err: err, Doing: "reading the lifecycle policy of"}
	default:
		lr.Lifecycle = out.LifecyclePolicyText
	}
	lr.LifecycleRead = true
	return nil
}

func ReadPolicy(ctx context.Context, c Reader, lr *Repository) error {
	out, err := c.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String(lr.Name)})
	var nf *types.RepositoryPolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		lr.Policy = nil
	case err != nil:
		return &OpError{Repository: lr.Name, Operation: "GetRepositoryPolicy", Err: err, Doing: "reading the repository policy of"}
	default:
		lr.Policy = out.PolicyText
	}
	lr.PolicyRead = true
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
func ReadImageSet(ctx context.Context, c Reader, repo string) (ImageSet, error) {
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
func ListImages(ctx context.Context, c Reader, repo string) ([]lifecycle.Image, error) {
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
func EachImage(ctx context.Context, c Reader, repo, doing string, fn func(types.ImageDetail)) error {
	var token *string
	for {
		out, err := c.DescribeImages(ctx, &ecr.DescribeImagesInput{
			RepositoryName: aws.String(repo),
			Filter:         &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterAny},
			MaxResults:     aws.Int32(1000),
			NextToken:      token,
		})
		if err != nil {
			return &OpError{Repository: repo, Operation: "DescribeImages", Err: err, Doing: doing}
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
