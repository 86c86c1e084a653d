package iampolicy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxPolicyLength is the longest repository policy text ECR accepts
// (SetRepositoryPolicy policyText), counted on the compact JSON rendering.
const MaxPolicyLength = 10240

// Problem is one shape problem in a policy document. Path names the element,
// like "Statement[1].Principal" (statement indexes count from 0; a single
// statement object is "Statement"); it is "" for the document as a whole.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

var (
	topLevelKeys  = []string{"Version", "Id", "Statement"}
	statementKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Condition"}
	principalKeys = []string{"AWS", "Service", "Federated", "CanonicalUser"}
)

// Validate checks what ECR would reject in a repository policy:
//   - Version present and "2012-10-17" or "2008-10-17"; Id, if present, a string;
//   - no top-level keys other than Version, Id and Statement;
//   - Statement present: an object or a non-empty list of objects;
//   - in each statement only the keys Sid, Effect, Principal, NotPrincipal,
//     Action, NotAction and Condition: a repository policy has no Resource
//     or NotResource (it applies to its repository; ECR rejects either);
//   - Effect "Allow" or "Deny";
//   - exactly one of Principal and NotPrincipal (a resource policy must name
//     who it applies to): "*" or an object of AWS, Service, Federated or
//     CanonicalUser to a string or a list of strings, each in a form IAM
//     accepts for that kind (see checkPrincipal);
//   - exactly one of Action and NotAction, a string or a non-empty list of
//     strings, each "*" or "ecr:..." (ECR rejects actions of other services;
//     wildcards such as "ecr:*" or "ecr:Batch*" are fine);
//   - Condition, if present, an object of objects;
//   - Sid, if present, a string of ASCII letters, digits, spaces and
//     hyphens, unique in the document;
//   - the compact JSON text at most MaxPolicyLength characters.
//
// It returns nil when the document passes. Problems come in a stable order.
func (d Document) Validate() []Problem { return d.validate(false) }

// ValidateRegistry checks a registry permissions policy (PutRegistryPolicy)
// with the rules of Validate but one: a registry policy covers many
// repositories, so each statement must say which with Resource (or
// NotResource): "*" or ECR ARNs such as
// arn:aws:ecr:us-west-2:111122223333:repository/*.
func (d Document) ValidateRegistry() []Problem { return d.validate(true) }

func (d Document) validate(registry bool) []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}

	for _, k := range sortedKeys(d) {
		if !contains(topLevelKeys, k) {
			add(k, "unknown key%s; a policy may only have %s", suggest(k, topLevelKeys), strings.Join(topLevelKeys, ", "))
		}
	}

	if v, ok := d["Version"]; !ok {
		add("Version", `is required; use "2012-10-17"`)
	} else if s, isStr := v.(string); !isStr || (s != "2012-10-17" && s != "2008-10-17") {
		add("Version", `must be "2012-10-17" or "2008-10-17", got %s`, describe(v))
	}

	if v, ok := d["Id"]; ok {
		if _, isStr := v.(string); !isStr {
			add("Id", "must be a string, got %s", describe(v))
		}
	}

	switch s := d["Statement"].(type) {
	case nil:
		if _, ok := d["Statement"]; ok {
			add("Statement", "must be an object or a non-empty list of objects, got null")
		} else {
			add("Statement", "is required: an object or a non-empty list of objects")
		}
	case map[string]any:
		ps = append(ps, validateStatement("Statement", s, registry)...)
	case []any:
		if len(s) == 0 {
			add("Statement", "must not be empty")
		}
		seen := map[string]int{}
		for i, el := range s {
			path := fmt.Sprintf("Statement[%d]", i)
			st, ok := el.(map[string]any)
			if !ok {
				add(path, "must be an object, got %s", describe(el))
				continue
			}
			ps = append(ps, validateStatement(path, st, registry)...)
			if sid, ok := st["Sid"].(string); ok {
				if j, dup := seen[sid]; dup {
					add(path+".Sid", "%q is already used by Statement[%d]; Sids must be unique", sid, j)
				} else {
					seen[sid] = i
				}
			}
		}
	default:
		add("Statement", "must be an object or a non-empty list of objects, got %s", describe(s))
	}

	if text, err := d.encode(); err != nil {
		add("", "policy cannot be rendered as JSON: %v", err)
	} else if n := utf8.RuneCountInString(text); n > MaxPolicyLength {
		add("", "policy text is %d characters; ECR accepts at most %d", n, MaxPolicyLength)
	}
	return ps
}

