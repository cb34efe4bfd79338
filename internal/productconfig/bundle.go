package productconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
)

// DefaultIntegration is the integration a bundle secret gets when it names none.
const DefaultIntegration = "runtime_environment"

// bundleKind names the bundle in validation errors.
const bundleKind = "product_config bundle"

// Bundle is a product-config bundle (records.md §6.1) as decoded: strictly,
// before defaults and validation (see Normalize).
type Bundle struct {
	SchemaVersion int             `json:"schema_version"`
	Product       string          `json:"product"`
	Context       string          `json:"context"`
	Instance      string          `json:"instance"`
	RuntimeEnv    json.RawMessage `json:"runtime_env,omitempty"`
	Secrets       []SecretInput   `json:"secrets"`
}

// SecretInput is one secret of a bundle. Value prints as [redacted].
type SecretInput struct {
	Name        string          `json:"name"`
	BindingKey  string          `json:"binding_key"`
	Value       crypto.Redacted `json:"value"`
	Integration string          `json:"integration"`
	Scope       string          `json:"scope"`
	Context     string          `json:"context"`
	Instance    string          `json:"instance"`
	Description string          `json:"description"`
}

// structuredEnv is the {scope, context, instance, env} form of runtime_env.
type structuredEnv struct {
	Scope    string          `json:"scope"`
	Context  string          `json:"context"`
	Instance string          `json:"instance"`
	Env      json.RawMessage `json:"env"`
}

// Decode strictly decodes a bundle: exact keys, no unknown fields, one JSON
// value. Errors are *record.ValidationError with field paths; paths inside
// runtime_env never name a caller-chosen key publicly. It does not
// validate; Normalize does.
func Decode(data []byte) (Bundle, error) {
	var b Bundle
	if err := record.DecodeStrict(bundleKind, data, &b); err != nil {
		return Bundle{}, err
	}
	return b, nil
}

// normalized is a validated bundle with every default applied.
type normalized struct {
	Product  string
	Context  string
	Instance string
	// Route is the runtime record's route; Env nil means runtime_env was
	// absent or empty (action skipped).
	Route   routeKey
	Env     map[string]any
	Secrets []SecretInput
}

type routeKey struct{ Scope, Context, Instance string }

// display is "cm/testing", "cm" or "global".
func (r routeKey) display() string {
	parts := []string{}
	for _, p := range []string{r.Context, r.Instance} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "global"
	}
	return strings.Join(parts, "/")
}

// defaultRuntimeScope and defaultSecretScope apply the default-scope rule:
// instance when an instance is given, context when only a context is, else
// global.
func defaultRuntimeScope(context, instance string) string {
	switch {
	case instance != "":
		return record.ScopeInstance
	case context != "":
		return record.ScopeContext
	}
	return record.ScopeGlobal
}

func defaultSecretScope(context, instance string) string {
	switch {
	case instance != "":
		return record.SecretScopeContextInstance
	case context != "":
		return record.SecretScopeContext
	}
	return record.SecretScopeGlobal
}

func validSecretScope(scope string) bool {
	switch scope {
	case record.SecretScopeGlobal, record.SecretScopeContext, record.SecretScopeContextInstance:
		return true
	}
	return false
}

// problems collects validation problems of a bundle.
type problems struct{ list []record.FieldProblem }

