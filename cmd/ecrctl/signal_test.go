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
		ctx, _, _ := interruptContext(io)
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

// TestSignalsInsideAReplacementWindow: while a replacement is between its
// delete and its last setting, no SIGINT or SIGTERM ends the process; the
// absorbed signals are reported once, and the exit they asked for happens
// when the window closes.
func TestSignalsInsideAReplacementWindow(t *testing.T) {
	if os.Getenv("ECRCTL_SIGNAL_CHILD") == "window" {
		io, _, _ := testIO("", false)
		io.ErrOut = os.Stderr
		ctx, guard, _ := interruptContext(io)
		guard.Enter("app")
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGINT, syscall.SIGTERM, syscall.SIGINT} {
			_ = syscall.Kill(os.Getpid(), sig)
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		if ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "child: the first signal did not cancel")
			os.Exit(3)
		}
		fmt.Fprintln(os.Stderr, "child: survived four signals")
		guard.Leave("app")
		time.Sleep(5 * time.Second)
		os.Exit(4) // leaving the window should have exited
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalsInsideAReplacementWindow$")
	cmd.Env = append(os.Environ(), "ECRCTL_SIGNAL_CHILD=window")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("child exit = %v, want 130; output:\n%s", err, out)
	}
	text := string(out)
	if n := strings.Count(text, windowMessage); n != 1 {
		t.Errorf("the window message appears %d times, want once:\n%s", n, text)
	}
	survived := strings.Index(text, "child: survived four signals")
	exiting := strings.Index(text, "The replacement is done; exiting now")
	if survived < 0 || exiting < survived {
		t.Errorf("want survival, then the exit at the window's end:\n%s", text)
	}
	if strings.Contains(text, "Interrupt again to exit at once") {
		t.Errorf("inside a window, the first message must not promise an exit at once:\n%s", text)
	}
	if strings.Contains(text, "Exiting now;") {
		t.Errorf("a signal inside the window exited at once:\n%s", text)
	}
}

// TestOneSignalInsideAWindowDoesNotExit: the first signal inside a window
// (what `timeout -s INT` sends) only cancels; leaving the window does not
// exit, so apply can finish and report.
func TestOneSignalInsideAWindowDoesNotExit(t *testing.T) {
	if os.Getenv("ECRCTL_SIGNAL_CHILD") == "one" {
		io, _, _ := testIO("", false)
		io.ErrOut = os.Stderr
		ctx, guard, _ := interruptContext(io)
		guard.Enter("app")
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
		time.Sleep(100 * time.Millisecond)
		guard.Leave("app")
		time.Sleep(200 * time.Millisecond)
		fmt.Fprintln(os.Stderr, "child: still running after the window")
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOneSignalInsideAWindowDoesNotExit$")
	cmd.Env = append(os.Environ(), "ECRCTL_SIGNAL_CHILD=one")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: still running after the window") || !strings.Contains(string(out), windowMessage) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
