package onboarding_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/onboarding"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

// Distinctive values planted in the manifest; no result may carry them.
const (
	plantedTargetID   = "app-ZZ-target-id-7731"
	plantedTargetEnv  = "target-env-value-QQ-5521"
	plantedRuntimeEnv = "runtime-env-value-WW-9902"
)

// Manifest is a whole onboarding manifest for product "web".
const Manifest = `{
  "product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
  "image_repository": "ghcr.io/acme/web", "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [
    {"instance": "testing", "context": "web", "base_url": "https://testing.web.example",
     "health_monitoring": {"checks": [{"name": "public-ingress"}]}},
    {"instance": "prod", "context": "web", "base_url": "https://web.example"}
  ],
  "preview": {"enabled": true, "context": "web-preview"},
  "provider_targets": [
    {"context": "web", "instance": "testing", "target_id": "app-web-testing", "target_name": "web-testing",
     "project_name": "web", "env": {"FEATURE_FLAG": "` + plantedTargetEnv + `"}, "domains": ["testing.web.example"]},
    {"context": "web", "instance": "prod", "target_id": "` + plantedTargetID + `", "target_type": "compose", "target_name": "web-prod"}
  ],
  "runtime_environments": [
    {"scope": "context", "context": "web", "env": {"APP_MODE": "` + plantedRuntimeEnv + `", "WORKERS": 4, "RATIO": 1.50}},
    {"scope": "instance", "context": "web", "instance": "prod", "env": {"DEBUG": false}}
  ],
  "secret_bindings": [
    {"binding_key": "SMTP_PASSWORD", "context": "web", "instance": "prod"},
    {"binding_key": "API_TOKEN", "context": "web"}
  ],
  "expected_config": {
    "runtime_environment_keys": [{"key": "APP_MODE", "context": "web"}],
    "managed_secret_bindings": [{"binding_key": "SMTP_PASSWORD", "context": "web", "instance": "prod"}]
  },
  "source_label": "ops:onboarding"
}`

var tables = []string{
	"launchplane_product_profiles", "launchplane_dokploy_targets", "launchplane_dokploy_target_ids",
	"launchplane_provider_targets", "launchplane_runtime_environments", "launchplane_secret_bindings",
	"launchplane_secrets", "launchplane_evidence_ledger",
}

