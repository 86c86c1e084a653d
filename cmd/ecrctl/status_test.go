package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/status"
)

// statusHarness has app-frontend (of testSpec) with three images, the newest
// scanned with findings, and app-backend missing.
func statusHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, testSpec)
	if _, err := h.fake.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String("app-frontend"),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
	}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	h.fake.PutImage("app-frontend", ecrfake.Image{Tags: []string{"v1"}, SizeBytes: 1 << 30, PushedAt: at})
	h.fake.PutImage("app-frontend", ecrfake.Image{SizeBytes: 1 << 29, PushedAt: at.Add(time.Hour)})
	h.fake.PutImage("app-frontend", ecrfake.Image{Tags: []string{"v2"}, SizeBytes: 1 << 29, PushedAt: at.Add(2 * time.Hour),
		Findings: []types.ImageScanFinding{
			{Name: aws.String("CVE-2025-1111"), Severity: types.FindingSeverityCritical, Uri: aws.String("https://cve.example/1111"),
				Attributes: []types.Attribute{{Key: aws.String("package_name"), Value: aws.String("openssl")}, {Key: aws.String("package_version"), Value: aws.String("3.0.1")}}},
			{Name: aws.String("CVE-2025-2222"), Severity: types.FindingSeverityMedium},
		}})
	h.fake.ResetCalls()
	return h
}

func TestStatusText(t *testing.T) {
	h := statusHarness(t)
	code, out, errOut := h.run("", false, "status")
	if code != exitOK {
		t.Fatalf("status = %d:\n%s", code, errOut)
	}
	for _, want := range []string{
		"app-frontend: exists",
		"  images        3 (2 tagged, 1 untagged)",
		"  size          2.0 GiB",
		"2025-03-01T02:00:00Z",
		"  scan on push  on",
		"newest image: CRITICAL 1, MEDIUM 1",
		"app-backend: missing",
		"Total: 3 images, 2.0 GiB in 1 existing repository (1 missing)",
		"Estimated storage cost: USD 0.20 a month at USD 0.10 per GB-month (1 GB = 1024^3 bytes",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "CVE-2025-1111") {
		t.Error("findings listed without --findings")
	}
	if errOut != "" {
		t.Errorf("stderr without a terminal: %q", errOut)
	}
	if h.fake.Writes() != 0 || h.fake.CallsFor("DescribeImageScanFindings", "") != 0 {
		t.Errorf("calls: %v", h.fake.Calls())
	}
}

func TestStatusFindingsAndPrice(t *testing.T) {
	h := statusHarness(t)
	code, out, errOut := h.run("", false, "status", "--findings", "--price-per-gb-month", "1.5")
	if code != exitOK {
		t.Fatalf("status = %d:\n%s", code, errOut)
	}
	for _, want := range []string{
		"findings      2 in the newest image:",
		"CRITICAL  CVE-2025-1111  openssl 3.0.1  https://cve.example/1111",
		"MEDIUM    CVE-2025-2222",
		"USD 3.00 a month at USD 1.50 per GB-month",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if n := h.fake.CallsFor("DescribeImageScanFindings", "app-frontend"); n != 1 {
		t.Errorf("DescribeImageScanFindings calls = %d, want 1", n)
	}
}

func TestStatusJSON(t *testing.T) {
	h := statusHarness(t)
	code, out, errOut := h.run("", false, "status", "-o", "json", "--findings")
	if code != exitOK {
		t.Fatalf("status = %d:\n%s", code, errOut)
	}
	var rep status.Report
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("status -o json is not one report object: %v\n%s", err, out)
	}
	if rep.FormatVersion != "1" || len(rep.Repositories) != 2 || rep.Region != "us-west-2" {
		t.Fatalf("report: %+v", rep)
	}
	fr, be := rep.Repositories[0], rep.Repositories[1]
	if fr.Name != "app-frontend" || !fr.Exists || fr.Images.Total != 3 || fr.SizeBytes != 2<<30 || len(fr.NewestImage.Findings) != 2 {
		t.Errorf("app-frontend: %+v", fr)
	}
	if be.Name != "app-backend" || be.Exists {
		t.Errorf("app-backend: %+v", be)
	}
	if rep.Totals.EstimatedMonthlyCost != 0.2 || rep.Totals.Missing != 1 {
		t.Errorf("totals: %+v", rep.Totals)
	}
}

func TestStatusNamedRepositories(t *testing.T) {
	h := statusHarness(t)
	code, out, _ := h.run("", false, "status", "app-backend")
	if code != exitOK || strings.Contains(out, "app-frontend") || !strings.Contains(out, "app-backend: missing") {
		t.Fatalf("status app-backend = %d:\n%s", code, out)
	}
	if n := h.fake.CallsFor("DescribeImages", ""); n != 0 {
		t.Errorf("read images of a repository that was not named: %d calls", n)
	}

	connected := h.connected
	code, _, errOut := h.run("", false, "status", "app-frontend", "nope")
	if code != exitError || !strings.Contains(errOut, `repository "nope" is not in registry.yaml`) {
		t.Fatalf("unknown name: exit %d:\n%s", code, errOut)
	}
	if h.connected != connected {
		t.Error("a repository name not in the spec still connected to AWS")
	}
}

func TestStatusBadFlags(t *testing.T) {
	h := statusHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "-o", "yaml"}, `-o "yaml" is not a format`},
		{[]string{"status", "--price-per-gb-month", "-1"}, "--price-per-gb-month must be a finite number of USD, 0 or more"},
	} {
		code, _, errOut := h.run("", false, tc.args...)
		if code != exitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v = %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	if h.connected != 0 {
		t.Error("bad flags connected to AWS")
	}
}

func TestStatusAWSErrorExits1(t *testing.T) {
	h := statusHarness(t)
	h.fake.FailN("DescribeImages", "app-frontend", 1, h.fake.AccessDeniedFor("DescribeImages", "app-frontend"))
	code, out, errOut := h.run("", false, "status")
	if code != exitError || out != "" || !strings.Contains(errOut, `listing images of repository "app-frontend" (DescribeImages): AccessDeniedException`) {
		t.Fatalf("exit %d, stdout %q:\n%s", code, out, errOut)
	}
}

func TestStatusProgressOnlyOnTerminal(t *testing.T) {
	h := statusHarness(t)
	h.progressDelay = 0
	code, out, errOut := h.run("", true, "status")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "Reading ECR: 2/2 repositories, 3 images") || !strings.HasSuffix(errOut, "\r\x1b[K") {
		t.Errorf("terminal stderr = %q, want a progress line that is erased at the end", errOut)
	}
	if strings.Contains(out, "Reading ECR") {
		t.Error("progress on stdout")
	}
	_, _, errOut = h.run("", false, "status")
	if errOut != "" {
		t.Errorf("progress without a terminal: %q", errOut)
	}
}

func TestStatusAndLoginHelp(t *testing.T) {
	h := newHarness(t, testSpec)
	for _, cmd := range []string{"status", "login"} {
		code, out, _ := h.run("", false, cmd, "--help")
		if code != exitOK || !strings.Contains(out, "Examples:") || !strings.Contains(out, "Exit codes:") {
			t.Errorf("%s --help = %d, lacks examples or exit codes:\n%s", cmd, code, out)
		}
	}
	if h.connected != 0 {
		t.Fatal("--help built a client")
	}
}
