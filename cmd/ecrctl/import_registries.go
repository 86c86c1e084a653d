package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ecrctl/ecrctl/internal/adopt"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// roleARNFlagRE is --assume-role's form, checked before anything is read;
// the spec checks the same ARNs in files.
var roleARNFlagRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/[\x21-\x7E]+$`)

// importedRegistry is one registry import read, and the spec it got.
type importedRegistry struct {
	Role   *spec.AssumeRole
	Result *adopt.Result
}

// importTargets are the registries import reads: every role (or the
// default credentials) in every region (or the region the environment
// gives).
func importTargets(o *importOptions) ([]*spec.Target, error) {
	roles := []*spec.AssumeRole{nil}
	if len(o.AssumeRoles) > 0 {
		roles = nil
		for _, arn := range o.AssumeRoles {
			if !roleARNFlagRE.MatchString(arn) {
				return nil, fmt.Errorf("--assume-role %q is not an IAM role ARN like arn:aws:iam::111122223333:role/ecrctl", arn)
			}
			roles = append(roles, &spec.AssumeRole{RoleARN: arn})
		}
	}
	regions := o.Regions
	if len(regions) == 0 {
		regions = []string{""}
	}
	seen := map[string]bool{}
	var ts []*spec.Target
	for _, role := range roles {
		for _, region := range regions {
			key := region
			account := ""
			if role != nil {
				account = role.Account()
				key = role.RoleARN + " " + region
			}
			if seen[key] {
				return nil, fmt.Errorf("--assume-role and --region name registry %s/%s twice; name each once", account, region)
			}
			seen[key] = true
			ts = append(ts, &spec.Target{Account: account, Region: region, AssumeRole: role,
				Spec: &spec.File{Path: "import", Account: account, Region: region}, Sources: []string{"import"}})
		}
	}
	return ts, nil
}

// isDirOutput says whether -o names a directory: one that exists, or a path
// ending in a slash (created).
func isDirOutput(path string) bool {
	if path == "" {
		return false
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return true
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// readRegistries imports every target; any failure ends the import before
// anything is written.
func readRegistries(ctx context.Context, f *factory, g *globalOptions, o *importOptions, ts []*spec.Target) ([]importedRegistry, error) {
	var out []importedRegistry
	for _, t := range ts {
		client, region, err := connectTarget(ctx, f, g, t)
		if err != nil {
			return nil, err
		}
		if f.IO.Interactive() {
			fmt.Fprintf(f.IO.ErrOut, "Reading live ECR state in %s...\n", region)
		}
		res, err := adopt.Import(ctx, client, importAdoptOptions(o, g, region))
		if err != nil {
			if len(ts) > 1 {
				return nil, fmt.Errorf("importing %s: %w; nothing was written", describeImportTarget(t, region), err)
			}
			return nil, err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(f.IO.ErrOut, "Warning: %s\n", w)
		}
		out = append(out, importedRegistry{Role: t.AssumeRole, Result: res})
	}
	return out, nil
}

func describeImportTarget(t *spec.Target, region string) string {
	if t.AssumeRole != nil {
		return fmt.Sprintf("registry %s/%s (as %s)", t.Account, region, t.AssumeRole.RoleARN)
	}
	return "the default registry in " + region
}

// writeImported writes what import read: one file per registry into a
// directory; else one file (or stdout), which several registries share
// only as one regions: file, when they are in one account and hold the
// same repositories and settings.
func writeImported(f *factory, o *importOptions, regs []importedRegistry) error {
	if isDirOutput(o.Output) {
		return writeImportedDir(f, o, regs)
	}
	accounts := map[string]bool{}
	var regions []string
	for _, r := range regs {
		accounts[r.Result.RegistryID] = true
		regions = append(regions, r.Result.Region)
	}
	if len(accounts) > 1 {
		return fmt.Errorf("import read %d registries in %d accounts, and one spec file describes one account; write one file per registry with -o DIR/ (nothing was written)", len(regs), len(accounts))
	}
	text := adopt.Retarget(regs[0].Result.YAML, regions, regs[0].Role)
	for _, r := range regs[1:] {
		if other := adopt.Retarget(r.Result.YAML, regions, r.Role); string(other) != string(text) {
			return fmt.Errorf("the registries in %s and %s hold different repositories or settings (%s), so one regions: file cannot describe both; write one file per registry with -o DIR/ (nothing was written)",
				regs[0].Result.Region, r.Result.Region, firstDifference(regs[0].Result, r.Result))
		}
	}
	if o.Output == "" {
		_, err := f.IO.Out.Write(text)
		return err
	}
	if err := writeNewFile(o.Output, text, o.Force); err != nil {
		return err
	}
	n := len(regs[0].Result.Repositories)
	fmt.Fprintf(f.IO.ErrOut, "Imported %d %s from registry %s in %s to %s.\nRun `ecrctl plan -f %s`: it shows \"No changes.\" until the file or the registry changes.\n",
		n, format.Plural(n, "repository", "repositories"), regs[0].Result.RegistryID, strings.Join(regions, ", "), o.Output, o.Output)
	return nil
}

// firstDifference names what sets two registries' imports apart, in
// words: the repositories only one holds, else "their settings".
func firstDifference(a, b *adopt.Result) string {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, n := range a.Repositories {
		if !in(b.Repositories, n) {
			return fmt.Sprintf("%s exists only in %s", n, a.Region)
		}
	}
	for _, n := range b.Repositories {
		if !in(a.Repositories, n) {
			return fmt.Sprintf("%s exists only in %s", n, b.Region)
		}
	}
	return "the same repositories, with different settings"
}

// importedVia names the credentials a registry was read with.
func importedVia(r importedRegistry) string {
	if r.Role == nil {
		return "the default credentials"
	}
	return "role " + r.Role.RoleARN
}

// writeImportedDir writes DIR/ACCOUNT-REGION.yaml per registry, after
// checking that none exists (unless --force), so a refusal writes nothing.
func writeImportedDir(f *factory, o *importOptions, regs []importedRegistry) error {
	// Two roles in one account reach one registry: their files would share
	// a name, and the second would overwrite the first.
	paths := make([]string, len(regs))
	first := map[string]int{}
	for i, r := range regs {
		paths[i] = filepath.Join(o.Output, r.Result.RegistryID+"-"+r.Result.Region+".yaml")
		if j, ok := first[paths[i]]; ok {
			return fmt.Errorf("%s and %s both reach registry %s in %s, and -o %s would write both to %s; pass one --assume-role per account (nothing was written)",
				importedVia(regs[j]), importedVia(r), r.Result.RegistryID, r.Result.Region, o.Output, paths[i])
		}
		first[paths[i]] = i
	}
	if err := os.MkdirAll(o.Output, 0o755); err != nil {
		return fmt.Errorf("creating %s for the imported specs: %w", o.Output, err)
	}
	for i := range regs {
		if _, err := os.Stat(paths[i]); err == nil && !o.Force {
			return fmt.Errorf("%s already exists; pass --force to overwrite it, or choose another directory with -o (nothing was written)", paths[i])
		}
	}
	for i, r := range regs {
		text := adopt.Retarget(r.Result.YAML, []string{r.Result.Region}, r.Role)
		if err := writeNewFile(paths[i], text, o.Force); err != nil {
			return err
		}
		n := len(r.Result.Repositories)
		fmt.Fprintf(f.IO.ErrOut, "Imported %d %s from registry %s in %s to %s.\n",
			n, format.Plural(n, "repository", "repositories"), r.Result.RegistryID, r.Result.Region, paths[i])
	}
	fmt.Fprintf(f.IO.ErrOut, "Run `ecrctl plan -f %s`: it shows \"No changes.\" until the files or the registries change.\n", o.Output)
	return nil
}
