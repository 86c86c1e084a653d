package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// AssumeRole is the role ecrctl assumes (sts:AssumeRole, on top of the
// default credential chain) to read and write one file's registry. Compare
// two with ==: every field is part of what the credentials are.
type AssumeRole struct {
	RoleARN     string
	ExternalID  string // "" = none sent
	SessionName string // "" = ecrctl picks one
}

// Account is the account the role lives in, and so the account whose
// registry its credentials reach; "" for an ARN that did not validate.
func (a *AssumeRole) Account() string {
	if m := roleARNRE.FindStringSubmatch(a.RoleARN); m != nil {
		return m[2]
	}
	return ""
}

// rawAssumeRole is the mapping form of assumeRole:. The string form is the
// role ARN alone.
type rawAssumeRole struct {
	RoleArn     string `yaml:"roleArn"`
	ExternalID  string `yaml:"externalId"`
	SessionName string `yaml:"sessionName"`
}

var rawAssumeRoleType = reflect.TypeOf(rawAssumeRole{})

var (
	// An IAM role ARN: partition, no region, the 12-digit account, then
	// role/ with an optional path (segments of printable ASCII) and the
	// role name (IAM's 64-character name alphabet).
	roleARNRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/(?:[\x21-\x2E\x30-\x7E]+/)*[\w+=,.@-]{1,64}$`)
	// STS AssumeRole's ExternalId and RoleSessionName patterns and lengths
	// (RE2 repeats at most 1000 times: the external id's length is checked
	// apart).
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// assumeRole interprets assumeRole: (a role ARN, or {roleArn, externalId,
// sessionName}) and checks it against account:. n is nil when the key is
// absent; a null is reported by check.
func (l *loader) assumeRole(n *yaml.Node, f *File, root *yaml.Node) {
	if n == nil || isNull(n) {
		return
	}
	var raw rawAssumeRole
	arnNode := n
	switch n.Kind {
	case yaml.ScalarNode:
		raw.RoleArn = n.Value
	case yaml.MappingNode:
		before := l.reported
		l.check(n, rawAssumeRoleType, "assumeRole")
		if l.reported > before {
			return
		}
		if err := decode(n, &raw); err != nil {
			l.decodeError(err, n, "assumeRole")
			return
		}
		if arnNode = child(n, "roleArn"); arnNode == nil {
			l.add(n, "assumeRole.roleArn", "missing; give the ARN of the role to assume, e.g. arn:aws:iam::111122223333:role/ecrctl")
			return
		}
	default:
		l.add(n, "assumeRole", "must be a role ARN or a mapping {roleArn, externalId, sessionName}, got "+describeNode(n))
		return
	}
	arnField := "assumeRole"
	if n.Kind == yaml.MappingNode {
		arnField = "assumeRole.roleArn"
	}
	ok := true
	if !roleARNRE.MatchString(raw.RoleArn) {
		l.add(arnNode, arnField, fmt.Sprintf("%q is not an IAM role ARN like arn:aws:iam::111122223333:role/ecrctl (partition aws, aws-cn or aws-us-gov, a 12-digit account, role/ with an optional path)", raw.RoleArn))
		ok = false
	}
	if en := child(n, "externalId"); en != nil && (len(raw.ExternalID) < 2 || len(raw.ExternalID) > 1224 || !externalIDRE.MatchString(raw.ExternalID)) {
		l.add(en, "assumeRole.externalId", fmt.Sprintf("%q is not a valid external id: 2 to 1224 characters of letters, digits and _ + = , . @ : / -", raw.ExternalID))
		ok = false
	}
	if sn := child(n, "sessionName"); sn != nil && !sessionNameRE.MatchString(raw.SessionName) {
		l.add(sn, "assumeRole.sessionName", fmt.Sprintf("%q is not a valid session name: 2 to 64 characters of letters, digits and _ + = , . @ -", raw.SessionName))
		ok = false
	}
	if !ok {
		return
	}
	role := &AssumeRole{RoleARN: raw.RoleArn, ExternalID: raw.ExternalID, SessionName: raw.SessionName}
	if acct := role.Account(); f.Account != "" && accountIDRE.MatchString(f.Account) && acct != f.Account {
		l.add(arnNode, arnField, fmt.Sprintf(
			"role %s is in account %s but account: (line %d) is %s; ECR writes to the registry of the account the role is in, so they must agree: fix the role ARN, or fix account: if it names the wrong account",
			role.RoleARN, acct, child(root, "account").Line, f.Account))
		return
	}
	f.AssumeRole = role
	l.meta.assumeRoleLine = keyLine(root, "assumeRole")
}

// keyLine is the line of key in mapping n (merge keys honoured), where
// a message about the whole value points; 0 when absent.
func keyLine(n *yaml.Node, key string) int {
	for _, p := range pairs(n) {
		if p.k.Value == key {
			return p.k.Line
		}
	}
	return 0
}

// regions interprets regions:, the list form of region:. n is nil when the
// key is absent; a null is reported by check.
func (l *loader) regions(n *yaml.Node, list []string, f *File, root *yaml.Node) {
	if n == nil || isNull(n) {
		return
	}
	if rn := child(root, "region"); rn != nil && !isNull(rn) {
		l.add(n, "regions", fmt.Sprintf("region: (line %d) and regions: are both set; keep one (regions: [%s] for several)", rn.Line, f.Region))
		return
	}
	if len(list) == 0 {
		l.add(n, "regions", "is empty; list at least one region, e.g. [us-west-2], or remove the key")
		return
	}
	ok := true
	first := map[string]int{}
	for i, r := range list {
		at := child(n, "["+strconv.Itoa(i)+"]")
		if at == nil {
			at = n
		}
		field := fmt.Sprintf("regions[%d]", i)
		switch prev, dup := first[r]; {
		case !regionRE.MatchString(r):
			l.add(at, field, fmt.Sprintf("%q is not an AWS region name like us-west-2", r))
			ok = false
		case dup:
			l.add(at, field, fmt.Sprintf("%s is listed twice (first at line %d); list each region once", r, prev))
			ok = false
		default:
			first[r] = at.Line
		}
	}
	if ok {
		f.Regions = slices.Clone(list)
	}
}

// replicationToOwnRegion reports a replication destination that is one of
// the file's regions: (in this account): the registry: section applies to
// every region of the file, so that region's registry would replicate to
// itself, which ECR rejects. Replicating between the file's regions takes
// one file per region, each with its own registry: section.
func (l *loader) replicationToOwnRegion(root *yaml.Node, f *File) {
	if f.Regions == nil || f.Registry == nil || f.Registry.Replication == nil {
		return
	}
	regionsLine := child(root, "regions").Line
	rules := nodeAt(root, "registry.replication.rules")
	for i, rule := range f.Registry.Replication.Rules {
		for j, d := range rule.Destinations {
			if !slices.Contains(f.Regions, d.Region) || d.Account != "" && d.Account != targetAccount(f) {
				continue
			}
			path := fmt.Sprintf("[%d].destinations[%d].region", i, j)
			l.add(nodeAt(rules, path), "registry.replication.rules"+path, fmt.Sprintf(
				"%s is one of this file's regions (regions:, line %d), and the registry: section applies to each of them: the %s registry would replicate to itself, which ECR rejects; to replicate between these regions, give each region its own file with its own registry: section",
				d.Region, regionsLine, d.Region))
		}
	}
}
