package reconcile

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/iampolicy"
	"github.com/ecrctl/ecrctl/internal/lifecycle"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// DiffOptions are the operator's permissions for destructive changes, and
// the inputs of the lifecycle impact estimate (values, not a clock, so Diff
// stays pure).
type DiffOptions struct {
	AllowDeleteImages bool
	AllowReplace      bool
	// Now is when lifecycle impact is evaluated; zero skips the estimate.
	Now time.Time
	// PricePerGBMonth is the storage price in USD (ECR standard: 0.10).
	PricePerGBMonth float64
}

// Diff compares desired with live state and returns the plan. It is pure:
// no context, client, clock or logger, so the heart of ecrctl is tested with
// plain tables. Both sides are normalised the same way before comparing.
func Diff(f *spec.File, live *Live, opt DiffOptions) *Plan {
	p := &Plan{
		FormatVersion: FormatVersion,
		Region:        live.Region,
		RegistryID:    live.RegistryID,
		Changes:       []ResourceChange{},
		Unmanaged:     []string{},
		Warnings:      []string{},
		Fingerprint: &Fingerprint{
			SpecFile:   f.Path,
			SpecSHA256: f.SHA256,
			LiveSHA256: fingerprint(f, live),
		},
	}
	df := newDiffer()
	managed := make(map[string]bool, len(f.Repositories))
	scanOverridden, scanWarns := scanOverrides(f, live)
	for i := range f.Repositories {
		d := &f.Repositories[i]
		managed[d.Name] = true
		if scanOverridden[d.Name] {
			// The registry's scanning rules decide; scanOnPush is not compared.
			cp := *d
			cp.ScanOnPush = nil
			d = &cp
		}
		c, warns := df.diffRepository(d, live.Repos[d.Name])
		if lr := live.Repos[d.Name]; lr != nil && lr.ImagesRead && !opt.Now.IsZero() && d.Lifecycle != nil && d.Lifecycle.Policy != nil && c.Is(Update) && hasPath(c, "lifecyclePolicy") {
			c.LifecycleImpact = lifecycleImpact(*d.Lifecycle.Policy, lr, opt)
			// A new policy that destroys images the current one keeps, now or
			// within 30 days, is as destructive as a delete: the operator
			// names the flag. Images the current policy expires anyway are
			// not the change's doing.
			if n := c.LifecycleImpact.NewlyExpired; n > 0 {
				c.Requires = append(c.Requires, FlagAllowDeleteImages)
				c.Reason = fmt.Sprintf("the new lifecycle policy expires %s (%s) that the current policy keeps, %s",
					format.Count(n, "image", "images"), format.Bytes(c.LifecycleImpact.NewlyExpiredBytes), whenExpired(n, c.LifecycleImpact.NewlyExpiredNow))
			}
		}
		p.Changes = append(p.Changes, c)
		p.Warnings = append(p.Warnings, warns...)
	}
	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Name < p.Changes[j].Name })
	// Registry-level changes go first, in the order apply makes them.
	reg := df.diffRegistry(f, live)
	p.Changes = append(reg.changes, p.Changes...)
	p.UnmanagedPullThroughCache, p.UnmanagedCreationTemplates = reg.unmanagedPTC, reg.unmanagedTemplates
	p.Warnings = append(p.Warnings, scanWarns...)
	p.Warnings = append(p.Warnings, reg.warnings...)
	for name := range live.Repos {
		if !managed[name] {
			p.Unmanaged = append(p.Unmanaged, name)
		}
	}
	sort.Strings(p.Unmanaged)
	if p.RegistryID == "" {
		p.Warnings = append(p.Warnings, "the AWS account of this registry is unknown (it holds no repositories and ecr:DescribeRegistry was denied), so this plan cannot be saved or applied from a file; allow ecr:DescribeRegistry to save plans")
	}
	p.Allow(opt)
	p.summarise()
	return p
}

