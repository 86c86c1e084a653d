package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// rssMB is a process's resident set size now, from /proc (0 when unknown).
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
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
