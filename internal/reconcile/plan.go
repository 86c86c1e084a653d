// Package reconcile is ecrctl's engine: the live read a spec needs, the pure
// diff that yields a Plan, the plan's text, JSON and markdown renderings,
// saved plans, and the apply that executes a plan. ECR access itself (client,
// errors, shared reads) is internal/ecrapi.
package reconcile

import (
	"fmt"
	"time"
)

// FormatVersion is the version of the plan JSON contract (docs/plan-json.md).
// It changes only when a field is removed or changes meaning.
const FormatVersion = "1"

// Action is one of Terraform's plan actions.
type Action string

// The actions a resource change can carry. A replacement is Delete then Create.
const (
	NoOp   Action = "no-op"
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Flags that unblock destructive changes, named in plans and errors.
const (
	FlagAllowDeleteImages = "--allow-delete-images"
	FlagAllowReplace      = "--allow-replace"
)

// Plan is the whole result of comparing a spec with live ECR. It is data: the
// text, JSON and markdown renderings and apply all work from this value.
type Plan struct {
	FormatVersion string           `json:"format_version"`
	Region        string           `json:"region"`
	RegistryID    string           `json:"registry_id"`
	HasChanges    bool             `json:"has_changes"`
	Summary       Summary          `json:"summary"`
	Changes       []ResourceChange `json:"resource_changes"`
	Unmanaged     []string         `json:"unmanaged_repositories"`
	// The live pull-through cache rules and creation templates (by prefix)
	// that the spec does not list; read, and so listed, only when the
	// registry: section manages that key.
	UnmanagedPullThroughCache  []string `json:"unmanaged_pull_through_cache_rules,omitempty"`
	UnmanagedCreationTemplates []string `json:"unmanaged_repository_creation_templates,omitempty"`
	Warnings                   []string `json:"warnings"`
	// Fingerprint identifies the spec and the live state the plan came from;
	// set on every plan, checked when a saved plan is applied.
	Fingerprint *Fingerprint `json:"fingerprint,omitempty"`
	// Registries is set in a plan over several registries (Run.Merged):
	// one entry per registry, each with its own fingerprint; the top
	// level's region, registry id and fingerprint are then empty.
	Registries []RegistryPlan `json:"registries,omitempty"`
	// SpecPaths are the spec paths (files and directories) a saved plan was
	// loaded from, relative to the plan file, when that was not one file:
	// apply loads the same set again.
	SpecPaths []string `json:"spec_paths,omitempty"`
}

// Summary counts changes the way Terraform does: a replacement is one add
// and one destroy.
type Summary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

// Fingerprint ties a saved plan to its inputs.
type Fingerprint struct {
	SpecFile   string `json:"spec_file"`
	SpecSHA256 string `json:"spec_sha256"`
	LiveSHA256 string `json:"live_sha256"`
}

// ResourceChange is what happens to one managed repository.
type ResourceChange struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	// Registry ("ACCOUNT/REGION", the key in Address), Account and Region
	// are set in a plan over several registries only.
	Registry string `json:"registry,omitempty"`
	Account  string `json:"account,omitempty"`
	Region   string `json:"region,omitempty"`
	// ARN of the live repository; "" when it does not exist yet.
	ARN     string   `json:"arn,omitempty"`
	Actions []Action `json:"actions"`
	// Blocked is true when the change is destructive and the flags in
	// Requires were not given; apply refuses the whole plan then.
	Blocked  bool     `json:"blocked"`
	Requires []string `json:"requires,omitempty"`
	// missing are the flags of Requires the operator did not give, decided
	// by Allow; messages name only these.
	missing []string
	Reason  string `json:"reason,omitempty"`
	// ImageCount is the number of images the repository held when planned,
	// and ImagesSHA256 the fingerprint of their digests (ImagesFingerprint);
	// set only for deletes and replacements.
	ImageCount   *int              `json:"image_count,omitempty"`
	ImagesSHA256 string            `json:"images_sha256,omitempty"`
	Changes      []AttributeChange `json:"changes"`
	Steps        []Step            `json:"steps"`
	// LifecycleImpact estimates what a new lifecycle policy does to the
	// images in the repository today; only on updates that change it.
	LifecycleImpact *LifecycleImpact `json:"lifecycle_impact,omitempty"`
}

