package iampolicy

import "testing"

// TestValidateRegistry: a registry policy is a repository policy's shape
// plus the Resource element each statement needs (ECR's replication and
// pull-through cache examples name arn:aws:ecr:REGION:ACCOUNT:repository/*).
func TestValidateRegistry(t *testing.T) {
	const replicate = `{"Sid":"Replicate","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:CreateRepository","ecr:ReplicateImage"]`
	tests := []struct {
		name, doc, wantPath, wantMsg string
	}{
		{"replication example", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":"arn:aws:ecr:us-west-2:444455556666:repository/*"}]}`, "-", ""},
		{"resource star", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":"*"}]}`, "-", ""},
		{"resource list", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":["arn:aws:ecr:us-west-2:444455556666:repository/team-a/*","arn:aws-cn:ecr:cn-north-1:444455556666:repository/x"]}]}`, "-", ""},
		{"not resource", `{"Version":"2012-10-17","Statement":[` + replicate + `,"NotResource":"arn:aws:ecr:us-west-2:444455556666:repository/secret"}]}`, "-", ""},
		{"resource missing", `{"Version":"2012-10-17","Statement":[` + replicate + `}]}`, "Statement[0].Resource", `is required in a registry policy (or NotResource): the repositories the statement covers, e.g. "arn:aws:ecr:us-west-2:111122223333:repository/*"`},
		{"resource and not resource", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":"*","NotResource":"*"}]}`, "Statement[0].NotResource", "cannot be used together with Resource"},
		{"resource of another service", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":"arn:aws:s3:::bucket/*"}]}`, "Statement[0].Resource", `"arn:aws:s3:::bucket/*" is not an ECR resource; a registry policy names "*" or ECR ARNs like "arn:aws:ecr:us-west-2:111122223333:repository/*"`},
		{"resource empty list", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":[]}]}`, "Statement[0].Resource", "must not be empty"},
		{"resource bad account", `{"Version":"2012-10-17","Statement":[` + replicate + `,"Resource":"arn:aws:ecr:us-west-2:4444:repository/*"}]}`, "Statement[0].Resource", "is not an ECR resource"},
		{"principal still required", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:ReplicateImage","Resource":"*"}]}`, "Statement[0].Principal", "is required: a registry policy statement must name a Principal"},
		{"actions still ECR", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`, "Statement[0].Action", `"s3:GetObject" is not an ECR action; a registry policy only takes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOneProblem(t, mustParse(t, tt.doc).ValidateRegistry(), tt.wantPath, tt.wantMsg)
		})
	}
	// The same documents with Resource stay invalid as repository policies.
	ps := mustParse(t, `{"Version":"2012-10-17","Statement":[`+replicate+`,"Resource":"*"}]}`).Validate()
	if len(ps) != 1 || ps[0].Path != "Statement[0].Resource" {
		t.Errorf("repository policy with Resource: got %v, want the Resource problem", ps)
	}
}
