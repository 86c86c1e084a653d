//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// statusJSON is the part of `ecrctl status -o json` the tests check.
type statusJSON struct {
	RegistryID   string `json:"registry_id"`
	Repositories []struct {
		Name       string `json:"name"`
		Exists     bool   `json:"exists"`
		ScanOnPush *bool  `json:"scan_on_push"`
		Images     struct {
			Total, Tagged, Untagged int
		} `json:"images"`
		SizeBytes   int64 `json:"size_bytes"`
		NewestImage *struct {
			Digest string   `json:"digest"`
			Tags   []string `json:"tags"`
			Scan   *struct {
				Status         string           `json:"status"`
				SeverityCounts map[string]int32 `json:"severity_counts"`
			} `json:"scan"`
			Findings []struct {
				Name, Severity, Package, URI string
				PackageVersion               string `json:"package_version"`
			} `json:"findings"`
		} `json:"newest_image"`
		Lifecycle struct {
			Policy          string  `json:"policy"`
			LastEvaluatedAt *string `json:"last_evaluated_at"`
		} `json:"lifecycle"`
	} `json:"repositories"`
	Totals struct {
		Existing, Missing, Images int
		SizeBytes                 int64   `json:"size_bytes"`
		Cost                      float64 `json:"estimated_monthly_cost_usd"`
	} `json:"totals"`
}

// seedImagesScript deletes the backend repository and pushes three images
// (v1, v2, v3) to the frontend, each scanned: moto scans only on request
// (never on push) and records push times in whole seconds, so the newest
// image is scanned whichever it is. One process: each CLI call costs seconds.
const seedImagesScript = `
import json, sys
import boto3
from botocore.config import Config

c = boto3.client("ecr", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 config=Config(retries={"max_attempts": 1}))
front, back = sys.argv[3], sys.argv[4]
c.delete_repository(repositoryName=back, force=True)
for i, tag in enumerate(["v1", "v2", "v3"], start=1):
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:%064x" % i},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32, "digest": "sha256:%064x" % (1000 + i)}],
    }
    c.put_image(repositoryName=front, imageTag=tag, imageManifest=json.dumps(manifest))
    c.start_image_scan(repositoryName=front, imageId={"imageTag": tag})
`

// seedWithBoto3 runs a Python script with boto3 against moto directly; the script
// gets moto's URL, the region and args as sys.argv[1:].
func (e *env) seedWithBoto3(script string, args ...string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", append([]string{"-c", script, motoURL, region}, args...)...)
	cmd.Env = e.checkerEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("running a boto3 script against moto: %v\n%s", err, out)
	}
}

