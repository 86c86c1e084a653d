//go:build unix

package e2e

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestE2EStatusEffectiveScanning: a registry scanning rule set out of band
// (the spec has no registry: section) shows as the scan frequency of the
// repository it matches, read with one BatchGetRepositoryScanningConfiguration
// and no registry-level call.
func TestE2EStatusEffectiveScanning(t *testing.T) {
	e := newEnv(t)
	e.aws("create-repository", "--repository-name", "prod-api", "--image-scanning-configuration", "scanOnPush=true")
	e.aws("create-repository", "--repository-name", "dev-web")
	e.aws("put-registry-scanning-configuration", "--scan-type", "ENHANCED", "--rules",
		`[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"prod-*","filterType":"WILDCARD"}]}]`)
	e.writeFile("registry.yaml", "version: 1\nregion: us-west-2\nrepositories:\n  - name: prod-api\n  - name: dev-web\n  - name: missing\n")

	r := e.mustExit(0, "status", "-o", "json")
	assertNoWrites(t, r)
	var doc struct {
		Repositories []struct {
			Name     string `json:"name"`
			Scanning *struct {
				Frequency      string   `json:"frequency"`
				AppliedFilters []string `json:"applied_filters"`
			} `json:"effective_scanning"`
		} `json:"repositories"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("status -o json: %v\n%s", err, r)
	}
	got := map[string]int{}
	for i, x := range doc.Repositories {
		got[x.Name] = i
	}
	prod, dev, missing := doc.Repositories[got["prod-api"]], doc.Repositories[got["dev-web"]], doc.Repositories[got["missing"]]
	if prod.Scanning == nil || prod.Scanning.Frequency != "CONTINUOUS_SCAN" || !slices.Equal(prod.Scanning.AppliedFilters, []string{"prod-*"}) {
		t.Errorf("prod-api effective_scanning = %+v, want CONTINUOUS_SCAN by prod-*\n%s", prod.Scanning, r)
	}
	if dev.Scanning == nil || dev.Scanning.Frequency == "CONTINUOUS_SCAN" || dev.Scanning.AppliedFilters == nil || len(dev.Scanning.AppliedFilters) != 0 {
		t.Errorf("dev-web effective_scanning = %+v, want no rule applied\n%s", dev.Scanning, r)
	}
	if missing.Scanning != nil {
		t.Errorf("a missing repository has effective_scanning %+v", missing.Scanning)
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings: %v", doc.Warnings)
	}
	n := 0
	for _, c := range r.calls {
		switch c.Op {
		case "BatchGetRepositoryScanningConfiguration":
			n++
		case "GetRegistryScanningConfiguration", "GetRegistryPolicy":
			t.Errorf("status sent %s", c)
		}
	}
	if n != 1 {
		t.Errorf("BatchGetRepositoryScanningConfiguration sent %d times, want once for two repositories\n%s", n, r)
	}

	r = e.mustExit(0, "status", "prod-api")
	mustContain(t, r, r.stdout, "  scanning      CONTINUOUS_SCAN, by the registry scanning rule for prod-* (scan on push does not apply)\n")
}
