package spec_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// problems asserts that err is a spec.Problems and returns it.
func problems(t *testing.T, err error) spec.Problems {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want spec.Problems")
	}
	var ps spec.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T, want spec.Problems: %v", err, err)
	}
	if len(ps) == 0 {
		t.Fatal("spec.Problems is empty")
	}
	return ps
}

func mustParse(t *testing.T, text string) *spec.File {
	t.Helper()
	f, err := spec.Parse("registry.yaml", []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// head is a valid start of a spec; cases append repositories to it.
const head = "version: 1\nrepositories:\n  - name: app\n" // lines 1-3

const okRule = "{selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}"

func manyTags(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "      %s%02d: v\n", prefix, i)
	}
	return b.String()
}

func TestParseBadInput(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want are substrings of the first Problem's Error(): usually
		// "registry.yaml:LINE:", the field path and a message fragment.
		want []string
		// count is the number of problems expected; 0 means exactly one.
		count int
	}{
		// Malformed YAML.
		{"tab indentation", "version: 1\nrepositories:\n\t- name: app\n",
			[]string{"registry.yaml:3: ", "found character that cannot start any token"}, 0},
		{"unclosed flow mapping", head + "    tags: {a: 1\n",
			[]string{"registry.yaml:4: ", "did not find expected ',' or '}'"}, 0},
		{"unclosed quote", head + "    tags: {a: \"x}\n",
			[]string{"registry.yaml:4: ", "unexpected end of stream"}, 0},
		{"mapping value on first line", "version: 1: 2\nrepositories: []\n",
			[]string{"registry.yaml:1: ", "mapping values are not allowed"}, 0},
		{"bad indentation", head + "   tags: {}\n",
			[]string{"registry.yaml:", "did not find expected"}, 0},
		{"unknown anchor", head + "    tags: *common\n",
			[]string{"registry.yaml:4: ", "unknown anchor 'common'", "&common"}, 0},
		{"control character", head + "    tags: {a: \"x\x01\"}\n",
			[]string{"registry.yaml:4:", "control character U+0001"}, 0},
		{"duplicate key", "version: 1\nversion: 1\nrepositories: []\n",
			[]string{"registry.yaml:2:1: ", "version: ", `appears twice (first at line 1)`}, 0},
		{"duplicate key in repository", head + "    scanOnPush: true\n    scanOnPush: false\n",
			[]string{"registry.yaml:5:5: ", "repositories[0].scanOnPush: ", "appears twice"}, 0},
		{"merge of a scalar", head + "    <<: 1\n",
			[]string{"registry.yaml:4:5: ", "repositories[0].<<: ", "merge key"}, 0},
		{"merge and a list as key", "version: 1\nrepositories:\n  - {<<: {scanOnPush: true}, [a]: 1, name: app}\n",
			[]string{"registry.yaml:3:30: ", "repositories[0]: ", "a key must be a plain name"}, 0},
		{"self-referencing alias", "version: 1\nrepositories: &r [*r]\n",
			[]string{"registry.yaml:2:15: ", "repositories[0]: ", "must be a mapping, got a list"}, 0},
		{"control character after CRLF lines", "version: 1\r\nrepositories: []\r\n\x7f\n",
			[]string{"registry.yaml:3:1: ", "control character U+007F"}, 0},
		{"top level is a list", "- version: 1\n",
			[]string{"registry.yaml:1:1: ", "top level must be a mapping"}, 0},

		// Wrong types.
		{"bool as word", head + "    scanOnPush: maybe\n",
			[]string{"registry.yaml:4:17: ", "repositories[0].scanOnPush: ", `must be true or false, got "maybe"`}, 0},
		{"version as string", "version: \"1\"\nrepositories: []\n",
			[]string{"registry.yaml:1:10: ", "version: ", `must be a whole number, got "1"`}, 0},
		{"repositories as mapping", "version: 1\nrepositories:\n  app: {}\n",
			[]string{"registry.yaml:3:3: ", "repositories: ", "must be a list, got a mapping"}, 0},
		{"repository as scalar", "version: 1\nrepositories:\n  - app\n",
			[]string{"registry.yaml:3:5: ", "repositories[0]: ", "must be a mapping"}, 0},
		{"tag value as list", head + "    tags: {Team: [a, b]}\n",
			[]string{"registry.yaml:4:18: ", "repositories[0].tags.Team: ", "must be a string, got a list"}, 0},
		{"encryption as scalar", head + "    encryption: AES256\n",
			[]string{"registry.yaml:4:17: ", "repositories[0].encryption: ", "must be a mapping"}, 0},
		{"access pull as string", head + "    access: {pull: \"123456789012\"}\n",
			[]string{"registry.yaml:4:20: ", "repositories[0].access.pull: ", "must be a list"}, 0},
		{"null value", head + "    scanOnPush:\n",
			[]string{"registry.yaml:4:16: ", "repositories[0].scanOnPush: ", "has no value"}, 0},
		{"null lifecyclePolicy", head + "    lifecyclePolicy: ~\n",
			[]string{"registry.yaml:4:22: ", "repositories[0].lifecyclePolicy: ", "has no value"}, 0},
		{"lifecyclePolicy as list", head + "    lifecyclePolicy: [a]\n",
			[]string{"registry.yaml:4:22: ", "repositories[0] (app).lifecyclePolicy: ", "policy name, none, or an inline"}, 0},
		{"countNumber as word", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: ten}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:5:", "lifecyclePolicies.p.rules[0].selection.countNumber: ", `must be a whole number, got "ten"`}, 0},
		{"lifecyclePolicies as list", "version: 1\nlifecyclePolicies: [a]\nrepositories: []\n",
			[]string{"registry.yaml:2:20: ", "lifecyclePolicies: ", "must be a mapping"}, 0},

		// Unknown keys, at every depth.
		{"unknown top-level key", "version: 1\nregoin: us-west-2\nrepositories: []\n",
			[]string{"registry.yaml:2:1: ", "regoin: ", `unknown key "regoin"`, "did you mean region?"}, 0},
		{"unknown repository key", head + "    scanonpush: true\n",
			[]string{"registry.yaml:4:5: ", "repositories[0].scanonpush: ", "did you mean scanOnPush?"}, 0},
		{"name in defaults", "version: 1\ndefaults:\n  name: x\nrepositories: []\n",
			[]string{"registry.yaml:3:3: ", "defaults.name: ", `unknown key "name"`}, 0},
		{"unknown encryption key", head + "    encryption: {type: KMS, key: alias/x}\n",
			[]string{"registry.yaml:4:29: ", "repositories[0].encryption.key: ", `unknown key "key"`}, 0},
		{"unknown access key", head + "    access: {read: [\"123456789012\"]}\n",
			[]string{"registry.yaml:4:14: ", "repositories[0].access.read: ", `unknown key "read"`}, 0},
		{"unknown key in lifecycle rule", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: tagged, tagPrefix: [v], countType: imageCountMoreThan, countNumber: 1}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:40: ", "lifecyclePolicies.p.rules[0].selection.tagPrefix: ", `unknown key "tagPrefix"`, "did you mean tagPrefixList?"}, 0},
		{"unknown key in inline lifecycle action", head + "    lifecyclePolicy:\n      rules:\n        - selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1}\n          action: {type: expire, storageClass: archive}\n",
			[]string{"registry.yaml:7:34: ", "repositories[0] (app).lifecyclePolicy.rules[0].action.storageClass: ", "unknown key"}, 0},
		{"unknown key in lifecycle policy", "version: 1\nlifecyclePolicies:\n  p: {rule: []}\nrepositories: []\n",
			[]string{"registry.yaml:3:7: ", "lifecyclePolicies.p.rule: ", "did you mean rules?"}, 0},

		// Repository names.
		{"duplicate repository", head + "  - name: app\n",
			[]string{"registry.yaml:4:11: ", "repositories[1].name: ", `"app" is listed twice (first at line 3)`}, 0},
		{"uppercase name", "version: 1\nrepositories:\n  - name: App\n",
			[]string{"registry.yaml:3:11: ", "repositories[0].name: ", `"App" is not a valid ECR repository name`}, 0},
		{"one-character name", "version: 1\nrepositories:\n  - name: a\n",
			[]string{"registry.yaml:3:11: ", "repositories[0].name: ", "not a valid ECR repository name"}, 0},
		{"name with leading separator", "version: 1\nrepositories:\n  - name: -app\n",
			[]string{"registry.yaml:3:11: ", "not a valid ECR repository name"}, 0},
		{"name with empty namespace", "version: 1\nrepositories:\n  - name: team//app\n",
			[]string{"registry.yaml:3:11: ", "not a valid ECR repository name"}, 0},
		{"name too long", "version: 1\nrepositories:\n  - name: " + strings.Repeat("a", 257) + "\n",
			[]string{"registry.yaml:3:11: ", "not a valid ECR repository name"}, 0},
		{"name missing", "version: 1\nrepositories:\n  - scanOnPush: true\n",
			[]string{"registry.yaml:3:5: ", "repositories[0].name: ", "missing"}, 0},
		{"name empty", "version: 1\nrepositories:\n  - name: ''\n",
			[]string{"registry.yaml:3:11: ", "repositories[0].name: ", "is empty"}, 0},
		{"bad state", head + "    state: deleted\n",
			[]string{"registry.yaml:4:12: ", "repositories[0] (app).state: ", `"deleted" is not a state`}, 0},
		{"empty state", head + "    state: ''\n",
			[]string{"registry.yaml:4:12: ", "repositories[0] (app).state: ", "is empty; use present or absent"}, 0},

		// Tags.
		{"too many tags", head + "    tags:\n" + manyTags("T", 51),
			[]string{"registry.yaml:5:", "repositories[0] (app).tags: ", "51 tags", "at most 50"}, 0},
		{"too many tags after merge", "version: 1\ndefaults:\n  tags:\n" + manyTags("D", 30) + "repositories:\n  - name: app\n    tags:\n" + manyTags("R", 21),
			[]string{"registry.yaml:37:", "repositories[0] (app).tags: ", "51 tags after merging defaults"}, 0},
		{"too many tags in defaults", "version: 1\ndefaults:\n  tags:\n" + manyTags("D", 51) + "repositories:\n  - name: app\n  - name: app2\n",
			[]string{"registry.yaml:4:", "defaults.tags: ", "51 tags"}, 0},
		{"tag key too long", head + "    tags: {" + strings.Repeat("k", 129) + ": v}\n",
			[]string{"registry.yaml:4:", "repositories[0] (app).tags.kkk", "longer than 128"}, 0},
		{"tag value too long", head + "    tags: {k: " + strings.Repeat("v", 257) + "}\n",
			[]string{"registry.yaml:4:15: ", "repositories[0] (app).tags.k: ", "longer than 256"}, 0},
		{"aws tag", head + "    tags: {\"aws:team\": x}\n",
			[]string{"registry.yaml:4:", "repositories[0] (app).tags.aws:team: ", "reserved for AWS"}, 0},
		{"AWS tag in defaults", "version: 1\ndefaults:\n  tags: {AWS:x: y}\nrepositories: []\n",
			[]string{"registry.yaml:3:", "defaults.tags.AWS:x: ", "reserved for AWS"}, 0},
		{"tag key with bad character", head + "    tags: {\"a#b\": x}\n",
			[]string{"registry.yaml:4:", "tags.a#b: ", "tag key may hold only"}, 0},
		{"empty tag key", head + "    tags: {\"\": x}\n",
			[]string{"registry.yaml:4:", "repositories[0] (app).tags: ", "tag key is empty"}, 0},

		// Tag mutability and exclusion filters.
		{"bad mutability", head + "    imageTagMutability: immutable\n",
			[]string{"registry.yaml:4:25: ", "repositories[0] (app).imageTagMutability: ", `"immutable" is not a tag mutability`}, 0},
		{"filters with IMMUTABLE", head + "    imageTagMutability: IMMUTABLE\n    imageTagMutabilityExclusionFilters: [latest]\n",
			[]string{"registry.yaml:5:41: ", "repositories[0] (app).imageTagMutabilityExclusionFilters: ", "not IMMUTABLE"}, 0},
		{"filters without mutability", head + "    imageTagMutabilityExclusionFilters: [latest]\n",
			[]string{"registry.yaml:4:41: ", "imageTagMutabilityExclusionFilters: ", "filters need imageTagMutability"}, 0},
		{"exclusion without filters", head + "    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n",
			[]string{"registry.yaml:4:25: ", "repositories[0] (app).imageTagMutabilityExclusionFilters: ", "IMMUTABLE_WITH_EXCLUSION needs 1 to 5"}, 0},
		{"exclusion with empty filters", head + "    imageTagMutability: MUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: []\n",
			[]string{"registry.yaml:5:41: ", "MUTABLE_WITH_EXCLUSION needs 1 to 5"}, 0},
		{"six filters", head + "    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [a, b, c, d, e, f]\n",
			[]string{"registry.yaml:5:41: ", "repositories[0] (app).imageTagMutabilityExclusionFilters: ", "6 filters given; ECR allows at most 5"}, 0},
		{"bad filter", head + "    imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n    imageTagMutabilityExclusionFilters: [ok, \"a b\"]\n",
			[]string{"registry.yaml:5:46: ", "imageTagMutabilityExclusionFilters[1]: ", `"a b" is not a valid filter`}, 0},
		{"defaults filters with defaults IMMUTABLE", "version: 1\ndefaults:\n  imageTagMutability: IMMUTABLE\n  imageTagMutabilityExclusionFilters: [x]\nrepositories:\n  - name: app\n  - name: app2\n",
			[]string{"registry.yaml:4:39: ", "defaults.imageTagMutabilityExclusionFilters: ", "not IMMUTABLE"}, 0},

		// Encryption.
		{"kmsKey with AES256", head + "    encryption: {type: AES256, kmsKey: alias/x}\n",
			[]string{"registry.yaml:4:40: ", "repositories[0] (app).encryption.kmsKey: ", "only used with type KMS or KMS_DSSE"}, 0},
		{"bad encryption type", head + "    encryption: {type: aes256}\n",
			[]string{"registry.yaml:4:24: ", "repositories[0] (app).encryption.type: ", `"aes256" is not an encryption type`}, 0},
		{"encryption without type", head + "    encryption: {kmsKey: alias/x}\n",
			[]string{"registry.yaml:4:17: ", "repositories[0] (app).encryption.type: ", "missing"}, 0},

		// Lifecycle rules ECR rejects, at the rule's line.
		{"countUnit with imageCountMoreThan", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection:\n          tagStatus: untagged\n          countType: imageCountMoreThan\n          countUnit: days\n          countNumber: 3\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:9:22: ", "lifecyclePolicies.p.rules[0].selection.countUnit: ", "not allowed with countType imageCountMoreThan"}, 0},
		{"sinceImagePushed without countUnit", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: untagged, countType: sinceImagePushed, countNumber: 3}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:20: ", "lifecyclePolicies.p.rules[0].selection.countUnit: ", "needs countUnit"}, 0},
		{"bad countUnit", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: hours, countNumber: 3}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.countUnit: ", `"hours" is not valid`}, 0},
		{"bad tagStatus", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: all, countType: imageCountMoreThan, countNumber: 3}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.tagStatus: ", `tagStatus "all" is not valid`}, 0},
		{"tagged without a list", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: tagged, countType: imageCountMoreThan, countNumber: 3}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:20: ", "lifecyclePolicies.p.rules[0].selection: ", "needs a non-empty tagPrefixList or tagPatternList"}, 0},
		{"prefix list with untagged", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: untagged, tagPrefixList: [v], countType: imageCountMoreThan, countNumber: 3}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.tagPrefixList: ", "not allowed with tagStatus untagged"}, 0},
		{"too many wildcards", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: tagged, tagPatternList: [\"*a*b*c*d*\"], countType: imageCountMoreThan, countNumber: 3}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.tagPatternList[0]: ", "5 wildcards"}, 0},
		{"duplicate priority", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - {rulePriority: 1, selection: {tagStatus: tagged, tagPrefixList: [a], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}\n      - {rulePriority: 1, selection: {tagStatus: tagged, tagPrefixList: [b], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}\nrepositories: []\n",
			[]string{"registry.yaml:6:24: ", "lifecyclePolicies.p.rules[1].rulePriority: ", "already used by rules[0]"}, 0},
		{"any not last", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - {rulePriority: 1, selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}\n      - {rulePriority: 2, selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}\nrepositories: []\n",
			[]string{"registry.yaml:5:24: ", "lifecyclePolicies.p.rules[0].rulePriority: ", "must have the highest rulePriority"}, 0},
		{"same prefix set twice", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - {rulePriority: 1, selection: {tagStatus: tagged, tagPrefixList: [a, b], countType: imageCountMoreThan, countNumber: 1}, action: {type: expire}}\n      - {rulePriority: 2, selection: {tagStatus: tagged, tagPrefixList: [b, a], countType: imageCountMoreThan, countNumber: 2}, action: {type: expire}}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[1].selection.tagPrefixList: ", "already selects the same tagPrefixList"}, 0},
		{"two untagged rules", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - " + okRule + "\n      - " + okRule + "\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[1].selection.tagStatus: ", "already selects untagged images"}, 0},
		{"countNumber zero", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 0}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.countNumber: ", "countNumber 0 is not allowed"}, 0},
		{"explicit rulePriority 0", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 0\n        selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:5:23: ", "lifecyclePolicies.p.rules[0].rulePriority: ", "rulePriority 0 is not allowed"}, 0},
		{"archive without sinceImageTransitioned", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1, storageClass: archive}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.storageClass: ", "needs countType sinceImageTransitioned"}, 0},
		{"transition without target", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: any, countType: sinceImagePulled, countUnit: days, countNumber: 30}\n        action: {type: transition}\nrepositories: []\n",
			[]string{"registry.yaml:7:17: ", "lifecyclePolicies.p.rules[0].action.targetStorageClass: ", "needs targetStorageClass"}, 0},
		{"bad action", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1}\n        action: {type: delete}\nrepositories: []\n",
			[]string{"registry.yaml:7:", "lifecyclePolicies.p.rules[0].action.type: ", `action type "delete" is not valid`}, 0},
		{"no rules", "version: 1\nlifecyclePolicies:\n  p: {rules: []}\nrepositories: []\n",
			[]string{"registry.yaml:3:14: ", "lifecyclePolicies.p.rules: ", "has no rules"}, 0},
		{"rulePriority omitted on some rules", "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n      - rulePriority: 1\n        selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 1}\n        action: {type: expire}\n      - selection: {tagStatus: untagged, countType: imageCountMoreThan, countNumber: 1}\n        action: {type: expire}\nrepositories: []\n",
			[]string{"registry.yaml:8:9: ", "lifecyclePolicies.p.rules[1].rulePriority: ", "missing while other rules set it"}, 0},
		{"inline rule problem", head + "    lifecyclePolicy:\n      rules:\n        - selection: {tagStatus: untagged, countType: sinceImagePushed, countNumber: 1}\n          action: {type: expire}\n",
			[]string{"registry.yaml:6:22: ", "repositories[0] (app).lifecyclePolicy.rules[0].selection.countUnit: ", "needs countUnit"}, 0},
		{"duplicate policy name", "version: 1\nlifecyclePolicies:\n  p: {rules: [" + okRule + "]}\n  p: {rules: [" + okRule + "]}\nrepositories: []\n",
			[]string{"registry.yaml:4:3: ", "lifecyclePolicies.p: ", `key "p" appears twice (first at line 3)`}, 0},
		{"policy named empty", "version: 1\nlifecyclePolicies:\n  '': {rules: [" + okRule + "]}\nrepositories: []\n",
			[]string{"registry.yaml:3:3: ", "lifecyclePolicies: ", "a policy name is empty"}, 0},
		{"empty policy reference", head + "    lifecyclePolicy: \"\"\n",
			[]string{"registry.yaml:4:22: ", "repositories[0] (app).lifecyclePolicy: ", "is empty; give a name from lifecyclePolicies"}, 0},
		{"policy named none", "version: 1\nlifecyclePolicies:\n  none: {rules: [" + okRule + "]}\nrepositories: []\n",
			[]string{"registry.yaml:3:3: ", "lifecyclePolicies.none: ", "reserved"}, 0},
		{"unknown lifecycle policy", "version: 1\nlifecyclePolicies:\n  keep: {rules: [" + okRule + "]}\n" + "repositories:\n  - name: app\n    lifecyclePolicy: kepe\n",
			[]string{"registry.yaml:6:22: ", "repositories[0] (app).lifecyclePolicy: ", `unknown lifecycle policy "kepe"; known policies: keep`}, 0},
		{"unknown lifecycle policy in defaults", "version: 1\ndefaults:\n  lifecyclePolicy: missing\nrepositories:\n  - name: app\n  - name: app2\n",
			[]string{"registry.yaml:3:20: ", "defaults.lifecyclePolicy: ", `unknown lifecycle policy "missing"; define it under lifecyclePolicies`}, 0},

		// Repository policies.
		{"policy string is not JSON", head + "    repositoryPolicy: '{\"Version\": \"2012-10-17\", \"Statement\": ['\n",
			[]string{"registry.yaml:4:23: ", "repositories[0] (app).repositoryPolicy: ", "not valid JSON"}, 0},
		{"policy string is YAML-ish", head + "    repositoryPolicy: allow everyone\n",
			[]string{"registry.yaml:4:23: ", "repositories[0] (app).repositoryPolicy: ", "not valid JSON"}, 0},
		{"policy is a list", head + "    repositoryPolicy: [a]\n",
			[]string{"registry.yaml:4:23: ", "repositories[0] (app).repositoryPolicy: ", "must be an object"}, 0},
		{"policy without Principal", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Allow\n          Action: ecr:BatchGetImage\n",
			[]string{"registry.yaml:7:11: ", "repositories[0] (app).repositoryPolicy.Statement[0].Principal: ", "is required"}, 0},
		{"policy with Resource", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Allow\n          Principal: {AWS: \"123456789012\"}\n          Action: ecr:BatchGetImage\n          Resource: \"*\"\n",
			[]string{"registry.yaml:10:21: ", "repositories[0] (app).repositoryPolicy.Statement[0].Resource: ", "has no Resource element"}, 0},
		{"policy with a principal that is no principal", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Allow\n          Principal: {AWS: x}\n          Action: ecr:BatchGetImage\n",
			[]string{"registry.yaml:8:", "repositories[0] (app).repositoryPolicy.Statement[0].Principal.AWS: ", `invalid AWS principal "x"`}, 0},
		{"policy with non-ECR action", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Effect: Allow\n          Principal: {AWS: \"123456789012\"}\n          Action: [s3:GetObject]\n",
			[]string{"registry.yaml:9:20: ", "repositories[0] (app).repositoryPolicy.Statement[0].Action[0]: ", "not an ECR action"}, 0},
		{"policy with bad Version", head + "    repositoryPolicy:\n      Version: 2020-01-01\n      Statement: {Effect: Allow, Principal: \"*\", Action: \"ecr:*\"}\n",
			[]string{"registry.yaml:5:16: ", "repositories[0] (app).repositoryPolicy.Version: ", "must be"}, 0},
		{"policy with unknown key", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Statements: []\n",
			[]string{"registry.yaml:", "repositories[0] (app).repositoryPolicy.Statement: ", "is required"}, 2},
		{"JSON policy shape problem", head + "    repositoryPolicy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"ecr:*\"}]}'\n",
			[]string{"registry.yaml:4:23: ", "repositories[0] (app).repositoryPolicy.Statement[0].Effect: ", "Allow"}, 0},
		{"duplicate key in policy", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Version: \"2012-10-17\"\n",
			[]string{"registry.yaml:6:7: ", "repositories[0] (app).repositoryPolicy.Version: ", `key "Version" appears twice (first at line 5)`}, 0},
		{"list as key in policy", head + "    repositoryPolicy: {<<: {Version: \"2012-10-17\"}, [a]: 1}\n",
			[]string{"registry.yaml:4:53: ", "repositories[0] (app).repositoryPolicy: ", "a key must be a plain name"}, 0},
		{"broken defaults policy is reported once", "version: 1\ndefaults:\n  repositoryPolicy: '{'\nrepositories:\n  - name: app\n  - name: app2\n",
			[]string{"registry.yaml:3:21: ", "defaults.repositoryPolicy: ", "not valid JSON"}, 0},
		{"Sid clash", head + "    repositoryPolicy:\n      Version: \"2012-10-17\"\n      Statement:\n        - Sid: EcrctlPull\n          Effect: Allow\n          Principal: {AWS: [\"123456789012\"]}\n          Action: [ecr:BatchGetImage]\n    access:\n      pull: [\"123456789012\"]\n",
			[]string{"registry.yaml:12:7: ", "repositories[0] (app).access: ", `Sid "EcrctlPull"`, "reserves"}, 0},
		{"Sid clash with defaults access", "version: 1\ndefaults:\n  access: {push: [\"123456789012\"]}\nrepositories:\n  - name: app\n    repositoryPolicy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"EcrctlPush\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ecr:*\"}]}'\n",
			[]string{"registry.yaml:3:11: ", "repositories[0] (app).access: ", `Sid "EcrctlPush"`}, 0},
		{"access with policy none", head + "    repositoryPolicy: none\n    access: {pull: [\"123456789012\"]}\n",
			[]string{"registry.yaml:5:13: ", "repositories[0] (app).access: ", "repositoryPolicy is none"}, 0},
		{"bad principal", head + "    access:\n      pull: [\"123456789012\", \"arn:aws:iam::123:role/x\"]\n",
			[]string{"registry.yaml:5:30: ", "repositories[0] (app).access.pull[1]: ", "invalid principal"}, 0},
		{"bad principal in defaults is reported once", "version: 1\ndefaults:\n  access: {push: [someone]}\nrepositories:\n  - name: app\n  - name: app2\n",
			[]string{"registry.yaml:3:19: ", "defaults.access.push[0]: ", `invalid principal "someone"`}, 0},

		// The file as a whole.
		{"empty", "", []string{"registry.yaml: ", "file is empty"}, 0},
		{"blank", " \n\n\t\n", []string{"registry.yaml: ", "file is empty"}, 0},
		{"comments only", "# version: 1\n", []string{"registry.yaml: ", "file is empty"}, 0},
		{"document marker only", "---\n", []string{"registry.yaml: ", "file is empty"}, 0},
		{"explicit null document", "--- ~\n", []string{"registry.yaml:1:5: ", "top level must be a mapping"}, 0},
		{"second document is an explicit null", "version: 1\nrepositories: []\n--- ~\n",
			[]string{"registry.yaml:3:1: ", "more than one YAML document"}, 0},
		{"second document after an empty one", "version: 1\nrepositories: []\n---\n---\nregion: us-west-2\n",
			[]string{"registry.yaml:4:1: ", "more than one YAML document"}, 0},
		{"x- key below the top level", head + "    x-note: hi\n",
			[]string{"registry.yaml:4:5: ", "repositories[0].x-note: ", `unknown key "x-note"`}, 0},
		{"not UTF-8", "version: 1\nrepositories: [{name: caf\xe9}]\n", []string{"registry.yaml: ", "not valid UTF-8"}, 0},
		{"two documents", "version: 1\nrepositories: []\n---\nversion: 1\nrepositories: []\n",
			[]string{"registry.yaml:3:", "more than one YAML document"}, 0},
		{"broken second document", "version: 1\nrepositories: []\n---\nversion: [\n",
			[]string{"registry.yaml:5: ", "did not find expected node content"}, 0},
		{"version 2", "version: 2\nrepositories: []\n",
			[]string{"registry.yaml:1:10: ", "version: ", "2 is not a known spec version"}, 0},
		{"version missing", "repositories: []\n",
			[]string{"registry.yaml:1:1: ", "version: ", "missing; add `version: 1`"}, 0},
		{"version null", "version:\nrepositories: []\n",
			[]string{"registry.yaml:1:9: ", "version: ", "has no value"}, 0},
		{"repositories missing", "version: 1\n",
			[]string{"registry.yaml:1:1: ", "repositories: ", "missing"}, 0},
		{"account too short", "version: 1\naccount: \"12345678901\"\nrepositories: []\n",
			[]string{"registry.yaml:2:10: ", "account: ", `"12345678901" is not a 12-digit AWS account id`}, 0},
		{"account not digits", "version: 1\naccount: prod\nrepositories: []\n",
			[]string{"registry.yaml:2:10: ", "account: ", "12-digit"}, 0},
		{"bad region", "version: 1\nregion: us_west_2\nrepositories: []\n",
			[]string{"registry.yaml:2:9: ", "region: ", `"us_west_2" is not an AWS region name`}, 0},
		{"region as list", "version: 1\nregion: [us-west-2]\nrepositories: []\n",
			[]string{"registry.yaml:2:9: ", "region: ", "must be a string, got a list"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spec.Parse("registry.yaml", []byte(tc.yaml))
			ps := problems(t, err)
			want := max(tc.count, 1)
			if len(ps) != want {
				t.Errorf("got %d problems, want %d:\n%v", len(ps), want, err)
			}
			got := ps[0].Error()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("first problem %q\ndoes not contain %q", got, w)
				}
			}
			for _, p := range ps {
				if p.File != "registry.yaml" || p.Message == "" {
					t.Errorf("problem without file or message: %#v", p)
				}
				if strings.Contains(p.Message, "!!") || strings.Contains(p.Message, "unmarshal") {
					t.Errorf("problem leaks yaml.v3 internals: %q", p.Message)
				}
			}
		})
	}
}

// Problems come back in file order, all at once.
func TestParseReportsEveryProblemInFileOrder(t *testing.T) {
	text := `version: 1
region: nowhere
repositories:
  - name: BAD
    scanOnPush: true
  - name: ok-repo
    encryption: {type: AES256, kmsKey: k}
  - name: ok-repo
`
	_, err := spec.Parse("x.yaml", []byte(text))
	ps := problems(t, err)
	var lines []int
	for _, p := range ps {
		lines = append(lines, p.Line)
	}
	if want := []int{2, 4, 7, 8}; fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("problem lines = %v, want %v:\n%v", lines, want, err)
	}
	if !strings.Contains(err.Error(), "\n") {
		t.Errorf("Problems.Error() should list one problem per line: %q", err.Error())
	}
}

// A problem that stops the value from being read (null, wrong kind,
// duplicate key) does not hide the problems after it.
func TestParseReportsProblemsAfterUnreadableValues(t *testing.T) {
	text := `version: 1
repositories:
  - name: one
    state: null
  - name: two
    state: Absent
  - just-a-name
  - name: three
    scanOnPush: maybe
    tags: {Team: [a]}
    imageTagMutabilityExclusionFilters: [ok, [x], "a b"]
  - name: four
    state: present
    state: absent
    encryption: {type: [AES256]}
  - name: five
    state: ""
    imageTagMutability: [IMMUTABLE]
    access: {pull: [[x], "123"]}
`
	_, err := spec.Parse("r.yaml", []byte(text))
	ps := problems(t, err)
	want := []string{
		"r.yaml:4:12: repositories[0].state: has no value",
		`r.yaml:6:12: repositories[1] (two).state: "Absent" is not a state`,
		"r.yaml:7:5: repositories[2]: must be a mapping",
		"r.yaml:9:17: repositories[3].scanOnPush: must be true or false",
		"r.yaml:10:18: repositories[3].tags.Team: must be a string",
		"r.yaml:11:41: repositories[3] (three).imageTagMutabilityExclusionFilters: filters need imageTagMutability",
		"r.yaml:11:46: repositories[3].imageTagMutabilityExclusionFilters[1]: must be a string",
		`r.yaml:11:51: repositories[3] (three).imageTagMutabilityExclusionFilters[2]: "a b" is not a valid filter`,
		"r.yaml:14:5: repositories[4].state: key \"state\" appears twice",
		"r.yaml:15:24: repositories[4].encryption.type: must be a string",
		"r.yaml:17:12: repositories[5] (five).state: is empty",
		"r.yaml:18:25: repositories[5].imageTagMutability: must be a string",
		"r.yaml:19:21: repositories[5].access.pull[0]: must be a string",
		`r.yaml:19:26: repositories[5] (five).access.pull[1]: invalid principal "123"`,
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for i, p := range ps {
		if i < len(want) && !strings.HasPrefix(p.Error(), want[i]) {
			t.Errorf("problem %d = %q\nwant prefix %q", i, p.Error(), want[i])
		}
	}
}

// Unreadable values outside repositories do not hide the repositories'
// problems either.
func TestParseReportsRepositoryProblemsAfterUnreadableTopLevel(t *testing.T) {
	text := "version: [1]\ndefaults: {scanOnPush: maybe, tags: [a]}\nlifecyclePolicies: ~\nrepositories:\n  - name: Bad\n"
	_, err := spec.Parse("r.yaml", []byte(text))
	ps := problems(t, err)
	var lines []int
	for _, p := range ps {
		lines = append(lines, p.Line)
	}
	if want := []int{1, 2, 2, 3, 5}; fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("problem lines = %v, want %v:\n%v", lines, want, err)
	}
}

func TestProblemError(t *testing.T) {
	for _, tc := range []struct {
		p    spec.Problem
		want string
	}{
		{spec.Problem{File: "f", Message: "m"}, "f: m"},
		{spec.Problem{File: "f", Line: 3, Message: "m"}, "f:3: m"},
		{spec.Problem{File: "f", Line: 3, Column: 4, Field: "a.b", Message: "m"}, "f:3:4: a.b: m"},
	} {
		if got := tc.p.Error(); got != tc.want {
			t.Errorf("%#v.Error() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestLoadBadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, spec.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.yaml"), "file does not exist"},
		{"under a file", filepath.Join(write("plain.yaml", nil), "x.yaml"), "not a directory"},
		{"directory", dir, "is a directory"},
		{"huge", huge, "over the 8388608 byte limit"},
		{"not UTF-8", write("latin1.yaml", []byte("version: 1\nrepositories: [{name: caf\xe9}]\n")), "not valid UTF-8"},
		{"empty", write("empty.yaml", nil), "file is empty"},
		{"parse problem", write("bad.yaml", []byte("version: 2\nrepositories: []\n")), ":1:10: version: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := spec.Load(tc.path)
			if f != nil {
				t.Errorf("Load returned a file with an error")
			}
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Errorf("got %d problems, want 1: %v", len(ps), err)
			}
			if ps[0].File != tc.path {
				t.Errorf("File = %q, want %q", ps[0].File, tc.path)
			}
			if got := ps[0].Error(); !strings.HasPrefix(got, tc.path) || !strings.Contains(got, tc.want) {
				t.Errorf("problem %q: want it to start with the path and contain %q", got, tc.want)
			}
		})
	}
}

