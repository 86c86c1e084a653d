package lifecycle

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Lifecycle policies as they are published, each known to be accepted by
// ECR. They are test vectors, kept byte for byte; docs/validation-sources.md
// lists the sources.

// tfStorageClassPolicy is the policy terraform-provider-aws's acceptance test
// TestAccECRLifecyclePolicy_storageClass applies to AWS
// (internal/service/ecr/lifecycle_policy_test.go,
// testAccLifecyclePolicyConfig_storageClass; the provider's and Pulumi's docs
// show it as "Policy to Archive and Delete"). Two tagStatus any rules, one per
// storage class.
const tfStorageClassPolicy = `{
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
}`

// awsCombinedArchiveExpire is the ECR user guide's example "Combining archive
// and expire rules" (lifecycle_policy_examples): transition by push age
// (sinceImagePushed with transition), then expire from the archive.
const awsCombinedArchiveExpire = `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Archive images older than 30 days",
            "selection": {
                "tagStatus": "any",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 30
            },
            "action": {
                "type": "transition",
                "targetStorageClass": "archive"
            }
        },
        {
            "rulePriority": 2,
            "description": "Expire images archived for more than 365 days",
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
}`

// awsArchiveProdByAge is the ECR user guide's example "Archiving images older
// than a specified number of days" (lifecycle_policy_examples): a tagged
// sinceImagePushed rule with a transition action.
const awsArchiveProdByAge = `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Archive production images older than 30 days",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["prod*"],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 30
            },
            "action": {
                "type": "transition",
                "targetStorageClass": "archive"
            }
        }
    ]
}`

// ECR accepts each published policy: Validate must find nothing and Lint
// must not warn (validate --strict would otherwise fail on a policy AWS
// documents as correct).
func TestPublishedPoliciesValidateAndLintClean(t *testing.T) {
	for name, text := range map[string]string{
		"terraform TestAccECRLifecyclePolicy_storageClass": tfStorageClassPolicy,
		"AWS combining archive and expire rules":           awsCombinedArchiveExpire,
		"AWS archiving images older than 30 days":          awsArchiveProdByAge,
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			if is := p.Validate(); is != nil {
				t.Errorf("Validate() = %v, want nil: ECR accepts this policy", is)
			}
			for _, w := range Lint("p", p) {
				// Over-matching prefixes are notes (validate --strict does
				// not fail on them): "prod*" also matches "product".
				if w.Code != WarnPrefixOvermatch {
					t.Errorf("Lint() warns: %v", w)
				}
			}
		})
	}
}

// The archive-then-delete policy over a repository, read with the user
// guide's evaluation rules (LifecyclePolicies, "Lifecycle policy evaluation
// rules"): sinceImagePulled falls back to the push time for an image never
// pulled; sinceImageTransitioned selects archived images by their archive
// time; a rule selects images of its own storage class only, so the standard
// "any" rule (priority 1) does not shield archived images from rule 2.
func TestEvaluateTerraformArchiveThenDelete(t *testing.T) {
	p, err := Parse(tfStorageClassPolicy)
	if err != nil {
		t.Fatal(err)
	}
	ago := func(days int) time.Time { return evalNow.Add(-time.Duration(days) * day) }
	images := []Image{
		{Digest: "std-pulled-100d", Tags: []string{"v1"}, PushedAt: ago(400), LastPulledAt: ago(100)},
		{Digest: "std-pulled-10d", Tags: []string{"v2"}, PushedAt: ago(400), LastPulledAt: ago(10)},
		{Digest: "std-never-pulled-120d", PushedAt: ago(120)},
		{Digest: "std-never-pulled-30d", PushedAt: ago(30)},
		{Digest: "arch-400d", Tags: []string{"v0"}, PushedAt: ago(900), LastPulledAt: ago(800), StorageClass: StorageClassArchive, TransitionedAt: ago(400)},
		{Digest: "arch-100d", PushedAt: ago(900), LastPulledAt: ago(800), StorageClass: StorageClassArchive, TransitionedAt: ago(100)},
	}
	want := map[string]string{
		"std-pulled-100d":       "transition@1",
		"std-pulled-10d":        "keep@1",
		"std-never-pulled-120d": "transition@1",
		"std-never-pulled-30d":  "keep@1",
		"arch-400d":             "expire@2",
		"arch-100d":             "keep@2",
	}
	if diff := cmp.Diff(want, outcome(Evaluate(p, images, evalNow))); diff != "" {
		t.Errorf("Evaluate (-want +got):\n%s", diff)
	}
	// Archived now, an image is expired 365 days later, not within 300;
	// the image archived 100 days ago is expired within 300.
	got := ExpiredWithin(p, images, evalNow, 300*day)
	wantExpired := map[string]bool{"arch-400d": true, "arch-100d": true}
	if diff := cmp.Diff(wantExpired, got); diff != "" {
		t.Errorf("ExpiredWithin 300 days (-want +got):\n%s", diff)
	}
}
