//go:build unix

// Package e2e runs the built ecrctl binary against a local ECR emulator
// (moto) and checks the result with another client (the AWS CLI and boto3).
//
// TestMain builds ecrctl once and starts one moto server for the package;
// every test resets moto first. ecrctl reaches moto through a small
// recording proxy, so a test can assert which ECR operations a run sent
// (for example: a plan, or an apply that has nothing to do, sends no write).
// The checking clients talk to moto directly.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/motoserver"
)

const (
	// account is registry.yaml's account guard; moto serves it as its account.
	account = "449870229058"
	region  = "us-west-2"

	motoStartTimeout = 20 * time.Second
	commandTimeout   = 60 * time.Second
)

var (
	ecrctlBin string       // the binary under test
	motoURL   string       // moto, for the checking clients
	proxyURL  string       // the recording proxy in front of moto, for ecrctl
	workDir   string       // TestMain's temporary directory
	calls     = &callLog{} // ECR operations ecrctl sent through the proxy
	moto      *motoserver.Server
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode (the tests start a moto server and build ecrctl)")
		os.Exit(0)
	}
	if missing := missingPrerequisites(); missing != "" {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "e2e: FAIL: %s; CI is set, so the end-to-end tests must run. Install moto (pip install 'moto[server]'), boto3 and the AWS CLI.\n", missing)
			os.Exit(1)
		}
		fmt.Printf("e2e: SKIP: %s; install moto (pip install 'moto[server]'), boto3 and the AWS CLI to run the end-to-end tests\n", missing)
		os.Exit(0)
	}
	// moto dies with the thread that started it (motoserver.Options.DieWithParent), so
	// keep TestMain on one thread for the whole run.
	runtime.LockOSThread()
	os.Exit(runMain(m))
}

// missingPrerequisites names the first tool the tests need that is missing.
func missingPrerequisites() string {
	if err := exec.Command("python3", "-c", "import moto").Run(); err != nil {
		return fmt.Sprintf("python3 cannot import moto (%v)", err)
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		return fmt.Sprintf("python3 cannot import boto3 (%v)", err)
	}
	if _, err := exec.LookPath("aws"); err != nil {
		return "the AWS CLI (aws) is not on PATH"
	}
	return ""
}