func (p *problems) add(field, format string, args ...any) {
	p.list = append(p.list, record.FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) addPublic(field, public, format string, args ...any) {
	p.list = append(p.list, record.FieldProblem{Field: field, Public: public, Message: fmt.Sprintf(format, args...)})
}

// nest adds a record's validation problems under prefix.
func (p *problems) nest(prefix string, err error) bool {
	ve, ok := err.(*record.ValidationError)
	if !ok {
		return false
	}
	for _, fp := range ve.Problems {
		out := record.FieldProblem{Field: prefix + "." + fp.Field, Message: fp.Message}
		if fp.Public != "" {
			out.Public = prefix + "." + fp.Public
		}
		p.list = append(p.list, out)
	}
	return true
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &record.ValidationError{Record: bundleKind, Problems: p.list}
}

// normalize applies the bundle rules of records.md §6.1. stamp is the
// updated_at a runtime probe record is validated with.
func (b Bundle) normalize(stamp string) (normalized, error) {
	var p problems
	n := normalized{Product: strings.TrimSpace(b.Product), Context: strings.TrimSpace(b.Context), Instance: strings.TrimSpace(b.Instance)}
	if b.SchemaVersion != 1 {
		p.add("schema_version", "must be 1 (got %d)", b.SchemaVersion)
	}
	if n.Product == "" {
		p.add("product", "is required and must not be blank")
	}
	if n.Instance != "" && n.Context == "" {
		p.add("context", "is required when instance is given")
	}
	n.Route = routeKey{Scope: defaultRuntimeScope(n.Context, n.Instance), Context: n.Context, Instance: n.Instance}
	n.Env = n.runtimeEnv(&p, b.RuntimeEnv, stamp)
	n.Secrets = n.secrets(&p, b.Secrets)
	return n, p.err()
}

// runtimeEnv decodes runtime_env in either form and checks its route and
// values through the runtime record's own rules.
func (n normalized) runtimeEnv(p *problems, raw json.RawMessage, stamp string) map[string]any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(raw, &generic); err != nil {
		p.add("runtime_env", "must be an object: a flat map of keys to scalars, or {scope, context, instance, env}")
		return nil
	}
	envRaw := json.RawMessage(raw)
	field := "runtime_env"
	if isStructured(generic) {
		var s structuredEnv
		if err := record.DecodeStrict("runtime_env", raw, &s); err != nil {
			p.add("runtime_env", "must be {scope, context, instance, env} with string route fields")
			return nil
		}
		route := routeKey{Scope: strings.TrimSpace(s.Scope), Context: strings.TrimSpace(s.Context), Instance: strings.TrimSpace(s.Instance)}
		if route.Context == "" && route.Instance == "" && route.Scope == "" {
			route.Context, route.Instance = n.Context, n.Instance
		}
		if route.Scope == "" {
			route.Scope = defaultRuntimeScope(route.Context, route.Instance)
		}
		if route != n.Route {
			p.add("runtime_env.scope", "the runtime route %s %s must equal the top-level target %s %s", route.Scope, route.display(), n.Route.Scope, n.Route.display())
		}
		envRaw, field = s.Env, "runtime_env.env"
	}
	dec := json.NewDecoder(bytes.NewReader(envRaw))
	dec.UseNumber()
	var env map[string]any
	if err := dec.Decode(&env); err != nil || env == nil {
		p.add(field, "must be an object of keys to scalar values")
		return nil
	}
	if len(env) == 0 {
		return nil
	}
	probe := record.RuntimeEnvironment{Scope: n.Route.Scope, Context: n.Route.Context, Instance: n.Route.Instance, Env: env, UpdatedAt: stamp}
	if err := probe.Validate(); err != nil {
		// Route problems are reported against the top-level target.
		var ve *record.ValidationError
		if asValidation(err, &ve) {
			for _, fp := range ve.Problems {
				if fp.Field == "env" || strings.HasPrefix(fp.Field, "env.") {
					out := record.FieldProblem{Field: field + strings.TrimPrefix(fp.Field, "env"), Message: fp.Message, Public: field}
					p.list = append(p.list, out)
				} else {
					p.add(fp.Field, "%s", fp.Message)
				}
			}
		} else {
			p.add(field, "is invalid")
		}
		return nil
	}
	return probe.Env
}

func asValidation(err error, ve **record.ValidationError) bool {
	v, ok := err.(*record.ValidationError)
	if ok {
		*ve = v
	}
	return ok
}

// isStructured tells the {scope, context, instance, env} form from a flat
// map: it holds an object under "env" and no key outside the four.
func isStructured(m map[string]json.RawMessage) bool {
	env, ok := m["env"]
	if !ok || len(bytes.TrimSpace(env)) == 0 || bytes.TrimSpace(env)[0] != '{' {
		return false
	}
	for k := range m {
		if !slices.Contains([]string{"scope", "context", "instance", "env"}, k) {
			return false
		}
	}
	return true
}

