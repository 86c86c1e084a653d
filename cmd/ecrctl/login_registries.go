package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ecrctl/ecrctl/internal/registryauth"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// registryFlagRE is --registry's form: ACCOUNT/REGION.
var registryFlagRE = regexp.MustCompile(`^[0-9]{12}/[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// checkRegistryFlag refuses a malformed --registry before anything is read.
func checkRegistryFlag(v string) error {
	if v != "" && !registryFlagRE.MatchString(v) {
		return fmt.Errorf("--registry %q must be ACCOUNT/REGION, e.g. 111122223333/us-west-2", v)
	}
	return nil
}

// pickRegistry narrows the run's targets to the one --registry names. A
// target whose account or region the spec leaves to the credentials or
// environment cannot be matched before connecting: it is kept, and
// matched on the token's registry.
func pickRegistry(ts []*spec.Target, want string) []*spec.Target {
	if want == "" {
		return ts
	}
	account, region, _ := strings.Cut(want, "/")
	var out []*spec.Target
	for _, t := range ts {
		if (t.Account == "" || t.Account == account) && (t.Region == "" || t.Region == region) {
			out = append(out, t)
		}
	}
	return out
}

// tokenRegistry is ACCOUNT/REGION of a token's registry host
// (ACCOUNT.dkr.ecr.REGION.amazonaws.com).
func tokenRegistry(host string) string {
	parts := strings.Split(host, ".")
	if len(parts) < 4 {
		return host
	}
	return parts[0] + "/" + parts[3]
}

// runLoginRegistries logs Docker in to every registry of the run, or to
// the one --registry names; --print needs exactly one. A registry that
// fails is reported and the others are still logged in to; the command
// then exits 1.
func runLoginRegistries(ctx context.Context, f *factory, g *globalOptions, o *loginOptions, docker string, ts []*spec.Target) error {
	all := ts
	ts = pickRegistry(ts, o.Registry)
	if len(ts) == 0 {
		return fmt.Errorf("--registry %s is none of the run's registries (%s); name one of them, or drop the flag to log in to all", o.Registry, describeTargets(all))
	}
	if o.Print && len(ts) > 1 && o.Registry == "" {
		return fmt.Errorf("--print writes one password, and the spec files name %d registries (%s); choose one with --registry ACCOUNT/REGION", len(ts), describeTargets(ts))
	}
	runs := connectEach(ctx, f, g, ts)
	var done []*registryRun
	var chosen []*registryauth.Credentials
	for _, r := range runs {
		if r.Err != nil {
			fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", r.Key(), r.Err)
			continue
		}
		creds, err := registryauth.Get(ctx, r.Client)
		if err == nil {
			err = creds.CheckAccount(r.Target.Account, strings.Join(r.Target.Sources, ", "))
		}
		if err != nil {
			r.Err = err
			fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", r.Key(), r.Err)
			continue
		}
		if o.Registry != "" && tokenRegistry(creds.Registry) != o.Registry {
			continue // a target of the default identity that is another registry
		}
		done = append(done, r)
		chosen = append(chosen, creds)
	}
	if err := failedRegistries("login", runs); err != nil && len(chosen) == 0 {
		return err
	}
	if o.Registry != "" && len(chosen) == 0 {
		return fmt.Errorf("--registry %s is none of the run's registries (%s)", o.Registry, describeTargets(all))
	}
	if o.Print {
		if len(chosen) != 1 {
			return fmt.Errorf("--print writes one password, and %d registries matched; choose one with --registry ACCOUNT/REGION", len(chosen))
		}
		if err := chosen[0].Print(f.IO.Out, f.IO.ErrOut); err != nil {
			return err
		}
		return failedRegistries("login", runs)
	}
	for i, creds := range chosen {
		if err := creds.DockerLogin(ctx, docker, f.IO.ErrOut); err != nil {
			done[i].Err = err
			fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", done[i].Key(), err)
		}
	}
	return failedRegistries("login", runs)
}
