package status

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/golden"
	"github.com/ecrctl/ecrctl/internal/spec"
)

var _ API = (*ecrfake.Fake)(nil)

const testSpec = `version: 1
region: us-west-2
defaults:
  scanOnPush: true
repositories:
  - name: app-frontend
    lifecyclePolicy:
      rules:
        - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
          action: {type: expire}
  - name: app-backend
  - name: retired
    state: absent
  - name: tools
    lifecyclePolicy: none
  - name: empty
`

var (
	t0  = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	gib = int64(1 << 30)
)

// evaluated reports a lastEvaluatedAt for every lifecycle policy, as real ECR
// does once a policy has run (the fake leaves it unset).
type evaluated struct {
	*ecrfake.Fake
	at time.Time
}

func (e evaluated) GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, o ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error) {
	out, err := e.Fake.GetLifecyclePolicy(ctx, in, o...)
	if err == nil {
		out.LastEvaluatedAt = aws.Time(e.at)
	}
	return out, err
}

func loadSpec(t *testing.T, text string) *spec.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "registry.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load(p)
	if err != nil {
		t.Fatalf("loading the spec: %v", err)
	}
	s.Path = "registry.yaml"
	return s
}

func create(t *testing.T, f *ecrfake.Fake, name string, scanOnPush bool) {
	t.Helper()
	_, err := f.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(name),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: scanOnPush},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func finding(name string, sev types.FindingSeverity, pkg, version string) types.ImageScanFinding {
	return types.ImageScanFinding{
		Name: aws.String(name), Severity: sev, Uri: aws.String("https://cve.example/" + name),
		Attributes: []types.Attribute{
			{Key: aws.String("package_name"), Value: aws.String(pkg)},
			{Key: aws.String("package_version"), Value: aws.String(version)},
		},
	}
}

