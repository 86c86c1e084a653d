package reconcile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

func warningsWith(p *Plan, substr string) []string {
	var out []string
	for _, w := range p.Warnings {
		if strings.Contains(w, substr) {
			out = append(out, w)
		}
	}
	return out
}

// (a) Registry scanning rules override a repository's scanOnPush: the plan
// says which rule wins instead of a diff that apply could never settle.
func TestScanOnPushOverriddenByRegistryRule(t *testing.T) {
	const repos = `repositories:
  - name: prod-api
    scanOnPush: false
  - name: prod-web
    scanOnPush: true
  - name: dev-api
    scanOnPush: true
`
	live := func() *Live {
		l := registryLive(nil)
		for _, n := range []string{"prod-api", "prod-web", "dev-api"} {
			l.Repos[n] = liveRepo(n, func(r *ecrapi.Repository) { r.ScanOnPush = n != "prod-api" })
		}
		l.Repos["prod-api"].ScanOnPush = true // ECR keeps reporting the repository's own flag
		return l
	}
	managed := mustSpec(t, "version: 1\nregistry:\n  scanning:\n    type: ENHANCED\n    rules:\n      - {frequency: CONTINUOUS_SCAN, filters: [\"prod-*\"]}\n"+repos)
	l := live()
	l.Registry.Scanning = &types.RegistryScanningConfiguration{ScanType: types.ScanTypeEnhanced, Rules: []types.RegistryScanningRule{{
		ScanFrequency:     types.ScanFrequencyContinuousScan,
		RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("prod-*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}},
	}}}
	p := Diff(managed, l, DiffOptions{})
	if p.HasChanges {
		t.Errorf("scanOnPush under registry rules is diffed: %v", addresses(p))
	}
	if w := warningsWith(p, `repository "prod-api"`); len(w) != 1 || !strings.Contains(w[0], `rule CONTINUOUS_SCAN with filter "prod-*"`) || !strings.Contains(w[0], "wins") {
		t.Errorf("prod-api warning: %q", w)
	}
	if w := warningsWith(p, `repository "dev-api"`); len(w) != 1 || !strings.Contains(w[0], "not scanned at all") {
		t.Errorf("dev-api warning: %q", w)
	}
	if w := warningsWith(p, `repository "prod-web"`); len(w) != 0 {
		t.Errorf("prod-web gets what it asks for, yet: %q", w)
	}

	// The live rules count too when registry.scanning is not managed: a
	// registry: section makes ecrctl read them.
	unmanaged := mustSpec(t, "version: 1\nregistry:\n  policy: none\n"+repos)
	l.Registry.Scanning.ScanType = types.ScanTypeBasic
	l.Registry.Scanning.Rules[0].ScanFrequency = types.ScanFrequencyScanOnPush
	p = Diff(unmanaged, l, DiffOptions{})
	if w := warningsWith(p, `repository "prod-api"`); len(w) != 1 || !strings.Contains(w[0], "not managed by this spec") || !strings.Contains(w[0], "SCAN_ON_PUSH") {
		t.Errorf("prod-api under live BASIC rules: %q", w)
	}
	if w := warningsWith(p, `repository "dev-api"`); len(w) != 1 || !strings.Contains(w[0], "by hand") {
		t.Errorf("dev-api under live BASIC rules: %q", w)
	}

	// Without a registry: section the repository setting is compared as ever.
	p = Diff(mustSpec(t, "version: 1\n"+repos), live(), DiffOptions{})
	if c := change(t, p, "repository.prod-api"); !c.Is(Update) || c.Steps[0].Operation != OpPutImageScanningConfiguration {
		t.Errorf("without registry: %v %v", c.Actions, operations(c))
	}
}

// (b) Repositories that ECR creates for replication or a pull-through
// cache rule get ECR's defaults unless a creation template covers them.
func TestUncoveredCreatedRepositoriesWarn(t *testing.T) {
	const creators = `version: 1
registry:
  replication:
    rules:
      - destinations: [{region: us-east-1}, {region: eu-west-1, account: "111122223333"}]
        filters: ["team-b/"]
  pullThroughCache:
    - prefix: quay
      upstreamUrl: quay.io
`
	p := Diff(mustSpec(t, creators+"  creationTemplates:\n    - {prefix: team-b, appliedFor: [PULL_THROUGH_CACHE]}\nrepositories: []\n"), registryLive(nil), DiffOptions{})
	if w := warningsWith(p, `pull-through cache rule "quay"`); len(w) != 1 || !strings.Contains(w[0], "appliedFor PULL_THROUGH_CACHE") || !strings.Contains(w[0], "MUTABLE") || !strings.Contains(w[0], "prefix quay") {
		t.Errorf("pull-through cache warning: %q", w)
	}
	if w := warningsWith(p, "replication to us-east-1 in this account"); len(w) != 1 || !strings.Contains(w[0], "appliedFor REPLICATION") || !strings.Contains(w[0], "prefix team-b") {
		t.Errorf("replication warning: %q", w)
	}
	if w := warningsWith(p, "eu-west-1 in this account"); len(w) != 0 {
		t.Errorf("a cross-account destination is warned about as this account's: %q", w)
	}

	// A template for each, one of them live and unlisted: no warning.
	covered := registryLive(func(r *RegistryLive) {
		r.CreationTemplates = []types.RepositoryCreationTemplate{{Prefix: aws.String("ROOT"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForPullThroughCache}}}
	})
	p = Diff(mustSpec(t, creators+"  creationTemplates:\n    - {prefix: team-b, appliedFor: [REPLICATION]}\nrepositories: []\n"), covered, DiffOptions{})
	if w := warningsWith(p, "ECR's defaults"); len(w) != 0 {
		t.Errorf("covered, yet: %q", w)
	}

	// Templates not managed: not read, and the plan says it cannot tell.
	p = Diff(mustSpec(t, creators+"repositories: []\n"), registryLive(nil), DiffOptions{})
	if w := warningsWith(p, "ECR's defaults"); len(w) != 1 || !strings.Contains(w[0], `and replication to us-east-1 in this account (repositories starting "team-b/") create repositories, and registry.creationTemplates is not in the spec`) {
		t.Errorf("unmanaged templates: %q", w)
	}
	p = Diff(mustSpec(t, "version: 1\nregistry:\n  pullThroughCache:\n    - {prefix: quay, upstreamUrl: quay.io}\nrepositories: []\n"), registryLive(nil), DiffOptions{})
	if w := warningsWith(p, `pull-through cache rule "quay" creates repositories, and`); len(w) != 1 {
		t.Errorf("one creator, templates unmanaged: %q", p.Warnings)
	}
}

// (c) A new cross-account destination comes with the statement its
// registry's policy needs.
func TestCrossAccountReplicationNote(t *testing.T) {
	f := mustSpec(t, "version: 1\nregistry:\n  replication:\n    rules:\n      - destinations: [{region: eu-west-1, account: \"111122223333\"}, {region: us-east-1}]\nrepositories: []\n")
	p := Diff(f, registryLive(nil), DiffOptions{})
	w := warningsWith(p, "account 111122223333 in eu-west-1")
	if len(w) != 1 {
		t.Fatalf("notes: %q", p.Warnings)
	}
	stmt := w[0][strings.Index(w[0], "{"):]
	var st map[string]any
	if err := json.Unmarshal([]byte(stmt), &st); err != nil {
		t.Fatalf("the statement is not JSON: %v: %s", err, stmt)
	}
	if st["Principal"].(map[string]any)["AWS"] != "arn:aws:iam::123456789012:root" || st["Resource"] != "arn:aws:ecr:eu-west-1:111122223333:repository/*" ||
		!strings.Contains(stmt, `"ecr:CreateRepository","ecr:ReplicateImage"`) || st["Effect"] != "Allow" {
		t.Errorf("statement = %s", stmt)
	}
	if len(warningsWith(p, "us-east-1: ECR replicates into another account")) != 0 {
		t.Error("a same-account destination gets the note")
	}
	// Once replication is in place, the note has been given.
	p = Diff(f, registryLive(func(r *RegistryLive) {
		r.Replication = &types.ReplicationConfiguration{Rules: []types.ReplicationRule{{Destinations: []types.ReplicationDestination{
			{Region: aws.String("eu-west-1"), RegistryId: aws.String("111122223333")}, {Region: aws.String("us-east-1"), RegistryId: aws.String("123456789012")},
		}}}}
	}), DiffOptions{})
	if p.HasChanges || len(warningsWith(p, "111122223333")) != 0 {
		t.Errorf("in place: changes %v, warnings %q", addresses(p), p.Warnings)
	}
}