func validateStatement(path string, st map[string]any, registry bool) []Problem {
	kind := "repository policy"
	if registry {
		kind = "registry policy"
	}
	var ps []Problem
	add := func(p, format string, args ...any) {
		ps = append(ps, Problem{Path: p, Message: fmt.Sprintf(format, args...)})
	}
	at := func(k string) string { return path + "." + k }

	for _, k := range sortedKeys(st) {
		switch {
		case registry && (k == "Resource" || k == "NotResource"):
		case k == "Resource" || k == "NotResource":
			add(at(k), "a repository policy has no %s element: it always applies to its own repository, and ECR rejects a statement that names one (\"Invalid repository policy provided\"); remove %s", k, k)
		case !contains(statementKeys, k):
			add(at(k), "unknown key%s; a statement may only have %s", suggest(k, statementKeys), strings.Join(statementKeys, ", "))
		}
	}

	if v, ok := st["Sid"]; ok {
		if sid, isStr := v.(string); !isStr {
			add(at("Sid"), "must be a string, got %s", describe(v))
		} else if !sidRe.MatchString(sid) {
			add(at("Sid"), "%q has characters ECR is not known to accept in a Sid; use ASCII letters, digits, spaces and hyphens, e.g. \"AllowPull\"", sid)
		}
	}

	if v, ok := st["Effect"]; !ok {
		add(at("Effect"), `is required: "Allow" or "Deny"`)
	} else if s, isStr := v.(string); !isStr || (s != "Allow" && s != "Deny") {
		add(at("Effect"), `must be "Allow" or "Deny", got %s`, describe(v))
	}

	pv, hasP := st["Principal"]
	npv, hasNP := st["NotPrincipal"]
	switch {
	case hasP && hasNP:
		add(at("NotPrincipal"), "cannot be used together with Principal")
	case hasP:
		ps = append(ps, validatePrincipal(at("Principal"), pv)...)
	case hasNP:
		ps = append(ps, validatePrincipal(at("NotPrincipal"), npv)...)
	default:
		add(at("Principal"), `is required: a %s statement must name a Principal (or NotPrincipal), e.g. {"AWS": ["123456789012"]}`, kind)
	}

	av, hasA := st["Action"]
	nav, hasNA := st["NotAction"]
	switch {
	case hasA && hasNA:
		add(at("NotAction"), "cannot be used together with Action")
	case hasA:
		ps = append(ps, validateActions(at("Action"), av, kind)...)
	case hasNA:
		ps = append(ps, validateActions(at("NotAction"), nav, kind)...)
	default:
		add(at("Action"), `is required (or NotAction): a string or a list of strings such as "ecr:BatchGetImage"`)
	}

	if registry {
		rv, hasR := st["Resource"]
		nrv, hasNR := st["NotResource"]
		switch {
		case hasR && hasNR:
			add(at("NotResource"), "cannot be used together with Resource")
		case hasR:
			ps = append(ps, validateResources(at("Resource"), rv)...)
		case hasNR:
			ps = append(ps, validateResources(at("NotResource"), nrv)...)
		default:
			add(at("Resource"), `is required in a registry policy (or NotResource): the repositories the statement covers, e.g. "arn:aws:ecr:us-west-2:111122223333:repository/*"`)
		}
	}

	if v, ok := st["Condition"]; ok {
		m, isMap := v.(map[string]any)
		if !isMap {
			add(at("Condition"), `must be an object like {"StringEquals": {"aws:PrincipalOrgID": "o-..."}}, got %s`, describe(v))
		} else {
			for _, op := range sortedKeys(m) {
				if _, isMap := m[op].(map[string]any); !isMap {
					add(at("Condition")+"."+op, "must be an object of condition keys to values, got %s", describe(m[op]))
				}
			}
		}
	}
	return ps
}

func validatePrincipal(path string, v any) []Problem {
	switch p := v.(type) {
	case string:
		if p == "*" {
			return nil
		}
		return []Problem{{path, fmt.Sprintf(`must be "*" or an object like {"AWS": ["123456789012"]}, got %q`, p)}}
	case map[string]any:
		if len(p) == 0 {
			return []Problem{{path, `must not be empty; use an object like {"AWS": ["123456789012"]}`}}
		}
		var ps []Problem
		for _, k := range sortedKeys(p) {
			if !contains(principalKeys, k) {
				ps = append(ps, Problem{path + "." + k, fmt.Sprintf("unknown principal type%s; use one of %s", suggest(k, principalKeys), strings.Join(principalKeys, ", "))})
				continue
			}
			kind := k
			ps = append(ps, stringOrList(path+"."+k, p[k], func(p, s string) *Problem {
				if msg := checkPrincipal(kind, s); msg != "" {
					return &Problem{p, msg}
				}
				return nil
			})...)
		}
		return ps
	}
	return []Problem{{path, fmt.Sprintf(`must be "*" or an object like {"AWS": ["123456789012"]}, got %s`, describe(v))}}
}

// sidRe is what a Sid may hold: IAM's grammar documents ASCII letters and
// digits; ECR also accepts spaces (its console wrote "new statement", and the
// ECR guide's maintainers confirm it) and hyphens (terraform-provider-aws
// applies Sid "tf-acc-test-<digits>" to ECR in its acceptance tests). Other
// characters are not known to work; docs/validation-sources.md.
var sidRe = regexp.MustCompile(`^[A-Za-z0-9 -]*$`)