func (df *differ) diffRepository(d *spec.Repository, lr *ecrapi.Repository) (ResourceChange, []string) {
	c := ResourceChange{
		Address: "repository." + d.Name,
		Type:    "repository",
		Name:    d.Name,
		Changes: []AttributeChange{},
		Steps:   []Step{},
	}
	switch {
	case d.Absent && lr == nil:
		c.Actions = []Action{NoOp}
		c.Reason = "state: absent, and the repository does not exist"
		return c, nil
	}
	if lr != nil {
		c.ARN = lr.ARN
	}
	switch {
	case d.Absent:
		return planDelete(c, lr), nil
	case lr == nil:
		c.Actions = []Action{Create}
		c.Changes = df.createChanges(d)
		c.Steps = df.createSteps(d, nil)
		return c, nil
	}
	var warns []string
	if d.Encryption != nil {
		if w := kmsAliasWarning(d, lr); w != "" {
			warns = append(warns, w)
		}
		if !encryptionMatches(d.Encryption, lr) {
			return df.planReplace(c, d, lr), warns
		}
	}
	c.Changes, c.Steps = df.updateChanges(d, lr)
	if len(c.Steps) == 0 {
		c.Actions = []Action{NoOp}
	} else {
		c.Actions = []Action{Update}
	}
	return c, warns
}

// whenExpired says when n newly expired images go, now of them at ECR's
// next evaluation, without naming an empty group.
func whenExpired(n, now int) string {
	switch {
	case now >= n:
		return format.Plural(n, "at", "all at") + " ECR's next evaluation (within 24 hours)"
	case now == 0:
		return format.Plural(n, "within 30 days, not", "all within 30 days, none") + " at ECR's next evaluation"
	}
	return fmt.Sprintf("%d of them at ECR's next evaluation (within 24 hours), the other %d within 30 days", now, n-now)
}

func planDelete(c ResourceChange, lr *ecrapi.Repository) ResourceChange {
	c.Actions = []Action{Delete}
	n := 0
	if lr.ImageCount != nil {
		n = *lr.ImageCount
	}
	c.ImageCount, c.ImagesSHA256 = &n, lr.ImagesSHA256
	c.Changes = []AttributeChange{{Path: "name", Before: lr.Name, After: nil}}
	c.Steps = []Step{deleteStep(n, lr)}
	if n == 0 {
		c.Reason = "state: absent; the repository is empty"
		return c
	}
	c.Reason = fmt.Sprintf("state: absent; deleting the repository destroys its %s", format.Count(n, "image", "images"))
	c.Requires = []string{FlagAllowDeleteImages}
	return c
}

func (df *differ) planReplace(c ResourceChange, d *spec.Repository, lr *ecrapi.Repository) ResourceChange {
	c.Actions = []Action{Delete, Create}
	n := 0
	if lr.ImageCount != nil {
		n = *lr.ImageCount
	}
	c.ImageCount, c.ImagesSHA256 = &n, lr.ImagesSHA256
	c.Changes = append(c.Changes, encryptionChanges(d.Encryption, lr)...)
	for i := range c.Changes {
		c.Changes[i].ForcesReplacement = true
	}
	// The new repository also gets every other managed attribute as the spec
	// says: show those differences too, so the plan hides nothing.
	others, _ := df.updateChanges(d, lr)
	c.Changes = append(c.Changes, others...)
	c.Reason = "encryption cannot be changed in place: the repository is deleted and created again"
	c.Requires = []string{FlagAllowReplace}
	if n > 0 {
		c.Reason += fmt.Sprintf(", which destroys its %s", format.Count(n, "image", "images"))
		c.Requires = append(c.Requires, FlagAllowDeleteImages)
	} else {
		c.Reason += " (it holds no images)"
	}
	// The new repository keeps what the spec does not manage, so a
	// replacement loses nothing but the images.
	carried := *d
	if carried.ImageTagMutability == "" {
		carried.ImageTagMutability, carried.ExclusionFilters = lr.ImageTagMutability, lr.ExclusionFilters
	}
	if carried.ScanOnPush == nil {
		carried.ScanOnPush = &lr.ScanOnPush
	}
	if carried.Tags == nil {
		carried.Tags = userTags(lr.Tags)
	}
	c.Steps = append([]Step{deleteStep(n, lr)}, df.createSteps(&carried, lr)...)
	return c
}

// deleteStep deletes a repository holding n images, guarded by exactly the
// images that were read: apply refuses to delete any others.
func deleteStep(n int, lr *ecrapi.Repository) Step {
	return Step{Operation: OpDeleteRepository, Force: n > 0, ExpectedImages: &n, ExpectedImagesSHA256: lr.ImagesSHA256}
}

