package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/spec"
	"github.com/ecrctl/ecrctl/internal/status"
)

// registriesStatus is `status -o json` over several registries
// (docs/status-json.md): one entry per registry, each with the
// single-registry report, or the error that kept it from being read.
type registriesStatus struct {
	FormatVersion string           `json:"format_version"`
	Registries    []registryStatus `json:"registries"`
}

type registryStatus struct {
	Registry  string         `json:"registry"` // ACCOUNT/REGION
	Account   string         `json:"account"`
	Region    string         `json:"region"`
	Role      string         `json:"role,omitempty"`
	SpecFiles []string       `json:"spec_files"`
	Error     string         `json:"error,omitempty"`
	Status    *status.Report `json:"status"` // null when the registry failed
}

// selectPerTarget splits the repository names given on the command line
// among the targets that describe them. A name no target describes is an
// error before any call; with names given, a target describing none of them
// is left out.
func selectPerTarget(ts []*spec.Target, names []string) ([]*spec.Target, [][]string, error) {
	if len(names) == 0 {
		return ts, make([][]string, len(ts)), nil
	}
	var out []*spec.Target
	var only [][]string
	found := map[string]bool{}
	for _, t := range ts {
		var mine []string
		for _, n := range names {
			if slices.ContainsFunc(t.Spec.Repositories, func(r spec.Repository) bool { return r.Name == n }) {
				mine = append(mine, n)
				found[n] = true
			}
		}
		if len(mine) > 0 {
			out = append(out, t)
			only = append(only, mine)
		}
	}
	var missing []string
	for _, n := range names {
		if !found[n] {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%s %s not in any spec file of the run; status shows only repositories the specs describe", strings.Join(missing, ", "), format.Plural(len(missing), "is", "are"))
	}
	return out, only, nil
}

// runStatusRegistries is status over several registries: each registry's
// report in turn, under a header like plan's (text), or one object with an
// entry per registry (JSON). A registry that fails is reported and the
// others are still read; the command then exits 1.
func runStatusRegistries(ctx context.Context, f *factory, g *globalOptions, o *statusOptions, ts []*spec.Target) error {
	ts, only, err := selectPerTarget(ts, o.Repositories)
	if err != nil {
		return err
	}
	runs := connectEach(ctx, f, g, ts)
	out := registriesStatus{FormatVersion: status.FormatVersion, Registries: make([]registryStatus, len(runs))}
	for i, r := range runs {
		e := registryStatus{Role: r.Role(), SpecFiles: r.Target.Sources}
		if r.Err == nil {
			var rep *status.Report
			rep, r.Err = status.Collect(ctx, r.Client, r.Target.Spec, status.Options{
				Region: r.Region, Only: only[i], Parallelism: g.Parallelism,
				Findings: o.Findings, PricePerGBMonth: o.PricePerGBMonth,
			})
			if r.Err == nil {
				e.Status = rep
				for _, w := range rep.Warnings {
					fmt.Fprintf(f.IO.ErrOut, "Warning: %s: %s\n", r.Key(), w)
				}
				if rep.RegistryID != "" && r.Target.Account == "" {
					r.Target = withAccount(r.Target, rep.RegistryID)
				}
			}
		}
		e.Registry, e.Account, e.Region = r.Key(), r.Target.Account, r.Region
		if e.Region == "" {
			e.Region = r.Target.Region
		}
		if r.Err != nil {
			e.Error = r.Err.Error()
		}
		out.Registries[i] = e
		if o.Output == "json" {
			if r.Err != nil {
				fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", r.Key(), r.Err)
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(f.IO.Out)
		}
		fmt.Fprintln(f.IO.Out, r.header())
		fmt.Fprintln(f.IO.Out)
		if r.Err != nil {
			fmt.Fprintf(f.IO.Out, "Error: %s\n", format.EscapeText(r.Err.Error()))
			fmt.Fprintf(f.IO.ErrOut, "Error: %s: %s\n", r.Key(), r.Err)
			continue
		}
		if err := status.RenderText(f.IO.Out, e.Status); err != nil {
			return err
		}
	}
	if o.Output == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		writeStatusTotals(f, out.Registries)
	}
	return failedRegistries("status", runs)
}

// writeStatusTotals sums the registries' storage and cost in one line.
func writeStatusTotals(f *factory, regs []registryStatus) {
	var images, existing, read int
	var size int64
	var cost float64
	for _, e := range regs {
		if e.Status == nil {
			continue
		}
		read++
		t := e.Status.Totals
		images, existing, size, cost = images+t.Images, existing+t.Existing, size+t.SizeBytes, cost+t.EstimatedMonthlyCost
	}
	failed := ""
	if n := len(regs) - read; n > 0 {
		failed = fmt.Sprintf(" (%d could not be read)", n)
	}
	fmt.Fprintf(f.IO.Out, "\nTotal over %d %s%s: %d %s, %s in %d existing %s; estimated storage cost USD %.2f a month.\n",
		read, format.Plural(read, "registry", "registries"), failed, images, format.Plural(images, "image", "images"),
		format.Bytes(size), existing, format.Plural(existing, "repository", "repositories"), cost)
}

// withAccount is t with the account the registry turned out to be in (a
// target of the default identity), for keys and messages.
func withAccount(t *spec.Target, account string) *spec.Target {
	c := *t
	c.Account = account
	return &c
}
