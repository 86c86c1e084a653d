package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/status"
)

type statusOptions struct {
	Output          string
	Findings        bool
	PricePerGBMonth float64
	Repositories    []string
}

// statusProgressDelay is how long status reads before it shows a progress
// line on a terminal; tests set it to 0.
const statusProgressDelay = 750 * time.Millisecond

func newStatusCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [REPOSITORY...]",
		Short: "Show what the managed repositories hold: images, size, scan findings, cost",
		Long: `Status reads live ECR for the repositories in the spec (or just the named ones,
which must be in the spec) and shows, in spec order, for each: whether it
exists, its images (tagged / untagged), their total size, the newest push,
when ECR last evaluated the lifecycle policy (if it reports it), the
scan-on-push setting, the scan frequency ECR actually applies (a registry
scanning rule overrides scan on push; status names the rule's filters), and
the severity counts of the newest image's scan.
--findings also lists that scan's findings (name, severity, package, URI).

The footer sums storage over the existing repositories and estimates the
monthly storage cost at --price-per-gb-month (USD; 1 GB = 1024^3 bytes). It is
an estimate: sizes are ECR's imageSizeInBytes summed per image, so layers that
images share are counted more than once; archived images are not counted.

Status only reads. Its ECR calls:
  DescribeRepositories       one per 1000 repositories in the registry
  DescribeImages             one per 1000 images, per existing repository
  GetLifecyclePolicy         one per existing repository, none when the spec
                             sets lifecyclePolicy: none
  DescribeImageScanFindings  with --findings only: one per 1000 findings of
                             the newest image, per repository with images
  BatchGetRepositoryScanningConfiguration
                             one per 25 existing repositories: the scan
                             frequency ECR applies, registry scanning rules
                             included (read with or without a registry:
                             section; denied, the report says "not read"
                             and warns)
A repository that does not exist costs no call. At most --parallelism calls
run at once.

-o json prints one object (format_version "1"): region, registry_id,
spec_file, findings_requested, repositories[] (name, desired_state, exists,
uri, scan_on_push, effective_scanning{frequency, applied_filters},
images{total,tagged,untagged}, size_bytes, newest_image
{digest, tags, pushed_at, size_bytes, scan{status, completed_at,
severity_counts}, findings[] with --findings}, lifecycle{policy: set, none or
not_read, last_evaluated_at}), unmanaged_repositories, and totals
{repositories, existing, missing, images, size_bytes, size_gb,
price_per_gb_month_usd, estimated_monthly_cost_usd}, warnings[]. Absent
values are null.

Several registries (spec files for several accounts or regions, a directory
of files): each registry's report under a header like plan's, then one line
summing images, size and cost; -o json prints {"format_version", "registries":
[{registry, account, region, role, spec_files, error, status}]}, status being
the object above (docs/status-json.md). A registry that cannot be read is
reported and the others still are; status then exits 1. Names given as
arguments select the registries whose files describe them.

Exit codes:
  0  success (also when repositories are missing: see "exists")
  1  error (in any registry)`,
		Example: `  ecrctl status
  ecrctl status app-frontend --findings
  ecrctl status -o json | jq -r '.repositories[] | select(.exists | not) | .name'
  ecrctl status -o json | jq '.totals.estimated_monthly_cost_usd'
  ecrctl status --price-per-gb-month 0.11
  ecrctl status -f registry/ -o json | jq '.registries[] | {registry, cost: .status.totals.estimated_monthly_cost_usd}'`,
		ValidArgsFunction: completeRepositoryNames(g, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Repositories = args
			return runStatus(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	fl.BoolVar(&o.Findings, "findings", false, "also list the scan findings of each repository's newest image (one more call per repository)")
	fl.Float64Var(&o.PricePerGBMonth, "price-per-gb-month", format.DefaultPricePerGBMonth, "storage price in USD per GB-month (1 GB = 1024^3 bytes) for the cost estimate")
	return cmd
}

func runStatus(ctx context.Context, f *factory, g *globalOptions, o *statusOptions) error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("-o %q is not a format; use text or json", o.Output)
	}
	if err := checkPrice(o.PricePerGBMonth); err != nil {
		return err
	}
	ts, err := loadTargets(ctx, f, g.Files)
	if err != nil {
		return err
	}
	if len(ts) > 1 {
		return runStatusRegistries(ctx, f, g, o, ts)
	}
	s := ts[0].Spec
	// Check the names before connecting: a typo costs no AWS call.
	if _, err := status.Select(s, o.Repositories); err != nil {
		return err
	}
	client, region, err := connectTarget(ctx, f, g, ts[0])
	if err != nil {
		return err
	}
	opt := status.Options{
		Region: region, Only: o.Repositories, Parallelism: g.Parallelism,
		Findings: o.Findings, PricePerGBMonth: o.PricePerGBMonth,
	}
	var line *progressLine
	if l := f.IO.LiveLine(g.NoColor); l != nil {
		line = &progressLine{line: l, start: time.Now(), delay: f.ProgressDelay}
		opt.Progress = line.update
	}
	rep, err := status.Collect(ctx, client, s, opt)
	line.clear()
	if err != nil {
		return err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "Warning: %s\n", w)
	}
	if o.Output == "json" {
		return status.RenderJSON(f.IO.Out, rep)
	}
	return status.RenderText(f.IO.Out, rep)
}

// progressLine shows status's progress on a live line, and only once the
// work has taken longer than delay: a fast run prints nothing.
type progressLine struct {
	line  *liveLine
	start time.Time
	delay time.Duration
}

func (p *progressLine) update(pr status.Progress) {
	if time.Since(p.start) < p.delay {
		return
	}
	p.line.Set(fmt.Sprintf("Reading ECR: %d/%d %s, %d %s", pr.Done, pr.Total,
		format.Plural(pr.Total, "repository", "repositories"), pr.Images, format.Plural(pr.Images, "image", "images")))
}

// clear erases the line if one was shown; a nil line does nothing.
func (p *progressLine) clear() {
	if p != nil {
		p.line.Clear()
	}
}
