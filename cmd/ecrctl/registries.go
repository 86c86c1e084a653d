package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
)

// Verbs other than plan and apply (status, outputs, login) go over the
// registries of a run one after another: each is a few calls, and a
// registry that fails is reported while the others still are.

// registryRun is one registry of such a verb's run: the target, its client
// once connected, and why it failed.
type registryRun struct {
	Target *spec.Target
	Client ecrapi.API
	Region string // the client's region
	Err    error
}

// Key is "ACCOUNT/REGION", with "default" for what the spec leaves to the
// credentials and environment and is not known yet.
func (r *registryRun) Key() string {
	account, region := r.Target.Account, r.Region
	if account == "" {
		account = "default"
	}
	if region == "" {
		region = r.Target.Region
	}
	if region == "" {
		region = "default"
	}
	return account + "/" + region
}

// Role is the role ARN the registry is reached with, "" for the default
// credentials.
func (r *registryRun) Role() string {
	if r.Target.AssumeRole == nil {
		return ""
	}
	return r.Target.AssumeRole.RoleARN
}

// header introduces one registry's part of the output, as plan does:
// "=== Registry ACCOUNT/REGION as ROLE (FILES)".
func (r *registryRun) header() string {
	h := "=== Registry " + format.EscapeText(r.Key())
	if role := r.Role(); role != "" {
		h += " as " + format.EscapeText(role)
	}
	return h + " (" + format.EscapeText(strings.Join(r.Target.Sources, ", ")) + ")"
}

// connectEach connects to every target in order, and keeps going after a
// failure: the failed registry carries its error.
func connectEach(ctx context.Context, f *factory, g *globalOptions, ts []*spec.Target) []*registryRun {
	runs := make([]*registryRun, len(ts))
	for i, t := range ts {
		r := &registryRun{Target: t}
		r.Client, r.Region, r.Err = connectTarget(ctx, f, g, t)
		runs[i] = r
	}
	return runs
}

// failedRegistries is the error of a run in which some registries failed
// (each already reported): the command exits 1.
func failedRegistries(verb string, runs []*registryRun) error {
	var failed []string
	for _, r := range runs {
		if r.Err != nil {
			failed = append(failed, r.Key())
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%s failed for %s of %d (%s; reported above); the others are complete", verb,
		format.Count(len(failed), "registry", "registries"), len(runs), strings.Join(failed, ", "))
}
