// Package spec turns registry.yaml into validated, normalised desired state.
// It knows ECR's input rules but never talks to AWS: everything it rejects is
// rejected before the first API call.
package spec

import (
	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

// Tag mutability values accepted by PutImageTagMutability.
const (
	Mutable                = "MUTABLE"
	Immutable              = "IMMUTABLE"
	ImmutableWithExclusion = "IMMUTABLE_WITH_EXCLUSION"
	MutableWithExclusion   = "MUTABLE_WITH_EXCLUSION"
)

// Encryption types accepted by CreateRepository.
const (
	AES256  = "AES256"
	KMS     = "KMS"
	KMSDSSE = "KMS_DSSE"
)

// ExtensionPrefix starts the top-level keys ecrctl ignores, the usual home
// for YAML anchors (x-defaults: &defaults {...}), as in Compose files.
const ExtensionPrefix = "x-"

// None is the value that says an optional policy must not exist.
const None = "none"

// File is a validated registry.yaml.
type File struct {
	Path    string
	SHA256  string // of the file's bytes; saved plans use it to detect an edited spec
	Version int
	Region  string // "" when the file leaves it to flags and the environment
	Account string // "" when no account guard is set
	// Regions is the regions: list (the same registry settings in each
	// region, one registry per region); nil when the file uses region: or
	// neither. Region and Regions are never both set.
	Regions []string
	// AssumeRole is the role whose credentials read and write this file's
	// registry; nil = the default credential chain.
	AssumeRole *AssumeRole
	// Repositories in file order.
	Repositories []Repository
	// LifecyclePolicies are the named policies, validated, by name.
	LifecyclePolicies map[string]*lifecycle.Policy
	// Registry is nil when the file has no registry: section: nothing
	// registry-level is read or written.
	Registry *RegistrySettings
}

// Repository is the desired state of one repository after defaults are
// applied. A nil or empty field is unmanaged: never compared, never changed.
type Repository struct {
	Name   string
	Line   int
	Absent bool // state: absent

	// ImageTagMutability is "" when unmanaged; ExclusionFilters (sorted) are
	// managed together with it.
	ImageTagMutability string
	ExclusionFilters   []string
	ScanOnPush         *bool
	Encryption         *Encryption
	Lifecycle          *LifecycleSetting
	Policy             *PolicySetting
	Tags               map[string]string
}

// Encryption is a repository's encryption configuration. KMSKey is "" for
// AES256 and for the AWS-managed KMS key.
type Encryption struct {
	Type   string `json:"type"`
	KMSKey string `json:"kmsKey,omitempty"`
}

// LifecycleSetting is a managed lifecycle policy; Policy nil means "none":
// the repository must have no lifecycle policy.
type LifecycleSetting struct {
	Name   string // the lifecyclePolicies entry it came from, "" when inline
	Policy *lifecycle.Policy
}

// PolicySetting is a managed repository policy, already composed from
// repositoryPolicy and access; Document nil means "none".
type PolicySetting struct {
	Document iampolicy.Document
}
