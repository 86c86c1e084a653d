package spec

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

// TestSchemaKeysMatchLoader keeps the hand-written schema in step with the
// loader: at every level, the schema's properties are exactly the keys the
// loader accepts (the yaml tags of the types check() walks, see strict.go).
// A key added to the loader without the schema, or the other way round,
// fails here.
func TestSchemaKeysMatchLoader(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	resolve := func(n map[string]any) map[string]any {
		for {
			ref, ok := n["$ref"].(string)
			if !ok {
				return n
			}
			n = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
	}
	// yaml.Node fields are interpreted by hand in load.go; these say which
	// Go type each one is decoded into, and where that is in the schema.
	policyType := reflect.TypeOf(lifecycle.Policy{})
	// objectAlternative finds the mapping form of a key that takes a
	// string or a mapping (anyOf).
	objectAlternative := func(key string, typ reflect.Type) func(n map[string]any) (reflect.Type, map[string]any) {
		return func(n map[string]any) (reflect.Type, map[string]any) {
			for _, alt := range n["anyOf"].([]any) {
				if a := resolve(alt.(map[string]any)); a["type"] == "object" {
					return typ, a
				}
			}
			t.Fatalf("%s has no object alternative", key)
			return nil, nil
		}
	}
	nodeFields := map[string]func(n map[string]any) (reflect.Type, map[string]any){
		"lifecyclePolicies": func(n map[string]any) (reflect.Type, map[string]any) {
			return policyType, resolve(n["additionalProperties"].(map[string]any))
		},
		"lifecyclePolicy":  objectAlternative("lifecyclePolicy", policyType),
		"assumeRole":       objectAlternative("assumeRole", rawAssumeRoleType),
		"repositoryPolicy": nil, // a free-form IAM document
		"policy":           nil, // the registry policy, a free-form IAM document
	}
	checked := 0
	var walk func(path string, typ reflect.Type, n map[string]any)
	walk = func(path string, typ reflect.Type, n map[string]any) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		n = resolve(n)
		switch typ.Kind() {
		case reflect.Slice:
			walk(path+"[]", typ.Elem(), n["items"].(map[string]any))
			return
		case reflect.Map:
			if ap, ok := n["additionalProperties"].(map[string]any); ok {
				walk(path+".*", typ.Elem(), ap)
			}
			return
		case reflect.Struct:
		default:
			return
		}
		if typ == nodeType {
			return
		}
		fields := yamlFields(typ)
		props, _ := n["properties"].(map[string]any)
		var loaderKeys, schemaKeys []string
		for k := range fields {
			loaderKeys = append(loaderKeys, k)
		}
		for k := range props {
			schemaKeys = append(schemaKeys, k)
		}
		sort.Strings(loaderKeys)
		sort.Strings(schemaKeys)
		if !slices.Equal(loaderKeys, schemaKeys) {
			t.Errorf("%s: the loader accepts %v, the schema lists %v", path, loaderKeys, schemaKeys)
		}
		if n["additionalProperties"] != false {
			t.Errorf("%s: the loader rejects unknown keys, the schema must say additionalProperties: false", path)
		}
		checked++
		for k, f := range fields {
			p, ok := props[k].(map[string]any)
			if !ok {
				continue
			}
			if f.Type == nodeType {
				fn, known := nodeFields[k]
				if !known {
					t.Errorf("%s.%s is interpreted by hand; teach this test where it is in the schema", path, k)
				} else if fn != nil {
					ft, fn := fn(resolve(p))
					walk(path+"."+k, ft, fn)
				}
				continue
			}
			walk(path+"."+k, f.Type, p)
		}
	}
	walk("(top)", reflect.TypeOf(rawFile{}), root)
	// The loader ignores top-level keys that start with ExtensionPrefix.
	pp, _ := root["patternProperties"].(map[string]any)
	if _, ok := pp["^"+ExtensionPrefix]; !ok || len(pp) != 1 {
		t.Errorf("top-level patternProperties = %v, want exactly ^%s (the keys the loader ignores)", pp, ExtensionPrefix)
	}
	// top, defaults, repository, encryption x2, access x2, policy x3 with rule, selection, action.
	if checked < 15 {
		t.Errorf("compared %d mappings; the walk missed some", checked)
	}
}
