package reconcile

import (
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func TestStepDescribe(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		step Step
		want string
	}{
		{Step{Operation: OpDeleteRepositoryPolicy}, "DeleteRepositoryPolicy"},
		{Step{Operation: OpCreateRepository, Encryption: &spec.Encryption{Type: "AES256"}, ImageTagMutability: "IMMUTABLE", ScanOnPush: &yes,
			Tags: map[string]string{"b": "2", "a": "1"}},
			"CreateRepository: encryption AES256, imageTagMutability IMMUTABLE, scanOnPush true, tag a=1, tag b=2"},
		{Step{Operation: OpCreateRepository, Encryption: &spec.Encryption{Type: "KMS", KMSKey: "alias/k"}}, "CreateRepository: encryption KMS alias/k"},
		{Step{Operation: OpSetRepositoryPolicy, PolicyText: `{"Version":"2012-10-17"}`}, `SetRepositoryPolicy: {"Version":"2012-10-17"}`},
	} {
		if got := tc.step.Describe(); got != tc.want {
			t.Errorf("Describe() = %q, want %q", got, tc.want)
		}
	}
}
