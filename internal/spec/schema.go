package spec

import _ "embed"

// schemaJSON is the JSON Schema (draft 2020-12) of registry.yaml, for
// editors. It is written by hand and reviewed like code: a test keeps its
// properties equal to the keys the loader accepts, and another keeps
// docs/registry.schema.json equal to it. The loader stays the authority for
// every rule the schema cannot express (rules across fields).
//
//go:embed registry.schema.json
var schemaJSON []byte

// SchemaURL is where editors fetch the schema from (its $id): the committed
// docs/registry.schema.json on the main branch.
const SchemaURL = "https://raw.githubusercontent.com/ecrctl/ecrctl/main/docs/registry.schema.json"

// Schema returns the JSON Schema of registry.yaml.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }
