package ecrfake_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
)

func wildcard(filters ...string) []types.ScanningRepositoryFilter {
	out := []types.ScanningRepositoryFilter{}
	for _, f := range filters {
		out = append(out, types.ScanningRepositoryFilter{Filter: aws.String(f), FilterType: types.ScanningRepositoryFilterTypeWildcard})
	}
	return out
}

func scanRule(freq types.ScanFrequency, filters ...string) types.RegistryScanningRule {
	return types.RegistryScanningRule{ScanFrequency: freq, RepositoryFilters: wildcard(filters...)}
}

func putScanning(f *ecrfake.Fake, scanType types.ScanType, rules ...types.RegistryScanningRule) error {
	_, err := f.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{ScanType: scanType, Rules: rules})
	return err
}

func TestRegistryScanningDefaultAndPut(t *testing.T) {
	f := ecrfake.New()
	got, err := f.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil || got.ScanningConfiguration.ScanType != types.ScanTypeBasic || len(got.ScanningConfiguration.Rules) != 0 ||
		aws.ToString(got.RegistryId) != f.Account() {
		t.Fatalf("a new registry's scanning = %+v, %v; want BASIC without rules", got.ScanningConfiguration, err)
	}
	if err := putScanning(f, types.ScanTypeEnhanced, scanRule(types.ScanFrequencyContinuousScan, "prod*"), scanRule(types.ScanFrequencyScanOnPush, "*")); err != nil {
		t.Fatal(err)
	}
	got, _ = f.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if c := got.ScanningConfiguration; c.ScanType != types.ScanTypeEnhanced || len(c.Rules) != 2 || c.Rules[1].ScanFrequency != types.ScanFrequencyScanOnPush {
		t.Errorf("after put = %+v", c)
	}
	// Put replaces: back to BASIC without rules is how scanning is "removed".
	if err := putScanning(f, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = f.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if c := got.ScanningConfiguration; c.ScanType != types.ScanTypeBasic || len(c.Rules) != 0 {
		t.Errorf("after put without scanType or rules = %+v, want BASIC without rules", c)
	}
	if f.Writes() != 2 {
		t.Errorf("Writes = %d, want the two puts", f.Writes())
	}
}

func TestRegistryScanningValidation(t *testing.T) {
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("r%d", i)
	}
	tests := []struct {
		name     string
		scanType types.ScanType
		rules    []types.RegistryScanningRule
		check    func(*testing.T, error)
	}{
		{"unknown scan type", "FULL", nil, isErr[*types.InvalidParameterException]},
		{"three rules", types.ScanTypeEnhanced, []types.RegistryScanningRule{
			scanRule(types.ScanFrequencyScanOnPush, "a"), scanRule(types.ScanFrequencyContinuousScan, "b"), scanRule(types.ScanFrequencyScanOnPush, "c"),
		}, isErr[*types.InvalidParameterException]},
		{"unknown frequency", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule("DAILY", "a")}, isErr[*types.InvalidParameterException]},
		{"basic continuous", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyContinuousScan, "a")}, isErr[*types.ValidationException]},
		{"basic manual", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyManual, "a")}, isErr[*types.ValidationException]},
		{"enhanced manual", types.ScanTypeEnhanced, []types.RegistryScanningRule{scanRule(types.ScanFrequencyManual, "a")}, isErr[*types.ValidationException]},
		{"upper-case filter", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyScanOnPush, "Prod")}, isErr[*types.InvalidParameterException]},
		{"filter with //", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyScanOnPush, "a//b")}, isErr[*types.InvalidParameterException]},
		{"filter too long", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyScanOnPush, strings.Repeat("a", 256))}, isErr[*types.InvalidParameterException]},
		{"101 filters", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyScanOnPush, many...)}, isErr[*types.InvalidParameterException]},
		{"prefix filter type", types.ScanTypeBasic, []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyScanOnPush,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("a"), FilterType: "PREFIX_MATCH"}}}}, isErr[*types.InvalidParameterException]},
		{"no frequency", types.ScanTypeBasic, []types.RegistryScanningRule{{RepositoryFilters: wildcard("a")}}, isErr[smithy.InvalidParamsError]},
		{"no filters", types.ScanTypeBasic, []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyScanOnPush}}, isErr[smithy.InvalidParamsError]},
		{"filter without text", types.ScanTypeBasic, []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyScanOnPush,
			RepositoryFilters: []types.ScanningRepositoryFilter{{FilterType: types.ScanningRepositoryFilterTypeWildcard}}}}, isErr[smithy.InvalidParamsError]},
		{"filter without type", types.ScanTypeBasic, []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyScanOnPush,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("a")}}}}, isErr[smithy.InvalidParamsError]},
		{"100 filters and wildcards are fine", types.ScanTypeBasic, []types.RegistryScanningRule{scanRule(types.ScanFrequencyScanOnPush, append(many[:99], "team/*-svc")...)}, noErr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := ecrfake.New()
			tc.check(t, putScanning(f, tc.scanType, tc.rules...))
		})
	}
}

