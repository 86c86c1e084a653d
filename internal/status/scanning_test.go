package status

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

func putRegistryScanning(t *testing.T, f *ecrfake.Fake, typ types.ScanType, rules ...types.RegistryScanningRule) {
	t.Helper()
	if rules == nil {
		rules = []types.RegistryScanningRule{}
	}
	if _, err := f.PutRegistryScanningConfiguration(context.Background(), &ecr.PutRegistryScanningConfigurationInput{ScanType: typ, Rules: rules}); err != nil {
		t.Fatal(err)
	}
}

func wildcardRule(freq types.ScanFrequency, filters ...string) types.RegistryScanningRule {
	r := types.RegistryScanningRule{ScanFrequency: freq}
	for _, f := range filters {
		r.RepositoryFilters = append(r.RepositoryFilters, types.ScanningRepositoryFilter{Filter: aws.String(f), FilterType: types.ScanningRepositoryFilterTypeWildcard})
	}
	return r
}

// TestEffectiveScanning: a registry rule that matches a repository decides
// its scan frequency and is named, whatever the repository's scanOnPush; a
// repository no rule matches reports no filters; a missing one reports null.
func TestEffectiveScanning(t *testing.T) {
	f := seeded(t)
	putRegistryScanning(t, f, types.ScanTypeEnhanced, wildcardRule(types.ScanFrequencyContinuousScan, "app-*"))
	r := collect(t, f, loadSpec(t, testSpec), Options{})

	front, backend, tools := r.Repositories[0], r.Repositories[1], r.Repositories[3]
	if d := cmp.Diff(&EffectiveScanning{Frequency: "CONTINUOUS_SCAN", AppliedFilters: []string{"app-*"}}, front.Scanning); d != "" {
		t.Errorf("app-frontend effective scanning (-want +got):\n%s", d)
	}
	if tools.Scanning == nil || len(tools.Scanning.AppliedFilters) != 0 || tools.Scanning.AppliedFilters == nil {
		t.Errorf("tools: want a frequency with applied_filters [], got %+v", tools.Scanning)
	}
	if tools.Scanning != nil && tools.Scanning.Frequency == "CONTINUOUS_SCAN" {
		t.Errorf("tools is not matched by app-*, yet reports %+v", tools.Scanning)
	}
	if backend.Scanning != nil {
		t.Errorf("app-backend does not exist, yet reports %+v", backend.Scanning)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %v", r.Warnings)
	}

	var txt strings.Builder
	if err := RenderText(&txt, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  scanning      CONTINUOUS_SCAN, by the registry scanning rule for app-* (scan on push does not apply)\n",
		"  scanning      " + tools.Scanning.Frequency + " (no registry scanning rule matches)\n",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
}

// TestEffectiveScanningIn25s: BatchGetRepositoryScanningConfiguration takes
// 25 names, so 30 existing repositories cost two calls; missing ones none.
func TestEffectiveScanningIn25s(t *testing.T) {
	f := ecrfake.New()
	var b strings.Builder
	b.WriteString("version: 1\nrepositories:\n")
	for i := range 32 {
		name := fmt.Sprintf("repo-%02d", i)
		fmt.Fprintf(&b, "  - name: %s\n", name)
		if i < 30 {
			create(t, f, name, i%2 == 0)
		}
	}
	putRegistryScanning(t, f, types.ScanTypeBasic, wildcardRule(types.ScanFrequencyScanOnPush, "repo-1"))
	s := loadSpec(t, b.String())
	f.ResetCalls()
	r := collect(t, f, s, Options{Parallelism: 4})
	if n := f.Calls()["BatchGetRepositoryScanningConfiguration"]; n != 2 {
		t.Errorf("BatchGetRepositoryScanningConfiguration calls = %d, want 2 for 30 existing repositories", n)
	}
	matched := 0
	for _, x := range r.Repositories {
		if !x.Exists {
			if x.Scanning != nil {
				t.Errorf("%s does not exist, yet reports %+v", x.Name, x.Scanning)
			}
			continue
		}
		if x.Scanning == nil {
			t.Fatalf("%s: no effective scanning", x.Name)
		}
		if len(x.Scanning.AppliedFilters) > 0 {
			matched++
			if x.Scanning.Frequency != "SCAN_ON_PUSH" || !strings.Contains(x.Name, "repo-1") {
				t.Errorf("%s: %+v", x.Name, x.Scanning)
			}
		}
	}
	if matched != 10 { // repo-10 .. repo-19 contain "repo-1"
		t.Errorf("%d repositories matched by the rule repo-1, want 10", matched)
	}
}

// TestEffectiveScanningDenied: without the permission, status still reports
// everything else, leaves the frequencies null and says why.
func TestEffectiveScanningDenied(t *testing.T) {
	f := seeded(t)
	f.FailN("BatchGetRepositoryScanningConfiguration", "", 1, ecrfake.AccessDenied("ecr:BatchGetRepositoryScanningConfiguration"))
	r := collect(t, f, loadSpec(t, testSpec), Options{})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "BatchGetRepositoryScanningConfiguration") {
		t.Fatalf("warnings = %q, want one naming BatchGetRepositoryScanningConfiguration", r.Warnings)
	}
	for _, x := range r.Repositories {
		if x.Scanning != nil {
			t.Errorf("%s: scanning %+v after AccessDenied", x.Name, x.Scanning)
		}
	}
	if r.Repositories[0].Images.Total != 4 {
		t.Errorf("the rest of the report is missing: %+v", r.Repositories[0])
	}

	// Any other failure is an error, as for every other read.
	f.FailN("BatchGetRepositoryScanningConfiguration", "", 1, ecrfake.ServerError())
	if _, err := Collect(context.Background(), f, loadSpec(t, testSpec), Options{Region: "us-west-2"}); err == nil {
		t.Error("a server error of BatchGetRepositoryScanningConfiguration was ignored")
	}
}
