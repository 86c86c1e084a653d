package spec_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/golden"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// The schema is checked with santhosh-tekuri/jsonschema (test-only): a
// maintained validator that implements draft 2020-12 fully and passes the
// official JSON-Schema-Test-Suite, so a failure here is the schema's fault,
// not the validator's.

const repoRoot = "../.."

// rawSchemaURL is where users' editors fetch the schema from.
const rawSchemaURL = spec.SchemaURL

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(spec.Schema()))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("registry.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("registry.schema.json")
	if err != nil {
		t.Fatalf("compiling the schema: %v", err)
	}
	return s
}

// yamlInstance converts spec text into the JSON value an editor's YAML
// language server validates: YAML 1.2 types, merge keys applied.
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		t.Fatalf("to JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = jsonable(e)
		}
		return out
	case map[any]any:
		out := map[string]any{}
		for k, e := range v {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}

// TestSchemaDocsCopy keeps docs/registry.schema.json, the file editors
// fetch, equal to what `ecrctl schema` prints.
func TestSchemaDocsCopy(t *testing.T) {
	golden.CheckFile(t, filepath.Join(repoRoot, "docs", "registry.schema.json"), spec.Schema())
}

func TestSchemaIsValidDraft202012(t *testing.T) {
	s := compileSchema(t)
	if s.DraftVersion != 2020 {
		t.Errorf("schema draft = %d, want 2020 (2020-12)", s.DraftVersion)
	}
	var doc struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(spec.Schema(), &doc); err != nil || doc.ID != spec.SchemaURL {
		t.Errorf("schema $id = %q, want spec.SchemaURL %q", doc.ID, spec.SchemaURL)
	}
}

// specSample is one spec found in the repository, with where it came from.
type specSample struct {
	name string
	data []byte
}

// repoSpecs gathers every spec the repository holds outside Go source:
// registry.yaml, the examples in docs/examples, YAML files under testdata/
// directories, the README's yaml blocks and the fuzz corpus of the loader. Specs written inline in Go
// tests are not gathered: they are mostly deliberate breakage, and the
// table in TestSchemaRejectsWhatTheLoaderRejects covers the kinds.
func repoSpecs(t *testing.T) []specSample {
	t.Helper()
	var out []specSample
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	out = append(out, specSample{"registry.yaml", read(filepath.Join(repoRoot, "registry.yaml"))})
	examples, err := filepath.Glob(filepath.Join(repoRoot, "docs", "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range examples {
		rel, _ := filepath.Rel(repoRoot, path)
		out = append(out, specSample{rel, read(path)})
	}
	err = filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return nil
		}
		rel, _ := filepath.Rel(repoRoot, path)
		switch {
		case strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml"):
			out = append(out, specSample{rel, read(path)})
		case strings.Contains(filepath.ToSlash(path), "/testdata/fuzz/FuzzParse/"):
			for i, b := range fuzzInputs(t, read(path)) {
				out = append(out, specSample{fmt.Sprintf("%s#%d", rel, i), b})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range readmeYAML(t) {
		out = append(out, specSample{fmt.Sprintf("README.md yaml block %d", i+1), b})
	}
	return out
}

var fuzzBytesRE = regexp.MustCompile(`^\[\]byte\((".*")\)$`)

func fuzzInputs(t *testing.T, corpus []byte) [][]byte {
	var out [][]byte
	for _, line := range strings.Split(string(corpus), "\n") {
		if m := fuzzBytesRE.FindStringSubmatch(line); m != nil {
			s, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("fuzz corpus line %q: %v", line, err)
			}
			out = append(out, []byte(s))
		}
	}
	return out
}

func readmeYAML(t *testing.T) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	var cur *bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```yaml":
			cur = &bytes.Buffer{}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, cur.Bytes())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return out
}

// TestSchemaAcceptsWhatTheLoaderAccepts: every spec in the repository that
// the loader accepts is valid against the schema, so an editor never flags
// a file ecrctl takes.
func TestSchemaAcceptsWhatTheLoaderAccepts(t *testing.T) {
	s := compileSchema(t)
	accepted := map[string]bool{}
	for _, sample := range repoSpecs(t) {
		if _, err := spec.Parse(sample.name, sample.data); err != nil {
			t.Logf("%s: the loader rejects it, not checked: %v", sample.name, err)
			continue
		}
		accepted[sample.name] = true
		if err := s.Validate(yamlInstance(t, sample.data)); err != nil {
			t.Errorf("%s: the loader accepts it but the schema does not:\n%v", sample.name, err)
		}
	}
	// The files written for this test must stay accepted, or it checks nothing.
	for _, name := range []string{"registry.yaml", "docs/examples/registry-full.yaml", "internal/spec/testdata/valid/every-field.yaml", "internal/spec/testdata/valid/minimal.yaml"} {
		if !accepted[filepath.FromSlash(name)] && !accepted[name] {
			t.Errorf("%s is not accepted by the loader; it must stay a valid example", name)
		}
	}
}

var (
	modelineRE        = regexp.MustCompile(`^# yaml-language-server: \$schema=(\S+)\n`)
	topLevelVersionRE = regexp.MustCompile(`(?m)^version:`)
)