// isErr and noErr are the two outcomes of a validation table.
func isErr[T error](t *testing.T, err error) {
	t.Helper()
	_ = wantErr[T](t, err)
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("error = %v, want none", err)
	}
}

func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func batchScan(t *testing.T, f *ecrfake.Fake, names ...string) *ecr.BatchGetRepositoryScanningConfigurationOutput {
	t.Helper()
	out, err := f.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{RepositoryNames: names})
	if err != nil {
		t.Fatalf("BatchGetRepositoryScanningConfiguration: %v", err)
	}
	return out
}

func TestEffectiveScanning(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "prod-api")
	mustCreate(t, f, "dev-api")
	_, err := f.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("scanned"),
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true}})
	if err != nil {
		t.Fatal(err)
	}
	freq := func(out *ecr.BatchGetRepositoryScanningConfigurationOutput) map[string]string {
		m := map[string]string{}
		for _, c := range out.ScanningConfigurations {
			var fl []string
			for _, a := range c.AppliedScanFilters {
				fl = append(fl, aws.ToString(a.Filter))
			}
			m[aws.ToString(c.RepositoryName)] = fmt.Sprintf("%s%v push=%v", c.ScanFrequency, fl, c.ScanOnPush)
			if aws.ToString(c.RepositoryArn) != f.RepositoryARN(aws.ToString(c.RepositoryName)) {
				t.Errorf("%s: arn %s", aws.ToString(c.RepositoryName), aws.ToString(c.RepositoryArn))
			}
		}
		return m
	}
	// No registry rules: the repository's own scanOnPush decides.
	got := freq(batchScan(t, f, "prod-api", "dev-api", "scanned"))
	want := map[string]string{"prod-api": "MANUAL[] push=false", "dev-api": "MANUAL[] push=false", "scanned": "SCAN_ON_PUSH[] push=true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("without rules: %v, want %v", got, want)
	}
	// BASIC rules decide; a repository they miss is MANUAL even with scanOnPush.
	if err := putScanning(f, types.ScanTypeBasic, scanRule(types.ScanFrequencyScanOnPush, "prod")); err != nil {
		t.Fatal(err)
	}
	got = freq(batchScan(t, f, "prod-api", "dev-api", "scanned"))
	want = map[string]string{"prod-api": "SCAN_ON_PUSH[prod] push=false", "dev-api": "MANUAL[] push=false", "scanned": "MANUAL[] push=true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("BASIC rules: %v, want %v", got, want)
	}
	// ENHANCED: continuous wins over scan on push where both match.
	if err := putScanning(f, types.ScanTypeEnhanced, scanRule(types.ScanFrequencyScanOnPush, "*"), scanRule(types.ScanFrequencyContinuousScan, "prod*", "*api")); err != nil {
		t.Fatal(err)
	}
	got = freq(batchScan(t, f, "prod-api", "dev-api", "scanned"))
	want = map[string]string{"prod-api": "CONTINUOUS_SCAN[prod* *api] push=false", "dev-api": "CONTINUOUS_SCAN[*api] push=false", "scanned": "SCAN_ON_PUSH[*] push=true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ENHANCED rules: %v, want %v", got, want)
	}
}

