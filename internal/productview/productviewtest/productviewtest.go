// Package productviewtest seeds a product whose read models exercise every
// part of records.md §4.1–4.2 — lanes with evidence, a tracked target with
// a provider-target row, runtime settings, a managed secret, an expected
// key that is missing, a preview context and a historical context — for the
// productview, API and CLI tests. The planted values and ids are distinctive
// so tests can assert they never appear in a response.
package productviewtest

import (
	"context"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// What Seed plants.
const (
	Product           = "web"
	Context           = "web-ctx"
	PreviewContext    = "web-preview"
	HistoricalContext = "web-legacy"
	// SecretValue is the managed secret's plaintext.
	SecretValue = "planted-secret-value-7f3c9a1e"
	// TargetID is the prod lane's provider target id.
	TargetID = "planted-target-id-4d2b8e6f"
	// RuntimeValue is a runtime setting's value; TargetEnvValue the
	// tracked target's env value.
	RuntimeValue   = "planted-runtime-value-91ac"
	TargetEnvValue = "planted-target-env-value-5e0d"
	// MissingKey is an expected runtime key nothing configures.
	MissingKey = "MISSING_EXPECTED_SETTING"
	// HistoricalDeployment is a deployment in the historical context.
	HistoricalDeployment = "deployment-20260101T000000Z-web-legacy-prod"
	// ProdDeployment and TestingDeployment are the lanes' deployments.
	ProdDeployment    = "deployment-20260416T080000Z-web-ctx-prod"
	TestingDeployment = "deployment-20260416T075000Z-web-ctx-testing"
)

// Profile is the seeded product profile: testing and prod share Context
// (so generic-web promotion is offered), previews are enabled, and the
// expected config names a configured runtime key, a target-provided key,
// the managed secret and MissingKey.
const Profile = `{
  "product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
  "image": {"repository": "ghcr.io/acme/web"}, "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [
    {"instance": "testing", "context": "web-ctx", "base_url": "https://testing.web.example"},
    {"instance": "prod", "context": "web-ctx", "base_url": "https://web.example"}
  ],
  "historical_contexts": ["web-legacy"],
  "preview": {"enabled": true, "context": "web-preview", "slug_template": "pr-{number}", "template_instance": "testing"},
  "expected_config": {
    "runtime_environment_keys": [{"key": "PUBLIC_URL"}, {"key": "TARGET_ONLY_SETTING", "context": "web-ctx", "instance": "prod"}, {"key": "MISSING_EXPECTED_SETTING", "context": "web-ctx"}],
    "managed_secret_bindings": [{"binding_key": "API_TOKEN", "integration": "runtime_environment", "context": "web-ctx", "instance": "prod"}]
  }
}`

// Seed plants the product at now(): a verified prod deployment (so prod's
// inventory is verified until now()+30m), an unverified testing deployment,
// a deployment in the historical context, the prod target with TargetID,
// runtime settings and the API_TOKEN secret.
func Seed(t testing.TB, s store.Store, now func() time.Time) {
	t.Helper()
	ctx := context.Background()
	p, err := products.DecodeInput([]byte(Profile), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := products.New(s, now).Upsert(ctx, products.UpsertInput{Profile: p}); err != nil {
		t.Fatal(err)
	}
	ev := evidence.New(s, now)
	at := record.FormatTime(now())
	prod := recordtest.Deployment(ProdDeployment, Context, "prod", "art-prod-1", at)
	timeout := 30
	prod.DestinationHealth = record.HealthcheckEvidence{Verified: true, Status: record.StatusPass, URLs: []string{"https://web.example/healthz"}, TimeoutSeconds: &timeout}
	testing := recordtest.Deployment(TestingDeployment, Context, "testing", "art-testing-2", at)
	legacy := recordtest.Deployment(HistoricalDeployment, HistoricalContext, "prod", "art-legacy-0", "2026-01-01T00:00:00Z")
	for _, d := range []record.Deployment{prod, testing, legacy} {
		d.ResolvedTarget = &record.ResolvedTarget{TargetType: record.TargetApplication, TargetID: TargetID, TargetName: d.Deploy.TargetName}
		if _, err := ev.IngestDeployment(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := targets.New(s, now).Put(ctx, targets.PutInput{TargetID: TargetID, Target: record.DokployTarget{
		SchemaVersion: 1, Context: Context, Instance: "prod", ProjectName: "web", TargetType: record.TargetApplication,
		TargetName: "web-prod", SourceGitRef: "origin/main", Env: map[string]string{"TARGET_ONLY_SETTING": TargetEnvValue},
		UpdatedAt: at, SourceLabel: "test",
	}}); err != nil {
		t.Fatal(err)
	}
	env := runtimeenv.New(s, now, nil)
	if _, err := env.Put(ctx, runtimeenv.Route{Scope: record.ScopeGlobal}, map[string]any{"PUBLIC_URL": RuntimeValue}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: Context, Instance: "prod"}, map[string]any{"LOG_LEVEL": RuntimeValue}, "test"); err != nil {
		t.Fatal(err)
	}
	ring, err := crypto.NewMasterKeyRing("productviewtest master key passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.New(s, ring, now, nil).Put(ctx, secrets.PutInput{Scope: record.SecretScopeContextInstance,
		Integration: record.SecretIntegrationRuntimeEnv, Name: "API_TOKEN", Context: Context, Instance: "prod",
		BindingKey: "API_TOKEN", Value: crypto.Redacted(SecretValue), Actor: "test", Source: "test"}); err != nil {
		t.Fatal(err)
	}
}
