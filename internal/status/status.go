// Package status reports what the repositories a spec manages hold now:
// whether they exist, their images (counts, total size, the newest push and
// its scan findings), the last lifecycle evaluation ECR reports, and an
// estimate of the monthly storage cost. It only reads: Collect lists the
// calls it makes, and the Report is rendered as text or JSON from one value.
package status

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"golang.org/x/sync/errgroup"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// API is the ECR client status uses: reconcile's, whose listing, account
// guard and image paging status shares, plus the scan findings read. The
// SDK's exact signatures, so *ecr.Client and the in-memory fake satisfy it.
type API interface {
	ecrapi.Reader
	DescribeImageScanFindings(context.Context, *ecr.DescribeImageScanFindingsInput, ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error)
}

var _ API = (*ecr.Client)(nil)

// FormatVersion is the version of the JSON report. Within a version fields
// are only ever added.
const FormatVersion = "1"

// pageSize is the largest page DescribeImageScanFindings (and
// DescribeImages, which ecrapi.EachImage pages) allow: the fewest calls.
const pageSize = 1000

// Options tune Collect.
type Options struct {
	Region string
	// Only restricts the report to these repositories (which must be in the
	// spec); empty means every repository of the spec.
	Only []string
	// Parallelism bounds concurrent ECR calls; <1 means 1.
	Parallelism int
	// Findings also reads the newest image's scan findings.
	Findings bool
	// PricePerGBMonth is the USD price of one GB (format.BytesPerGB) stored a month.
	PricePerGBMonth float64
	// Progress, when set, is called (from several goroutines, one call at a
	// time) as repositories are read.
	Progress func(Progress)
}

// Progress is how far Collect has come.
type Progress struct {
	Done, Total int // repositories
	Images      int // images read so far
}

// Report is the status of the repositories a spec manages, in spec order.
type Report struct {
	FormatVersion string       `json:"format_version"`
	Region        string       `json:"region"`
	RegistryID    string       `json:"registry_id"`
	Spec          string       `json:"spec_file"`
	Findings      bool         `json:"findings_requested"`
	Repositories  []Repository `json:"repositories"`
	// UnmanagedRepositories counts repositories in the registry that the
	// spec does not mention; they are not in the totals.
	UnmanagedRepositories int    `json:"unmanaged_repositories"`
	Totals                Totals `json:"totals"`
	// Warnings name what could not be read (the rest of the report
	// stands); [] when everything was read.
	Warnings []string `json:"warnings"`
}

// Repository is one repository's status. For a repository that does not
// exist, everything after Exists is zero or null.
type Repository struct {
	Name string `json:"name"`
	// DesiredState is the spec's state: "present" or "absent".
	DesiredState string `json:"desired_state"`
	Exists       bool   `json:"exists"`
	URI          string `json:"uri"`
	ScanOnPush   *bool  `json:"scan_on_push"`
	// Scanning is the scanning ECR applies, registry rules included; null
	// when the repository does not exist or it could not be read.
	Scanning *EffectiveScanning `json:"effective_scanning"`
	Images   ImageCounts        `json:"images"`
	// SizeBytes is the sum of the images' imageSizeInBytes.
	SizeBytes   int64     `json:"size_bytes"`
	NewestImage *Image    `json:"newest_image"`
	Lifecycle   Lifecycle `json:"lifecycle"`

	// vanished records RepositoryNotFoundException from the image read [0]
	// and the lifecycle read [1], which run concurrently.
	vanished [2]bool
}

// ImageCounts counts a repository's active images.
type ImageCounts struct {
	Total    int `json:"total"`
	Tagged   int `json:"tagged"`
	Untagged int `json:"untagged"`
}