func TestBatchGetScanningLimitsAndFailures(t *testing.T) {
	f := ecrfake.New()
	mustCreate(t, f, "app")
	out := batchScan(t, f, "app", "gone", "app")
	if len(out.ScanningConfigurations) != 1 || len(out.Failures) != 1 {
		t.Fatalf("got %+v", out)
	}
	if fl := out.Failures[0]; aws.ToString(fl.RepositoryName) != "gone" || fl.FailureCode != types.ScanningConfigurationFailureCodeRepositoryNotFound {
		t.Errorf("failure = %+v, want REPOSITORY_NOT_FOUND for gone", fl)
	}
	if n := f.CallsFor("BatchGetRepositoryScanningConfiguration", "gone"); n != 1 {
		t.Errorf("CallsFor(gone) = %d, want 1", n)
	}
	names := make([]string, 26)
	for i := range names {
		names[i] = fmt.Sprintf("r%02d", i)
	}
	_, err := f.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{RepositoryNames: names})
	_ = wantErr[*types.InvalidParameterException](t, err)
	if out := batchScan(t, f, names[:25]...); len(out.Failures) != 25 {
		t.Errorf("25 unknown names: %d failures, want 25", len(out.Failures))
	}
	_, err = f.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{RepositoryNames: []string{}})
	_ = wantErr[*types.InvalidParameterException](t, err)
	_, err = f.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{})
	_ = wantErr[smithy.InvalidParamsError](t, err)
	_, err = f.BatchGetRepositoryScanningConfiguration(ctx, &ecr.BatchGetRepositoryScanningConfigurationInput{RepositoryNames: []string{"Bad Name"}})
	_ = wantErr[*types.InvalidParameterException](t, err)
}

func dest(region, account string) types.ReplicationDestination {
	return types.ReplicationDestination{Region: aws.String(region), RegistryId: aws.String(account)}
}

// putReplication sends rules, never a nil list: like the SDK client, the
// fake refuses a configuration without its required rules member.
func putReplication(f *ecrfake.Fake, rules ...types.ReplicationRule) error {
	if rules == nil {
		rules = []types.ReplicationRule{}
	}
	_, err := f.PutReplicationConfiguration(ctx, &ecr.PutReplicationConfigurationInput{ReplicationConfiguration: &types.ReplicationConfiguration{Rules: rules}})
	return err
}

func TestReplicationRoundTrip(t *testing.T) {
	f := ecrfake.New()
	rule := types.ReplicationRule{
		Destinations:      []types.ReplicationDestination{dest("eu-west-1", f.Account()), dest(f.Region(), "210987654321")},
		RepositoryFilters: []types.RepositoryFilter{{Filter: aws.String("team/"), FilterType: types.RepositoryFilterTypePrefixMatch}},
	}
	if err := putReplication(f, rule); err != nil {
		t.Fatal(err)
	}
	reg, err := f.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err != nil {
		t.Fatal(err)
	}
	rules := reg.ReplicationConfiguration.Rules
	if len(rules) != 1 || len(rules[0].Destinations) != 2 || aws.ToString(rules[0].Destinations[1].RegistryId) != "210987654321" ||
		aws.ToString(rules[0].RepositoryFilters[0].Filter) != "team/" {
		t.Errorf("DescribeRegistry replication = %+v", rules)
	}
	if err := putReplication(f); err != nil {
		t.Fatal(err)
	}
	reg, _ = f.DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if len(reg.ReplicationConfiguration.Rules) != 0 {
		t.Errorf("after putting no rules: %+v", reg.ReplicationConfiguration.Rules)
	}
	if f.CallsFor("PutReplicationConfiguration", "") != 2 || f.Writes() != 2 {
		t.Errorf("calls %v, writes %d", f.Calls(), f.Writes())
	}
}