// seeded is the registry of the golden tests: app-frontend with four
// images (the newest scanned, with findings), tools with one unscanned
// image, empty with none, app-backend missing, retired absent as wanted,
// and one repository the spec does not mention.
func seeded(t *testing.T) *ecrfake.Fake {
	t.Helper()
	f := ecrfake.New()
	create(t, f, "app-frontend", true)
	create(t, f, "tools", false)
	create(t, f, "empty", true)
	create(t, f, "legacy", false)
	ctx := context.Background()
	if _, err := f.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{
		RepositoryName:      aws.String("app-frontend"),
		LifecyclePolicyText: aws.String(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`),
	}); err != nil {
		t.Fatal(err)
	}
	f.PutImage("app-frontend", ecrfake.Image{Digest: digest(1), Tags: []string{"v1.0.0"}, SizeBytes: gib, PushedAt: t0})
	f.PutImage("app-frontend", ecrfake.Image{Digest: digest(2), SizeBytes: gib / 2, PushedAt: t0.Add(time.Hour)})
	// The newest push is seeded before an older one: newest is by time, not order.
	f.PutImage("app-frontend", ecrfake.Image{Digest: digest(3), Tags: []string{"v1.1.0", "prod"}, SizeBytes: gib / 4, PushedAt: t0.Add(48 * time.Hour),
		Findings: []types.ImageScanFinding{
			finding("CVE-2025-0002", types.FindingSeverityHigh, "openssl", "3.0.1"),
			finding("CVE-2025-0001", types.FindingSeverityCritical, "zlib", "1.2.11"),
			finding("CVE-2025-0003", types.FindingSeverityHigh, "curl", "8.0.0"),
			finding("CVE-2025-0004", types.FindingSeverityLow, "bash", "5.1"),
		}})
	f.PutImage("app-frontend", ecrfake.Image{Digest: digest(4), Tags: []string{"dev-42"}, SizeBytes: gib / 4, PushedAt: t0.Add(24 * time.Hour),
		ScanSeverityCounts: map[string]int32{"MEDIUM": 2}})
	f.PutImage("tools", ecrfake.Image{Digest: digest(5), Tags: []string{"latest"}, SizeBytes: 300 << 20, PushedAt: t0})
	f.PutImage("legacy", ecrfake.Image{Digest: digest(6), Tags: []string{"old"}, SizeBytes: 10 * gib, PushedAt: t0})
	return f
}

func digest(n int) string {
	sum := sha256.Sum256([]byte{byte(n)})
	return "sha256:" + hex.EncodeToString(sum[:])
}

func collect(t *testing.T, c API, s *spec.File, opt Options) *Report {
	t.Helper()
	if opt.Region == "" {
		opt.Region = "us-west-2"
	}
	if opt.PricePerGBMonth == 0 {
		opt.PricePerGBMonth = format.DefaultPricePerGBMonth
	}
	r, err := Collect(context.Background(), c, s, opt)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return r
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name     string
		findings bool
	}{{"status", false}, {"status-findings", true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := seeded(t)
			r := collect(t, evaluated{f, t0.Add(72 * time.Hour)}, loadSpec(t, testSpec), Options{Parallelism: 3, Findings: tc.findings})
			var txt, js bytes.Buffer
			if err := RenderText(&txt, r); err != nil {
				t.Fatal(err)
			}
			if err := RenderJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, tc.name+".txt", txt.Bytes())
			golden.Check(t, tc.name+".json", js.Bytes())
		})
	}
}

func TestReportContents(t *testing.T) {
	f := seeded(t)
	r := collect(t, f, loadSpec(t, testSpec), Options{Parallelism: 4})

	var names []string
	for _, x := range r.Repositories {
		names = append(names, x.Name)
	}
	if d := cmp.Diff([]string{"app-frontend", "app-backend", "retired", "tools", "empty"}, names); d != "" {
		t.Fatalf("repositories are not in spec order (-want +got):\n%s", d)
	}
	front := r.Repositories[0]
	if !front.Exists || front.Images != (ImageCounts{Total: 4, Tagged: 3, Untagged: 1}) || front.SizeBytes != 2*gib {
		t.Errorf("app-frontend = exists %v, images %+v, size %d", front.Exists, front.Images, front.SizeBytes)
	}
	if front.NewestImage == nil || front.NewestImage.Digest != digest(3) || !front.NewestImage.PushedAt.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("newest image = %+v, want the one pushed at %s", front.NewestImage, t0.Add(48*time.Hour))
	}
	if d := cmp.Diff(map[string]int32{"CRITICAL": 1, "HIGH": 2, "LOW": 1}, front.NewestImage.Scan.SeverityCounts); d != "" {
		t.Errorf("severity counts (-want +got):\n%s", d)
	}
	if front.NewestImage.Findings != nil {
		t.Errorf("findings read without Findings: %+v", front.NewestImage.Findings)
	}
	if front.ScanOnPush == nil || !*front.ScanOnPush || front.Lifecycle.Policy != PolicySet || front.Lifecycle.LastEvaluatedAt != nil {
		t.Errorf("app-frontend scanOnPush %v lifecycle %+v", front.ScanOnPush, front.Lifecycle)
	}
	if b := r.Repositories[1]; b.Exists || b.DesiredState != "present" || b.NewestImage != nil || b.ScanOnPush != nil {
		t.Errorf("app-backend = %+v, want missing", b)
	}
	if rt := r.Repositories[2]; rt.Exists || rt.DesiredState != "absent" {
		t.Errorf("retired = %+v", rt)
	}
	if tl := r.Repositories[3]; tl.Lifecycle.Policy != PolicyNotRead || tl.NewestImage == nil || tl.NewestImage.Scan != nil || *tl.ScanOnPush {
		t.Errorf("tools = %+v", tl)
	}
	if e := r.Repositories[4]; !e.Exists || e.Images.Total != 0 || e.NewestImage != nil || e.Lifecycle.Policy != PolicyNone {
		t.Errorf("empty = %+v", e)
	}
	wantSize := 2*gib + 300<<20
	if r.Totals.Images != 5 || r.Totals.SizeBytes != wantSize || r.Totals.Existing != 3 || r.Totals.Missing != 1 || r.UnmanagedRepositories != 1 {
		t.Errorf("totals = %+v, unmanaged %d", r.Totals, r.UnmanagedRepositories)
	}
	if want := float64(wantSize) / (1 << 30) * 0.10; r.Totals.EstimatedMonthlyCost != want {
		t.Errorf("cost = %v, want %v", r.Totals.EstimatedMonthlyCost, want)
	}
}

func TestCallsPerRepository(t *testing.T) {
	f := seeded(t)
	s := loadSpec(t, testSpec)
	f.ResetCalls()
	collect(t, f, s, Options{Parallelism: 2})
	want := map[string]int{
		"DescribeRepositories": 1,
		"DescribeImages":       3, // app-frontend, tools, empty
		"GetLifecyclePolicy":   2, // not tools: the spec sets none
		// The three existing repositories' effective scanning, in one batch.
		"BatchGetRepositoryScanningConfiguration": 1,
	}
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("calls without --findings (-want +got):\n%s", d)
	}
	for _, missing := range []string{"app-backend", "retired", "legacy"} {
		if n := f.CallsFor("DescribeImages", missing) + f.CallsFor("GetLifecyclePolicy", missing); n != 0 {
			t.Errorf("%d calls for %s", n, missing)
		}
	}

	f.ResetCalls()
	collect(t, f, s, Options{Parallelism: 2, Findings: true})
	want["DescribeImageScanFindings"] = 2 // the newest images of app-frontend and tools; empty has none
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("calls with --findings (-want +got):\n%s", d)
	}
	if f.Writes() != 0 {
		t.Errorf("status wrote: %v", f.Calls())
	}
}

func TestFindings(t *testing.T) {
	f := seeded(t)
	r := collect(t, f, loadSpec(t, testSpec), Options{Findings: true})
	got := r.Repositories[0].NewestImage.Findings
	want := []Finding{
		{Name: "CVE-2025-0001", Severity: "CRITICAL", Package: "zlib", PackageVersion: "1.2.11", URI: "https://cve.example/CVE-2025-0001"},
		{Name: "CVE-2025-0002", Severity: "HIGH", Package: "openssl", PackageVersion: "3.0.1", URI: "https://cve.example/CVE-2025-0002"},
		{Name: "CVE-2025-0003", Severity: "HIGH", Package: "curl", PackageVersion: "8.0.0", URI: "https://cve.example/CVE-2025-0003"},
		{Name: "CVE-2025-0004", Severity: "LOW", Package: "bash", PackageVersion: "5.1", URI: "https://cve.example/CVE-2025-0004"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings, worst first (-want +got):\n%s", d)
	}
	// tools' newest image has no scan: ScanNotFoundException means none, not an error.
	if tl := r.Repositories[3].NewestImage; tl.Scan != nil || tl.Findings != nil {
		t.Errorf("unscanned image: scan %+v findings %+v", tl.Scan, tl.Findings)
	}
}

func TestFindingsArePaged(t *testing.T) {
	f := ecrfake.New()
	create(t, f, "big", true)
	var fs []types.ImageScanFinding
	for i := range 1500 {
		fs = append(fs, finding(fmt.Sprintf("CVE-2025-%05d", i), types.FindingSeverityMedium, "p", "1"))
	}
	f.PutImage("big", ecrfake.Image{Tags: []string{"v1"}, SizeBytes: 1, Findings: fs})
	r := collect(t, f, loadSpec(t, "version: 1\nrepositories:\n  - name: big\n"), Options{Findings: true})
	if n := len(r.Repositories[0].NewestImage.Findings); n != 1500 {
		t.Errorf("%d findings, want 1500", n)
	}
	if n := f.CallsFor("DescribeImageScanFindings", "big"); n != 2 {
		t.Errorf("DescribeImageScanFindings calls = %d, want 2 pages of 1000", n)
	}
}

func TestImagesArePaged(t *testing.T) {
	f := ecrfake.New()
	create(t, f, "big", false)
	for i := range 2500 {
		img := ecrfake.Image{SizeBytes: 1000, PushedAt: t0.Add(time.Duration(i) * time.Minute)}
		if i%2 == 0 {
			img.Tags = []string{fmt.Sprintf("b%d", i)}
		}
		if i == 1200 { // the newest push sits on the second page
			img.PushedAt = t0.Add(100 * 24 * time.Hour)
		}
		f.PutImage("big", img)
	}
	r := collect(t, f, loadSpec(t, "version: 1\nrepositories:\n  - name: big\n"), Options{})
	got := r.Repositories[0]
	if got.Images != (ImageCounts{Total: 2500, Tagged: 1250, Untagged: 1250}) || got.SizeBytes != 2500*1000 {
		t.Errorf("images %+v size %d", got.Images, got.SizeBytes)
	}
	if d := got.NewestImage; d == nil || len(d.Tags) != 1 || d.Tags[0] != "b1200" {
		t.Errorf("newest image = %+v, want b1200", d)
	}
	if n := f.CallsFor("DescribeImages", "big"); n != 3 {
		t.Errorf("DescribeImages calls = %d, want 3 pages of 1000", n)
	}
}

func TestRepositoryListingIsPaged(t *testing.T) {
	f := ecrfake.New()
	var b strings.Builder
	b.WriteString("version: 1\nrepositories:\n")
	for i := range 1100 {
		name := fmt.Sprintf("r%04d", i)
		create(t, f, name, false)
		if i%100 == 0 {
			fmt.Fprintf(&b, "  - name: %s\n", name)
		}
	}
	r := collect(t, f, loadSpec(t, b.String()), Options{Parallelism: 4})
	if r.Totals.Existing != 11 || r.UnmanagedRepositories != 1089 {
		t.Errorf("existing %d unmanaged %d", r.Totals.Existing, r.UnmanagedRepositories)
	}
	if n := f.CallsFor("DescribeRepositories", ""); n != 2 {
		t.Errorf("DescribeRepositories calls = %d, want 2 pages of 1000", n)
	}
}

func TestOnlyNamedRepositories(t *testing.T) {
	f := seeded(t)
	s := loadSpec(t, testSpec)
	r := collect(t, f, s, Options{Only: []string{"tools", "app-frontend"}})
	if len(r.Repositories) != 2 || r.Repositories[0].Name != "app-frontend" || r.Repositories[1].Name != "tools" {
		t.Fatalf("got %+v, want app-frontend then tools (spec order)", r.Repositories)
	}
	if r.Totals.Repositories != 2 || r.Totals.Images != 5 {
		t.Errorf("totals %+v", r.Totals)
	}
	if f.CallsFor("DescribeImages", "empty") != 0 {
		t.Error("read a repository that was not asked for")
	}

	f.ResetCalls()
	_, err := Collect(context.Background(), f, s, Options{Only: []string{"tools", "nope", "legacy"}})
	var nis *NotInSpecError
	if !errors.As(err, &nis) || !strings.Contains(err.Error(), `repositories "legacy", "nope" are not in registry.yaml`) {
		t.Fatalf("err = %v", err)
	}
	if len(f.Calls()) != 0 {
		t.Errorf("calls before the names were checked: %v", f.Calls())
	}
}

func TestAccountGuard(t *testing.T) {
	f := seeded(t)
	_, err := Collect(context.Background(), f, loadSpec(t, "version: 1\naccount: \"111122223333\"\nrepositories:\n  - name: app-frontend\n"), Options{})
	var am *ecrapi.AccountMismatchError
	if !errors.As(err, &am) || am.Got != ecrfake.DefaultAccount {
		t.Fatalf("err = %v", err)
	}
	if f.CallsFor("DescribeImages", "") != 0 {
		t.Error("read images of the wrong account")
	}
	// An empty registry needs DescribeRegistry to know the account.
	empty := ecrfake.New()
	r := collect(t, empty, loadSpec(t, "version: 1\naccount: \""+ecrfake.DefaultAccount+"\"\nrepositories:\n  - name: app\n"), Options{})
	if r.RegistryID != ecrfake.DefaultAccount || empty.CallsFor("DescribeRegistry", "") != 1 {
		t.Errorf("registry %q, DescribeRegistry calls %d", r.RegistryID, empty.CallsFor("DescribeRegistry", ""))
	}
}

func TestErrorsNameTheRepository(t *testing.T) {
	f := seeded(t)
	f.FailN("DescribeImages", "tools", 1, f.AccessDeniedFor("DescribeImages", "tools"))
	_, err := Collect(context.Background(), f, loadSpec(t, testSpec), Options{})
	var op *ecrapi.OpError
	if !errors.As(err, &op) || op.Repository != "tools" || op.Code() != "AccessDeniedException" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), `listing images of repository "tools" (DescribeImages)`) {
		t.Errorf("message: %v", err)
	}
}

func TestRepositoryDeletedWhileReading(t *testing.T) {
	f := seeded(t)
	gone := &types.RepositoryNotFoundException{Message: aws.String("gone")}
	f.FailN("GetLifecyclePolicy", "app-frontend", 1, gone)
	r := collect(t, f, loadSpec(t, testSpec), Options{})
	if fr := r.Repositories[0]; fr.Exists || fr.Images.Total != 0 || fr.NewestImage != nil {
		t.Errorf("app-frontend = %+v, want missing", fr)
	}
	if r.Totals.Missing != 2 || r.Totals.Images != 1 {
		t.Errorf("totals %+v", r.Totals)
	}
}

func TestBoundedConcurrencyAndProgress(t *testing.T) {
	f := seeded(t)
	var mu sync.Mutex
	inFlight, most := 0, 0
	f.Inject("", "", func(ctx context.Context) error {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		select { // give other goroutines the chance to overlap
		case <-time.After(2 * time.Millisecond):
		case <-ctx.Done():
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	})
	var seen []Progress
	r := collect(t, f, loadSpec(t, testSpec), Options{Parallelism: 2, Findings: true, Progress: func(p Progress) { seen = append(seen, p) }})
	if most > 2 {
		t.Errorf("%d calls in flight, --parallelism 2", most)
	}
	if len(seen) == 0 {
		t.Fatal("no progress reported")
	}
	last := seen[len(seen)-1]
	if last.Done != 5 || last.Total != 5 || last.Images != r.Totals.Images {
		t.Errorf("last progress %+v, want 5/5 repositories and %d images", last, r.Totals.Images)
	}
}

func TestEnhancedFinding(t *testing.T) {
	got := enhancedFinding(types.EnhancedImageScanFinding{
		Title:    aws.String("CVE-2024-9 - libx"),
		Severity: aws.String("UNTRIAGED"),
		PackageVulnerabilityDetails: &types.PackageVulnerabilityDetails{
			VulnerabilityId:    aws.String("CVE-2024-9"),
			ReferenceUrls:      []string{"https://nvd.example/CVE-2024-9"},
			VulnerablePackages: []types.VulnerablePackage{{Name: aws.String("libx"), Version: aws.String("2.0")}},
		},
	})
	want := Finding{Name: "CVE-2024-9", Severity: "UNTRIAGED", Package: "libx", PackageVersion: "2.0", URI: "https://nvd.example/CVE-2024-9"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestJSONShape(t *testing.T) {
	f := seeded(t)
	for _, findings := range []bool{false, true} {
		r := collect(t, f, loadSpec(t, testSpec), Options{Findings: findings})
		var buf bytes.Buffer
		if err := RenderJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Repositories []struct {
				Newest map[string]json.RawMessage `json:"newest_image"`
			} `json:"repositories"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		_, has := doc.Repositories[0].Newest["findings"]
		if has != findings {
			t.Errorf("findings=%v: the findings key is present: %v", findings, has)
		}
	}
}

func TestPrice(t *testing.T) {
	for p, want := range map[float64]string{0.1: "0.10", 0.125: "0.125", 1: "1.00", 0.0: "0.00"} {
		if got := price(p); got != want {
			t.Errorf("price(%v) = %q, want %q", p, got, want)
		}
	}
}

// archiving reports the images with the given digests as archived, as real
// ECR does when DescribeImages asks for any image status (the fake keeps
// every image active).
type archiving struct {
	*ecrfake.Fake
	archived map[string]bool
}

func (a archiving) DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, o ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	out, err := a.Fake.DescribeImages(ctx, in, o...)
	if err == nil {
		for i := range out.ImageDetails {
			if a.archived[aws.ToString(out.ImageDetails[i].ImageDigest)] {
				out.ImageDetails[i].ImageStatus = types.ImageStatusArchived
			}
		}
	}
	return out, err
}