// secrets applies the secret defaults and rules: name, binding_key and a
// non-empty value are required; integration defaults to
// runtime_environment; scope defaults by the default-scope rule and must
// be global, context or context_instance and exactly the top-level
// target's scope; context and instance default to the top-level target's
// (for the scopes that use them) and must equal it.
func (n normalized) secrets(p *problems, in []SecretInput) []SecretInput {
	out := make([]SecretInput, 0, len(in))
	seenTuple := map[string]int{}
	seenBinding := map[string]int{}
	for i, s := range in {
		f := func(name string) string { return fmt.Sprintf("secrets[%d].%s", i, name) }
		s.Name, s.BindingKey = strings.TrimSpace(s.Name), strings.TrimSpace(s.BindingKey)
		s.Integration, s.Scope = strings.TrimSpace(s.Integration), strings.TrimSpace(s.Scope)
		s.Context, s.Instance, s.Description = strings.TrimSpace(s.Context), strings.TrimSpace(s.Instance), strings.TrimSpace(s.Description)
		if s.Integration == "" {
			s.Integration = DefaultIntegration
		}
		if s.Name == "" {
			p.add(f("name"), "is required and must not be blank")
		}
		if s.BindingKey == "" {
			p.add(f("binding_key"), "is required and must not be blank")
		} else if err := record.ValidateBindingKey(s.BindingKey); err != nil {
			p.add(f("binding_key"), "is not a valid binding key")
		}
		if strings.TrimSpace(s.Value.Reveal()) == "" {
			p.add(f("value"), "is required and must not be empty")
		}
		if s.Scope == "" {
			s.Scope = defaultSecretScope(n.Context, n.Instance)
		}
		switch s.Scope {
		case record.SecretScopeGlobal:
			if s.Context != "" || s.Instance != "" {
				p.add(f("scope"), "global secrets take neither context nor instance")
			}
		case record.SecretScopeContext:
			if s.Context == "" {
				s.Context = n.Context
			}
			if s.Context == "" {
				p.add(f("context"), "is required for scope context")
			} else if s.Context != n.Context {
				p.add(f("context"), "must equal the top-level context")
			}
			if s.Instance != "" {
				p.add(f("instance"), "must be empty for scope context")
			}
		case record.SecretScopeContextInstance:
			if s.Context == "" {
				s.Context = n.Context
			}
			if s.Instance == "" {
				s.Instance = n.Instance
			}
			if s.Context == "" || s.Instance == "" {
				p.add(f("scope"), "context_instance needs a context and an instance")
			} else if s.Context != n.Context || s.Instance != n.Instance {
				p.add(f("scope"), "the secret target must equal the top-level target")
			}
		default:
			p.add(f("scope"), "must be one of global, context, context_instance")
		}
		// Authorization and key safety cover the top-level target only, so
		// a secret may not be scoped wider than it (upstream: the secret's
		// target must equal the top-level target).
		if want := defaultSecretScope(n.Context, n.Instance); s.Scope != want && validSecretScope(s.Scope) {
			p.add(f("scope"), "must be %s, the scope of the top-level target: a wider secret would reach lanes this bundle is not authorized or key-safety checked for", want)
		}
		tuple := strings.Join([]string{s.Scope, s.Integration, s.Name, s.Context, s.Instance}, "\x00")
		if j, dup := seenTuple[tuple]; dup {
			p.add(f("name"), "names the same secret as secrets[%d]", j)
		} else {
			seenTuple[tuple] = i
		}
		if s.BindingKey != "" {
			if j, dup := seenBinding[s.BindingKey]; dup {
				p.add(f("binding_key"), "is bound twice (also secrets[%d])", j)
			} else {
				seenBinding[s.BindingKey] = i
			}
		}
		out = append(out, s)
	}
	return out
}
