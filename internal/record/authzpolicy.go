package record

import (
	"encoding/json"
	"regexp"

	"github.com/launchplane/launchplane/internal/canonical"
)

// Authz policy record statuses.
const (
	PolicyActive     = "active"
	PolicySuperseded = "superseded"
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// AuthzPolicyRecord is one stored version of the authorization policy. The
// policy body is kept as JSON here; internal/authz owns its model. The
// newest active record is the policy in force.
type AuthzPolicyRecord struct {
	RecordID     string          `json:"record_id"`
	Status       string          `json:"status"`
	Source       string          `json:"source"`
	UpdatedAt    string          `json:"updated_at"`
	PolicySHA256 string          `json:"policy_sha256"`
	Policy       json.RawMessage `json:"policy"`
	Audit        json.RawMessage `json:"audit,omitempty"`
}

// DecodeAuthzPolicyRecord strictly decodes and validates a policy record.
func DecodeAuthzPolicyRecord(data []byte) (AuthzPolicyRecord, error) {
	return decode[AuthzPolicyRecord](data, true)
}

func (*AuthzPolicyRecord) kind() string { return "authz policy record" }

func (p *AuthzPolicyRecord) setDefaults() { *p = AuthzPolicyRecord{} }

// PolicySHA256 hashes a policy body the way records state it: SHA-256 of
// its canonical JSON.
func PolicySHA256(policy json.RawMessage) (string, error) {
	norm, err := canonical.Normalize(policy)
	if err != nil {
		return "", err
	}
	return canonical.SHA256(norm), nil
}

// Validate normalizes p in place and checks every invariant, including that
// policy_sha256 is the hash of the policy.
func (p *AuthzPolicyRecord) Validate() error {
	c := newChecker("authz policy record")
	c.required("record_id", &p.RecordID)
	c.oneOf("status", p.Status, PolicyActive, PolicySuperseded)
	c.required("source", &p.Source)
	c.timestamp("updated_at", &p.UpdatedAt, true)
	if len(p.Policy) == 0 || p.Policy[0] != '{' {
		c.add("policy", "must be a JSON object")
	} else if norm, err := canonical.Normalize(p.Policy); err != nil {
		c.add("policy", "is not valid JSON")
	} else {
		p.Policy = norm
		if want := canonical.SHA256(norm); p.PolicySHA256 != want {
			c.add("policy_sha256", "does not match the policy (want %s)", want)
		}
	}
	if !sha256Hex.MatchString(p.PolicySHA256) {
		c.add("policy_sha256", "must be 64 lowercase hex characters")
	}
	if len(p.Audit) > 0 {
		if norm, err := canonical.Normalize(p.Audit); err != nil || norm[0] != '{' {
			c.add("audit", "must be a JSON object")
		} else {
			p.Audit = norm
		}
	}
	return c.err()
}
