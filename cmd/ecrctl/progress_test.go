package main

import (
	"regexp"
	"strings"
	"testing"
)

// screen replays what a terminal shows for text written to it: "\r\x1b[K"
// erases the current line, "\n" ends it. A progress line that was erased
// cleanly leaves no trace; one that was not, or a line written into the
// middle of it, shows up.
func screen(text string) string {
	var done []string
	var cur strings.Builder
	for i := 0; i < len(text); {
		switch {
		case strings.HasPrefix(text[i:], eraseLine):
			cur.Reset()
			i += len(eraseLine)
		case text[i] == '\n':
			done = append(done, cur.String())
			cur.Reset()
			i++
		default:
			cur.WriteByte(text[i])
			i++
		}
	}
	out := strings.Join(done, "\n")
	if len(done) > 0 {
		out += "\n"
	}
	return out + cur.String()
}

// progressRun runs args on a fresh fake, with stderr a terminal or not;
// stdout is never a terminal, so colour cannot differ between the runs.
func progressRun(t *testing.T, errTTY, noColorEnv bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	h := newHarness(t, testSpec)
	h.run("", false, "apply", "--auto-approve", "--parallelism", "1") // something to plan against
	h.fake.ResetCalls()
	h.writeSpec(testSpec + "  - name: app-worker\n  - name: app-jobs\n    tags: {Team: jobs}\n")
	io, out, errOut := testIO("", false)
	io.errTTY, io.noColorEnv = errTTY, noColorEnv
	code = h.runIO(io, args...)
	return code, out.String(), errOut.String()
}

var readLine = regexp.MustCompile(`\r\x1b\[KReading live ECR state in us-west-2: (\d+)/4 repositories`)

// TestProgressOnTerminal: with stderr a terminal, plan and apply show live
// counts on stderr that end erased; stdout is byte for byte what it is
// without a terminal, and without one stderr has no progress at all.
func TestProgressOnTerminal(t *testing.T) {
	for _, args := range [][]string{
		{"plan", "--parallelism", "1"},
		{"apply", "--auto-approve", "--parallelism", "1"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, ttyOut, ttyErr := progressRun(t, true, false, args...)
			plainCode, plainOut, plainErr := progressRun(t, false, false, args...)
			if code != exitOK || plainCode != exitOK {
				t.Fatalf("exit %d on a terminal, %d without; stderr:\n%s", code, plainCode, ttyErr)
			}
			if ttyOut != plainOut {
				t.Errorf("stdout differs on a terminal:\n%q\nwithout:\n%q", ttyOut, plainOut)
			}
			if strings.ContainsAny(ttyOut, "\r\x1b") || strings.Contains(ttyOut, "Reading") || strings.Contains(ttyOut, "Applying:") {
				t.Errorf("progress reached stdout:\n%q", ttyOut)
			}
			if strings.ContainsAny(plainErr, "\r\x1b") || strings.Contains(plainErr, "Reading") || strings.Contains(plainErr, "Applying:") {
				t.Errorf("stderr without a terminal has progress:\n%q", plainErr)
			}
			// The count reaches the total: 2 repositories exist, 2 are new.
			m := readLine.FindAllStringSubmatch(ttyErr, -1)
			if len(m) == 0 || m[len(m)-1][1] != "4" {
				t.Errorf("no read count up to 4/4 on stderr:\n%q", ttyErr)
			}
			if !strings.HasSuffix(ttyErr, eraseLine) {
				t.Errorf("stderr does not end with the progress erased:\n%q", ttyErr)
			}
			// What stays on the terminal is exactly the output without one.
			if got := screen(ttyErr); got != plainErr {
				t.Errorf("the terminal keeps\n%q\nwant what a pipe gets\n%q", got, plainErr)
			}
			if args[0] == "apply" {
				// The count starts at 0 and runs to its total.
				steps := regexp.MustCompile(`\r\x1b\[KApplying: (\d+)/(\d+) steps`).FindAllStringSubmatch(ttyErr, -1)
				if len(steps) < 2 || steps[0][1] != "0" || steps[len(steps)-1][1] != steps[len(steps)-1][2] {
					t.Errorf("apply steps do not count from 0 to the total:\n%q", ttyErr)
				}
				if !strings.Contains(plainErr, "repository.app-worker: Creating...\n") {
					t.Errorf("no per-repository lines:\n%q", plainErr)
				}
			}
		})
	}
}

// TestNoProgressWithNoColor: --no-color and NO_COLOR keep stderr free of
// escape sequences even on a terminal; it shows the one static line it
// always showed there.
func TestNoProgressWithNoColor(t *testing.T) {
	for name, run := range map[string]func() (int, string, string){
		"--no-color": func() (int, string, string) { return progressRun(t, true, false, "plan", "--no-color") },
		"NO_COLOR":   func() (int, string, string) { return progressRun(t, true, true, "plan") },
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := run()
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.ContainsAny(stderr, "\r\x1b") {
				t.Errorf("escape sequences on stderr:\n%q", stderr)
			}
			if !strings.Contains(stderr, "Reading live ECR state in us-west-2 for 4 repositories...\n") {
				t.Errorf("the static read line is missing:\n%q", stderr)
			}
		})
	}
}
