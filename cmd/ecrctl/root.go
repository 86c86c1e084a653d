package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
	"github.com/ecrctl/ecrctl/internal/format"
	"github.com/ecrctl/ecrctl/internal/reconcile"
	"github.com/ecrctl/ecrctl/internal/registryauth"
	"github.com/ecrctl/ecrctl/internal/spec"
	"github.com/ecrctl/ecrctl/internal/status"
)

// Exit codes, the whole documented set.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan --detailed-exitcode only
)

// exitCodeError carries a non-error exit code (2: changes present) up to main.
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errReported is returned when the command already printed its own error.
var errReported = errors.New("reported")

type globalOptions struct {
	// Files are the spec paths (-f, repeatable): files, directories of
	// *.yaml files, or - for stdin.
	Files       []string
	Region      string
	Profile     string
	EndpointURL string
	Parallelism int
	MaxRetries  int
	// RequestTimeout bounds each HTTP attempt (--request-timeout, else
	// ECRCTL_REQUEST_TIMEOUT).
	RequestTimeout time.Duration
	NoColor        bool
	// Writes is set by the verbs that write to ECR (apply, restore): the
	// others assume roles with a read-only session name (docs/iam.md).
	Writes bool
}

// requestTimeoutEnv sets --request-timeout where flags are awkward to add
// (a CI job that runs ecrctl through a wrapper script).
const requestTimeoutEnv = "ECRCTL_REQUEST_TIMEOUT"

// factory holds the command dependencies. The ECR client is built lazily, so
// --help and validate never load AWS credentials.
type factory struct {
	IO     *IOStreams
	NewECR func(ctx context.Context, o ecrapi.ClientOptions) (ecrapi.API, string, error)
	// Guard keeps the process alive while a replacement must not stop
	// (main's signal handling); nil in tests that need none.
	Guard reconcile.Guard
	// ReadBuildInfo is debug.ReadBuildInfo unless a test injects another.
	ReadBuildInfo func() (*debug.BuildInfo, bool)
	// ProgressDelay is how long status reads before it shows a progress
	// line on a terminal, so a fast run prints none.
	ProgressDelay time.Duration
}

// The factory's one client type serves every verb's narrower interface;
// the compiler checks it, so no verb asserts the client's type at run time.
var (
	_ status.API            = ecrapi.API(nil)
	_ registryauth.TokenAPI = ecrapi.API(nil)
)

func defaultFactory() *factory {
	return &factory{
		IO:            systemIO(),
		ProgressDelay: statusProgressDelay,
		NewECR: func(ctx context.Context, o ecrapi.ClientOptions) (ecrapi.API, string, error) {
			c, region, err := ecrapi.NewClient(ctx, o)
			if err != nil {
				return nil, "", err
			}
			return c, region, nil
		},
	}
}

func newRootCmd(f *factory) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "ecrctl",
		Short: "Reconcile AWS ECR repositories with registry.yaml",
		Long: `ecrctl keeps AWS ECR repositories as code. It reads registry.yaml, reads live
ECR (there is no state file), shows what would change, and converges.

Exit codes:
  0  success, or no changes
  1  error (nothing is written when the spec is invalid)
  2  changes present (plan --detailed-exitcode only)`,
		Example: `  ecrctl validate
  ecrctl plan
  ecrctl apply
  ecrctl plan --detailed-exitcode -o json > plan.json`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Flags are checked before anything is read or sent.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return g.check(cmd)
		},
	}
	// Set before the completion command is added: it keeps the stream it
	// is given then.
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	pf := root.PersistentFlags()
	pf.StringArrayVarP(&g.Files, "file", "f", []string{"registry.yaml"}, "spec file, or a directory of *.yaml and *.yml files; repeatable, files for several registries make one run; - reads one from stdin")
	pf.StringVar(&g.Region, "region", "", "AWS region (default: the spec's region, then AWS_REGION / profile)")
	pf.StringVar(&g.Profile, "profile", "", "AWS shared config profile (default: AWS_PROFILE)")
	pf.StringVar(&g.EndpointURL, "endpoint-url", "", "ECR endpoint URL, e.g. a local emulator (also AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL)")
	// 20: measured in bench/results.md, the largest value that keeps a plan
	// within 1.3x of the network bound; it halves a drift check against 10.
	pf.IntVar(&g.Parallelism, "parallelism", 20, "concurrent ECR calls, shared fairly by every registry of the run")
	pf.IntVar(&g.MaxRetries, "max-retries", 5, "retries of throttled or transient AWS errors, timeouts included, with adaptive backoff")
	pf.DurationVar(&g.RequestTimeout, "request-timeout", ecrapi.DefaultRequestTimeout, "time one HTTP attempt may take, connecting to reading the answer, before it is retried (also "+requestTimeoutEnv+")")
	pf.BoolVar(&g.NoColor, "no-color", false, "never colour output or rewrite progress lines (also NO_COLOR)")

	root.AddCommand(newValidateCmd(f, g), newPlanCmd(f, g), newApplyCmd(f, g), newVersionCmd(f))
	root.AddCommand(newImportCmd(f, g), newOutputsCmd(f, g))
	root.AddCommand(newStatusCmd(f, g), newLoginCmd(f, g))
	root.AddCommand(newLifecycleCmd(f, g), newRestoreCmd(f, g))
	root.AddCommand(newSchemaCmd(f))
	// cobra's completion command (bash, zsh, fish, powershell), added now
	// rather than at Execute so --help and docs/cli list it.
	root.InitDefaultCompletionCmd()
	describeCompletionCmd(root)
	_ = root.RegisterFlagCompletionFunc("file", completeFileExt(0, "yaml", "yml"))
	return root
}

