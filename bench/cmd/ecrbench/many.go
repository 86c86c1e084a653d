package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ecrctl/ecrctl/bench/latencyproxy"
)

// The many-registries benchmark (-many RxN): R registries of N
// repositories each, planned and applied in one run. Each registry is its
// own account, reached with sts:AssumeRole against moto, in its own region:
// the proxy tells recorded answers apart by the region a request is signed
// for, and two registries in one region would share them.
var manyRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1",
	"eu-west-2", "eu-west-3", "eu-central-1", "ap-northeast-1", "ap-southeast-1",
	"ap-southeast-2", "ap-south-1", "ca-central-1", "sa-east-1", "eu-north-1",
}

func manyAccount(i int) string { return fmt.Sprintf("1000000000%02d", i+1) }

// manyResult is what -many measures.
type manyResult struct {
	Registries, PerRegistry int
	Started                 time.Time
	LoadStart, LoadMax      float64
	Machine                 machine
	Apply                   *runResult   // from empty, through moto
	Plan                    *runResult   // through moto, default parallelism
	Replay                  []*runResult // moto's answers replayed, by parallelism
	Other                   int          // STS calls of one plan
}

// parseMany reads "10x100".
func parseMany(s string) (r, n int, err error) {
	a, b, ok := strings.Cut(s, "x")
	if ok {
		r, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || r < 2 || n < 1 || r > len(manyRegions) {
		return 0, 0, fmt.Errorf("-many %q: want REGISTRIESxREPOSITORIES, e.g. 10x100, with 2 to %d registries", s, len(manyRegions))
	}
	return r, n, nil
}

// writeManySpecs writes one spec file per registry into dir: the same
// repositories and settings as writeSpec, reached through a role.
func writeManySpecs(dir string, r, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	one := filepath.Join(dir, "one.tmp")
	if err := writeSpec(one, n); err != nil {
		return err
	}
	base, err := os.ReadFile(one)
	if err != nil {
		return err
	}
	if err := os.Remove(one); err != nil {
		return err
	}
	for i := range r {
		acct := manyAccount(i)
		s := strings.Replace(string(base), "region: "+region+"\n", fmt.Sprintf("region: %s\nassumeRole: arn:aws:iam::%s:role/ecrctl\n", manyRegions[i], acct), 1)
		s = strings.Replace(s, fmt.Sprintf("account: %q\n", account), fmt.Sprintf("account: %q\n", acct), 1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("registry-%02d.yaml", i+1)), []byte(s), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// measureMany applies R x N repositories from empty, then plans them
// through moto and, with moto's answers replayed, at each sweep
// parallelism.
func (b *bench) measureMany(ctx context.Context, spec string) error {
	r, n, err := parseMany(b.cfg.many)
	if err != nil {
		return err
	}
	res := &manyResult{Registries: r, PerRegistry: n, Started: time.Now(), LoadStart: loadAvg(), Machine: b.res.Machine}
	if err := writeManySpecs(spec, r, n); err != nil {
		return err
	}
	if err := b.moto.Reset(); err != nil {
		return err
	}
	args := []string{"apply", "-f", spec, "--endpoint-url", b.proxyURL, "--auto-approve", "--no-color"}
	b.proxy.SetMode(latencyproxy.Forward)
	b.proxy.SetDelay(b.cfg.delay)
	b.proxy.Reset()
	logf("many: apply %d registries x %d repositories from empty", r, n)
	m, err := b.ecrctlRun(ctx, args)
	if err != nil {
		return err
	}
	if want := fmt.Sprintf("Apply complete! Resources: %d added, 0 changed, 0 destroyed.", r*n); m.Code != 0 || !strings.Contains(m.Stdout, want) {
		return fmt.Errorf("ecrctl %s: exit %d, want 0 and %q\n%s%s", strings.Join(args, " "), m.Code, want, tail(m.Stdout), tail(m.Stderr))
	}
	res.Apply = &runResult{N: r * n, Delay: b.cfg.delay, Parallelism: b.res.DefaultParallelism}
	res.Apply.add(m, b.proxy.Stats())
	logf("many: apply %s, %d calls", res.Apply.median().Round(time.Millisecond), res.Apply.Stats.Total())

	// A drift check at 0 ms records moto's answers; it must find nothing.
	b.proxy.Forget()
	if _, err := b.plan(ctx, spec, r*n, 0, 0, 1, latencyproxy.Record); err != nil {
		return err
	}
	if res.Plan, err = b.plan(ctx, spec, r*n, b.cfg.delay, 0, b.cfg.repeat, latencyproxy.Forward); err != nil {
		return err
	}
	res.Other = res.Plan.Stats.Other
	logf("many: plan through moto %s, %d calls", res.Plan.median().Round(time.Millisecond), res.Plan.Stats.Total())
	for _, p := range b.cfg.sweep {
		rr, err := b.plan(ctx, spec, r*n, b.cfg.delay, p, b.cfg.repeat, latencyproxy.Replay)
		if err != nil {
			return err
		}
		res.Replay = append(res.Replay, rr)
		logf("many: plan replayed, --parallelism %d: %s (bound %s)", p, rr.median().Round(time.Millisecond), rr.bound().Round(time.Millisecond))
	}
	res.LoadMax = b.res.LoadMax
	b.proxy.SetMode(latencyproxy.Forward)
	return writeMany(b.cfg.out, res)
}

// The many-registries figures live after the analysis marker, between
// their own markers: a run without -many keeps them, a run with -many
// replaces only them.
const (
	manyBegin = "<!-- many-registries: written by `ecrbench -many`, kept by runs without it -->"
	manyEnd   = "<!-- many-registries: end -->"
)

func writeMany(path string, res *manyResult) error {
	var b strings.Builder
	b.WriteString(manyBegin + "\n")
	fmt.Fprintf(&b, "## Many registries: %d x %d\n\n", res.Registries, res.PerRegistry)
	fmt.Fprintf(&b, "Measured %s with `go run ./bench/cmd/ecrbench -many %dx%d`: %d registries (each its own account, reached with sts:AssumeRole against moto, in its own region) of %d repositories, managed as in the tables above, in one `ecrctl plan -f DIR` run. %s; 1-minute load average %.2f at the start, %.2f at most during the run",
		res.Started.UTC().Format("2006-01-02 15:04 UTC"), res.Registries, res.PerRegistry, res.Registries, res.PerRegistry, res.Machine.summary(), res.LoadStart, res.LoadMax)
	if res.LoadMax > 1.5*float64(max(res.Machine.CPUs, 1)) {
		b.WriteString(" (a busy machine: every figure is slower than on a quiet one)")
	}
	fmt.Fprintf(&b, ". Delay %s per request; the bound is ECR calls / parallelism x delay; the %d STS calls of a run go through the proxy too and are not in the bound.\n\n", res.Plan.Delay, res.Other)
	b.WriteString("| run | --parallelism | ECR calls | wall time (median) | bound | wall / bound | CPU |\n|---|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, r *runResult) {
		fmt.Fprintf(&b, "| %s | %d | %d | %s%s | %s | %.2fx | %s |\n", name, r.Parallelism, r.Stats.Total(), secs(r.median()), r.spread(), secs(r.bound()), r.ratio(), secs(r.cpu()))
	}
	row("apply from empty, through moto", res.Apply)
	row("plan, through moto", res.Plan)
	for _, r := range res.Replay {
		row("plan, moto's answers replayed", r)
	}
	fmt.Fprintf(&b, "\nThrough moto, its own time per call (%s on average, queueing included) adds to the delay: the plan's bound with it is %s.\n", res.Plan.upstreamMean().Round(100*time.Microsecond), secs(res.Plan.boundWithServer()))
	b.WriteString(manyEnd + "\n")

	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(old)
	if i := strings.Index(text, manyBegin); i >= 0 {
		j := strings.Index(text[i:], manyEnd)
		if j < 0 {
			return fmt.Errorf("%s has %q without %q; fix the file by hand", path, manyBegin, manyEnd)
		}
		text = text[:i] + b.String() + text[i+j+len(manyEnd)+1:]
	} else {
		if !strings.Contains(text, analysisMarker) {
			text += "\n" + analysisMarker + "\n"
		}
		text = strings.TrimRight(text, "\n") + "\n\n" + b.String()
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
