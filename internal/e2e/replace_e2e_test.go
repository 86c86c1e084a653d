//go:build unix

package e2e

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// replaceSpec changes only the encryption of app, which forces a
// replacement; everything else about app is unmanaged and must be carried.
const replaceSpec = `version: 1
region: us-west-2
account: "449870229058"
repositories:
  - name: app
    encryption: {type: KMS}
`

const keepPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::449870229058:root"},"Action":["ecr:BatchGetImage"]}]}`

// seedUnmanaged creates app with a tag, IMMUTABLE and a policy, none of
// which the spec manages, with the AWS CLI.
func (e *env) seedUnmanaged() {
	e.t.Helper()
	e.aws("create-repository", "--repository-name", "app", "--image-tag-mutability", "IMMUTABLE", "--tags", "Key=Owner,Value=alice")
	e.aws("set-repository-policy", "--repository-name", "app", "--policy-text", keepPolicy)
}

// assertCarried checks app with boto3: recreated with KMS, and every
// unmanaged setting carried over.
func (e *env) assertCarried() {
	e.t.Helper()
	r := e.snapshot().repo(e.t, "app")
	if r.Repository.Encryption.Type != "KMS" {
		e.t.Errorf("encryption %q, want KMS: the replacement did not happen", r.Repository.Encryption.Type)
	}
	if r.Tags["Owner"] != "alice" {
		e.t.Errorf("tag Owner=alice lost: %v", r.Tags)
	}
	if r.Repository.ImageTagMutability != "IMMUTABLE" {
		e.t.Errorf("mutability %q, want IMMUTABLE", r.Repository.ImageTagMutability)
	}
	if r.RepositoryPolicy == nil {
		e.t.Fatal("repository policy lost")
	}
	if _, ok := parsePolicy(e.t, "app", *r.RepositoryPolicy)["keep"]; !ok {
		e.t.Errorf("policy statement keep lost: %s", *r.RepositoryPolicy)
	}
}

// slowDeleteProxy forwards to moto and holds the answer to DeleteRepository
// for hold after moto has deleted: the window in which an operator's Ctrl-C
// used to lose the repository. deleted is closed when moto has answered.
type slowDeleteProxy struct {
	*httptest.Server
	deleted chan struct{}
	once    sync.Once
}

func newSlowDeleteProxy(t *testing.T, hold time.Duration) *slowDeleteProxy {
	t.Helper()
	target, err := url.Parse(motoURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &slowDeleteProxy{deleted: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if strings.HasSuffix(resp.Request.Header.Get("X-Amz-Target"), ".DeleteRepository") {
			p.once.Do(func() { close(p.deleted) })
			time.Sleep(hold)
		}
		return nil
	}
	p.Server = httptest.NewServer(rp)
	t.Cleanup(p.Close)
	return p
}

// start runs ecrctl in the background against endpoint.
func (e *env) start(endpoint string, stdout, stderr io.Writer, args ...string) *exec.Cmd {
	e.t.Helper()
	cmd := exec.Command(ecrctlBin, args...)
	cmd.Dir = e.dir
	cmd.Env = e.ecrctlEnv(endpoint)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	return cmd
}

// TestE2EReplacementSurvivesRepeatedInterrupts: SIGINT twice 50 ms apart
// (and a SIGTERM after) while the answer to DeleteRepository is held back.
// The repository used to stay deleted with its settings lost; now ecrctl
// finishes the replacement, carries every setting, and then exits 130.
func TestE2EReplacementSurvivesRepeatedInterrupts(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", replaceSpec)
	e.seedUnmanaged()
	proxy := newSlowDeleteProxy(t, 2*time.Second)

	var stdout, stderr bytes.Buffer
	cmd := e.start(proxy.URL, &stdout, &stderr, "apply", "--auto-approve", "--allow-replace")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-proxy.deleted:
	case err := <-done:
		t.Fatalf("apply ended before DeleteRepository: %v\n%s%s", err, stdout.String(), stderr.String())
	case <-time.After(commandTimeout):
		_ = cmd.Process.Kill()
		t.Fatal("DeleteRepository never reached moto")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGINT, syscall.SIGTERM} {
		if err := cmd.Process.Signal(sig); err != nil {
			t.Errorf("sending %v: %v (a signal inside the replacement ended ecrctl)", sig, err)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(commandTimeout):
		_ = cmd.Process.Kill()
		t.Logf("killed: %v", <-done)
		t.Fatalf("apply did not finish\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit = %v, want 130 after the replacement\n%s", err, stderr.String())
	}
	out := stderr.String()
	if n := strings.Count(out, "ecrctl ignores Ctrl-C and SIGTERM until that is done"); n != 1 {
		t.Errorf("the window message appears %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "The replacement is done; exiting now") {
		t.Errorf("no exit message after the replacement:\n%s", out)
	}
	e.assertCarried()
	if left, _ := filepath.Glob(filepath.Join(e.dir, "ecrctl-restore-*")); len(left) > 0 {
		t.Errorf("restore file left after a complete replacement: %v", left)
	}
}

// failingPolicyProxy answers SetRepositoryPolicy with AccessDenied once and
// forwards everything else to moto.
func newFailingPolicyProxy(t *testing.T) *httptest.Server {
	t.Helper()
	target, err := url.Parse(motoURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var once sync.Once
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := false
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".SetRepositoryPolicy") {
			once.Do(func() { fail = true })
		}
		if fail {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"not authorized to perform: ecr:SetRepositoryPolicy"}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestE2EReplacementFailureRestoredFromFile: the last carried-over call
// fails; the restore file apply leaves behind brings the policy back, and a
// second restore changes nothing.
func TestE2EReplacementFailureRestoredFromFile(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", replaceSpec)
	e.seedUnmanaged()
	proxy := newFailingPolicyProxy(t)

	var stdout, stderr bytes.Buffer
	cmd := e.start(proxy.URL, &stdout, &stderr, "apply", "--auto-approve", "--allow-replace")
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "run `ecrctl restore ecrctl-restore-app.json`") {
		t.Fatalf("apply: %v\n%s", err, stderr.String())
	}
	file := filepath.Join(e.dir, "ecrctl-restore-app.json")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no restore file: %v", err)
	}
	if r := e.snapshot().repo(t, "app"); r.RepositoryPolicy != nil {
		t.Fatalf("the policy is set although the proxy refused it: %s", *r.RepositoryPolicy)
	}
	// The spec does not manage the policy: plan cannot see what was lost,
	// but it points at the file.
	r := e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
	mustContain(t, r, r.stderr, `Warning: ecrctl-restore-app.json records a replacement of "app" that did not finish`)
	e.writeFile("copy.json", readFile(t, file))

	r = e.mustExit(0, "restore", "--auto-approve", "ecrctl-restore-app.json")
	mustContain(t, r, r.stdout, "restore will call:")
	assertWrites(t, r, "SetRepositoryPolicy(app)")
	e.assertCarried()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("restore file kept after a complete restore: %v", err)
	}

	r = e.mustExit(0, "restore", "--auto-approve", "copy.json")
	mustContain(t, r, r.stdout, "already restored; nothing to do")
	assertNoWrites(t, r)
}
