//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The registry settings moto implements: scanning, replication (0 or 1
// rule) and the registry policy (only ecr:CreateRepository and
// ecr:ReplicateImage, with a Resource). Pull-through cache rules and
// creation templates are not in moto; the fake-based tests of
// internal/reconcile and internal/adopt cover them.

// registrySpec manages one repository and the three registry settings.
const registrySpec = `version: 1
region: us-west-2
account: "449870229058"
repositories:
  - name: prod-api
    scanOnPush: true
registry:
  scanning:
    type: ENHANCED
    rules:
      - frequency: CONTINUOUS_SCAN
        filters: ["prod-*"]
      - frequency: SCAN_ON_PUSH
        filters: ["*"]
  replication:
    rules:
      - destinations:
          - region: us-east-1
          - {region: eu-west-1, account: "111122223333"}
        filters: ["prod-"]
  policy:
    Version: "2012-10-17"
    Statement:
      - Sid: ReplicationFromOtherAccount
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::111122223333:root"}
        Action: [ecr:CreateRepository, ecr:ReplicateImage]
        Resource: "arn:aws:ecr:us-west-2:449870229058:repository/*"
`

// registryOps are the operations that read or write registry settings.
var registryOps = []string{
	"GetRegistryScanningConfiguration", "PutRegistryScanningConfiguration",
	"PutReplicationConfiguration",
	"GetRegistryPolicy", "PutRegistryPolicy", "DeleteRegistryPolicy",
	"DescribePullThroughCacheRules", "CreatePullThroughCacheRule", "UpdatePullThroughCacheRule", "DeletePullThroughCacheRule",
	"DescribeRepositoryCreationTemplates", "CreateRepositoryCreationTemplate", "UpdateRepositoryCreationTemplate", "DeleteRepositoryCreationTemplate",
}

// TestE2ERegistrySettingsConverge: plan shows the three settings, apply
// sets them as boto3 reads them back, and a second plan and apply find
// nothing to do.
func TestE2ERegistrySettingsConverge(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", registrySpec)
	before := e.registry()
	if before.Scanning.Type != "BASIC" || len(before.Scanning.Rules) != 0 || len(before.Replication.Rules) != 0 || before.Policy != nil {
		t.Fatalf("moto's fresh registry is not BASIC / no rules / no replication / no policy: %+v", before)
	}

	r := e.mustExit(2, "plan", "--detailed-exitcode", "-o", "json")
	assertNoWrites(t, r)
	p := decodePlan(t, r)
	for _, typ := range []string{"registry_scanning_configuration", "replication_configuration", "registry_policy"} {
		if c := p.byType(t, typ); c.noop() {
			t.Errorf("%s: no change planned for a fresh registry: %+v", typ, c)
		}
	}
	if !cmp.Equal(e.registry(), before) {
		t.Fatal("plan changed the registry settings")
	}

	r = e.mustExit(0, "apply", "--auto-approve")
	for _, op := range []string{"PutRegistryScanningConfiguration", "PutReplicationConfiguration", "PutRegistryPolicy"} {
		if !r.sent(op) {
			t.Errorf("apply did not send %s\n%s", op, r)
		}
	}
	got := e.registry()
	wantScanning := registryScanning{Type: "ENHANCED", Rules: []scanningRule{
		{Frequency: "CONTINUOUS_SCAN", Filters: []string{"prod-*"}},
		{Frequency: "SCAN_ON_PUSH", Filters: []string{"*"}},
	}}
	if d := cmp.Diff(wantScanning, got.Scanning.normalised()); d != "" {
		t.Errorf("scanning after apply (-want +got):\n%s", d)
	}
	wantReplication := replication{Rules: []replicationRule{{
		Destinations: []destination{{Region: "eu-west-1", RegistryID: "111122223333"}, {Region: "us-east-1", RegistryID: account}},
		Filters:      []string{"prod-"},
	}}}
	if d := cmp.Diff(wantReplication, got.Replication.normalised()); d != "" {
		t.Errorf("replication after apply (-want +got):\n%s", d)
	}
	if got.Policy == nil || !strings.Contains(*got.Policy, "ReplicationFromOtherAccount") {
		t.Errorf("registry policy after apply: %v", got.Policy)
	}

	r = e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
	assertNoWrites(t, r)
	r = e.mustExit(0, "apply", "--auto-approve")
	assertNoWrites(t, r)
	if d := cmp.Diff(got, e.registry()); d != "" {
		t.Errorf("a second apply changed the registry settings (-before +after):\n%s", d)
	}
}

