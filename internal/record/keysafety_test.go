package record_test

import (
	"errors"
	"testing"

	"github.com/launchplane/launchplane/internal/record"
)

func ksPolicy() record.RuntimeKeySafetyPolicy {
	return record.RuntimeKeySafetyPolicy{
		SchemaVersion: 1, RecordID: "runtime-key-safety-policy-a", Status: record.PolicyActive,
		Source: "test", UpdatedAt: "2026-04-16T08:00:00Z",
		Rules: []record.RuntimeSecretSafetyRule{
			{BindingKey: "SMTP_PASSWORD", SecretClass: "prod_only", AllowedContexts: []string{"cm"}},
			{BindingKey: "SENTRY_DSN", SecretClass: "shared_safe"},
		},
	}
}

func TestRuntimeKeySafetyPolicyHashStability(t *testing.T) {
	a := ksPolicy()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	ha, err := a.PolicySHA256()
	if err != nil || len(ha) != 64 {
		t.Fatalf("hash %q %v", ha, err)
	}
	// record_id, source and updated_at are outside the hash.
	b := ksPolicy()
	b.RecordID, b.Source, b.UpdatedAt = "other", "other-source", "2027-01-01T00:00:00Z"
	// Whitespace and duplicate scope values normalize away.
	b.Rules[0].BindingKey = "  SMTP_PASSWORD "
	b.Rules[0].AllowedContexts = []string{"cm", " cm"}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if hb, _ := b.PolicySHA256(); hb != ha {
		t.Fatalf("hash changed with excluded fields: %s vs %s", hb, ha)
	}
	// Pinned against upstream's Python: sha256(json.dumps(record without
	// record_id/source/updated_at, sort_keys=True, separators=(",", ":"))).
	const golden = "3903d8c03f4e76303d67d681f39c920a6a6c4c79cc3bdf42040b221580aee056"
	if ha != golden {
		t.Fatalf("hash %s, want upstream's %s", ha, golden)
	}
	c := ksPolicy()
	c.Rules[1].SecretClass = "non_prod"
	_ = c.Validate()
	if hc, _ := c.PolicySHA256(); hc == ha {
		t.Fatal("hash ignores the rules")
	}
	d := ksPolicy()
	d.Status = record.PolicySuperseded
	if hd, _ := d.PolicySHA256(); hd == ha {
		t.Fatal("hash ignores status (upstream hashes it)")
	}
}

func TestRuntimeKeySafetyPolicyValidation(t *testing.T) {
	for name, edit := range map[string]func(*record.RuntimeKeySafetyPolicy){
		"no rules":        func(p *record.RuntimeKeySafetyPolicy) { p.Rules = nil },
		"duplicate key":   func(p *record.RuntimeKeySafetyPolicy) { p.Rules[1].BindingKey = "SMTP_PASSWORD" },
		"blank key":       func(p *record.RuntimeKeySafetyPolicy) { p.Rules[0].BindingKey = " " },
		"bad class":       func(p *record.RuntimeKeySafetyPolicy) { p.Rules[0].SecretClass = "prod" },
		"blank context":   func(p *record.RuntimeKeySafetyPolicy) { p.Rules[0].AllowedContexts = []string{""} },
		"blank instance":  func(p *record.RuntimeKeySafetyPolicy) { p.Rules[0].AllowedInstances = []string{" "} },
		"bad status":      func(p *record.RuntimeKeySafetyPolicy) { p.Status = "draft" },
		"missing source":  func(p *record.RuntimeKeySafetyPolicy) { p.Source = "" },
		"bad updated_at":  func(p *record.RuntimeKeySafetyPolicy) { p.UpdatedAt = "yesterday" },
		"missing id":      func(p *record.RuntimeKeySafetyPolicy) { p.RecordID = "" },
		"schema version0": func(p *record.RuntimeKeySafetyPolicy) { p.SchemaVersion = 0 },
	} {
		p := ksPolicy()
		edit(&p)
		if err := p.Validate(); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
	// Decoding applies defaults and refuses unknown fields.
	p, err := record.DecodeRuntimeKeySafetyPolicy([]byte(`{"record_id":"x","source":"s","updated_at":"2026-04-16T08:00:00Z","rules":[{"binding_key":"K","secret_class":"testing"}]}`))
	if err != nil || p.Status != record.PolicyActive || p.SchemaVersion != 1 || p.Rules[0].AllowedContexts == nil {
		t.Fatalf("decode: %+v %v", p, err)
	}
	if _, err := record.DecodeRuntimeKeySafetyPolicy([]byte(`{"record_id":"x","source":"s","updated_at":"2026-04-16T08:00:00Z","policy_sha256":"x","rules":[{"binding_key":"K","secret_class":"testing"}]}`)); !errors.Is(err, record.ErrInvalid) {
		t.Fatalf("unknown field accepted: %v", err)
	}
}