func TestReplicationValidation(t *testing.T) {
	f := ecrfake.New()
	other := func(i int) types.ReplicationDestination { return dest("us-east-1", fmt.Sprintf("%012d", 100+i)) }
	ruleTo := func(ds ...types.ReplicationDestination) types.ReplicationRule {
		return types.ReplicationRule{Destinations: ds}
	}
	prefixes := func(n int) []types.RepositoryFilter {
		out := make([]types.RepositoryFilter, n)
		for i := range out {
			out[i] = types.RepositoryFilter{Filter: aws.String(fmt.Sprintf("p%d", i)), FilterType: types.RepositoryFilterTypePrefixMatch}
		}
		return out
	}
	var eleven []types.ReplicationRule
	for i := range 11 {
		eleven = append(eleven, ruleTo(other(i)))
	}
	var d25, d26 []types.ReplicationDestination
	for i := range 26 {
		d26 = append(d26, other(i))
	}
	d25 = d26[:25]
	tests := []struct {
		name  string
		rules []types.ReplicationRule
		check func(*testing.T, error)
	}{
		{"11 rules", eleven, isErr[*types.InvalidParameterException]},
		{"10 rules", eleven[:10], noErr},
		{"26 destinations", []types.ReplicationRule{ruleTo(d26[:13]...), ruleTo(d26[13:]...)}, isErr[*types.InvalidParameterException]},
		{"25 destinations", []types.ReplicationRule{ruleTo(d25...)}, noErr},
		{"a destination counts once over rules", []types.ReplicationRule{ruleTo(d25...), ruleTo(d25[0])}, noErr},
		{"destination is the source", []types.ReplicationRule{ruleTo(dest(f.Region(), f.Account()))}, isErr[*types.InvalidParameterException]},
		{"same account, other region", []types.ReplicationRule{ruleTo(dest("eu-central-1", f.Account()))}, noErr},
		{"bad region", []types.ReplicationRule{ruleTo(dest("EU WEST", f.Account()))}, isErr[*types.InvalidParameterException]},
		{"bad registry id", []types.ReplicationRule{ruleTo(dest("eu-west-1", "12345"))}, isErr[*types.InvalidParameterException]},
		{"101 filters", []types.ReplicationRule{{Destinations: []types.ReplicationDestination{other(0)}, RepositoryFilters: prefixes(101)}}, isErr[*types.InvalidParameterException]},
		{"empty filter list", []types.ReplicationRule{{Destinations: []types.ReplicationDestination{other(0)}, RepositoryFilters: []types.RepositoryFilter{}}}, isErr[*types.InvalidParameterException]},
		{"100 filters", []types.ReplicationRule{{Destinations: []types.ReplicationDestination{other(0)}, RepositoryFilters: prefixes(100)}}, noErr},
		{"wildcard filter type", []types.ReplicationRule{{Destinations: []types.ReplicationDestination{other(0)},
			RepositoryFilters: []types.RepositoryFilter{{Filter: aws.String("ab"), FilterType: "WILDCARD"}}}}, isErr[*types.InvalidParameterException]},
		{"one-character filter", []types.ReplicationRule{{Destinations: []types.ReplicationDestination{other(0)},
			RepositoryFilters: []types.RepositoryFilter{{Filter: aws.String("a"), FilterType: types.RepositoryFilterTypePrefixMatch}}}}, isErr[*types.InvalidParameterException]},
		{"upper-case filter", []types.ReplicationRule{{Destinations: []types.ReplicationDestination{other(0)},
			RepositoryFilters: []types.RepositoryFilter{{Filter: aws.String("Team"), FilterType: types.RepositoryFilterTypePrefixMatch}}}}, isErr[*types.InvalidParameterException]},
		{"no destinations member", []types.ReplicationRule{{}}, isErr[smithy.InvalidParamsError]},
		{"destination without region", []types.ReplicationRule{ruleTo(types.ReplicationDestination{RegistryId: aws.String(f.Account())})}, isErr[smithy.InvalidParamsError]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, putReplication(f, tc.rules...)) })
	}
	_, err := f.PutReplicationConfiguration(ctx, &ecr.PutReplicationConfigurationInput{})
	_ = wantErr[smithy.InvalidParamsError](t, err)
	_, err = f.PutReplicationConfiguration(ctx, &ecr.PutReplicationConfigurationInput{ReplicationConfiguration: &types.ReplicationConfiguration{}})
	_ = wantErr[smithy.InvalidParamsError](t, err)
}