// TestE2ERegistryDriftRepaired: settings changed behind ecrctl's back with
// the AWS CLI show in the plan, and one apply puts them back.
func TestE2ERegistryDriftRepaired(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", registrySpec)
	e.mustExit(0, "apply", "--auto-approve")
	converged := e.registry()

	e.aws("put-registry-scanning-configuration", "--scan-type", "BASIC", "--rules",
		`[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"dev-*","filterType":"WILDCARD"}]}]`)
	e.aws("put-replication-configuration", "--replication-configuration",
		`{"rules":[{"destinations":[{"region":"ap-south-1","registryId":"`+account+`"}]}]}`)
	e.aws("put-registry-policy", "--policy-text",
		`{"Version":"2012-10-17","Statement":[{"Sid":"HandMade","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"ecr:ReplicateImage","Resource":"*"}]}`)
	drifted := e.registry()
	if drifted.Scanning.Type != "BASIC" || drifted.Policy == nil || !strings.Contains(*drifted.Policy, "HandMade") {
		t.Fatalf("moto ignored the out-of-band changes: %+v", drifted)
	}

	r := e.mustExit(2, "plan", "--detailed-exitcode", "-o", "json")
	assertNoWrites(t, r)
	p := decodePlan(t, r)
	for _, typ := range []string{"registry_scanning_configuration", "replication_configuration", "registry_policy"} {
		c := p.byType(t, typ)
		if !slices.Equal(c.Actions, []string{"update"}) {
			t.Errorf("%s: actions %v, want [update]", typ, c.Actions)
		}
	}
	r = e.mustExit(2, "plan", "--detailed-exitcode")
	// The plan names the live rule it removes (the scanning singleton is authoritative).
	mustContain(t, r, r.stdout, "dev-*")
	mustContain(t, r, r.stdout, "ap-south-1")

	e.mustExit(0, "apply", "--auto-approve")
	if d := cmp.Diff(converged.normalised(), e.registry().normalised()); d != "" {
		t.Errorf("apply did not repair the drift (-converged +now):\n%s", d)
	}
	r = e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
}