// Image is the most recently pushed image of a repository.
type Image struct {
	Digest    string    `json:"digest"`
	Tags      []string  `json:"tags"`
	PushedAt  time.Time `json:"pushed_at"`
	SizeBytes int64     `json:"size_bytes"`
	// Scan is null when ECR reports no scan of the image.
	Scan *Scan `json:"scan"`
	// Findings is present (possibly empty) only when findings were
	// requested and the image has a scan.
	Findings []Finding `json:"findings,omitzero"`
}

// Scan is the image's latest scan as ECR summarises it.
type Scan struct {
	// Status is ECR's scan status: COMPLETE, IN_PROGRESS, FAILED, ...
	Status         string           `json:"status"`
	CompletedAt    *time.Time       `json:"completed_at"`
	SeverityCounts map[string]int32 `json:"severity_counts"`
}

// Finding is one vulnerability of a scan.
type Finding struct {
	Name           string `json:"name"`
	Severity       string `json:"severity"`
	Package        string `json:"package"`
	PackageVersion string `json:"package_version"`
	URI            string `json:"uri"`
}

// Lifecycle policy states.
const (
	PolicySet     = "set"
	PolicyNone    = "none"
	PolicyNotRead = "not_read" // the spec sets `lifecyclePolicy: none`, so it was not read
)

// Lifecycle is what ECR reports about the repository's lifecycle policy.
type Lifecycle struct {
	Policy string `json:"policy"` // "set", "none" or "not_read"; "" when the repository does not exist
	// LastEvaluatedAt is null when ECR reports no evaluation.
	LastEvaluatedAt *time.Time `json:"last_evaluated_at"`
}

// Totals sum the existing repositories of the report.
type Totals struct {
	Repositories int `json:"repositories"`
	Existing     int `json:"existing"`
	// Missing counts repositories the spec wants present that do not exist.
	Missing   int     `json:"missing"`
	Images    int     `json:"images"`
	SizeBytes int64   `json:"size_bytes"`
	SizeGB    float64 `json:"size_gb"` // size_bytes / 1024^3
	// PricePerGBMonth and EstimatedMonthlyCost are in USD.
	PricePerGBMonth      float64 `json:"price_per_gb_month_usd"`
	EstimatedMonthlyCost float64 `json:"estimated_monthly_cost_usd"`
}

