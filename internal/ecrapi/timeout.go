package ecrapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// TimeoutError is an HTTP attempt that got no complete answer within the
// request timeout. It says which endpoint and what to do; the SDK still
// sees a connection error and retries it.
type TimeoutError struct {
	Endpoint string // scheme://host[:port]
	Timeout  time.Duration
	Err      error
}

func (e *TimeoutError) Error() string { return e.describe(0) }

func (e *TimeoutError) Unwrap() error { return e.Err }

// RetryableError tells the SDK's retryer that a timed-out attempt is
// transient, wherever it happened: sending, or reading the body (which the
// SDK reports as a deserialization error and would not retry otherwise).
func (e *TimeoutError) RetryableError() bool { return true }

// describe is the message; attempts > 0 says how often it was tried.
func (e *TimeoutError) describe(attempts int) string {
	tried := ""
	if attempts > 1 {
		tried = fmt.Sprintf(" in any of %d attempts", attempts)
	}
	return fmt.Sprintf("the endpoint %s did not answer within %s%s; check the network path to it "+
		"(and --endpoint-url or AWS_ENDPOINT_URL, if set), or raise --request-timeout (ECRCTL_REQUEST_TIMEOUT)",
		e.Endpoint, e.Timeout, tried)
}

// attemptsOf returns how many attempts the SDK made before giving up, or 0.
func attemptsOf(err error) int {
	var mae *retry.MaxAttemptsError
	if errors.As(err, &mae) {
		return mae.Attempt
	}
	return 0
}

// errAttemptTimeout is the cause of an attempt's context when its time is up.
var errAttemptTimeout = errors.New("request timeout")

// attemptTimeout bounds each HTTP attempt, from dialling to the last byte of
// the body, with its own context, and reports an attempt that ran out of time
// as a *TimeoutError. The SDK sees a failed send (or a failed body read) on
// its still-live context and retries it; a context deadline set by the caller
// instead would end the retries.
type attemptTimeout struct {
	client  aws.HTTPClient
	timeout time.Duration
}

func (a *attemptTimeout) Do(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeoutCause(req.Context(), a.timeout, errAttemptTimeout)
	resp, err := a.client.Do(req.WithContext(ctx))
	if err != nil {
		err = a.classify(ctx, req, err)
		cancel()
		return nil, err
	}
	resp.Body = &attemptBody{ReadCloser: resp.Body, ctx: ctx, cancel: cancel, req: req, a: a}
	return resp, nil
}

func (a *attemptTimeout) classify(ctx context.Context, req *http.Request, err error) error {
	if !errors.Is(context.Cause(ctx), errAttemptTimeout) || req.Context().Err() != nil {
		return err
	}
	return &TimeoutError{Endpoint: endpointOf(req.URL), Timeout: a.timeout, Err: err}
}

// attemptBody keeps the attempt's deadline on the body: an endpoint that
// sends headers and then goes silent times out too.
type attemptBody struct {
	io.ReadCloser
	ctx    context.Context
	cancel context.CancelFunc
	req    *http.Request
	a      *attemptTimeout
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.a.classify(b.ctx, b.req, err)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	defer b.cancel()
	return b.ReadCloser.Close()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func endpointOf(u *url.URL) string {
	if u == nil {
		return "(unknown)"
	}
	return u.Scheme + "://" + u.Host
}

// credentialsDeadline backstops credential resolution as a whole: a
// credential_process may run a minute (the SDK's limit), and a role chain
// makes a couple of calls, each bounded by the request timeout per attempt.
func credentialsDeadline(timeout time.Duration, maxRetries int) time.Duration {
	return time.Minute + 2*time.Duration(max(maxRetries, 0)+1)*timeout
}

// retrieveCredentials resolves credentials once, up front (the result is
// cached for the calls): a failure here is certainly about credentials, so
// it can say what to do instead of surfacing from deep in the first call.
func retrieveCredentials(ctx context.Context, p aws.CredentialsProvider, limit time.Duration) error {
	rctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	_, err := p.Retrieve(rctx)
	var te *TimeoutError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("resolving AWS credentials: %w", err)
	case errors.As(err, &te):
		return fmt.Errorf("resolving AWS credentials: %s", te.describe(attemptsOf(err)))
	case rctx.Err() != nil:
		return fmt.Errorf("resolving AWS credentials did not finish within %s: an STS, SSO, container or instance metadata endpoint, or a credential_process, did not answer; check the network, or raise --request-timeout (ECRCTL_REQUEST_TIMEOUT)", limit)
	case isTimeout(err):
		return fmt.Errorf("resolving AWS credentials: a credential endpoint did not answer within the request timeout; check the network, or raise --request-timeout (ECRCTL_REQUEST_TIMEOUT). The SDK said: %w", err)
	}
	return fmt.Errorf("no usable AWS credentials: set AWS_PROFILE (and run `aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is available (GitHub OIDC, ECS, EC2). The SDK said: %w", err)
}
