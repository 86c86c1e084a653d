package ecrapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

var ctx = context.Background()

// The table of ECR's user guide ("Filters to choose which repositories are
// scanned"), plus the edges of the wildcard matching.
func TestScanFilterMatches(t *testing.T) {
	names := []string{"prod", "repo-prod", "prod-repo", "repo-prod-repo", "prodrepo"}
	table := map[string][]bool{
		"prod":      {true, true, true, true, true},
		"*prod":     {true, true, false, false, false},
		"prod*":     {true, false, true, false, true},
		"*prod*":    {true, true, true, true, true},
		"prod*repo": {false, false, true, false, true},
	}
	for filter, want := range table {
		for i, name := range names {
			if got := ecrapi.ScanFilterMatches(filter, name); got != want[i] {
				t.Errorf("ScanFilterMatches(%q, %q) = %v, want %v", filter, name, got, want[i])
			}
		}
	}
	for _, c := range []struct {
		filter, name string
		want         bool
	}{
		{"*", "anything/at/all", true},
		{"team/*", "team/app", true},
		{"team/*", "other/team/app", false},
		{"team", "other/team/app", true}, // no wildcard: contains
		{"a*b*c", "abc", true},
		{"a*b*c", "a-c-b", false},
		{"a*a", "a", false}, // the two a's may not overlap
		{"ab*ba", "aba", false},
		{"ab*ba", "abba", true},
		{"x", "", false},
	} {
		if got := ecrapi.ScanFilterMatches(c.filter, c.name); got != c.want {
			t.Errorf("ScanFilterMatches(%q, %q) = %v, want %v", c.filter, c.name, got, c.want)
		}
	}
}