func TestParseHugeInput(t *testing.T) {
	data := []byte("version: 1\nrepositories: []\n" + strings.Repeat("#", spec.MaxFileSize))
	_, err := spec.Parse("big.yaml", data)
	ps := problems(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "byte limit") {
		t.Errorf("got %v, want one size problem", err)
	}
}

// A FIFO reports no size; Load must not read it without bound.
func TestLoadNonRegularFileIsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := spec.Load("/dev/zero")
	ps := problems(t, err)
	if !strings.Contains(ps[0].Message, "byte limit") {
		t.Errorf("got %v, want a size problem", err)
	}
}

func TestLoadUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read anything")
	}
	p := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(p, []byte("version: 1\nrepositories: []\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	_, err := spec.Load(p)
	ps := problems(t, err)
	if !strings.Contains(ps[0].Message, "permission denied") || strings.Count(ps[0].Error(), p) != 1 {
		t.Errorf("got %q, want permission denied naming the path once", ps[0].Error())
	}
}

// YAML aliases that expand a small file into a huge tree are refused, not
// walked.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\ndefaults:\n  imageTagMutability: IMMUTABLE_WITH_EXCLUSION\n  imageTagMutabilityExclusionFilters: &f [")
	for i := range 5000 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "f%d", i)
	}
	b.WriteString("]\nrepositories:\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "  - {name: r%d, imageTagMutability: MUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: *f}\n", i)
	}
	_, err := spec.Parse("bomb.yaml", []byte(b.String()))
	ps := problems(t, err)
	if !strings.Contains(err.Error(), "aliases") {
		t.Errorf("got %d problems, first %v; want one about aliases", len(ps), ps[0])
	}
}