func TestArchivedImagesAreNotCounted(t *testing.T) {
	f := seeded(t)
	// digest(3) is app-frontend's newest push; archived, digest(4) is the newest.
	r := collect(t, archiving{f, map[string]bool{digest(3): true}}, loadSpec(t, testSpec), Options{})
	front := r.Repositories[0]
	if front.Images != (ImageCounts{Total: 3, Tagged: 2, Untagged: 1}) || front.SizeBytes != gib+gib/2+gib/4 {
		t.Errorf("app-frontend images %+v size %d, want the archived image left out", front.Images, front.SizeBytes)
	}
	if front.NewestImage == nil || front.NewestImage.Digest != digest(4) {
		t.Errorf("newest image = %+v, want the newest active one", front.NewestImage)
	}
}

func TestImageProgressPerPage(t *testing.T) {
	f := ecrfake.New()
	create(t, f, "big", false)
	for range 2500 {
		f.PutImage("big", ecrfake.Image{SizeBytes: 1})
	}
	var images []int
	collect(t, f, loadSpec(t, "version: 1\nrepositories:\n  - name: big\n    lifecyclePolicy: none\n"), Options{Progress: func(p Progress) {
		if p.Done == 0 {
			images = append(images, p.Images)
		}
	}})
	if d := cmp.Diff([]int{1000, 2000, 2500}, images); d != "" {
		t.Errorf("progress while reading images, one report a page (-want +got):\n%s", d)
	}
}
