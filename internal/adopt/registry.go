package adopt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"gopkg.in/yaml.v3"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/reconcile"
)

// What import writes of the registry's own settings (the registry: section).
//
// A singleton at ECR's default (scanning BASIC without rules, no
// replication, no registry policy) is left out, so it stays unmanaged: a
// plain import must not make this file the owner of settings that nobody
// has set, because the next stack to set them would then be overwritten by
// every apply of this file (the "two stacks overwrite the registry
// settings" problem). A singleton someone did set is written, and then this
// file owns it; --no-registry leaves the whole section out. Pull-through
// cache rules and creation templates are keyed by prefix, so each one that
// exists is written and the others stay unmanaged.

// registryTasks are the reads of the registry's settings, one per setting,
// into live. An endpoint that does not implement a read (moto has no
// pull-through cache rules or creation templates) leaves that setting
// unread, and out of the spec, with a warning.
func registryTasks(client ecrapi.Reader, live *reconcile.RegistryLive, warn func(string), setID func(string)) []func(context.Context) error {
	skip := func(what, key string, err error) error {
		if unsupported(err) {
			warn(fmt.Sprintf("the endpoint does not implement reading the %s (%s); %s is left out of the spec (unmanaged)", what, shortErr(err), key))
			return nil
		}
		return err
	}
	return []func(context.Context) error{
		func(ctx context.Context) error {
			cfg, err := ecrapi.ReadRegistryScanning(ctx, client)
			if err != nil {
				return skip("registry scanning configuration", "registry.scanning", err)
			}
			live.Scanning, live.ScanningRead = cfg, true
			return nil
		},
		func(ctx context.Context) error {
			id, cfg, err := ecrapi.ReadReplication(ctx, client)
			if err != nil {
				return skip("replication configuration", "registry.replication", err)
			}
			setID(id)
			live.Replication, live.ReplicationRead = cfg, true
			return nil
		},
		func(ctx context.Context) error {
			p, err := ecrapi.ReadRegistryPolicy(ctx, client)
			if err != nil {
				return skip("registry policy", "registry.policy", err)
			}
			live.Policy, live.PolicyRead = p, true
			return nil
		},
		func(ctx context.Context) error {
			rules, err := ecrapi.ListPullThroughCacheRules(ctx, client)
			if err != nil {
				return skip("pull-through cache rules", "registry.pullThroughCache", err)
			}
			live.PullThroughCache, live.PullThroughCacheRead = rules, true
			return nil
		},
		func(ctx context.Context) error {
			ts, err := ecrapi.ListCreationTemplates(ctx, client)
			if err != nil {
				return skip("repository creation templates", "registry.creationTemplates", err)
			}
			live.CreationTemplates, live.CreationTemplatesRead = ts, true
			return nil
		},
	}
}

// unsupported reports whether err means the endpoint lacks the operation
// (an emulator) rather than refusing this request: an HTTP 404, 500 or 501
// that is not a modelled ECR error, or an "unknown operation" code.
func unsupported(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "UnknownOperationException", "UnsupportedOperation", "NotImplemented":
			return true
		}
		return false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case 404, 500, 501:
			return true
		}
	}
	return false
}

// shortErr names an unsupported-operation answer briefly: the SDK's own
// message for an HTML page is a paragraph.
func shortErr(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP %d without an ECR error code", re.HTTPStatusCode())
	}
	return err.Error()
}

// allRead reports whether every registry setting was read.
func allRead(live *reconcile.RegistryLive) bool {
	return live.ScanningRead && live.ReplicationRead && live.PolicyRead && live.PullThroughCacheRead && live.CreationTemplatesRead
}

// hasRegistrySettings reports whether registryNode writes anything for live.
func hasRegistrySettings(live *reconcile.RegistryLive) bool {
	n, _ := registryNode(live, "", policyNames{})
	return n != nil
}

// registryNode renders the registry: section for live (nil: not read), or
// returns nil when there is nothing to write. The warnings name settings
// the spec cannot express, which are left out (unmanaged).
func registryNode(live *reconcile.RegistryLive, registryID string, names policyNames) (*yaml.Node, []string) {
	if live == nil {
		return nil, nil
	}
	var warnings []string
	m := mapping()
	if n := scanningNode(live.Scanning); n != nil {
		add(m, "scanning", n)
	}
	if n := replicationNode(live.Replication, registryID); n != nil {
		add(m, "replication", n)
	}
	if live.Policy != nil {
		doc, err := iampolicy.Parse(*live.Policy)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("the registry policy cannot be written in the spec (%v); registry.policy is left unmanaged", err))
		} else {
			add(m, "policy", documentNode(map[string]any(doc), ""))
		}
	}
	if len(live.PullThroughCache) > 0 {
		rules := slices.Clone(live.PullThroughCache)
		sort.Slice(rules, func(i, j int) bool {
			return aws.ToString(rules[i].EcrRepositoryPrefix) < aws.ToString(rules[j].EcrRepositoryPrefix)
		})
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, r := range rules {
			list.Content = append(list.Content, pullThroughCacheNode(r))
		}
		add(m, "pullThroughCache", list)
	}
	if len(live.CreationTemplates) > 0 {
		ts := slices.Clone(live.CreationTemplates)
		sort.Slice(ts, func(i, j int) bool { return aws.ToString(ts[i].Prefix) < aws.ToString(ts[j].Prefix) })
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, t := range ts {
			n, w := templateNode(t, names)
			list.Content = append(list.Content, n)
			warnings = append(warnings, w...)
		}
		add(m, "creationTemplates", list)
	}
	if len(m.Content) == 0 {
		return nil, warnings
	}
	return m, warnings
}

