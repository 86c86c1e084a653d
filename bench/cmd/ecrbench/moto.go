package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// moto is a running `python3 -m moto.server` on a free loopback port, in its
// own process group so that stop ends it and anything it started.
type moto struct {
	URL     string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has been waited for
	waitErr error         // set before exited is closed
	log     *lockedBuffer
}

func startMoto(account string) (*moto, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	m := &moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{}), log: &lockedBuffer{}}
	m.cmd = exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	m.cmd.Env = append(os.Environ(), "MOTO_ACCOUNT_ID="+account)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto (python3 -m moto.server): %w", err)
	}
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.exited)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-m.exited:
			return nil, fmt.Errorf("moto exited before answering (%w); its output:\n%s", m.waitErr, m.log.String())
		default:
		}
		if m.reset() == nil {
			return m, nil
		}
		if time.Now().After(deadline) {
			m.stop()
			return nil, fmt.Errorf("moto did not answer on %s within 30s; its output:\n%s", m.URL, m.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reset wipes all emulated state (POST /moto-api/reset).
func (m *moto) reset() error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(m.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck // drained below
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /moto-api/reset: %s", resp.Status)
	}
	return nil
}

// rssMB is moto's resident set size now, from /proc (0 when unknown).
func (m *moto) rssMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return kb * 1024 / 1e6
			}
		}
	}
	return 0
}

func (m *moto) stop() {
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.exited
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var gctraceRe = regexp.MustCompile(`(?m)^gc \d+ @.*, (\d+)->(\d+)->(\d+) MB, `)

// maxLiveHeap reads Go's gctrace lines ("... 78->85->48 MB, 90 MB goal")
// and returns the largest live heap after a collection, in MB.
func maxLiveHeap(stderr string) float64 {
	live := 0
	for _, m := range gctraceRe.FindAllStringSubmatch(stderr, -1) {
		if n, err := strconv.Atoi(m[3]); err == nil {
			live = max(live, n)
		}
	}
	return float64(live)
}

// measured is one child process run: its wall time, peak RSS and exit code.
type measured struct {
	Wall     time.Duration
	CPU      time.Duration // user + system time of the child and its waited-for children
	MaxRSS   float64       // MB (10^6 bytes), from the child's rusage (largest process of its tree)
	Code     int
	LiveHeap float64 // MB, the largest heap left after a collection (from GODEBUG=gctrace=1), 0 when unknown
	Stdout   string
	Stderr   string
	TimedOut bool
}

// runMeasured runs name args with env in dir and measures it. A non-zero
// exit is returned in Code, not as an error.
func runMeasured(ctx context.Context, dir string, env []string, name string, args ...string) (measured, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	m := measured{Wall: time.Since(start), Stdout: stdout.String(), Stderr: stderr.String()}
	if cmd.ProcessState == nil {
		return m, fmt.Errorf("running %s: %w", name, err)
	}
	m.Code = cmd.ProcessState.ExitCode()
	m.TimedOut = ctx.Err() != nil
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.MaxRSS = float64(ru.Maxrss) * 1024 / 1e6 // Linux reports KiB
		m.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	m.LiveHeap = maxLiveHeap(m.Stderr)
	if m.TimedOut {
		return m, fmt.Errorf("%s %s timed out after %s", name, strings.Join(args, " "), m.Wall.Round(time.Second))
	}
	return m, nil
}
