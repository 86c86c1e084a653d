package format

import (
	"fmt"
	"testing"
)

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"Team", 4}, {"Größe", 5}, {"部署", 4}, {"tags.チーム", 11}, {"e\u0301", 1}, {"한국어", 6}, {"ｘ", 2},
	} {
		if got := Width(tc.s); got != tc.want {
			t.Errorf("Width(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
	if got := Pad("部署", 6) + "|"; got != "部署  |" {
		t.Errorf("Pad = %q", got)
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain café 部署", "plain café 部署"},
		{"evil\u202Etxt.exe", `evil\u202etxt.exe`},
		{"a\u2066b\u2069c\u200fd", `a\u2066b\u2069c\u200fd`},
		{"bell\x07 esc\x1b[31m del\x7f c1\u0085", `bell\u0007 esc\u001b[31m del\u007f c1\u0085`},
		{"tab\tnl\n", `tab\u0009nl\u000a`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEscapeTextKeepsLines(t *testing.T) {
	if got, want := EscapeText("line 1\tx\nline \u202e2\r"), "line 1\tx\nline \\u202e2\\u000d"; got != want {
		t.Errorf("EscapeText = %q, want %q", got, want)
	}
}

func TestList(t *testing.T) {
	var items []string
	for i := range 142 {
		items = append(items, fmt.Sprintf("r%d", i))
	}
	if got, want := List(items, 10), "r0, r1, r2, r3, r4, r5, r6, r7, r8, r9 and 132 more"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got := List(items[:3], 10); got != "r0, r1, r2" {
		t.Errorf("short List = %q", got)
	}
}
