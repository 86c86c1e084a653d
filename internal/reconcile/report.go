package reconcile

import (
	"fmt"
	"io"
	"strings"

	"github.com/ecrctl/ecrctl/internal/format"
)

// notStartedShown bounds the addresses an interrupted apply lists; plan
// shows the rest.
const notStartedShown = 10

// RenderApplyResult writes what apply did: each failure and what completed
// before it, and the changes an interrupt left unstarted, to log; the
// Terraform-style closing line to out. It reports whether everything was
// applied.
func RenderApplyResult(out, log io.Writer, res *Result) bool {
	for _, fl := range res.Failed {
		fmt.Fprintf(log, "Error: %s: %s\n", fl.Address, fl.Err)
		if len(fl.Done) > 0 {
			fmt.Fprintf(log, "  (completed before the failure: %s)\n", strings.Join(fl.Done, ", "))
		}
	}
	if len(res.NotStarted) > 0 {
		fmt.Fprintf(log, "Interrupted: %d not started: %s\n", len(res.NotStarted), format.List(res.NotStarted, notStartedShown))
	}
	complete := len(res.Failed) == 0 && len(res.NotStarted) == 0
	fmt.Fprintf(out, "\nApply %s! Resources: %d added, %d changed, %d destroyed.\n",
		map[bool]string{true: "complete", false: "incomplete"}[complete],
		res.Summary.Add, res.Summary.Change, res.Summary.Destroy)
	if !complete {
		fmt.Fprintf(log, "%d %s failed and %d did not start; run `ecrctl apply` again to converge the rest.\n",
			len(res.Failed), format.Plural(len(res.Failed), "change", "changes"), len(res.NotStarted))
	}
	return complete
}