func TestReadRegistryScanningDefaultAndPut(t *testing.T) {
	f := ecrfake.New()
	cfg, err := ecrapi.ReadRegistryScanning(ctx, f)
	if err != nil || cfg.ScanType != types.ScanTypeBasic || len(cfg.Rules) != 0 {
		t.Fatalf("ReadRegistryScanning on a new registry = %+v, %v; want BASIC without rules", cfg, err)
	}
	_, err = f.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{
		ScanType: types.ScanTypeEnhanced,
		Rules: []types.RegistryScanningRule{{
			ScanFrequency:     types.ScanFrequencyContinuousScan,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("prod*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = ecrapi.ReadRegistryScanning(ctx, f)
	if err != nil || cfg.ScanType != types.ScanTypeEnhanced || len(cfg.Rules) != 1 || aws.ToString(cfg.Rules[0].RepositoryFilters[0].Filter) != "prod*" {
		t.Fatalf("ReadRegistryScanning after put = %+v, %v", cfg, err)
	}
}

func TestReadReplication(t *testing.T) {
	f := ecrfake.New()
	id, cfg, err := ecrapi.ReadReplication(ctx, f)
	if err != nil || id != f.Account() || cfg == nil || len(cfg.Rules) != 0 {
		t.Fatalf("ReadReplication = %q, %+v, %v; want the account and no rules", id, cfg, err)
	}
	f.SetReplication(types.ReplicationConfiguration{Rules: []types.ReplicationRule{{
		Destinations: []types.ReplicationDestination{{Region: aws.String("eu-west-1"), RegistryId: aws.String(f.Account())}},
	}}})
	_, cfg, err = ecrapi.ReadReplication(ctx, f)
	if err != nil || len(cfg.Rules) != 1 || aws.ToString(cfg.Rules[0].Destinations[0].Region) != "eu-west-1" {
		t.Fatalf("ReadReplication = %+v, %v; want the seeded rule", cfg, err)
	}
	if got := f.CallsFor("DescribeRegistry", ""); got != 2 {
		t.Errorf("DescribeRegistry calls = %d, want one per read", got)
	}
}

func TestReadRegistryPolicyNotFoundIsNil(t *testing.T) {
	f := ecrfake.New()
	p, err := ecrapi.ReadRegistryPolicy(ctx, f)
	if err != nil || p != nil {
		t.Fatalf("ReadRegistryPolicy without a policy = %v, %v; want nil, nil", p, err)
	}
	_, err = f.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{PolicyText: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"r","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:ReplicateImage","ecr:CreateRepository"],"Resource":"arn:aws:ecr:us-west-2:123456789012:repository/*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	p, err = ecrapi.ReadRegistryPolicy(ctx, f)
	if err != nil || p == nil || !strings.Contains(*p, "arn:aws:iam::111122223333:root") {
		t.Fatalf("ReadRegistryPolicy = %v, %v; want the stored (reformatted) policy", aws.ToString(p), err)
	}
}

// Other errors than not-found fail the read with an OpError saying what was
// read.
func TestRegistryReadsWrapErrors(t *testing.T) {
	reads := map[string]func(ecrapi.Reader) error{
		"GetRegistryScanningConfiguration": func(c ecrapi.Reader) error { _, err := ecrapi.ReadRegistryScanning(ctx, c); return err },
		"DescribeRegistry":                 func(c ecrapi.Reader) error { _, _, err := ecrapi.ReadReplication(ctx, c); return err },
		"GetRegistryPolicy":                func(c ecrapi.Reader) error { _, err := ecrapi.ReadRegistryPolicy(ctx, c); return err },
		"DescribePullThroughCacheRules":    func(c ecrapi.Reader) error { _, err := ecrapi.ListPullThroughCacheRules(ctx, c); return err },
		"DescribeRepositoryCreationTemplates": func(c ecrapi.Reader) error {
			_, err := ecrapi.ListCreationTemplates(ctx, c)
			return err
		},
		"BatchGetRepositoryScanningConfiguration": func(c ecrapi.Reader) error {
			_, err := ecrapi.ReadEffectiveScanning(ctx, c, []string{"app"})
			return err
		},
	}
	for op, read := range reads {
		f := ecrfake.New()
		f.FailN(op, "", 1, f.AccessDeniedFor(op, ""))
		err := read(f)
		var oe *ecrapi.OpError
		if !errors.As(err, &oe) || oe.Operation != op || oe.Code() != "AccessDeniedException" {
			t.Errorf("%s: error = %v, want an OpError for %s", op, err, op)
			continue
		}
		if !strings.Contains(err.Error(), "reading") && !strings.Contains(err.Error(), "listing") {
			t.Errorf("%s: error %q does not say what was being read", op, err)
		}
		if !strings.Contains(err.Error(), "grant that action") {
			t.Errorf("%s: error %q does not say what to do", op, err)
		}
	}
}

func TestListPullThroughCacheRulesReadsEveryPage(t *testing.T) {
	f := ecrfake.New()
	want := []string{"ecr-public", "k8s", "quay", "mirror", "public2"}
	urls := []string{"public.ecr.aws", "registry.k8s.io", "quay.io", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "public.ecr.aws"}
	for i, p := range want {
		if _, err := f.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
			EcrRepositoryPrefix: aws.String(p), UpstreamRegistryUrl: aws.String(urls[i]),
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.ResetCalls()
	rules, err := ecrapi.ListPullThroughCacheRules(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, aws.ToString(r.EcrRepositoryPrefix))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rules = %v, want %v", got, want)
	}
	if calls := f.CallsFor("DescribePullThroughCacheRules", ""); calls < 3 {
		t.Errorf("DescribePullThroughCacheRules calls = %d; the fake pages by 2, so 5 rules take 3", calls)
	}
}

func TestListCreationTemplatesReadsEveryPage(t *testing.T) {
	f := ecrfake.New()
	want := []string{"ROOT", "a", "b", "c/d", "e"}
	for _, p := range want {
		if _, err := f.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{
			Prefix: aws.String(p), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache},
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.ResetCalls()
	ts, err := ecrapi.ListCreationTemplates(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tm := range ts {
		got = append(got, aws.ToString(tm.Prefix))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("templates = %v, want %v", got, want)
	}
	if calls := f.CallsFor("DescribeRepositoryCreationTemplates", ""); calls < 3 {
		t.Errorf("DescribeRepositoryCreationTemplates calls = %d; the fake pages by 2, so 5 templates take 3", calls)
	}
}

func TestListsOfAnEmptyRegistry(t *testing.T) {
	f := ecrfake.New()
	rules, err := ecrapi.ListPullThroughCacheRules(ctx, f)
	if err != nil || len(rules) != 0 {
		t.Errorf("ListPullThroughCacheRules = %v, %v; want none", rules, err)
	}
	ts, err := ecrapi.ListCreationTemplates(ctx, f)
	if err != nil || len(ts) != 0 {
		t.Errorf("ListCreationTemplates = %v, %v; want none", ts, err)
	}
}

// 60 names take three calls of at most 25 (ECR's limit, which the fake
// enforces), every name is answered, and a name that is gone is left out.
func TestReadEffectiveScanningBatchesBy25(t *testing.T) {
	f := ecrfake.New()
	var names []string
	for i := range 60 {
		n := fmt.Sprintf("app%02d", i)
		names = append(names, n)
		if _, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{
		ScanType: types.ScanTypeBasic,
		Rules: []types.RegistryScanningRule{{
			ScanFrequency:     types.ScanFrequencyScanOnPush,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("app1*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	f.ResetCalls()
	got, err := ecrapi.ReadEffectiveScanning(ctx, f, append(names, "gone"))
	if err != nil {
		t.Fatal(err)
	}
	if calls := f.CallsFor("BatchGetRepositoryScanningConfiguration", ""); calls != 3 {
		t.Errorf("calls = %d, want 3 (61 names, 25 a call)", calls)
	}
	if len(got) != 60 {
		t.Errorf("got %d configurations, want 60", len(got))
	}
	if _, ok := got["gone"]; ok {
		t.Error("a repository ECR does not know is in the map")
	}
	if f := got["app12"].ScanFrequency; f != types.ScanFrequencyScanOnPush {
		t.Errorf("app12 = %s, want SCAN_ON_PUSH (matches app1*)", f)
	}
	if f := got["app22"].ScanFrequency; f != types.ScanFrequencyManual {
		t.Errorf("app22 = %s, want MANUAL", f)
	}
	if got, err := ecrapi.ReadEffectiveScanning(ctx, f, nil); err != nil || len(got) != 0 {
		t.Errorf("no names = %v, %v; want an empty map and no call", got, err)
	}
}

// A failed pull-through cache or template call says what to do next: a
// rule or template changed since the read, or credentials ECR cannot read.
func TestRegistryErrorsSayWhatNext(t *testing.T) {
	for code, want := range map[string]string{
		"PullThroughCacheRuleAlreadyExistsException": "run plan again",
		"TemplateAlreadyExistsException":             "run plan again",
		"PullThroughCacheRuleNotFoundException":      "run plan again",
		"TemplateNotFoundException":                  "run plan again",
		"SecretNotFoundException":                    "fix the secret or credentialArn",
		"UnableToAccessSecretException":              "fix the secret or credentialArn",
		"UnableToDecryptSecretValueException":        "fix the secret or credentialArn",
		"UnsupportedUpstreamRegistryException":       "upstreamUrl",
	} {
		err := &ecrapi.OpError{Operation: "CreatePullThroughCacheRule", Doing: "changing the pull-through cache rule \"hub\"",
			Err: &smithy.GenericAPIError{Code: code, Message: "from ECR"}}
		if got := err.Error(); !strings.Contains(got, "; ") || !strings.Contains(got, want) {
			t.Errorf("%s: %q says nothing about %q", code, got, want)
		}
	}
}