// TestE2EStatus: status reports images pushed with the AWS CLI, the fixed
// scan finding moto returns for a scanned image, and a missing repository,
// with read calls only and none for the missing repository.
func TestE2EStatus(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	e.mustExit(0, "apply", "--auto-approve")
	e.seedWithBoto3(seedImagesScript, frontend, backend)

	r := e.mustExit(0, "status", "--findings", "-o", "json")
	assertNoWrites(t, r)
	var got []string
	for _, c := range r.calls {
		got = append(got, c.String())
		if c.Repo == backend {
			t.Errorf("status sent %s for the missing repository", c)
		}
	}
	sort.Strings(got)
	want := []string{"BatchGetRepositoryScanningConfiguration()", "DescribeImageScanFindings(" + frontend + ")", "DescribeImages(" + frontend + ")", "DescribeRepositories()", "GetLifecyclePolicy(" + frontend + ")"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("calls (-want +got):\n%s\n%s", d, r)
	}

	var st statusJSON
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status -o json is not JSON: %v\n%s", err, r)
	}
	if st.RegistryID != account || len(st.Repositories) != 2 {
		t.Fatalf("registry %q, %d repositories\n%s", st.RegistryID, len(st.Repositories), r)
	}
	front, back := st.Repositories[0], st.Repositories[1]
	if front.Name != frontend || back.Name != backend {
		t.Fatalf("repositories not in spec order: %s, %s", front.Name, back.Name)
	}
	if back.Exists || back.NewestImage != nil {
		t.Errorf("%s should be missing\n%s", backend, r)
	}
	if !front.Exists || front.ScanOnPush == nil || !*front.ScanOnPush || front.Images.Total != 3 || front.Images.Tagged != 3 {
		t.Errorf("%s: exists %v, scanOnPush %v, images %+v\n%s", frontend, front.Exists, front.ScanOnPush, front.Images, r)
	}
	// moto reports a manifest's config size as the image size: 2 bytes each here.
	if front.SizeBytes != 6 || st.Totals.SizeBytes != 6 || st.Totals.Images != 3 || st.Totals.Missing != 1 {
		t.Errorf("sizes: repository %d, totals %+v\n%s", front.SizeBytes, st.Totals, r)
	}
	// moto answers GetLifecyclePolicy with lastEvaluatedAt = now.
	if front.Lifecycle.Policy != "set" || front.Lifecycle.LastEvaluatedAt == nil {
		t.Errorf("lifecycle %+v", front.Lifecycle)
	}
	ni := front.NewestImage
	if ni == nil || ni.Scan == nil {
		t.Fatalf("no newest image scan\n%s", r)
	}
	// moto sends no scan summary in DescribeImages; the findings call fills it in.
	if d := cmp.Diff(map[string]int32{"HIGH": 1}, ni.Scan.SeverityCounts); d != "" || ni.Scan.Status != "COMPLETE" {
		t.Errorf("scan status %q, severity counts (-want +got):\n%s", ni.Scan.Status, d)
	}
	if len(ni.Findings) != 1 || ni.Findings[0].Name != "CVE-9999-9999" || ni.Findings[0].Severity != "HIGH" ||
		ni.Findings[0].Package != "moto_fake" || ni.Findings[0].PackageVersion != "9.9.9" || !strings.Contains(ni.Findings[0].URI, "CVE-9999-9999") {
		t.Errorf("findings %+v", ni.Findings)
	}

	r = e.mustExit(0, "status")
	for _, want := range []string{
		frontend + ": exists",
		"  images        3 (3 tagged, 0 untagged)",
		// moto's DescribeImages carries no scan summary (real ECR's does),
		// so without --findings the scan is unknown.
		"  scan          not scanned",
		backend + ": missing",
		"Total: 3 images, 6 B in 1 existing repository (1 missing)",
		"Estimated storage cost: USD 0.00 a month at USD 0.10 per GB-month",
	} {
		mustContain(t, r, r.stdout, want)
	}
	for _, c := range r.calls {
		if c.Op == "DescribeImageScanFindings" {
			t.Errorf("status without --findings sent %s", c)
		}
	}

	r = e.mustExit(1, "status", "durableai-dev-nope")
	mustContain(t, r, r.stderr, `repository "durableai-dev-nope" is not in registry.yaml`)
	if len(r.calls) != 0 {
		t.Errorf("a name not in the spec still sent %v", r.calls)
	}
}

// TestE2ELogin: --print writes moto's password to the pipe and the registry
// to stderr; without docker on PATH, login fails before any AWS call.
func TestE2ELogin(t *testing.T) {
	e := newEnv(t)
	e.seedSpec()
	r := e.mustExit(0, "login", "--print")
	if r.stdout != account+"-auth-token\n" {
		t.Errorf("stdout %q, want moto's password only\n%s", r.stdout, r)
	}
	mustContain(t, r, r.stderr, "Registry: "+account+".dkr.ecr."+region+".amazonaws.com\n")
	mustContain(t, r, r.stderr, "Username: AWS\n")
	mustNotContain(t, r, r.stderr, "auth-token")
	if len(r.calls) != 1 || r.calls[0].Op != "GetAuthorizationToken" {
		t.Errorf("calls %v, want one GetAuthorizationToken", r.calls)
	}

	// ecrctl runs with an environment without PATH, so docker is not found.
	r = e.mustExit(1, "login")
	mustContain(t, r, r.stderr, "docker is not on PATH; install Docker or use `ecrctl login --print | ...`")
	if len(r.calls) != 0 {
		t.Errorf("login without docker sent %v", r.calls)
	}
}
