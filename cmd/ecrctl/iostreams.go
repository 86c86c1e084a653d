package main

import (
	"bytes"
	"io"
	"os"
)

// IOStreams carries the three standard streams and what is known about them:
// data goes to Out, progress, prompts and errors to ErrOut, colour only when
// Out is a terminal and NO_COLOR is unset.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	noColorEnv            bool
}

func systemIO() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		inTTY: isTerminal(os.Stdin), outTTY: isTerminal(os.Stdout), errTTY: isTerminal(os.Stderr),
		noColorEnv: noColor,
	}
}

// testIO returns streams backed by buffers; tty sets all three as terminals.
func testIO(stdin string, tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: bytes.NewBufferString(stdin), Out: out, ErrOut: errOut, inTTY: tty, outTTY: tty, errTTY: tty}, out, errOut
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Color reports whether stdout output may be coloured.
func (s *IOStreams) Color(noColorFlag bool) bool {
	return s.outTTY && !s.noColorEnv && !noColorFlag
}

// CanPrompt reports whether a person can answer a question.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY }

// Interactive reports whether progress lines are worth printing.
func (s *IOStreams) Interactive() bool { return s.errTTY }