// TestSpecsNameTheSchema: registry.yaml and the example specs start with the
// modeline that makes editors load the schema; in-repository files point at
// docs/registry.schema.json by a relative path, the README at the raw URL.
func TestSpecsNameTheSchema(t *testing.T) {
	docs, err := filepath.Abs(filepath.Join(repoRoot, "docs", "registry.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sample := range repoSpecs(t) {
		// A spec has version: at the top level; other YAML (a workflow
		// step in the README) may have it indented or in a comment.
		if strings.Contains(sample.name, "fuzz") || !topLevelVersionRE.Match(sample.data) {
			continue
		}
		n++
		m := modelineRE.FindSubmatch(sample.data)
		if m == nil {
			t.Errorf("%s does not start with `# yaml-language-server: $schema=...`", sample.name)
			continue
		}
		target := string(m[1])
		if strings.HasPrefix(sample.name, "README.md") {
			if target != rawSchemaURL {
				t.Errorf("%s: $schema=%s, want the raw URL %s", sample.name, target, rawSchemaURL)
			}
			continue
		}
		got, err := filepath.Abs(filepath.Join(repoRoot, filepath.Dir(sample.name), filepath.FromSlash(target)))
		if err != nil || got != docs {
			t.Errorf("%s: $schema=%s resolves to %s, want docs/registry.schema.json by a relative path", sample.name, target, got)
		}
	}
	if n < 3 {
		t.Errorf("found %d specs, want at least registry.yaml, the README and the examples", n)
	}
}

// TestSchemaRejectsWhatTheLoaderRejects: mistakes the schema can express are
// caught by both, so an editor flags them before ecrctl validate does.
func TestSchemaRejectsWhatTheLoaderRejects(t *testing.T) {
	s := compileSchema(t)
	const rule = "{selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}"
	tests := []struct{ name, yaml string }{
		{"missing version", "repositories:\n  - name: app\n"},
		{"unknown version", "version: 2\nrepositories:\n  - name: app\n"},
		{"version as text", "version: one\nrepositories:\n  - name: app\n"},
		{"missing repositories", "version: 1\n"},
		{"repositories as a mapping", "version: 1\nrepositories: {name: app}\n"},
		{"unknown top-level key", "version: 1\nregistries: x\nrepositories:\n  - name: app\n"},
		{"unknown repository key", "version: 1\nrepositories:\n  - name: app\n    scanOnpush: true\n"},
		{"unknown defaults key", "version: 1\ndefaults: {name: app}\nrepositories:\n  - name: app\n"},
		{"unknown encryption key", "version: 1\nrepositories:\n  - name: app\n    encryption: {type: KMS, key: k}\n"},
		{"unknown access key", "version: 1\nrepositories:\n  - name: app\n    access: {read: [\"123456789012\"]}\n"},
		{"unknown selection key", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: tagged, tagPrefix: [v], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}]}\n"},
		{"missing name", "version: 1\nrepositories:\n  - scanOnPush: true\n"},
		{"invalid name", "version: 1\nrepositories:\n  - name: App_Upper\n"},
		{"empty state", "version: 1\nrepositories:\n  - name: app\n    state: \"\"\n"},
		{"unknown key that is not x-", "version: 1\nxtra: 1\nrepositories:\n  - name: app\n"},
		{"x- key below the top level", "version: 1\nrepositories:\n  - name: app\n    x-note: hi\n"},
		{"wrong state", "version: 1\nrepositories:\n  - name: app\n    state: gone\n"},
		{"wrong mutability", "version: 1\nrepositories:\n  - name: app\n    imageTagMutability: SOMETIMES\n"},
		{"wrong encryption type", "version: 1\nrepositories:\n  - name: app\n    encryption: {type: RSA}\n"},
		{"encryption without type", "version: 1\nrepositories:\n  - name: app\n    encryption: {kmsKey: alias/x}\n"},
		{"scanOnPush as text", "version: 1\nrepositories:\n  - name: app\n    scanOnPush: sometimes\n"},
		{"tags as a list", "version: 1\nrepositories:\n  - name: app\n    tags: [a, b]\n"},
		{"aws: tag key", "version: 1\nrepositories:\n  - name: app\n    tags: {\"aws:owner\": x}\n"},
		{"six filters", "version: 1\nrepositories:\n  - name: app\n    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [a, b, c, d, e, f]\n"},
		{"bad filter", "version: 1\nrepositories:\n  - name: app\n    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [\"a b\"]\n"},
		{"account too short", "version: 1\naccount: \"1234\"\nrepositories:\n  - name: app\n"},
		{"bad region", "version: 1\nregion: Oregon\nrepositories:\n  - name: app\n"},
		{"policy named none", "version: 1\nlifecyclePolicies:\n  none: {rules: [" + rule + "]}\nrepositories:\n  - name: app\n"},
		{"policy without rules", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: []}\n"},
		{"wrong tagStatus", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: some, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}]}\n"},
		{"wrong countType", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: imageCountLessThan, countNumber: 1}, action: {type: expire}}]}\n"},
		{"countNumber as text", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: many}, action: {type: expire}}]}\n"},
		{"countNumber zero", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 0}, action: {type: expire}}]}\n"},
		{"rulePriority zero", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{rulePriority: 0, selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}]}\n"},
		{"wrong action", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}, action: {type: delete}}]}\n"},
		{"rule without action", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}}]}\n"},
		{"wrong countUnit", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: {rules: [{selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: weeks, countNumber: 1}, action: {type: expire}}]}\n"},
		{"repositoryPolicy as a number", "version: 1\nrepositories:\n  - name: app\n    repositoryPolicy: 5\n"},
		{"lifecyclePolicy as a list", "version: 1\nrepositories:\n  - name: app\n    lifecyclePolicy: [a]\n"},
		{"assumeRole not a role ARN", "version: 1\nassumeRole: arn:aws:iam::111122223333:user/u\nrepositories: []\n"},
		{"assumeRole as a list", "version: 1\nassumeRole: [arn:aws:iam::111122223333:role/r]\nrepositories: []\n"},
		{"assumeRole without roleArn", "version: 1\nassumeRole: {externalId: abc}\nrepositories: []\n"},
		{"assumeRole unknown key", "version: 1\nassumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", duration: 900}\nrepositories: []\n"},
		{"externalId too short", "version: 1\nassumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", externalId: a}\nrepositories: []\n"},
		{"sessionName with a colon", "version: 1\nassumeRole: {roleArn: \"arn:aws:iam::111122223333:role/r\", sessionName: \"a:b\"}\nrepositories: []\n"},
		{"region and regions", "version: 1\nregion: us-west-2\nregions: [eu-west-1]\nrepositories: []\n"},
		{"regions empty", "version: 1\nregions: []\nrepositories: []\n"},
		{"regions twice", "version: 1\nregions: [us-west-2, us-west-2]\nrepositories: []\n"},
		{"regions bad name", "version: 1\nregions: [Oregon]\nrepositories: []\n"},
		{"registry as text", "version: 1\nregistry: x\nrepositories:\n  - name: app\n"},
		{"unknown registry key", "version: 1\nrepositories: [{name: app}]\nregistry: {scan: {type: BASIC}}\n"},
		{"scan type unknown", "version: 1\nrepositories: [{name: app}]\nregistry: {scanning: {type: FULL}}\n"},
		{"scan type missing", "version: 1\nrepositories: [{name: app}]\nregistry: {scanning: {rules: []}}\n"},
		{"three scanning rules", "version: 1\nrepositories: [{name: app}]\nregistry: {scanning: {type: ENHANCED, rules: [{frequency: SCAN_ON_PUSH}, {frequency: SCAN_ON_PUSH}, {frequency: SCAN_ON_PUSH}]}}\n"},
		{"manual scanning rule", "version: 1\nrepositories: [{name: app}]\nregistry: {scanning: {type: ENHANCED, rules: [{frequency: MANUAL, filters: [\"*\"]}]}}\n"},
		{"uppercase scanning filter", "version: 1\nrepositories: [{name: app}]\nregistry: {scanning: {type: BASIC, rules: [{frequency: SCAN_ON_PUSH, filters: [Prod]}]}}\n"},
		{"replication without rules", "version: 1\nrepositories: [{name: app}]\nregistry: {replication: {}}\n"},
		{"replication rule without destinations", "version: 1\nrepositories: [{name: app}]\nregistry: {replication: {rules: [{destinations: []}]}}\n"},
		{"replication wildcard filter", "version: 1\nrepositories: [{name: app}]\nregistry: {replication: {rules: [{destinations: [{region: us-east-1}], filters: [\"a*\"]}]}}\n"},
		{"replication short account", "version: 1\nrepositories: [{name: app}]\nregistry: {replication: {rules: [{destinations: [{region: us-east-1, account: \"4444\"}]}]}}\n"},
		{"registry policy as a number", "version: 1\nrepositories: [{name: app}]\nregistry: {policy: 5}\n"},
		{"pull-through prefix too short", "version: 1\nrepositories: [{name: app}]\nregistry: {pullThroughCache: [{prefix: q, upstreamUrl: quay.io}]}\n"},
		{"pull-through unknown upstream", "version: 1\nrepositories: [{name: app}]\nregistry: {pullThroughCache: [{prefix: quay, upstreamUrl: quay.io, upstreamRegistry: quay-io}]}\n"},
		{"pull-through secret name", "version: 1\nrepositories: [{name: app}]\nregistry: {pullThroughCache: [{prefix: hub, upstreamUrl: registry-1.docker.io, credentialArn: \"arn:aws:secretsmanager:us-west-2:111122223333:secret:dockerhub-creds-AbCdEf\"}]}\n"},
		{"pull-through without prefix", "version: 1\nrepositories: [{name: app}]\nregistry: {pullThroughCache: [{upstreamUrl: quay.io}]}\n"},
		{"pull-through without upstreamUrl", "version: 1\nrepositories: [{name: app}]\nregistry: {pullThroughCache: [{prefix: quay}]}\n"},
		{"template without appliedFor", "version: 1\nrepositories: [{name: app}]\nregistry: {creationTemplates: [{prefix: ROOT}]}\n"},
		{"template appliedFor unknown", "version: 1\nrepositories: [{name: app}]\nregistry: {creationTemplates: [{prefix: ROOT, appliedFor: [ON_PULL]}]}\n"},
		{"template appliedFor twice", "version: 1\nrepositories: [{name: app}]\nregistry: {creationTemplates: [{prefix: ROOT, appliedFor: [REPLICATION, REPLICATION]}]}\n"},
		{"template scanOnPush", "version: 1\nrepositories: [{name: app}]\nregistry: {creationTemplates: [{prefix: ROOT, appliedFor: [REPLICATION], scanOnPush: true}]}\n"},
		{"template role not a role", "version: 1\nrepositories: [{name: app}]\nregistry: {creationTemplates: [{prefix: ROOT, appliedFor: [REPLICATION], customRoleArn: x}]}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := spec.Parse("registry.yaml", []byte(tc.yaml)); err == nil {
				t.Errorf("the loader accepts it")
			}
			if err := s.Validate(yamlInstance(t, []byte(tc.yaml))); err == nil {
				t.Errorf("the schema accepts it")
			}
		})
	}
}

// TestSchemaDescribesEveryField: editors show descriptions on hover, so
// every property (directly or through its $ref) has one.
func TestSchemaDescribesEveryField(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(spec.Schema(), &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	resolve := func(n map[string]any) map[string]any {
		if ref, ok := n["$ref"].(string); ok {
			d, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			return d
		}
		return n
	}
	count := 0
	var walk func(path string, n map[string]any)
	walk = func(path string, n map[string]any) {
		props, _ := n["properties"].(map[string]any)
		for k, v := range props {
			p, _ := v.(map[string]any)
			count++
			if _, ok := p["description"]; !ok {
				if _, ok := resolve(p)["description"]; !ok {
					t.Errorf("%s.%s has no description", path, k)
				}
			}
			walk(path+"."+k, p)
		}
	}
	walk("", root)
	for name, d := range defs {
		walk("$defs."+name, d.(map[string]any))
	}
	if count < 30 {
		t.Errorf("walked %d properties; the walk is broken", count)
	}
}
