// Command ecrfake-server serves the in-memory ECR fake (internal/ecrfake)
// over HTTP with ECR's JSON protocol, so ecrctl, the AWS CLI or any SDK can
// use it as an endpoint. It needs nothing but Go: `make demo` uses it when
// moto is not installed.
//
//	go run ./internal/ecrfake/cmd/ecrfake-server -addr 127.0.0.1:0 -account 449870229058
//
// The first line on stdout is the endpoint URL; it serves until interrupted.
// State lives in memory and is lost on exit. Any credentials and signature
// are accepted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	account := flag.String("account", ecrfake.DefaultAccount, "12-digit account id the registry belongs to")
	region := flag.String("region", ecrfake.DefaultRegion, "region used in ARNs and URIs")
	verbose := flag.Bool("v", false, "log each request on stderr")
	flag.Parse()
	if err := run(*addr, *account, *region, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "ecrfake-server:", err)
		os.Exit(1)
	}
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

func run(addr, account, region string, verbose bool) error {
	if !accountRE.MatchString(account) {
		return fmt.Errorf("-account %q is not a 12-digit account id", account)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (pass another -addr)", addr, err)
	}
	fake := ecrfake.New(ecrfake.WithAccount(account), ecrfake.WithRegion(region),
		ecrfake.WithClock(func() time.Time { return time.Now().UTC() }))
	var h http.Handler = ecrfake.NewHandler(fake)
	if verbose {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.Printf("%s %s", r.Method, r.Header.Get("X-Amz-Target"))
			inner.ServeHTTP(w, r)
		})
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("http://%s\n", ln.Addr())
	fmt.Fprintf(os.Stderr, "ecrfake-server: in-memory ECR for account %s in %s; Ctrl-C stops it\n", account, region)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
