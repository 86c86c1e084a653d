// Package outputs owns what other tools need to push to or reference a
// managed repository (name, ARN, URI, registry id), like the outputs of a
// Terraform module, and its three formats: a JSON object, shell variables,
// and GitHub Actions step outputs.
package outputs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// Repository is the outputs of one existing repository.
type Repository struct {
	Name       string `json:"name"`
	ARN        string `json:"arn"`
	URI        string `json:"uri"`
	RegistryID string `json:"registry_id"`
}

// Result is the outputs of the spec's repositories that exist, sorted by
// name, and the names of those the spec wants present that do not exist
// yet, in spec order.
type Result struct {
	Repositories []Repository
	Missing      []string
}

// Read lists the registry (DescribeRepositories only, and DescribeRegistry
// for the account guard of an empty registry) and returns the outputs of the
// spec's repositories. Repositories with `state: absent` are left out.
func Read(ctx context.Context, client ecrapi.Reader, s *spec.File) (*Result, error) {
	repos, registryID, err := ecrapi.ListRepositories(ctx, client)
	if err != nil {
		return nil, err
	}
	if _, err := ecrapi.CheckAccount(ctx, client, s.Account, s.Path, registryID); err != nil {
		return nil, err
	}
	res := &Result{}
	for _, r := range s.Repositories {
		if r.Absent {
			continue
		}
		lr, ok := repos[r.Name]
		if !ok {
			res.Missing = append(res.Missing, r.Name)
			continue
		}
		res.Repositories = append(res.Repositories, Repository{Name: lr.Name, ARN: lr.ARN, URI: lr.URI, RegistryID: lr.RegistryID})
	}
	sort.Slice(res.Repositories, func(i, j int) bool { return res.Repositories[i].Name < res.Repositories[j].Name })
	return res, nil
}

// ReportMissing names, one line each, the repositories that have no outputs
// because they do not exist yet.
func (r *Result) ReportMissing(w io.Writer) {
	for _, name := range r.Missing {
		fmt.Fprintf(w, "Repository %q does not exist yet, so it has no outputs; run `ecrctl apply`.\n", name)
	}
}

func byName(repos []Repository) map[string]Repository {
	m := make(map[string]Repository, len(repos))
	for _, o := range repos {
		m[o.Name] = o
	}
	return m
}

// WriteJSON writes one object keyed by repository name.
func WriteJSON(w io.Writer, repos []Repository) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(byName(repos))
}

// WriteEnv writes NAME_NAME=, NAME_ARN=, NAME_URI= and NAME_REGISTRY_ID=
// lines with single-quoted values, for eval or a .env file. Nothing is
// written when two names map to the same variable.
func WriteEnv(w io.Writer, repos []Repository) error {
	text, err := lines(unprefixed(repos), strings.ToUpper, shellQuote)
	if err != nil {
		return err
	}
	_, err = w.Write(text)
	return err
}

// AppendGitHub appends name_uri=... style lines (lower-cased variable
// names, unquoted values) and a "repositories" JSON output to the GitHub
// Actions output file at path, then says so on log.
func AppendGitHub(path string, repos []Repository, log io.Writer) error {
	return appendGitHub(path, unprefixed(repos), byName(repos), log)
}

func appendGitHub(path string, vars []variable, all any, log io.Writer) error {
	repos := vars
	text, err := lines(vars, strings.ToLower, func(s string) string { return s })
	if err != nil {
		return err
	}
	allJSON, err := json.Marshal(all)
	if err != nil {
		return err
	}
	text = append(text, "repositories="...)
	text = append(append(text, allJSON...), '\n')
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("writing $GITHUB_OUTPUT: %w", err)
	}
	if _, err := fh.Write(text); err != nil {
		_ = fh.Close()
		return fmt.Errorf("writing $GITHUB_OUTPUT (%s): %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("writing $GITHUB_OUTPUT (%s): %w", path, err)
	}
	what := "repositories"
	if len(repos) == 1 {
		what = "repository"
	}
	fmt.Fprintf(log, "Wrote outputs for %d %s to $GITHUB_OUTPUT.\n", len(repos), what)
	return nil
}

// variable is a repository and the variable prefix its lines get.
type variable struct {
	Repository
	prefix string // "" or the registry's, with a trailing _
	label  string // the repository in messages
}