// Collect reads the status of the spec's repositories. Its calls:
//   - DescribeRepositories: one per 1000 repositories in the registry;
//     DescribeRegistry once, only when the spec's account guard is set and
//     the registry holds no repository;
//   - per existing repository: DescribeImages, one per 1000 images
//     (archived ones included: ecrapi.EachImage lists every status);
//     GetLifecyclePolicy once, unless the spec sets `lifecyclePolicy: none`;
//     with Findings and at least one image, DescribeImageScanFindings for the
//     newest image, one per 1000 findings;
//   - BatchGetRepositoryScanningConfiguration once per 25 existing
//     repositories (their effective scan frequency);
//   - nothing for a repository that does not exist.
func Collect(ctx context.Context, c API, s *spec.File, opt Options) (*Report, error) {
	desired, err := Select(s, opt.Only)
	if err != nil {
		return nil, err
	}
	rep := &Report{FormatVersion: FormatVersion, Region: opt.Region, Spec: s.Path, Findings: opt.Findings, Repositories: make([]Repository, len(desired)), Warnings: []string{}}
	listed, registryID, err := ecrapi.ListRepositories(ctx, c)
	if err != nil {
		return nil, err
	}
	if rep.RegistryID, err = ecrapi.CheckAccount(ctx, c, s.Account, s.Path, registryID); err != nil {
		return nil, err
	}
	inSpec := map[string]bool{}
	for _, d := range s.Repositories {
		inSpec[d.Name] = true
	}
	for name := range listed {
		if !inSpec[name] {
			rep.UnmanagedRepositories++
		}
	}

	pr := &progress{fn: opt.Progress, total: len(desired)}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(opt.Parallelism, 1))
	for i, d := range desired {
		r := &rep.Repositories[i]
		r.Name = d.Name
		r.DesiredState = "present"
		if d.Absent {
			r.DesiredState = "absent"
		}
		lr, ok := listed[d.Name]
		if !ok {
			pr.repoDone()
			continue
		}
		r.Exists = true
		r.URI = lr.URI
		scan := lr.ScanOnPush
		r.ScanOnPush = &scan

		// Two tasks per repository, so a repository with many images does
		// not hold up its lifecycle read; they write disjoint fields.
		readLifecycle := d.Lifecycle == nil || d.Lifecycle.Policy != nil
		pending := &atomic.Int32{}
		pending.Store(1)
		if readLifecycle {
			pending.Store(2)
		} else {
			r.Lifecycle.Policy = PolicyNotRead
		}
		finish := func() {
			if pending.Add(-1) == 0 {
				pr.repoDone()
			}
		}
		g.Go(func() error {
			defer finish()
			return readImages(gctx, c, r, opt.Findings, pr)
		})
		if readLifecycle {
			g.Go(func() error {
				defer finish()
				return readLifecycleOf(gctx, c, r)
			})
		}
	}
	// The loop above decided which repositories exist; their scanning is
	// read beside the per-repository reads, into its own field.
	var scanWarning string
	g.Go(func() (err error) {
		scanWarning, err = readScanning(gctx, c, rep)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if scanWarning != "" {
		rep.Warnings = append(rep.Warnings, scanWarning)
	}
	// A repository deleted between the listing and the reads counts as missing.
	for i := range rep.Repositories {
		if r := &rep.Repositories[i]; r.vanished[0] || r.vanished[1] {
			*r = Repository{Name: r.Name, DesiredState: r.DesiredState}
		}
	}
	rep.Totals = totals(rep.Repositories, opt.PricePerGBMonth)
	return rep, nil
}

// Select returns the spec's repositories, or the named ones in spec
// order; a name the spec does not hold is an error.
func Select(s *spec.File, only []string) ([]spec.Repository, error) {
	if len(only) == 0 {
		return s.Repositories, nil
	}
	want := map[string]bool{}
	for _, n := range only {
		want[n] = true
	}
	var out []spec.Repository
	for _, d := range s.Repositories {
		if want[d.Name] {
			out = append(out, d)
			delete(want, d.Name)
		}
	}
	if len(want) > 0 {
		var names []string
		for n := range want {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, &NotInSpecError{Names: names, File: s.Path}
	}
	return out, nil
}

// NotInSpecError names repositories that were asked for but are not in the spec.
type NotInSpecError struct {
	Names []string
	File  string
}

func (e *NotInSpecError) Error() string {
	what := "repository " + quoteList(e.Names) + " is"
	if len(e.Names) > 1 {
		what = "repositories " + quoteList(e.Names) + " are"
	}
	return what + " not in " + e.File + "; status reports only the repositories the spec manages"
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}

// readImages counts the repository's active images and their size, and
// keeps the newest; archived images are not counted (they are not billed as
// standard storage). Progress is reported a page (1000 entries) at a time.
func readImages(ctx context.Context, c API, r *Repository, findings bool, pr *progress) error {
	var newest *types.ImageDetail
	seen, unreported := 0, 0
	err := ecrapi.EachImage(ctx, c, r.Name, "listing images of", func(d types.ImageDetail) {
		seen++
		if active(d) {
			r.Images.Total++
			if len(d.ImageTags) > 0 {
				r.Images.Tagged++
			} else {
				r.Images.Untagged++
			}
			r.SizeBytes += aws.ToInt64(d.ImageSizeInBytes)
			if newer(&d, newest) {
				newest = &d
			}
			unreported++
		}
		if seen%pageSize == 0 {
			pr.images(unreported)
			unreported = 0
		}
	})

	if isNotFound(err) {
		r.vanished[0] = true
		return nil
	}
	if err != nil {
		return err
	}
	if seen == 0 || seen%pageSize != 0 {
		pr.images(unreported)
	}
	if newest == nil {
		return nil
	}
	r.NewestImage = newImage(newest)
	if findings {
		return readFindings(ctx, c, r.Name, r.NewestImage)
	}
	return nil
}

// active reports whether an image is in standard storage: ecrapi.EachImage
// lists archived (and reactivating) images too, which status leaves out as a
// DescribeImages without an imageStatus filter does. An image without a
// status (moto) is active.
func active(d types.ImageDetail) bool {
	return d.ImageStatus == "" || d.ImageStatus == types.ImageStatusActive
}

// newer reports whether a was pushed after b; equal push times fall back to
// the digest so the choice never depends on page order.
func newer(a, b *types.ImageDetail) bool {
	if b == nil {
		return true
	}
	ta, tb := aws.ToTime(a.ImagePushedAt), aws.ToTime(b.ImagePushedAt)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return aws.ToString(a.ImageDigest) > aws.ToString(b.ImageDigest)
}

func newImage(d *types.ImageDetail) *Image {
	im := &Image{
		Digest:    aws.ToString(d.ImageDigest),
		Tags:      append([]string{}, d.ImageTags...),
		PushedAt:  aws.ToTime(d.ImagePushedAt).UTC(),
		SizeBytes: aws.ToInt64(d.ImageSizeInBytes),
	}
	sort.Strings(im.Tags)
	if d.ImageScanStatus != nil || d.ImageScanFindingsSummary != nil {
		im.Scan = &Scan{SeverityCounts: map[string]int32{}}
		if d.ImageScanStatus != nil {
			im.Scan.Status = string(d.ImageScanStatus.Status)
		}
		if sum := d.ImageScanFindingsSummary; sum != nil {
			im.Scan.CompletedAt = utcPtr(sum.ImageScanCompletedAt)
			for k, v := range sum.FindingSeverityCounts {
				im.Scan.SeverityCounts[k] = v
			}
		}
	}
	return im
}

// readFindings reads the image's scan findings; an image without a scan (or
// deleted since it was listed) has none. When DescribeImages carried no scan
// summary (moto never sends one), the findings' summary fills it in.
func readFindings(ctx context.Context, c API, repo string, im *Image) error {
	var token *string
	found := []Finding{}
	for {
		out, err := c.DescribeImageScanFindings(ctx, &ecr.DescribeImageScanFindingsInput{
			RepositoryName: aws.String(repo),
			ImageId:        &types.ImageIdentifier{ImageDigest: aws.String(im.Digest)},
			MaxResults:     aws.Int32(pageSize),
			NextToken:      token,
		})
		var sn *types.ScanNotFoundException
		var inf *types.ImageNotFoundException
		if errors.As(err, &sn) || errors.As(err, &inf) || isNotFound(err) {
			return nil
		}
		if err != nil {
			return &ecrapi.OpError{Repository: repo, Operation: "DescribeImageScanFindings", Err: err, Doing: "reading the scan findings of the newest image in"}
		}
		if token == nil && im.Scan == nil {
			im.Scan = &Scan{SeverityCounts: map[string]int32{}}
			if out.ImageScanStatus != nil {
				im.Scan.Status = string(out.ImageScanStatus.Status)
			}
			if f := out.ImageScanFindings; f != nil {
				im.Scan.CompletedAt = utcPtr(f.ImageScanCompletedAt)
				for k, v := range f.FindingSeverityCounts {
					im.Scan.SeverityCounts[k] = v
				}
			}
		}
		if f := out.ImageScanFindings; f != nil {
			for _, x := range f.Findings {
				found = append(found, basicFinding(x))
			}
			for _, x := range f.EnhancedFindings {
				found = append(found, enhancedFinding(x))
			}
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			break
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		ri, rj := SeverityRank(found[i].Severity), SeverityRank(found[j].Severity)
		if ri != rj {
			return ri < rj
		}
		if found[i].Name != found[j].Name {
			return found[i].Name < found[j].Name
		}
		return found[i].Package < found[j].Package
	})
	if im.Scan == nil {
		im.Scan = &Scan{SeverityCounts: map[string]int32{}}
	}
	im.Findings = found
	return nil
}

func basicFinding(x types.ImageScanFinding) Finding {
	f := Finding{Name: aws.ToString(x.Name), Severity: string(x.Severity), URI: aws.ToString(x.Uri)}
	for _, a := range x.Attributes {
		switch aws.ToString(a.Key) {
		case "package_name":
			f.Package = aws.ToString(a.Value)
		case "package_version":
			f.PackageVersion = aws.ToString(a.Value)
		}
	}
	return f
}

// enhancedFinding maps an Amazon Inspector finding (enhanced scanning).
func enhancedFinding(x types.EnhancedImageScanFinding) Finding {
	f := Finding{Name: aws.ToString(x.Title), Severity: aws.ToString(x.Severity)}
	if d := x.PackageVulnerabilityDetails; d != nil {
		if id := aws.ToString(d.VulnerabilityId); id != "" {
			f.Name = id
		}
		f.URI = aws.ToString(d.SourceUrl)
		if f.URI == "" && len(d.ReferenceUrls) > 0 {
			f.URI = d.ReferenceUrls[0]
		}
		if len(d.VulnerablePackages) > 0 {
			f.Package = aws.ToString(d.VulnerablePackages[0].Name)
			f.PackageVersion = aws.ToString(d.VulnerablePackages[0].Version)
		}
	}
	return f
}

func readLifecycleOf(ctx context.Context, c API, r *Repository) error {
	out, err := c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String(r.Name)})
	var nf *types.LifecyclePolicyNotFoundException
	switch {
	case errors.As(err, &nf):
		r.Lifecycle.Policy = PolicyNone
	case isNotFound(err):
		r.vanished[1] = true
	case err != nil:
		return &ecrapi.OpError{Repository: r.Name, Operation: "GetLifecyclePolicy", Err: err, Doing: "reading the lifecycle policy of"}
	default:
		r.Lifecycle.Policy = PolicySet
		// A policy that never ran may come back with a zero time.
		if t := aws.ToTime(out.LastEvaluatedAt); t.Unix() > 0 {
			r.Lifecycle.LastEvaluatedAt = utcPtr(out.LastEvaluatedAt)
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *types.RepositoryNotFoundException
	return errors.As(err, &nf)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func totals(repos []Repository, price float64) Totals {
	t := Totals{Repositories: len(repos), PricePerGBMonth: price}
	for _, r := range repos {
		if !r.Exists {
			if r.DesiredState == "present" {
				t.Missing++
			}
			continue
		}
		t.Existing++
		t.Images += r.Images.Total
		t.SizeBytes += r.SizeBytes
	}
	t.SizeGB = float64(t.SizeBytes) / format.BytesPerGB
	t.EstimatedMonthlyCost = t.SizeGB * price
	return t
}

// severityOrder ranks ECR's basic and enhanced severities, worst first.
var severityOrder = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED", "UNDEFINED"}

// SeverityRank orders severities worst first; unknown ones sort last.
func SeverityRank(s string) int {
	for i, x := range severityOrder {
		if x == s {
			return i
		}
	}
	return len(severityOrder)
}

// progress counts finished repositories for Options.Progress.
type progress struct {
	mu          sync.Mutex
	fn          func(Progress)
	done, total int
	imagesRead  int
}

func (p *progress) repoDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.report()
}

func (p *progress) images(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.imagesRead += n
	p.report()
}

func (p *progress) report() {
	if p.fn != nil {
		p.fn(Progress{Done: p.done, Total: p.total, Images: p.imagesRead})
	}
}
