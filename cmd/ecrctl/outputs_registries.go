package main

import (
	"context"
	"fmt"

	"github.com/ecrctl/ecrctl/internal/outputs"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// runOutputsRegistries is outputs over several registries: JSON keyed by
// ACCOUNT/REGION, variables prefixed by region (and account). A registry
// that fails is reported and the others are still written; the command
// then exits 1.
func runOutputsRegistries(ctx context.Context, f *factory, g *globalOptions, o *outputsOptions, githubOutput string, ts []*spec.Target) error {
	runs := connectEach(ctx, f, g, ts)
	var regs []outputs.Registry
	for _, r := range runs {
		if r.Err == nil {
			var res *outputs.Result
			if res, r.Err = outputs.Read(ctx, r.Client, r.Target.Spec); r.Err == nil {
				account := r.Target.Account
				if len(res.Repositories) > 0 {
					account = res.Repositories[0].RegistryID
				}
				for _, name := range res.Missing {
					fmt.Fprintf(f.IO.ErrOut, "Repository %q does not exist yet in %s, so it has no outputs; run `ecrctl apply`.\n", name, r.Key())
				}
				regs = append(regs, outputs.Registry{Account: account, Region: r.Region, Result: res})
				continue
			}
		}
		fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", r.Key(), r.Err)
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
