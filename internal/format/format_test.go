package format

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB",
		300 << 20: "300.0 MiB", 1<<30 + 300<<20: "1.3 GiB", 5 << 40: "5.0 TiB",
		1 << 62: "4.0 EiB",
	} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCountAndPlural(t *testing.T) {
	cases := []struct {
		n    int
		want string
	}{{0, "0 images"}, {1, "1 image"}, {2, "2 images"}}
	for _, c := range cases {
		if got := Count(c.n, "image", "images"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if Plural(1, "repository", "repositories") != "repository" || Plural(3, "repository", "repositories") != "repositories" {
		t.Error("Plural picks the wrong form")
	}
}

func TestShortDigest(t *testing.T) {
	for in, want := range map[string]string{
		"sha256:0123456789abcdef0123": "sha256:0123456789ab",
		"sha256:0123":                 "sha256:0123",
		"other":                       "other",
	} {
		if got := ShortDigest(in); got != want {
			t.Errorf("ShortDigest(%q) = %q, want %q", in, got, want)
		}
	}
}
