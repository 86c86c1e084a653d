package lifecycle

import "sort"

// LintAll lints each policy once, in name order; the names are what the
// warnings are reported under (a named policy's name, or a repository's for
// an inline one).
func LintAll(policies map[string]*Policy) []Warning {
	names := make([]string, 0, len(policies))
	for n := range policies {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Warning
	for _, n := range names {
		out = append(out, Lint(n, *policies[n])...)
	}
	return out
}
