package reconcile

import (
	"fmt"
	"strings"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// ECR operations that apply can perform, named as in the API so a reader of a
// plan knows which IAM action each step needs (ecr:<Operation>).
const (
	OpCreateRepository              = "CreateRepository"
	OpDeleteRepository              = "DeleteRepository"
	OpPutImageTagMutability         = "PutImageTagMutability"
	OpPutImageScanningConfiguration = "PutImageScanningConfiguration"
	OpTagResource                   = "TagResource"
	OpUntagResource                 = "UntagResource"
	OpPutLifecyclePolicy            = "PutLifecyclePolicy"
	OpDeleteLifecyclePolicy         = "DeleteLifecyclePolicy"
	OpSetRepositoryPolicy           = "SetRepositoryPolicy"
	OpDeleteRepositoryPolicy        = "DeleteRepositoryPolicy"

	OpPutRegistryScanningConfiguration = "PutRegistryScanningConfiguration"
	OpPutReplicationConfiguration      = "PutReplicationConfiguration"
	OpPutRegistryPolicy                = "PutRegistryPolicy"
	OpDeleteRegistryPolicy             = "DeleteRegistryPolicy"
	OpCreatePullThroughCacheRule       = "CreatePullThroughCacheRule"
	OpUpdatePullThroughCacheRule       = "UpdatePullThroughCacheRule"
	OpDeletePullThroughCacheRule       = "DeletePullThroughCacheRule"
	OpCreateRepositoryCreationTemplate = "CreateRepositoryCreationTemplate"
	OpUpdateRepositoryCreationTemplate = "UpdateRepositoryCreationTemplate"
	OpDeleteRepositoryCreationTemplate = "DeleteRepositoryCreationTemplate"
)

// Step is one API call of a plan, with everything it sends, so a saved plan
// can be executed exactly as it was reviewed.
type Step struct {
	Operation          string            `json:"operation"`
	ImageTagMutability string            `json:"image_tag_mutability,omitempty"`
	ExclusionFilters   []string          `json:"exclusion_filters,omitempty"`
	ScanOnPush         *bool             `json:"scan_on_push,omitempty"`
	Encryption         *spec.Encryption  `json:"encryption,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	TagKeys            []string          `json:"tag_keys,omitempty"`
	PolicyText         string            `json:"policy_text,omitempty"`
	// Force, ExpectedImages and ExpectedImagesSHA256 guard DeleteRepository:
	// apply reads the images again right before deleting and refuses when
	// they are not exactly the ones the plan showed.
	Force                bool   `json:"force,omitempty"`
	ExpectedImages       *int   `json:"expected_images,omitempty"`
	ExpectedImagesSHA256 string `json:"expected_images_sha256,omitempty"`

	// PutRegistryScanningConfiguration sends the whole configuration: no
	// rules means none.
	ScanType      string             `json:"scan_type,omitempty"`
	ScanningRules []ScanningRuleStep `json:"scanning_rules,omitempty"`
	// PutReplicationConfiguration sends the whole configuration: no rules
	// means no replication.
	ReplicationRules []ReplicationRuleStep `json:"replication_rules,omitempty"`
	// Prefix keys pull-through cache rules (ecrRepositoryPrefix) and
	// repository creation templates.
	Prefix                   string `json:"prefix,omitempty"`
	UpstreamRegistryURL      string `json:"upstream_registry_url,omitempty"`
	UpstreamRegistry         string `json:"upstream_registry,omitempty"`
	CredentialArn            string `json:"credential_arn,omitempty"`
	UpstreamRepositoryPrefix string `json:"upstream_repository_prefix,omitempty"`
	// CustomRoleArn is a pull-through cache rule's or a creation template's.
	CustomRoleArn string `json:"custom_role_arn,omitempty"`
	// A creation template's fields besides ImageTagMutability,
	// ExclusionFilters and Encryption. UpdateRepositoryCreationTemplate
	// leaves a field it is not sent unchanged, so an update sends only what
	// changes: nil is "not sent", and an empty text or tag map clears.
	AppliedFor           []string           `json:"applied_for,omitempty"`
	Description          *string            `json:"description,omitempty"`
	LifecyclePolicyText  *string            `json:"lifecycle_policy_text,omitempty"`
	RepositoryPolicyText *string            `json:"repository_policy_text,omitempty"`
	ResourceTags         *map[string]string `json:"resource_tags,omitempty"`
}

// ScanningRuleStep is one registry scanning rule: a frequency and the
// WILDCARD repository filters it applies to.
type ScanningRuleStep struct {
	Frequency string   `json:"scan_frequency"`
	Filters   []string `json:"filters"`
}

// ReplicationRuleStep is one replication rule: where to, and the
// PREFIX_MATCH filters of the repositories it replicates (none: all).
type ReplicationRuleStep struct {
	Destinations []ReplicationDestination `json:"destinations"`
	Filters      []string                 `json:"filters,omitempty"`
}

// ReplicationDestination is a registry images are replicated to.
type ReplicationDestination struct {
	Region     string `json:"region"`
	RegistryID string `json:"registry_id"`
}

func (d ReplicationDestination) String() string { return d.Region + "/" + d.RegistryID }

func (r ReplicationRuleStep) String() string {
	dests := make([]string, len(r.Destinations))
	for i, d := range r.Destinations {
		dests[i] = d.String()
	}
	s := "to " + strings.Join(dests, " ")
	if len(r.Filters) > 0 {
		s += " for prefixes " + strings.Join(r.Filters, " ")
	}
	return s
}

// Describe names the call and its arguments for a person, as restore lists
// the calls it is about to make.
func (s Step) Describe() string {
	var args []string
	if s.Prefix != "" {
		args = append(args, "prefix "+s.Prefix)
	}
	for _, kv := range [][2]string{
		{"upstreamRegistryUrl", s.UpstreamRegistryURL}, {"upstreamRegistry", s.UpstreamRegistry},
		{"upstreamRepositoryPrefix", s.UpstreamRepositoryPrefix}, {"credentialArn", s.CredentialArn},
		{"customRoleArn", s.CustomRoleArn},
	} {
		if kv[1] != "" {
			args = append(args, kv[0]+" "+kv[1])
		}
	}
	if len(s.AppliedFor) > 0 {
		args = append(args, "appliedFor "+strings.Join(s.AppliedFor, " "))
	}
	if s.Description != nil {
		args = append(args, fmt.Sprintf("description %q", *s.Description))
	}
	if s.ScanType != "" {
		args = append(args, "scanType "+s.ScanType)
		for _, r := range s.ScanningRules {
			args = append(args, "rule "+r.Frequency+" "+strings.Join(r.Filters, " "))
		}
	}
	if s.Operation == OpPutReplicationConfiguration && len(s.ReplicationRules) == 0 {
		args = append(args, "no rules")
	}
	for _, r := range s.ReplicationRules {
		args = append(args, "rule "+r.String())
	}
	if s.Encryption != nil {
		args = append(args, strings.TrimSpace("encryption "+s.Encryption.Type+" "+s.Encryption.KMSKey))
	}
	if s.ImageTagMutability != "" {
		args = append(args, "imageTagMutability "+s.ImageTagMutability)
	}
	if s.ScanOnPush != nil {
		args = append(args, fmt.Sprintf("scanOnPush %t", *s.ScanOnPush))
	}
	for _, k := range sortedKeys(s.Tags) {
		args = append(args, fmt.Sprintf("tag %s=%s", k, s.Tags[k]))
	}
	if s.ResourceTags != nil {
		if len(*s.ResourceTags) == 0 {
			args = append(args, "no tags")
		}
		for _, k := range sortedKeys(*s.ResourceTags) {
			args = append(args, fmt.Sprintf("tag %s=%s", k, (*s.ResourceTags)[k]))
		}
	}
	if s.PolicyText != "" {
		args = append(args, s.PolicyText)
	}
	for _, kv := range []struct {
		name string
		text *string
	}{{"lifecyclePolicy", s.LifecyclePolicyText}, {"repositoryPolicy", s.RepositoryPolicyText}} {
		switch {
		case kv.text == nil:
		case *kv.text == "":
			args = append(args, kv.name+" none")
		default:
			args = append(args, kv.name+" "+*kv.text)
		}
	}
	if len(args) == 0 {
		return s.Operation
	}
	return s.Operation + ": " + strings.Join(args, ", ")
}