func hasPath(c ResourceChange, path string) bool {
	for _, ch := range c.Changes {
		if ch.Path == path {
			return true
		}
	}
	return false
}

// impactHorizon is how far ahead "M more within 30 days" looks.
const impactHorizon = 30 * 24 * time.Hour

func lifecycleImpact(p lifecycle.Policy, lr *ecrapi.Repository, opt DiffOptions) *LifecycleImpact {
	imgs := lr.Images
	im := lifecycle.ImpactOf(p, imgs, opt.Now, impactHorizon)
	// What the current policy would destroy in the same window; none (or one
	// ecrctl cannot read) destroys nothing, so everything counts as new.
	kept := map[string]bool{}
	if lr.Lifecycle != nil {
		if old, err := lifecycle.Parse(*lr.Lifecycle); err == nil {
			kept = lifecycle.ExpiredWithin(old, imgs, opt.Now, impactHorizon)
		}
	}
	digests := make([]string, len(imgs))
	for i, img := range imgs {
		digests[i] = img.Digest
	}
	now := lifecycle.ExpiredWithin(p, imgs, opt.Now, 0)
	within := lifecycle.ExpiredWithin(p, imgs, opt.Now, impactHorizon)
	var newly, newlyNow int
	var newlyBytes int64
	for _, img := range imgs {
		if kept[img.Digest] || !within[img.Digest] {
			continue
		}
		newly++
		newlyBytes += img.SizeBytes
		if now[img.Digest] {
			newlyNow++
		}
	}
	return &LifecycleImpact{
		NewlyExpired:             newly,
		NewlyExpiredNow:          newlyNow,
		NewlyExpiredBytes:        newlyBytes,
		EvaluatedAt:              opt.Now.UTC(),
		Images:                   im.Images,
		ImagesSHA256:             ecrapi.ImagesFingerprint(digests),
		Bytes:                    im.Bytes,
		ExpireNow:                im.ExpireNow,
		ExpireNowBytes:           im.ExpireNowBytes,
		ArchiveNow:               im.TransitionNow,
		ArchiveNowBytes:          im.TransitionNowBytes,
		ExpireWithin30Days:       im.ExpireLater,
		ExpireWithin30DaysBytes:  im.ExpireLaterBytes,
		ArchiveWithin30Days:      im.TransitionLater,
		ArchiveWithin30DaysBytes: im.TransitionLaterBytes,
		PricePerGBMonthUSD:       opt.PricePerGBMonth,
		MonthlySavingNowUSD:      roundCents(float64(im.ExpireNowBytes) / format.BytesPerGB * opt.PricePerGBMonth),
	}
}

func roundCents(usd float64) float64 { return math.Round(usd*100) / 100 }

// createChanges lists every managed attribute as added.
func (df *differ) createChanges(d *spec.Repository) []AttributeChange {
	var cs []AttributeChange
	add := func(path string, after any) { cs = append(cs, AttributeChange{Path: path, After: after}) }
	add("name", d.Name)
	if d.ImageTagMutability != "" {
		add("imageTagMutability", d.ImageTagMutability)
		if len(d.ExclusionFilters) > 0 {
			add("imageTagMutabilityExclusionFilters", d.ExclusionFilters)
		}
	}
	if d.ScanOnPush != nil {
		add("scanOnPush", *d.ScanOnPush)
	}
	if d.Encryption != nil {
		add("encryption.type", d.Encryption.Type)
		if d.Encryption.KMSKey != "" {
			add("encryption.kmsKey", d.Encryption.KMSKey)
		}
	}
	if d.Lifecycle != nil && d.Lifecycle.Policy != nil {
		add("lifecyclePolicy", df.value(df.lifecycleText(d.Lifecycle.Policy)))
	}
	if d.Policy != nil && d.Policy.Document != nil {
		add("repositoryPolicy", df.value(df.documentText(d.Policy.Document)))
	}
	for _, k := range sortedKeys(d.Tags) {
		add("tags."+k, d.Tags[k])
	}
	return cs
}

