package ecrapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// isolateAWSEnv gives the SDK static credentials and nothing else to find.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_ECR": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
	} {
		t.Setenv(k, v)
	}
}

// silentListener accepts connections and never answers; it counts them.
func silentListener(t *testing.T) (addr string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = &atomic.Int32{}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String(), accepted
}

// stallingServer answers request n when answer(n) returns true, and
// otherwise stalls until the test ends.
func stallingServer(t *testing.T, answer func(n int32, w http.ResponseWriter) bool) (url string, requests *atomic.Int32) {
	t.Helper()
	requests = &atomic.Int32{}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // as a real endpoint would, before answering
		if answer(requests.Add(1), w) {
			return
		}
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL, requests
}

// A silent endpoint fails every attempt with the request timeout, is
// retried (a timeout is transient), and ends in a message that names the
// endpoint, the timeout and what to do.
func TestRequestTimeout(t *testing.T) {
	isolateAWSEnv(t)
	silentAddr, accepted := silentListener(t)
	recovers, recoverRequests := stallingServer(t, func(n int32, w http.ResponseWriter) bool {
		if n == 1 {
			return false
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"repositories":[{"repositoryName":"app"}]}`)
		return true
	})
	tests := []struct {
		name       string
		endpoint   string
		maxRetries int
		attempts   func() int32
		wantErr    bool
	}{
		{"accepts the connection and never answers", "http://" + silentAddr, 1, accepted.Load, true},
		{"a timed-out attempt is retried", recovers, 1, recoverRequests.Load, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A generous bound: without the request timeout this call
			// would hang until this deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c, _, err := NewClient(ctx, ClientOptions{Region: "us-west-2", EndpointURL: tt.endpoint, MaxRetries: tt.maxRetries, RequestTimeout: 300 * time.Millisecond, Parallelism: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
			if got, want := tt.attempts(), int32(tt.maxRetries+1); got != want {
				t.Errorf("attempts = %d, want %d", got, want)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("err = %v, want success on the retry", err)
				}
				return
			}
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TimeoutError", err)
			}
			tried := ""
			if tt.maxRetries > 0 {
				tried = fmt.Sprintf(" in any of %d attempts", tt.maxRetries+1)
			}
			msg := (&OpError{Doing: "reading repositories", Operation: "DescribeRepositories", Err: err}).Error()
			for _, want := range []string{
				"reading repositories (DescribeRepositories): the endpoint " + tt.endpoint + " did not answer within 300ms" + tried + ";",
				"--endpoint-url", "raise --request-timeout (ECRCTL_REQUEST_TIMEOUT)",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q\nlacks %q", msg, want)
				}
			}
		})
	}
}

// The container credential provider (ECS, EKS Pod Identity) builds its own
// HTTP client without a timeout unless given one: a silent credential
// endpoint must fail too, with a message about credentials.
func TestSilentCredentialEndpointTimesOut(t *testing.T) {
	isolateAWSEnv(t)
	addr, accepted := silentListener(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://"+addr+"/creds")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, _, err := NewClient(ctx, ClientOptions{Region: "us-west-2", MaxRetries: 1, RequestTimeout: 300 * time.Millisecond, Parallelism: 1})
	if err == nil {
		t.Fatal("NewClient succeeded against a silent credential endpoint")
	}
	want := "resolving AWS credentials: the endpoint http://" + addr + " did not answer within 300ms"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %q", err, want)
	}
	if accepted.Load() < 2 {
		t.Errorf("credential endpoint got %d connections, want a retry after the timeout", accepted.Load())
	}
}
