package ecrapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// stsFake answers STS's AssumeRole (query protocol, XML) and ECR's
// DescribeRegistry (JSON) on one server, as moto does, and records what
// each saw: the AssumeRole parameters, and the access key that signed
// each ECR call.
type stsFake struct {
	mu        sync.Mutex
	assumes   []url.Values
	ecrKeys   []string
	account   string // the assumed role's account
	denyWith  string // an STS error code to answer with
	stallSTS  bool   // never answer STS
	stallDone chan struct{}
}

func (f *stsFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		f.mu.Lock()
		f.ecrKeys = append(f.ecrKeys, accessKeyOf(r.Header.Get("Authorization")))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"registryId":%q,"replicationConfiguration":{"rules":[]}}`, f.account)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.assumes = append(f.assumes, r.PostForm)
	f.mu.Unlock()
	if f.stallSTS {
		select {
		case <-f.stallDone:
		case <-r.Context().Done():
		}
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	if f.denyWith != "" {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>`, f.denyWith)
		return
	}
	session := r.PostForm.Get("RoleSessionName")
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey><SessionToken>roletoken</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/ecrctl/%s</Arn><AssumedRoleId>AROAEXAMPLE:%s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339), f.account, session, session)
}

// seen returns the AssumeRole requests and ECR access keys so far.
func (f *stsFake) seen() (assumes []url.Values, ecrKeys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.assumes...), append([]string(nil), f.ecrKeys...)
}

// accessKeyOf takes the access key id out of a SigV4 Authorization header.
func accessKeyOf(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(rest, "/")
	return key
}

func newSTSFake(t *testing.T, account string) (*stsFake, string) {
	t.Helper()
	f := &stsFake{account: account, stallDone: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { close(f.stallDone); srv.Close() })
	isolateAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	return f, srv.URL
}

const testRole = "arn:aws:iam::111111111111:role/ecrctl"

// The client's ECR calls are signed with the role's credentials, assumed
// once with the options given (external id, session name) from the STS
// endpoint AWS_ENDPOINT_URL_STS names.
func TestAssumeRoleSignsWithTheRole(t *testing.T) {
	fake, endpoint := newSTSFake(t, "111111111111")
	ctx := context.Background()
	c, _, err := NewClient(ctx, ClientOptions{Region: "us-west-2", EndpointURL: endpoint, Parallelism: 1,
		AssumeRole: &AssumeRoleOptions{RoleARN: testRole, ExternalID: "ext-1", SessionName: "review", Account: "111111111111"}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{}); err != nil {
			t.Fatal(err)
		}
	}
	assumes, ecrKeys := fake.seen()
	if len(assumes) != 1 {
		t.Fatalf("AssumeRole was called %d times, want once (cached credentials)", len(assumes))
	}
	got := assumes[0]
	for k, want := range map[string]string{"Action": "AssumeRole", "RoleArn": testRole, "ExternalId": "ext-1", "RoleSessionName": "review"} {
		if got.Get(k) != want {
			t.Errorf("AssumeRole %s = %q, want %q", k, got.Get(k), want)
		}
	}
	for i, key := range ecrKeys {
		if key != "ASIAROLE" {
			t.Errorf("ECR call %d signed with access key %q, want the role's ASIAROLE", i, key)
		}
	}
}

// Without a session name the default one is sent; without an external id
// none is.
func TestAssumeRoleDefaults(t *testing.T) {
	fake, endpoint := newSTSFake(t, "111111111111")
	t.Setenv("GITHUB_RUN_ID", "42")
	t.Setenv("GITHUB_RUN_ATTEMPT", "3")
	if _, _, err := NewClient(context.Background(), ClientOptions{Region: "us-west-2", EndpointURL: endpoint, Parallelism: 1,
		AssumeRole: &AssumeRoleOptions{RoleARN: testRole, ReadOnly: true}}); err != nil {
		t.Fatal(err)
	}
	assumes, _ := fake.seen()
	if got := assumes[0].Get("RoleSessionName"); got != "ecrctl-read-gh-42-3" {
		t.Errorf("RoleSessionName = %q, want ecrctl-read-gh-42-3", got)
	}
	if _, sent := assumes[0]["ExternalId"]; sent {
		t.Errorf("ExternalId sent without one configured: %v", assumes[0])
	}
}

