package ecrapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/logging"
)

// ClientOptions select credentials, region and endpoint the way the AWS CLI
// does: the standard credential chain, AWS_PROFILE/--profile, AWS_REGION,
// AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL, and --endpoint-url over them all.
type ClientOptions struct {
	Region      string
	Profile     string
	EndpointURL string
	MaxRetries  int // retries after the first attempt
	// RequestTimeout bounds each HTTP attempt, from dialling to the last
	// byte of the answer; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Parallelism sizes the idle connection pool, so every worker keeps its
	// connection instead of opening a new one per call.
	Parallelism int
	// AssumeRole, when set, makes every call with the role's credentials,
	// assumed with the credentials the options above select; nil = those
	// credentials themselves.
	AssumeRole *AssumeRoleOptions
}

// Client is the ECR client, plus the KMS client used for one thing: resolving
// key aliases in the spec (KeyResolver). Both share one configuration.
type Client struct {
	*ecr.Client
	keys *kms.Client
}

// DescribeKey makes Client a KeyResolver.
func (c *Client) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return c.keys.DescribeKey(ctx, in, optFns...)
}

var (
	_ API         = (*Client)(nil)
	_ KeyResolver = (*Client)(nil)
	_ PreviewAPI  = (*Client)(nil)
)

// DefaultRequestTimeout bounds one HTTP attempt. ECR answers in well under a
// second, and the largest answer ecrctl asks for (a 1000-image
// DescribeImages page) is about a megabyte, so 30 s leaves ample room for a
// slow CI network while a silent endpoint fails within minutes, not hours.
const DefaultRequestTimeout = 30 * time.Second

// NewClient builds one client for the whole run (connections are reused)
// and returns it with the region it resolved.
//
// Every HTTP attempt, to ECR, KMS and the credential endpoints (STS, SSO,
// container, IMDS), is bounded by the request timeout, dial, headers and
// body. With o.AssumeRole the role is assumed here, once (the credentials
// are cached and refreshed before they expire). The SDK's retryer retries a timed-out attempt, so a silent endpoint
// fails after MaxRetries+1 attempts.
func NewClient(ctx context.Context, o ClientOptions) (*Client, string, error) {
	timeout := o.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	base := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = max(o.Parallelism, t.MaxIdleConnsPerHost)
		t.MaxIdleConns = max(o.Parallelism, t.MaxIdleConns)
	})
	// ECR, KMS and the container credential endpoint: a deadline per
	// attempt that names the endpoint when it expires.
	bounded := &attemptTimeout{client: base, timeout: timeout}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return NewRetryer(o.MaxRetries) }),
		// The SDK's own log lines ("falling back to IMDSv1") would land on
		// stderr between ecrctl's messages; failures reach the user as errors.
		config.WithLogger(logging.Nop{}),
		// STS, SSO and IMDS take the configuration's client. It stays a
		// *BuildableClient (http.Client.Timeout per attempt): IMDS applies
		// its own fail-fast dial and header timeouts only to that type.
		config.WithHTTPClient(base.WithTimeout(timeout)),
		// The container credential provider (ECS, EKS Pod Identity) builds
		// its own HTTP client, without any timeout, unless given one.
		config.WithEndpointCredentialOptions(func(eo *endpointcreds.Options) { eo.HTTPClient = bounded }),
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, "", errors.New("no AWS region: set `region:` in the spec, pass --region, or set AWS_REGION")
	}
	// Resolve credentials once, up front (the result is cached for the
	// calls): a failure here is certainly about credentials, so it can say
	// what to do instead of surfacing from deep in the first call.
	if err := retrieveCredentials(ctx, cfg.Credentials, credentialsDeadline(timeout, o.MaxRetries)); err != nil {
		return nil, "", err
	}
	if o.AssumeRole != nil {
		creds, err := assumeRole(ctx, cfg, o.AssumeRole, bounded, credentialsDeadline(timeout, o.MaxRetries))
		if err != nil {
			return nil, "", err
		}
		cfg.Credentials = creds
	}
	client := ecr.NewFromConfig(cfg, func(eo *ecr.Options) {
		if o.EndpointURL != "" {
			eo.BaseEndpoint = aws.String(o.EndpointURL)
		}
		eo.HTTPClient = bounded
	})
	// With --endpoint-url (an emulator), KMS goes to the same endpoint;
	// an endpoint without KMS just leaves aliases unresolved.
	keys := kms.NewFromConfig(cfg, func(ko *kms.Options) {
		if o.EndpointURL != "" {
			ko.BaseEndpoint = aws.String(o.EndpointURL)
		}
		ko.HTTPClient = bounded
	})
	return &Client{Client: client, keys: keys}, cfg.Region, nil
}

// NewRetryer is the SDK's adaptive retryer (client-side rate limiting on
// throttling) with maxRetries retries. LimitExceededException is a quota in
// ECR, not a throttle: retrying cannot help, so it fails at once.
func NewRetryer(maxRetries int) aws.Retryer { return newRetryer(maxRetries, nil) }

// newRetryer lets tests replace the backoff so they do not sleep.
func newRetryer(maxRetries int, backoff retry.BackoffDelayer) aws.RetryerV2 {
	return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
		ao.StandardOptions = append(ao.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = max(maxRetries, 0) + 1
			so.Retryables = append([]retry.IsErrorRetryable{quotaIsTerminal{}}, so.Retryables...)
			if backoff != nil {
				so.Backoff = backoff
			}
		})
	})
}

type quotaIsTerminal struct{}

func (quotaIsTerminal) IsErrorRetryable(err error) aws.Ternary {
	var le *types.LimitExceededException
	if errors.As(err, &le) || ErrorCode(err) == "LimitExceededException" {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