// TestE2ERegistrySettingsRemoved: `policy: none` deletes the registry
// policy, `rules: []` removes every replication rule, and BASIC with no
// rules is scanning's "off".
func TestE2ERegistrySettingsRemoved(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", registrySpec)
	e.mustExit(0, "apply", "--auto-approve")

	e.writeFile("registry.yaml", `version: 1
region: us-west-2
repositories:
  - name: prod-api
    scanOnPush: true
registry:
  scanning: {type: BASIC, rules: []}
  replication: {rules: []}
  policy: none
`)
	r := e.mustExit(2, "plan", "--detailed-exitcode", "-o", "json")
	p := decodePlan(t, r)
	if c := p.byType(t, "registry_policy"); !slices.Contains(c.Actions, "delete") {
		t.Errorf("registry_policy: actions %v, want a delete", c.Actions)
	}
	r = e.mustExit(0, "apply", "--auto-approve")
	if !r.sent("DeleteRegistryPolicy") {
		t.Errorf("apply did not send DeleteRegistryPolicy\n%s", r)
	}
	got := e.registry()
	if got.Policy != nil {
		t.Errorf("the registry policy survived policy: none: %s", *got.Policy)
	}
	if got.Scanning.Type != "BASIC" || len(got.Scanning.Rules) != 0 {
		t.Errorf("scanning = %+v, want BASIC without rules", got.Scanning)
	}
	if len(got.Replication.Rules) != 0 {
		t.Errorf("replication = %+v, want no rules", got.Replication)
	}
	r = e.mustExit(0, "plan", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
	assertNoWrites(t, r)
}

// TestE2ENoRegistrySectionLeavesRegistryAlone: settings made with boto3
// (the AWS CLI) survive a plan and apply of a spec without registry:, and
// ecrctl sends no registry-setting call at all.
func TestE2ENoRegistrySectionLeavesRegistryAlone(t *testing.T) {
	e := newEnv(t)
	e.aws("put-registry-scanning-configuration", "--scan-type", "ENHANCED", "--rules",
		`[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]`)
	e.aws("put-replication-configuration", "--replication-configuration",
		`{"rules":[{"destinations":[{"region":"us-east-1","registryId":"`+account+`"}]}]}`)
	e.aws("put-registry-policy", "--policy-text",
		`{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:CreateRepository","Resource":"*"}]}`)
	before := e.registry()
	e.seedSpec()

	for _, args := range [][]string{{"plan"}, {"apply", "--auto-approve"}, {"plan", "--detailed-exitcode"}} {
		r := e.mustExit(0, args...)
		for _, c := range r.calls {
			if slices.Contains(registryOps, c.Op) {
				t.Errorf("%v sent %s without a registry: section\n%s", args, c.Op, r)
			}
		}
		mustNotContain(t, r, r.stdout, "registry_")
		mustNotContain(t, r, r.stdout, "replication_configuration")
	}
	if d := cmp.Diff(before, e.registry()); d != "" {
		t.Errorf("a spec without registry: changed the registry settings (-before +after):\n%s", d)
	}
	if len(e.snapshot().Repositories) != 2 {
		t.Error("the seed repositories were not created")
	}
}

// TestE2EImportRegistry: import writes the registry settings made with the
// AWS CLI, leaves out what moto cannot read (pull-through cache rules,
// creation templates) with a warning, and a plan of the imported file shows
// no changes; --no-registry sends no registry-setting call.
func TestE2EImportRegistry(t *testing.T) {
	e := newEnv(t)
	e.aws("create-repository", "--repository-name", "prod-api")
	e.aws("put-registry-scanning-configuration", "--scan-type", "ENHANCED", "--rules",
		`[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"prod-*","filterType":"WILDCARD"}]}]`)
	e.aws("put-replication-configuration", "--replication-configuration",
		`{"rules":[{"destinations":[{"region":"us-east-1","registryId":"`+account+`"}],"repositoryFilters":[{"filter":"prod-","filterType":"PREFIX_MATCH"}]}]}`)
	e.aws("put-registry-policy", "--policy-text",
		`{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:CreateRepository","ecr:ReplicateImage"],"Resource":"*"}]}`)
	before := e.registry()

	r := e.mustExit(0, "--region", region, "import", "-o", "imported.yaml")
	assertNoWrites(t, r)
	mustContain(t, r, r.stderr, "registry.pullThroughCache is left out of the spec")
	mustContain(t, r, r.stderr, "registry.creationTemplates is left out of the spec")
	spec := readFile(t, filepath.Join(e.dir, "imported.yaml"))
	for _, want := range []string{
		"registry:\n  scanning:\n    type: ENHANCED\n    rules:\n      - frequency: CONTINUOUS_SCAN\n        filters: [prod-*]\n",
		"  replication:\n    rules:\n      - destinations:\n          - {region: us-east-1}\n        filters: [prod-]\n",
		"  policy:\n    Version: \"2012-10-17\"\n",
	} {
		if !strings.Contains(spec, want) {
			t.Errorf("imported spec lacks %q:\n%s", want, spec)
		}
	}
	r = e.mustExit(0, "plan", "-f", "imported.yaml", "--detailed-exitcode")
	mustContain(t, r, r.stdout, "No changes.")
	assertNoWrites(t, r)

	r = e.mustExit(0, "--region", region, "import", "--no-registry", "-o", "-")
	mustNotContain(t, r, r.stdout, "registry:")
	for _, c := range r.calls {
		if slices.Contains(registryOps, c.Op) {
			t.Errorf("import --no-registry sent %s", c)
		}
	}
	if d := cmp.Diff(before, e.registry()); d != "" {
		t.Errorf("import changed the registry settings (-before +after):\n%s", d)
	}
}

// ---- plan JSON of the registry kinds ------------------------------------

func (c planResChange) noop() bool {
	return len(c.Actions) == 0 || slices.Equal(c.Actions, []string{"no-op"})
}

// byType is the plan's change of a registry singleton (type = address).
func (p planJSON) byType(t *testing.T, typ string) planResChange {
	t.Helper()
	for _, c := range p.Changes {
		if c.Type == typ {
			return c
		}
	}
	t.Fatalf("the plan has no %s: %+v", typ, p.Changes)
	return planResChange{}
}

// sent reports whether the run sent operation op.
func (r result) sent(op string) bool {
	for _, c := range r.calls {
		if c.Op == op {
			return true
		}
	}
	return false
}

// ---- the registry settings as boto3 sees them ---------------------------

const registryScript = `
import json, sys
import boto3
from botocore.config import Config

c = boto3.client("ecr", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                 config=Config(retries={"max_attempts": 1}))
out = {"scanning": c.get_registry_scanning_configuration()["scanningConfiguration"],
       "replication": c.describe_registry()["replicationConfiguration"]}
try:
    out["policy"] = c.get_registry_policy()["policyText"]
except c.exceptions.RegistryPolicyNotFoundException:
    out["policy"] = None
json.dump(out, sys.stdout, sort_keys=True)
`

type registrySettings struct {
	Scanning    registryScanning `json:"scanning"`
	Replication replication      `json:"replication"`
	Policy      *string          `json:"policy"`
}

type registryScanning struct {
	Type  string         `json:"scanType"`
	Rules []scanningRule `json:"rules"`
}

type scanningRule struct {
	Frequency string   `json:"scanFrequency"`
	Filters   []string `json:"-"`
	Raw       []struct {
		Filter string `json:"filter"`
	} `json:"repositoryFilters"`
}

type replication struct {
	Rules []replicationRule `json:"rules"`
}

type replicationRule struct {
	Destinations []destination `json:"destinations"`
	Filters      []string      `json:"-"`
	Raw          []struct {
		Filter string `json:"filter"`
	} `json:"repositoryFilters"`
}

type destination struct {
	Region     string `json:"region"`
	RegistryID string `json:"registryId"`
}

// normalised sorts what ECR treats as sets and keeps filters as strings.
func (s registryScanning) normalised() registryScanning {
	out := registryScanning{Type: s.Type}
	for _, r := range s.Rules {
		n := scanningRule{Frequency: r.Frequency}
		for _, f := range r.Raw {
			n.Filters = append(n.Filters, f.Filter)
		}
		sort.Strings(n.Filters)
		out.Rules = append(out.Rules, n)
	}
	sort.Slice(out.Rules, func(i, j int) bool { return out.Rules[i].Frequency < out.Rules[j].Frequency })
	return out
}

func (r replication) normalised() replication {
	var out replication
	for _, rule := range r.Rules {
		n := replicationRule{Destinations: slices.Clone(rule.Destinations)}
		sort.Slice(n.Destinations, func(i, j int) bool { return n.Destinations[i].Region < n.Destinations[j].Region })
		for _, f := range rule.Raw {
			n.Filters = append(n.Filters, f.Filter)
		}
		sort.Strings(n.Filters)
		out.Rules = append(out.Rules, n)
	}
	return out
}

func (s registrySettings) normalised() registrySettings {
	out := registrySettings{Scanning: s.Scanning.normalised(), Replication: s.Replication.normalised()}
	if s.Policy != nil {
		var doc any
		if err := json.Unmarshal([]byte(*s.Policy), &doc); err == nil {
			b, _ := json.Marshal(doc)
			text := string(b)
			out.Policy = &text
		}
	}
	return out
}

// registry reads the registry settings with boto3, directly from moto.
func (e *env) registry() registrySettings {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", registryScript, e.endpoint(motoURL), region)
	cmd.Env = e.checkerEnv()
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("reading the registry settings with boto3: %v\n%s%s", err, o.String(), s.String())
	}
	var out registrySettings
	if err := json.Unmarshal(o.Bytes(), &out); err != nil {
		e.t.Fatalf("decoding the boto3 registry settings: %v\n%s", err, o.String())
	}
	return out
}
