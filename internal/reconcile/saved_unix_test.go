//go:build unix

package reconcile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A pipe reports no size: the read stops one byte past the limit.
func TestReadPlanFileBoundsUnsizedInput(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "plan.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	written := make(chan int64, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			written <- -1
			return
		}
		n, _ := io.Copy(w, io.LimitReader(zeros{}, 10<<20)) // stops when the reader closes
		_ = w.Close()
		written <- n
	}()
	_, err := readPlanFile(fifo, 1<<20)
	if err == nil || !strings.Contains(err.Error(), "larger than that, over the 1 MiB limit") {
		t.Fatalf("err = %v", err)
	}
	if n := <-written; n >= 10<<20 {
		t.Errorf("the whole stream (%d bytes) was read; the limit is 1 MiB", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
