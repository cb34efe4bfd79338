package record

import (
	"slices"
	"strconv"
	"strings"

	"github.com/launchplane/launchplane/internal/canonical"
)

// Runtime key-safety secret classes (records.md §2.3).
const (
	SecretClassProdOnly   = "prod_only"
	SecretClassTesting    = "testing"
	SecretClassPreview    = "preview"
	SecretClassNonProd    = "non_prod"
	SecretClassSharedSafe = "shared_safe"
)

// SecretClasses lists every secret class.
var SecretClasses = []string{SecretClassProdOnly, SecretClassTesting, SecretClassPreview, SecretClassNonProd, SecretClassSharedSafe}

// RuntimeSecretSafetyRule classifies one managed secret binding key and
// optionally restricts the contexts and instances it may be delivered to
// (empty lists allow all).
type RuntimeSecretSafetyRule struct {
	BindingKey       string   `json:"binding_key"`
	SecretClass      string   `json:"secret_class"`
	AllowedContexts  []string `json:"allowed_contexts"`
	AllowedInstances []string `json:"allowed_instances"`
	Description      string   `json:"description"`
}

// RuntimeKeySafetyPolicy is one stored version of the runtime key-safety
// policy (records.md §2.3, upstream's RuntimeKeySafetyPolicyRecord). The
// newest active record is the policy in force. policy_sha256 is not part of
// the payload (upstream computes it); PolicySHA256 derives it.
type RuntimeKeySafetyPolicy struct {
	SchemaVersion int                       `json:"schema_version"`
	RecordID      string                    `json:"record_id"`
	Status        string                    `json:"status"`
	Source        string                    `json:"source"`
	UpdatedAt     string                    `json:"updated_at"`
	Rules         []RuntimeSecretSafetyRule `json:"rules"`
}

// DecodeRuntimeKeySafetyPolicy strictly decodes and validates a policy record.
func DecodeRuntimeKeySafetyPolicy(data []byte) (RuntimeKeySafetyPolicy, error) {
	return decode[RuntimeKeySafetyPolicy](data, true)
}

func (*RuntimeKeySafetyPolicy) kind() string { return "runtime key-safety policy" }

func (p *RuntimeKeySafetyPolicy) setDefaults() {
	*p = RuntimeKeySafetyPolicy{SchemaVersion: 1, Status: PolicyActive}
}

// PolicySHA256 is SHA-256 of the canonical JSON (sorted keys, compact) of
// the record without record_id, source and updated_at: that is, of
// {schema_version, status, rules}. Call it on a validated record.
func (p RuntimeKeySafetyPolicy) PolicySHA256() (string, error) {
	body, err := canonical.JSON(struct {
		SchemaVersion int                       `json:"schema_version"`
		Status        string                    `json:"status"`
		Rules         []RuntimeSecretSafetyRule `json:"rules"`
	}{p.SchemaVersion, p.Status, nonNil(p.Rules)})
	if err != nil {
		return "", err
	}
	return canonical.SHA256(body), nil
}

// Validate normalizes p in place (trimmed strings, de-duplicated scope
// lists, [] for empty lists) and checks every invariant: at least one rule,
// unique binding keys, known secret classes, no blank scope values.
func (p *RuntimeKeySafetyPolicy) Validate() error {
	c := newChecker("runtime key-safety policy")
	c.schemaVersion("schema_version", p.SchemaVersion)
	c.required("record_id", &p.RecordID)
	c.oneOf("status", p.Status, PolicyActive, PolicySuperseded)
	c.required("source", &p.Source)
	c.timestamp("updated_at", &p.UpdatedAt, true)
	p.Rules = nonNil(p.Rules)
	c.checkSafetyRules("rules", p.Rules)
	return c.err()
}

// ValidateRuntimeSecretSafetyRules normalizes rules in place and checks
// them as a policy's rules are checked (errors wrap ErrInvalid).
func ValidateRuntimeSecretSafetyRules(rules []RuntimeSecretSafetyRule) error {
	c := newChecker("runtime key-safety rules")
	c.checkSafetyRules("rules", rules)
	return c.err()
}

func (c *checker) checkSafetyRules(field string, rules []RuntimeSecretSafetyRule) {
	if len(rules) == 0 {
		c.add(field, "must hold at least one rule")
	}
	seen := map[string]bool{}
	for i := range rules {
		r := &rules[i]
		path := field + "[" + strconv.Itoa(i) + "]"
		c.required(path+".binding_key", &r.BindingKey)
		if r.BindingKey != "" {
			if seen[r.BindingKey] {
				c.add(path+".binding_key", "must be unique across rules")
			}
			seen[r.BindingKey] = true
		}
		r.SecretClass = strings.TrimSpace(r.SecretClass)
		c.oneOf(path+".secret_class", r.SecretClass, SecretClasses...)
		r.AllowedContexts = c.uniqueValues(path+".allowed_contexts", r.AllowedContexts)
		r.AllowedInstances = c.uniqueValues(path+".allowed_instances", r.AllowedInstances)
		r.Description = strings.TrimSpace(r.Description)
	}
}

// uniqueValues trims, refuses blanks and drops repeats, keeping order.
func (c *checker) uniqueValues(field string, values []string) []string {
	out := []string{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			c.add(field, "values must not be blank")
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
