package ecrapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// OpError is a failed ECR call: what was being done, to which repository,
// with which operation, and the AWS error code. Its message ends with what
// the operator can do about it.
type OpError struct {
	Repository string // "" for registry-wide calls
	Operation  string
	Doing      string // "reading tags of"; the repository name follows
	Err        error
	Detail     string // replaces the generic hint when ecrctl knows more
}

func (e *OpError) Unwrap() error { return e.Err }

// Code is the AWS error code, or "" when the error did not come from AWS.
func (e *OpError) Code() string { return ErrorCode(e.Err) }

func (e *OpError) Error() string {
	var b strings.Builder
	b.WriteString(e.Doing)
	if e.Repository != "" {
		fmt.Fprintf(&b, " repository %q", e.Repository)
	}
	fmt.Fprintf(&b, " (%s): ", e.Operation)
	// A timeout's own message names the endpoint and what to do; the SDK's
	// chain around it ("request send failed, Post ...") adds nothing.
	var te *TimeoutError
	if errors.As(e.Err, &te) {
		b.WriteString(te.describe(attemptsOf(e.Err)))
		return b.String()
	}
	code := e.Code()
	var api smithy.APIError
	if errors.As(e.Err, &api) {
		fmt.Fprintf(&b, "%s: %s", code, api.ErrorMessage())
	} else {
		b.WriteString(e.Err.Error())
	}
	if e.Detail != "" {
		b.WriteString("; ")
		b.WriteString(e.Detail)
	} else if hint := e.hint(code); hint != "" {
		b.WriteString("; ")
		b.WriteString(hint)
	}
	return b.String()
}

func (e *OpError) hint(code string) string {
	switch code {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		on := "the registry"
		if e.Repository != "" {
			on = fmt.Sprintf("repository %q", e.Repository)
		}
		return fmt.Sprintf("the caller is not allowed ecr:%s on %s: grant that action (see docs/iam.md)", e.Operation, on)
	case "LimitExceededException":
		return "an ECR service quota was hit (the message names it); ask AWS for a quota increase or remove unused objects. Not retried: waiting does not lift a quota"
	case "ThrottlingException", "Throttling", "TooManyRequestsException":
		return "ECR kept throttling after retries; lower --parallelism or raise --max-retries"
	case "RepositoryNotFoundException":
		return "the repository was deleted or renamed since it was read; run plan again"
	case "PullThroughCacheRuleAlreadyExistsException", "TemplateAlreadyExistsException":
		return "it was created by someone else since the registry was read; run plan again to compare with it"
	case "PullThroughCacheRuleNotFoundException", "TemplateNotFoundException":
		return "it was deleted by someone else since the registry was read; run plan again"
	case "SecretNotFoundException", "UnableToAccessSecretException", "UnableToDecryptSecretValueException":
		return "ECR could not read the upstream credentials in credentialArn: the secret must exist in this registry's region, be named ecr-pullthroughcache/..., hold a username and accessToken, and any customer KMS key of it must let ECR decrypt; fix the secret or credentialArn and run apply again"
	case "UnsupportedUpstreamRegistryException":
		return "ECR does not take this upstreamUrl in this region; use one of the hosts docs/ecr-behaviour.md lists for pull-through cache rules"
	case "ExpiredTokenException", "UnrecognizedClientException", "InvalidSignatureException":
		return "the AWS credentials are missing, expired or wrong; refresh them (aws sso login, or check AWS_PROFILE)"
	}
	return ""
}

// ErrorCode returns the AWS error code of err, or "".
func ErrorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// AccountMismatchError is the account guard refusing to touch a registry.
// Role is the assumed role whose credentials landed in the wrong account
// ("" = the default credentials).
type AccountMismatchError struct {
	Want, Got, File string
	Role            string
}

func (e *AccountMismatchError) Error() string {
	if e.Role != "" {
		return fmt.Sprintf("account guard: %s pins account %s, but role %s lands in account %s; nothing was read or written. Set assumeRole to a role in account %s, or change `account:`",
			e.File, e.Want, e.Role, e.Got, e.Want)
	}
	return fmt.Sprintf("account guard: %s pins account %s, but the credentials reach account %s; nothing was read further or written. Use credentials for %s, or change `account:`",
		e.File, e.Want, e.Got, e.Want)
}