const registryPolicyIn = `{"Version":"2012-10-17","Statement":[{"Sid":"ReplicationAccessCrossAccount","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root"]},"Action":["ecr:CreateRepository","ecr:ReplicateImage"],"Resource":["arn:aws:ecr:us-west-2:123456789012:repository/*"]}]}`

func TestRegistryPolicy(t *testing.T) {
	f := ecrfake.New()
	_, err := f.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	_ = wantErr[*types.RegistryPolicyNotFoundException](t, err)
	_, err = f.DeleteRegistryPolicy(ctx, &ecr.DeleteRegistryPolicyInput{})
	_ = wantErr[*types.RegistryPolicyNotFoundException](t, err)

	put, err := f.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{PolicyText: aws.String(registryPolicyIn)})
	if err != nil {
		t.Fatal(err)
	}
	stored := aws.ToString(put.PolicyText)
	// Reformatted as ECR does with repository policies: other spacing,
	// principals reversed, bare account ids as root ARNs, one-element lists
	// collapsed, Resource kept after Action.
	for _, want := range []string{`"Version" : "2012-10-17"`, `"arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"`,
		`"Resource" : "arn:aws:ecr:us-west-2:123456789012:repository/*"`} {
		if !strings.Contains(stored, want) {
			t.Errorf("stored policy lacks %s:\n%s", want, stored)
		}
	}
	if strings.Index(stored, `"Action"`) > strings.Index(stored, `"Resource"`) {
		t.Errorf("Resource before Action:\n%s", stored)
	}
	get, err := f.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	if err != nil || aws.ToString(get.PolicyText) != stored || aws.ToString(get.RegistryId) != f.Account() {
		t.Fatalf("get = %+v, %v", get, err)
	}
	del, err := f.DeleteRegistryPolicy(ctx, &ecr.DeleteRegistryPolicyInput{})
	if err != nil || aws.ToString(del.PolicyText) != stored {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = f.GetRegistryPolicy(ctx, &ecr.GetRegistryPolicyInput{})
	_ = wantErr[*types.RegistryPolicyNotFoundException](t, err)
	if f.Writes() != 3 || f.RegistryPolicy() != nil {
		t.Errorf("writes = %d (want put and two deletes), policy %v", f.Writes(), f.RegistryPolicy())
	}

	for _, bad := range []string{
		`{`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:ReplicateImage","Resource":[]}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:ReplicateImage"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:ReplicateImage","Resource":"arn:aws:s3:::bucket/*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:ReplicateImage","Resource":"*","NotResource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:ReplicateImage","Resource":"*"}]}` + strings.Repeat(" ", 10240),
	} {
		_, err := f.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{PolicyText: aws.String(bad)})
		if !isA[*types.InvalidParameterException](err) || strings.Contains(err.Error(), "Invalid repository policy") {
			t.Errorf("policy %.70q: error %v, want InvalidParameterException about a registry policy", bad, err)
		}
	}
	_, err = f.PutRegistryPolicy(ctx, &ecr.PutRegistryPolicyInput{})
	_ = wantErr[smithy.InvalidParamsError](t, err)
}
