package record_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
)

func TestIsSecretShapedKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"KEYCLOAK_URL", false},
		{"API_KEY", true},
		{"SMTP_PASSWORD", true},
		{"GITHUB_TOKEN", true},
		{"api_key", true},
		{"KEY", true},
		{"SECRET_NAME", true},
		{"CLIENT_SECRET_REF", true},
		{"TOKENIZER_URL", false},
		{"PASSWORDLESS", false},
		{"MONKEY", false},
		{"KEY_ID", true},
		{"LOG_LEVEL", false},
		{"ODOO_DB_NAME", false},
		{" api_token ", true},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			if got := record.IsSecretShapedKey(tc.key); got != tc.want {
				t.Errorf("IsSecretShapedKey(%q) = %v, want %v", tc.key, got, tc.want)
			}
		})
	}
}

func TestRuntimeEnvironmentScopeRules(t *testing.T) {
	tests := []struct {
		name, scope, context, instance string
		wantFields                     []string // empty: valid
	}{
		{"global", "global", "", "", nil},
		{"global with context", "global", "cm", "", []string{"context"}},
		{"global with instance", "global", "", "prod", []string{"instance"}},
		{"context", "context", "cm", "", nil},
		{"context without context", "context", "", "", []string{"context"}},
		{"context with instance", "context", "cm", "prod", []string{"instance"}},
		{"instance", "instance", "cm", "prod", nil},
		{"instance without instance", "instance", "cm", "", []string{"instance"}},
		{"instance without context", "instance", "", "prod", []string{"context"}},
		{"instance with blanks", "instance", "  ", " ", []string{"context", "instance"}},
		{"unknown scope", "context_instance", "cm", "prod", []string{"scope"}},
		{"empty scope", "", "", "", []string{"scope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := record.RuntimeEnvironment{Scope: tc.scope, Context: tc.context, Instance: tc.instance,
				Env: map[string]any{"A": "1"}, UpdatedAt: "2026-04-16T08:00:00Z"}
			if diff := cmp.Diff(tc.wantFields, problemFields(r.Validate())); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
}

func problemFields(err error) []string {
	if err == nil {
		return nil
	}
	var ve *record.ValidationError
	if !errors.As(err, &ve) {
		return []string{"not a ValidationError: " + err.Error()}
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Field)
	}
	return out
}

func TestRuntimeEnvironmentEnvRules(t *testing.T) {
	base := func(env map[string]any) record.RuntimeEnvironment {
		return record.RuntimeEnvironment{Scope: "global", Env: env, UpdatedAt: "2026-04-16T08:00:00Z"}
	}
	tests := []struct {
		name       string
		env        map[string]any
		wantFields []string
		wantMsg    string
	}{
		{"scalars", map[string]any{"S": "x", "I": 3, "F": 1.5, "B": true, "N": json.Number("1.50")}, nil, ""},
		{"no keys", map[string]any{}, []string{"env"}, "at least one key"},
		{"nil env", nil, []string{"env"}, "at least one key"},
		{"blank key", map[string]any{" ": "x", "A": "1"}, []string{"env"}, "blank"},
		{"secret key", map[string]any{"API_KEY": "x"}, []string{"env.API_KEY"}, "must be written with launchplane secrets put"},
		{"lower secret key", map[string]any{"smtp_password": "x"}, []string{"env.smtp_password"}, "launchplane secrets put"},
		{"keycloak passes", map[string]any{"KEYCLOAK_URL": "https://kc"}, nil, ""},
		{"null", map[string]any{"A": nil}, []string{"env.A"}, "null"},
		{"object", map[string]any{"A": map[string]any{"x": "y"}}, []string{"env.A"}, "object"},
		{"array", map[string]any{"A": []any{"x"}}, []string{"env.A"}, "array"},
		{"exponent", map[string]any{"A": json.Number("1e5")}, []string{"env.A"}, "exponent"},
		{"trim collision", map[string]any{"A": "1", " A ": "2"}, []string{"env.A"}, "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base(tc.env)
			err := r.Validate()
			if diff := cmp.Diff(tc.wantFields, problemFields(err)); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
			if tc.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), tc.wantMsg)) {
				t.Errorf("error %v does not mention %q", err, tc.wantMsg)
			}
			var ve *record.ValidationError
			if errors.As(err, &ve) && strings.Contains(ve.FieldList(), "API_KEY") {
				t.Errorf("public field list names a caller-chosen key: %s", ve.FieldList())
			}
		})
	}
}

