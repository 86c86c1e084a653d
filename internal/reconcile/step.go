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
}

// Describe names the call and its arguments for a person, as restore lists
// the calls it is about to make.
func (s Step) Describe() string {
	var args []string
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
	if s.PolicyText != "" {
		args = append(args, s.PolicyText)
	}
	if len(args) == 0 {
		return s.Operation
	}
	return s.Operation + ": " + strings.Join(args, ", ")
}
