package spec

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecrctl/ecrctl/internal/lifecycle"
)

// StdinPath as a spec path means stdin; StdinName names it in messages
// (`<stdin>:3:5: repositories[0].name: ...`).
const (
	StdinPath = "-"
	StdinName = "<stdin>"
)

// Target is one registry of a run and what the spec files want there.
type Target struct {
	Account    string      // from account:, else the assumeRole ARN's account; "" = the default identity's
	Region     string      // "" = flags and environment decide
	AssumeRole *AssumeRole // nil = default chain
	Spec       *File       // the merged desired state, directly usable by reconcile.Read/Diff
	Sources    []string    // the spec files merged into it, in the order given
}

// fileMeta is where things are in one spec file, for messages that name
// two files.
type fileMeta struct {
	assumeRoleLine int // of the assumeRole: key
	registryLine   int // of the registry: key
}

// loaded is one spec file read and validated.
type loaded struct {
	f    *File
	meta *fileMeta
}

// LoadSet loads every path (a file, a directory = its *.yaml and *.yml
// files sorted by name, not recursive, or "-" for stdin, at most once),
// expands regions:, and merges files that address the same registry (the
// same account and region; "" = the default identity, or flags and the
// environment). Every problem of every file is reported as Problems, with
// file:line:col; a repository (or the registry: section) described by two
// files is an error naming both files and lines. Targets are sorted by
// account, region.
//
// A target with one source keeps that file's Path and SHA256 (a saved plan
// of a single-file run stays valid). A merged target's Spec.Path is the
// sources joined with ", " and its SHA256 is the SHA-256 of the text
// `sha256sum SOURCE...` prints for them when run in each source's
// directory: one line "HASH  NAME\n" per source, in the order given, HASH
// being the source's own SHA256 and NAME its base name. So it changes
// whenever any source's bytes, the set of sources, their names or their
// order change, and not with the form of the path (./teams, $PWD/teams, a
// plan file's relative path): apply loads a saved plan's spec paths from
// where the plan file is, and a merged registry must not look stale then.
func LoadSet(ctx context.Context, paths []string) ([]*Target, error) {
	return LoadSetFrom(ctx, paths, os.Stdin)
}

// LoadSetFrom is LoadSet reading "-" from stdin. Reading gives up when ctx
// ends: a FIFO or pipe blocks until its writer appears, and an interrupt
// must still end the command promptly (the abandoned read ends with the
// process).
func LoadSetFrom(ctx context.Context, paths []string, stdin io.Reader) ([]*Target, error) {
	type result struct {
		ts  []*Target
		err error
	}
	done := make(chan result, 1)
	go func() {
		ts, err := loadSet(paths, stdin)
		done <- result{ts, err}
	}()
	select {
	case r := <-done:
		return r.ts, r.err
	case <-ctx.Done():
		return nil, errors.New("interrupted while reading the spec files (a pipe or FIFO waits for its writer); nothing was done")
	}
}

func loadSet(paths []string, stdin io.Reader) ([]*Target, error) {
	if len(paths) == 0 {
		return nil, errors.New("no spec file given; pass one with -f FILE or -f DIRECTORY")
	}
	var problems Problems
	files, ps := expandPaths(paths)
	problems = append(problems, ps...)
	var good []loaded
	for _, path := range files {
		var f *File
		var meta *fileMeta
		var err error
		if path == StdinPath {
			f, meta, err = read(StdinName, stdin)
		} else {
			f, meta, err = load(path)
		}
		var fps Problems
		switch {
		case errors.As(err, &fps):
			problems = append(problems, fps...)
		case err != nil:
			problems = append(problems, Problem{File: path, Message: err.Error()})
		default:
			good = append(good, loaded{f, meta})
		}
	}
	targets, ps := merge(good)
	problems = append(problems, ps...)
	if len(problems) > 0 {
		return nil, problems
	}
	return targets, nil
}

// expandPaths turns the paths given into spec files: a directory becomes
// its *.yaml and *.yml files (sorted by name; subdirectories are not
// entered), "-" stays. A path that does not exist is left for load to
// report. Naming stdin or one file twice is a problem: each file is one
// description, and reading it twice would make every repository in it a
// duplicate.
func expandPaths(paths []string) ([]string, Problems) {
	var out []string
	var problems Problems
	seen := map[string]string{} // cleaned path -> as given
	addFile := func(p, given string) {
		key := filepath.Clean(p)
		if p == StdinPath {
			key = StdinPath
		}
		if prev, dup := seen[key]; dup {
			msg := "is named twice"
			if prev != given {
				msg = fmt.Sprintf("is named twice (also through %s)", prev)
			}
			name := p
			if p == StdinPath {
				name = StdinName
				msg = "stdin (-) is named twice; it can be read once"
			} else {
				msg += "; name each spec file once"
			}
			problems = append(problems, Problem{File: name, Message: msg})
			return
		}
		seen[key] = given
		out = append(out, p)
	}
	for _, p := range paths {
		if p == StdinPath {
			addFile(p, p)
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			addFile(p, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			problems = append(problems, Problem{File: p, Message: "reading the directory: " + pathErr(err)})
			continue
		}
		n := 0
		for _, e := range entries { // sorted by name
			name := e.Name()
			if ext := filepath.Ext(name); ext != ".yaml" && ext != ".yml" {
				continue
			}
			full := filepath.Join(p, name)
			if st, err := os.Stat(full); err == nil && st.IsDir() {
				continue
			}
			addFile(full, p)
			n++
		}
		if n == 0 {
			problems = append(problems, Problem{File: p, Message: "the directory holds no *.yaml or *.yml files; put the spec files there or name them with -f FILE"})
		}
	}
	return out, problems
}

// registryKey is what makes two files describe the same registry.
type registryKey struct{ account, region string }

func (k registryKey) String() string {
	a, r := "the default credentials' account", "the region from --region or the environment"
	if k.account != "" {
		a = "account " + k.account
	}
	if k.region != "" {
		r = k.region
	}
	return a + " in " + r
}

// merge groups the files by registry (a regions: file joins one group per
// region) and merges each group into one Target.
func merge(files []loaded) ([]*Target, Problems) {
	groups := map[registryKey][]loaded{}
	var keys []registryKey
	for _, lf := range files {
		regions := lf.f.Regions
		if regions == nil {
			regions = []string{lf.f.Region}
		}
		for _, r := range regions {
			k := registryKey{account: targetAccount(lf.f), region: r}
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], lf)
		}
	}
	slices.SortFunc(keys, func(a, b registryKey) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region))
	})
	var problems Problems
	targets := make([]*Target, 0, len(keys))
	for _, k := range keys {
		t, ps := mergeGroup(k, groups[k])
		problems = append(problems, ps...)
		targets = append(targets, t)
	}
	return targets, problems
}

// targetAccount is the registry's account: account:, else the role's.
func targetAccount(f *File) string {
	if f.Account != "" {
		return f.Account
	}
	if f.AssumeRole != nil {
		return f.AssumeRole.Account()
	}
	return ""
}

func mergeGroup(k registryKey, parts []loaded) (*Target, Problems) {
	first := parts[0]
	t := &Target{Account: k.account, Region: k.region, AssumeRole: first.f.AssumeRole}
	for _, p := range parts {
		t.Sources = append(t.Sources, p.f.Path)
	}
	if len(parts) == 1 {
		t.Spec = first.f
		if first.f.Regions != nil || first.f.Account != k.account {
			c := *first.f
			c.Region, c.Regions, c.Account = k.region, nil, k.account
			t.Spec = &c
		}
		return t, nil
	}
	var problems Problems
	m := &File{
		Path:              strings.Join(t.Sources, ", "),
		Version:           first.f.Version,
		Region:            k.region,
		Account:           k.account,
		AssumeRole:        first.f.AssumeRole,
		LifecyclePolicies: map[string]*lifecycle.Policy{},
	}
	var sums strings.Builder
	type at struct {
		file string
		line int
	}
	described := map[string]at{}
	var registryFrom *loaded
	for _, p := range parts {
		fmt.Fprintf(&sums, "%s  %s\n", p.f.SHA256, filepath.Base(p.f.Path))
		if p.f.AssumeRole != nil && first.f.AssumeRole == nil || p.f.AssumeRole == nil && first.f.AssumeRole != nil ||
			p.f.AssumeRole != nil && *p.f.AssumeRole != *first.f.AssumeRole {
			problems = append(problems, roleConflict(k, first, p))
		}
		for i, r := range p.f.Repositories {
			if prev, dup := described[r.Name]; dup {
				problems = append(problems, Problem{File: p.f.Path, Line: r.Line,
					Field: fmt.Sprintf("repositories[%d] (%s)", i, r.Name),
					Message: fmt.Sprintf("repository %s: described in %s:%d and %s:%d, both for %s; a repository belongs to one file: remove one of the two",
						r.Name, prev.file, prev.line, p.f.Path, r.Line, k)})
				continue
			}
			described[r.Name] = at{p.f.Path, r.Line}
			m.Repositories = append(m.Repositories, r)
		}
		if reg := p.f.Registry; reg != nil {
			if registryFrom != nil {
				problems = append(problems, Problem{File: p.f.Path, Line: p.meta.registryLine, Field: "registry",
					Message: fmt.Sprintf("the registry: section is described in %s:%d and %s:%d, both for %s; registry-level settings belong to one file: keep one of the two sections",
						registryFrom.f.Path, registryFrom.meta.registryLine, p.f.Path, p.meta.registryLine, k)})
			} else {
				registryFrom, m.Registry = &p, reg
			}
		}
		// Named policies stay local to their file (each repository already
		// holds its own); the union is for commands that look one up by
		// name, and the first file to define a name wins it.
		for name, pol := range p.f.LifecyclePolicies {
			if _, ok := m.LifecyclePolicies[name]; !ok {
				m.LifecyclePolicies[name] = pol
			}
		}
	}
	sum := sha256.Sum256([]byte(sums.String()))
	m.SHA256 = hex.EncodeToString(sum[:])
	t.Spec = m
	return t, problems
}

// roleConflict reports two files for one registry that would reach it with
// different credentials.
func roleConflict(k registryKey, first, p loaded) Problem {
	desc := func(x loaded) string {
		if x.f.AssumeRole == nil {
			return x.f.Path + " uses the default credentials"
		}
		return fmt.Sprintf("%s:%d assumes %s", x.f.Path, x.meta.assumeRoleLine, x.f.AssumeRole.RoleARN)
	}
	var differ string
	if a, b := first.f.AssumeRole, p.f.AssumeRole; a != nil && b != nil && a.RoleARN == b.RoleARN {
		// The ARN is the same: say which other field differs. The external
		// id is not printed: some treat it as a shared secret.
		var fields []string
		if a.ExternalID != b.ExternalID {
			fields = append(fields, "externalId")
		}
		if a.SessionName != b.SessionName {
			fields = append(fields, "sessionName")
		}
		differ = " with a different " + strings.Join(fields, " and ")
	}
	return Problem{File: p.f.Path, Line: p.meta.assumeRoleLine, Field: "assumeRole",
		Message: fmt.Sprintf("%s but %s%s, both for %s; files for one registry must use the same assumeRole (or none): make them equal, or set account: or region: so they address different registries",
			desc(first), desc(p), differ, k)}
}
