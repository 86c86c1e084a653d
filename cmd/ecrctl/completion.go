package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// Shell completion is cobra's `completion` command; these functions add the
// candidates only ecrctl knows: repository names from the spec and files.

// describeCompletionCmd gives cobra's completion command ecrctl's help: what
// is completed, how to install it, and the exit codes every command documents.
func describeCompletionCmd(root *cobra.Command) {
	cmd, _, err := root.Find([]string{"completion"})
	if err != nil || cmd == root {
		return
	}
	cmd.Short = "Print a shell completion script: bash, zsh, fish or powershell"
	cmd.Long = `Completion prints a script that makes your shell complete ecrctl's commands,
flags and arguments: repository names from the spec (-f, default
registry.yaml) for status and lifecycle explain, *.json plan files for apply,
*.yaml / *.yml files for -f. Completing never calls AWS. Each shell's
subcommand --help says how to load the script for one session or for good.

Exit codes:
  0  the script was printed
  1  error (unknown shell)`
	// Runnable, so that an unknown shell is an error instead of cobra
	// printing help and exiting 0.
	cmd.Args = func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unknown shell %q for ecrctl completion; use bash, zsh, fish or powershell", args[0])
		}
		return nil
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	cmd.Example = `  source <(ecrctl completion bash)                          # this bash session
  ecrctl completion bash > /etc/bash_completion.d/ecrctl    # every bash session
  ecrctl completion zsh > "${fpath[1]}/_ecrctl"             # zsh (compinit must be enabled)
  ecrctl completion fish > ~/.config/fish/completions/ecrctl.fish
  ecrctl completion powershell | Out-String | Invoke-Expression`
}

// completeRepositoryNames offers the names of the repositories in the spec
// given by -f, skipping those already on the command line. limit is how many
// names the command takes (0: any number). It reads only the local spec,
// never AWS; a spec that does not load offers nothing (the reason goes to
// cobra's completion debug log, BASH_COMP_DEBUG_FILE).
func completeRepositoryNames(g *globalOptions, limit int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if limit > 0 && len(args) >= limit {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// cobra parses the flags twice while completing, and a repeatable
		// flag then holds each path twice.
		var paths []string
		for _, p := range g.Files {
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
		ts, err := spec.LoadSet(context.Background(), paths)
		if err != nil {
			cobra.CompDebugln(fmt.Sprintf("completing repository names: %v", err), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		taken := map[string]bool{}
		for _, a := range args {
			taken[a] = true
		}
		var names []cobra.Completion
		for _, t := range ts {
			for _, r := range t.Spec.Repositories {
				if !taken[r.Name] && strings.HasPrefix(r.Name, toComplete) {
					taken[r.Name] = true // one name in several registries is offered once
					names = append(names, r.Name)
				}
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFileExt offers files with the given extensions (and directories)
// for the first limit arguments.
func completeFileExt(limit int, exts ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if limit > 0 && len(args) >= limit {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return exts, cobra.ShellCompDirectiveFilterFileExt
	}
}