// Numbers in lifecycle rules are taken as written: yaml.v3 would turn 5.9
// into 5, 010 into 8 (octal), 0x10 into 16 and 1e1 into 10 and report the
// policy valid. rulePriority 010 would even have slipped past the "any rule
// last" check (8 < 9).
func TestParseLifecycleNumbersAsWritten(t *testing.T) {
	rules := func(prio, count string) string {
		return "version: 1\nlifecyclePolicies:\n  p:\n    rules:\n" +
			"      - rulePriority: " + prio + "\n" +
			"        selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: " + count + "}\n" +
			"        action: {type: expire}\n" +
			"      - rulePriority: 9\n" +
			"        selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}\n" +
			"        action: {type: expire}\n" +
			"repositories: []\n"
	}
	for _, tt := range []struct {
		name, prio, count string
		want              []string
	}{
		{"countNumber 5.9", "10", "5.9", []string{"registry.yaml:6:", "lifecyclePolicies.p.rules[0].selection.countNumber: ", "plain decimal digits (like 10), got 5.9", "drop the fraction"}},
		{"rulePriority 1.9", "1.9", "5", []string{"registry.yaml:5:", "lifecyclePolicies.p.rules[0].rulePriority: ", "got 1.9"}},
		{"rulePriority 010", "010", "5", []string{"registry.yaml:5:", "lifecyclePolicies.p.rules[0].rulePriority: ", "got 010", "octal"}},
		{"countNumber 0x10", "10", "0x10", []string{"lifecyclePolicies.p.rules[0].selection.countNumber: ", "got 0x10"}},
		{"countNumber 1e1", "10", "1e1", []string{"lifecyclePolicies.p.rules[0].selection.countNumber: ", "got 1e1"}},
		{"countNumber 1_000", "10", "1_000", []string{"got 1_000"}},
		{"countNumber +5", "10", "+5", []string{"got +5"}},
		{"rulePriority 0o10", "0o10", "5", []string{"got 0o10"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("registry.yaml", []byte(rules(tt.prio, tt.count)))
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("want one problem, got %d:\n%v", len(ps), ps)
			}
			for _, w := range tt.want {
				if !strings.Contains(ps[0].Error(), w) {
					t.Errorf("problem %q lacks %q", ps[0].Error(), w)
				}
			}
		})
	}
	// Plain decimal digits pass; the priority decides the "any last" check.
	mustParse(t, rules("10", "5"))
	_, err := spec.Parse("registry.yaml", []byte(rules("8", "5")))
	if ps := problems(t, err); !strings.Contains(ps[0].Error(), "must have the highest rulePriority") {
		t.Errorf("rulePriority 8 before 9: %v", ps)
	}
}
