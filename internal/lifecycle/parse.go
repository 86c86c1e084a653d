package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Parse decodes policy JSON text as ECR stores or returns it. Strict: an
// unknown field anywhere is an error naming it (never silently drop fields),
// as is trailing data, or a JSON null value (ECR rejects nulls).
//
// Structural problems (unknown, duplicate or null fields, wrong JSON types,
// non-integer numbers) are returned as an Issue, so callers can use
// errors.As to get the Path. Field names match exactly: encoding/json would
// accept "RulePriority" for "rulePriority", ECR's schema does not.
//
// Parse checks shape only; call Validate for ECR's rules.
func Parse(text string) (Policy, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := walk(dec, "", policySchema); err != nil {
		return Policy{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Policy{}, fmt.Errorf("lifecycle policy: trailing data after the JSON object at offset %d; remove it", dec.InputOffset())
	}
	var p Policy
	// The walk has checked names, types and integers, so this cannot
	// meet anything it would accept loosely.
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return Policy{}, fmt.Errorf("lifecycle policy: %w", err)
	}
	return p, nil
}

type kind int

const (
	kObject kind = iota
	kArray
	kString
	kInt
)

func (k kind) String() string {
	return [...]string{"an object", "an array", "a string", "an integer"}[k]
}

// schema describes the JSON ECR accepts, one node per value.
type schema struct {
	kind   kind
	fields map[string]*schema // kObject
	elem   *schema            // kArray
}

var (
	strS = &schema{kind: kString}
	intS = &schema{kind: kInt}

	policySchema = &schema{kind: kObject, fields: map[string]*schema{
		"rules": {kind: kArray, elem: &schema{kind: kObject, fields: map[string]*schema{
			"rulePriority": intS,
			"description":  strS,
			"selection": {kind: kObject, fields: map[string]*schema{
				"tagStatus":      strS,
				"tagPrefixList":  {kind: kArray, elem: strS},
				"tagPatternList": {kind: kArray, elem: strS},
				"countType":      strS,
				"countUnit":      strS,
				"countNumber":    intS,
				"storageClass":   strS,
			}},
			"action": {kind: kObject, fields: map[string]*schema{
				"type":               strS,
				"targetStorageClass": strS,
			}},
		}}},
	}}
)

// walk reads exactly one JSON value from dec and checks it against s.
func walk(dec *json.Decoder, path string, s *schema) error {
	tok, err := dec.Token()
	if err == io.EOF {
		if path == "" {
			return errors.New("lifecycle policy: empty text; expected a JSON object")
		}
		return fmt.Errorf("lifecycle policy: unexpected end of JSON at %s", path)
	}
	if err != nil {
		return fmt.Errorf("lifecycle policy is not valid JSON: %w", err)
	}
	at := path
	if at == "" {
		at = "policy"
	}
	if tok == nil {
		return Issue{Path: at, Message: "null is not allowed (ECR rejects nulls); omit the field instead"}
	}
	mismatch := func(got string) error {
		return Issue{Path: at, Message: fmt.Sprintf("must be %s, got %s", s.kind, got)}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch {
		case t == '{' && s.kind == kObject:
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("lifecycle policy is not valid JSON: %w", err)
				}
				key := kt.(string) // object keys are always strings
				fp := key
				if path != "" {
					fp = path + "." + key
				}
				fs, ok := s.fields[key]
				if !ok {
					return Issue{Path: fp, Message: fmt.Sprintf("unknown field %q; remove it or fix its spelling (field names are case-sensitive)", key)}
				}
				if seen[key] {
					return Issue{Path: fp, Message: fmt.Sprintf("field %q appears twice; keep one", key)}
				}
				seen[key] = true
				if err := walk(dec, fp, fs); err != nil {
					return err
				}
			}
		case t == '[' && s.kind == kArray:
			for i := 0; dec.More(); i++ {
				if err := walk(dec, fmt.Sprintf("%s[%d]", path, i), s.elem); err != nil {
					return err
				}
			}
		case t == '{':
			return mismatch("an object")
		default:
			return mismatch("an array")
		}
		// Consume the closing delimiter (syntax errors surface here).
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("lifecycle policy is not valid JSON: %w", err)
		}
		return nil
	case string:
		if s.kind != kString {
			return mismatch("a string")
		}
	case json.Number:
		if s.kind != kInt {
			return mismatch("a number")
		}
		if _, err := strconv.Atoi(t.String()); err != nil {
			return Issue{Path: at, Message: fmt.Sprintf("%s is not an integer in range; write a whole number like 10", t)}
		}
	case bool:
		return mismatch("a boolean")
	}
	return nil
}
