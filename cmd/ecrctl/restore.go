package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

type restoreOptions struct {
	AutoApprove bool
	Overwrite   bool
	ExternalID  string
}

func newRestoreCmd(f *factory, g *globalOptions) *cobra.Command {
	o := &restoreOptions{}
	cmd := &cobra.Command{
		Use:   "restore RESTORE_FILE",
		Short: "Finish a replacement that stopped after deleting its repository",
		Long: `A replacement (apply --allow-replace) writes ecrctl-restore-<repository>.json
in the current directory (the temporary directory when that is not
writable) before it deletes the repository, and removes it once the new
repository has every carried-over setting; plan and apply warn of a file
left in either place. A file left behind
means a call failed after the delete, or the process was killed (SIGKILL).

Restore reads the repository first and makes only the calls still needed:
it creates the repository if it is missing (with the tags, tag mutability,
scanning and encryption the file records), then sets the lifecycle and
repository policies that are missing. It never creates over an existing
repository: one with another encryption is refused (it is not the one the
file restores), and a setting that exists with a different value is refused
unless --overwrite is given. Replaying a file whose repository is already
as it records makes no call. The file's region and account are used and
checked. When apply reached the registry through a role (assumeRole:), the
file records the role and restore assumes it on top of the default
credentials, refusing a role that reaches another account than the file's.
The file never holds the role's external id: pass --external-id only when
the role requires one (the file then says so, and restore refuses without
it). Once the repository is as the file records, the file is removed.

Exit codes:
  0  restored, or nothing left to do
  1  error, or refused (nothing was changed)`,
		Example: `  ecrctl restore ecrctl-restore-team--app.json
  ecrctl restore --auto-approve ecrctl-restore-app.json   # in CI
  ecrctl restore --overwrite ecrctl-restore-app.json      # set the file's values over changed ones`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g.Writes = true
			return runRestore(cmd.Context(), f, g, o, args[0])
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.AutoApprove, "auto-approve", false, "restore without asking (required when stdin is not a terminal)")
	fl.BoolVar(&o.Overwrite, "overwrite", false, "set the file's value for settings that exist with another value")
	fl.StringVar(&o.ExternalID, "external-id", "", "the external id of the role the file records, only when that role requires one")
	return cmd
}

func runRestore(ctx context.Context, f *factory, g *globalOptions, o *restoreOptions, path string) error {
	rf, err := reconcile.ReadRestoreFile(path)
	if err != nil {
		return err
	}
	if g.Region != "" && rf.Region != "" && g.Region != rf.Region {
		return fmt.Errorf("--region %s contradicts region %s in %s; drop the flag", g.Region, rf.Region, path)
	}
	region := rf.Region
	if region == "" {
		region = g.Region
	}
	co, err := restoreClientOptions(g, o, rf, path, region)
	if err != nil {
		return err
	}
	client, _, err := f.NewECR(ctx, co)
	if err != nil {
		return err
	}
	rp, err := reconcile.CheckRestore(ctx, client, rf, o.Overwrite)
	if err != nil {
		return err
	}
	name := rf.Repository
	if len(rp.AlreadySet) > 0 {
		fmt.Fprintf(f.IO.Out, "Already as %s says: %s.\n", path, strings.Join(rp.AlreadySet, "; "))
	}
	if len(rp.Steps) == 0 {
		fmt.Fprintf(f.IO.Out, "Repository %q is already restored; nothing to do.\n", name)
		removeRestoreFile(f, path)
		return nil
	}
	state := "is missing"
	if rp.Exists {
		state = "exists"
	}
	fmt.Fprintf(f.IO.Out, "Repository %q %s; restore will call:\n", name, state)
	for _, s := range rp.Steps {
		fmt.Fprintf(f.IO.Out, "  %s\n", s.Describe())
	}
	if !o.AutoApprove {
		if !f.IO.CanPrompt() {
			return errors.New("refusing to restore without confirmation: stdin is not a terminal. Review the calls above and pass --auto-approve")
		}
		ok, err := confirm(ctx, f)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(f.IO.ErrOut, "Restore cancelled; nothing was changed.")
			return errReported
		}
	}
	opt := reconcile.DefaultApplyOptions()
	opt.Progress = f.IO.ErrOut
	if err := reconcile.Replay(ctx, client, rp, opt); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "\nRestore complete: %s. Run `ecrctl plan` to compare with the spec.\n", format.Count(len(rp.Steps), "call", "calls"))
	removeRestoreFile(f, path)
	return nil
}

// restoreClientOptions are the client options restore connects with: the
// global flags', and the role the file records, assumed for writing and
// pinned to the file's account, as apply's client was.
func restoreClientOptions(g *globalOptions, o *restoreOptions, rf *reconcile.RestoreFile, path, region string) (ecrapi.ClientOptions, error) {
	co := g.clientOptions(region)
	r := rf.AssumeRole
	switch {
	case r == nil && o.ExternalID != "":
		return co, fmt.Errorf("--external-id is for a role, but %s records none (the replacement used the default credentials); drop the flag", path)
	case r == nil:
		return co, nil
	case r.ExternalIDRequired && o.ExternalID == "":
		return co, fmt.Errorf("%s records role %s, which apply assumed with an external id; the file does not keep it: pass it with --external-id", path, r.RoleARN)
	}
	co.AssumeRole = &ecrapi.AssumeRoleOptions{RoleARN: r.RoleARN, ExternalID: o.ExternalID, SessionName: r.SessionName,
		Account: rf.RegistryID, For: fmt.Sprintf("%s (%s/%s)", path, rf.RegistryID, region)}
	return co, nil
}

// removeRestoreFile deletes a file whose repository is now as it says, so
// plan and apply stop pointing at it.
func removeRestoreFile(f *factory, path string) {
	if err := os.Remove(path); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "Warning: could not remove %s (%v); it is no longer needed.\n", path, err)
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "Removed %s: the repository is as it records.\n", path)
}

// warnPendingRestores names, on stderr, each restore file in the current
// directory or the temporary directory (apply's fallback) for a repository
// of the target: a replacement that did not finish lost settings the spec
// does not manage, which no plan shows. A file for the same name in another
// account or region (a run over several registries) is not this target's.
func warnPendingRestores(f *factory, g *globalOptions, t *spec.Target) {
	region := t.Region
	if region == "" {
		region = g.Region
	}
	pending := reconcile.PendingRestores(".")
	for _, r := range t.Spec.Repositories {
		for _, p := range pending {
			if p.File.IsFor(t.Account, region, r.Name) {
				fmt.Fprintf(f.IO.ErrOut, "Warning: %s records a replacement of %q that did not finish (%s); the settings it carried over are not managed by the spec, so this plan cannot show them missing. Run `ecrctl restore %s`.\n",
					p.Path, p.File.Repository, p.File.Status, p.Path)
			}
		}
	}
}