// createSteps is CreateRepository with everything it takes in one call (tags
// on create are atomic), then the two policies. carryFrom, on a replacement,
// supplies the live policies the spec does not manage.
func (df *differ) createSteps(d *spec.Repository, carryFrom *ecrapi.Repository) []Step {
	create := Step{Operation: OpCreateRepository, ImageTagMutability: d.ImageTagMutability, ExclusionFilters: d.ExclusionFilters, ScanOnPush: d.ScanOnPush, Encryption: d.Encryption}
	if len(d.Tags) > 0 {
		create.Tags = d.Tags
	}
	steps := []Step{create}
	switch {
	case d.Lifecycle != nil && d.Lifecycle.Policy != nil:
		steps = append(steps, Step{Operation: OpPutLifecyclePolicy, PolicyText: df.lifecycleText(d.Lifecycle.Policy)})
	case d.Lifecycle == nil && carryFrom != nil && carryFrom.Lifecycle != nil:
		steps = append(steps, Step{Operation: OpPutLifecyclePolicy, PolicyText: *carryFrom.Lifecycle})
	}
	switch {
	case d.Policy != nil && d.Policy.Document != nil:
		steps = append(steps, Step{Operation: OpSetRepositoryPolicy, PolicyText: df.documentText(d.Policy.Document)})
	case d.Policy == nil && carryFrom != nil && carryFrom.Policy != nil:
		steps = append(steps, Step{Operation: OpSetRepositoryPolicy, PolicyText: *carryFrom.Policy})
	}
	return steps
}

// updateChanges compares each managed attribute by meaning and returns the
// differences with one step per changed attribute group.
func (df *differ) updateChanges(d *spec.Repository, lr *ecrapi.Repository) ([]AttributeChange, []Step) {
	var cs []AttributeChange
	var steps []Step
	if d.ImageTagMutability != "" {
		mutChanged := d.ImageTagMutability != lr.ImageTagMutability
		filtersChanged := !slices.Equal(d.ExclusionFilters, lr.ExclusionFilters)
		if mutChanged {
			cs = append(cs, AttributeChange{Path: "imageTagMutability", Before: lr.ImageTagMutability, After: d.ImageTagMutability})
		}
		if filtersChanged {
			cs = append(cs, AttributeChange{Path: "imageTagMutabilityExclusionFilters", Before: nilIfEmpty(lr.ExclusionFilters), After: nilIfEmpty(d.ExclusionFilters)})
		}
		if mutChanged || filtersChanged {
			steps = append(steps, Step{Operation: OpPutImageTagMutability, ImageTagMutability: d.ImageTagMutability, ExclusionFilters: d.ExclusionFilters})
		}
	}
	if d.ScanOnPush != nil && *d.ScanOnPush != lr.ScanOnPush {
		cs = append(cs, AttributeChange{Path: "scanOnPush", Before: lr.ScanOnPush, After: *d.ScanOnPush})
		steps = append(steps, Step{Operation: OpPutImageScanningConfiguration, ScanOnPush: d.ScanOnPush})
	}
	if d.Tags != nil {
		tc, ts := tagChanges(d.Tags, lr.Tags)
		cs = append(cs, tc...)
		steps = append(steps, ts...)
	}
	if d.Lifecycle != nil {
		if c, s, changed := df.lifecycleChange(d.Lifecycle, lr.Lifecycle); changed {
			cs = append(cs, c)
			steps = append(steps, s)
		}
	}
	if d.Policy != nil {
		if c, s, changed := df.policyChange(d.Policy, lr.Policy); changed {
			cs = append(cs, c)
			steps = append(steps, s)
		}
	}
	if cs == nil {
		cs = []AttributeChange{}
	}
	return cs, steps
}

// tagChanges treats managed tags as authoritative, except keys starting with
// aws:, which belong to AWS and are never touched.
func tagChanges(want, have map[string]string) ([]AttributeChange, []Step) {
	var cs []AttributeChange
	set := map[string]string{}
	var remove []string
	for _, k := range sortedKeys(want) {
		old, ok := have[k]
		if ok && old == want[k] {
			continue
		}
		var before any
		if ok {
			before = old
		}
		cs = append(cs, AttributeChange{Path: "tags." + k, Before: before, After: want[k]})
		set[k] = want[k]
	}
	for _, k := range sortedKeys(have) {
		if _, ok := want[k]; ok || isAWSTag(k) {
			continue
		}
		cs = append(cs, AttributeChange{Path: "tags." + k, Before: have[k], After: nil})
		remove = append(remove, k)
	}
	// Untag first: renaming a key on a repository at ECR's 50-tag limit
	// would otherwise fail with TooManyTagsException on every run.
	var steps []Step
	if len(remove) > 0 {
		steps = append(steps, Step{Operation: OpUntagResource, TagKeys: remove})
	}
	if len(set) > 0 {
		steps = append(steps, Step{Operation: OpTagResource, Tags: set})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Path < cs[j].Path })
	return cs, steps
}

