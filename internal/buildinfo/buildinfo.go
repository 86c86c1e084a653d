// Package buildinfo says which ecrctl this is: the version and VCS revision
// stamped by `make build` or GoReleaser (-ldflags -X), else those Go records
// in the binary's build info (`go install ...@VERSION`, `go build` in a clone).
package buildinfo

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

// Stamp is what the linker was told with -X; empty fields were not stamped.
type Stamp struct {
	Version  string
	Revision string
}

// Info is what `ecrctl version` prints. The JSON field names are a contract.
type Info struct {
	Version string `json:"version"`
	// Revision is the full VCS commit when Go recorded it (a build in a git
	// clone) or the linker was told it; the 12-character prefix for a
	// pseudo-version install (go install ...@main); empty for a tagged module
	// install, which Go builds from the module zip without VCS data.
	Revision string `json:"revision,omitempty"`
	// Time is the commit time (RFC 3339) when Go recorded it.
	Time string `json:"time,omitempty"`
	// Modified is true when the working tree had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// Sum is the module checksum (go.sum form) of a module install.
	Sum       string `json:"sum,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Devel is the version of a binary nothing told its version: `go run`, or
// `go build -buildvcs=false`, which Go records as "(devel)".
const Devel = "dev"

// pseudoVersion matches Go's three pseudo-version forms; the last group is
// the 12-character revision prefix.
var pseudoVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-(?:[0-9A-Za-z.-]*\.)?[0-9]{14}-([0-9a-f]{12})(?:\+incompatible)?(?:\+dirty)?$`)

// From combines the linker stamp and the build info (bi may be nil: a
// binary built without module support). A stamped field wins: `make build`
// and GoReleaser know the tag even where Go would compute a pseudo-version.
func From(bi *debug.BuildInfo, stamp Stamp) Info {
	info := Info{Version: Devel, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
			info.Modified = strings.HasSuffix(v, "+dirty")
			if m := pseudoVersion.FindStringSubmatch(v); m != nil {
				info.Revision = m[1]
			}
		}
		info.Sum = bi.Main.Sum
		goos, goarch := "", ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			case "GOOS":
				goos = s.Value
			case "GOARCH":
				goarch = s.Value
			}
		}
		if goos != "" && goarch != "" {
			info.Platform = goos + "/" + goarch
		}
	}
	if stamp.Version != "" {
		info.Version = stamp.Version
		info.Modified = info.Modified || strings.HasSuffix(stamp.Version, "-dirty")
	}
	if stamp.Revision != "" {
		info.Revision = stamp.Revision
	}
	return info
}

// WriteText writes the human form: the version on the first line (scripts
// may read `ecrctl version | head -1`), then one line per known fact.
func (i Info) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ecrctl %s\n", i.Version)
	rev := i.Revision
	switch {
	case rev != "":
	case i.Version == Devel:
		rev = "unknown (built without VCS information; make build records it)"
	default:
		rev = "not recorded (Go builds a tagged module install without VCS data; the version names the commit)"
	}
	if i.Modified {
		rev += " (with uncommitted changes)"
	}
	fmt.Fprintf(&b, "  revision: %s\n", rev)
	if i.Time != "" {
		fmt.Fprintf(&b, "  commit time: %s\n", i.Time)
	}
	if i.Sum != "" {
		fmt.Fprintf(&b, "  module sum: %s\n", i.Sum)
	}
	fmt.Fprintf(&b, "  go: %s %s\n", i.GoVersion, i.Platform)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes Info as one indented JSON object.
func (i Info) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(i)
}
