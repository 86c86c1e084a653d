package buildinfo

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func bi(version, sum string, settings ...string) *debug.BuildInfo {
	b := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ecrctl/ecrctl", Version: version, Sum: sum}}
	for i := 0; i+1 < len(settings); i += 2 {
		b.Settings = append(b.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return b
}

const rev = "63e5c84a1b2c3d4e5f60718293a4b5c6d7e8f901"

func TestFrom(t *testing.T) {
	base := Info{GoVersion: "go1.26.8", Platform: "linux/arm64"}
	with := func(f func(*Info)) Info { i := base; f(&i); return i }
	plat := []string{"GOOS", "linux", "GOARCH", "arm64"}
	tests := []struct {
		name  string
		bi    *debug.BuildInfo
		stamp Stamp
		want  Info
	}{
		{
			name: "go install @v1.2.3: module version, no VCS data",
			bi:   bi("v1.2.3", "h1:abc=", plat...),
			want: with(func(i *Info) { i.Version = "v1.2.3"; i.Sum = "h1:abc=" }),
		},
		{
			name: "go install @main: the pseudo-version names the commit",
			bi:   bi("v0.0.0-20261201022549-63e5c84a1b2c", "h1:def=", plat...),
			want: with(func(i *Info) {
				i.Version = "v0.0.0-20261201022549-63e5c84a1b2c"
				i.Revision = "63e5c84a1b2c"
				i.Sum = "h1:def="
			}),
		},
		{
			name: "pseudo-version after a pre-release tag",
			bi:   bi("v1.3.0-rc.1.0.20261201022549-63e5c84a1b2c", "", plat...),
			want: with(func(i *Info) {
				i.Version = "v1.3.0-rc.1.0.20261201022549-63e5c84a1b2c"
				i.Revision = "63e5c84a1b2c"
			}),
		},
		{
			name: "go build in a dirty clone: VCS settings win over the pseudo-version",
			bi:   bi("v0.0.0-20261201022549-63e5c84a1b2c+dirty", "", append([]string{"vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-01T02:25:49Z", "vcs.modified", "true"}, plat...)...),
			want: with(func(i *Info) {
				i.Version = "v0.0.0-20261201022549-63e5c84a1b2c+dirty"
				i.Revision = rev
				i.Time = "2026-12-01T02:25:49Z"
				i.Modified = true
			}),
		},
		{
			name: "(devel) without VCS data is dev",
			bi:   bi("(devel)", "", plat...),
			want: with(func(i *Info) { i.Version = Devel }),
		},
		{
			name: "(devel) with VCS data keeps the revision",
			bi:   bi("(devel)", "", append([]string{"vcs.revision", rev, "vcs.modified", "false"}, plat...)...),
			want: with(func(i *Info) { i.Version = Devel; i.Revision = rev }),
		},
		{
			name:  "make build stamp wins over the build info",
			bi:    bi("(devel)", "", plat...),
			stamp: Stamp{Version: "v1.2.3-4-g63e5c84-dirty", Revision: rev},
			want:  with(func(i *Info) { i.Version = "v1.2.3-4-g63e5c84-dirty"; i.Revision = rev; i.Modified = true }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := From(tt.bi, tt.stamp)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("From (-want +got):\n%s", d)
			}
		})
	}
}

func TestFromNilBuildInfo(t *testing.T) {
	got := From(nil, Stamp{})
	if got.Version != Devel || got.Revision != "" || got.GoVersion == "" || !strings.Contains(got.Platform, "/") {
		t.Fatalf("From(nil) = %+v", got)
	}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{
			Info{Version: "v1.2.3", Sum: "h1:abc=", GoVersion: "go1.26.8", Platform: "darwin/arm64"},
			"ecrctl v1.2.3\n  revision: not recorded (Go builds a tagged module install without VCS data; the version names the commit)\n  module sum: h1:abc=\n  go: go1.26.8 darwin/arm64\n",
		},
		{
			Info{Version: Devel, Revision: rev, Time: "2026-12-01T02:25:49Z", Modified: true, GoVersion: "go1.26.8", Platform: "linux/amd64"},
			"ecrctl dev\n  revision: " + rev + " (with uncommitted changes)\n  commit time: 2026-12-01T02:25:49Z\n  go: go1.26.8 linux/amd64\n",
		},
		{
			Info{Version: Devel, GoVersion: "go1.26.8", Platform: "linux/amd64"},
			"ecrctl dev\n  revision: unknown (built without VCS information; make build records it)\n  go: go1.26.8 linux/amd64\n",
		},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tt.info.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tt.want, b.String()); d != "" {
			t.Errorf("WriteText(%+v) (-want +got):\n%s", tt.info, d)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	info := Info{Version: "v1.2.3", Revision: rev, Modified: true, GoVersion: "go1.26.8", Platform: "windows/amd64"}
	if err := info.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"version": "v1.2.3", "revision": rev, "modified": true, "go_version": "go1.26.8", "platform": "windows/amd64"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("JSON (-want +got):\n%s", d)
	}
}
