// Command ecrbench is `make bench`: it measures ecrctl against moto behind a
// latency-injecting proxy and writes bench/results.md.
//
// For each N it seeds N repositories (lifecycle policy, repository policy,
// tags) straight into moto with the AWS SDK, then times `ecrctl plan` on a
// spec that manages all of them (wall time, peak RSS, API calls by operation
// as the proxy counted them), times `ecrctl apply --auto-approve` creating
// them all from an empty registry, and, at one N, times a shell loop around
// the AWS CLI doing the same reads and `plan` at several --parallelism values.
// Each plan runs both through moto and with moto's recorded answers replayed
// by the proxy, because moto serves fewer calls per second than the bound
// asks for. It also runs the Diff+render micro-benchmark on one core.
//
// Run it from the repository root after `make build`:
//
//	go run ./bench/cmd/ecrbench -ecrctl bin/ecrctl
//	BENCH_N=100,1000,5000 go run ./bench/cmd/ecrbench   # 5000 on request
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecrctl/ecrctl/bench/latencyproxy"

	"github.com/ecrctl/ecrctl/internal/motoserver"
)

type config struct {
	ecrctl      string
	out         string
	ns          []int
	delay       time.Duration
	repeat      int
	sweep       []int
	sweepN      int
	cliN        int
	seedWorkers int
	microbench  bool
	timeout     time.Duration
	ecrctlEnv   []string // extra KEY=VALUE for ecrctl, e.g. GOMEMLIMIT=80MiB
	many        string   // "RxN": measure only R registries of N repositories in one run
	args        []string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ecrbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ecrbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	cfg := config{args: args}
	fs := flag.NewFlagSet("ecrbench", flag.ContinueOnError)
	ns := fs.String("n", envOr("BENCH_N", "100,1000"), "repository counts to measure, comma-separated (env BENCH_N; add 5000 on request)")
	sweep := fs.String("sweep", envOr("BENCH_SWEEP", "5,10,20,50"), "--parallelism values for the plan sweep (env BENCH_SWEEP; empty to skip)")
	fs.StringVar(&cfg.ecrctl, "ecrctl", "bin/ecrctl", "the ecrctl binary to measure")
	fs.StringVar(&cfg.out, "out", "bench/results.md", "results file")
	fs.DurationVar(&cfg.delay, "delay", 20*time.Millisecond, "injected delay per request")
	fs.IntVar(&cfg.repeat, "repeat", 3, "plan runs per configuration (the median wall time is reported)")
	fs.IntVar(&cfg.sweepN, "sweep-n", 1000, "N at which to sweep --parallelism (must be in -n)")
	fs.IntVar(&cfg.cliN, "cli-n", 100, "N at which to run the AWS CLI baseline (must be in -n; 0 to skip)")
	fs.IntVar(&cfg.seedWorkers, "seed-workers", 8, "concurrent repositories while seeding moto")
	fs.BoolVar(&cfg.microbench, "microbench", true, "run the Diff+render micro-benchmark (go test -bench) on one core")
	fs.DurationVar(&cfg.timeout, "timeout", 15*time.Minute, "limit for any one command")
	fs.StringVar(&cfg.many, "many", os.Getenv("BENCH_MANY"), "measure only one run over many registries, REGISTRIESxREPOSITORIES (e.g. 10x100; env BENCH_MANY): apply, plan through moto and replayed at each -sweep parallelism; writes its own section of results.md")
	extraEnv := fs.String("ecrctl-env", os.Getenv("BENCH_ECRCTL_ENV"), "extra environment for ecrctl, comma-separated KEY=VALUE (env BENCH_ECRCTL_ENV), e.g. GOMEMLIMIT=80MiB")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	var err error
	if cfg.ns, err = intList(*ns); err != nil || len(cfg.ns) == 0 {
		return cfg, fmt.Errorf("-n %q: want a comma-separated list of counts", *ns)
	}
	if cfg.sweep, err = intList(*sweep); err != nil {
		return cfg, fmt.Errorf("-sweep %q: %w", *sweep, err)
	}
	for _, kv := range strings.Split(*extraEnv, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		if !strings.Contains(kv, "=") {
			return cfg, fmt.Errorf("-ecrctl-env %q: want KEY=VALUE", kv)
		}
		cfg.ecrctlEnv = append(cfg.ecrctlEnv, kv)
	}
	if cfg.many != "" {
		if _, _, err := parseMany(cfg.many); err != nil {
			return cfg, err
		}
	}
	if cfg.repeat < 1 {
		return cfg, errors.New("-repeat must be at least 1")
	}
	return cfg, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench holds what every measurement needs.
type bench struct {
	cfg      config
	dir      string
	moto     *motoserver.Server
	proxy    *latencyproxy.Proxy
	proxyURL string
	ecrEnv   []string
	res      *results
}

func run(ctx context.Context, cfg config) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (go.mod not found)")
	}
	bin, err := filepath.Abs(cfg.ecrctl)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("ecrctl binary %s: %w (run `make build` first)", cfg.ecrctl, err)
	}
	cfg.ecrctl = bin
	dir, err := os.MkdirTemp("", "ecrbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // best effort

	b := &bench{cfg: cfg, dir: dir, res: &results{Started: time.Now(), Delay: cfg.delay, Repeat: cfg.repeat, Args: cfg.args, LoadStart: loadAvg()}}
	b.res.Machine = machineInfo(ctx, bin)
	if b.res.DefaultParallelism, err = defaultParallelism(ctx, bin); err != nil {
		return err
	}
	logf("machine: %s; ecrctl default --parallelism %d; 1-minute load average %.2f", b.res.Machine.summary(), b.res.DefaultParallelism, b.res.LoadStart)

	logf("starting moto")
	motoAccount := account
	if cfg.many != "" {
		// Assumed roles act in their own accounts only when moto runs
		// without MOTO_ACCOUNT_ID, which would override them.
		motoAccount = ""
	}
	if b.moto, err = motoserver.Start(motoserver.Options{Account: motoAccount, StartTimeout: 30 * time.Second}); err != nil {
		return err
	}
	defer b.moto.Stop()

	target, _ := url.Parse(b.moto.URL)
	b.proxy = latencyproxy.New(target, cfg.delay)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: b.proxy, ConnState: b.proxy.ConnState, ReadHeaderTimeout: time.Minute}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close() //nolint:errcheck // shutting down
	b.proxyURL = "http://" + l.Addr().String()

	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	b.ecrEnv = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_ACCESS_KEY_ID=bench",
		"AWS_SECRET_ACCESS_KEY=bench",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"NO_COLOR=1",
		// Roles are assumed from moto's STS, through the proxy.
		"AWS_ENDPOINT_URL_STS=" + b.proxyURL,
	}
	// gctrace costs a line per collection and tells the live heap behind
	// the peak RSS.
	if !slices.ContainsFunc(cfg.ecrctlEnv, func(kv string) bool { return strings.HasPrefix(kv, "GODEBUG=") }) {
		b.ecrEnv = append(b.ecrEnv, "GODEBUG=gctrace=1")
	}
	b.ecrEnv = append(b.ecrEnv, cfg.ecrctlEnv...)
	b.res.EcrctlEnv = cfg.ecrctlEnv

	if cfg.many != "" {
		if err := b.measureMany(ctx, filepath.Join(dir, "many")); err != nil {
			return err
		}
		logf("wrote the many-registries section of %s (%s in all)", cfg.out, time.Since(b.res.Started).Round(time.Second))
		return nil
	}
	for _, n := range cfg.ns {
		if err := b.measureN(ctx, n); err != nil {
			return err
		}
		// Write what is known so far: a long run that fails late keeps its figures.
		if err := b.res.write(cfg.out); err != nil {
			return err
		}
	}
	if cfg.microbench {
		logf("micro-benchmark: go test -bench=DiffAndRender (GOMAXPROCS=1)")
		mb, err := microbench(ctx)
		if err != nil {
			// The other figures stand; the results say what failed.
			logf("micro-benchmark failed: %s", firstLines(err.Error(), 6))
			mb = &microResult{Command: microCommand, Failed: firstLines(err.Error(), 12)}
		}
		b.res.Micro = mb
	}
	b.res.Finished = time.Now()
	if err := b.res.write(cfg.out); err != nil {
		return err
	}
	logf("wrote %s (%s in all)", cfg.out, b.res.Finished.Sub(b.res.Started).Round(time.Second))
	return nil
}

