// Command ecrctl reconciles AWS ECR repositories with a declarative
// registry.yaml. This package is wiring only: flags, streams, exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	f := defaultFactory()
	ctx, guard, stop := interruptContext(f.IO)
	f.Guard = guard
	code := run(ctx, f, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, f *factory, args []string) int {
	root := newRootCmd(f)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ec exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ec):
		return ec.code
	case errors.Is(err, errReported):
		return exitError
	default:
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", err)
		return exitError
	}
}

// interrupts turns SIGINT and SIGTERM into the command's cancellation. The
// first signal cancels the context, so no new AWS call starts while calls in
// flight finish; a second one exits at once with 130. While a replacement is
// inside its window (from just before DeleteRepository is sent until the new
// repository has every carried-over setting) no signal ends the process:
// the signals are absorbed with one message, and an exit asked for meanwhile
// happens when the last window closes. It is the reconcile.Guard that apply
// reports its windows to.
type interrupts struct {
	errOut io.Writer
	cancel context.CancelFunc
	exit   func(code int)

	mu          sync.Mutex
	cancelled   bool // the first signal arrived
	open        int  // replacement windows open
	windowSaid  bool // the window message was printed
	exitPending bool // a signal asked to exit while a window was open
}

const windowMessage = "A replacement is between deleting a repository and recreating it with its settings: ecrctl ignores Ctrl-C and SIGTERM until that is done, then exits if interrupted again (only SIGKILL stops it now, and would leave the repository deleted; its restore file says how to recreate it)."

// Enter implements reconcile.Guard.
func (in *interrupts) Enter(string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.open++
}

// Leave implements reconcile.Guard.
func (in *interrupts) Leave(string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.open--
	if in.open == 0 && in.exitPending {
		fmt.Fprintln(in.errOut, "The replacement is done; exiting now as asked. Run plan to see what was applied.")
		in.exit(130)
	}
}

func (in *interrupts) signal() {
	in.mu.Lock()
	defer in.mu.Unlock()
	first := !in.cancelled
	if first {
		in.cancelled = true
		in.cancel()
		again := " Interrupt again to exit at once."
		if in.open > 0 {
			again = "" // the window message below says what a second one does
		}
		fmt.Fprintf(in.errOut, "\nInterrupt received: finishing the calls in flight, starting no new ones.%s\n", again)
	}
	if in.open > 0 {
		if !first {
			in.exitPending = true
		}
		if !in.windowSaid {
			in.windowSaid = true
			fmt.Fprintln(in.errOut, windowMessage)
		}
		return
	}
	if !first {
		fmt.Fprintln(in.errOut, "Exiting now; run plan to see what was applied.")
		in.exit(130)
	}
}

// interruptContext is cancelled by the first SIGINT or SIGTERM; see
// interrupts for what later signals do.
func interruptContext(io *IOStreams) (context.Context, *interrupts, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupts{errOut: io.ErrOut, cancel: cancel, exit: os.Exit}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stopped := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				in.signal()
			case <-stopped:
				return
			}
		}
	}()
	return ctx, in, func() { signal.Stop(sigs); close(stopped); cancel() }
}
