package ecrapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// A real SDK client against an HTTP server that answers with ECR's JSON
// error shapes: proves what the configured retryer retries over the wire.
func TestRetriesOverTheWire(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		code         string
		failures     int32
		wantAttempts int32
		wantErr      string
	}{
		{"throttling is retried", 400, "ThrottlingException", 2, 3, ""},
		{"server errors are retried", 500, "ServerException", 2, 3, ""},
		{"retries are bounded", 500, "ServerException", 100, 4, "ServerException"},
		{"a quota is not retried", 400, "LimitExceededException", 100, 1, "LimitExceededException"},
		{"access denied is not retried", 400, "AccessDeniedException", 100, 1, "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var attempts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := attempts.Add(1)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				if n <= tt.failures {
					w.Header().Set("X-Amzn-Errortype", tt.code)
					w.WriteHeader(tt.status)
					fmt.Fprintf(w, `{"__type":%q,"message":"injected"}`, tt.code)
					return
				}
				fmt.Fprint(w, `{"repositories":[]}`)
			}))
			defer srv.Close()
			client := ecr.New(ecr.Options{
				Region:       "us-west-2",
				BaseEndpoint: aws.String(srv.URL),
				Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
				Retryer: newRetryer(3, retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) {
					return time.Millisecond, nil
				})),
			})
			_, err := client.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{})
			if got := attempts.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want %s", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("credentials leaked into the error: %v", err)
			}
		})
	}
}