func (b *bench) measureN(ctx context.Context, n int) error {
	spec := filepath.Join(b.dir, fmt.Sprintf("registry-%d.yaml", n))
	if err := writeSpec(spec, n); err != nil {
		return err
	}
	row := &nResult{N: n}
	b.res.Ns = append(b.res.Ns, row)

	// Seed straight into moto (not through the proxy).
	if err := b.moto.Reset(); err != nil {
		return err
	}
	logf("N=%d: seeding %d repositories into moto (%d workers)", n, n, b.cfg.seedWorkers)
	start := time.Now()
	if err := seed(ctx, newSDKClient(b.moto.URL, b.cfg.seedWorkers), n, b.cfg.seedWorkers); err != nil {
		return err
	}
	row.Seed = time.Since(start)
	row.SeedCalls = 3 * n
	logf("N=%d: seeded in %s", n, row.Seed.Round(time.Millisecond))

	// First, unmeasured as a drift check: the seeded registry matches the
	// spec, so plan must find nothing to change. At 0 ms delay it is also
	// moto's floor, and the proxy records moto's answers for replay.
	b.proxy.Forget()
	floor, err := b.plan(ctx, spec, n, 0, 0, 1, latencyproxy.Record)
	if err != nil {
		return err
	}
	row.Floor = floor
	logf("N=%d: plan at 0 ms delay (moto alone): %s", n, floor.median().Round(time.Millisecond))

	if row.Plan, err = b.plan(ctx, spec, n, b.cfg.delay, 0, b.cfg.repeat, latencyproxy.Forward); err != nil {
		return err
	}
	logf("N=%d: plan through moto at %s delay, parallelism %d: median %s over %d runs, %d calls, peak RSS %.1f MB",
		n, b.cfg.delay, row.Plan.Parallelism, row.Plan.median().Round(time.Millisecond), b.cfg.repeat, row.Plan.Stats.Total(), row.Plan.MaxRSS)
	if row.Replay, err = b.plan(ctx, spec, n, b.cfg.delay, 0, b.cfg.repeat, latencyproxy.Replay); err != nil {
		return err
	}
	logf("N=%d: plan replayed at %s delay, parallelism %d: median %s over %d runs, peak RSS %.1f MB",
		n, b.cfg.delay, row.Replay.Parallelism, row.Replay.median().Round(time.Millisecond), b.cfg.repeat, row.Replay.MaxRSS)

	if n == b.cfg.sweepN {
		for _, sp := range b.cfg.sweep {
			rr, err := b.plan(ctx, spec, n, b.cfg.delay, sp, b.cfg.repeat, latencyproxy.Replay)
			if err != nil {
				return err
			}
			rm, err := b.plan(ctx, spec, n, b.cfg.delay, sp, b.cfg.repeat, latencyproxy.Forward)
			if err != nil {
				return err
			}
			b.res.Sweep = append(b.res.Sweep, sweepRow{Replay: rr, Moto: rm})
			logf("N=%d: plan --parallelism %d: replayed %s, through moto %s, %d connections",
				n, sp, rr.median().Round(time.Millisecond), rm.median().Round(time.Millisecond), rr.Stats.Connections)
		}
		b.res.SweepN = n
	}
	b.proxy.SetMode(latencyproxy.Forward)
	b.proxy.Forget()

	if n == b.cfg.cliN {
		logf("N=%d: AWS CLI baseline (about %d CLI processes)", n, 1+3*n)
		cli, err := b.cliBaseline(ctx, n)
		if err != nil {
			return err
		}
		b.res.CLI = cli
		logf("N=%d: AWS CLI loop: %s, %d calls", n, cli.Walls[0].Round(time.Millisecond), cli.Stats.Total())
	}

	// apply from an empty registry.
	if err := b.moto.Reset(); err != nil {
		return err
	}
	if row.Apply, err = b.apply(ctx, spec, n); err != nil {
		return err
	}
	logf("N=%d: apply from empty: %s, %d calls, peak RSS %.1f MB", n, row.Apply.median().Round(time.Millisecond), row.Apply.Stats.Total(), row.Apply.MaxRSS)
	// The applied registry must be converged.
	if _, err := b.plan(ctx, spec, n, 0, 0, 1, latencyproxy.Forward); err != nil {
		return fmt.Errorf("after apply: %w", err)
	}
	row.MotoRSS = rssMB(b.moto.Pid())
	return nil
}

