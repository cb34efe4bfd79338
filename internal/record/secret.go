package record

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/launchplane/launchplane/internal/secrets/crypto"
)

// Managed secret scopes (records.md §2.3).
const (
	SecretScopeGlobal          = "global"
	SecretScopeContext         = "context"
	SecretScopeContextInstance = "context_instance"
)

// Managed secret and binding statuses.
const (
	SecretStatusConfigured = "configured"
	SecretStatusDisabled   = "disabled"
)

// SecretPolicyWriteOnly is the only secret policy: values go in, never out
// through a read surface.
const SecretPolicyWriteOnly = "write_only"

// SecretBindingTypeEnv is the only binding type: the secret is exposed under
// an environment key.
const SecretBindingTypeEnv = "env"

// Secret audit event types.
const (
	SecretEventCreated    = "created"
	SecretEventRotated    = "rotated"
	SecretEventImported   = "imported"
	SecretEventValidated  = "validated"
	SecretEventDisabled   = "disabled"
	SecretEventRelabelled = "relabelled"
)

// IntegrationRuntimeEnvironment names the secrets overlaid on resolved
// runtime environments.
const IntegrationRuntimeEnvironment = "runtime_environment"

// SecretScopeRank orders scopes from least to most specific; unknown
// scopes rank -1.
func SecretScopeRank(scope string) int {
	switch scope {
	case SecretScopeGlobal:
		return 0
	case SecretScopeContext:
		return 1
	case SecretScopeContextInstance:
		return 2
	}
	return -1
}

// SecretSlug is the secret-id variant of slug (records.md §1.2): lowercase
// ASCII letters and digits, every other run becomes one "-", no leading or
// trailing "-", and "secret" when nothing is left.
func SecretSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "secret"
	}
	return b.String()
}

// SecretID derives a secret's id from its tuple:
// secret-<integration>-<name>[-<context>][-<instance>], each part slugged.
func SecretID(integration, name, context, instance string) string {
	id := "secret-" + SecretSlug(integration) + "-" + SecretSlug(name)
	if strings.TrimSpace(context) != "" {
		id += "-" + SecretSlug(context)
	}
	if strings.TrimSpace(instance) != "" {
		id += "-" + SecretSlug(instance)
	}
	return id
}

// SecretBindingID derives a binding's id: <secret_id>-binding-<slug key>.
func SecretBindingID(secretID, bindingKey string) string {
	return secretID + "-binding-" + SecretSlug(bindingKey)
}

// NewSecretVersionID returns <secret_id>-version-<12 random hex>.
func NewSecretVersionID(secretID string, rand io.Reader) (string, error) {
	suffix, err := randomHex12(rand)
	if err != nil {
		return "", fmt.Errorf("new secret version id: %w", err)
	}
	return secretID + "-version-" + suffix, nil
}

// NewSecretAuditEventID returns <secret_id>-event-<slug type>-<12 random hex>.
func NewSecretAuditEventID(secretID, eventType string, rand io.Reader) (string, error) {
	suffix, err := randomHex12(rand)
	if err != nil {
		return "", fmt.Errorf("new secret audit event id: %w", err)
	}
	return secretID + "-event-" + SecretSlug(eventType) + "-" + suffix, nil
}

