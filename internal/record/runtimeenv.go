package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Runtime-environment scopes.
const (
	ScopeGlobal   = "global"
	ScopeContext  = "context"
	ScopeInstance = "instance"
)

// RuntimeEnvDeleteEventPrefix starts every runtime-environment delete event id.
const RuntimeEnvDeleteEventPrefix = "runtime-env-delete-"

// SecretKeyHint is the remedy named whenever a secret-shaped key is refused.
const SecretKeyHint = "must be written with launchplane secrets put"

// secretShaped matches upstream's rule on the upper-cased key: one of the
// "_"-separated segments is exactly PASSWORD, TOKEN, SECRET or KEY.
var secretShaped = regexp.MustCompile(`(^|_)(PASSWORD|TOKEN|SECRET|KEY)(_|$)`)

// IsSecretShapedKey reports whether key names a secret by its shape
// (SMTP_PASSWORD, GITHUB_TOKEN, API_KEY, api_key) and so belongs in a
// managed secret rather than a runtime-environment record. KEYCLOAK_URL is
// not secret-shaped: its segment is KEYCLOAK, not KEY.
func IsSecretShapedKey(key string) bool {
	return secretShaped.MatchString(strings.ToUpper(strings.TrimSpace(key)))
}

// RuntimeEnvironment is the non-secret runtime configuration of one route:
// the whole fleet (global), one context, or one instance of a context.
// Values are scalars: string, integer, float or boolean. Numbers are held
// as json.Number so their literal text (and the payload hash) survives
// every round trip.
type RuntimeEnvironment struct {
	Scope       string         `json:"scope"`
	Context     string         `json:"context"`
	Instance    string         `json:"instance"`
	Env         map[string]any `json:"env"`
	UpdatedAt   string         `json:"updated_at"`
	SourceLabel string         `json:"source_label"`
}

// DecodeRuntimeEnvironment strictly decodes and validates a runtime-environment record.
func DecodeRuntimeEnvironment(data []byte) (RuntimeEnvironment, error) {
	return decode[RuntimeEnvironment](data, true)
}

func (*RuntimeEnvironment) kind() string { return "runtime_environment" }

func (r *RuntimeEnvironment) setDefaults() { *r = RuntimeEnvironment{} }

// UnmarshalJSON decodes numbers as json.Number (a float64 would turn 1.50
// into 1.5 and large integers into exponents) and refuses unknown fields.
func (r *RuntimeEnvironment) UnmarshalJSON(data []byte) error {
	type plain RuntimeEnvironment
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(r))
}

// Validate normalizes r in place (trimmed route and keys, numbers as
// json.Number) and checks every invariant. Problems about a key name the key
// only in the CLI form of the error; the public form says "env".
func (r *RuntimeEnvironment) Validate() error {
	c := newChecker("runtime_environment")
	checkRoute(c, &r.Scope, &r.Context, &r.Instance)
	c.timestamp("updated_at", &r.UpdatedAt, true)
	r.SourceLabel = trim(r.SourceLabel)
	env := make(map[string]any, len(r.Env))
	for _, raw := range sortedAnyKeys(r.Env) {
		key := trim(raw)
		field := "env." + key
		switch {
		case key == "":
			c.add("env", "keys must not be blank")
			continue
		case strings.ContainsRune(key, 0):
			c.addPublic("env", "env", "keys must not contain NUL characters")
			continue
		case IsSecretShapedKey(key):
			c.addPublic(field, "env", "is secret-shaped and %s", SecretKeyHint)
			continue
		}
		if _, dup := env[key]; dup {
			c.addPublic(field, "env", "is given twice (keys are trimmed)")
			continue
		}
		v, problem := normalizeScalar(r.Env[raw])
		if problem != "" {
			c.addPublic(field, "env", "%s", problem)
			continue
		}
		env[key] = v
	}
	if len(r.Env) == 0 {
		c.add("env", "must hold at least one key")
	}
	r.Env = env
	return c.err()
}

// EnvKeys returns the record's keys, sorted.
func (r *RuntimeEnvironment) EnvKeys() []string { return sortedAnyKeys(r.Env) }

// checkRoute applies the scope table: global takes neither context nor
// instance, context takes a context only, instance takes both.
func checkRoute(c *checker, scope, context, instance *string) {
	*scope, *context, *instance = trim(*scope), trim(*context), trim(*instance)
	c.oneOf("scope", *scope, ScopeGlobal, ScopeContext, ScopeInstance)
	switch *scope {
	case ScopeGlobal:
		if *context != "" {
			c.add("context", "must be empty for global scope")
		}
		if *instance != "" {
			c.add("instance", "must be empty for global scope")
		}
	case ScopeContext:
		if *context == "" {
			c.add("context", "is required for context scope")
		}
		if *instance != "" {
			c.add("instance", "must be empty for context scope")
		}
	case ScopeInstance:
		if *context == "" {
			c.add("context", "is required for instance scope")
		}
		if *instance == "" {
			c.add("instance", "is required for instance scope")
		}
	}
}

