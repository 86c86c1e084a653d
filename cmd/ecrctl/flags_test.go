package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Every bad flag is refused before the spec is read or AWS is called, with
// a message that names the flag and what it accepts.
func TestBadFlagsAreRefusedBeforeAnyAWSCall(t *testing.T) {
	tests := []struct {
		name string
		env  string // ECRCTL_REQUEST_TIMEOUT
		args []string
		want string
	}{
		{"price NaN", "", []string{"plan", "--price-per-gb-month", "NaN"}, "--price-per-gb-month must be a finite number of USD, 0 or more (e.g. 0.10), got NaN"},
		{"price Inf", "", []string{"plan", "--price-per-gb-month", "Inf"}, "--price-per-gb-month must be a finite number of USD, 0 or more (e.g. 0.10), got +Inf"},
		{"price -Inf", "", []string{"status", "--price-per-gb-month", "-Inf"}, "--price-per-gb-month must be a finite number of USD, 0 or more (e.g. 0.10), got -Inf"},
		{"price NaN in status", "", []string{"status", "--price-per-gb-month", "nan"}, "--price-per-gb-month must be a finite number of USD, 0 or more (e.g. 0.10), got NaN"},
		{"negative price", "", []string{"plan", "--price-per-gb-month", "-0.5"}, "--price-per-gb-month must be a finite number of USD, 0 or more (e.g. 0.10), got -0.5"},
		{"negative retries", "", []string{"plan", "--max-retries", "-3"}, "--max-retries must be 0 or more (0: no retries), got -3"},
		{"negative retries, even for validate", "", []string{"validate", "--max-retries", "-3"}, "--max-retries must be 0 or more"},
		{"zero parallelism", "", []string{"apply", "--auto-approve", "--parallelism", "0"}, "--parallelism must be at least 1, got 0"},
		{"endpoint not a URL", "", []string{"plan", "--endpoint-url", "not-a-url"}, `--endpoint-url "not-a-url" must be an absolute http:// or https:// URL with a host`},
		{"endpoint ftp", "", []string{"plan", "--endpoint-url", "ftp://example.com"}, `--endpoint-url "ftp://example.com" must be an absolute http:// or https:// URL with a host`},
		{"endpoint without a host", "", []string{"status", "--endpoint-url", "http://"}, `--endpoint-url "http://" must be an absolute`},
		{"endpoint without a scheme", "", []string{"import", "--endpoint-url", "localhost:4566"}, `--endpoint-url "localhost:4566" must be an absolute`},
		{"zero request timeout", "", []string{"plan", "--request-timeout", "0s"}, "--request-timeout must be a positive duration such as 30s or 2m, got 0s"},
		{"negative request timeout", "", []string{"plan", "--request-timeout", "-5s"}, "--request-timeout must be a positive duration such as 30s or 2m, got -5s"},
		{"bad request timeout env", "soon", []string{"plan"}, `ECRCTL_REQUEST_TIMEOUT="soon" is not a positive duration; use e.g. 30s or 2m`},
		{"empty spec path", "", []string{"plan", "-f", ""}, "-f/--file must name a spec file, a directory of spec files, or - for stdin"},
		{"saved plan to stdout", "", []string{"plan", "--out", "-"}, "--out - : a saved plan must be a file"},
		{"summary to stdout", "", []string{"plan", "--summary-file", "-"}, "--summary-file - : the summary must be a file"},
		{"saved plan of a spec from stdin", "", []string{"plan", "-f", "-", "--out", "plan.json"}, "--out with -f - : apply re-reads the spec"},
		{"apply a plan from stdin", "", []string{"apply", "-"}, "apply - : a saved plan must be a file"},
		{"apply a saved plan with the spec from stdin", "", []string{"apply", "plan.json", "-f", "-"}, "apply PLAN_FILE with -f - : a saved plan is checked against the spec it was made from"},
		{"apply a spec from stdin without --auto-approve", "", []string{"apply", "-f", "-"}, "apply -f - reads the spec from stdin, so stdin cannot answer the confirmation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(requestTimeoutEnv, tt.env)
			h := newHarness(t, testSpec)
			code, out, errOut := h.run(testSpec, false, tt.args...)
			if code != exitError || !strings.Contains(errOut, tt.want) {
				t.Errorf("%v = exit %d, stderr %q\nwant exit 1 and %q", tt.args, code, errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if h.connected != 0 {
				t.Error("a bad flag still connected to AWS")
			}
		})
	}
}

// Good values of the same flags pass the checks.
func TestGoodFlagsAreAccepted(t *testing.T) {
	t.Setenv(requestTimeoutEnv, "45s")
	h := newHarness(t, testSpec)
	for _, args := range [][]string{
		{"plan", "--price-per-gb-month", "0", "--max-retries", "0", "--endpoint-url", "http://localhost:4566", "--request-timeout", "2s"},
		{"status", "--price-per-gb-month", "0.023", "--endpoint-url", "https://api.ecr.us-west-2.amazonaws.com/"},
	} {
		if code, _, errOut := h.run("", false, args...); code != exitOK {
			t.Errorf("%v = exit %d, stderr %q", args, code, errOut)
		}
	}
	if h.connected != 2 {
		t.Errorf("connected %d times, want 2", h.connected)
	}
}

// -f - reads the spec from stdin; problems are reported as <stdin>:line:col.
func TestSpecFromStdin(t *testing.T) {
	h := newHarness(t, "")
	if err := os.Remove(filepath.Join(h.dir, "registry.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run(testSpec, false, "validate", "-f", "-")
	if code != exitOK || !strings.Contains(out, "<stdin> is valid: 2 repositories.") {
		t.Errorf("validate -f - = %d, stdout %q, stderr %q", code, out, errOut)
	}

	bad := strings.Replace(testSpec, "name: app-frontend", "name: App_Frontend", 1)
	code, _, errOut = h.run(bad, false, "validate", "-f", "-")
	if code != exitError || !strings.Contains(errOut, "Error: <stdin>:8:11: repositories[0].name: ") || !strings.Contains(errOut, "1 problem in <stdin>; nothing was sent to AWS.") {
		t.Errorf("validate -f - of a bad spec = %d, stderr %q", code, errOut)
	}

	code, out, errOut = h.run(testSpec, false, "apply", "-f", "-", "--auto-approve")
	if code != exitOK || !strings.Contains(out, "Apply complete! Resources: 2 added") {
		t.Errorf("apply -f - --auto-approve = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = h.run(testSpec, false, "plan", "-f", "-", "--detailed-exitcode")
	if code != exitOK || !strings.Contains(out, "No changes.") {
		t.Errorf("plan -f - after apply = %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// import -o - writes the spec to stdout, like import without -o, and
// never creates a file named "-".
func TestImportToStdoutWithDash(t *testing.T) {
	h := newHarness(t, testSpec)
	seedRepo(t, h, "legacy/api", types.ImageTagMutabilityImmutable, untaggedPolicy)
	code, out, errOut := h.run("", false, "import", "-o", "-")
	if code != exitOK || !strings.Contains(out, "  - name: legacy/api\n") {
		t.Errorf("import -o - = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "-")); err == nil {
		t.Error(`import -o - created a file named "-"`)
	}
	code, out, errOut = h.run(out, false, "validate", "-f", "-")
	if code != exitOK || !strings.Contains(out, "<stdin> is valid: 1 repository.") {
		t.Errorf("validate -f - of the imported spec = %d, stdout %q, stderr %q", code, out, errOut)
	}
}