func randomHex12(rand io.Reader) (string, error) {
	if rand == nil {
		return "", fmt.Errorf("no random source")
	}
	var b [6]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// CheckSecretScope reports whether context and instance fit scope:
// global sets neither, context needs a context and no instance,
// context_instance needs both. Errors wrap ErrInvalid.
func CheckSecretScope(scope, context, instance string) error {
	c := newChecker("secret scope")
	checkSecretScope(c, scope, strings.TrimSpace(context), strings.TrimSpace(instance))
	return c.err()
}

func checkSecretScope(c *checker, scope, context, instance string) {
	switch scope {
	case SecretScopeGlobal:
		if context != "" {
			c.add("context", "must be empty for scope global")
		}
		if instance != "" {
			c.add("instance", "must be empty for scope global")
		}
	case SecretScopeContext:
		if context == "" {
			c.add("context", "is required for scope context")
		}
		if instance != "" {
			c.add("instance", "must be empty for scope context (only context_instance sets an instance)")
		}
	case SecretScopeContextInstance:
		if context == "" {
			c.add("context", "is required for scope context_instance")
		}
		if instance == "" {
			c.add("instance", "is required for scope context_instance")
		}
	default:
		c.oneOf("scope", scope, SecretScopeGlobal, SecretScopeContext, SecretScopeContextInstance)
	}
}

// SecretRecord is a managed secret's current state. It never holds a value:
// current_version_id points at the encrypted SecretVersion in force.
type SecretRecord struct {
	SecretID         string `json:"secret_id"`
	Scope            string `json:"scope"`
	Integration      string `json:"integration"`
	Name             string `json:"name"`
	Context          string `json:"context"`
	Instance         string `json:"instance"`
	Status           string `json:"status"`
	CurrentVersionID string `json:"current_version_id"`
	Description      string `json:"description"`
	Policy           string `json:"policy"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
	LastValidatedAt  string `json:"last_validated_at"`
	UpdatedBy        string `json:"updated_by"`
}

// DecodeSecretRecord strictly decodes and validates a secret record.
func DecodeSecretRecord(data []byte) (SecretRecord, error) {
	return decode[SecretRecord](data, true)
}

func (*SecretRecord) kind() string { return "secret" }

func (s *SecretRecord) setDefaults() {
	*s = SecretRecord{Status: SecretStatusConfigured, Policy: SecretPolicyWriteOnly}
}

// Validate normalizes s in place and checks every invariant, including that
// secret_id is the id its tuple derives.
func (s *SecretRecord) Validate() error {
	c := newChecker("secret")
	c.required("secret_id", &s.SecretID)
	c.required("integration", &s.Integration)
	c.required("name", &s.Name)
	s.Context, s.Instance = trim(s.Context), trim(s.Instance)
	checkSecretScope(c, s.Scope, s.Context, s.Instance)
	c.oneOf("status", s.Status, SecretStatusConfigured, SecretStatusDisabled)
	c.oneOf("policy", s.Policy, SecretPolicyWriteOnly)
	c.required("current_version_id", &s.CurrentVersionID)
	c.required("updated_by", &s.UpdatedBy)
	c.timestamp("created_at", &s.CreatedAt, true)
	c.timestamp("updated_at", &s.UpdatedAt, true)
	c.timestamp("last_validated_at", &s.LastValidatedAt, false)
	s.Description = trim(s.Description)
	if s.SecretID != "" && s.Integration != "" && s.Name != "" {
		if want := SecretID(s.Integration, s.Name, s.Context, s.Instance); s.SecretID != want {
			c.add("secret_id", "must be %q, the id derived from integration, name, context and instance", want)
		}
	}
	if s.CurrentVersionID != "" && s.SecretID != "" && !strings.HasPrefix(s.CurrentVersionID, s.SecretID+"-version-") {
		c.add("current_version_id", "must be a version of %s", s.SecretID)
	}
	return c.err()
}

// SecretVersion is one encrypted value of a secret. It holds ciphertext
// only, never plaintext. Versions are kept as evidence after rotation.
type SecretVersion struct {
	VersionID  string `json:"version_id"`
	SecretID   string `json:"secret_id"`
	CreatedAt  string `json:"created_at"`
	CreatedBy  string `json:"created_by"`
	CipherAlg  string `json:"cipher_alg"`
	KeyID      string `json:"key_id"`
	Ciphertext string `json:"ciphertext"`
}

// DecodeSecretVersion strictly decodes and validates a secret version.
func DecodeSecretVersion(data []byte) (SecretVersion, error) {
	return decode[SecretVersion](data, true)
}

func (*SecretVersion) kind() string { return "secret version" }

func (v *SecretVersion) setDefaults() { *v = SecretVersion{} }

// Validate normalizes v in place and checks every invariant.
func (v *SecretVersion) Validate() error {
	c := newChecker("secret version")
	c.required("version_id", &v.VersionID)
	c.required("secret_id", &v.SecretID)
	c.timestamp("created_at", &v.CreatedAt, true)
	c.required("created_by", &v.CreatedBy)
	c.oneOf("cipher_alg", v.CipherAlg, crypto.AlgAESGCM, crypto.AlgFernet)
	c.required("key_id", &v.KeyID)
	// The ciphertext is never trimmed or echoed: only its presence is checked.
	if strings.TrimSpace(v.Ciphertext) == "" {
		c.add("ciphertext", "is required and must not be blank")
	}
	if v.VersionID != "" && v.SecretID != "" && !strings.HasPrefix(v.VersionID, v.SecretID+"-version-") {
		c.add("version_id", "must start with %q", v.SecretID+"-version-")
	}
	return c.err()
}

// Sealed returns the version's encrypted value for crypto.Open.
func (v SecretVersion) Sealed() crypto.Sealed {
	return crypto.Sealed{CipherAlg: v.CipherAlg, KeyID: v.KeyID, Ciphertext: v.Ciphertext}
}

// String keeps the ciphertext out of logs and error messages.
func (v SecretVersion) String() string {
	return fmt.Sprintf("SecretVersion{version_id: %s, secret_id: %s, cipher_alg: %s, key_id: %s}", v.VersionID, v.SecretID, v.CipherAlg, v.KeyID)
}

// SecretBinding maps a runtime-facing environment key to a secret.
type SecretBinding struct {
	BindingID   string `json:"binding_id"`
	SecretID    string `json:"secret_id"`
	Integration string `json:"integration"`
	BindingKey  string `json:"binding_key"`
	BindingType string `json:"binding_type"`
	Context     string `json:"context"`
	Instance    string `json:"instance"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// DecodeSecretBinding strictly decodes and validates a secret binding.
func DecodeSecretBinding(data []byte) (SecretBinding, error) {
	return decode[SecretBinding](data, true)
}

func (*SecretBinding) kind() string { return "secret binding" }

func (b *SecretBinding) setDefaults() {
	*b = SecretBinding{BindingType: SecretBindingTypeEnv, Status: SecretStatusConfigured}
}

// Validate normalizes b in place and checks every invariant.
func (b *SecretBinding) Validate() error {
	c := newChecker("secret binding")
	c.required("binding_id", &b.BindingID)
	c.required("secret_id", &b.SecretID)
	c.required("integration", &b.Integration)
	c.required("binding_key", &b.BindingKey)
	checkBindingKey(c, b.BindingKey)
	c.oneOf("binding_type", b.BindingType, SecretBindingTypeEnv)
	b.Context, b.Instance = trim(b.Context), trim(b.Instance)
	if b.Instance != "" && b.Context == "" {
		c.add("instance", "needs a context")
	}
	c.oneOf("status", b.Status, SecretStatusConfigured, SecretStatusDisabled)
	c.timestamp("created_at", &b.CreatedAt, true)
	c.timestamp("updated_at", &b.UpdatedAt, true)
	if b.SecretID != "" && b.BindingKey != "" {
		if want := SecretBindingID(b.SecretID, b.BindingKey); b.BindingID != want {
			c.add("binding_id", "must be %q, the id derived from secret_id and binding_key", want)
		}
	}
	return c.err()
}

// checkBindingKey refuses keys no environment could carry.
func checkBindingKey(c *checker, key string) {
	if strings.ContainsAny(key, "= \t\r\n\x00") {
		c.add("binding_key", "must not contain '=', whitespace or NUL")
	}
}

// ValidateBindingKey checks a binding key on its own; errors wrap ErrInvalid.
func ValidateBindingKey(key string) error {
	c := newChecker("secret binding")
	key = trim(key)
	if key == "" {
		c.add("binding_key", "is required and must not be blank")
	}
	checkBindingKey(c, key)
	return c.err()
}

// SecretAuditEvent is an append-only event about a secret. Its metadata
// holds ids, key names and sources only: never plaintext, ciphertext or
// token prefixes.
type SecretAuditEvent struct {
	EventID    string            `json:"event_id"`
	SecretID   string            `json:"secret_id"`
	EventType  string            `json:"event_type"`
	RecordedAt string            `json:"recorded_at"`
	Actor      string            `json:"actor"`
	Detail     string            `json:"detail"`
	Metadata   map[string]string `json:"metadata"`
}

// DecodeSecretAuditEvent strictly decodes and validates a secret audit event.
func DecodeSecretAuditEvent(data []byte) (SecretAuditEvent, error) {
	return decode[SecretAuditEvent](data, true)
}

func (*SecretAuditEvent) kind() string { return "secret audit event" }

func (e *SecretAuditEvent) setDefaults() { *e = SecretAuditEvent{} }

// Validate normalizes e in place and checks every invariant.
func (e *SecretAuditEvent) Validate() error {
	c := newChecker("secret audit event")
	c.required("event_id", &e.EventID)
	c.required("secret_id", &e.SecretID)
	c.oneOf("event_type", e.EventType, SecretEventCreated, SecretEventRotated, SecretEventImported,
		SecretEventValidated, SecretEventDisabled, SecretEventRelabelled)
	c.timestamp("recorded_at", &e.RecordedAt, true)
	c.required("actor", &e.Actor)
	e.Detail = trim(e.Detail)
	e.Metadata = nonNilMap(e.Metadata)
	c.stringMap("metadata", e.Metadata)
	if e.EventID != "" && e.SecretID != "" && e.EventType != "" &&
		!strings.HasPrefix(e.EventID, e.SecretID+"-event-"+SecretSlug(e.EventType)+"-") {
		c.add("event_id", "must start with %q", e.SecretID+"-event-"+SecretSlug(e.EventType)+"-")
	}
	return c.err()
}
