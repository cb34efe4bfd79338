package productview_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/productview/productviewtest"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// upsertProfile rewrites the seeded profile with edit applied.
func upsertProfile(t *testing.T, f fixture, edit func(p *record.ProductProfile)) {
	t.Helper()
	p, err := products.DecodeInput([]byte(productviewtest.Profile), "test")
	if err != nil {
		t.Fatal(err)
	}
	edit(&p)
	if _, err := products.New(f.store, func() time.Time { return *f.now }).Upsert(context.Background(), products.UpsertInput{Profile: p}); err != nil {
		t.Fatal(err)
	}
}

// A disabled placeholder binding at the lane (what onboarding writes) must
// not hide a configured secret at a wider scope: resolution delivers the
// most specific configured secret, so config status says configured, from
// the scope that delivers it. Only a key no binding delivers is disabled.
func TestConfigStatusPlaceholderDoesNotHideWiderSecret(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const ctxName = productviewtest.Context
		upsertProfile(t, f, func(p *record.ProductProfile) {
			p.ExpectedConfig.ManagedSecretBindings = append(p.ExpectedConfig.ManagedSecretBindings,
				record.ProductSecretConfigRequirement{BindingKey: "SHARED_TOKEN", Integration: record.SecretIntegrationRuntimeEnv, Context: ctxName},
				record.ProductSecretConfigRequirement{BindingKey: "GLOBAL_TOKEN", Integration: record.SecretIntegrationRuntimeEnv},
				record.ProductSecretConfigRequirement{BindingKey: "PENDING_TOKEN", Integration: record.SecretIntegrationRuntimeEnv, Context: ctxName})
		})
		// Onboarding's placeholders first (disabled bindings at the testing
		// lane and, for GLOBAL_TOKEN, at the context too), then the values
		// an operator writes at wider scopes.
		var placeholders []secrets.Placeholder
		for _, ph := range []secrets.Placeholder{
			{BindingKey: "SHARED_TOKEN", Context: ctxName, Instance: "testing"},
			{BindingKey: "GLOBAL_TOKEN", Context: ctxName, Instance: "testing"},
			{BindingKey: "GLOBAL_TOKEN", Context: ctxName},
			{BindingKey: "PENDING_TOKEN", Context: ctxName, Instance: "testing"},
		} {
			ph.Integration = record.SecretIntegrationRuntimeEnv
			placeholders = append(placeholders, ph)
		}
		if err := f.store.Update(ctx, func(tx store.Tx) error {
			_, err := secrets.PutPlaceholdersTx(ctx, tx, placeholders, record.FormatTime(*f.now))
			return err
		}); err != nil {
			t.Fatal(err)
		}

		ring, err := crypto.NewMasterKeyRing("productviewtest master key passphrase")
		if err != nil {
			t.Fatal(err)
		}
		sec := secrets.New(f.store, ring, func() time.Time { return *f.now }, nil)
		for _, in := range []secrets.PutInput{
			{Scope: record.SecretScopeContext, Name: "SHARED_TOKEN", Context: ctxName},
			{Scope: record.SecretScopeGlobal, Name: "GLOBAL_TOKEN"},
		} {
			in.Integration, in.BindingKey, in.Value, in.Actor, in.Source = record.SecretIntegrationRuntimeEnv, in.Name, crypto.Redacted(productviewtest.SecretValue), "test", "test"
			if _, err := sec.Put(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		st, err := f.views.ConfigStatus(ctx, productviewtest.Product, "testing")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, k := range st.Keys {
			if k.Kind == "managed_secret" {
				got[k.Key] = k.Status + "@" + k.Source
			}
		}
		want := map[string]string{
			"SHARED_TOKEN":  "configured@context",
			"GLOBAL_TOKEN":  "configured@global",
			"PENDING_TOKEN": "disabled@instance",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("testing secret keys (-want +got):\n%s", diff)
		}
		// Resolution agrees: it delivers exactly the configured keys.
		overlay, err := sec.Overlay(ctx, ctxName, "testing")
		if err != nil {
			t.Fatal(err)
		}
		_, shared := overlay["SHARED_TOKEN"]
		_, global := overlay["GLOBAL_TOKEN"]
		_, pending := overlay["PENDING_TOKEN"]
		if !shared || !global || pending {
			t.Errorf("overlay delivers SHARED_TOKEN %v, GLOBAL_TOKEN %v, PENDING_TOKEN %v", shared, global, pending)
		}
		raw, _ := json.Marshal(st)
		assertNoLeak(t, raw)
	})
}

// The read model shows the URL promotion probes: without a health_path
// the product's lanes are probed at base_url + /api/health.
func TestEnvironmentHealthURLDefaultPath(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		upsertProfile(t, f, func(p *record.ProductProfile) {
			p.RuntimePort, p.HealthPath, p.Preview.Enabled = 0, "", false
		})
		env, err := f.views.EnvironmentDetail(context.Background(), productviewtest.Product, "prod", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := "https://web.example/api/health"; env.HealthURL != want {
			t.Errorf("health_url = %q, want %q", env.HealthURL, want)
		}
	})
}
