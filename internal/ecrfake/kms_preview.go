package ecrfake

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// DescribeKey is the one KMS call ecrctl makes: it resolves a key id, key
// ARN or alias (see WithKMSAlias) to the key ARN, as CreateRepository does.
func (f *Fake) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if err := f.begin(ctx, "DescribeKey"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	arn, err := f.resolveKey(aws.ToString(in.KeyId))
	f.mu.Unlock()
	if err != nil {
		return nil, &kmstypes.NotFoundException{Message: aws.String(err.Error())}
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{Arn: aws.String(arn), KeyId: in.KeyId}}, nil
}

// StartLifecyclePolicyPreview is not implemented, like moto: the fake answers
// as an endpoint without the operation does, so callers take the path that
// reports the preview as unavailable.
func (f *Fake) StartLifecyclePolicyPreview(ctx context.Context, in *ecr.StartLifecyclePolicyPreviewInput, optFns ...func(*ecr.Options)) (*ecr.StartLifecyclePolicyPreviewOutput, error) {
	if err := f.begin(ctx, "StartLifecyclePolicyPreview", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return nil, unknownOperation("StartLifecyclePolicyPreview")
}

// GetLifecyclePolicyPreview is not implemented; see StartLifecyclePolicyPreview.
func (f *Fake) GetLifecyclePolicyPreview(ctx context.Context, in *ecr.GetLifecyclePolicyPreviewInput, optFns ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyPreviewOutput, error) {
	if err := f.begin(ctx, "GetLifecyclePolicyPreview", aws.ToString(in.RepositoryName)); err != nil {
		return nil, err
	}
	return nil, unknownOperation("GetLifecyclePolicyPreview")
}

func unknownOperation(op string) error {
	return &smithy.GenericAPIError{Code: "UnknownOperationException", Message: op + " is not implemented by this endpoint", Fault: smithy.FaultClient}
}
