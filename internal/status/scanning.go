package status

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

// EffectiveScanning is the scanning ECR applies to a repository, as
// BatchGetRepositoryScanningConfiguration reports it: registry scanning
// rules override the repository's own scanOnPush, so this, not scan_on_push,
// says when the repository's images are scanned.
type EffectiveScanning struct {
	// Frequency is SCAN_ON_PUSH, CONTINUOUS_SCAN or MANUAL.
	Frequency string `json:"frequency"`
	// AppliedFilters are the filters of the registry scanning rule that
	// decides the frequency, sorted; [] when no registry rule matches.
	AppliedFilters []string `json:"applied_filters"`
}

// readScanning fills in the effective scanning of the existing repositories
// of rep: one BatchGetRepositoryScanningConfiguration per 25 of them. It is
// read for every report, not only for specs with a registry: section,
// because the override matters most to a team that manages repositories
// while another stack owns the registry's scanning rules. A caller without
// ecr:BatchGetRepositoryScanningConfiguration still gets the rest of the
// report: the frequencies stay null and the returned warning says why.
func readScanning(ctx context.Context, c API, rep *Report) (warning string, err error) {
	var names []string
	for _, r := range rep.Repositories {
		if r.Exists {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	got, err := ecrapi.ReadEffectiveScanning(ctx, c, names)
	if isAccessDenied(err) {
		return fmt.Sprintf("the effective scan frequency was not read (%v)", err), nil
	}
	if err != nil {
		return "", err
	}
	for i := range rep.Repositories {
		r := &rep.Repositories[i]
		cfg, ok := got[r.Name]
		if !r.Exists || !ok {
			// Not found: deleted since the listing; the image read says so too.
			continue
		}
		s := &EffectiveScanning{Frequency: string(cfg.ScanFrequency), AppliedFilters: []string{}}
		for _, f := range cfg.AppliedScanFilters {
			s.AppliedFilters = append(s.AppliedFilters, aws.ToString(f.Filter))
		}
		sort.Strings(s.AppliedFilters)
		r.Scanning = s
	}
	return "", nil
}

func isAccessDenied(err error) bool {
	switch ecrapi.ErrorCode(err) {
	case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
		return true
	}
	return false
}