// scanningNode is nil for ECR's default, BASIC without rules.
func scanningNode(cfg *types.RegistryScanningConfiguration) *yaml.Node {
	if cfg == nil || (cfg.ScanType == types.ScanTypeBasic && len(cfg.Rules) == 0) {
		return nil
	}
	m := mapping()
	add(m, "type", str(string(cfg.ScanType)))
	rules := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range cfg.Rules {
		rule := mapping()
		add(rule, "frequency", str(string(r.ScanFrequency)))
		var filters []string
		for _, f := range r.RepositoryFilters {
			filters = append(filters, aws.ToString(f.Filter))
		}
		add(rule, "filters", flowList(slices.Compact(slices.Sorted(slices.Values(filters)))))
		rules.Content = append(rules.Content, rule)
	}
	if len(rules.Content) == 0 {
		rules.Style = yaml.FlowStyle
	}
	add(m, "rules", rules)
	return m
}

// replicationNode is nil when the registry replicates nothing. A
// destination in this registry's account is written without account:.
func replicationNode(cfg *types.ReplicationConfiguration, registryID string) *yaml.Node {
	if cfg == nil || len(cfg.Rules) == 0 {
		return nil
	}
	rules := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range cfg.Rules {
		rule := mapping()
		dests := &yaml.Node{Kind: yaml.SequenceNode}
		for _, d := range r.Destinations {
			dn := flowMapping()
			add(dn, "region", str(aws.ToString(d.Region)))
			if id := aws.ToString(d.RegistryId); id != "" && id != registryID {
				add(dn, "account", quoted(id))
			}
			dests.Content = append(dests.Content, dn)
		}
		add(rule, "destinations", dests)
		var filters []string
		for _, f := range r.RepositoryFilters {
			filters = append(filters, aws.ToString(f.Filter))
		}
		if len(filters) > 0 {
			add(rule, "filters", flowList(slices.Compact(slices.Sorted(slices.Values(filters)))))
		}
		rules.Content = append(rules.Content, rule)
	}
	m := mapping()
	add(m, "rules", rules)
	return m
}

func pullThroughCacheNode(r types.PullThroughCacheRule) *yaml.Node {
	m := mapping()
	add(m, "prefix", str(aws.ToString(r.EcrRepositoryPrefix)))
	for _, kv := range []struct{ key, value string }{
		{"upstreamUrl", aws.ToString(r.UpstreamRegistryUrl)},
		{"upstreamRegistry", string(r.UpstreamRegistry)},
		{"credentialArn", aws.ToString(r.CredentialArn)},
		{"customRoleArn", aws.ToString(r.CustomRoleArn)},
		{"upstreamRepositoryPrefix", aws.ToString(r.UpstreamRepositoryPrefix)},
	} {
		if kv.value != "" {
			add(m, kv.key, str(kv.value))
		}
	}
	return m
}

// templateNode writes a creation template. Its repository fields go through
// the same code as a repository's (settingsOf and the add* writers), so a
// template and a repository with the same settings read the same.
func templateNode(t types.RepositoryCreationTemplate, names policyNames) (*yaml.Node, []string) {
	prefix := aws.ToString(t.Prefix)
	lr := &ecrapi.Repository{
		Name:               prefix,
		ImageTagMutability: string(t.ImageTagMutability),
		Lifecycle:          nonEmpty(t.LifecyclePolicy),
		Policy:             nonEmpty(t.RepositoryPolicy),
		Tags:               map[string]string{},
	}
	for _, f := range t.ImageTagMutabilityExclusionFilters {
		lr.ExclusionFilters = append(lr.ExclusionFilters, aws.ToString(f.Filter))
	}
	sort.Strings(lr.ExclusionFilters)
	if e := t.EncryptionConfiguration; e != nil {
		lr.EncryptionType, lr.KMSKey = string(e.EncryptionType), aws.ToString(e.KmsKey)
	}
	for _, tag := range t.ResourceTags {
		lr.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	s := settingsOf(lr)
	var warnings []string
	for _, n := range s.notes {
		warnings = append(warnings, fmt.Sprintf("creation template %q: %s", prefix, n))
	}

	m := mapping()
	prefixNode := str(prefix)
	if len(s.notes) > 0 {
		prefixNode.LineComment = "unmanaged: " + strings.Join(s.unmanaged(), ", ") + " (see the import warnings)"
	}
	add(m, "prefix", prefixNode)
	var applied []string
	for _, a := range t.AppliedFor {
		applied = append(applied, string(a))
	}
	if len(applied) > 0 {
		add(m, "appliedFor", flowList(slices.Sorted(slices.Values(applied))))
	}
	if d := aws.ToString(t.Description); d != "" {
		add(m, "description", str(d))
	}
	if s.mutabilityOK && s.mutability != "" {
		s.addMutability(m)
	}
	if s.encryption.Type != "" {
		add(m, "encryption", encryptionNode(s.encryption))
	}
	if s.lifecycleOK {
		s.addLifecycle(m, names)
	}
	if s.policyOK {
		s.addPolicy(m)
	}
	if s.tagsOK {
		add(m, "tags", tagsNode(s.tags))
	}
	if r := aws.ToString(t.CustomRoleArn); r != "" {
		add(m, "customRoleArn", str(r))
	}
	return m, warnings
}

// nonEmpty is nil for a missing or empty text: ECR reports a template
// without a policy either way.
func nonEmpty(s *string) *string {
	if aws.ToString(s) == "" {
		return nil
	}
	return s
}

// registryFields lists the keys of a registry: node, for the file's header.
func registryFields(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	var keys []string
	for i := 0; i < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

// comment writes text as "# " lines of at most 80 columns.
func comment(text string) string {
	var b strings.Builder
	line := "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 80 && line != "#" {
			b.WriteString(line + "\n")
			line = "#"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
	return b.String()
}
