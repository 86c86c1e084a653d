package ecrfake

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

const maxTags = 50

var (
	tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	repoARNRE  = regexp.MustCompile(`^arn:aws[a-z-]*:ecr:([a-z0-9-]+):([0-9]{12}):repository/(.+)$`)
)

func tooManyTags() error {
	return &types.TooManyTagsException{Message: aws.String(fmt.Sprintf("A resource can have at most %d user tags", maxTags))}
}

func isReserved(key string) bool { return strings.HasPrefix(strings.ToLower(key), "aws:") }

func validateTagKey(k string) error {
	if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
		return invalidTag("Tag key '%s' must be between 1 and 128 characters", k)
	}
	if isReserved(k) {
		return invalidTag("Tag keys starting with 'aws:' are reserved for system use: '%s'", k)
	}
	if !tagCharsRE.MatchString(k) {
		return invalidTag("Tag key '%s' contains characters that are not allowed", k)
	}
	return nil
}

// validateTags checks tags as ECR does and returns them as a map. The caller
// checks the count limit (which applies to the merged set).
func validateTags(tags []types.Tag) (map[string]string, error) {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		if t.Key == nil {
			return nil, paramRequired("Tag", "Key")
		}
		if t.Value == nil {
			return nil, paramRequired("Tag", "Value")
		}
		if err := validateTagKey(*t.Key); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(*t.Value) > 256 || !tagCharsRE.MatchString(*t.Value) {
			return nil, invalidTag("Tag value for key '%s' must be at most 256 allowed characters", *t.Key)
		}
		if _, dup := out[*t.Key]; dup {
			return nil, invalidTag("Duplicate tag key '%s'", *t.Key)
		}
		out[*t.Key] = *t.Value
	}
	return out, nil
}

func userTagCount(tags map[string]string) int {
	n := 0
	for k := range tags {
		if !isReserved(k) {
			n++
		}
	}
	return n
}

// repoNameFromARN returns the repository name an ARN names, or "" if the ARN
// is malformed (for call counting only).
func repoNameFromARN(arn *string) string {
	if m := repoARNRE.FindStringSubmatch(aws.ToString(arn)); m != nil {
		return m[3]
	}
	return ""
}

// resolveARN validates a repository ARN and returns the repository name.
// ARNs of another region or account name no repository here.
func (f *Fake) resolveARN(ctxName string, arn *string) (string, error) {
	if arn == nil {
		return "", paramRequired(ctxName, "ResourceArn")
	}
	m := repoARNRE.FindStringSubmatch(*arn)
	if m == nil {
		return "", invalidParam("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN: %s'", *arn)
	}
	if err := validateRepoName(m[3]); err != nil {
		return "", err
	}
	if m[1] != f.region || m[2] != f.account {
		return "", f.repoNotFound(m[3])
	}
	return m[3], nil
}

// TagResource adds or overwrites tags on a repository given by ARN.
func (f *Fake) TagResource(ctx context.Context, in *ecr.TagResourceInput, optFns ...func(*ecr.Options)) (*ecr.TagResourceOutput, error) {
	name, err := f.arnCall(ctx, "TagResource", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, paramRequired("TagResourceInput", "Tags")
	}
	tags, err := validateTags(in.Tags)
	if err != nil {
		return nil, err
	}
	return withRepo(f, name, func(r *repo) (*ecr.TagResourceOutput, error) {
		merged := make(map[string]string, len(r.tags)+len(tags))
		for k, v := range r.tags {
			merged[k] = v
		}
		for k, v := range tags {
			merged[k] = v
		}
		if userTagCount(merged) > maxTags {
			return nil, tooManyTags()
		}
		r.tags = merged
		return &ecr.TagResourceOutput{}, nil
	})
}

// UntagResource removes tags (absent keys are ignored; aws: keys are refused).
func (f *Fake) UntagResource(ctx context.Context, in *ecr.UntagResourceInput, optFns ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error) {
	name, err := f.arnCall(ctx, "UntagResource", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, paramRequired("UntagResourceInput", "TagKeys")
	}
	for _, k := range in.TagKeys {
		if err := validateTagKey(k); err != nil {
			return nil, err
		}
	}
	return withRepo(f, name, func(r *repo) (*ecr.UntagResourceOutput, error) {
		for _, k := range in.TagKeys {
			delete(r.tags, k)
		}
		return &ecr.UntagResourceOutput{}, nil
	})
}

// ListTagsForResource lists all tags, system tags included, sorted by key.
func (f *Fake) ListTagsForResource(ctx context.Context, in *ecr.ListTagsForResourceInput, optFns ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error) {
	name, err := f.arnCall(ctx, "ListTagsForResource", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return withRepo(f, name, func(r *repo) (*ecr.ListTagsForResourceOutput, error) {
		keys := make([]string, 0, len(r.tags))
		for k := range r.tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := &ecr.ListTagsForResourceOutput{Tags: make([]types.Tag, 0, len(keys))}
		for _, k := range keys {
			out.Tags = append(out.Tags, types.Tag{Key: aws.String(k), Value: aws.String(r.tags[k])})
		}
		return out, nil
	})
}
