//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the child is blocked opening the FIFO
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
		if !strings.Contains(out.String(), "interrupted while reading the spec "+fifo) {
			t.Errorf("output lacks the reason:\n%s", out.String())
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Logf("killed: %v", <-done)
		t.Fatalf("validate -f FIFO ignored SIGTERM for 5 s; output:\n%s", out.String())
	}
}
