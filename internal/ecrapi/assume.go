package ecrapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// AssumeRoleOptions make a client act as another role: credentials from
// sts:AssumeRole, called with the default chain's credentials. This is how
// one run reaches several accounts (one role per account, usually assumed
// from a CI role).
type AssumeRoleOptions struct {
	RoleARN    string
	ExternalID string // "" = none sent
	// SessionName shows in CloudTrail as the last part of the assumed-role
	// ARN; "" = DefaultSessionName(ReadOnly).
	SessionName string
	// ReadOnly says the run never writes to ECR (plan, status, outputs,
	// login, import). The default session name then starts "ecrctl-read-",
	// which a spoke role's trust policy can require of a caller that must
	// not write (a pull request's plan), and its permission policy can deny
	// writes to (docs/iam.md).
	ReadOnly bool
	// Account is the account the spec pins with `account:` ("" = none).
	// The credentials the role returns carry their account, so a role in
	// another account is refused before any ECR call is made.
	Account string
	// For names what the role is for in errors: the spec files and the
	// registry, e.g. "team-a.yaml (111111111111/us-west-2)".
	For string
}

// sessionNameEnv are environment variables that, when set, say which CI run
// is acting; the first one set goes into the default session name.
var sessionNameEnv = []struct{ prefix, key string }{
	{"gh-", "GITHUB_RUN_ID"},          // GitHub Actions
	{"gl-", "CI_JOB_ID"},              // GitLab CI
	{"cb-", "CODEBUILD_BUILD_NUMBER"}, // AWS CodeBuild
}

// DefaultSessionName is "ecrctl-" ("ecrctl-read-" for a run that never
// writes) plus what identifies the actor in CloudTrail: the CI run (GitHub
// Actions run id and attempt, GitLab job id, CodeBuild build number) or else
// the local user name. The SDK's own default (a timestamp) says nothing
// about who made a change.
func DefaultSessionName(readOnly bool) string {
	return defaultSessionName(readOnly, os.Getenv, currentUser)
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func defaultSessionName(readOnly bool, getenv func(string) string, username func() string) string {
	suffix := ""
	for _, e := range sessionNameEnv {
		if v := getenv(e.key); v != "" {
			suffix = e.prefix + v
			if e.key == "GITHUB_RUN_ID" && getenv("GITHUB_RUN_ATTEMPT") != "" {
				suffix += "-" + getenv("GITHUB_RUN_ATTEMPT")
			}
			break
		}
	}
	if suffix == "" {
		suffix = username()
	}
	name := "ecrctl"
	if readOnly {
		name = "ecrctl-read"
	}
	if s := sanitizeSessionName(suffix, 64-len(name)-1); s != "" {
		name += "-" + s
	}
	return name
}

// sanitizeSessionName keeps what STS accepts in a session name ([\w+=,.@-],
// 64 characters in all), at most limit of them; a Windows user name
// DOMAIN\user becomes DOMAIN.user.
func sanitizeSessionName(s string, limit int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			b.WriteRune(r)
		case r == '\\' || r == '/' || r == ' ':
			b.WriteByte('.')
		}
	}
	out := b.String()
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// AssumeRoleError is a role that could not be assumed: which role, for
// which spec files and registry, and what to check.
type AssumeRoleError struct {
	RoleARN    string
	For        string
	ExternalID bool // an external id was sent
	Err        error
}

func (e *AssumeRoleError) Error() string {
	what := "role " + e.RoleARN
	if e.For != "" {
		what += " for " + e.For
	}
	check := "check that the role exists, that its trust policy lets the identity ecrctl starts from (the default credentials or --profile; `aws sts get-caller-identity` shows it) call sts:AssumeRole, and that this identity's own policies allow sts:AssumeRole on the role"
	if e.ExternalID {
		check += "; the trust policy's sts:ExternalId condition must equal assumeRole.externalId"
	} else {
		check += "; if the trust policy requires an sts:ExternalId, set assumeRole.externalId"
	}
	var te *TimeoutError
	if errors.As(e.Err, &te) {
		return fmt.Sprintf("assuming %s: %s", what, te.describe(attemptsOf(e.Err)))
	}
	var api smithy.APIError
	if errors.As(e.Err, &api) {
		return fmt.Sprintf("assuming %s: STS answered %s: %s; %s", what, api.ErrorCode(), api.ErrorMessage(), check)
	}
	return fmt.Sprintf("assuming %s: %v; %s", what, e.Err, check)
}

func (e *AssumeRoleError) Unwrap() error { return e.Err }

// assumeRole returns cached credentials of the role, retrieved once now so
// a failure is reported before any ECR call, with what to check. The STS
// client is the configuration's (its retryer, AWS_ENDPOINT_URL_STS or
// AWS_ENDPOINT_URL) with every attempt bounded like ECR's.
func assumeRole(ctx context.Context, cfg aws.Config, o *AssumeRoleOptions, httpClient aws.HTTPClient, limit time.Duration) (aws.CredentialsProvider, error) {
	stsClient := sts.NewFromConfig(cfg, func(so *sts.Options) { so.HTTPClient = httpClient })
	session := o.SessionName
	if session == "" {
		session = DefaultSessionName(o.ReadOnly)
	}
	provider := stscreds.NewAssumeRoleProvider(stsClient, o.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = session
		if o.ExternalID != "" {
			ao.ExternalID = aws.String(o.ExternalID)
		}
	})
	cache := aws.NewCredentialsCache(provider)
	rctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	creds, err := cache.Retrieve(rctx)
	if err != nil {
		if ctx.Err() == nil && rctx.Err() != nil {
			err = fmt.Errorf("STS did not answer within %s; check the network path to it (and AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, if set), or raise --request-timeout (ECRCTL_REQUEST_TIMEOUT)", limit)
		}
		return nil, &AssumeRoleError{RoleARN: o.RoleARN, For: o.For, ExternalID: o.ExternalID != "", Err: err}
	}
	if o.Account != "" && creds.AccountID != "" && creds.AccountID != o.Account {
		return nil, &AccountMismatchError{Want: o.Account, Got: creds.AccountID, File: o.For, Role: o.RoleARN}
	}
	return cache, nil
}