// A role that cannot be assumed is an error naming the role, what it was
// for and what to check; a role landing in another account than the spec
// pins is refused before any ECR call.
func TestAssumeRoleFailures(t *testing.T) {
	tests := []struct {
		name       string
		account    string // the role's credentials' account
		deny       string
		opts       AssumeRoleOptions
		wantErr    []string
		wantTarget any
	}{
		{
			name: "access denied, no external id", deny: "AccessDenied", account: "111111111111",
			opts:    AssumeRoleOptions{RoleARN: testRole, For: "team-a.yaml (111111111111/us-west-2)"},
			wantErr: []string{"assuming role " + testRole + " for team-a.yaml (111111111111/us-west-2): STS answered AccessDenied: not authorized", "trust policy", "set assumeRole.externalId"},
		},
		{
			name: "access denied, with external id", deny: "AccessDenied", account: "111111111111",
			opts:    AssumeRoleOptions{RoleARN: testRole, ExternalID: "x", For: "prod.yaml"},
			wantErr: []string{"assuming role " + testRole + " for prod.yaml:", "sts:ExternalId condition must equal assumeRole.externalId"},
		},
		{
			name: "lands in another account", account: "222222222222",
			opts:       AssumeRoleOptions{RoleARN: testRole, Account: "111111111111", For: "team-a.yaml"},
			wantErr:    []string{"account guard: team-a.yaml pins account 111111111111, but role " + testRole + " lands in account 222222222222; nothing was read or written"},
			wantTarget: new(*AccountMismatchError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, endpoint := newSTSFake(t, tt.account)
			fake.denyWith = tt.deny
			opts := tt.opts
			_, _, err := NewClient(context.Background(), ClientOptions{Region: "us-west-2", EndpointURL: endpoint, Parallelism: 1, AssumeRole: &opts})
			if err == nil {
				t.Fatal("NewClient succeeded")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v\nwant it to contain %q", err, want)
				}
			}
			if tt.wantTarget != nil && !errors.As(err, tt.wantTarget) {
				t.Errorf("err = %T, want %T", err, tt.wantTarget)
			}
			if _, ecrKeys := fake.seen(); len(ecrKeys) != 0 {
				t.Errorf("%d ECR calls were made, want none", len(ecrKeys))
			}
		})
	}
}

// A silent STS endpoint is bounded like ECR: every attempt times out, the
// configured retryer retries it, and the error says which role.
func TestAssumeRoleSilentSTSTimesOut(t *testing.T) {
	fake, endpoint := newSTSFake(t, "111111111111")
	fake.stallSTS = true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, _, err := NewClient(ctx, ClientOptions{Region: "us-west-2", EndpointURL: endpoint, MaxRetries: 1, RequestTimeout: 300 * time.Millisecond, Parallelism: 1,
		AssumeRole: &AssumeRoleOptions{RoleARN: testRole, For: "team-a.yaml"}})
	if err == nil {
		t.Fatal("NewClient succeeded against a silent STS")
	}
	want := "assuming role " + testRole + " for team-a.yaml: the endpoint " + endpoint + " did not answer within 300ms in any of 2 attempts"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %q", err, want)
	}
	if assumes, _ := fake.seen(); len(assumes) != 2 {
		t.Errorf("STS got %d attempts, want 2 (--max-retries 1)", len(assumes))
	}
}

func TestDefaultSessionName(t *testing.T) {
	tests := []struct {
		readOnly bool
		env      map[string]string
		user     string
		want     string
	}{
		{false, map[string]string{"GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "2"}, "runner", "ecrctl-gh-123-2"},
		{true, map[string]string{"GITHUB_RUN_ID": "123", "GITHUB_RUN_ATTEMPT": "2"}, "runner", "ecrctl-read-gh-123-2"},
		{false, map[string]string{"CI_JOB_ID": "77"}, "root", "ecrctl-gl-77"},
		{false, map[string]string{"CODEBUILD_BUILD_NUMBER": "9"}, "", "ecrctl-cb-9"},
		{false, nil, "alice", "ecrctl-alice"},
		{true, nil, "alice", "ecrctl-read-alice"},
		{false, nil, `CORP\bob smith`, "ecrctl-CORP.bob.smith"},
		{false, nil, "", "ecrctl"},
		{true, nil, "", "ecrctl-read"},
		{false, nil, strings.Repeat("u", 100), "ecrctl-" + strings.Repeat("u", 57)},
		{true, nil, strings.Repeat("u", 100), "ecrctl-read-" + strings.Repeat("u", 52)},
	}
	for _, tt := range tests {
		got := defaultSessionName(tt.readOnly, func(k string) string { return tt.env[k] }, func() string { return tt.user })
		if got != tt.want {
			t.Errorf("read-only %v, env %v, user %q: %q, want %q", tt.readOnly, tt.env, tt.user, got, tt.want)
		}
		if len(got) > 64 {
			t.Errorf("%q is longer than STS's 64 characters", got)
		}
	}
}
