package spec_test

import (
	"errors"
	"os"
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

func FuzzParse(f *testing.F) {
	for _, path := range []string{"../../registry.yaml", "../../docs/examples/registry-full.yaml", "testdata/valid/every-field.yaml"} {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"version: 1\nrepositories: []\n",
		"version: 2\n",
		head + "    scanOnPush: maybe\n",
		head + "    tags: {a: 1\n",
		head + "    repositoryPolicy: '{\"Version\": \"2012-10-17\", \"Statement\": ['\n",
		head + "    repositoryPolicy: none\n    access: {pull: [\"123456789012\"], push: [\"arn:aws:iam::123456789012:role/ci\"]}\n",
		head + "    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [a, b*]\n",
		head + "    encryption: {type: AES256, kmsKey: x}\n",
		head + "    lifecyclePolicy:\n      rules:\n        - " + okRule + "\n",
		"version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - {rulePriority: 1, selection: {tagStatus: any, countType: sinceImagePushed, countUnit: days, countNumber: 3}, action: {type: expire}}\ndefaults: {lifecyclePolicy: p}\nrepositories: [{name: a1}, {name: a1}]\n",
		"version: 1\ndefaults: &d {scanOnPush: true, tags: &t {A: b}}\nrepositories:\n  - {<<: *d, name: x1, tags: *t}\n  - {<<: [*d, *t], name: x2}\n",
		"a: &a [*a]\n",
		"version: 1\nrepositories: []\n---\nversion: 1\n",
		"- x\n",
		head + "registry:\n  scanning: {type: BASIC, rules: [{frequency: CONTINUOUS_SCAN, filters: [a*, a*]}, {}, {}]}\n  replication: {rules: [{destinations: [{region: x}, {region: x}]}]}\n",
		head + "registry:\n  pullThroughCache: [{prefix: ab, upstreamUrl: 1.dkr.ecr.x.amazonaws.com}, {prefix: ab/}]\n  creationTemplates: [{prefix: ROOT, appliedFor: [], <<: {tags: {a: b}}}]\n  policy: '{}'\n",
		"version: 1\nrepositories:\n  - name: app\n    repositoryPolicy:\n      Version: 2012-10-17\n      Statement: {Effect: Allow, Principal: {AWS: '*'}, Action: 'ecr:*'}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := spec.Parse("fuzz.yaml", data)
		if err != nil {
			if file != nil {
				t.Errorf("Parse returned both a file and an error")
			}
			var ps spec.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want spec.Problems: %v", err, err)
			}
			if len(ps) == 0 {
				t.Fatal("empty spec.Problems")
			}
			for _, p := range ps {
				if p.File != "fuzz.yaml" || p.Message == "" {
					t.Errorf("problem without file or message: %#v", p)
				}
				if p.Line < 0 || p.Column < 0 {
					t.Errorf("negative position: %#v", p)
				}
			}
			return
		}
		if file == nil {
			t.Fatal("Parse returned neither a file nor an error")
		}
		if file.Version != 1 {
			t.Errorf("Version = %d, want 1", file.Version)
		}
		if len(file.SHA256) != 64 {
			t.Errorf("SHA256 = %q", file.SHA256)
		}
		names := map[string]bool{}
		for i, r := range file.Repositories {
			if r.Name == "" {
				t.Errorf("repository %d has no name", i)
			}
			if names[r.Name] {
				t.Errorf("repository %q listed twice", r.Name)
			}
			names[r.Name] = true
			if r.Lifecycle != nil && r.Lifecycle.Policy != nil {
				if issues := r.Lifecycle.Policy.Validate(); issues != nil {
					t.Errorf("%s: accepted an invalid lifecycle policy: %v", r.Name, issues)
				}
			}
			if r.Policy != nil && r.Policy.Document != nil {
				if ps := r.Policy.Document.Validate(); ps != nil {
					t.Errorf("%s: accepted an invalid repository policy: %v", r.Name, ps)
				}
			}
		}
	})
}
