package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// A go install of a tagged module: the version comes from the build info.
func TestVersionFromBuildInfo(t *testing.T) {
	io, out, _ := testIO("", false)
	f := &factory{IO: io, ReadBuildInfo: func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/ecrctl/ecrctl", Version: "v0.0.0-20261201022549-63e5c84a1b2c", Sum: "h1:abc="},
			Settings:  []debug.BuildSetting{{Key: "GOOS", Value: "darwin"}, {Key: "GOARCH", Value: "arm64"}},
		}, true
	}}
	if code := run(context.Background(), f, []string{"version"}); code != exitOK {
		t.Fatalf("version exit %d", code)
	}
	want := "ecrctl v0.0.0-20261201022549-63e5c84a1b2c\n  revision: 63e5c84a1b2c\n  module sum: h1:abc=\n  go: go1.26.8 darwin/arm64\n"
	if out.String() != want {
		t.Fatalf("version =\n%s\nwant\n%s", out, want)
	}

	out.Reset()
	if code := run(context.Background(), f, []string{"version", "-o", "json"}); code != exitOK {
		t.Fatalf("version -o json exit %d", code)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("version -o json is not JSON: %v\n%s", err, out)
	}
	if got["version"] != "v0.0.0-20261201022549-63e5c84a1b2c" || got["revision"] != "63e5c84a1b2c" || got["platform"] != "darwin/arm64" {
		t.Fatalf("version -o json = %v", got)
	}
}

func TestVersionDevelAndBadFormat(t *testing.T) {
	io, out, errOut := testIO("", false)
	f := &factory{IO: io, ReadBuildInfo: func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true
	}}
	if code := run(context.Background(), f, []string{"version"}); code != exitOK || !strings.HasPrefix(out.String(), "ecrctl dev\n") {
		t.Fatalf("version of a (devel) build = %d %q", code, out)
	}
	if code := run(context.Background(), f, []string{"version", "-o", "yaml"}); code != exitError || !strings.Contains(errOut.String(), `-o "yaml" is not a format`) {
		t.Fatalf("version -o yaml = %d %q", code, errOut)
	}
}

// make build stamps what git says, through the ldflags names version.go
// declares: a renamed variable would silently leave "dev".
func TestMakeBuildStampsGitVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"git", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	root := repoRoot
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		if err != nil {
			t.Skipf("git %v: %v (not a git checkout?)", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	wantRev := git("rev-parse", "HEAD")
	wantVersion := git("describe", "--tags", "--always", "--dirty")

	bin := filepath.Join(t.TempDir(), "ecrctl")
	cmd := exec.Command("make", "-C", root, "build", "BIN="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("%s version -o json: %v", bin, err)
	}
	var got struct{ Version, Revision string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Version != wantVersion || got.Revision != wantRev {
		t.Fatalf("make build stamped version %q revision %q, git says %q %q", got.Version, got.Revision, wantVersion, wantRev)
	}
}

// go install github.com/ecrctl/ecrctl/cmd/ecrctl@VERSION refuses a module
// whose go.mod has replace or exclude directives, and needs the module path
// the README gives.
func TestGoInstallable(t *testing.T) {
	data, err := os.ReadFile(repoFile("go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	if lines[0] != "module github.com/ecrctl/ecrctl" {
		t.Errorf("go.mod starts %q; the README's go install line needs module github.com/ecrctl/ecrctl", lines[0])
	}
	for i, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "replace" || f[0] == "exclude") {
			t.Errorf("go.mod:%d: %q breaks go install ...@VERSION; remove it", i+1, l)
		}
	}
}

// .goreleaser.yaml is validated by `make release-check` (goreleaser check),
// which CI does not run (building goreleaser takes minutes); this pins what
// the README promises: every target, checksums, and the same -X names that
// make build uses, so release archives report their tag and commit.
func TestReleaseConfig(t *testing.T) {
	data, err := os.ReadFile(repoFile(".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			Main    string   `yaml:"main"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
		Checksum struct {
			Algorithm string `yaml:"algorithm"`
		} `yaml:"checksum"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/ecrctl" {
		t.Fatalf("want one build of ./cmd/ecrctl, got %+v", cfg.Builds)
	}
	b := cfg.Builds[0]
	if !slices.Equal(slices.Sorted(slices.Values(b.Goos)), []string{"darwin", "linux", "windows"}) ||
		!slices.Equal(slices.Sorted(slices.Values(b.Goarch)), []string{"amd64", "arm64"}) {
		t.Errorf("targets %v x %v, want linux, darwin, windows on amd64, arm64", b.Goos, b.Goarch)
	}
	if cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum algorithm %q, want sha256", cfg.Checksum.Algorithm)
	}
	makefile, err := os.ReadFile(repoFile("Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	ldflags := strings.Join(b.Ldflags, " ")
	for _, name := range []string{"main.version", "main.revision"} {
		if !strings.Contains(ldflags, "-X "+name+"=") || !strings.Contains(string(makefile), "-X "+name+"=") {
			t.Errorf("-X %s= is not in both .goreleaser.yaml ldflags (%q) and the Makefile", name, ldflags)
		}
	}
}
