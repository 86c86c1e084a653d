package iampolicy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, text string) Document {
	t.Helper()
	d, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	return d
}

func TestFromValue(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    string // compact JSON; "" when an error is expected
		wantErr string
	}{
		{
			name: "yaml map with unquoted date, ints and map[any]any",
			in: map[string]any{
				"Version": time.Date(2012, 10, 17, 0, 0, 0, 0, time.UTC),
				"Statement": []any{
					map[any]any{
						"Sid":       "A",
						"Effect":    "Allow",
						"Principal": map[string]any{"AWS": []any{"111111111111"}},
						"Action":    "ecr:BatchGetImage",
						"Condition": map[string]any{"NumericLessThan": map[string]any{"aws:MultiFactorAuthAge": 3600}},
					},
				},
			},
			want: `{"Statement":[{"Action":"ecr:BatchGetImage","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}},"Effect":"Allow","Principal":{"AWS":["111111111111"]},"Sid":"A"}],"Version":"2012-10-17"}`,
		},
		{
			name: "[]string, bool, float and HTML characters kept unescaped",
			in:   map[string]any{"Version": "2012-10-17", "Id": "a<b>&c", "x": []string{"b", "a"}, "y": true, "z": 1.5},
			want: `{"Id":"a<b>&c","Version":"2012-10-17","x":["b","a"],"y":true,"z":1.5}`,
		},
		{
			name: "json string",
			in:   ` { "Version" : "2012-10-17", "Statement" : { "Effect" : "Allow", "Action" : "ecr:*", "Principal" : "*", "n" : 123456789012 } } `,
			want: `{"Statement":{"Action":"ecr:*","Effect":"Allow","Principal":"*","n":123456789012},"Version":"2012-10-17"}`,
		},
		{name: "json bytes", in: []byte(`{"Version":"2012-10-17"}`), want: `{"Version":"2012-10-17"}`},
		{name: "invalid json string", in: `{"Version": "2012-10-17",}`, wantErr: "not valid JSON"},
		{name: "trailing data", in: `{"a":1} {"b":2}`, wantErr: "unexpected data"},
		{name: "json array string", in: `[{"Version":"2012-10-17"}]`, wantErr: "must be a JSON object, got a list"},
		{name: "empty string", in: "  ", wantErr: "empty"},
		{name: "nil", in: nil, wantErr: "empty"},
		{name: "number", in: 42, wantErr: "must be an object"},
		{name: "list", in: []any{map[string]any{}}, wantErr: "must be an object"},
		{name: "non-string key", in: map[string]any{"Statement": map[any]any{1: "x"}}, wantErr: "Statement: key 1 is a int"},
		{name: "unsupported type", in: map[string]any{"Version": make(chan int)}, wantErr: "Version: unsupported value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := FromValue(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FromValue error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromValue: %v", err)
			}
			if got := d.JSON(); got != tt.want {
				t.Errorf("JSON()\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFromValueCopies(t *testing.T) {
	in := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Sid": "A"}}}
	d, err := FromValue(in)
	if err != nil {
		t.Fatal(err)
	}
	in["Statement"].([]any)[0].(map[string]any)["Sid"] = "B"
	if got := d.JSON(); got != `{"Statement":[{"Sid":"A"}],"Version":"2012-10-17"}` {
		t.Errorf("document shares memory with its input: %s", got)
	}
}

const validStmt = `{"Sid":"S","Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"ecr:BatchGetImage"}`

func TestValidate(t *testing.T) {
	// Each failing case is built to have exactly one problem.
	tests := []struct {
		name     string
		doc      string
		wantPath string // "-" means: expect no problems
		wantMsg  string
	}{
		{"valid single statement object", `{"Version":"2012-10-17","Statement":` + validStmt + `}`, "-", ""},
		{"valid full", `{"Version":"2008-10-17","Id":"x","Statement":[
			{"Sid":"A","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111111111111:root"],"Service":"codebuild.amazonaws.com"},"NotAction":["ecr:Batch*","ecr:*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}},
			{"Effect":"Allow","Principal":"*","Action":"*"},
			{"Sid":"B","Effect":"Allow","Principal":{"AWS":"*"},"Action":["ECR:ListImages"]}]}`, "-", ""},

		{"version missing", `{"Statement":` + validStmt + `}`, "Version", "is required"},
		{"version wrong", `{"Version":"2012-10-18","Statement":` + validStmt + `}`, "Version", `must be "2012-10-17" or "2008-10-17"`},
		{"version number", `{"Version":2012,"Statement":` + validStmt + `}`, "Version", "got the number 2012"},
		{"id not string", `{"Version":"2012-10-17","Id":1,"Statement":` + validStmt + `}`, "Id", "must be a string"},
		{"unknown top-level key", `{"Version":"2012-10-17","Extra":1,"Statement":` + validStmt + `}`, "Extra", "unknown key"},
		{"top-level key wrong case", `{"Version":"2012-10-17","statement":1,"Statement":` + validStmt + `}`, "statement", `did you mean "Statement"`},
		{"statement missing", `{"Version":"2012-10-17"}`, "Statement", "is required"},
		{"statement null", `{"Version":"2012-10-17","Statement":null}`, "Statement", "got null"},
		{"statement empty list", `{"Version":"2012-10-17","Statement":[]}`, "Statement", "must not be empty"},
		{"statement string", `{"Version":"2012-10-17","Statement":"x"}`, "Statement", "must be an object or a non-empty list"},
		{"statement element not object", `{"Version":"2012-10-17","Statement":[` + validStmt + `,"x"]}`, "Statement[1]", "must be an object"},
		{"unknown statement key", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Foo":1}]}`, "Statement[0].Foo", "unknown key"},
		{"effect missing", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Action":"ecr:*"}]}`, "Statement[0].Effect", "is required"},
		{"effect wrong", `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Principal":"*","Action":"ecr:*"}]}`, "Statement[0].Effect", `must be "Allow" or "Deny"`},
		{"principal missing", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*"}]}`, "Statement[0].Principal", "is required"},
		{"principal and notprincipal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"ecr:*"}]}`, "Statement[0].NotPrincipal", "cannot be used together"},
		{"principal bad string", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"111111111111","Action":"ecr:*"}]}`, "Statement[0].Principal", `must be "*" or an object`},
		{"principal empty object", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{},"Action":"ecr:*"}]}`, "Statement[0].Principal", "must not be empty"},
		{"principal unknown type", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"aws":"*"},"Action":"ecr:*"}]}`, "Statement[0].Principal.aws", `did you mean "AWS"`},
		{"principal number", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[111111111111]},"Action":"ecr:*"}]}`, "Statement[0].Principal.AWS[0]", "quote account ids"},
		{"action missing", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*"}]}`, "Statement[0].Action", "is required"},
		{"action and notaction", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","NotAction":"ecr:PutImage"}]}`, "Statement[0].NotAction", "cannot be used together"},
		{"action not ecr", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","s3:GetObject"]}]}`, "Statement[0].Action[1]", `"s3:GetObject" is not an ECR action`},
		{"notaction not ecr", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","NotAction":"iam:*"}]}`, "Statement[0].NotAction", "is not an ECR action"},
		{"action bare prefix", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:"}]}`, "Statement[0].Action", "is not an ECR action"},
		{"action empty list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":[]}]}`, "Statement[0].Action", "must not be empty"},
		{"action object", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":{"a":1}}]}`, "Statement[0].Action", "must be a string or a list of strings"},
		{"action element number", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["ecr:*",5]}]}`, "Statement[0].Action[1]", "must be a string"},
		{"resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*"}]}`, "Statement[0].Resource", "a repository policy has no Resource element"},
		{"notresource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","NotResource":"arn:aws:ecr:us-east-1:123456789012:repository/x"}]}`, "Statement[0].NotResource", "has no NotResource element"},

		// Principals in the forms IAM accepts; no wildcard inside a value.
		{"principal AWS not a principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"x"},"Action":"ecr:*"}]}`, "Statement[0].Principal.AWS", `invalid AWS principal "x"`},
		{"principal wildcard ARN", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:*"]},"Action":"ecr:*"}]}`, "Statement[0].Principal.AWS[0]", "does not match principals by wildcard"},
		{"principal wildcard account", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"ecr:*"}]}`, "Statement[0].Principal.AWS", "does not match principals by wildcard"},
		{"principal short account", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"ecr:*"}]}`, "Statement[0].Principal.AWS", "12-digit account id"},
		{"notprincipal checked too", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/*"},"Action":"ecr:*"}]}`, "Statement[0].NotPrincipal.AWS", "wildcard"},
		{"principal group", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:group/devs"},"Action":"ecr:*"}]}`, "Statement[0].Principal.AWS", "invalid AWS principal"},
		{"service not a service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild"},"Action":"ecr:*"}]}`, "Statement[0].Principal.Service", `invalid Service principal "codebuild"`},
		{"service wildcard", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"*.amazonaws.com"},"Action":"ecr:*"}]}`, "Statement[0].Principal.Service", "wildcard"},
		{"federated bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:role/x"},"Action":"ecr:*"}]}`, "Statement[0].Principal.Federated", "invalid Federated principal"},
		{"canonical user bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"abc"},"Action":"ecr:*"}]}`, "Statement[0].Principal.CanonicalUser", "64-character"},
		{"principals in every accepted form", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{
			"AWS":["*","123456789012","arn:aws:iam::123456789012:root","arn:aws-cn:iam::123456789012:role/path/ci","arn:aws:iam::123456789012:user/alice@example.com","arn:aws:sts::123456789012:assumed-role/ci/session-1"],
			"Service":["codebuild.amazonaws.com","emr-serverless.amazonaws.com","ecs-tasks.amazonaws.com.cn"],
			"Federated":["cognito-identity.amazonaws.com","accounts.google.com","arn:aws:iam::123456789012:saml-provider/corp","arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"],
			"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"ecr:*"}]}`, "-", ""},

		// Sid: ASCII letters and digits (IAM), spaces and hyphens (ECR).
		// The ECR console's "new statement" and terraform-provider-aws's
		// testAccRepositoryPolicyConfig_basic (Sid = rName, "tf-acc-test-"
		// and digits), both applied to ECR.
		{"sid with a space", `{"Version":"2008-10-17","Statement":[{"Sid":"new statement","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, "-", ""},
		{"sid with hyphens", `{"Version":"2008-10-17","Statement":[{"Sid":"tf-acc-test-8340392819376584762","Effect":"Allow","Principal":"*","Action":"ecr:ListImages"}]}`, "-", ""},
		{"sid with an underscore", `{"Version":"2012-10-17","Statement":[{"Sid":"allow_pull","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, "Statement[0].Sid", `"allow_pull" has characters ECR is not known to accept`},
		{"sid with a slash", `{"Version":"2012-10-17","Statement":[{"Sid":"pull/push","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, "Statement[0].Sid", "letters, digits, spaces and hyphens"},
		{"condition not object", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":"x"}]}`, "Statement[0].Condition", "must be an object"},
		{"condition operator not object", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEquals":"x"}}]}`, "Statement[0].Condition.StringEquals", "must be an object"},
		{"sid not string", `{"Version":"2012-10-17","Statement":[{"Sid":1,"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, "Statement[0].Sid", "must be a string"},
		{"sid duplicate", `{"Version":"2012-10-17","Statement":[` + validStmt + `,` + validStmt + `]}`, "Statement[1].Sid", `"S" is already used by Statement[0]`},
		{"single statement object path", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:*"}}`, "Statement.Principal", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOneProblem(t, mustParse(t, tt.doc).Validate(), tt.wantPath, tt.wantMsg)
		})
	}
}

// checkOneProblem asserts that ps is exactly one problem at wantPath whose
// message contains wantMsg; wantPath "-" means no problem at all.
func checkOneProblem(t *testing.T, ps []Problem, wantPath, wantMsg string) {
	t.Helper()
	if wantPath == "-" {
		if len(ps) != 0 {
			t.Fatalf("want no problems, got %v", ps)
		}
		return
	}
	if len(ps) != 1 {
		t.Fatalf("want exactly 1 problem at %s, got %d: %v", wantPath, len(ps), ps)
	}
	if ps[0].Path != wantPath || !strings.Contains(ps[0].Message, wantMsg) {
		t.Errorf("got %q (path %q), want path %q and message containing %q", ps[0].Error(), ps[0].Path, wantPath, wantMsg)
	}
	if !strings.HasPrefix(ps[0].Error(), wantPath+": ") {
		t.Errorf("Error() = %q, want it to start with the path", ps[0].Error())
	}
}

func TestValidateSize(t *testing.T) {
	build := func(n int) Document {
		var stmts []any
		for i := range n {
			stmts = append(stmts, map[string]any{
				"Sid": fmt.Sprintf("S%04d", i), "Effect": "Allow",
				"Principal": map[string]any{"AWS": "111111111111"}, "Action": "ecr:BatchGetImage",
			})
		}
		return Document{"Version": "2012-10-17", "Statement": stmts}
	}
	// Each statement is 95 characters plus a comma.
	small, big := build(100), build(120)
	if n := len(small.JSON()); n > MaxPolicyLength {
		t.Fatalf("test setup: small policy is %d characters", n)
	}
	if ps := small.Validate(); len(ps) != 0 {
		t.Errorf("small policy: want no problems, got %v", ps)
	}
	ps := big.Validate()
	if len(ps) != 1 || ps[0].Path != "" || !strings.Contains(ps[0].Message, "at most 10240") {
		t.Errorf("big policy (%d chars): got %v, want one size problem", len(big.JSON()), ps)
	}
}

func TestValidatePrincipal(t *testing.T) {
	tests := []struct {
		p  string
		ok bool
	}{
		{"123456789012", true},
		{"arn:aws:iam::123456789012:root", true},
		{"arn:aws-cn:iam::123456789012:role/ci", true},
		{"arn:aws-us-gov:iam::123456789012:user/team/alice@example.com", true},
		{"arn:aws:iam::123456789012:role/service-role/My_Role+1", true},
		{"12345678901", false},
		{"1234567890123", false},
		{"", false},
		{"*", false},
		{"arn:aws:iam::12345678901:root", false},
		{"arn:aws:sts::123456789012:assumed-role/ci/session", false},
		{"arn:aws:iam::123456789012:group/devs", false},
		{"arn:aws:iam::123456789012:role/", false},
		{"arn:azure:iam::123456789012:root", false},
		{" 123456789012", false},
	}
	for _, tt := range tests {
		err := ValidatePrincipal(tt.p)
		if (err == nil) != tt.ok {
			t.Errorf("ValidatePrincipal(%q) = %v, want ok=%v", tt.p, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "12-digit account id") {
			t.Errorf("ValidatePrincipal(%q) message %q does not say what is accepted", tt.p, err)
		}
	}
}

func TestStatements(t *testing.T) {
	tests := []struct {
		name   string
		access Access
		want   string
	}{
		{"empty", Access{}, `null`},
		{"pull only, sorted and de-duplicated", Access{Pull: []string{"arn:aws:iam::222222222222:role/ci", "111111111111", "arn:aws:iam::222222222222:role/ci"}},
			`[{"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:role/ci"]},"Sid":"EcrctlPull"}]`},
		{"push only", Access{Push: []string{"333333333333"}},
			`[{"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:CompleteLayerUpload","ecr:GetDownloadUrlForLayer","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"],"Effect":"Allow","Principal":{"AWS":["333333333333"]},"Sid":"EcrctlPush"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.access.Statements())
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("\n got %s\nwant %s", b, tt.want)
			}
		})
	}
	in := []string{"b", "a"}
	Access{Pull: in}.Statements()
	if in[0] != "b" {
		t.Errorf("Statements sorted its input in place")
	}
}

const (
	pullStmtJSON = `{"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Effect":"Allow","Principal":{"AWS":["111111111111"]},"Sid":"EcrctlPull"}`
	pushStmtJSON = `{"Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:CompleteLayerUpload","ecr:GetDownloadUrlForLayer","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"],"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/ci"]},"Sid":"EcrctlPush"}`
	userStmtJSON = `{"Action":"ecr:ListImages","Effect":"Allow","Principal":"*","Sid":"List"}`
)

func TestCompose(t *testing.T) {
	pull := []string{"111111111111"}
	push := []string{"arn:aws:iam::222222222222:role/ci"}
	tests := []struct {
		name    string
		doc     string // "" means nil
		access  Access
		want    string // "null" for a nil result
		wantErr []string
	}{
		{name: "nil doc, no access", access: Access{}, want: `null`},
		{name: "nil doc, pull and push", access: Access{Pull: pull, Push: push},
			want: `{"Statement":[` + pullStmtJSON + `,` + pushStmtJSON + `],"Version":"2012-10-17"}`},
		{name: "doc with single statement object", doc: `{"Version":"2008-10-17","Id":"keep","Statement":` + userStmtJSON + `}`, access: Access{Pull: pull},
			want: `{"Id":"keep","Statement":[` + userStmtJSON + `,` + pullStmtJSON + `],"Version":"2008-10-17"}`},
		{name: "doc with list, no access: unchanged", doc: `{"Version":"2012-10-17","Statement":[` + userStmtJSON + `]}`, access: Access{},
			want: `{"Statement":[` + userStmtJSON + `],"Version":"2012-10-17"}`},
		{name: "doc without statements", doc: `{"Version":"2012-10-17"}`, access: Access{Push: push},
			want: `{"Statement":[` + pushStmtJSON + `],"Version":"2012-10-17"}`},
		{name: "reserved pull sid unused when pull empty", doc: `{"Version":"2012-10-17","Statement":[{"Sid":"EcrctlPull","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, access: Access{Push: push},
			want: `{"Statement":[{"Action":"ecr:*","Effect":"Allow","Principal":"*","Sid":"EcrctlPull"},` + pushStmtJSON + `],"Version":"2012-10-17"}`},
		{name: "sid clash", doc: `{"Version":"2012-10-17","Statement":[` + userStmtJSON + `,{"Sid":"EcrctlPush","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, access: Access{Pull: pull, Push: push},
			wantErr: []string{`Statement[1]`, `"EcrctlPush"`, "rename the Sid", "drop the access.push entries"}},
		{name: "invalid principal", access: Access{Pull: []string{"111111111111", "bob"}},
			wantErr: []string{"access.pull[1]", `"bob"`, "12-digit account id"}},
		{name: "statement of wrong type", doc: `{"Version":"2012-10-17","Statement":"x"}`, access: Access{Pull: pull},
			wantErr: []string{"Statement must be an object or a list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc Document
			before := ""
			if tt.doc != "" {
				doc = mustParse(t, tt.doc)
				before = doc.JSON()
			}
			got, err := Compose(doc, tt.access)
			if doc.JSON() != before && tt.doc != "" {
				t.Errorf("Compose mutated doc: %s", doc.JSON())
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("want error, got %s", got.JSON())
				}
				for _, frag := range tt.wantErr {
					if !strings.Contains(err.Error(), frag) {
						t.Errorf("error %q does not contain %q", err, frag)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if got.JSON() != tt.want {
				t.Errorf("\n got %s\nwant %s", got.JSON(), tt.want)
			}
			if got != nil {
				if ps := got.Validate(); len(ps) != 0 {
					t.Errorf("composed policy does not validate: %v", ps)
				}
			}
		})
	}
}

// ecrReturned is the composed policy below as real ECR hands it back: pretty
// printed with `"Key" : value` spacing, keys in another order, principal and
// action lists reordered, the bare account id as a root ARN, and a
// one-element Action list as a string.
const ecrReturned = `{
  "Version" : "2012-10-17",
  "Statement" : [ {
    "Sid" : "List",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::444444444444:root"
    },
    "Action" : "ecr:ListImages"
  }, {
    "Sid" : "EcrctlPull",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : [ "arn:aws:iam::222222222222:role/ci", "arn:aws:iam::111111111111:root" ]
    },
    "Action" : [ "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability" ]
  } ]
}`

// awsPullPolicy is the ECR User Guide's "Allow another account" pull example
// (repository-policy-examples), without the Resource ECR rejects.
const awsPullPolicy = `{
    "Version":"2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPull",
            "Effect": "Allow",
            "Principal": {
                "AWS": [
                    "arn:aws:iam::111122223333:user/pull-user-1",
                    "arn:aws:iam::111122223333:user/pull-user-2"
                ]
            },
            "Action": [
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer"
            ]
        }
    ]
}`

func TestEquivalent(t *testing.T) {
	user, err := FromValue(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "List", "Effect": "Allow",
			"Principal": map[string]any{"AWS": []any{"444444444444"}},
			"Action":    []any{"ecr:ListImages"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	desired, err := Compose(user, Access{Pull: []string{"111111111111", "arn:aws:iam::222222222222:role/ci"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(desired.JSON(), "arn:aws:iam::111111111111:root") || strings.Contains(desired.JSON(), `"Action":"ecr:ListImages"`) {
		t.Fatalf("test setup: desired policy must differ in text from ECR's: %s", desired.JSON())
	}
	if desired.JSON() == mustParse(t, ecrReturned).JSON() {
		t.Fatalf("test setup: texts are equal")
	}
	mutate := func(f func(string) string) Document { return mustParse(t, f(ecrReturned)) }

	tests := []struct {
		name string
		a, b Document
		want bool
	}{
		{"same policy as ECR returns it", desired, mustParse(t, ecrReturned), true},
		{"symmetric", mustParse(t, ecrReturned), desired, true},
		{"identical", desired, desired, true},
		{"both nil", nil, nil, true},
		{"nil vs policy", nil, desired, false},
		{"changed action", desired, mutate(func(s string) string {
			return strings.Replace(s, `"ecr:GetDownloadUrlForLayer"`, `"ecr:PutImage"`, 1)
		}), false},
		{"extra action", desired, mutate(func(s string) string {
			return strings.Replace(s, `"Action" : "ecr:ListImages"`, `"Action" : ["ecr:ListImages", "ecr:DescribeImages"]`, 1)
		}), false},
		{"extra principal", desired, mutate(func(s string) string {
			return strings.Replace(s, `"arn:aws:iam::111111111111:root" ]`, `"arn:aws:iam::111111111111:root", "555555555555" ]`, 1)
		}), false},
		{"other account", desired, mutate(func(s string) string {
			return strings.Replace(s, `"arn:aws:iam::111111111111:root"`, `"arn:aws:iam::111111111112:root"`, 1)
		}), false},
		{"root ARN vs role in same account", desired, mutate(func(s string) string {
			return strings.Replace(s, `"arn:aws:iam::111111111111:root"`, `"arn:aws:iam::111111111111:role/x"`, 1)
		}), false},
		{"allow vs deny", desired, mutate(func(s string) string {
			return strings.Replace(s, `"Effect" : "Allow"`, `"Effect" : "Deny"`, 1)
		}), false},
		{"changed sid", desired, mutate(func(s string) string {
			return strings.Replace(s, `"Sid" : "List"`, `"Sid" : "List2"`, 1)
		}), false},
		{"missing statement", desired, mustParse(t, `{"Version":"2012-10-17","Statement":[`+pullStmtJSON+`]}`), false},
		{"account id and its root ARN both listed",
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::111111111111:root"]},"Action":["ecr:BatchGetImage","ecr:BatchGetImage"]}]}`),
			mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"ecr:BatchGetImage"}}`), true},
		{"star principal forms",
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`),
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["ecr:*"]}]}`), true},
		{"statement order",
			mustParse(t, `{"Version":"2012-10-17","Statement":[`+pullStmtJSON+`,`+pushStmtJSON+`]}`),
			mustParse(t, `{"Version":"2012-10-17","Statement":[`+pushStmtJSON+`,`+pullStmtJSON+`]}`), true},
		{"condition values as set",
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-b","o-a"]}}}]}`),
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-a","o-b"]}}}]}`), true},
		// IAM action names are case-insensitive (IAM User Guide, "IAM JSON
		// policy elements: Action"); the policy is ECR's own example.
		{"action case",
			mustParse(t, awsPullPolicy),
			mustParse(t, strings.NewReplacer("ecr:BatchGetImage", "ecr:batchgetimage", "ecr:GetDownloadUrlForLayer", "ECR:GETDOWNLOADURLFORLAYER").Replace(awsPullPolicy)), true},
		{"notaction case",
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"ecr:BatchGetImage"}]}`),
			mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"ecr:batchGetImage"}]}`), true},
		{"action case does not hide another action",
			mustParse(t, awsPullPolicy),
			mustParse(t, strings.Replace(awsPullPolicy, "ecr:BatchGetImage", "ecr:batchputimage", 1)), false},
		{"version differs",
			mustParse(t, `{"Version":"2012-10-17","Statement":[`+pullStmtJSON+`]}`),
			mustParse(t, `{"Version":"2008-10-17","Statement":[`+pullStmtJSON+`]}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aBefore, bBefore := tt.a.JSON(), tt.b.JSON()
			got, err := Equivalent(tt.a, tt.b)
			if err != nil {
				t.Fatalf("Equivalent: %v", err)
			}
			if got != tt.want {
				t.Errorf("Equivalent = %v, want %v\n a: %s\n b: %s", got, tt.want, tt.a.JSON(), tt.b.JSON())
			}
			if tt.a.JSON() != aBefore || tt.b.JSON() != bBefore {
				t.Errorf("Equivalent mutated its arguments")
			}
		})
	}
}

func TestEquivalentErrors(t *testing.T) {
	good := mustParse(t, `{"Version":"2012-10-17","Statement":[`+pullStmtJSON+`]}`)
	tests := []struct {
		name string
		bad  Document
		want string
		side string // how the error names the bad side
	}{
		{"statement string", mustParse(t, `{"Version":"2012-10-17","Statement":"x"}`), "the Statement field must be an object or a list", "second policy"},
		{"statement element null", mustParse(t, `{"Version":"2012-10-17","Statement":[null]}`), "element 0 must be an object", "second policy"},
		{"condition not an object", mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":"x"}]}`), "Condition' expected a map", "policy 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Equivalent(good, tt.bad); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.side) {
				t.Errorf("Equivalent(good, bad) error = %v, want it to contain %q and %q", err, tt.want, tt.side)
			}
			if _, err := Equivalent(tt.bad, good); err == nil {
				t.Errorf("Equivalent(bad, good): want an error")
			}
		})
	}
}
