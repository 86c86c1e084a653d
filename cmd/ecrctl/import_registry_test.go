package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// TestImportRegistrySection: import writes the registry policy it finds
// under registry:, and --no-registry leaves the section out and reads no
// registry setting.
func TestImportRegistrySection(t *testing.T) {
	h := newHarness(t, testSpec)
	seedRepo(t, h, "app", types.ImageTagMutabilityImmutable, "")
	if _, err := h.fake.PutRegistryPolicy(context.Background(), &ecr.PutRegistryPolicyInput{PolicyText: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Sid":"Replication","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},` +
			`"Action":["ecr:CreateRepository","ecr:ReplicateImage"],"Resource":"arn:aws:ecr:us-west-2:123456789012:repository/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	h.fake.ResetCalls()

	code, out, errOut := h.run("", false, "import")
	if code != exitOK || !strings.Contains(out, "\nregistry:\n  policy:\n") || !strings.Contains(out, "Sid: Replication") {
		t.Fatalf("import = %d:\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if h.fake.CallsFor("GetRegistryPolicy", "") != 1 {
		t.Errorf("calls: %v", h.fake.Calls())
	}

	h.fake.ResetCalls()
	code, out, errOut = h.run("", false, "import", "--no-registry")
	if code != exitOK || strings.Contains(out, "registry:") || !strings.Contains(out, "  - name: app\n") {
		t.Fatalf("import --no-registry = %d:\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, op := range []string{"GetRegistryScanningConfiguration", "GetRegistryPolicy", "DescribePullThroughCacheRules", "DescribeRepositoryCreationTemplates"} {
		if n := h.fake.CallsFor(op, ""); n != 0 {
			t.Errorf("--no-registry sent %s %d times", op, n)
		}
	}
	if h.fake.Writes() != 0 {
		t.Errorf("import wrote: %v", h.fake.Calls())
	}
}
