// Package iampolicy owns ECR repository policies (IAM resource policies):
// it parses a document given in the spec (a YAML-decoded value or a JSON
// string), checks its shape against what ECR rejects, renders the `access`
// shorthand into statements, merges the two, and compares policies by IAM
// meaning rather than by text.
//
// Real ECR returns repository policy text reformatted (other spacing, other
// key order, principal lists reordered, bare account ids as root ARNs), so
// callers must decide "changed or not" with Equivalent, never by comparing
// text.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Document is a policy document as generic JSON values, keeping every field.
//
// Values are map[string]any, []any, string, bool, json.Number (every number;
// numbers are kept as written so nothing is lost) and nil. Documents made by
// FromValue, Parse and Compose hold only these types.
type Document map[string]any

// FromValue converts a value decoded from YAML (map[string]any or
// map[any]any with string keys, []any, string, int, bool, float64, and
// time.Time for unquoted dates such as `Version: 2012-10-17`) or a string
// holding JSON into a Document. The result is a deep copy: later changes to v
// do not show in it. It returns an error when the string is not valid JSON,
// the value is not an object, or a value has a type JSON cannot hold.
func FromValue(v any) (Document, error) {
	switch x := v.(type) {
	case nil:
		return nil, errors.New("policy document is empty: want an object or a string holding a JSON object")
	case string:
		return Parse(x)
	case []byte:
		return Parse(string(x))
	case json.RawMessage:
		return Parse(string(x))
	}
	n, err := normalizeValue("", v)
	if err != nil {
		return nil, err
	}
	m, ok := n.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy document must be an object (or a string holding a JSON object), got %s", kindOf(n))
	}
	return Document(m), nil
}

// Parse decodes JSON text (e.g. as returned by GetRepositoryPolicy) into a
// Document. The text must hold exactly one JSON object.
func Parse(text string) (Document, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("policy text is empty: want a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("policy is not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("policy is not valid JSON: unexpected data after the top-level value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy must be a JSON object, got %s", kindOf(v))
	}
	return Document(m), nil
}

// JSON renders the document as compact JSON with sorted keys and without
// HTML escaping; the output is stable for equal documents. A nil Document
// renders as "null". If the document holds a value JSON cannot encode (only
// possible for documents not made by this package), JSON returns "" and
// Validate reports the problem.
func (d Document) JSON() string {
	s, err := d.encode()
	if err != nil {
		return ""
	}
	return s
}

func (d Document) encode() (string, error) {
	if d == nil {
		return "null", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any(d)); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// clone returns a deep copy of d with normalised value types.
func (d Document) clone() (Document, error) {
	if d == nil {
		return nil, nil
	}
	n, err := normalizeValue("", map[string]any(d))
	if err != nil {
		return nil, err
	}
	return Document(n.(map[string]any)), nil
}

// normalizeValue deep-copies v into generic JSON values. path names the
// value in error messages.
func normalizeValue(path string, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case bool:
		return x, nil
	case json.Number:
		if _, err := json.Marshal(x); err != nil {
			return nil, fmt.Errorf("%s: invalid number %q", pathOr(path), string(x))
		}
		return x, nil
	case int:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int8:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int16:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case uint:
		return json.Number(strconv.FormatUint(uint64(x), 10)), nil
	case uint8:
		return json.Number(strconv.FormatUint(uint64(x), 10)), nil
	case uint16:
		return json.Number(strconv.FormatUint(uint64(x), 10)), nil
	case uint32:
		return json.Number(strconv.FormatUint(uint64(x), 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case float32:
		return floatNumber(path, float64(x))
	case float64:
		return floatNumber(path, x)
	case time.Time:
		// YAML resolves an unquoted 2012-10-17 to a timestamp; give back the
		// text the user wrote.
		if x.Location() == time.UTC && x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02"), nil
		}
		return x.Format(time.RFC3339Nano), nil
	case Document:
		return normalizeMap(path, x)
	case map[string]any:
		return normalizeMap(path, x)
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("%s: key %v is a %T, want a string", pathOr(path), k, k)
			}
			n, err := normalizeValue(joinKey(path, ks), val)
			if err != nil {
				return nil, err
			}
			m[ks] = n
		}
		return m, nil
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			n, err := normalizeValue(fmt.Sprintf("%s[%d]", path, i), val)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	}

	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return normalizeValue(path, rv.Elem().Interface())
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		m := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key().String()
			n, err := normalizeValue(joinKey(path, k), it.Value().Interface())
			if err != nil {
				return nil, err
			}
			m[k] = n
		}
		return m, nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range rv.Len() {
			n, err := normalizeValue(fmt.Sprintf("%s[%d]", path, i), rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: unsupported value of type %T", pathOr(path), v)
}

func normalizeMap(path string, x map[string]any) (any, error) {
	m := make(map[string]any, len(x))
	for k, val := range x {
		n, err := normalizeValue(joinKey(path, k), val)
		if err != nil {
			return nil, err
		}
		m[k] = n
	}
	return m, nil
}

func floatNumber(path string, f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%s: %v is not a JSON number", pathOr(path), f)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pathOr(path), err)
	}
	return json.Number(b), nil
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(path string) string {
	if path == "" {
		return "policy"
	}
	return path
}

// kindOf names the JSON kind of a generic value for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// statementList returns the statements of d as a list, whether Statement is
// a single object or a list. ok is false when Statement is missing or of
// another type.
func statementList(d Document) (list []any, ok bool) {
	switch s := d["Statement"].(type) {
	case []any:
		return s, true
	case map[string]any:
		return []any{s}, true
	}
	return nil, false
}

// uniqueSorted returns the distinct strings of in, sorted; in is not changed.
func uniqueSorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	w := 0
	for i, s := range out {
		if i > 0 && s == out[w-1] {
			continue
		}
		out[w] = s
		w++
	}
	return out[:w]
}
