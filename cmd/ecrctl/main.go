// Command ecrctl reconciles AWS ECR repositories with a declarative
// registry.yaml. This package is wiring only: flags, streams, exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecrctl/ecrctl/internal/reconcile"
)

func main() {
	f := defaultFactory()
	ctx, stop := interruptContext(f.IO)
	code := run(ctx, f, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, f *factory, args []string) int {
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
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

// interruptContext is cancelled by the first SIGINT or SIGTERM, so no new AWS
// call starts while calls in flight finish; a second signal exits at once.
func interruptContext(io *IOStreams) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		fmt.Fprintln(io.ErrOut, "\nInterrupt received: finishing the calls in flight, starting no new ones. Interrupt again to exit at once.")
		cancel()
		<-sigs
		if reconcile.Replacing() {
			// A replacement has deleted its repository: exiting now would
			// leave it gone with its settings unrecorded.
			fmt.Fprintln(io.ErrOut, "A replacement has deleted its repository and is creating the new one; waiting for it. Interrupt a third time to exit anyway.")
			<-sigs
		}
		fmt.Fprintln(io.ErrOut, "Exiting now; run plan to see what was applied.")
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}