func isAWSTag(k string) bool { return strings.HasPrefix(strings.ToLower(k), "aws:") }

func userTags(tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		if !isAWSTag(k) {
			out[k] = v
		}
	}
	return out
}

// lifecycleChanged compares a managed lifecycle policy with the live text
// by meaning; a live policy ecrctl cannot parse is a change. The answer is
// remembered per (desired policy, live text): a registry whose repositories
// share a policy is compared once, not once per repository.
func (df *differ) lifecycleChanged(want *spec.LifecycleSetting, have *string) bool {
	if want.Policy == nil || have == nil {
		return lifecycleChanged(want, have)
	}
	key := lifecycleKey{want.Policy, *have}
	changed, ok := df.lifecycleCmp[key]
	if !ok {
		changed = lifecycleChanged(want, have)
		df.lifecycleCmp[key] = changed
	}
	return changed
}

func lifecycleChanged(want *spec.LifecycleSetting, have *string) bool {
	switch {
	case want.Policy == nil:
		return have != nil
	case have == nil:
		return true
	}
	live, err := lifecycle.Parse(*have)
	return err != nil || !lifecycle.Equal(live, *want.Policy)
}

// lifecycleChange compares first and builds the before/after values only for
// a change: a drift check over thousands of matching repositories then
// allocates almost nothing.
func (df *differ) lifecycleChange(want *spec.LifecycleSetting, have *string) (AttributeChange, Step, bool) {
	if !df.lifecycleChanged(want, have) {
		return AttributeChange{}, Step{}, false
	}
	c := AttributeChange{Path: "lifecyclePolicy"}
	if have != nil {
		c.Before = df.lifecycleValue(*have)
	}
	if want.Policy == nil {
		return c, Step{Operation: OpDeleteLifecyclePolicy}, true
	}
	text := df.lifecycleText(want.Policy)
	c.After = df.value(text)
	return c, Step{Operation: OpPutLifecyclePolicy, PolicyText: text}, true
}

// lifecycleValue shows a live policy canonically when ecrctl can read it and
// as ECR returned it otherwise (a field ecrctl does not know is never dropped).
func (df *differ) lifecycleValue(text string) any {
	if p, err := lifecycle.Parse(text); err == nil {
		return df.value(p.Canonical().JSON())
	}
	return df.value(text)
}

// policyChanged is remembered per (desired document, live text), like
// lifecycleChanged: IAM equivalence is the most expensive comparison.
func (df *differ) policyChanged(want *spec.PolicySetting, have *string) bool {
	if want.Document == nil || have == nil {
		return policyChanged(want, have)
	}
	key := policyKey{reflect.ValueOf(want.Document).Pointer(), *have}
	changed, ok := df.policyCmp[key]
	if !ok {
		changed = policyChanged(want, have)
		df.policyCmp[key] = changed
	}
	return changed
}

func policyChanged(want *spec.PolicySetting, have *string) bool {
	switch {
	case want.Document == nil:
		return have != nil
	case have == nil:
		return true
	}
	live, err := iampolicy.Parse(*have)
	if err != nil {
		return true
	}
	eq, err := iampolicy.Equivalent(want.Document, live)
	return err != nil || !eq
}

func (df *differ) policyChange(want *spec.PolicySetting, have *string) (AttributeChange, Step, bool) {
	if !df.policyChanged(want, have) {
		return AttributeChange{}, Step{}, false
	}
	c := AttributeChange{Path: "repositoryPolicy"}
	if have != nil {
		c.Before = df.value(*have)
	}
	if want.Document == nil {
		return c, Step{Operation: OpDeleteRepositoryPolicy}, true
	}
	text := df.documentText(want.Document)
	c.After = df.value(text)
	return c, Step{Operation: OpSetRepositoryPolicy, PolicyText: text}, true
}