// CheckRuntimeEnvRoute validates a (scope, context, instance) route on its
// own, for commands that name a route without writing a record. It returns
// the trimmed values.
func CheckRuntimeEnvRoute(scope, context, instance string) (string, string, string, error) {
	c := newChecker("runtime_environment route")
	checkRoute(c, &scope, &context, &instance)
	return scope, context, instance, c.err()
}

// normalizeScalar accepts a string, boolean or number and returns it in its
// stored form; the problem text never quotes the value.
func normalizeScalar(v any) (any, string) {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			return nil, "must not contain NUL characters"
		}
		return v, ""
	case bool:
		return v, ""
	case json.Number:
		return checkNumber(string(v))
	case int:
		return json.Number(strconv.Itoa(v)), ""
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), ""
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, "must be a finite number"
		}
		return checkNumber(strconv.FormatFloat(v, 'f', -1, 64))
	case nil:
		return nil, "must not be null (values are strings, numbers or booleans)"
	case map[string]any:
		return nil, "must be a scalar, not an object"
	case []any:
		return nil, "must be a scalar, not an array"
	default:
		return nil, fmt.Sprintf("must be a string, number or boolean (got %T)", v)
	}
}

// checkNumber keeps numbers in the plain form both engines store verbatim:
// Postgres JSONB rewrites exponents and negative zero, which would change
// the payload hash.
func checkNumber(n string) (any, string) {
	if !json.Valid([]byte(n)) {
		return nil, "must be a valid JSON number"
	}
	negativeZero := strings.HasPrefix(n, "-") && strings.Trim(n, "-0.") == ""
	if strings.ContainsAny(n, "eE") || negativeZero {
		return nil, "numbers must be written without exponents or negative zero"
	}
	return json.Number(n), ""
}

// RuntimeEnvironmentDeleteEvent is the append-only trace of a deleted
// runtime-environment record. It holds key names and a count, never values.
type RuntimeEnvironmentDeleteEvent struct {
	EventID       string   `json:"event_id"`
	EventType     string   `json:"event_type"`
	RecordedAt    string   `json:"recorded_at"`
	Actor         string   `json:"actor"`
	Scope         string   `json:"scope"`
	Context       string   `json:"context"`
	Instance      string   `json:"instance"`
	SourceLabel   string   `json:"source_label"`
	EnvKeys       []string `json:"env_keys"`
	EnvValueCount int      `json:"env_value_count"`
	Detail        string   `json:"detail"`
}

// RuntimeEnvEventDeleted is the only delete event type.
const RuntimeEnvEventDeleted = "deleted"

// DecodeRuntimeEnvironmentDeleteEvent strictly decodes and validates a delete event.
func DecodeRuntimeEnvironmentDeleteEvent(data []byte) (RuntimeEnvironmentDeleteEvent, error) {
	return decode[RuntimeEnvironmentDeleteEvent](data, true)
}

func (*RuntimeEnvironmentDeleteEvent) kind() string { return "runtime_environment_delete_event" }

func (e *RuntimeEnvironmentDeleteEvent) setDefaults() {
	*e = RuntimeEnvironmentDeleteEvent{EventType: RuntimeEnvEventDeleted}
}

// Validate normalizes e in place and checks every invariant.
func (e *RuntimeEnvironmentDeleteEvent) Validate() error {
	c := newChecker("runtime_environment_delete_event")
	c.required("event_id", &e.EventID)
	if e.EventID != "" && !strings.HasPrefix(e.EventID, RuntimeEnvDeleteEventPrefix) {
		c.add("event_id", "must start with %q", RuntimeEnvDeleteEventPrefix)
	}
	e.EventType = trim(e.EventType)
	c.oneOf("event_type", e.EventType, RuntimeEnvEventDeleted)
	c.timestamp("recorded_at", &e.RecordedAt, true)
	c.required("actor", &e.Actor)
	checkRoute(c, &e.Scope, &e.Context, &e.Instance)
	e.SourceLabel = trim(e.SourceLabel)
	e.Detail = trim(e.Detail)
	e.EnvKeys = nonNil(e.EnvKeys)
	for i, k := range e.EnvKeys {
		if trim(k) == "" {
			c.add(fmt.Sprintf("env_keys[%d]", i), "must not be blank")
		}
	}
	if e.EnvValueCount != len(e.EnvKeys) {
		c.add("env_value_count", "must equal the number of env_keys (%d, got %d)", len(e.EnvKeys), e.EnvValueCount)
	}
	return c.err()
}

// RuntimeEnvDeleteEventID is upstream's event id: the prefix and the first
// 16 hex characters of SHA-256 over the newline-joined route, the deleted
// record's updated_at and source_label, the actor, the event time, a nonce
// and the sorted keys.
func RuntimeEnvDeleteEventID(r RuntimeEnvironment, actor, recordedAt string, nonce int64) string {
	parts := []string{r.Scope, r.Context, r.Instance, r.UpdatedAt, r.SourceLabel, actor, recordedAt, strconv.FormatInt(nonce, 10)}
	keys := r.EnvKeys()
	slices.Sort(keys)
	parts = append(parts, keys...)
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return RuntimeEnvDeleteEventPrefix + hex.EncodeToString(sum[:])[:16]
}
