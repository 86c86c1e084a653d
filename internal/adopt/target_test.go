package adopt

import (
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

func generated(t *testing.T, region string) []byte {
	t.Helper()
	text, _, err := Generate(region, "111111111111", []*ecrapi.Repository{{Name: "team/app", ImageTagMutability: "IMMUTABLE", EncryptionType: "AES256"}})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// A spec imported from two regions of one registry becomes one file with
// regions:, identical whichever region it was read from, and the spec
// reads it as two registries with the role.
func TestRetargetRegionsAndRole(t *testing.T) {
	regions := []string{"us-west-2", "eu-west-1"}
	role := &spec.AssumeRole{RoleARN: "arn:aws:iam::111111111111:role/ecrctl", ExternalID: "ext-1"}
	a := Retarget(generated(t, "us-west-2"), regions, role)
	b := Retarget(generated(t, "eu-west-1"), regions, role)
	if string(a) != string(b) {
		t.Fatalf("the same registry content differs by region after Retarget:\n%s\n---\n%s", a, b)
	}
	for _, want := range []string{
		"from registry 111111111111 in us-west-2, eu-west-1:",
		"\nregions: [us-west-2, eu-west-1]\naccount: \"111111111111\"\nassumeRole: {roleArn: \"arn:aws:iam::111111111111:role/ecrctl\", externalId: \"ext-1\"}\n",
	} {
		if !strings.Contains(string(a), want) {
			t.Errorf("retargeted spec lacks %q:\n%s", want, a)
		}
	}
	f, err := spec.Parse("imported.yaml", a)
	if err != nil {
		t.Fatalf("retargeted spec does not parse: %v\n%s", err, a)
	}
	if len(f.Regions) != 2 || f.AssumeRole == nil || *f.AssumeRole != *role || len(f.Repositories) != 1 {
		t.Errorf("parsed: regions %v, role %+v, %d repositories", f.Regions, f.AssumeRole, len(f.Repositories))
	}
	// One region, the ARN alone: region: stays.
	one := Retarget(generated(t, "us-west-2"), []string{"us-west-2"}, &spec.AssumeRole{RoleARN: role.RoleARN})
	if !strings.Contains(string(one), "\nregion: us-west-2\naccount: \"111111111111\"\nassumeRole: \"arn:aws:iam::111111111111:role/ecrctl\"\n") {
		t.Errorf("single region with a role:\n%s", one)
	}
	if string(Retarget(generated(t, "us-west-2"), []string{"us-west-2"}, nil)) != string(generated(t, "us-west-2")) {
		t.Error("Retarget changed a spec with one region and no role")
	}
}
