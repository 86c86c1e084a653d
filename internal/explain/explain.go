// Package explain shows, image by image, what a lifecycle policy does to a
// repository's images: the rule that claims each image, the decision (keep,
// expire or archive) and why, evaluated locally with ECR's documented
// semantics. It owns choosing the policy (the spec's, a named one, or a
// policy file) and the text and JSON renderings; it only reads ECR.
package explain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// Explanation is a policy's decisions for a repository's images at one time.
type Explanation struct {
	Repository string
	// Policy names the policy for people: its name in the spec, the policy
	// file, or "inline policy of REPO".
	Policy    string
	At        time.Time
	Decisions []lifecycle.Decision // newest push first
}

// Evaluate reads the repository's images (DescribeImages, paged) and
// evaluates policy against them at time at.
func Evaluate(ctx context.Context, client ecrapi.ECR, repo, label string, policy lifecycle.Policy, at time.Time) (*Explanation, error) {
	images, err := ecrapi.ListImages(ctx, client, repo)
	var nf *types.RepositoryNotFoundException
	var op *ecrapi.OpError
	if errors.As(err, &nf) && errors.As(err, &op) {
		// The generic hint ("deleted or renamed since it was read") is wrong
		// here: nothing was read before, and the usual cause is a repository
		// the spec lists but apply has not created yet.
		op.Detail = "the repository does not exist in ECR, so it has no images to explain: create it with `ecrctl apply`, or check the name and the region"
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(images, func(i, j int) bool { return images[i].PushedAt.After(images[j].PushedAt) })
	return &Explanation{Repository: repo, Policy: label, At: at, Decisions: lifecycle.Evaluate(policy, images, at)}, nil
}

// ChoosePolicy picks the policy to explain for repo, and a label for it: the
// policy file when policyFile is set, else the spec's lifecycle policy
// policyName when that is set, else the policy the spec gives repo.
func ChoosePolicy(s *spec.File, repo, policyName, policyFile string) (string, *lifecycle.Policy, error) {
	switch {
	case policyFile != "":
		p, err := ReadPolicyFile(policyFile)
		return policyFile, p, err
	case policyName != "":
		p, ok := s.LifecyclePolicies[policyName]
		if !ok {
			names := make([]string, 0, len(s.LifecyclePolicies))
			for n := range s.LifecyclePolicies {
				names = append(names, n)
			}
			sort.Strings(names)
			if policyName == spec.None {
				return "", nil, fmt.Errorf("--policy none means no lifecycle policy: every image is kept, so there is nothing to explain; name a policy with --policy or --policy-file")
			}
			if len(names) == 0 {
				return "", nil, fmt.Errorf("%s has no lifecycle policy %q: it defines no named policies under lifecyclePolicies; use --policy-file FILE, or leave out --policy to explain the repository's own policy", s.Path, policyName)
			}
			return "", nil, fmt.Errorf("%s has no lifecycle policy %q; it has: %s", s.Path, policyName, strings.Join(names, ", "))
		}
		return policyName, p, nil
	}
	for _, r := range s.Repositories {
		if r.Name != repo {
			continue
		}
		if r.Lifecycle == nil || r.Lifecycle.Policy == nil {
			return "", nil, fmt.Errorf("%s gives repository %q no lifecycle policy; name one with --policy or --policy-file", s.Path, repo)
		}
		name := r.Lifecycle.Name
		if name == "" {
			name = "inline policy of " + r.Name
		}
		return name, r.Lifecycle.Policy, nil
	}
	return "", nil, fmt.Errorf("repository %q is not in %s; name a policy with --policy or --policy-file", repo, s.Path)
}

// ReadPolicyFile reads a lifecycle policy file: ECR's JSON, or YAML of the
// same shape. The policy must be one ECR would accept.
func ReadPolicyFile(path string) (*lifecycle.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the policy file: %w", err)
	}
	// YAML is a superset of JSON: decode either, then parse strictly as the
	// JSON ECR takes, so an unknown field is an error here too.
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	text, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, err := lifecycle.Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if issues := p.Validate(); len(issues) > 0 {
		msgs := make([]string, len(issues))
		for i, is := range issues {
			msgs[i] = is.Error()
		}
		return nil, fmt.Errorf("%s: ECR would reject this policy: %s", path, strings.Join(msgs, "; "))
	}
	return &p, nil
}

// decisionWord is the decision as the console names it: a transition to
// the archive storage class is "archive".
func decisionWord(action string) string {
	if action == lifecycle.DecisionTransition {
		return "archive"
	}
	return action
}

// WriteText writes a table, one image a row, and a summary line.
func (e *Explanation) WriteText(w io.Writer) error {
	counts := map[string]int{}
	var bytes int64
	fmt.Fprintf(w, "Repository %s, policy %s, evaluated at %s\n\n", e.Repository, e.Policy, e.At.UTC().Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIGEST\tTAGS\tPUSHED\tSIZE\tRULE\tDECISION\tWHY")
	for _, d := range e.Decisions {
		rule := "-"
		if d.RulePriority > 0 {
			rule = fmt.Sprint(d.RulePriority)
		}
		tags := strings.Join(d.Image.Tags, ",")
		if tags == "" {
			tags = "<untagged>"
		}
		word := decisionWord(d.Action)
		counts[word]++
		if d.Action == lifecycle.DecisionExpire {
			bytes += d.Image.SizeBytes
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", format.ShortDigest(d.Image.Digest), tags, d.Image.PushedAt.UTC().Format("2006-01-02 15:04"),
			format.Bytes(d.Image.SizeBytes), rule, word, d.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	images := "images"
	if len(e.Decisions) == 1 {
		images = "image"
	}
	fmt.Fprintf(w, "\n%d %s: %d keep, %d expire (%s), %d archive.\n", len(e.Decisions), images,
		counts["keep"], counts["expire"], format.Bytes(bytes), counts["archive"])
	return nil
}

// WriteJSON writes one object: repository, policy, evaluated_at and images[]
// (digest, tags, pushed_at, size_bytes, rule_priority, decision, reason).
func (e *Explanation) WriteJSON(w io.Writer) error {
	type image struct {
		Digest       string    `json:"digest"`
		Tags         []string  `json:"tags"`
		PushedAt     time.Time `json:"pushed_at"`
		SizeBytes    int64     `json:"size_bytes"`
		RulePriority int       `json:"rule_priority"`
		Decision     string    `json:"decision"`
		Reason       string    `json:"reason"`
	}
	out := struct {
		Repository  string    `json:"repository"`
		Policy      string    `json:"policy"`
		EvaluatedAt time.Time `json:"evaluated_at"`
		Images      []image   `json:"images"`
	}{Repository: e.Repository, Policy: e.Policy, EvaluatedAt: e.At.UTC(), Images: []image{}}
	for _, d := range e.Decisions {
		tags := d.Image.Tags
		if tags == nil {
			tags = []string{}
		}
		out.Images = append(out.Images, image{d.Image.Digest, tags, d.Image.PushedAt.UTC(), d.Image.SizeBytes, d.RulePriority, decisionWord(d.Action), d.Reason})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