func runMain(m *testing.M) int {
	var err error
	workDir, err = os.MkdirTemp("", "ecrctl-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(workDir) //nolint:errcheck // best effort

	ecrctlBin = filepath.Join(workDir, "ecrctl")
	build := exec.Command("go", "build", "-o", ecrctlBin, "github.com/ecrctl/ecrctl/cmd/ecrctl")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building ecrctl failed: %v\n%s", err, out)
		return 1
	}

	moto, err = motoserver.Start(motoserver.Options{Account: account, StartTimeout: motoStartTimeout, DieWithParent: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer moto.Stop()
	motoURL = moto.URL

	target, err := url.Parse(motoURL)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	proxy := httptest.NewServer(calls.recorder(httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()
	proxyURL = proxy.URL

	return m.Run()
}

// call is one ECR request ecrctl sent: the operation and the repository it
// names (from repositoryName or resourceArn; "" for registry-wide calls).
type call struct {
	Op, Repo string
}

func (c call) String() string { return c.Op + "(" + c.Repo + ")" }

// isWrite reports whether the operation can change ECR state.
func (c call) isWrite() bool {
	for _, p := range []string{"Describe", "List", "Get", "BatchGet", "BatchCheck", stsPrefix} {
		if strings.HasPrefix(c.Op, p) {
			return false
		}
	}
	return true
}

type callLog struct {
	mu    sync.Mutex
	calls []call
}

func (l *callLog) recorder(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		c := call{Op: r.Header.Get("X-Amz-Target")}
		if i := strings.LastIndexByte(c.Op, '.'); i >= 0 {
			c.Op = c.Op[i+1:]
		}
		if c.Op == "" {
			// STS (query protocol): recorded as sts.ACTION with the role
			// in Repo, after any rewrite a test asked for.
			body = stsRewrite.apply(body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
				c = call{Op: stsPrefix + form.Get("Action"), Repo: form.Get("RoleArn")}
			}
		}
		var fields struct {
			RepositoryName string `json:"repositoryName"`
			ResourceArn    string `json:"resourceArn"`
		}
		if json.Unmarshal(body, &fields) == nil {
			c.Repo = fields.RepositoryName
			if c.Repo == "" && fields.ResourceArn != "" {
				_, c.Repo, _ = strings.Cut(fields.ResourceArn, ":repository/")
			}
		}
		if c.Op != "" {
			l.mu.Lock()
			l.calls = append(l.calls, c)
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (l *callLog) take() []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	return out
}

// ---- per-test environment ----------------------------------------------

// env is one test's world: moto reset, a directory for specs and plans, and
// a HOME for ecrctl.
type env struct {
	t    *testing.T
	dir  string
	home string
	// other, when set, is a second moto (another account) that ecrctl and
	// the checking clients talk to directly instead; no calls are recorded.
	other string
	// checkURL, when set, is the moto the checking clients read instead of
	// the package's (ecrctl reaches it through other).
	checkURL string
}

// checkerURL is the moto the checking clients read.
func (e *env) checkerURL() string {
	if e.checkURL != "" {
		return e.checkURL
	}
	return motoURL
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if err := moto.Reset(); err != nil {
		t.Fatalf("resetting moto: %v", err)
	}
	calls.take()
	e := &env{t: t, dir: t.TempDir(), home: t.TempDir()}
	return e
}

// endpoint is def, or the other moto when the test switched to it.
func (e *env) endpoint(def string) string {
	if e.other != "" {
		return e.other
	}
	return def
}

// writeFile writes name (relative to the test directory) and returns its path.
func (e *env) writeFile(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// seedSpec copies the project's registry.yaml into the test directory.
func (e *env) seedSpec() string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "registry.yaml"))
	if err != nil {
		e.t.Fatalf("reading the project's registry.yaml: %v", err)
	}
	return e.writeFile("registry.yaml", string(b))
}

// result is one ecrctl run.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	calls          []call // ECR requests the run sent
}

func (r result) String() string {
	return fmt.Sprintf("ecrctl %s\nexit code %d\n--- stdout ---\n%s--- stderr ---\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

func (r result) writes() []call {
	var out []call
	for _, c := range r.calls {
		if c.isWrite() {
			out = append(out, c)
		}
	}
	return out
}

// ecrctl runs the binary in the test directory with a clean environment:
// dummy credentials, the proxy as endpoint, no region, profile or config.
func (e *env) ecrctl(args ...string) result {
	e.t.Helper()
	return e.ecrctlIn(e.dir, args...)
}

// ecrctlIn is ecrctl run in another working directory.
func (e *env) ecrctlIn(dir string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ecrctlBin, args...)
	cmd.Dir = dir
	cmd.Env = e.ecrctlEnv(e.endpoint(proxyURL))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	calls.take()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), calls: calls.take()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		r.code = ee.ExitCode()
	default:
		e.t.Fatalf("running ecrctl %s: %v (context: %v)\n%s", strings.Join(args, " "), err, ctx.Err(), r)
	}
	return r
}

// ecrctlEnv is ecrctl's whole environment: dummy credentials, endpoint as
// the ECR endpoint, no region, profile or config.
func (e *env) ecrctlEnv(endpoint string) []string {
	return []string{
		"HOME=" + e.home,
		"AWS_ACCESS_KEY_ID=e2e-dummy",
		"AWS_SECRET_ACCESS_KEY=e2e-dummy",
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// mustExit runs ecrctl and fails the test unless it exits with want.
func (e *env) mustExit(want int, args ...string) result {
	e.t.Helper()
	r := e.ecrctl(args...)
	if r.code != want {
		e.t.Fatalf("want exit code %d, got %d\n%s", want, r.code, r)
	}
	return r
}

// checkerEnv is the environment of the checking clients: the caller's
// (python3 and aws may be shims that need PATH and PYENV_*), without any
// AWS_* setting, plus dummy credentials and no config files.
func (e *env) checkerEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return append(out,
		"AWS_ACCESS_KEY_ID=e2e-dummy",
		"AWS_SECRET_ACCESS_KEY=e2e-dummy",
		"AWS_CONFIG_FILE="+filepath.Join(e.home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(e.home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
}

// aws runs `aws ecr ARGS` against moto and returns its JSON output.
func (e *env) aws(args ...string) []byte {
	e.t.Helper()
	out, stderr, err := e.awsTry(args...)
	if err != nil {
		e.t.Fatalf("aws ecr %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

func (e *env) awsTry(args ...string) (stdout, stderr []byte, err error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	full := append([]string{"ecr"}, args...)
	full = append(full, "--endpoint-url", e.endpoint(motoURL), "--region", region, "--output", "json")
	cmd := exec.CommandContext(ctx, "aws", full...)
	cmd.Env = e.checkerEnv()
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	err = cmd.Run()
	return o.Bytes(), s.Bytes(), err
}

// ---- the registry as another client sees it ----------------------------

// botoClient is the start of a boto3 script run as `python3 -c SCRIPT
// ENDPOINT REGION [ROLE]`: c is an ECR client for the registry in REGION,
// with the credentials of ROLE (assumed through moto's STS, which gives
// them the role's account) or, without one, the default account's.
const botoClient = `
import json, sys
import boto3
from botocore.config import Config

creds = {}
if len(sys.argv) > 3 and sys.argv[3]:
    sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name=sys.argv[2])
    cr = sts.assume_role(RoleArn=sys.argv[3], RoleSessionName="e2e-check")["Credentials"]
    creds = dict(aws_access_key_id=cr["AccessKeyId"], aws_secret_access_key=cr["SecretAccessKey"],
                 aws_session_token=cr["SessionToken"])
c = boto3.client("ecr", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 config=Config(retries={"max_attempts": 1}), **creds)
`

// snapshotScript reads every repository with boto3, in one process.
const snapshotScript = botoClient + `
out = {"registryId": c.describe_registry()["registryId"], "repositories": {}}
for page in c.get_paginator("describe_repositories").paginate():
    for r in page["repositories"]:
        name = r["repositoryName"]
        e = {"repository": r}
        e["tags"] = {t["Key"]: t["Value"] for t in c.list_tags_for_resource(resourceArn=r["repositoryArn"])["tags"]}
        try:
            e["lifecyclePolicy"] = c.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
        except c.exceptions.LifecyclePolicyNotFoundException:
            e["lifecyclePolicy"] = None
        try:
            e["repositoryPolicy"] = c.get_repository_policy(repositoryName=name)["policyText"]
        except c.exceptions.RepositoryPolicyNotFoundException:
            e["repositoryPolicy"] = None
        e["images"] = c.describe_images(repositoryName=name)["imageDetails"]
        out["repositories"][name] = e
json.dump(out, sys.stdout, default=str, sort_keys=True)
`

type snapshot struct {
	RegistryID   string              `json:"registryId"`
	Repositories map[string]repoSnap `json:"repositories"`
}

type repoSnap struct {
	Repository struct {
		Name               string `json:"repositoryName"`
		ARN                string `json:"repositoryArn"`
		CreatedAt          string `json:"createdAt"`
		ImageTagMutability string `json:"imageTagMutability"`
		Scanning           struct {
			ScanOnPush bool `json:"scanOnPush"`
		} `json:"imageScanningConfiguration"`
		Encryption struct {
			Type   string `json:"encryptionType"`
			KMSKey string `json:"kmsKey"`
		} `json:"encryptionConfiguration"`
	} `json:"repository"`
	Tags             map[string]string `json:"tags"`
	LifecyclePolicy  *string           `json:"lifecyclePolicy"`
	RepositoryPolicy *string           `json:"repositoryPolicy"`
	Images           []struct {
		Digest string   `json:"imageDigest"`
		Tags   []string `json:"imageTags"`
	} `json:"images"`
}

// snapshot reads the whole registry with boto3, directly from moto.
func (e *env) snapshot() snapshot {
	e.t.Helper()
	return e.snapshotAs("", region)
}

// snapshotAs reads the registry in region with boto3, with the credentials
// of role (assumed through moto's STS), or the default ones for "".
func (e *env) snapshotAs(role, region string) snapshot {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", snapshotScript, e.checkerURL(), region, role)
	cmd.Env = e.checkerEnv()
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("reading the registry with boto3: %v\n%s%s", err, o.String(), s.String())
	}
	var snap snapshot
	if err := json.Unmarshal(o.Bytes(), &snap); err != nil {
		e.t.Fatalf("decoding the boto3 snapshot: %v\n%s", err, o.String())
	}
	return snap
}

// repo returns the named repository, failing the test when it is missing.
func (s snapshot) repo(t *testing.T, name string) repoSnap {
	t.Helper()
	r, ok := s.Repositories[name]
	if !ok {
		t.Fatalf("repository %q does not exist; the registry holds %v", name, s.names())
	}
	return r
}

func (s snapshot) names() []string {
	var out []string
	for n := range s.Repositories {
		out = append(out, n)
	}
	return out
}

// assertUnchanged fails when the registry differs between two snapshots.
func assertUnchanged(t *testing.T, what string, before, after snapshot) {
	t.Helper()
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("%s changed the registry (-before +after):\n%s", what, d)
	}
}

// assertNoWrites fails when the run sent any ECR call that can change state.
func assertNoWrites(t *testing.T, r result) {
	t.Helper()
	if w := r.writes(); len(w) > 0 {
		t.Errorf("want no write calls, got %v\n%s", w, r)
	}
}
