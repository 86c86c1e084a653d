package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/reconcile"
)

// eraseLine returns the cursor to the start of the line and clears it.
const eraseLine = "\r\x1b[K"

// liveLine is one line of progress on a terminal's stderr, rewritten in
// place and erased when the work ends, so it never stays in the scrollback
// and never reaches stdout. Lines written through it (apply's
// per-repository lines) erase it first and redraw it below themselves, so
// the two never interleave. A nil *liveLine does nothing.
type liveLine struct {
	mu    sync.Mutex
	w     io.Writer
	text  string
	shown bool
}

// LiveLine returns a progress line on stderr, or nil when stderr is not a
// terminal or colour and escape sequences are turned off (--no-color,
// NO_COLOR): then output stays exactly as it is without progress.
func (s *IOStreams) LiveLine(noColorFlag bool) *liveLine {
	if !s.errTTY || s.noColorEnv || noColorFlag {
		return nil
	}
	return &liveLine{w: s.ErrOut}
}

// Set shows text in place of the line's previous text.
func (l *liveLine) Set(text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text = text
	l.draw()
}

func (l *liveLine) draw() {
	fmt.Fprint(l.w, eraseLine+l.text)
	l.shown = true
}

// Write writes whole lines above the progress line.
func (l *liveLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		fmt.Fprint(l.w, eraseLine)
		l.shown = false
	}
	n, err := l.w.Write(p)
	if l.text != "" {
		l.draw()
	}
	return n, err
}

// Clear erases the line; the cursor is left at the start of an empty line.
func (l *liveLine) Clear() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		fmt.Fprint(l.w, eraseLine)
		l.shown = false
	}
	l.text = ""
}

// readProgressText is the live line of a plan's read.
func readProgressText(region string, p reconcile.ReadProgress) string {
	if p.Stage == reconcile.ReadImages {
		return fmt.Sprintf("Reading images where the lifecycle policy changes: %d/%d %s", p.Done, p.Total, format.Plural(p.Total, "repository", "repositories"))
	}
	return fmt.Sprintf("Reading live ECR state in %s: %d/%d %s", region, p.Done, p.Total, format.Plural(p.Total, "repository", "repositories"))
}

// runProgressText is the live line of a plan over several registries: the
// repositories read in all of them, then the images. repos and images hold
// each registry's progress in the two stages.
func runProgressText(repos, images []reconcile.ReadProgress) string {
	var r, im reconcile.ReadProgress
	for i := range repos {
		r.Done, r.Total = r.Done+repos[i].Done, r.Total+repos[i].Total
		im.Done, im.Total = im.Done+images[i].Done, im.Total+images[i].Total
	}
	if im.Total > 0 && r.Done == r.Total {
		return fmt.Sprintf("Reading images where the lifecycle policy changes: %d/%d %s", im.Done, im.Total, format.Plural(im.Total, "repository", "repositories"))
	}
	return fmt.Sprintf("Reading live ECR state in %d registries: %d/%d %s", len(repos), r.Done, r.Total, format.Plural(r.Total, "repository", "repositories"))
}

// applyProgressText is the live line of an apply.
func applyProgressText(p reconcile.ApplyProgress) string {
	return fmt.Sprintf("Applying: %d/%d %s", p.Done, p.Total, format.Plural(p.Total, "step", "steps"))
}
