//go:build unix

// Package motoserver runs moto's ECR emulator (`python3 -m moto.server`) on a
// free loopback port for the end-to-end tests and the benchmark harness.
package motoserver

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Options configure Start.
type Options struct {
	// Account is MOTO_ACCOUNT_ID: moto reads the account from the server's
	// environment, and then puts every request in it, even one made with an
	// assumed role's credentials. "" leaves it unset: each request acts in
	// the account of its credentials (an assumed role's, else 123456789012).
	Account      string
	StartTimeout time.Duration // how long to wait for the first answer
	// DieWithParent has the kernel kill moto if the caller dies without
	// stopping it (Linux only). The signal follows the OS thread that
	// started moto, so the caller should lock that thread (TestMain does).
	DieWithParent bool
}

// Server is a running moto in its own process group, so Stop ends it and
// anything it started.
type Server struct {
	URL     string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has been waited for
	waitErr error         // set before exited is closed
	log     *syncBuffer
}

// Start launches moto and waits until it answers.
func Start(o Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{}), log: &syncBuffer{}}
	s.cmd = exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	s.cmd.Env = os.Environ()
	if o.Account != "" {
		s.cmd.Env = append(s.cmd.Env, "MOTO_ACCOUNT_ID="+o.Account)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if o.DieWithParent {
		dieWithParent(s.cmd.SysProcAttr)
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto (python3 -m moto.server): %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(o.StartTimeout)
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("moto exited before answering (%w); its output:\n%s", s.waitErr, s.log.String())
		default:
		}
		if s.Reset() == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("moto did not answer on %s within %s; its output:\n%s", s.URL, o.StartTimeout, s.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Reset wipes all emulated state (POST /moto-api/reset).
func (s *Server) Reset() error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(s.URL+"/moto-api/reset", "application/json", nil)
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

// Stop ends moto's process group: SIGTERM, then SIGKILL after 5 s. Its exit
// status after a signal says nothing; only its end matters.
func (s *Server) Stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
}

// Pid is moto's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
