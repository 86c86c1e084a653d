package reconcile

import "testing"

// One table gives every action its words; each action reads differently,
// and the renderers and apply progress all take them from it.
func TestVocabularyCoversEveryAction(t *testing.T) {
	seen := map[string]bool{}
	for _, actions := range [][]Action{{Create}, {Update}, {Delete}, {Delete, Create}} {
		w := WordsOf(ResourceChange{Type: "repository", Actions: actions})
		if w.Symbol == "" || w.Verb == "" || w.Label == "" || w.Progress == "" || w.Done == "" || w.Color(newPalette(true)) == "" {
			t.Errorf("%v: incomplete words %+v", actions, w)
		}
		for _, s := range []string{w.Symbol, w.Verb, w.Label} {
			if seen[s] {
				t.Errorf("%v: %q is used by another action", actions, s)
			}
			seen[s] = true
		}
	}
	if got := actionLabel(ResourceChange{Actions: []Action{Delete, Create}}); got != "`-/+` replace" {
		t.Errorf("markdown label of a replacement = %q", got)
	}
	if got := KindOf(ResourceChange{Type: "repository"}); got.Noun != "repository" || got.Plural != "repositories" {
		t.Errorf("repository kind = %+v", got)
	}
	if got := KindOf(ResourceChange{Type: "lambda_function"}); got.Noun != "lambda_function" {
		t.Errorf("an unknown type is not named by itself: %+v", got)
	}
}