// plan runs `ecrctl plan --detailed-exitcode` repeat times with the proxy at
// delay in mode; parallelism 0 leaves ecrctl's default. Any exit but 0 (no
// changes) is an error, and so is a replayed run that reached moto.
func (b *bench) plan(ctx context.Context, spec string, n int, delay time.Duration, parallelism, repeat int, mode latencyproxy.Mode) (*runResult, error) {
	args := []string{"plan", "-f", spec, "--endpoint-url", b.proxyURL, "--detailed-exitcode", "--no-color"}
	if parallelism > 0 {
		args = append(args, "--parallelism", strconv.Itoa(parallelism))
	}
	eff := parallelism
	if eff == 0 {
		eff = b.res.DefaultParallelism
	}
	r := &runResult{N: n, Delay: delay, Parallelism: eff, Replayed: mode == latencyproxy.Replay}
	b.proxy.SetDelay(delay)
	b.proxy.SetMode(mode)
	for i := range repeat {
		b.proxy.Reset()
		m, err := b.ecrctlRun(ctx, args)
		if err != nil {
			return nil, err
		}
		if m.Code != 0 {
			return nil, fmt.Errorf("ecrctl %s: exit %d, want 0 (no changes); the seeded registry does not match the spec\n%s%s", strings.Join(args, " "), m.Code, tail(m.Stdout), tail(m.Stderr))
		}
		st := b.proxy.Stats()
		if mode == latencyproxy.Replay && (st.Misses > 0 || st.Replayed != st.Total()) {
			return nil, fmt.Errorf("replayed plan: %d of %d calls were answered from the recording, %d reads were not recorded", st.Replayed, st.Total(), st.Misses)
		}
		if i > 0 && !mapsEqual(st.Calls, r.Stats.Calls) {
			return nil, fmt.Errorf("plan made different calls on repeat %d: %v, then %v", i+1, r.Stats.Calls, st.Calls)
		}
		r.add(m, st)
	}
	return r, nil
}