// LifecycleImpact is the new lifecycle policy evaluated locally, with ECR's
// semantics, against the repository's images. ECR applies policies within
// 24 hours, so "now" means "at the next evaluation".
type LifecycleImpact struct {
	EvaluatedAt time.Time `json:"evaluated_at"`
	Images      int       `json:"images"`
	// ImagesSHA256 fingerprints the images the estimate ran on: apply of a
	// saved plan refuses when the repository holds other images now.
	ImagesSHA256             string  `json:"images_sha256"`
	Bytes                    int64   `json:"bytes"`
	ExpireNow                int     `json:"expire_now"`
	ExpireNowBytes           int64   `json:"expire_now_bytes"`
	ArchiveNow               int     `json:"archive_now"`
	ArchiveNowBytes          int64   `json:"archive_now_bytes"`
	ExpireWithin30Days       int     `json:"expire_within_30_days"`
	ExpireWithin30DaysBytes  int64   `json:"expire_within_30_days_bytes"`
	ArchiveWithin30Days      int     `json:"archive_within_30_days"`
	ArchiveWithin30DaysBytes int64   `json:"archive_within_30_days_bytes"`
	PricePerGBMonthUSD       float64 `json:"price_per_gb_month_usd"`
	MonthlySavingNowUSD      float64 `json:"monthly_saving_now_usd"`
	// NewlyExpired counts the images the new policy destroys (now or within
	// 30 days, if nothing is pushed) that the current policy would keep;
	// more than zero blocks the change without --allow-delete-images.
	NewlyExpired      int   `json:"newly_expired"`
	NewlyExpiredNow   int   `json:"newly_expired_now"`
	NewlyExpiredBytes int64 `json:"newly_expired_bytes"`
	// AWSPreview is set by plan --aws-preview: ECR's own preview compared
	// with this estimate.
	AWSPreview *PreviewCheck `json:"aws_preview,omitempty"`
}

// AttributeChange is one attribute's before and after value. Before is nil
// when the repository does not exist yet, After nil when the attribute will
// be removed.
type AttributeChange struct {
	Path              string `json:"path"`
	Before            any    `json:"before"`
	After             any    `json:"after"`
	ForcesReplacement bool   `json:"forces_replacement"`
}

// IsReplace reports whether the change destroys and recreates.
func (c ResourceChange) IsReplace() bool {
	return len(c.Actions) == 2 && c.Actions[0] == Delete && c.Actions[1] == Create
}

// Is reports whether the change has exactly the one action a.
func (c ResourceChange) Is(a Action) bool {
	return len(c.Actions) == 1 && c.Actions[0] == a
}

func (p *Plan) summarise() {
	p.Summary = Summary{}
	for _, c := range p.Changes {
		switch {
		case c.IsReplace():
			p.Summary.Add++
			p.Summary.Destroy++
		case c.Is(Create):
			p.Summary.Add++
		case c.Is(Update):
			p.Summary.Change++
		case c.Is(Delete):
			p.Summary.Destroy++
		}
	}
	p.HasChanges = p.Summary != Summary{}
}

// Allow re-decides which changes are blocked for the flags an operator gave,
// so a saved plan is judged by the flags of the apply that runs it.
func (p *Plan) Allow(opt DiffOptions) {
	for i := range p.Changes {
		c := &p.Changes[i]
		c.Blocked = false
		c.missing = []string{}
		for _, f := range c.Requires {
			if (f == FlagAllowDeleteImages && !opt.AllowDeleteImages) || (f == FlagAllowReplace && !opt.AllowReplace) {
				c.Blocked = true
				c.missing = append(c.missing, f)
			}
		}
	}
}

// MissingFlags are the flags that would unblock the change: those of
// Requires that the operator did not give (all of Requires when the plan
// was not judged by Allow).
func (c ResourceChange) MissingFlags() []string {
	if c.missing == nil {
		return c.Requires
	}
	return c.missing
}

// NoteImpactSkipped warns, for a plan made without lifecycle impact, that
// each lifecycle change was not checked for destroyed images: apply always
// checks, and may block what this plan shows as allowed.
func (p *Plan) NoteImpactSkipped() {
	for _, c := range p.Changes {
		if c.Is(Update) && hasPath(c, "lifecyclePolicy") {
			p.Warnings = append(p.Warnings, fmt.Sprintf("repository %q: lifecycle impact not estimated (--no-lifecycle-impact); apply estimates it and blocks the change if the new policy destroys images the current one keeps", c.Name))
		}
	}
}

// Blocked returns the changes that apply would refuse.
func (p *Plan) Blocked() []ResourceChange {
	var out []ResourceChange
	for _, c := range p.Changes {
		if c.Blocked {
			out = append(out, c)
		}
	}
	return out
}
