package main

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams carries the three standard streams and what is known about them:
// data goes to Out, progress, prompts and errors to ErrOut, colour only when
// Out is a terminal and NO_COLOR is unset or empty.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	noColorEnv            bool
}

func systemIO() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		inTTY: isTerminal(os.Stdin), outTTY: isTerminal(os.Stdout), errTTY: isTerminal(os.Stderr),
		noColorEnv: noColorSet(os.Getenv("NO_COLOR")),
	}
}

// noColorSet follows no-color.org: NO_COLOR disables colour when it is set
// to a non-empty value; NO_COLOR= (empty) does not.
func noColorSet(value string) bool { return value != "" }

// testIO returns streams backed by buffers; tty sets all three as terminals.
func testIO(stdin string, tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: bytes.NewBufferString(stdin), Out: out, ErrOut: errOut, inTTY: tty, outTTY: tty, errTTY: tty}, out, errOut
}

// isTerminal asks the terminal driver. A character device is not enough:
// /dev/null is one, and `login --print > /dev/null` is not a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Color reports whether stdout output may be coloured.
func (s *IOStreams) Color(noColorFlag bool) bool {
	return s.outTTY && !s.noColorEnv && !noColorFlag
}

// CanPrompt reports whether a person can answer a question.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY }

// Interactive reports whether progress lines are worth printing.
func (s *IOStreams) Interactive() bool { return s.errTTY }
