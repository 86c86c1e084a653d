package spec_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func TestAssumeRoleAccepted(t *testing.T) {
	long := strings.Repeat("a", 1224)
	tests := []struct {
		name, yaml string
		want       spec.AssumeRole
	}{
		{"an ARN", "assumeRole: arn:aws:iam::111122223333:role/ecrctl\n", spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/ecrctl"}},
		{"with a path", "assumeRole: arn:aws:iam::111122223333:role/ci/deploy/ecrctl\n", spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/ci/deploy/ecrctl"}},
		{"China", "assumeRole: arn:aws-cn:iam::111122223333:role/ecrctl\n", spec.AssumeRole{RoleARN: "arn:aws-cn:iam::111122223333:role/ecrctl"}},
		{"GovCloud", "assumeRole: arn:aws-us-gov:iam::111122223333:role/ecrctl\n", spec.AssumeRole{RoleARN: "arn:aws-us-gov:iam::111122223333:role/ecrctl"}},
		{"IAM's name characters", "assumeRole: \"arn:aws:iam::111122223333:role/a_b+c=d,e.f@g-h\"\n", spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/a_b+c=d,e.f@g-h"}},
		{"a 64-character name", "assumeRole: arn:aws:iam::111122223333:role/" + strings.Repeat("n", 64) + "\n", spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/" + strings.Repeat("n", 64)}},
		{"the mapping", "assumeRole:\n  roleArn: arn:aws:iam::111122223333:role/ecrctl\n  externalId: \"x:y/z=1,2.3@4-5+6_\"\n  sessionName: \"ci_run+1=2,3.4@5-6\"\n",
			spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/ecrctl", ExternalID: "x:y/z=1,2.3@4-5+6_", SessionName: "ci_run+1=2,3.4@5-6"}},
		{"the longest ids", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalId: " + long + ", sessionName: " + strings.Repeat("s", 64) + "}\n",
			spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/r", ExternalID: long, SessionName: strings.Repeat("s", 64)}},
		{"the shortest ids", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalId: ab, sessionName: cd}\n",
			spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/r", ExternalID: "ab", SessionName: "cd"}},
		{"the account agrees", "account: \"111122223333\"\nassumeRole: arn:aws:iam::111122223333:role/ecrctl\n", spec.AssumeRole{RoleARN: "arn:aws:iam::111122223333:role/ecrctl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "version: 1\n"+tc.yaml+"repositories: []\n")
			if f.AssumeRole == nil {
				t.Fatal("AssumeRole is nil")
			}
			if diff := cmp.Diff(tc.want, *f.AssumeRole); diff != "" {
				t.Errorf("AssumeRole (-want +got):\n%s", diff)
			}
			if got := f.AssumeRole.Account(); got != "111122223333" {
				t.Errorf("Account() = %q, want 111122223333", got)
			}
		})
	}
	if f := mustParse(t, head); f.AssumeRole != nil || f.Regions != nil {
		t.Errorf("without the keys: AssumeRole %v Regions %v, want nil", f.AssumeRole, f.Regions)
	}
}

// TestEveryFieldHasTheRole keeps testdata/valid/every-field.yaml's
// assumeRole mapping read as written (the schema tests rely on the file).
func TestEveryFieldHasTheRole(t *testing.T) {
	f, err := spec.Load("testdata/valid/every-field.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &spec.AssumeRole{RoleARN: "arn:aws:iam::012345678901:role/ci/ecrctl", ExternalID: "ecrctl-ci:2024", SessionName: "ecrctl@ci"}
	if diff := cmp.Diff(want, f.AssumeRole); diff != "" {
		t.Errorf("AssumeRole (-want +got):\n%s", diff)
	}
}

func TestAssumeRoleRejected(t *testing.T) {
	const arnHelp = " is not an IAM role ARN like arn:aws:iam::111122223333:role/ecrctl (partition aws, aws-cn or aws-us-gov, a 12-digit account, role/ with an optional path)"
	const extHelp = " is not a valid external id: 2 to 1224 characters of letters, digits and _ + = , . @ : / -"
	const sessHelp = " is not a valid session name: 2 to 64 characters of letters, digits and _ + = , . @ -"
	tests := []struct{ name, yaml, want string }{
		{"a user ARN", "assumeRole: arn:aws:iam::111122223333:user/bob\n", `registry.yaml:2:13: assumeRole: "arn:aws:iam::111122223333:user/bob"` + arnHelp},
		{"an unknown partition", "assumeRole: arn:aws-xx:iam::111122223333:role/r\n", `registry.yaml:2:13: assumeRole: "arn:aws-xx:iam::111122223333:role/r"` + arnHelp},
		{"a short account", "assumeRole: arn:aws:iam::1111:role/r\n", `registry.yaml:2:13: assumeRole: "arn:aws:iam::1111:role/r"` + arnHelp},
		{"a region", "assumeRole: arn:aws:iam:us-west-2:111122223333:role/r\n", `registry.yaml:2:13: assumeRole: "arn:aws:iam:us-west-2:111122223333:role/r"` + arnHelp},
		{"no name", "assumeRole: arn:aws:iam::111122223333:role/\n", `registry.yaml:2:13: assumeRole: "arn:aws:iam::111122223333:role/"` + arnHelp},
		{"a 65-character name", "assumeRole: arn:aws:iam::111122223333:role/" + strings.Repeat("n", 65) + "\n", `registry.yaml:2:13: assumeRole: "arn:aws:iam::111122223333:role/` + strings.Repeat("n", 65) + `"` + arnHelp},
		{"a bad name character", "assumeRole: \"arn:aws:iam::111122223333:role/a b\"\n", `registry.yaml:2:13: assumeRole: "arn:aws:iam::111122223333:role/a b"` + arnHelp},
		{"an empty string", "assumeRole: \"\"\n", `registry.yaml:2:13: assumeRole: ""` + arnHelp},
		{"a bad ARN in the mapping", "assumeRole:\n  roleArn: ecrctl\n", `registry.yaml:3:12: assumeRole.roleArn: "ecrctl"` + arnHelp},
		{"no roleArn", "assumeRole:\n  externalId: abc\n", "registry.yaml:3:3: assumeRole.roleArn: missing; give the ARN of the role to assume, e.g. arn:aws:iam::111122223333:role/ecrctl"},
		{"an unknown key", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalID: abc}\n", `registry.yaml:2:59: assumeRole.externalID: unknown key "externalID"; did you mean externalId?`},
		{"a list", "assumeRole: [arn:aws:iam::111122223333:role/r]\n", "registry.yaml:2:13: assumeRole: must be a role ARN or a mapping {roleArn, externalId, sessionName}, got a list"},
		{"no value", "assumeRole:\n", "registry.yaml:2:12: assumeRole: has no value; give a value or remove the key"},
		{"a short external id", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalId: a}\n", `registry.yaml:2:71: assumeRole.externalId: "a"` + extHelp},
		{"a long external id", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalId: " + strings.Repeat("e", 1225) + "}\n", `registry.yaml:2:71: assumeRole.externalId: "` + strings.Repeat("e", 1225) + `"` + extHelp},
		{"a bad external id character", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalId: \"a b\"}\n", `registry.yaml:2:71: assumeRole.externalId: "a b"` + extHelp},
		{"a short session name", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", sessionName: s}\n", `registry.yaml:2:72: assumeRole.sessionName: "s"` + sessHelp},
		{"a long session name", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", sessionName: " + strings.Repeat("s", 65) + "}\n", `registry.yaml:2:72: assumeRole.sessionName: "` + strings.Repeat("s", 65) + `"` + sessHelp},
		{"a colon in the session name", "assumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", sessionName: \"a:b\"}\n", `registry.yaml:2:72: assumeRole.sessionName: "a:b"` + sessHelp},
		{"another account", "account: \"444455556666\"\nassumeRole: arn:aws:iam::111122223333:role/r\n",
			"registry.yaml:3:13: assumeRole: role arn:aws:iam::111122223333:role/r is in account 111122223333 but account: (line 2) is 444455556666; ECR writes to the registry of the account the role is in, so they must agree: fix the role ARN, or fix account: if it names the wrong account"},
		{"another account, mapping", "assumeRole:\n  roleArn: arn:aws:iam::111122223333:role/r\naccount: \"444455556666\"\n",
			"registry.yaml:3:12: assumeRole.roleArn: role arn:aws:iam::111122223333:role/r is in account 111122223333 but account: (line 4) is 444455556666; ECR writes to the registry of the account the role is in, so they must agree: fix the role ARN, or fix account: if it names the wrong account"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spec.Parse("registry.yaml", []byte("version: 1\n"+tc.yaml+"repositories: []\n"))
			ps := problems(t, err)
			if got := ps.Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRegionsList(t *testing.T) {
	f := mustParse(t, "version: 1\nregions: [us-west-2, eu-west-1]\nrepositories: []\n")
	if diff := cmp.Diff([]string{"us-west-2", "eu-west-1"}, f.Regions); diff != "" || f.Region != "" {
		t.Errorf("Regions (-want +got):\n%s\nRegion %q, want empty", diff, f.Region)
	}
	tests := []struct{ name, yaml, want string }{
		{"both keys", "region: us-west-2\nregions: [eu-west-1]\n", "registry.yaml:3:10: regions: region: (line 2) and regions: are both set; keep one (regions: [us-west-2] for several)"},
		{"empty", "regions: []\n", "registry.yaml:2:10: regions: is empty; list at least one region, e.g. [us-west-2], or remove the key"},
		{"no value", "regions:\n", "registry.yaml:2:9: regions: has no value; give a value or remove the key"},
		{"a string", "regions: us-west-2\n", "registry.yaml:2:10: regions: must be a list, got \"us-west-2\""},
		{"twice", "regions:\n  - us-west-2\n  - eu-west-1\n  - us-west-2\n", "registry.yaml:5:5: regions[2]: us-west-2 is listed twice (first at line 3); list each region once"},
		{"bad syntax", "regions: [us-west-2, Oregon]\n", `registry.yaml:2:22: regions[1]: "Oregon" is not an AWS region name like us-west-2`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spec.Parse("registry.yaml", []byte("version: 1\n"+tc.yaml+"repositories: []\n"))
			if got := problems(t, err).Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestRegionsReplicationToItself: the registry: section applies to every
// region of the file, so a destination among them would have a registry
// replicate to itself.
func TestRegionsReplicationToItself(t *testing.T) {
	const body = "version: 1\nregions: [us-west-2, eu-west-1]\naccount: \"111122223333\"\nrepositories: []\nregistry:\n  replication:\n    rules:\n      - destinations:\n"
	_, err := spec.Parse("registry.yaml", []byte(body+"          - {region: ap-south-1}\n          - {region: eu-west-1}\n          - {region: us-west-2, account: \"111122223333\"}\n"))
	want := []string{
		"registry.yaml:10:22: registry.replication.rules[0].destinations[1].region: eu-west-1 is one of this file's regions (regions:, line 2), and the registry: section applies to each of them: the eu-west-1 registry would replicate to itself, which ECR rejects; to replicate between these regions, give each region its own file with its own registry: section",
		"registry.yaml:11:22: registry.replication.rules[0].destinations[2].region: us-west-2 is one of this file's regions (regions:, line 2), and the registry: section applies to each of them: the us-west-2 registry would replicate to itself, which ECR rejects; to replicate between these regions, give each region its own file with its own registry: section",
	}
	var got []string
	for _, p := range problems(t, err) {
		got = append(got, p.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	// Another region, or the same region in another account, is a real
	// destination.
	f := mustParse(t, body+"          - {region: ap-south-1}\n          - {region: eu-west-1, account: \"444455556666\"}\n")
	if f.Registry == nil || f.Registry.Replication == nil || len(f.Registry.Replication.Rules[0].Destinations) != 2 {
		t.Errorf("registry = %+v, want the two destinations", f.Registry)
	}
}