func unprefixed(repos []Repository) []variable {
	out := make([]variable, len(repos))
	for i, r := range repos {
		out[i] = variable{Repository: r, label: fmt.Sprintf("%q", r.Name)}
	}
	return out
}

// lines renders NAME_NAME, NAME_ARN, NAME_URI and NAME_REGISTRY_ID lines.
// Two repositories whose names map to the same variable are an error: a
// silently overwritten URI would push images to the wrong place.
func lines(repos []variable, fold func(string) string, quote func(string) string) ([]byte, error) {
	var b bytes.Buffer
	seen := map[string]string{}
	for _, o := range repos {
		v := o.prefix + variableName(o.Name)
		if o.prefix != "" {
			v = o.prefix + strings.TrimPrefix(variableName(o.Name), "_")
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("repositories %s and %s both map to the variable prefix %s; the env and github formats cannot tell them apart (use -o json)", prev, o.label, v)
		}
		seen[v] = o.label
		for _, kv := range [][2]string{{"_NAME", o.Name}, {"_ARN", o.ARN}, {"_URI", o.URI}, {"_REGISTRY_ID", o.RegistryID}} {
			if strings.ContainsAny(kv[1], "\r\n") {
				return nil, fmt.Errorf("the %s of %q holds a line break", strings.ToLower(kv[0][1:]), o.Name)
			}
			fmt.Fprintf(&b, "%s=%s\n", fold(v+kv[0]), quote(kv[1]))
		}
	}
	return b.Bytes(), nil
}

// variableName makes a repository name a shell variable name: upper case,
// every character but A-Z and 0-9 replaced by _, and _ before a leading
// digit (team/app.web-1 -> TEAM_APP_WEB_1, 9lives -> _9LIVES).
func variableName(repo string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(repo) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	if v == "" || (v[0] >= '0' && v[0] <= '9') {
		v = "_" + v
	}
	return v
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Registry is the outputs of one registry of a run over several.
type Registry struct {
	Account string // the registry id read; "" when the registry holds none of the spec's repositories and no guard asked
	Region  string
	Result  *Result
}

// Key names the registry in the JSON forms: ACCOUNT/REGION.
func (r Registry) Key() string { return r.Account + "/" + r.Region }

// byRegistry is the JSON of a run over several registries: one object per
// registry, keyed ACCOUNT/REGION, each keyed by repository name as for one
// registry (the same name can exist in each region).
func byRegistry(regs []Registry) map[string]map[string]Repository {
	m := make(map[string]map[string]Repository, len(regs))
	for _, r := range regs {
		m[r.Key()] = byName(r.Result.Repositories)
	}
	return m
}

// WriteRegistriesJSON writes the outputs of several registries:
// {"ACCOUNT/REGION": {"NAME": {...}}}.
func WriteRegistriesJSON(w io.Writer, regs []Registry) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(byRegistry(regs))
}

// WriteRegistriesEnv is WriteEnv for several registries: each variable
// starts with its registry's region (US_WEST_2_TEAM_APP_URI), and the
// account after it (US_WEST_2_111111111111_TEAM_APP_URI) when the
// registries span several accounts.
func WriteRegistriesEnv(w io.Writer, regs []Registry) error {
	text, err := lines(prefixed(regs), strings.ToUpper, shellQuote)
	if err != nil {
		return err
	}
	_, err = w.Write(text)
	return err
}

// AppendRegistriesGitHub is AppendGitHub for several registries: variables
// prefixed as by WriteRegistriesEnv (lower-cased), and the "repositories"
// output holding WriteRegistriesJSON's object.
func AppendRegistriesGitHub(path string, regs []Registry, log io.Writer) error {
	return appendGitHub(path, prefixed(regs), byRegistry(regs), log)
}

// prefixed gives each registry's repositories the registry's variable
// prefix: its region, plus its account when the run spans several.
func prefixed(regs []Registry) []variable {
	accounts := map[string]bool{}
	for _, r := range regs {
		accounts[r.Account] = true
	}
	var out []variable
	for _, r := range regs {
		p := r.Region
		if len(accounts) > 1 {
			p += "_" + r.Account
		}
		p = strings.TrimPrefix(variableName(p), "_") + "_"
		for _, repo := range r.Result.Repositories {
			out = append(out, variable{Repository: repo, prefix: p, label: fmt.Sprintf("%q in %s", repo.Name, r.Key())})
		}
	}
	return out
}
