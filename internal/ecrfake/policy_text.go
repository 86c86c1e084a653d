package ecrfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// node is a JSON value that keeps the order of object members.
type node struct {
	kind   byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	fields []field
	elems  []*node
	str    string
	num    json.Number
	b      bool
}

type field struct {
	key string
	val *node
}

func (n *node) get(key string) (*node, bool) {
	if n.kind != 'o' {
		return nil, false
	}
	for _, f := range n.fields {
		if f.key == key {
			return f.val, true
		}
	}
	return nil, false
}

func parseOrdered(text string) (*node, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				if seen[key] {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				seen[key] = true
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.fields = append(n.fields, field{key, v})
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: 'a'}
			for dec.More() {
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &node{kind: 's', str: t}, nil
	case json.Number:
		return &node{kind: 'n', num: t}, nil
	case bool:
		return &node{kind: 'b', b: t}, nil
	case nil:
		return &node{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// writeJackson prints n the way ECR (Jackson's default pretty printer)
// prints policies: objects one member a line with 2-space indentation and
// `"key" : value`, arrays inline as `[ a, b ]`, empty ones as `{ }` / `[ ]`.
func writeJackson(b *strings.Builder, n *node, level int) {
	switch n.kind {
	case 'o':
		if len(n.fields) == 0 {
			b.WriteString("{ }")
			return
		}
		b.WriteString("{")
		for i, f := range n.fields {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n")
			b.WriteString(strings.Repeat("  ", level+1))
			writeJSONString(b, f.key)
			b.WriteString(" : ")
			writeJackson(b, f.val, level+1)
		}
		b.WriteString("\n")
		b.WriteString(strings.Repeat("  ", level))
		b.WriteString("}")
	case 'a':
		if len(n.elems) == 0 {
			b.WriteString("[ ]")
			return
		}
		b.WriteString("[ ")
		for i, e := range n.elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJackson(b, e, level)
		}
		b.WriteString(" ]")
	case 's':
		writeJSONString(b, n.str)
	case 'n':
		b.WriteString(n.num.String())
	case 'b':
		if n.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

func writeJSONString(b *strings.Builder, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
}

// reorder puts the keys of an object in the given order, the rest after in
// their original order.
func reorder(n *node, order ...string) {
	var out []field
	for _, k := range order {
		if v, ok := n.get(k); ok {
			out = append(out, field{k, v})
		}
	}
	for _, f := range n.fields {
		if !contains(order, f.key) {
			out = append(out, f)
		}
	}
	n.fields = out
}

// collapse replaces every one-element array of a scalar by the scalar.
func collapse(n *node) *node {
	switch n.kind {
	case 'o':
		for i := range n.fields {
			n.fields[i].val = collapse(n.fields[i].val)
		}
	case 'a':
		for i := range n.elems {
			n.elems[i] = collapse(n.elems[i])
		}
		if len(n.elems) == 1 && n.elems[0].kind != 'o' && n.elems[0].kind != 'a' {
			return n.elems[0]
		}
	}
	return n
}

// awsPrincipalRE: IAM principals, no groups, no wildcard inside an ARN.
var (
	accountIDRE    = regexp.MustCompile(`^[0-9]{12}$`)
	awsPrincipalRE = regexp.MustCompile(`^arn:aws[a-z-]*:(?:iam|sts)::[0-9]{12}:(?:root|(?:user|role|assumed-role|federated-user)/[^*]+)$`)
)

func policyError() error {
	return invalidParam("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'")
}

// normalizeRepoPolicy validates a repository policy and returns it as ECR
// stores and returns it: Jackson pretty-printed, keys Version, Id, Statement
// and Sid, Effect, Principal, Action, Condition first, principal lists
// reversed, bare account ids as root ARNs, one-element lists collapsed.
func normalizeRepoPolicy(text string) (string, error) {
	return normalizePolicy(text, false)
}

// normalizeRegistryPolicy is normalizeRepoPolicy for a registry policy,
// whose statements also name a Resource (kept after Action, a one-element
// list collapsed like the others).
func normalizeRegistryPolicy(text string) (string, error) {
	out, err := normalizePolicy(text, true)
	if err != nil {
		var ipe *types.InvalidParameterException
		if errors.As(err, &ipe) && strings.Contains(aws.ToString(ipe.Message), "Invalid repository policy") {
			return "", invalidParam("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'")
		}
	}
	return out, err
}

func normalizePolicy(text string, withResource bool) (string, error) {
	if n := utf8.RuneCountInString(text); n < 1 || n > 10240 {
		return "", invalidParam("Invalid parameter at 'policyText' failed to satisfy constraint: 'Member must have length less than or equal to 10240'")
	}
	doc, err := parseOrdered(text)
	if err != nil || doc.kind != 'o' {
		return "", policyError()
	}
	if v, ok := doc.get("Version"); ok && (v.kind != 's' || (v.str != "2012-10-17" && v.str != "2008-10-17")) {
		return "", policyError()
	}
	stmts, ok := doc.get("Statement")
	if !ok {
		return "", policyError()
	}
	var list []*node
	switch stmts.kind {
	case 'o':
		list = []*node{stmts}
	case 'a':
		list = stmts.elems
	}
	if len(list) == 0 {
		return "", policyError()
	}
	for _, st := range list {
		if err := normalizeStatement(st, withResource); err != nil {
			return "", err
		}
	}
	reorder(doc, "Version", "Id", "Statement")
	var b strings.Builder
	writeJackson(&b, doc, 0)
	return b.String(), nil
}

func normalizeStatement(st *node, withResource bool) error {
	if st.kind != 'o' {
		return policyError()
	}
	for _, f := range st.fields {
		switch f.key {
		case "Sid":
			if f.val.kind != 's' {
				return policyError()
			}
		case "Effect":
			if f.val.kind != 's' || (f.val.str != "Allow" && f.val.str != "Deny") {
				return policyError()
			}
		case "Principal", "NotPrincipal":
			if err := normalizePrincipal(f.val); err != nil {
				return err
			}
		case "Action", "NotAction":
			if err := checkActions(f.val); err != nil {
				return err
			}
		case "Condition":
			if f.val.kind != 'o' {
				return policyError()
			}
		case "Resource", "NotResource":
			if !withResource || !stringOrList(f.val) || !ecrResources(f.val) {
				return policyError()
			}
		default: // anything unknown
			return policyError()
		}
	}
	_, hasEffect := st.get("Effect")
	_, p := st.get("Principal")
	_, np := st.get("NotPrincipal")
	_, a := st.get("Action")
	_, na := st.get("NotAction")
	if !hasEffect || p == np || a == na {
		return policyError()
	}
	if withResource {
		_, r := st.get("Resource")
		_, nr := st.get("NotResource")
		if r == nr {
			return policyError()
		}
	}
	reorder(st, "Sid", "Effect", "Principal", "Action", "Resource", "Condition")
	for i := range st.fields {
		st.fields[i].val = collapse(st.fields[i].val)
	}
	return nil
}

func normalizePrincipal(p *node) error {
	if p.kind == 's' {
		if p.str != "*" {
			return policyError()
		}
		return nil
	}
	if p.kind != 'o' || len(p.fields) == 0 {
		return policyError()
	}
	for _, f := range p.fields {
		switch f.key {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return policyError()
		}
		vals := []*node{f.val}
		if f.val.kind == 'a' {
			vals = f.val.elems
		}
		if len(vals) == 0 {
			return policyError()
		}
		for _, v := range vals {
			if v.kind != 's' || v.str == "" {
				return policyError()
			}
			if f.key == "AWS" {
				switch {
				case v.str == "*", awsPrincipalRE.MatchString(v.str):
				case accountIDRE.MatchString(v.str):
					v.str = "arn:aws:iam::" + v.str + ":root"
				default:
					return policyError()
				}
			}
		}
		if f.val.kind == 'a' {
			for i, j := 0, len(vals)-1; i < j; i, j = i+1, j-1 {
				vals[i], vals[j] = vals[j], vals[i]
			}
		}
	}
	return nil
}

// stringOrList reports whether n is a non-empty string or a non-empty list
// of non-empty strings.
func stringOrList(n *node) bool {
	vals := []*node{n}
	if n.kind == 'a' {
		vals = n.elems
	}
	for _, v := range vals {
		if v.kind != 's' || v.str == "" {
			return false
		}
	}
	return len(vals) > 0
}

// ecrResources reports whether every resource of a registry policy
// statement is "*" or an ECR ARN (the registry's repositories).
func ecrResources(n *node) bool {
	vals := []*node{n}
	if n.kind == 'a' {
		vals = n.elems
	}
	for _, v := range vals {
		if v.str != "*" && !ecrARNRE.MatchString(v.str) {
			return false
		}
	}
	return true
}

var ecrARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:ecr:[a-z0-9-]*:[0-9]{12}:`)

func checkActions(a *node) error {
	vals := []*node{a}
	if a.kind == 'a' {
		vals = a.elems
	}
	if len(vals) == 0 {
		return policyError()
	}
	for _, v := range vals {
		if v.kind != 's' {
			return policyError()
		}
		if v.str != "*" && !strings.HasPrefix(strings.ToLower(v.str), "ecr:") {
			return policyError()
		}
	}
	return nil
}
