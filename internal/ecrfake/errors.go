package ecrfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

// Throttling returns the error AWS sends when a caller exceeds a rate limit.
func Throttling() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded", Fault: smithy.FaultClient}
}

// ServerError returns ECR's internal server error.
func ServerError() error {
	return &types.ServerException{Message: aws.String("We encountered an internal error. Please try again.")}
}

// LimitExceeded returns ECR's quota error (which the SDK retryer treats as throttling).
func LimitExceeded() error {
	return &types.LimitExceededException{Message: aws.String("The operation did not succeed because it would have exceeded a service limit for your account.")}
}

// AccessDenied returns the error IAM produces when the caller may not perform
// action ("PutLifecyclePolicy" or "ecr:PutLifecyclePolicy"), phrased like AWS,
// for the default account and region.
func AccessDenied(action string) error {
	return accessDenied(DefaultAccount, DefaultRegion, action, "*")
}

// AccessDeniedFor is AccessDenied for repository repo of this fake's registry.
func (f *Fake) AccessDeniedFor(action, repo string) error {
	if repo == "" {
		repo = "*"
	}
	return accessDenied(f.account, f.region, action, repo)
}

func accessDenied(account, region, action, repo string) error {
	if !strings.HasPrefix(action, "ecr:") {
		action = "ecr:" + action
	}
	return &smithy.GenericAPIError{
		Code: "AccessDeniedException",
		Message: fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/ecrctl/session is not authorized to perform: %s on resource: arn:aws:ecr:%s:%s:repository/%s because no identity-based policy allows the %s action",
			account, action, region, account, repo, action),
		Fault: smithy.FaultClient,
	}
}

func invalidParam(format string, args ...any) error {
	return &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func invalidTag(format string, args ...any) error {
	return &types.InvalidTagParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
}

// paramRequired is what the SDK client returns, before sending anything, when
// a required member is missing.
func paramRequired(context, field string) error {
	e := smithy.InvalidParamsError{Context: context}
	e.Add(smithy.NewErrParamRequired(field))
	return e
}

func (f *Fake) repoNotFound(name string) error {
	return &types.RepositoryNotFoundException{Message: aws.String(fmt.Sprintf(
		"The repository with name '%s' does not exist in the registry with id '%s'", name, f.account))}
}

func fakeDigest(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return "sha256:" + hex.EncodeToString(sum[:])
}
