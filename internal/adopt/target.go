package adopt

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecrctl/ecrctl/internal/spec"
)

// Retarget rewrites the head of a spec Import wrote for one region, so the
// file addresses its registry the way the run that imported it did: with
// several regions, `region:` becomes `regions: [...]` (the same repositories
// and settings in each); with a role, `assumeRole:` follows `account:`.
// Nothing below the head changes, so two regions' specs are equal after
// Retarget exactly when their registries hold the same.
func Retarget(text []byte, regions []string, role *spec.AssumeRole) []byte {
	lines := strings.SplitAfter(string(text), "\n")
	// The role goes after account: (Import writes it whenever the registry
	// holds a repository), else after version:.
	after := "version: "
	for _, l := range lines {
		if strings.HasPrefix(l, "account: ") {
			after = "account: "
		}
	}
	var out bytes.Buffer
	placed := role == nil
	for _, l := range lines {
		switch {
		case len(regions) > 1 && strings.HasPrefix(l, "# Written by `ecrctl import` from registry "):
			if at := strings.LastIndex(l, " in "); at >= 0 {
				if colon := strings.Index(l[at:], ":"); colon >= 0 {
					l = l[:at] + " in " + strings.Join(regions, ", ") + l[at+colon:]
				}
			}
		case len(regions) > 1 && strings.HasPrefix(l, "region: "):
			l = "regions: [" + strings.Join(regions, ", ") + "]\n"
		}
		out.WriteString(l)
		if !placed && strings.HasPrefix(l, after) {
			out.WriteString(roleLine(role))
			placed = true
		}
	}
	return out.Bytes()
}

// roleLine is assumeRole: as the spec reads it: the ARN alone, or the
// mapping when an external id or session name goes with it.
func roleLine(r *spec.AssumeRole) string {
	if r.ExternalID == "" && r.SessionName == "" {
		return "assumeRole: " + strconv.Quote(r.RoleARN) + "\n"
	}
	fields := []string{"roleArn: " + strconv.Quote(r.RoleARN)}
	if r.ExternalID != "" {
		fields = append(fields, "externalId: "+strconv.Quote(r.ExternalID))
	}
	if r.SessionName != "" {
		fields = append(fields, "sessionName: "+strconv.Quote(r.SessionName))
	}
	return fmt.Sprintf("assumeRole: {%s}\n", strings.Join(fields, ", "))
}
