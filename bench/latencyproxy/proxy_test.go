package latencyproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const targetPrefix = "AmazonEC2ContainerRegistry_V20150921."

// seen is one request as the upstream received it.
type seen struct {
	Method, Path, Query, Host, Body string
	Target, Auth, ContentType       string
}

// upstream records every request and answers with a fixed status, header
// and body.
func upstream(t *testing.T) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream reading body: %v", err)
		}
		mu.Lock()
		got = append(got, seen{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host, Body: string(b),
			Target: r.Header.Get("X-Amz-Target"), Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"),
		})
		mu.Unlock()
		w.Header().Set("X-Amzn-Requestid", "req-1")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"RepositoryNotFoundException","message":"no"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

// newProxy starts the proxy in front of up with a sleep that records the
// delays it was asked for instead of waiting.
func newProxy(t *testing.T, up *httptest.Server, delay time.Duration) (*Proxy, *httptest.Server, func() []time.Duration) {
	t.Helper()
	u, err := url.Parse(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := New(u, delay)
	var mu sync.Mutex
	var slept []time.Duration
	p.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Config.ConnState = p.ConnState
	srv.Start()
	t.Cleanup(srv.Close)
	return p, srv, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), slept...)
	}
}

func post(t *testing.T, c *http.Client, base, op, body string) *http.Response {
	t.Helper()
	return postIn(t, c, base, op, body, "us-west-2")
}

// postIn is post signed for region.
func postIn(t *testing.T, c *http.Client, base, op, body, region string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/some/path?x=1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if op != "" {
		req.Header.Set("X-Amz-Target", targetPrefix+op)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=k/20260101/"+region+"/ecr/aws4_request, SignedHeaders=host;x-amz-target, Signature=abc")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

func TestForwardsRequestAndResponseIntact(t *testing.T) {
	up, got := upstream(t)
	_, px, _ := newProxy(t, up, 0)
	body := `{"repositoryName":"team/app"}`
	resp := post(t, px.Client(), px.URL, "GetLifecyclePolicy", body)
	defer func() { _ = resp.Body.Close() }()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want the upstream's 400", resp.StatusCode)
	}
	if want := `{"__type":"RepositoryNotFoundException","message":"no"}`; string(rb) != want {
		t.Errorf("response body = %q, want %q", rb, want)
	}
	if h := resp.Header.Get("X-Amzn-Requestid"); h != "req-1" {
		t.Errorf("response header X-Amzn-Requestid = %q, want req-1", h)
	}
	pu, _ := url.Parse(px.URL)
	want := []seen{{
		Method: http.MethodPost, Path: "/some/path", Query: "x=1", Host: pu.Host, Body: body,
		Target:      targetPrefix + "GetLifecyclePolicy",
		Auth:        "AWS4-HMAC-SHA256 Credential=k/20260101/us-west-2/ecr/aws4_request, SignedHeaders=host;x-amz-target, Signature=abc",
		ContentType: "application/x-amz-json-1.1",
	}}
	if d := cmp.Diff(want, got()); d != "" {
		t.Errorf("upstream saw (-want +got):\n%s", d)
	}
}

func TestCountsByOperation(t *testing.T) {
	up, got := upstream(t)
	p, px, _ := newProxy(t, up, 0)
	c := px.Client()
	ops := []string{"DescribeRepositories", "GetLifecyclePolicy", "GetLifecyclePolicy", "ListTagsForResource", ""}
	var wg sync.WaitGroup
	for range 10 {
		for _, op := range ops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp := post(t, c, px.URL, op, "{}")
				drain(resp)
			}()
		}
	}
	wg.Wait()
	st := p.Stats()
	want := map[string]int{"DescribeRepositories": 10, "GetLifecyclePolicy": 20, "ListTagsForResource": 10}
	if d := cmp.Diff(want, st.Calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if st.Other != 10 {
		t.Errorf("other = %d, want 10 (requests without X-Amz-Target)", st.Other)
	}
	if st.Total() != 40 {
		t.Errorf("total = %d, want 40", st.Total())
	}
	if st.Connections < 1 || st.Connections > 50 {
		t.Errorf("connections = %d, want between 1 and 50", st.Connections)
	}
	if n := len(got()); n != 50 {
		t.Errorf("upstream saw %d requests, want all 50", n)
	}
	p.Reset()
	if st := p.Stats(); st.Total() != 0 || st.Other != 0 || st.Connections != 0 || st.Upstream != 0 {
		t.Errorf("after Reset: %+v, want zero", st)
	}
}

