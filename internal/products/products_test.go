package products_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openStore(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenMigrated(context.Background(), url, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func eachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(t, openStore(t, engine.URL(t))) })
	}
}

const webProfile = `{
  "product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
  "image": {"repository": "ghcr.io/acme/web"}, "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [
    {"instance": "testing", "context": "web", "base_url": "https://testing.web.example",
     "health_monitoring": {"checks": [{"name": "public-ingress"}]}},
    {"instance": "prod", "context": "web", "base_url": "https://web.example"}
  ],
  "preview": {"enabled": true, "context": "web-preview"},
  "historical_contexts": ["web-legacy"],
  "expected_config": {
    "runtime_environment_keys": [{"key": "LOG_LEVEL"}, {"key": "WORKERS", "context": "web"},
      {"key": "PROD_ONLY", "context": "web", "instance": "prod"}, {"key": "OTHER", "context": "other"}],
    "managed_secret_bindings": [{"binding_key": "DB_PASSWORD", "context": "web", "instance": "testing"},
      {"binding_key": "SMTP_PASSWORD"}, {"binding_key": "DOKPLOY_TOKEN", "integration": "dokploy"}]
  },
  "updated_at": "1999-01-01T00:00:00Z"
}`

func decodeWeb(t *testing.T) record.ProductProfile {
	t.Helper()
	p, err := products.DecodeInput([]byte(webProfile), products.SourceCLI)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUpsert(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		clk := &clock{time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
		svc := products.New(s, clk.now)
		p := decodeWeb(t)
		if p.Source != products.SourceCLI {
			t.Errorf("default source = %q", p.Source)
		}

		res, err := svc.Upsert(ctx, products.UpsertInput{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		if res.Action != products.ActionCreated || res.Profile.UpdatedAt != "2026-04-16T08:00:00Z" {
			t.Errorf("first upsert: %s at %s (the input's updated_at must be ignored)", res.Action, res.Profile.UpdatedAt)
		}
		got, err := products.Get(ctx, s, "web")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(res.Profile, got); diff != "" {
			t.Errorf("stored profile (-want +got):\n%s", diff)
		}

		// The same profile later changes nothing, not even updated_at.
		clk.t = clk.t.Add(time.Hour)
		if res, err := svc.Upsert(ctx, products.UpsertInput{Profile: p}); err != nil || res.Action != products.ActionUnchanged || res.Profile.UpdatedAt != "2026-04-16T08:00:00Z" {
			t.Errorf("same profile again: %+v, %v", res.Action, err)
		}
		p.DisplayName = "Web Shop"
		res, err = svc.Upsert(ctx, products.UpsertInput{Profile: p})
		if err != nil || res.Action != products.ActionUpdated || res.Profile.UpdatedAt != "2026-04-16T09:00:00Z" {
			t.Errorf("changed profile: %+v at %s, %v", res.Action, res.Profile.UpdatedAt, err)
		}
		// An explicit updated_at (the CLI's --updated-at) wins over the clock.
		p.DisplayName = "Web Store"
		if res, err := svc.Upsert(ctx, products.UpsertInput{Profile: p, UpdatedAt: "2026-01-01T00:00:00Z"}); err != nil || res.Profile.UpdatedAt != "2026-01-01T00:00:00Z" {
			t.Errorf("explicit updated_at: %s, %v", res.Profile.UpdatedAt, err)
		}

		// Refusals name the field and write nothing.
		before, _ := s.VerifyLedger(ctx)
		for name, edit := range map[string]func(*record.ProductProfile){
			"health_path": func(p *record.ProductProfile) { p.HealthPath = "healthz" },
			"lanes[0].health_monitoring.checks[0].url": func(p *record.ProductProfile) { p.Lanes[0].BaseURL = "" },
			"preview.context":                          func(p *record.ProductProfile) { p.Preview.Context = "" },
		} {
			bad := decodeWeb(t)
			edit(&bad)
			_, err := svc.Upsert(ctx, products.UpsertInput{Profile: bad})
			var ve *record.ValidationError
			if !errors.As(err, &ve) || ve.FieldList() != name {
				t.Errorf("%s: got %v, want a validation error naming it alone", name, err)
			}
		}
		after, _ := s.VerifyLedger(ctx)
		if after.Entries != before.Entries {
			t.Errorf("refused upserts wrote %d ledger entries", after.Entries-before.Entries)
		}
		if got, _ := products.Get(ctx, s, "web"); got.DisplayName != "Web Store" || got.HealthPath != "/healthz" {
			t.Errorf("refused upsert changed the profile: %+v", got.DisplayName)
		}

		// List filters by driver.
		other := decodeWeb(t)
		other.Product, other.DriverID, other.Repository = "cm", "odoo", "acme/cm"
		other.Lanes[0].Context, other.Lanes[1].Context, other.Preview.Context = "cm", "cm", "cm-preview"
		if _, err := svc.Upsert(ctx, products.UpsertInput{Profile: other}); err != nil {
			t.Fatal(err)
		}
		for driver, want := range map[string][]string{"": {"cm", "web"}, "odoo": {"cm"}, "verireel": {}} {
			list, err := products.List(ctx, s, driver)
			if err != nil {
				t.Fatal(err)
			}
			names := []string{}
			for _, p := range list {
				names = append(names, p.Product)
			}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("list %q (-want +got):\n%s", driver, diff)
			}
		}
		if _, err := products.Get(ctx, s, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing: %v", err)
		}
	})
}

func TestDecodeInput(t *testing.T) {
	p, err := products.DecodeInput([]byte(`{"product":"web","display_name":"Web","repository":"acme/web","driver_id":"generic-web","source":" "}`), products.SourceService)
	if err != nil || p.Source != products.SourceService {
		t.Fatalf("blank source: %+v, %v", p.Source, err)
	}
	if p.PromotionWorkflow.WorkflowID != "promote-prod.yml" || p.Preview.EnableLabel != "launchplane-preview" || p.Preview.SlugTemplate != "pr-{number}" || p.Preview.TemplateInstance != "testing" {
		t.Errorf("defaults: %+v %+v", p.PromotionWorkflow, p.Preview)
	}
	p, err = products.DecodeInput([]byte(`{"product":"web","display_name":"Web","repository":"acme/web","driver_id":"generic-web","source":"import:v1"}`), products.SourceService)
	if err != nil || p.Source != "import:v1" {
		t.Errorf("explicit source: %+v, %v", p.Source, err)
	}
	for body, want := range map[string]string{
		`{"product":"web","colour":1}`: "colour: is not a known field",
		`[1]`:                          "must be a JSON object",
		`{`:                            "is empty or truncated",
	} {
		if _, err := products.DecodeInput([]byte(body), "x"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
}

func TestLookups(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := products.New(s, time.Now)
		web := decodeWeb(t)
		shop := decodeWeb(t)
		shop.Product, shop.Repository = "shop", "acme/shop"
		shop.Lanes[0].Context, shop.Lanes[1].Context = "shop", "shop-prod"
		shop.Preview.Context = "shared-preview"
		shop.HistoricalContexts = []string{"web-preview"} // weaker than web's preview ownership
		api := decodeWeb(t)
		api.Product, api.Repository, api.Lanes = "api", "acme/api", []record.ProductLaneProfile{}
		api.Preview.Enabled, api.Preview.Context = false, "shared-preview"
		api.HistoricalContexts = []string{"shop-prod"} // weaker than shop's lane
		for _, p := range []record.ProductProfile{web, shop} {
			if _, err := svc.Upsert(ctx, products.UpsertInput{Profile: p}); err != nil {
				t.Fatal(err)
			}
		}
		// Profile writes refuse a shared preview context (ErrLaneClaimed);
		// a clash stored before that rule goes straight to the store, and
		// the lookups must still fail closed on it.
		if _, err := svc.Upsert(ctx, products.UpsertInput{Profile: api}); !errors.Is(err, products.ErrLaneClaimed) {
			t.Fatalf("shared preview context: %v, want ErrLaneClaimed", err)
		}
		prepared, err := products.Prepare(products.UpsertInput{Profile: api}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.ProductProfilePut(ctx, prepared) }); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			context   string
			product   string
			instances []string
			err       error
		}{
			{"web", "web", []string{"testing", "prod"}, nil},
			{"shop-prod", "shop", []string{"prod"}, nil},
			{"web-preview", "web", []string{}, nil},
			{"web-legacy", "web", []string{}, nil},
			{"shared-preview", "", nil, products.ErrAmbiguous},
			{"nowhere", "", nil, products.ErrNoProduct},
		}
		for _, tc := range tests {
			p, lanes, err := products.ProductForContext(ctx, s, tc.context)
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: err %v, want %v", tc.context, err, tc.err)
				continue
			}
			if tc.err != nil {
				continue
			}
			got := []string{}
			for _, l := range lanes {
				got = append(got, l.Instance)
			}
			if p.Product != tc.product || !cmp.Equal(got, tc.instances) {
				t.Errorf("%s: %s %v, want %s %v", tc.context, p.Product, got, tc.product, tc.instances)
			}
		}
		if _, _, err := products.ProductForContext(ctx, s, "nowhere"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no owner must read as not found: %v", err)
		}
		if p, l, err := products.ProductForLane(ctx, s, "shop-prod", "prod"); err != nil || p.Product != "shop" || l.Context != "shop-prod" {
			t.Errorf("lane shop-prod/prod: %s %+v %v", p.Product, l.Context, err)
		}
		if _, _, err := products.ProductForLane(ctx, s, "shop-prod", "testing"); !errors.Is(err, products.ErrNoProduct) {
			t.Errorf("unowned lane: %v", err)
		}
		if diff := cmp.Diff([]string{"shop", "shop-prod", "shared-preview", "web-preview"}, products.Contexts(shop)); diff != "" {
			t.Errorf("contexts (-want +got):\n%s", diff)
		}
		if l, err := products.LaneFor(web, "prod"); err != nil || l.BaseURL != "https://web.example" {
			t.Errorf("LaneFor prod: %+v, %v", l, err)
		}
		if _, err := products.LaneFor(web, "staging"); !errors.Is(err, products.ErrLaneNotFound) {
			t.Errorf("LaneFor staging: %v", err)
		}
	})
}