// differ is one Diff's memory of work it would otherwise repeat per
// repository: the parsed value of each distinct document text and the text
// of each distinct desired policy. Thousands of repositories usually share a
// handful of policies, and the plan then shares one copy of each.
type differ struct {
	values         map[string]any
	lifecycleTexts map[*lifecycle.Policy]string
	documentTexts  map[uintptr]string // by the Document map's identity
	lifecycleCmp   map[lifecycleKey]bool
	policyCmp      map[policyKey]bool
}

type lifecycleKey struct {
	want *lifecycle.Policy
	live string
}

type policyKey struct {
	want uintptr // the Document map's identity
	live string
}

func newDiffer() *differ {
	return &differ{
		values: map[string]any{}, lifecycleTexts: map[*lifecycle.Policy]string{}, documentTexts: map[uintptr]string{},
		lifecycleCmp: map[lifecycleKey]bool{}, policyCmp: map[policyKey]bool{},
	}
}

func (df *differ) value(text string) any {
	v, ok := df.values[text]
	if !ok {
		v = jsonValue(text)
		df.values[text] = v
	}
	return v
}

// lifecycleText is the canonical JSON of a desired policy; named policies
// are one *lifecycle.Policy shared by every repository that uses them.
func (df *differ) lifecycleText(p *lifecycle.Policy) string {
	t, ok := df.lifecycleTexts[p]
	if !ok {
		t = p.Canonical().JSON()
		df.lifecycleTexts[p] = t
	}
	return t
}

// documentText is a desired repository policy's JSON; repositories whose
// policy comes from defaults share one Document.
func (df *differ) documentText(d iampolicy.Document) string {
	key := reflect.ValueOf(d).Pointer()
	t, ok := df.documentTexts[key]
	if !ok {
		t = d.JSON()
		df.documentTexts[key] = t
	}
	return t
}

func encryptionChanges(d *spec.Encryption, lr *ecrapi.Repository) []AttributeChange {
	var cs []AttributeChange
	if d.Type != lr.EncryptionType {
		cs = append(cs, AttributeChange{Path: "encryption.type", Before: lr.EncryptionType, After: d.Type})
	}
	if d.KMSKey != "" && !kmsKeyMatches(d.KMSKey, lr) {
		cs = append(cs, AttributeChange{Path: "encryption.kmsKey", Before: nilIfEmptyString(lr.KMSKey), After: d.KMSKey})
	}
	return cs
}

// encryptionMatches compares encryption by meaning. An empty desired kmsKey
// leaves the key unmanaged (ECR picks the AWS-managed key).
func encryptionMatches(d *spec.Encryption, lr *ecrapi.Repository) bool {
	if d.Type != lr.EncryptionType {
		return false
	}
	return d.KMSKey == "" || kmsKeyMatches(d.KMSKey, lr)
}

// kmsKeyMatches decides whether a key as written in the spec is the key ECR
// reports. ECR reports a key ARN; the spec may give the ARN, the bare key id,
// or an alias. Read resolves an alias with kms:DescribeKey when it can
// (lr.KMSAliasTarget); an alias it could not resolve is taken to match
// (never replace on a guess) and kmsAliasWarning says so.
func kmsKeyMatches(want string, lr *ecrapi.Repository) bool {
	have := lr.KMSKey
	switch {
	case want == have:
		return true
	case isKMSAlias(want):
		return lr.KMSAliasTarget == "" || lr.KMSAliasTarget == have
	case strings.HasPrefix(want, "arn:"):
		return false
	default: // bare key id
		return strings.HasSuffix(have, ":key/"+want)
	}
}

func isKMSAlias(k string) bool {
	return strings.HasPrefix(k, "alias/") || strings.Contains(k, ":alias/")
}

func kmsAliasWarning(d *spec.Repository, lr *ecrapi.Repository) string {
	k := d.Encryption.KMSKey
	if !isKMSAlias(k) || k == lr.KMSKey || d.Encryption.Type != lr.EncryptionType || lr.KMSAliasTarget != "" {
		return ""
	}
	return fmt.Sprintf("repository %q: encryption.kmsKey %q is an alias and ECR reports key %s; ecrctl could not resolve the alias (kms:DescribeKey), so it assumes they are the same key. Allow kms:DescribeKey or write the key ARN to have the key checked", d.Name, k, lr.KMSKey)
}

func jsonValue(text string) any {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return text
	}
	return v
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nilIfEmpty(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