func TestConnectionsReused(t *testing.T) {
	up, _ := upstream(t)
	p, px, _ := newProxy(t, up, 0)
	c := px.Client()
	for range 5 {
		resp := post(t, c, px.URL, "GetRepositoryPolicy", "{}")
		drain(resp)
	}
	if n := p.Stats().Connections; n != 1 {
		t.Errorf("5 sequential requests on a keep-alive client opened %d connections, want 1", n)
	}
}

func TestDelayAppliedToEveryRequest(t *testing.T) {
	up, _ := upstream(t)
	p, px, slept := newProxy(t, up, 20*time.Millisecond)
	for _, op := range []string{"DescribeRepositories", ""} {
		resp := post(t, px.Client(), px.URL, op, "{}")
		drain(resp)
	}
	p.SetDelay(5 * time.Millisecond)
	resp := post(t, px.Client(), px.URL, "ListTagsForResource", "{}")
	drain(resp)
	want := []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 5 * time.Millisecond}
	if d := cmp.Diff(want, slept()); d != "" {
		t.Errorf("delays (-want +got):\n%s", d)
	}
}

func TestRequestAbandonedDuringDelayIsNotForwarded(t *testing.T) {
	up, got := upstream(t)
	p, px, _ := newProxy(t, up, time.Hour)
	p.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	resp := post(t, px.Client(), px.URL, "CreateRepository", "{}")
	drain(resp)
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("status = %d, want 504", resp.StatusCode)
	}
	if n := len(got()); n != 0 {
		t.Errorf("upstream saw %d requests, want none", n)
	}
	if c := p.Stats().Calls["CreateRepository"]; c != 1 {
		t.Errorf("CreateRepository counted %d times, want 1 (it was sent)", c)
	}
}

func TestSleepCtxHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx on a cancelled context = %v, want context.Canceled", err)
	}
	if err := sleepCtx(context.Background(), 0); err != nil {
		t.Errorf("sleepCtx(0) = %v, want nil", err)
	}
}

func TestOperation(t *testing.T) {
	for in, want := range map[string]string{
		targetPrefix + "DescribeRepositories": "DescribeRepositories",
		"PutImage":                            "PutImage",
		"":                                    "",
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if in != "" {
			r.Header.Set("X-Amz-Target", in)
		}
		if got := Operation(r); got != want {
			t.Errorf("Operation(%q) = %q, want %q", in, got, want)
		}
	}
}