func (b *bench) apply(ctx context.Context, spec string, n int) (*runResult, error) {
	args := []string{"apply", "-f", spec, "--endpoint-url", b.proxyURL, "--auto-approve", "--no-color"}
	b.proxy.SetMode(latencyproxy.Forward)
	b.proxy.SetDelay(b.cfg.delay)
	b.proxy.Reset()
	m, err := b.ecrctlRun(ctx, args)
	if err != nil {
		return nil, err
	}
	if want := fmt.Sprintf("Apply complete! Resources: %d added, 0 changed, 0 destroyed.", n); m.Code != 0 || !strings.Contains(m.Stdout, want) {
		return nil, fmt.Errorf("ecrctl %s: exit %d, want 0 and %q\n%s%s", strings.Join(args, " "), m.Code, want, tail(m.Stdout), tail(m.Stderr))
	}
	r := &runResult{N: n, Delay: b.cfg.delay, Parallelism: b.res.DefaultParallelism}
	r.add(m, b.proxy.Stats())
	return r, nil
}

func (b *bench) ecrctlRun(ctx context.Context, args []string) (measured, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	m, err := runMeasured(ctx, b.dir, b.ecrEnv, b.cfg.ecrctl, args...)
	b.res.sampleLoad()
	return m, err
}

// loadAvg is the 1-minute load average (-1 when unknown). Other work on the
// machine slows every figure here, so the results show it.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	if _, err := fmt.Sscanf(string(b), "%f", &l); err != nil {
		return -1
	}
	return l
}

// cliScript is the baseline drift check: a plain loop of AWS CLI calls,
// one process per call, reading what plan reads.
const cliScript = `set -euo pipefail
aws=$1 ep=$2 region=$3
common=(--endpoint-url "$ep" --region "$region")
list=$("$aws" ecr describe-repositories "${common[@]}" --output text --query 'repositories[].[repositoryName,repositoryArn]')
while read -r name arn; do
  [ -n "$name" ] || continue
  "$aws" ecr get-lifecycle-policy --repository-name "$name" "${common[@]}" --output json >/dev/null
  "$aws" ecr get-repository-policy --repository-name "$name" "${common[@]}" --output json >/dev/null
  "$aws" ecr list-tags-for-resource --resource-arn "$arn" "${common[@]}" --output json >/dev/null
done <<<"$list"
`

