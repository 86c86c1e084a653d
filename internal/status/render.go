package status

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ecrctl/ecrctl/internal/format"
)

// RenderJSON writes the report as one JSON object.
func RenderJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// RenderText writes the report for people: a block per repository in spec
// order, then the totals and the cost estimate.
func RenderText(w io.Writer, r *Report) error {
	var b strings.Builder
	registry := r.RegistryID
	if registry == "" {
		registry = "(empty)"
	}
	fmt.Fprintf(&b, "Registry %s in %s: %d %s from %s\n", registry, r.Region,
		len(r.Repositories), format.Plural(len(r.Repositories), "repository", "repositories"), r.Spec)
	for _, repo := range r.Repositories {
		b.WriteString("\n")
		writeRepo(&b, repo, r.Findings)
	}
	b.WriteString("\n")
	t := r.Totals
	fmt.Fprintf(&b, "Total: %d %s, %s in %d existing %s", t.Images, format.Plural(t.Images, "image", "images"),
		format.Bytes(t.SizeBytes), t.Existing, format.Plural(t.Existing, "repository", "repositories"))
	if t.Missing > 0 {
		fmt.Fprintf(&b, " (%d missing)", t.Missing)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Estimated storage cost: USD %.2f a month at USD %s per GB-month (1 GB = 1024^3 bytes;\n", t.EstimatedMonthlyCost, price(t.PricePerGBMonth))
	b.WriteString("  image sizes are summed, so layers that images share are counted once per image)\n")
	if r.UnmanagedRepositories > 0 {
		fmt.Fprintf(&b, "%d other %s in the registry %s not in %s and not counted.\n", r.UnmanagedRepositories,
			format.Plural(r.UnmanagedRepositories, "repository", "repositories"), format.Plural(r.UnmanagedRepositories, "is", "are"), r.Spec)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRepo(b *strings.Builder, r Repository, findings bool) {
	switch {
	case !r.Exists && r.DesiredState == "absent":
		fmt.Fprintf(b, "%s: absent, as the spec wants\n", r.Name)
		return
	case !r.Exists:
		fmt.Fprintf(b, "%s: missing (`ecrctl apply` creates it)\n", r.Name)
		return
	case r.DesiredState == "absent":
		fmt.Fprintf(b, "%s: exists, but the spec wants it absent\n", r.Name)
	default:
		fmt.Fprintf(b, "%s: exists\n", r.Name)
	}
	row := func(key, format string, args ...any) {
		fmt.Fprintf(b, "  %-13s %s\n", key, fmt.Sprintf(format, args...))
	}
	row("images", "%d (%d tagged, %d untagged)", r.Images.Total, r.Images.Tagged, r.Images.Untagged)
	row("size", "%s", format.Bytes(r.SizeBytes))
	if im := r.NewestImage; im != nil {
		tags := "untagged"
		if len(im.Tags) > 0 {
			tags = strings.Join(im.Tags, ", ")
		}
		row("newest push", "%s  %s  %s", stamp(im.PushedAt), format.ShortDigest(im.Digest), tags)
	} else {
		row("newest push", "-")
	}
	row("lifecycle", "%s", lifecycleText(r.Lifecycle))
	if r.ScanOnPush != nil && *r.ScanOnPush {
		row("scan on push", "on")
	} else {
		row("scan on push", "off")
	}
	row("scanning", "%s", scanningText(r.Scanning))
	if r.NewestImage == nil {
		return
	}
	row("scan", "%s", scanText(r.NewestImage.Scan))
	if !findings || r.NewestImage.Findings == nil {
		return
	}
	fs := r.NewestImage.Findings
	if len(fs) == 0 {
		row("findings", "none")
		return
	}
	row("findings", "%d in the newest image:", len(fs))
	var sevW, nameW, pkgW int
	pkgs := make([]string, len(fs))
	for i, f := range fs {
		pkgs[i] = strings.TrimSpace(f.Package + " " + f.PackageVersion)
		sevW, nameW, pkgW = max(sevW, len(f.Severity)), max(nameW, len(f.Name)), max(pkgW, len(pkgs[i]))
	}
	for i, f := range fs {
		line := fmt.Sprintf("    %-*s  %-*s  %-*s  %s", sevW, f.Severity, nameW, f.Name, pkgW, pkgs[i], f.URI)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

func lifecycleText(l Lifecycle) string {
	switch l.Policy {
	case PolicySet:
		if l.LastEvaluatedAt != nil {
			return "last evaluated " + stamp(*l.LastEvaluatedAt)
		}
		return "policy set, no evaluation reported yet"
	case PolicyNone:
		return "no policy"
	case PolicyNotRead:
		return "not read (the spec sets no policy)"
	}
	return "-"
}

// scanningText says how often ECR scans the repository and whether a
// registry rule decides it rather than the repository's scan on push.
func scanningText(s *EffectiveScanning) string {
	if s == nil {
		return "not read"
	}
	if len(s.AppliedFilters) == 0 {
		return s.Frequency + " (no registry scanning rule matches)"
	}
	return fmt.Sprintf("%s, by the registry scanning rule for %s (scan on push does not apply)", s.Frequency, strings.Join(s.AppliedFilters, ", "))
}

func scanText(s *Scan) string {
	if s == nil {
		return "not scanned"
	}
	var parts []string
	if s.Status != "" && s.Status != "COMPLETE" {
		parts = append(parts, strings.ToLower(strings.ReplaceAll(s.Status, "_", " ")))
	}
	parts = append(parts, SeverityCounts(s.SeverityCounts))
	if s.CompletedAt != nil {
		parts = append(parts, "scanned "+stamp(*s.CompletedAt))
	}
	return "newest image: " + strings.Join(parts, "; ")
}

// SeverityCounts renders counts worst first: "CRITICAL 1, HIGH 3", or "no findings".
func SeverityCounts(m map[string]int32) string {
	var keys []string
	for k, v := range m {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "no findings"
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := SeverityRank(keys[i]), SeverityRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// price prints a price with at least two decimals and no float noise.
func price(p float64) string {
	s := fmt.Sprintf("%.4f", p)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return s
}