var (
	// stsSessionRe: an assumed-role or federated-user session, which IAM
	// accepts as an AWS principal in resource policies.
	stsSessionRe = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):sts::[0-9]{12}:(assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+)$`)
	// serviceRe: a service principal, like codebuild.amazonaws.com.
	serviceRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+amazonaws\.com(\.cn)?$`)
	// federatedRe: a SAML or OIDC identity provider ARN, or a web identity
	// provider's host name (cognito-identity.amazonaws.com, accounts.google.com).
	federatedRe = regexp.MustCompile(`^(arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:(saml-provider/[\w.-]+|oidc-provider/[^*\s]+)|([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})$`)
	// canonicalUserRe: an S3 canonical user id.
	canonicalUserRe = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// checkPrincipal returns what is wrong with one principal value of the given
// kind (AWS, Service, Federated, CanonicalUser), or "". IAM matches
// principals exactly: "*" alone means everyone, but a wildcard inside an ARN
// or an account id is not a pattern, and ECR rejects the policy.
func checkPrincipal(kind, s string) string {
	if kind == "AWS" && s == "*" {
		return ""
	}
	ok := false
	switch kind {
	case "AWS":
		ok = accountIDRe.MatchString(s) || iamPrincipalRe.MatchString(s) || stsSessionRe.MatchString(s)
	case "Service":
		ok = serviceRe.MatchString(s)
	case "Federated":
		ok = federatedRe.MatchString(s)
	case "CanonicalUser":
		ok = canonicalUserRe.MatchString(s)
	}
	if ok {
		return ""
	}
	var why string
	if strings.Contains(s, "*") {
		why = `IAM does not match principals by wildcard: "*" alone (as {"AWS": "*"}) means everyone, but a "*" inside a value matches nothing and ECR rejects it. `
	}
	switch kind {
	case "AWS":
		return fmt.Sprintf(`invalid AWS principal %q: %swant "*", a 12-digit account id (e.g. 123456789012), an IAM ARN of an account root, role or user (arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:role/NAME, arn:aws:iam::123456789012:user/NAME), or an STS assumed-role session ARN`, s, why)
	case "Service":
		return fmt.Sprintf("invalid Service principal %q: %swant a service name such as codebuild.amazonaws.com", s, why)
	case "Federated":
		return fmt.Sprintf("invalid Federated principal %q: %swant an identity provider ARN (arn:aws:iam::123456789012:saml-provider/NAME or oidc-provider/HOST) or a provider host name such as cognito-identity.amazonaws.com", s, why)
	default:
		return fmt.Sprintf("invalid CanonicalUser principal %q: %swant a 64-character hexadecimal canonical user id", s, why)
	}
}

// ecrResourceRe is an ECR ARN in a registry policy's Resource: a partition,
// a region and an account (either may be a wildcard), and a resource such as
// repository/NAME (NAME may hold wildcards).
var ecrResourceRe = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|\*):ecr:([a-z0-9-]+|\*):([0-9]{12}|\*):\S+$`)

func validateResources(path string, v any) []Problem {
	return stringOrList(path, v, func(p, s string) *Problem {
		if s == "*" || ecrResourceRe.MatchString(s) {
			return nil
		}
		return &Problem{p, fmt.Sprintf(`%q is not an ECR resource; a registry policy names "*" or ECR ARNs like "arn:aws:ecr:us-west-2:111122223333:repository/*"`, s)}
	})
}

func validateActions(path string, v any, kind string) []Problem {
	return stringOrList(path, v, func(p, s string) *Problem {
		if s == "*" {
			return nil
		}
		if len(s) > len("ecr:") && strings.EqualFold(s[:len("ecr:")], "ecr:") {
			return nil
		}
		return &Problem{p, fmt.Sprintf(`%q is not an ECR action; a %s only takes "ecr:..." actions (wildcards like "ecr:*" are fine) or "*"`, s, kind)}
	})
}

// stringOrList checks that v is a string or a non-empty list of strings and
// runs check, if given, on each string.
func stringOrList(path string, v any, check func(path, s string) *Problem) []Problem {
	var ps []Problem
	one := func(p string, el any) {
		s, ok := el.(string)
		if !ok {
			msg := "must be a string, got " + describe(el)
			if _, isNum := el.(json.Number); isNum {
				msg += " (quote account ids and other numbers in YAML)"
			}
			ps = append(ps, Problem{p, msg})
			return
		}
		if check != nil {
			if pr := check(p, s); pr != nil {
				ps = append(ps, *pr)
			}
		}
	}
	switch x := v.(type) {
	case string:
		one(path, x)
	case []any:
		if len(x) == 0 {
			return []Problem{{path, "must not be empty"}}
		}
		for i, el := range x {
			one(fmt.Sprintf("%s[%d]", path, i), el)
		}
	default:
		msg := "must be a string or a list of strings, got " + describe(v)
		if _, isNum := v.(json.Number); isNum {
			msg += " (quote account ids and other numbers in YAML)"
		}
		ps = append(ps, Problem{path, msg})
	}
	return ps
}

// describe renders a value briefly for a message.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case json.Number:
		return "the number " + string(x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	}
	return kindOf(v)
}

// suggest returns ` (did you mean "X"?)` when k matches an allowed key but
// for letter case.
func suggest(k string, allowed []string) string {
	for _, a := range allowed {
		if strings.EqualFold(a, k) {
			return fmt.Sprintf(" (did you mean %q?)", a)
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[M ~map[string]any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