func (b *bench) cliBaseline(ctx context.Context, n int) (*runResult, error) {
	awsBin, note := resolveAWS(ctx)
	b.res.Machine.AWSPath, b.res.Machine.AWSNote = awsBin, note
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	home := filepath.Join(b.dir, "home")
	env = append(env,
		"AWS_ACCESS_KEY_ID=bench",
		"AWS_SECRET_ACCESS_KEY=bench",
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	b.proxy.SetMode(latencyproxy.Forward)
	b.proxy.SetDelay(b.cfg.delay)
	b.proxy.Reset()
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	m, err := runMeasured(ctx, b.dir, env, "bash", "-c", cliScript, "cli-baseline", awsBin, b.proxyURL, region)
	b.res.sampleLoad()
	if err != nil {
		return nil, err
	}
	if m.Code != 0 {
		return nil, fmt.Errorf("the AWS CLI loop exited %d\n%s", m.Code, tail(m.Stderr))
	}
	r := &runResult{N: n, Delay: b.cfg.delay, Parallelism: 1}
	r.add(m, b.proxy.Stats())
	return r, nil
}

// resolveAWS finds the AWS CLI's own script behind a pyenv shim, so the
// baseline does not pay the shim's extra process start per call (the
// baseline is then as fast as it can be).
func resolveAWS(ctx context.Context) (path, note string) {
	if out, err := exec.CommandContext(ctx, "pyenv", "which", "aws").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			return p, "resolved with `pyenv which aws`, so no pyenv shim runs per call"
		}
	}
	p, err := exec.LookPath("aws")
	if err != nil {
		return "aws", ""
	}
	return p, ""
}

var defaultParRe = regexp.MustCompile(`--parallelism int\s.*\(default (\d+)\)`)

// defaultParallelism reads ecrctl's --parallelism default from its help, so
// the figures follow the binary when the default changes.
func defaultParallelism(ctx context.Context, bin string) (int, error) {
	out, err := exec.CommandContext(ctx, bin, "plan", "--help").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ecrctl plan --help: %w\n%s", err, out)
	}
	m := defaultParRe.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("ecrctl plan --help does not show a --parallelism default:\n%s", out)
	}
	return strconv.Atoi(string(m[1]))
}

var benchLineRe = regexp.MustCompile(`(?m)^(BenchmarkDiffAndRender\S*)\s+(\d+)\s+(\d+(?:\.\d+)?) ns/op(?:\s+(\d+) B/op\s+(\d+) allocs/op)?`)

var microArgs = []string{"test", "-count=1", "-run=^$", "-bench=DiffAndRender", "-benchtime=3x", "-benchmem", "./internal/reconcile"}

var microCommand = "GOMAXPROCS=1 go " + strings.Join(microArgs, " ")

func microbench(ctx context.Context) (*microResult, error) {
	args := microArgs
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	m := benchLineRe.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("no BenchmarkDiffAndRender line in:\n%s", out)
	}
	ns, _ := strconv.ParseFloat(string(m[3]), 64)
	r := &microResult{Name: string(m[1]), Command: microCommand, NsPerOp: ns}
	r.BytesPerOp, _ = strconv.ParseInt(string(m[4]), 10, 64)
	r.AllocsPerOp, _ = strconv.ParseInt(string(m[5]), 10, 64)
	return r, nil
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 30 {
		lines = append([]string{"..."}, lines[len(lines)-30:]...)
	}
	return strings.Join(lines, "\n") + "\n"
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s ecrbench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// machineInfo describes where the figures come from.
func machineInfo(ctx context.Context, bin string) machine {
	m := machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb float64
				if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
					m.MemGiB = kb / 1024 / 1024
				}
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "nproc").Output(); err == nil {
		m.Nproc = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "python3", "-c", "import moto; print(moto.__version__)").Output(); err == nil {
		m.Moto = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "aws", "--version").CombinedOutput(); err == nil {
		m.AWSCLI = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, bin, "version").CombinedOutput(); err == nil {
		m.Ecrctl = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	m.Kernel = kernel()
	return m
}
