package ecrfake

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func (im *image) hasScan() bool { return im.ScanSeverityCounts != nil || im.Findings != nil }

func (im *image) severityCounts() map[string]int32 {
	if im.ScanSeverityCounts != nil {
		return copyCounts(im.ScanSeverityCounts)
	}
	out := map[string]int32{}
	for _, fd := range im.Findings {
		out[string(fd.Severity)]++
	}
	return out
}

func (f *Fake) imageDetail(r *repo, im *image) types.ImageDetail {
	d := types.ImageDetail{
		ImageDigest:            aws.String(im.Digest),
		ImagePushedAt:          aws.Time(im.PushedAt),
		ImageSizeInBytes:       aws.Int64(im.SizeBytes),
		ImageStatus:            types.ImageStatusActive,
		ImageManifestMediaType: aws.String("application/vnd.oci.image.manifest.v1+json"),
		ArtifactMediaType:      aws.String("application/vnd.oci.image.config.v1+json"),
		RegistryId:             aws.String(f.account),
		RepositoryName:         aws.String(r.name),
	}
	if len(im.Tags) > 0 {
		d.ImageTags = append([]string(nil), im.Tags...)
	}
	if im.hasScan() {
		d.ImageScanStatus = &types.ImageScanStatus{Status: types.ScanStatusComplete, Description: aws.String("The scan was completed successfully.")}
		d.ImageScanFindingsSummary = &types.ImageScanFindingsSummary{
			FindingSeverityCounts: im.severityCounts(),
			ImageScanCompletedAt:  aws.Time(im.PushedAt),
		}
	}
	return d
}

func imageIDString(id types.ImageIdentifier) string {
	s := "{"
	if id.ImageDigest != nil {
		s += "imageDigest:'" + *id.ImageDigest + "'"
	}
	if id.ImageTag != nil {
		if len(s) > 1 {
			s += ", "
		}
		s += "imageTag:'" + *id.ImageTag + "'"
	}
	return s + "}"
}

// findImage resolves an image identifier (digest, tag or both, which must agree).
func (r *repo) findImage(id types.ImageIdentifier) *image {
	for _, im := range r.images {
		if id.ImageDigest != nil && im.Digest != *id.ImageDigest {
			continue
		}
		if id.ImageTag != nil && !contains(im.Tags, *id.ImageTag) {
			continue
		}
		return im
	}
	return nil
}

func (f *Fake) imageNotFound(r *repo, id types.ImageIdentifier) error {
	return &types.ImageNotFoundException{Message: aws.String(fmt.Sprintf(
		"The image with imageId %s does not exist within the repository with name '%s' in the registry with id '%s'",
		imageIDString(id), r.name, f.account))}
}

// DescribeImages lists images in push order, paged (MaxResults 1 to 1000,
// default 100) and filtered by TagStatus, or looks up ImageIds (a missing one
// fails the call with ImageNotFoundException).
func (f *Fake) DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	name, err := f.repoCall(ctx, "DescribeImages", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.ImageIds != nil {
		if len(in.ImageIds) < 1 || len(in.ImageIds) > 100 {
			return nil, invalidParam("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and 100 inclusive'")
		}
		if in.MaxResults != nil || in.NextToken != nil || in.Filter != nil {
			return nil, invalidParam("maxResults, nextToken and filter cannot be used with imageIds")
		}
		for _, id := range in.ImageIds {
			if id.ImageDigest == nil && id.ImageTag == nil {
				return nil, invalidParam("Invalid parameter: imageId must specify an imageDigest or an imageTag")
			}
		}
		return withRepo(f, name, func(r *repo) (*ecr.DescribeImagesOutput, error) {
			out := &ecr.DescribeImagesOutput{ImageDetails: []types.ImageDetail{}}
			seen := map[string]bool{}
			for _, id := range in.ImageIds {
				im := r.findImage(id)
				if im == nil {
					return nil, f.imageNotFound(r, id)
				}
				if !seen[im.Digest] {
					seen[im.Digest] = true
					out.ImageDetails = append(out.ImageDetails, f.imageDetail(r, im))
				}
			}
			return out, nil
		})
	}

	limit, after, err := pageArgs("images", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	status := types.TagStatusAny
	if in.Filter != nil && in.Filter.TagStatus != "" {
		status = in.Filter.TagStatus
	}
	switch status {
	case types.TagStatusAny, types.TagStatusTagged, types.TagStatusUntagged:
	default:
		return nil, invalidParam("Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'")
	}
	return withRepo(f, name, func(r *repo) (*ecr.DescribeImagesOutput, error) {
		out := &ecr.DescribeImagesOutput{ImageDetails: []types.ImageDetail{}}
		var last int64
		for _, im := range r.images {
			if im.seq <= after {
				continue
			}
			if (status == types.TagStatusTagged && len(im.Tags) == 0) || (status == types.TagStatusUntagged && len(im.Tags) > 0) {
				continue
			}
			if len(out.ImageDetails) == limit {
				out.NextToken = aws.String(makeToken("images", last))
				break
			}
			out.ImageDetails = append(out.ImageDetails, f.imageDetail(r, im))
			last = im.seq
		}
		return out, nil
	})
}

// DescribeImageScanFindings returns an image's seeded scan findings (paged,
// MaxResults 1 to 1000, default 100), ImageNotFoundException for an unknown
// image, or ScanNotFoundException when the image has no scan.
func (f *Fake) DescribeImageScanFindings(ctx context.Context, in *ecr.DescribeImageScanFindingsInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error) {
	name, err := f.repoCall(ctx, "DescribeImageScanFindings", in.RegistryId, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if in.ImageId == nil {
		return nil, paramRequired("DescribeImageScanFindingsInput", "ImageId")
	}
	if in.ImageId.ImageDigest == nil && in.ImageId.ImageTag == nil {
		return nil, invalidParam("Invalid parameter: imageId must specify an imageDigest or an imageTag")
	}
	limit, start, err := pageArgs("findings", in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return withRepo(f, name, func(r *repo) (*ecr.DescribeImageScanFindingsOutput, error) {
		im := r.findImage(*in.ImageId)
		if im == nil {
			return nil, f.imageNotFound(r, *in.ImageId)
		}
		if !im.hasScan() {
			return nil, &types.ScanNotFoundException{Message: aws.String(fmt.Sprintf(
				"Image scan does not exist for the image with '%s' in the repository with name '%s' in the registry with id '%s'",
				imageIDString(*in.ImageId), r.name, f.account))}
		}
		if start > int64(len(im.Findings)) {
			return nil, invalidParam("Invalid parameter at 'nextToken': the token is not valid")
		}
		end := min(int(start)+limit, len(im.Findings))
		out := &ecr.DescribeImageScanFindingsOutput{
			ImageId: &types.ImageIdentifier{ImageDigest: aws.String(im.Digest), ImageTag: in.ImageId.ImageTag},
			ImageScanFindings: &types.ImageScanFindings{
				Findings:              append([]types.ImageScanFinding{}, im.Findings[start:end]...),
				FindingSeverityCounts: im.severityCounts(),
				ImageScanCompletedAt:  aws.Time(im.PushedAt),
			},
			ImageScanStatus: &types.ImageScanStatus{Status: types.ScanStatusComplete, Description: aws.String("The scan was completed successfully.")},
			RegistryId:      aws.String(f.account),
			RepositoryName:  aws.String(r.name),
		}
		if end < len(im.Findings) {
			out.NextToken = aws.String(makeToken("findings", int64(end)))
		}
		return out, nil
	})
}
