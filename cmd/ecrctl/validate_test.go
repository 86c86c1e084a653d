package main

import (
	"os"
	"strings"
	"testing"
)

// The seed's first draft: one rule per line with multi-entry prefix lists.
const seedDraftSpec = `version: 1
lifecyclePolicies:
  seed:
    rules:
      - selection: {tagStatus: tagged, tagPrefixList: [v, release, prod], countType: imageCountMoreThan, countNumber: 10}
        action: {type: expire}
      - selection: {tagStatus: tagged, tagPrefixList: [dev, staging], countType: sinceImagePushed, countUnit: days, countNumber: 7}
        action: {type: expire}
      - selection: {tagStatus: untagged, countType: sinceImagePushed, countUnit: days, countNumber: 1}
        action: {type: expire}
repositories:
  - name: app-frontend
    lifecyclePolicy: seed
`

func TestValidateWarnsAboutTheSeedDraft(t *testing.T) {
	h := newHarness(t, seedDraftSpec)
	code, out, errOut := h.run("", false, "validate")
	if code != exitOK || !strings.Contains(out, "(2 warnings") {
		t.Fatalf("validate = %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		`Warning: lifecycle policy "seed", rule 1 [list-and]: tagPrefixList [v, release, prod] is an AND`,
		"tagPrefixList: [release], countType: imageCountMoreThan, countNumber: 10",
		`Warning: lifecycle policy "seed", rule 2 [list-and]`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, _, errOut = h.run("", false, "validate", "--strict")
	if code != exitError || !strings.Contains(errOut, "2 lifecycle warnings and --strict is set") {
		t.Fatalf("validate --strict = %d:\n%s", code, errOut)
	}
}

func TestValidateStrictAcceptsTheCorrectedRegistry(t *testing.T) {
	data, err := os.ReadFile(repoFile("registry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, string(data))
	code, out, errOut := h.run("", false, "validate", "--strict")
	if code != exitOK || strings.Contains(errOut, "Warning:") {
		t.Fatalf("validate --strict on registry.yaml = %d:\n%s\n%s", code, out, errOut)
	}
}

// archiveThenDeleteSpec holds, as YAML (JSON is YAML), the lifecycle policy
// terraform-provider-aws's TestAccECRLifecyclePolicy_storageClass applies to
// AWS: two tagStatus any rules, one per storage class.
const archiveThenDeleteSpec = `version: 1
lifecyclePolicies:
  archive-then-delete: {
    "rules": [
      {
        "rulePriority": 1,
        "description": "Archive images not pulled in 90 days",
        "selection": {
          "tagStatus": "any",
          "countType": "sinceImagePulled",
          "countUnit": "days",
          "countNumber": 90
        },
        "action": {
          "type": "transition",
          "targetStorageClass": "archive"
        }
      },
      {
        "rulePriority": 2,
        "description": "Delete images archived for more than 365 days",
        "selection": {
          "tagStatus": "any",
          "storageClass": "archive",
          "countType": "sinceImageTransitioned",
          "countUnit": "days",
          "countNumber": 365
        },
        "action": {
          "type": "expire"
        }
      }
    ]
  }
repositories:
  - name: app
    lifecyclePolicy: archive-then-delete
`

// Validate (with lint, --strict) accepts the archive-then-delete policy
// ECR accepts.
func TestValidateStrictAcceptsArchiveThenDelete(t *testing.T) {
	h := newHarness(t, archiveThenDeleteSpec)
	code, out, errOut := h.run("", false, "validate", "--strict")
	if code != exitOK || errOut != "" {
		t.Fatalf("validate --strict = %d:\n%s\n%s", code, out, errOut)
	}
}
