package reconcile

import "fmt"

// The plan's one presentation vocabulary: how each kind of resource and each
// action is shown. The text and markdown renderers and apply's progress lines
// all take their words from here, so a new resource kind or a changed word is
// one edit.

// Kind is how one type of resource (ResourceChange.Type) is named to people.
type Kind struct {
	Noun, Plural string
	// Singleton kinds exist once per registry: their changes have no name.
	Singleton bool
}

// kinds holds every resource type a plan can hold; registry-level settings
// join repositories here.
var kinds = map[string]Kind{
	TypeRepository:           {Noun: "repository", Plural: "repositories"},
	TypeRegistryScanning:     {Noun: "registry scanning configuration", Plural: "registry scanning configurations", Singleton: true},
	TypeReplication:          {Noun: "replication configuration", Plural: "replication configurations", Singleton: true},
	TypeRegistryPolicy:       {Noun: "registry policy", Plural: "registry policies", Singleton: true},
	TypePullThroughCacheRule: {Noun: "pull-through cache rule", Plural: "pull-through cache rules"},
	TypeCreationTemplate:     {Noun: "repository creation template", Plural: "repository creation templates"},
}

// Resource types (ResourceChange.Type); the registry-level ones are
// Terraform's resource names without aws_ecr_.
const (
	TypeRepository           = "repository"
	TypeRegistryScanning     = "registry_scanning_configuration"
	TypeReplication          = "replication_configuration"
	TypeRegistryPolicy       = "registry_policy"
	TypePullThroughCacheRule = "pull_through_cache_rule"
	TypeCreationTemplate     = "repository_creation_template"
)

// KindOf returns the vocabulary of a change's resource type; an unknown type
// (a plan from a newer ecrctl) is named by the type itself.
func KindOf(rc ResourceChange) Kind {
	if k, ok := kinds[rc.Type]; ok {
		return k
	}
	return Kind{Noun: rc.Type, Plural: rc.Type}
}

// Title names a change for people: the kind and, unless the kind exists
// once per registry, the quoted name ("repository \"web\"",
// "registry policy").
func Title(rc ResourceChange) string {
	k := KindOf(rc)
	if rc.Name == "" && (k.Singleton || rc.Type != TypeRepository) {
		return k.Noun
	}
	return fmt.Sprintf("%s %q", k.Noun, rc.Name)
}

// ActionWords is how one action of a resource change is shown.
type ActionWords struct {
	Symbol   string // text plan margin: "  +", "  ~", "  -", "-/+"
	Color    func(palette) string
	Verb     string // "will be created"
	Label    string // markdown action cell: "create"
	Progress string // apply progress: "Creating"
	Done     string // apply progress: "Creation"
}

var (
	wordsReplace = ActionWords{Symbol: "-/+", Color: func(p palette) string { return p.red }, Verb: "must be replaced", Label: "replace", Progress: "Replacing", Done: "Replacement"}
	wordsCreate  = ActionWords{Symbol: "  +", Color: func(p palette) string { return p.green }, Verb: "will be created", Label: "create", Progress: "Creating", Done: "Creation"}
	wordsUpdate  = ActionWords{Symbol: "  ~", Color: func(p palette) string { return p.yellow }, Verb: "will be updated in place", Label: "update", Progress: "Modifying", Done: "Modification"}
	wordsDelete  = ActionWords{Symbol: "  -", Color: func(p palette) string { return p.red }, Verb: "will be destroyed", Label: "destroy", Progress: "Destroying", Done: "Destruction"}
	wordsNoOp    = ActionWords{Color: func(palette) string { return "" }, Label: "no-op", Progress: "Modifying", Done: "Modification"}
)

// WordsOf returns the words for a change's actions.
func WordsOf(rc ResourceChange) ActionWords {
	switch {
	case rc.IsReplace():
		return wordsReplace
	case rc.Is(Create):
		return wordsCreate
	case rc.Is(Update):
		return wordsUpdate
	case rc.Is(Delete):
		return wordsDelete
	}
	return wordsNoOp
}
