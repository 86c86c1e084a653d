//go:build unix

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/motoserver"
)

// TestE2ESavedDeleteRefusedWhenImagesChanged is the repro: a saved
// delete of keep1 and keep2; behind its back keep1 is deleted and
// new-important pushed (still two images). Applying the saved plan must not
// destroy new-important, which nobody reviewed.
func TestE2ESavedDeleteRefusedWhenImagesChanged(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", "version: 1\nregion: us-west-2\nrepositories:\n  - name: old\n    state: absent\n")
	e.aws("create-repository", "--repository-name", "old")
	pushImage(e, "old", "keep1", 1)
	pushImage(e, "old", "keep2", 2)

	e.mustExit(0, "plan", "--out", "plan.json")
	var saved struct {
		Changes []struct {
			ImageCount   int    `json:"image_count"`
			ImagesSHA256 string `json:"images_sha256"`
			Steps        []struct {
				ExpectedImagesSHA256 string `json:"expected_images_sha256"`
			} `json:"steps"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(e.dir, "plan.json"))), &saved); err != nil {
		t.Fatal(err)
	}
	if c := saved.Changes[0]; c.ImageCount != 2 || len(c.ImagesSHA256) != 64 || c.Steps[0].ExpectedImagesSHA256 != c.ImagesSHA256 {
		t.Fatalf("the saved delete does not record its images: %+v", c)
	}

	e.aws("batch-delete-image", "--repository-name", "old", "--image-ids", "imageTag=keep1")
	pushImage(e, "old", "new-important", 3)
	before := e.snapshot()
	if tags := imageTags(before.repo(t, "old")); !slices.Equal(tags, []string{"keep2", "new-important"}) {
		t.Fatalf("moto holds %v, want keep2 and new-important", tags)
	}

	r := e.mustExit(1, "apply", "plan.json", "--allow-delete-images")
	mustContain(t, r, r.stderr, `repository "old" holds other images than the plan showed (2 images then, 2 images now`)
	mustContain(t, r, r.stderr, "nothing was written")
	assertNoWrites(t, r)
	assertUnchanged(t, "a refused saved delete", before, e.snapshot())

	// Reviewed again, the delete goes ahead.
	e.mustExit(0, "plan", "--out", "plan.json")
	r = e.mustExit(0, "apply", "plan.json", "--allow-delete-images")
	assertWrites(t, r, "DeleteRepository(old)")
}

// TestE2ESavedPlanRefusedInAnotherAccount is the repro with two
// moto servers for two accounts: a plan saved against the first's empty
// registry (no account: in the spec) must not create anything in the second.
func TestE2ESavedPlanRefusedInAnotherAccount(t *testing.T) {
	e := newEnv(t)
	e.writeFile("registry.yaml", "version: 1\nregion: us-west-2\nrepositories:\n  - name: app\n    scanOnPush: true\n")
	other, err := motoserver.Start(motoserver.Options{Account: "222222222222", StartTimeout: motoStartTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Stop()

	r := e.mustExit(0, "plan", "--out", "plan.json")
	if !slices.Contains(callStrings(r.calls), "DescribeRegistry()") {
		t.Errorf("an empty registry's plan did not ask for the account: %v", r.calls)
	}
	mustContain(t, r, readFile(t, filepath.Join(e.dir, "plan.json")), `"registry_id": "`+account+`"`)

	e.other = other.URL
	r = e.mustExit(1, "apply", "plan.json")
	mustContain(t, r, r.stderr, "made for account "+account+", but these credentials reach account 222222222222")
	if out := e.aws("describe-repositories"); strings.Contains(string(out), `"app"`) {
		t.Fatalf("the saved plan created the repository in the other account:\n%s", out)
	}

	// A plan file that names no account (an older ecrctl) is refused too.
	e.other = ""
	path := filepath.Join(e.dir, "plan.json")
	old := strings.Replace(readFile(t, path), `"registry_id": "`+account+`"`, `"registry_id": ""`, 1)
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.mustExit(1, "apply", "plan.json")
	mustContain(t, r, r.stderr, "does not record the AWS account it was made for")
	mustContain(t, r, r.stderr, "Run `ecrctl plan --out FILE` again")
	assertNoWrites(t, r)
}

func imageTags(r repoSnap) []string {
	var tags []string
	for _, im := range r.Images {
		tags = append(tags, im.Tags...)
	}
	slices.Sort(tags)
	return tags
}

func callStrings(calls []call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.String()
	}
	return out
}
