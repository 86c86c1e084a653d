package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// plan against an endpoint that accepts connections and never answers: with
// a short --request-timeout and --max-retries 1 it fails, retried once,
// with a message that names the endpoint, the timeout and what to do.
func TestSilentEndpointFailsWithTimeoutMessage(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_ECR": "", requestTimeoutEnv: "",
	} {
		t.Setenv(k, v)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	held := make(chan net.Conn, 100) // accepted, never answered; closed when the test ends
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			held <- c
		}
	}()
	defer func() {
		_ = ln.Close()
		for len(held) > 0 {
			_ = (<-held).Close()
		}
	}()
	endpoint := "http://" + ln.Addr().String()
	tests := []struct {
		name string
		args []string
		env  string
	}{
		{"flag", []string{"--request-timeout", "300ms"}, ""},
		{"environment", nil, "300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(requestTimeoutEnv, tt.env)
			accepted.Store(0)
			h := newHarness(t, testSpec)
			io, _, errOut := testIO("", false)
			f := defaultFactory()
			f.IO = io
			// A generous bound: without a request timeout, plan would
			// block until this deadline and fail with another message.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := append([]string{"plan", "-f", filepath.Join(h.dir, "registry.yaml"), "--endpoint-url", endpoint, "--max-retries", "1"}, tt.args...)
			code := run(ctx, f, args)
			if code != exitError {
				t.Errorf("exit code = %d, want %d", code, exitError)
			}
			want := "the endpoint " + endpoint + " did not answer within 300ms in any of 2 attempts; check the network path to it (and --endpoint-url or AWS_ENDPOINT_URL, if set), or raise --request-timeout (ECRCTL_REQUEST_TIMEOUT)"
			if !strings.Contains(errOut.String(), want) {
				t.Errorf("stderr = %q\nwant it to contain %q", errOut.String(), want)
			}
			if n := accepted.Load(); n < 2 {
				t.Errorf("the endpoint saw %d connections, want a retry after the first timeout", n)
			}
		})
	}
}
