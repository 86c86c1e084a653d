package spec

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a spec file, located by line and field.
type Problem struct {
	File    string
	Line    int // 0 when the problem has no line (file missing, not UTF-8)
	Column  int
	Field   string // dotted path, e.g. repositories[1].encryption.kmsKey
	Message string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in one spec file, in file order. From
// LoadSet: the problems with the paths given (an empty directory, a file
// named twice), then every file's problems in the order given, then the
// conflicts between files.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