func TestExpectedKeys(t *testing.T) {
	web := decodeWeb(t)
	tests := []struct {
		context, instance string
		want              products.Expected
		err               error
	}{
		{"web", "testing", products.Expected{RuntimeKeys: []string{"LOG_LEVEL", "WORKERS"}, SecretBindingKeys: []string{"DB_PASSWORD", "SMTP_PASSWORD"}}, nil},
		{"web", "prod", products.Expected{RuntimeKeys: []string{"LOG_LEVEL", "PROD_ONLY", "WORKERS"}, SecretBindingKeys: []string{"SMTP_PASSWORD"}}, nil},
		{"other", "prod", products.Expected{}, products.ErrLaneNotFound},
		{"web", "staging", products.Expected{}, products.ErrLaneNotFound},
	}
	for _, tc := range tests {
		got, err := products.ExpectedKeys(web, tc.context, tc.instance)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s/%s: err %v, want %v", tc.context, tc.instance, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); tc.err == nil && diff != "" {
			t.Errorf("%s/%s (-want +got):\n%s", tc.context, tc.instance, diff)
		}
	}
	e, _ := products.ExpectedKeys(web, "web", "prod")
	if diff := cmp.Diff([]string{"LOG_LEVEL", "PROD_ONLY", "SMTP_PASSWORD", "WORKERS"}, e.Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
}
