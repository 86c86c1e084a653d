//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestValidateFromFIFOHonoursSIGTERM: opening a FIFO with no writer blocks;
// one SIGTERM (what CI sends first) must end the command promptly with a
// message, not wait for a second signal.
func TestValidateFromFIFOHonoursSIGTERM(t *testing.T) {
	if fifo := os.Getenv("ECRCTL_FIFO_CHILD"); fifo != "" {
		f := defaultFactory()
		ctx, _, stop := interruptContext(f.IO)
		fmt.Fprintln(os.Stderr, "child: ready")
		code := run(ctx, f, []string{"validate", "-f", fifo})
		stop()
		os.Exit(code)
	}
	fifo := filepath.Join(t.TempDir(), "registry.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestValidateFromFIFOHonoursSIGTERM$")
	cmd.Env = append(os.Environ(), "ECRCTL_FIFO_CHILD="+fifo)
	var out syncBuffer
	ready := make(chan struct{})
	out.onLine("child: ready", func() { close(ready) })
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready: // signal handling is installed; the child now blocks opening the FIFO
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the child never got ready:\n%s", out.String())
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitError {
			t.Fatalf("exit = %v, want %d; output:\n%s", err, exitError, out.String())
		}
		if !strings.Contains(out.String(), "interrupted while reading the spec") {
			t.Errorf("output lacks the reason:\n%s", out.String())
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Logf("killed: %v", <-done)
		t.Fatalf("validate -f FIFO ignored SIGTERM for 5 s; output:\n%s", out.String())
	}
}

// syncBuffer collects a child's output and calls fn once when want appears.
type syncBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	fn   func()
}

func (b *syncBuffer) onLine(want string, fn func()) { b.want, b.fn = want, fn }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.fn != nil && strings.Contains(b.buf.String(), b.want) {
		b.fn()
		b.fn = nil
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
