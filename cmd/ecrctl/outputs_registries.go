package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecrctl/ecrctl/internal/outputs"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// runOutputsRegistries is outputs over several registries: JSON keyed by
// ACCOUNT/REGION, variables prefixed by region (and account). A registry
// that fails is reported and the others are still written; the command
// then exits 1.
func runOutputsRegistries(ctx context.Context, f *factory, g *globalOptions, o *outputsOptions, githubOutput string, ts []*spec.Target) error {
	runs := connectEach(ctx, f, g, ts)
	read := map[*registryRun]outputs.Registry{}
	var ok []*registryRun
	for _, r := range runs {
		if r.Err != nil {
			continue
		}
		var res *outputs.Result
		if res, r.Err = outputs.Read(ctx, r.Client, r.Target.Spec); r.Err == nil {
			account := r.Target.Account
			if len(res.Repositories) > 0 {
				account = res.Repositories[0].RegistryID
			}
			read[r] = outputs.Registry{Account: account, Region: r.Region, Result: res}
			ok = append(ok, r)
		}
	}
	// The JSON forms are keyed by ACCOUNT/REGION: two targets reaching one
	// registry are refused as plan refuses them, not written under one key.
	reconcile.RefuseSameRegistry(ok, "written", func(r *registryRun) reconcile.SameRegistryKey {
		reg := read[r]
		k := reconcile.SameRegistryKey{Sources: strings.Join(r.Target.Sources, ", "), Title: "account " + reg.Account + " in " + reg.Region}
		if reg.Account != "" {
			k.Key = reg.Key()
		}
		return k
	}, func(r *registryRun, err error) { r.Err = err })
	var regs []outputs.Registry
	for _, r := range runs {
		if r.Err != nil {
			fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", r.Key(), r.Err)
			continue
		}
		for _, name := range read[r].Result.Missing {
			fmt.Fprintf(f.IO.ErrOut, "Repository %q does not exist yet in %s, so it has no outputs; run `ecrctl apply`.\n", name, r.Key())
		}
		regs = append(regs, read[r])
	}
	var err error
	switch o.Format {
	case "json":
		err = outputs.WriteRegistriesJSON(f.IO.Out, regs)
	case "env":
		err = outputs.WriteRegistriesEnv(f.IO.Out, regs)
	default:
		err = outputs.AppendRegistriesGitHub(githubOutput, regs, f.IO.ErrOut)
	}
	if err != nil {
		return err
	}
	return failedRegistries("outputs", runs)
}
