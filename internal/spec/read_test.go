package spec_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// Read names its source as given ("<stdin>" for -f -) in every problem.
func TestReadNamesTheSource(t *testing.T) {
	f, err := spec.Read("<stdin>", strings.NewReader("version: 1\nrepositories:\n  - name: app\n"))
	if err != nil || f.Path != "<stdin>" || len(f.Repositories) != 1 {
		t.Fatalf("Read = %+v, %v", f, err)
	}
	_, err = spec.Read("<stdin>", strings.NewReader("version: 1\nrepositories:\n  - name: Bad_Name\n"))
	var ps spec.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.HasPrefix(ps[0].Error(), "<stdin>:3:11: repositories[0].name: ") {
		t.Errorf("err = %v, want one problem at <stdin>:3:11", err)
	}
	_, err = spec.Read("<stdin>", io.LimitReader(zeros{}, spec.MaxFileSize+10))
	if err == nil || !strings.Contains(err.Error(), "<stdin>: file is over the") {
		t.Errorf("an oversized stdin: err = %v", err)
	}
}

// A stdin whose writer never finishes does not hold the command after an
// interrupt.
func TestReadContextGivesUpWhenInterrupted(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close() //nolint:errcheck // test pipe
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := spec.ReadContext(ctx, "<stdin>", r)
	if err == nil || !strings.Contains(err.Error(), "interrupted while reading the spec <stdin>") {
		t.Errorf("err = %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