func TestRuntimeEnvironmentKeysTrimmed(t *testing.T) {
	r := record.RuntimeEnvironment{Scope: " context ", Context: " cm ", Env: map[string]any{" A ": "x"}, UpdatedAt: "2026-04-16T08:00:00Z"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	want := record.RuntimeEnvironment{Scope: "context", Context: "cm", Env: map[string]any{"A": "x"}, UpdatedAt: "2026-04-16T08:00:00Z"}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("normalized record (-want +got):\n%s", diff)
	}
}

// Numbers keep their literal text through decode and re-encode, so the
// canonical payload hash is stable.
func TestRuntimeEnvironmentNumbersExact(t *testing.T) {
	in := `{"scope":"global","context":"","instance":"","env":{"BIG":12345678901234567890123,"F":1.50,"I":-7,"B":false,"S":"1.0"},"updated_at":"2026-04-16T08:00:00Z","source_label":""}`
	r, err := record.DecodeRuntimeEnvironment([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got, err := canonical.JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := canonical.Normalize([]byte(in))
	if string(got) != string(want) {
		t.Errorf("canonical form changed:\n got %s\nwant %s", got, want)
	}
	again, err := record.DecodeStored[record.RuntimeEnvironment](got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, again); diff != "" {
		t.Errorf("stored round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeRuntimeEnvironmentStrict(t *testing.T) {
	tests := map[string]string{
		"unknown field": `{"scope":"global","context":"","instance":"","env":{"A":"1"},"updated_at":"2026-04-16T08:00:00Z","source_label":"","extra":1}`,
		"wrong case":    `{"Scope":"global","context":"","instance":"","env":{"A":"1"},"updated_at":"2026-04-16T08:00:00Z","source_label":""}`,
		"null value":    `{"scope":"global","context":"","instance":"","env":{"A":null},"updated_at":"2026-04-16T08:00:00Z","source_label":""}`,
		"object value":  `{"scope":"global","context":"","instance":"","env":{"A":{"b":1}},"updated_at":"2026-04-16T08:00:00Z","source_label":""}`,
		"no timestamp":  `{"scope":"global","context":"","instance":"","env":{"A":"1"},"source_label":""}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := record.DecodeRuntimeEnvironment([]byte(body)); !errors.Is(err, record.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestRuntimeEnvironmentDeleteEvent(t *testing.T) {
	rec := record.RuntimeEnvironment{Scope: "instance", Context: "cm", Instance: "prod", Env: map[string]any{"B": "2", "A": "1"},
		UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "cli"}
	id := record.RuntimeEnvDeleteEventID(rec, "me", "2026-04-16T09:00:00Z", 42)
	if !strings.HasPrefix(id, record.RuntimeEnvDeleteEventPrefix) || len(id) != len(record.RuntimeEnvDeleteEventPrefix)+16 {
		t.Fatalf("event id %q", id)
	}
	if other := record.RuntimeEnvDeleteEventID(rec, "me", "2026-04-16T09:00:00Z", 43); other == id {
		t.Errorf("the nonce must change the id")
	}
	ev := record.RuntimeEnvironmentDeleteEvent{EventID: id, EventType: "deleted", RecordedAt: "2026-04-16T09:00:00Z", Actor: "me",
		Scope: "instance", Context: "cm", Instance: "prod", EnvKeys: []string{"A", "B"}, EnvValueCount: 2}
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ev
	bad.EnvValueCount = 3
	if diff := cmp.Diff([]string{"env_value_count"}, problemFields(bad.Validate())); diff != "" {
		t.Errorf("count mismatch (-want +got):\n%s", diff)
	}
	bad = ev
	bad.Scope, bad.Instance = "context", "prod"
	if diff := cmp.Diff([]string{"instance"}, problemFields(bad.Validate())); diff != "" {
		t.Errorf("scope rules (-want +got):\n%s", diff)
	}
	bad = ev
	bad.EventType, bad.Actor = "updated", ""
	if diff := cmp.Diff([]string{"event_type", "actor"}, problemFields(bad.Validate())); diff != "" {
		t.Errorf("type and actor (-want +got):\n%s", diff)
	}
}
