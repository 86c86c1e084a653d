// Package latencyproxy is the benchmark's stand-in for the network between
// ecrctl and ECR: a reverse proxy that holds every request for a fixed delay
// before forwarding it unchanged, and counts requests by ECR operation (the
// X-Amz-Target header), connections opened, and time spent upstream.
//
// It can also record the upstream's answers to read operations and replay
// them, so that a client can be measured against the delay alone when the
// upstream (moto) is slower than the network being modelled.
package latencyproxy

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards to one upstream. It is safe for concurrent use; the delay
// can change between runs with SetDelay.
type Proxy struct {
	next  *httputil.ReverseProxy
	delay atomic.Int64 // nanoseconds
	// sleep waits d or until ctx ends; tests replace it to observe the delay
	// without measuring time.
	sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	calls    map[string]int // by operation
	other    int            // requests without X-Amz-Target
	conns    int            // client connections opened
	upstream time.Duration  // summed time the upstream took, delay excluded
	replayed int            // requests answered from the recording
	misses   int            // reads in Replay mode with no recorded answer
	mode     Mode
	recorded map[string]*answer // by operation and request body
}

// Mode says whether reads are forwarded, recorded or replayed.
type Mode int

const (
	// Forward sends every request upstream.
	Forward Mode = iota
	// Record sends every request upstream and keeps the answers to reads.
	Record
	// Replay answers reads that were recorded without asking upstream;
	// writes and unrecorded reads go upstream.
	Replay
)

// answer is a recorded upstream response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// IsRead reports whether an ECR operation only reads, so that its answer
// can be recorded and replayed.
func IsRead(op string) bool {
	for _, p := range []string{"Describe", "Get", "List", "BatchGet", "BatchCheck"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// New returns a proxy to target that delays each request by delay.
func New(target *url.URL, delay time.Duration) *Proxy {
	// Enough idle connections that the proxy never throttles the client:
	// the default transport keeps only 2 per host.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 1024
	p := &Proxy{
		next: &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				// Keep the Host the client signed (SigV4 signs it).
				pr.Out.Host = pr.In.Host
			},
			Transport: tr,
		},
		sleep:    sleepCtx,
		calls:    map[string]int{},
		recorded: map[string]*answer{},
	}
	p.delay.Store(int64(delay))
	return p
}

// SetDelay changes the per-request delay for requests that arrive from now on.
func (p *Proxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// Delay is the current per-request delay.
func (p *Proxy) Delay() time.Duration { return time.Duration(p.delay.Load()) }

// Operation is the ECR operation a request names in X-Amz-Target
// ("AmazonEC2ContainerRegistry_V20150921.GetLifecyclePolicy" gives
// "GetLifecyclePolicy"), or "" when the header is absent.
func Operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}

// SetMode switches between forwarding, recording and replaying.
func (p *Proxy) SetMode(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
}

// Forget drops every recorded answer.
func (p *Proxy) Forget() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recorded = map[string]*answer{}
}

// ServeHTTP counts the request, waits the delay, and forwards it (or, in
// Replay mode, answers a recorded read itself).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := Operation(r)
	p.mu.Lock()
	if op == "" {
		p.other++
	} else {
		p.calls[op]++
	}
	mode := p.mode
	p.mu.Unlock()

	var key string
	if mode != Forward && IsRead(op) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// Moto keeps each region apart and learns the region from the
		// signature, not the URL: one read in two regions has two answers.
		key = op + "\x00" + signedRegion(r) + "\x00" + string(body)
	}

	if err := p.sleep(r.Context(), p.Delay()); err != nil {
		// The client gave up during the delay; nothing reaches upstream.
		w.WriteHeader(http.StatusGatewayTimeout)
		return
	}

	if mode == Replay && key != "" {
		p.mu.Lock()
		a := p.recorded[key]
		if a != nil {
			p.replayed++
		} else {
			p.misses++
		}
		p.mu.Unlock()
		if a != nil {
			maps.Copy(w.Header(), a.header)
			w.WriteHeader(a.status)
			_, _ = w.Write(a.body)
			return
		}
	}

	var rec *recorder
	out := w
	if mode == Record && key != "" {
		rec = &recorder{ResponseWriter: w}
		out = rec
	}
	start := time.Now()
	p.next.ServeHTTP(out, r)
	took := time.Since(start)
	p.mu.Lock()
	p.upstream += took
	if rec != nil && rec.status != 0 {
		p.recorded[key] = &answer{status: rec.status, header: rec.header, body: rec.body.Bytes()}
	}
	p.mu.Unlock()
}

// recorder passes a response through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
		rw.header = rw.ResponseWriter.Header().Clone()
	}
	rw.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	rw.body.Write(b)
	return rw.ResponseWriter.Write(b)
}

// ConnState counts new client connections; set it as the http.Server's
// ConnState hook.
func (p *Proxy) ConnState(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		p.mu.Lock()
		p.conns++
		p.mu.Unlock()
	}
}

// Stats is what the proxy saw since the last Reset.
type Stats struct {
	Calls       map[string]int // ECR requests by operation
	Other       int            // requests without X-Amz-Target
	Connections int            // client connections opened
	Upstream    time.Duration  // summed upstream time, delay excluded
	Replayed    int            // requests answered from the recording
	Misses      int            // reads in Replay mode that had no recorded answer
}

// Total is the number of ECR requests.
func (s Stats) Total() int {
	n := 0
	for _, c := range s.Calls {
		n += c
	}
	return n
}

// Stats returns a copy of the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Calls: maps.Clone(p.calls), Other: p.other, Connections: p.conns, Upstream: p.upstream, Replayed: p.replayed, Misses: p.misses}
}

// Reset zeroes the counters; mode and recording stay.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = map[string]int{}
	p.other, p.conns, p.upstream, p.replayed, p.misses = 0, 0, 0, 0, 0
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// signedRegion is the region a SigV4 request is signed for, from its
// Authorization header ("Credential=AKID/DATE/REGION/SERVICE/aws4_request");
// "" when there is none.
func signedRegion(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}
