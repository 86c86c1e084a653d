package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrctl/ecrctl/internal/ecrfake"
	"github.com/ecrctl/ecrctl/internal/spec"
)

func TestVariableNameAndQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"team/app.web-1": "TEAM_APP_WEB_1",
		"9lives":         "_9LIVES",
		"plain":          "PLAIN",
		"a__b":           "A__B",
	} {
		if got := variableName(in); got != want {
			t.Errorf("variableName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}

var sample = []Repository{
	{Name: "9lives", ARN: "arn:aws:ecr:us-west-2:123456789012:repository/9lives", URI: "123456789012.dkr.ecr.us-west-2.amazonaws.com/9lives", RegistryID: "123456789012"},
	{Name: "team/app.web-1", ARN: "arn:aws:ecr:us-west-2:123456789012:repository/team/app.web-1", URI: "123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app.web-1", RegistryID: "123456789012"},
}

func TestWriteEnv(t *testing.T) {
	var b bytes.Buffer
	if err := WriteEnv(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := "_9LIVES_NAME='9lives'\n" +
		"_9LIVES_ARN='arn:aws:ecr:us-west-2:123456789012:repository/9lives'\n" +
		"_9LIVES_URI='123456789012.dkr.ecr.us-west-2.amazonaws.com/9lives'\n" +
		"_9LIVES_REGISTRY_ID='123456789012'\n" +
		"TEAM_APP_WEB_1_NAME='team/app.web-1'\n" +
		"TEAM_APP_WEB_1_ARN='arn:aws:ecr:us-west-2:123456789012:repository/team/app.web-1'\n" +
		"TEAM_APP_WEB_1_URI='123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app.web-1'\n" +
		"TEAM_APP_WEB_1_REGISTRY_ID='123456789012'\n"
	if b.String() != want {
		t.Errorf("env output:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCollisionsAndLineBreaksWriteNothing(t *testing.T) {
	for _, tc := range []struct {
		repos []Repository
		want  string
	}{
		{[]Repository{{Name: "a-b"}, {Name: "a.b"}}, `repositories "a-b" and "a.b" both map to the variable prefix A_B`},
		{[]Repository{{Name: "x", URI: "host/x\nEVIL=1"}}, `the uri of "x" holds a line break`},
	} {
		var b bytes.Buffer
		err := WriteEnv(&b, tc.repos)
		if err == nil || !strings.Contains(err.Error(), tc.want) || b.Len() != 0 {
			t.Errorf("WriteEnv(%v) = %v, wrote %q; want %q and nothing written", tc.repos, err, b.String(), tc.want)
		}
		path := filepath.Join(t.TempDir(), "out")
		if err := AppendGitHub(path, tc.repos, &b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AppendGitHub(%v) = %v, want %q", tc.repos, err, tc.want)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("AppendGitHub created the file despite the error")
		}
	}
}

func TestAppendGitHub(t *testing.T) {
	path := filepath.Join(t.TempDir(), "github-output")
	if err := os.WriteFile(path, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if err := AppendGitHub(path, sample[:1], &log); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := "earlier=1\n" +
		"_9lives_name=9lives\n" +
		"_9lives_arn=arn:aws:ecr:us-west-2:123456789012:repository/9lives\n" +
		"_9lives_uri=123456789012.dkr.ecr.us-west-2.amazonaws.com/9lives\n" +
		"_9lives_registry_id=123456789012\n" +
		`repositories={"9lives":{"name":"9lives","arn":"arn:aws:ecr:us-west-2:123456789012:repository/9lives","uri":"123456789012.dkr.ecr.us-west-2.amazonaws.com/9lives","registry_id":"123456789012"}}` + "\n"
	if string(data) != want {
		t.Errorf("$GITHUB_OUTPUT:\n%s\nwant:\n%s", data, want)
	}
	if log.String() != "Wrote outputs for 1 repository to $GITHUB_OUTPUT.\n" {
		t.Errorf("log = %q", log.String())
	}
}

func TestWriteJSONKeyedByName(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sample); err != nil {
		t.Fatal(err)
	}
	var got map[string]Repository
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["team/app.web-1"] != sample[1] || got["9lives"] != sample[0] {
		t.Errorf("got %+v", got)
	}
}

func TestReadSkipsAbsentAndNamesMissing(t *testing.T) {
	f := ecrfake.New()
	for _, name := range []string{"bb", "aa", "retired-but-there"} {
		if _, err := f.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	f.ResetCalls()
	s := &spec.File{Path: "registry.yaml", Repositories: []spec.Repository{
		{Name: "bb"}, {Name: "not-yet"}, {Name: "aa"}, {Name: "retired-but-there", Absent: true}, {Name: "also-not-yet"},
	}}
	res, err := Read(context.Background(), f, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Repositories) != 2 || res.Repositories[0].Name != "aa" || res.Repositories[1].Name != "bb" || res.Repositories[0].URI != f.RepositoryURI("aa") {
		t.Errorf("repositories = %+v, want aa then bb", res.Repositories)
	}
	if strings.Join(res.Missing, ",") != "not-yet,also-not-yet" {
		t.Errorf("missing = %v, want spec order", res.Missing)
	}
	var b bytes.Buffer
	res.ReportMissing(&b)
	if !strings.Contains(b.String(), "Repository \"also-not-yet\" does not exist yet, so it has no outputs; run `ecrctl apply`.\n") {
		t.Errorf("report: %q", b.String())
	}
	if calls := f.Calls(); len(calls) != 1 || calls["DescribeRepositories"] != 1 {
		t.Errorf("calls = %v, want one DescribeRepositories", calls)
	}
}

func repoIn(account, region, name string) Repository {
	return Repository{Name: name, ARN: "arn:aws:ecr:" + region + ":" + account + ":repository/" + name,
		URI: account + ".dkr.ecr." + region + ".amazonaws.com/" + name, RegistryID: account}
}

// Several registries: the same name in two regions gets two variables,
// prefixed by region, and by account too when the run spans several.
func TestRegistriesEnvPrefixes(t *testing.T) {
	oneAccount := []Registry{
		{Account: "111111111111", Region: "us-west-2", Result: &Result{Repositories: []Repository{repoIn("111111111111", "us-west-2", "9lives")}}},
		{Account: "111111111111", Region: "eu-west-1", Result: &Result{Repositories: []Repository{repoIn("111111111111", "eu-west-1", "9lives")}}},
	}
	var b bytes.Buffer
	if err := WriteRegistriesEnv(&b, oneAccount); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"US_WEST_2_9LIVES_URI='111111111111.dkr.ecr.us-west-2.amazonaws.com/9lives'\n",
		"EU_WEST_1_9LIVES_URI='111111111111.dkr.ecr.eu-west-1.amazonaws.com/9lives'\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("env output lacks %q:\n%s", want, b.String())
		}
	}
	twoAccounts := append(oneAccount, Registry{Account: "222222222222", Region: "us-west-2",
		Result: &Result{Repositories: []Repository{repoIn("222222222222", "us-west-2", "team/app")}}})
	b.Reset()
	if err := WriteRegistriesEnv(&b, twoAccounts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"US_WEST_2_111111111111_9LIVES_URI='111111111111.dkr.ecr.us-west-2.amazonaws.com/9lives'\n",
		"EU_WEST_1_111111111111_9LIVES_NAME='9lives'\n",
		"US_WEST_2_222222222222_TEAM_APP_REGISTRY_ID='222222222222'\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("env output lacks %q:\n%s", want, b.String())
		}
	}
	path := filepath.Join(t.TempDir(), "github-output")
	if err := AppendRegistriesGitHub(path, twoAccounts, &b); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "eu_west_1_111111111111_9lives_uri=111111111111.dkr.ecr.eu-west-1.amazonaws.com/9lives\n") ||
		!strings.Contains(string(data), `repositories={"111111111111/eu-west-1":{"9lives":`) {
		t.Errorf("$GITHUB_OUTPUT:\n%s", data)
	}
	// Within one registry, a collision is still refused, naming the registry.
	clash := []Registry{{Account: "111111111111", Region: "us-west-2", Result: &Result{Repositories: []Repository{{Name: "a-b"}, {Name: "a.b"}}}}}
	b.Reset()
	if err := WriteRegistriesEnv(&b, clash); err == nil || !strings.Contains(err.Error(), `"a-b" in 111111111111/us-west-2 and "a.b" in 111111111111/us-west-2`) || b.Len() != 0 {
		t.Errorf("collision: err %v, wrote %q", err, b.String())
	}
}

func TestWriteRegistriesJSON(t *testing.T) {
	regs := []Registry{
		{Account: "111111111111", Region: "us-west-2", Result: &Result{Repositories: []Repository{repoIn("111111111111", "us-west-2", "app")}}},
		{Account: "111111111111", Region: "eu-west-1", Result: &Result{Repositories: []Repository{repoIn("111111111111", "eu-west-1", "app")}}},
	}
	var b bytes.Buffer
	if err := WriteRegistriesJSON(&b, regs); err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]Repository
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["111111111111/eu-west-1"]["app"] != regs[1].Result.Repositories[0] || got["111111111111/us-west-2"]["app"] != regs[0].Result.Repositories[0] {
		t.Errorf("got %+v", got)
	}
}