// check validates the global flags, and takes ECRCTL_REQUEST_TIMEOUT when
// --request-timeout is not given.
func (g *globalOptions) check(cmd *cobra.Command) error {
	if v := os.Getenv(requestTimeoutEnv); v != "" && !cmd.Flags().Changed("request-timeout") {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s=%q is not a positive duration; use e.g. 30s or 2m", requestTimeoutEnv, v)
		}
		g.RequestTimeout = d
	}
	if g.RequestTimeout <= 0 {
		return fmt.Errorf("--request-timeout must be a positive duration such as 30s or 2m, got %s", g.RequestTimeout)
	}
	if g.MaxRetries < 0 {
		return fmt.Errorf("--max-retries must be 0 or more (0: no retries), got %d", g.MaxRetries)
	}
	if g.Parallelism < 1 {
		return fmt.Errorf("--parallelism must be at least 1, got %d", g.Parallelism)
	}
	if g.EndpointURL != "" {
		if err := checkEndpointURL(g.EndpointURL); err != nil {
			return err
		}
	}
	if slices.Contains(g.Files, "") {
		return errors.New("-f/--file must name a spec file, a directory of spec files, or - for stdin")
	}
	return nil
}

// checkEndpointURL accepts what the SDK can send to: an absolute http or
// https URL with a host. Anything else would only fail after every retry.
func checkEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != "" {
		return nil
	}
	return fmt.Errorf("--endpoint-url %q must be an absolute http:// or https:// URL with a host, e.g. http://localhost:5000 or https://api.ecr.us-west-2.amazonaws.com", raw)
}

// stdinPath as a file flag means stdin (or stdout).
const stdinPath = spec.StdinPath

// loadTargets loads the spec set (every -f path, merged per registry) and
// prints every problem; the caller exits 1.
func loadTargets(ctx context.Context, f *factory, paths []string) ([]*spec.Target, error) {
	if slices.Contains(paths, stdinPath) && f.IO.inTTY {
		fmt.Fprintln(f.IO.ErrOut, "Reading the spec from stdin; end it with Ctrl-D.")
	}
	ts, err := spec.LoadSetFrom(ctx, paths, f.IO.In)
	if err != nil {
		var ps spec.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", p.Error())
			}
			names := slices.Clone(paths)
			for i, p := range names {
				if p == stdinPath {
					names[i] = spec.StdinName
				}
			}
			fmt.Fprintf(f.IO.ErrOut, "%d %s in %s; nothing was sent to AWS.\n", len(ps), format.Plural(len(ps), "problem", "problems"), strings.Join(names, ", "))
			return nil, errReported
		}
		return nil, err
	}
	return ts, nil
}

// loadTarget loads the spec set of a verb that works on one registry.
func loadTarget(ctx context.Context, f *factory, g *globalOptions, verb string) (*spec.Target, error) {
	ts, err := loadTargets(ctx, f, g.Files)
	if err != nil {
		return nil, err
	}
	if len(ts) > 1 {
		return nil, fmt.Errorf("%s works on one registry, and the spec files give %d (%s); name the files of one registry with -f", verb, len(ts), describeTargets(ts))
	}
	return ts[0], nil
}

// describeTargets names each target by its account and region, for
// messages.
func describeTargets(ts []*spec.Target) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		account, region := t.Account, t.Region
		if account == "" {
			account = "default account"
		}
		if region == "" {
			region = "default region"
		}
		names[i] = account + "/" + region
	}
	return strings.Join(names, ", ")
}

// checkRegionFlag refuses a --region that contradicts a region the spec
// names, before anything is sent.
func checkRegionFlag(g *globalOptions, t *spec.Target) error {
	if g.Region != "" && t.Region != "" && g.Region != t.Region {
		return fmt.Errorf("--region %s contradicts region %s in %s; drop the flag or change the spec", g.Region, t.Region, strings.Join(t.Sources, ", "))
	}
	return nil
}

// connectTarget is the one place a target becomes a client: the region is
// the target's, else the flag's, else the SDK's chain; the credentials are
// the default chain's, or the target's assumeRole on top of them. A flag
// that contradicts the spec is an error.
func connectTarget(ctx context.Context, f *factory, g *globalOptions, t *spec.Target) (ecrapi.API, string, error) {
	if err := checkRegionFlag(g, t); err != nil {
		return nil, "", err
	}
	region := g.Region
	if t.Region != "" {
		region = t.Region
	}
	o := g.clientOptions(region)
	if r := t.AssumeRole; r != nil {
		where := t.Account
		if region != "" {
			where += "/" + region
		}
		o.AssumeRole = &ecrapi.AssumeRoleOptions{RoleARN: r.RoleARN, ExternalID: r.ExternalID, SessionName: r.SessionName, ReadOnly: !g.Writes,
			Account: t.Spec.Account, For: fmt.Sprintf("%s (%s)", strings.Join(t.Sources, ", "), where)}
	}
	return f.NewECR(ctx, o)
}

// clientOptions is the one place global flags become client options, so no
// verb can leave one out.
func (g *globalOptions) clientOptions(region string) ecrapi.ClientOptions {
	return ecrapi.ClientOptions{Region: region, Profile: g.Profile, EndpointURL: g.EndpointURL, MaxRetries: g.MaxRetries, RequestTimeout: g.RequestTimeout, Parallelism: g.Parallelism}
}
