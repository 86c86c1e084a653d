package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

type explainOptions struct {
	Repository string
	Policy     string
	PolicyFile string
	At         string
	Output     string
}

func newLifecycleCmd(f *factory, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lifecycle",
		Short: "Inspect lifecycle policies",
		Long: `Commands that show what a lifecycle policy does, evaluated locally with ECR's
documented semantics.`,
		Example: "  ecrctl lifecycle explain durableai-dev-frontend",
	}
	cmd.AddCommand(newLifecycleExplainCmd(f, g))
	return cmd
}

func newLifecycleExplainCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain REPO",
		Short: "Show, image by image, what a lifecycle policy keeps and expires",
		Long: `Explain reads the repository's images (DescribeImages, paged) and evaluates a
lifecycle policy against them the way ECR does: all rules at once, one rule per
image, an image that a higher-priority rule selects is never expired by a
lower one, prefix lists are ANDs. For every image it prints the rule that
claims it, the decision (keep, expire or archive) and why.

The policy is the one registry.yaml gives the repository, unless --policy
names one of the spec's lifecyclePolicies or --policy-file gives one (ECR JSON
or the same shape in YAML). Nothing is written.

Exit codes:
  0  success
  1  error (spec, policy file, or AWS)`,
		Example: `  ecrctl lifecycle explain durableai-dev-frontend
  ecrctl lifecycle explain durableai-dev-frontend --policy cost-optimized --at 2027-01-01
  ecrctl lifecycle explain app --policy-file candidate.json -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Repository = args[0]
			return runExplain(cmd.Context(), f, g, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Policy, "policy", "", "a policy name from the spec's lifecyclePolicies")
	fl.StringVar(&o.PolicyFile, "policy-file", "", "a lifecycle policy file (ECR JSON, or YAML of the same shape)")
	fl.StringVar(&o.At, "at", "", "evaluate at this time (RFC 3339 or YYYY-MM-DD; default now)")
	fl.StringVarP(&o.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

func runExplain(ctx context.Context, f *factory, g *globalOptions, o *explainOptions) error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("-o %q is not a format; use text or json", o.Output)
	}
	if o.Policy != "" && o.PolicyFile != "" {
		return errors.New("give --policy or --policy-file, not both")
	}
	at := time.Now()
	if o.At != "" {
		var err error
		if at, err = parseTime(o.At); err != nil {
			return err
		}
	}
	s, err := loadSpec(f, g.File)
	if err != nil {
		return err
	}
	name, policy, err := choosePolicy(s, o)
	if err != nil {
		return err
	}
	client, _, err := connect(ctx, f, g, s)
	if err != nil {
		return err
	}
	images, err := reconcile.ListImages(ctx, client, o.Repository)
	if err != nil {
		return err
	}
	sort.SliceStable(images, func(i, j int) bool { return images[i].PushedAt.After(images[j].PushedAt) })
	decisions := lifecycle.Evaluate(*policy, images, at)
	if o.Output == "json" {
		return writeExplainJSON(f, o.Repository, name, at, decisions)
	}
	return writeExplainText(f, o.Repository, name, at, decisions)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q is not a time; use RFC 3339 (2027-01-01T00:00:00Z) or a date (2027-01-01)", s)
}

// choosePolicy picks the policy to explain and a label for it.
func choosePolicy(s *spec.File, o *explainOptions) (string, *lifecycle.Policy, error) {
	switch {
	case o.PolicyFile != "":
		p, err := readPolicyFile(o.PolicyFile)
		return o.PolicyFile, p, err
	case o.Policy != "":
		p, ok := s.LifecyclePolicies[o.Policy]
		if !ok {
			names := make([]string, 0, len(s.LifecyclePolicies))
			for n := range s.LifecyclePolicies {
				names = append(names, n)
			}
			sort.Strings(names)
			return "", nil, fmt.Errorf("%s has no lifecycle policy %q; it has: %s", s.Path, o.Policy, strings.Join(names, ", "))
		}
		return o.Policy, p, nil
	}
	for _, r := range s.Repositories {
		if r.Name != o.Repository {
			continue
		}
		if r.Lifecycle == nil || r.Lifecycle.Policy == nil {
			return "", nil, fmt.Errorf("%s gives repository %q no lifecycle policy; name one with --policy or --policy-file", s.Path, o.Repository)
		}
		name := r.Lifecycle.Name
		if name == "" {
			name = "inline policy of " + r.Name
		}
		return name, r.Lifecycle.Policy, nil
	}
	return "", nil, fmt.Errorf("repository %q is not in %s; name a policy with --policy or --policy-file", o.Repository, s.Path)
}

func readPolicyFile(path string) (*lifecycle.Policy, error) {
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

func decisionWord(action string) string {
	if action == "transition" {
		return "archive"
	}
	return action
}

func writeExplainText(f *factory, repo, policy string, at time.Time, ds []lifecycle.Decision) error {
	counts := map[string]int{}
	var bytes int64
	fmt.Fprintf(f.IO.Out, "Repository %s, policy %s, evaluated at %s\n\n", repo, policy, at.UTC().Format(time.RFC3339))
	w := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DIGEST\tTAGS\tPUSHED\tSIZE\tRULE\tDECISION\tWHY")
	for _, d := range ds {
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
		if d.Action == "expire" {
			bytes += d.Image.SizeBytes
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", shortDigest(d.Image.Digest), tags, d.Image.PushedAt.UTC().Format("2006-01-02 15:04"),
			reconcile.HumanBytes(d.Image.SizeBytes), rule, word, d.Reason)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "\n%d %s: %d keep, %d expire (%s), %d archive.\n", len(ds), plural(len(ds), "image", "images"),
		counts["keep"], counts["expire"], reconcile.HumanBytes(bytes), counts["archive"])
	return nil
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return d[:len(d)-len(hex)] + hex[:12]
	}
	return d
}

func writeExplainJSON(f *factory, repo, policy string, at time.Time, ds []lifecycle.Decision) error {
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
	}{Repository: repo, Policy: policy, EvaluatedAt: at.UTC(), Images: []image{}}
	for _, d := range ds {
		tags := d.Image.Tags
		if tags == nil {
			tags = []string{}
		}
		out.Images = append(out.Images, image{d.Image.Digest, tags, d.Image.PushedAt.UTC(), d.Image.SizeBytes, d.RulePriority, decisionWord(d.Action), d.Reason})
	}
	enc := json.NewEncoder(f.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