// counting is an upstream whose answers carry how many requests it had
// served, so a replayed answer is told apart from a fresh one.
func counting(t *testing.T) (*httptest.Server, func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("req-%d", k))
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"served":%d,"echo":%s}`, k, b)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

func roundTrip(t *testing.T, c *http.Client, base, op, body string) (string, string) {
	t.Helper()
	resp := post(t, c, base, op, body)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), resp.Header.Get("X-Amzn-Requestid")
}

func TestRecordThenReplayReads(t *testing.T) {
	up, served := counting(t)
	p, px, slept := newProxy(t, up, 20*time.Millisecond)
	c := px.Client()

	p.SetMode(Record)
	rec1, id1 := roundTrip(t, c, px.URL, "GetLifecyclePolicy", `{"repositoryName":"a"}`)
	rec2, _ := roundTrip(t, c, px.URL, "ListTagsForResource", `{"resourceArn":"arn:a"}`)
	roundTrip(t, c, px.URL, "CreateRepository", `{"repositoryName":"a"}`)
	if served() != 3 {
		t.Fatalf("recording: upstream served %d, want 3", served())
	}

	p.SetMode(Replay)
	p.Reset()
	got1, gotID1 := roundTrip(t, c, px.URL, "GetLifecyclePolicy", `{"repositoryName":"a"}`)
	got2, _ := roundTrip(t, c, px.URL, "ListTagsForResource", `{"resourceArn":"arn:a"}`)
	if got1 != rec1 || gotID1 != id1 || got2 != rec2 {
		t.Errorf("replayed %q (%s), %q; want the recorded %q (%s), %q", got1, gotID1, got2, rec1, id1, rec2)
	}
	if served() != 3 {
		t.Errorf("replayed reads reached upstream: served %d, want still 3", served())
	}
	// A write, and a read with another body, go upstream.
	w, _ := roundTrip(t, c, px.URL, "CreateRepository", `{"repositoryName":"a"}`)
	miss, _ := roundTrip(t, c, px.URL, "GetLifecyclePolicy", `{"repositoryName":"b"}`)
	if want := `{"served":4,"echo":{"repositoryName":"a"}}`; w != want {
		t.Errorf("write in Replay mode answered %q, want a fresh upstream answer %q", w, want)
	}
	if want := `{"served":5,"echo":{"repositoryName":"b"}}`; miss != want {
		t.Errorf("unrecorded read answered %q, want %q", miss, want)
	}
	st := p.Stats()
	if st.Replayed != 2 || st.Misses != 1 || st.Total() != 4 {
		t.Errorf("stats = %+v, want 2 replayed, 1 miss, 4 calls", st)
	}
	// Replayed answers are delayed like any other.
	if n := len(slept()); n != 7 {
		t.Errorf("the delay was applied %d times, want 7 (every request)", n)
	}

	p.SetMode(Forward)
	fresh, _ := roundTrip(t, c, px.URL, "GetLifecyclePolicy", `{"repositoryName":"a"}`)
	if want := `{"served":6,"echo":{"repositoryName":"a"}}`; fresh != want {
		t.Errorf("Forward mode answered %q, want a fresh upstream answer %q", fresh, want)
	}
	p.SetMode(Replay)
	p.Forget()
	if again, _ := roundTrip(t, c, px.URL, "GetLifecyclePolicy", `{"repositoryName":"a"}`); again == rec1 {
		t.Errorf("after Forget, the read was still replayed: %q", again)
	}
}

// Moto keeps regions apart: the same read signed for two regions has two
// answers, and each replays its own.
func TestReplayKeepsRegionsApart(t *testing.T) {
	up, served := counting(t)
	p, px, _ := newProxy(t, up, 0)
	c := px.Client()
	read := func(region string) string {
		resp := postIn(t, c, px.URL, "DescribeRepositories", `{"maxResults":1000}`, region)
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	p.SetMode(Record)
	west, east := read("us-west-2"), read("eu-west-1")
	p.SetMode(Replay)
	if got := read("us-west-2"); got != west {
		t.Errorf("us-west-2 replayed %q, want %q", got, west)
	}
	if got := read("eu-west-1"); got != east {
		t.Errorf("eu-west-1 replayed %q, want its own answer %q", got, east)
	}
	if served() != 2 {
		t.Errorf("upstream served %d, want 2 (the recording only)", served())
	}
}

func TestIsRead(t *testing.T) {
	for op, want := range map[string]bool{
		"DescribeRepositories": true, "GetRepositoryPolicy": true, "ListTagsForResource": true, "BatchGetImage": true,
		"CreateRepository": false, "PutLifecyclePolicy": false, "SetRepositoryPolicy": false, "TagResource": false, "": false,
	} {
		if got := IsRead(op); got != want {
			t.Errorf("IsRead(%q) = %v, want %v", op, got, want)
		}
	}
}