func counts(t *testing.T, s *sqlstore.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range tables {
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func open(t *testing.T, engine sqltest.Engine) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func decode(t *testing.T, raw string) onboarding.Manifest {
	t.Helper()
	m, err := onboarding.Decode([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// actions lists every item's action, by item.
func actions(r onboarding.Result) map[string]string {
	out := map[string]string{"profile": r.ProductProfile.Action}
	for _, t := range r.ProviderTargets {
		out["target "+t.Context+"/"+t.Instance] = t.Action
		out["provider-target "+t.Context+"/"+t.Instance] = t.ProviderTargetAction
	}
	for _, t := range r.ProviderTargetIDs {
		out["target-id "+t.Context+"/"+t.Instance] = t.Action
	}
	for _, e := range r.RuntimeEnvironmentRecords {
		out["runtime "+e.Scope+"/"+e.Context+"/"+e.Instance] = e.Action
	}
	for _, b := range r.SecretBindings {
		out["binding "+b.BindingKey+"/"+b.Context+"/"+b.Instance] = b.Action
	}
	return out
}

func every(a map[string]string, action string) map[string]string {
	out := map[string]string{}
	for k := range a {
		out[k] = action
	}
	return out
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			now := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			svc := onboarding.New(s, func() time.Time { return now })
			m := decode(t, Manifest)

			dry, err := svc.Apply(ctx, m, onboarding.Options{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			if dry.Mode != onboarding.ModeDryRun || !dry.Changed || dry.ProductProfile.Action != "created" {
				t.Errorf("dry run: %+v", dry)
			}
			if got := counts(t, s); got["launchplane_evidence_ledger"] != 0 || got["launchplane_product_profiles"] != 0 {
				t.Fatalf("dry run wrote: %v", got)
			}

			first, err := svc.Apply(ctx, m, onboarding.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(actions(dry), actions(first)); diff != "" {
				t.Errorf("dry run and apply differ (-dry +apply):\n%s", diff)
			}
			want := every(actions(first), "created")
			if diff := cmp.Diff(want, actions(first)); diff != "" {
				t.Errorf("first apply (-want +got):\n%s", diff)
			}
			if first.ProviderTargetCount != 2 || first.ProviderTargetIDCount != 2 || first.RuntimeEnvironmentRecordCount != 2 || first.SecretBindingCount != 2 {
				t.Errorf("counts: %+v", first)
			}
			after := counts(t, s)
			wantRows := map[string]int{"launchplane_product_profiles": 1, "launchplane_dokploy_targets": 2, "launchplane_dokploy_target_ids": 2,
				"launchplane_provider_targets": 2, "launchplane_runtime_environments": 2, "launchplane_secret_bindings": 2, "launchplane_secrets": 0}
			for table, n := range wantRows {
				if after[table] != n {
					t.Errorf("%s: %d rows, want %d", table, after[table], n)
				}
			}

			// The records hold what the manifest said.
			p, err := s.ProductProfileGet(ctx, "web")
			if err != nil || p.Lanes[1].HealthURL != "https://web.example/healthz" || p.Source != "ops:onboarding" || p.UpdatedAt != "2026-04-16T08:00:00Z" {
				t.Errorf("profile: %+v, %v", p, err)
			}
			row, err := s.ProviderTargetGet(ctx, "web", "prod")
			if err != nil || row.TargetID != plantedTargetID || row.TargetCategory != "compose" {
				t.Errorf("provider target: %+v, %v", row, err)
			}
			env, err := s.RuntimeEnvGet(ctx, "context", "web", "")
			if err != nil || env.Env["RATIO"] != json.Number("1.50") || env.Env["APP_MODE"] != plantedRuntimeEnv {
				t.Errorf("runtime env: %+v, %v", env.Env, err)
			}
			b, err := s.SecretBindingGet(ctx, record.SecretBindingID(record.SecretID("runtime_environment", "SMTP_PASSWORD", "web", "prod"), "SMTP_PASSWORD"))
			if err != nil || b.Status != record.SecretStatusDisabled {
				t.Errorf("placeholder: %+v, %v", b, err)
			}

			// Later, on a new clock: the same manifest changes nothing.
			now = now.Add(time.Hour)
			second, err := svc.Apply(ctx, m, onboarding.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(every(actions(first), "unchanged"), actions(second)); diff != "" {
				t.Errorf("second apply (-want +got):\n%s", diff)
			}
			if second.Changed {
				t.Error("second apply reports a change")
			}
			if diff := cmp.Diff(after, counts(t, s)); diff != "" {
				t.Errorf("second apply wrote rows (-before +after):\n%s", diff)
			}

			// Nothing in either result is a value or a target id.
			for _, r := range []onboarding.Result{dry, first, second} {
				raw, _ := json.Marshal(r)
				for _, v := range []string{plantedTargetID, plantedTargetEnv, plantedRuntimeEnv, "app-web-testing"} {
					if strings.Contains(string(raw), v) {
						t.Errorf("result carries %q: %s", v, raw)
					}
				}
			}
		})
	}
}

func TestPlaceholderMeetsItsSecret(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			svc := onboarding.New(s, time.Now)
			m := decode(t, Manifest)
			if _, err := svc.Apply(ctx, m, onboarding.Options{}); err != nil {
				t.Fatal(err)
			}
			// The operator writes the value named after the binding key:
			// the placeholder binding itself becomes configured.
			ring, err := crypto.NewMasterKeyRing("onboarding-test-passphrase")
			if err != nil {
				t.Fatal(err)
			}
			sec := secrets.New(s, ring, time.Now, nil)
			put, err := sec.Put(ctx, secrets.PutInput{Scope: "context_instance", Integration: "runtime_environment", Name: "SMTP_PASSWORD",
				Context: "web", Instance: "prod", BindingKey: "SMTP_PASSWORD", Value: crypto.Redacted("hunter2-value")})
			if err != nil {
				t.Fatal(err)
			}
			before := counts(t, s)
			res, err := svc.Apply(ctx, m, onboarding.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed {
				t.Errorf("re-apply after the secret changed something: %+v", actions(res))
			}
			for _, b := range res.SecretBindings {
				if b.BindingKey == "SMTP_PASSWORD" && (b.BindingID != put.BindingID || b.Status != "configured") {
					t.Errorf("binding after secrets put: %+v (put %+v)", b, put)
				}
			}
			if diff := cmp.Diff(before, counts(t, s)); diff != "" {
				t.Errorf("rows changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestBadItemWritesNothing(t *testing.T) {
	cases := map[string]struct {
		from, to string
		field    string
	}{
		"secret-shaped runtime key": {`"DEBUG": false`, `"DEBUG": false, "SESSION_SECRET": "x"`, "runtime_environments[1].env"},
		"secret-shaped target env":  {`"FEATURE_FLAG"`, `"GITHUB_TOKEN"`, "provider_targets[0].env"},
		"untracked lane target":     {`"context": "web", "instance": "prod", "target_id"`, `"context": "web", "instance": "staging", "target_id"`, "provider_targets[1].instance"},
		"target off the lanes":      {`"context": "web", "instance": "prod", "target_id"`, `"context": "other", "instance": "prod", "target_id"`, "provider_targets[1].context"},
		"missing target id":         {`"target_id": "app-web-testing"`, `"target_id": " "`, "provider_targets[0].target_id"},
		"foreign runtime context":   {`"scope": "context", "context": "web"`, `"scope": "context", "context": "billing"`, "runtime_environments[0].context"},
		"binding value status":      {`{"binding_key": "API_TOKEN", "context": "web"}`, `{"binding_key": "API_TOKEN", "context": "web", "status": "configured"}`, "secret_bindings[1].status"},
		"foreign binding context":   {`{"binding_key": "API_TOKEN", "context": "web"}`, `{"binding_key": "API_TOKEN", "context": "billing"}`, "secret_bindings[1].context"},
		"write contract":            {`"base_url": "https://testing.web.example",`, ``, "lanes[0].health_monitoring.checks[0].url"},
		"profile rule":              {`"repository": "acme/web"`, `"repository": "acme"`, "repository"},
		"wrong secret id":           {`{"binding_key": "API_TOKEN", "context": "web"}`, `{"binding_key": "API_TOKEN", "context": "web", "secret_id": "secret-x"}`, "secret_bindings[1].secret_id"},
		"global runtime scope":      {`{"scope": "context", "context": "web",`, `{"scope": "global",`, "runtime_environments[0].scope"},
		"historical is current":     {`"source_label": "ops:onboarding"`, `"source_label": "ops:onboarding", "historical_contexts": ["web-preview"]`, "historical_contexts[0]"},
	}
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			svc := onboarding.New(s, time.Now)
			before := counts(t, s)
			for name, c := range cases {
				t.Run(name, func(t *testing.T) {
					raw := strings.Replace(Manifest, c.from, c.to, 1)
					if raw == Manifest {
						t.Fatalf("case does not change the manifest")
					}
					_, err := svc.Apply(ctx, decode(t, raw), onboarding.Options{})
					var ve *record.ValidationError
					if !errors.As(err, &ve) || !strings.Contains(ve.FieldList(), c.field) {
						t.Fatalf("err = %v, want a validation error naming %s", err, c.field)
					}
					if strings.Contains(ve.FieldList(), "SESSION_SECRET") || strings.Contains(ve.FieldList(), "GITHUB_TOKEN") {
						t.Errorf("public field list names a caller key: %s", ve.FieldList())
					}
					if diff := cmp.Diff(before, counts(t, s)); diff != "" {
						t.Errorf("rows changed (-before +after):\n%s", diff)
					}
				})
			}
		})
	}
}

func TestStaleProviderTargetBlocks(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			// The prod route is tracked, and its provider-target row points at
			// another Dokploy id: stale.
			targetstest.Track(t, s, record.DokployTarget{Context: "web", Instance: "prod", TargetName: "web-prod"}, "app-old")
			if err := s.Update(ctx, func(tx store.Tx) error {
				return tx.ProviderTargetPut(ctx, record.ProviderTarget{SchemaVersion: 1, Context: "web", Instance: "prod",
					ProviderID: "dokploy", TargetCategory: "application", TargetID: "app-elsewhere", DisplayName: "web-prod",
					ProviderTargetType: "application", UpdatedAt: record.FormatTime(time.Now())})
			}); err != nil {
				t.Fatal(err)
			}
			before := counts(t, s)
			_, err := onboarding.New(s, time.Now).Apply(ctx, decode(t, Manifest), onboarding.Options{})
			if !errors.Is(err, targets.ErrStale) {
				t.Fatalf("err = %v, want ErrStale", err)
			}
			if diff := cmp.Diff(before, counts(t, s)); diff != "" {
				t.Errorf("rows changed (-before +after):\n%s", diff)
			}
			// A dry run reports the same refusal.
			if _, err := onboarding.New(s, time.Now).Apply(ctx, decode(t, Manifest), onboarding.Options{DryRun: true}); !errors.Is(err, targets.ErrStale) {
				t.Errorf("dry run: %v", err)
			}
		})
	}
}

func TestDecodeIsStrict(t *testing.T) {
	cases := map[string]struct {
		raw, field, message string
	}{
		"legacy dokploy_targets": {strings.Replace(Manifest, `"provider_targets"`, `"dokploy_targets"`, 1), "dokploy_targets", "obsolete onboarding shape; use provider_targets"},
		"unknown top-level key":  {strings.Replace(Manifest, `"display_name"`, `"displayname": "x", "display_name"`, 1), "displayname", ""},
		"unknown target key":     {strings.Replace(Manifest, `"target_name": "web-prod"`, `"target_name": "web-prod", "targetid": "x"`, 1), "provider_targets[1].targetid", ""},
		"unknown lane key":       {strings.Replace(Manifest, `{"instance": "prod"`, `{"public_ingress": true, "instance": "prod"`, 1), "lanes[1].public_ingress", ""},
		"unknown binding key":    {strings.Replace(Manifest, `"binding_key": "API_TOKEN"`, `"binding_key": "API_TOKEN", "value": "x"`, 1), "secret_bindings[1].value", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := onboarding.Decode([]byte(c.raw))
			var ve *record.ValidationError
			// The CLI form names the key; the public form (FieldList) may not
			// echo a key the caller chose.
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.field+":") || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("err = %v, want a validation error naming %s", err, c.field)
			}
		})
	}
	m := decode(t, `{"product": "p", "display_name": "P", "repository": "a/p", "image_repository": "i", "runtime_port": 80,
		"health_path": "/h", "lanes": [{"instance": "prod", "context": "p"}], "provider_targets": [{"context": "p", "instance": "prod", "target_id": "x"}],
		"secret_bindings": [{"binding_key": "K", "context": "p"}]}`)
	if m.DriverID != "generic-web" || m.SourceLabel != "product-onboarding" || m.ProviderTargets[0].TargetType != "application" ||
		!m.ProviderTargets[0].HealthcheckEnabled || m.SecretBindings[0].Integration != "runtime_environment" || m.SecretBindings[0].Status != "disabled" {
		t.Errorf("defaults: %+v", m)
	}
	if err := m.Validate(time.Now()); err != nil {
		t.Errorf("minimal manifest: %v", err)
	}
}
