package iampolicy

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
)

// Access is the spec's shorthand for a repository policy: who may pull and
// who may push. Principals are 12-digit account ids or IAM ARNs.
type Access struct {
	Pull []string `yaml:"pull" json:"pull,omitempty"`
	Push []string `yaml:"push" json:"push,omitempty"`
}

// IsZero reports whether the shorthand grants nothing.
func (a Access) IsZero() bool { return len(a.Pull) == 0 && len(a.Push) == 0 }

// PullActions are the actions granted by access.pull, sorted.
var PullActions = []string{
	"ecr:BatchCheckLayerAvailability",
	"ecr:BatchGetImage",
	"ecr:GetDownloadUrlForLayer",
}

// PushActions are the actions granted by access.push (pull plus upload),
// sorted.
var PushActions = []string{
	"ecr:BatchCheckLayerAvailability",
	"ecr:BatchGetImage",
	"ecr:CompleteLayerUpload",
	"ecr:GetDownloadUrlForLayer",
	"ecr:InitiateLayerUpload",
	"ecr:PutImage",
	"ecr:UploadLayerPart",
}

// Sids of the statements generated from Access.
const (
	PullSid = "EcrctlPull"
	PushSid = "EcrctlPush"
)

var (
	accountIDRe    = regexp.MustCompile(`^[0-9]{12}$`)
	iamPrincipalRe = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:(root|(role|user)/([\w+=,.@-]+/)*[\w+=,.@-]+)$`)
)

// ValidatePrincipal returns an error unless p is a 12-digit account id or an
// IAM ARN of an account root, a role or a user
// (arn:aws|aws-cn|aws-us-gov:iam::<12 digits>:root|role/[path/]NAME|user/[path/]NAME).
func ValidatePrincipal(p string) error {
	if accountIDRe.MatchString(p) || iamPrincipalRe.MatchString(p) {
		return nil
	}
	return fmt.Errorf("invalid principal %q: want a 12-digit account id (e.g. 123456789012) or an IAM ARN such as arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/NAME or arn:aws:iam::123456789012:user/NAME (partition aws, aws-cn or aws-us-gov)", p)
}

// Validate checks every principal with ValidatePrincipal. Errors name the
// entry, like `access.pull[1]: invalid principal ...`.
func (a Access) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		list []string
	}{{"pull", a.Pull}, {"push", a.Push}} {
		for i, p := range l.list {
			if err := ValidatePrincipal(p); err != nil {
				errs = append(errs, fmt.Errorf("access.%s[%d]: %w", l.name, i, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Statements renders the shorthand as Allow statements: Sid EcrctlPull with
// PullActions (if Pull is non-empty) and Sid EcrctlPush with PushActions (if
// Push is non-empty), each with Principal {"AWS": [...]} (principals sorted
// and de-duplicated, kept as written) and Action sorted. The values are
// generic JSON values (map[string]any, []any, string). Principals are not
// checked here; see Validate.
func (a Access) Statements() []any {
	var out []any
	if len(a.Pull) > 0 {
		out = append(out, accessStatement(PullSid, a.Pull, PullActions))
	}
	if len(a.Push) > 0 {
		out = append(out, accessStatement(PushSid, a.Push, PushActions))
	}
	return out
}

func accessStatement(sid string, principals, actions []string) map[string]any {
	ps := uniqueSorted(principals)
	acts := append([]string(nil), actions...)
	sort.Strings(acts)
	return map[string]any{
		"Sid":       sid,
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": toAnys(ps)},
		"Action":    toAnys(acts),
	}
}

func toAnys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Compose builds the desired repository policy from an optional document and
// the access shorthand: the document's statements followed by the generated
// ones. With a nil doc the result has Version "2012-10-17". With a nil doc
// and an empty access it returns nil (no policy wanted); with an empty access
// it returns a copy of doc unchanged.
//
// It returns an error when an access principal is invalid, when a generated
// Sid is already used by a statement in doc, or when doc's Statement is
// neither an object nor a list. doc is never modified.
func Compose(doc Document, access Access) (Document, error) {
	if err := access.Validate(); err != nil {
		return nil, err
	}
	out, err := doc.clone()
	if err != nil {
		return nil, err
	}
	gen := access.Statements()
	if len(gen) == 0 {
		return out, nil
	}
	if out == nil {
		return Document{"Version": "2012-10-17", "Statement": gen}, nil
	}

	var existing []any
	if _, present := out["Statement"]; present {
		list, ok := statementList(out)
		if !ok {
			return nil, fmt.Errorf("policy Statement must be an object or a list of objects, got %s; cannot add the access statements", describe(out["Statement"]))
		}
		existing = list
	}
	for i, el := range existing {
		st, ok := el.(map[string]any)
		if !ok {
			continue
		}
		sid, _ := st["Sid"].(string)
		for _, g := range gen {
			gsid := g.(map[string]any)["Sid"].(string)
			if sid != gsid {
				continue
			}
			field := "pull"
			if gsid == PushSid {
				field = "push"
			}
			return nil, fmt.Errorf("policy Statement[%d] uses Sid %q, which ecrctl reserves for the statement generated from access.%s: rename the Sid in the policy document or drop the access.%s entries", i, gsid, field, field)
		}
	}
	out["Statement"] = append(append([]any(nil), existing...), gen...)
	return out, nil
}
