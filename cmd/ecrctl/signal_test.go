package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupts runs itself in a child process: the first SIGINT must cancel
// the context (no new calls start), the second must exit at once with 130.
func TestInterrupts(t *testing.T) {
	if os.Getenv("ECRCTL_SIGNAL_CHILD") == "1" {
		io, _, _ := testIO("", false)
		io.ErrOut = os.Stderr
		ctx, _ := interruptContext(io)
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "child: context cancelled")
		case <-time.After(10 * time.Second):
			fmt.Fprintln(os.Stderr, "child: first signal did not cancel")
			os.Exit(3)
		}
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(10 * time.Second)
		os.Exit(4) // the second signal should have ended the process
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterrupts$")
	cmd.Env = append(os.Environ(), "ECRCTL_SIGNAL_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("child exit = %v, want 130; output:\n%s", err, out)
	}
	for _, want := range []string{"Interrupt received: finishing the calls in flight", "child: context cancelled", "Exiting now"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
