package productview_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/productview"
	"github.com/launchplane/launchplane/internal/productview/productviewtest"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

type fixture struct {
	views *productview.Service
	store *sqlstore.Store
	now   *time.Time
}

func eachEngine(t *testing.T, fn func(t *testing.T, f fixture)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			now := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			productviewtest.Seed(t, s, clock)
			fn(t, fixture{views: productview.New(s, evidence.New(s, clock)), store: s, now: &now})
		})
	}
}

// allow grants every action whose authz action ends in .read.
func allowReads(_ context.Context, act driver.ActionDescriptor, _, _ string) productview.ActionAccess {
	if strings.HasSuffix(act.AuthzAction, ".read") {
		return productview.ActionAccess{Allowed: true, Implemented: true}
	}
	return productview.ActionAccess{DisabledReason: "No authorization rule grants " + act.AuthzAction + ".", Implemented: true}
}

func TestFreshnessFollowsTheClock(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		seeded := *f.now
		for _, tc := range []struct {
			after       time.Duration
			prod, trust string
		}{
			{0, evidence.FreshnessVerified, evidence.FreshnessRecorded}, // testing is recorded: unverified health
			{29*time.Minute + 59*time.Second, evidence.FreshnessVerified, evidence.FreshnessRecorded},
			{30*time.Minute + time.Second, evidence.FreshnessStale, evidence.FreshnessStale},
		} {
			*f.now = seeded.Add(tc.after)
			env, err := f.views.EnvironmentDetail(ctx, productviewtest.Product, "prod", nil)
			if err != nil {
				t.Fatal(err)
			}
			if env.TrustState != tc.prod || env.Provenance.FreshnessStatus != tc.prod {
				t.Errorf("after %v: prod trust %s / %s, want %s", tc.after, env.TrustState, env.Provenance.FreshnessStatus, tc.prod)
			}
			if env.Provenance.RefreshedAt != f.now.Format(time.RFC3339) || env.Provenance.StaleAfter != "2026-04-16T08:30:00Z" ||
				env.Provenance.SourceKind != "inventory" || env.Provenance.SourceRecordID != "web-ctx-prod" {
				t.Errorf("after %v: provenance %+v", tc.after, env.Provenance)
			}
			p, err := f.views.Product(ctx, productviewtest.Product, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.TrustState != tc.trust {
				t.Errorf("after %v: product trust %s, want %s", tc.after, p.TrustState, tc.trust)
			}
		}
		stale, _ := f.views.EnvironmentDetail(ctx, productviewtest.Product, "prod", nil)
		if !slices.ContainsFunc(stale.Warnings, func(w string) bool { return strings.Contains(w, "stale") }) {
			t.Errorf("stale lane without a warning: %v", stale.Warnings)
		}
	})
}

func TestEnvironmentDetail(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		env, err := f.views.EnvironmentDetail(context.Background(), productviewtest.Product, "prod", allowReads)
		if err != nil {
			t.Fatal(err)
		}
		want := productview.LaneTarget{Provider: "dokploy", TargetType: "application", TargetName: "web-prod",
			TargetIDRecorded: true, TrustState: "recorded", UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "test"}
		if diff := cmp.Diff(want, env.Target); diff != "" {
			t.Errorf("target (-want +got):\n%s", diff)
		}
		if env.ProviderTarget == nil || !env.ProviderTarget.TargetIDRecorded || env.ProviderTarget.TrustState != "recorded" {
			t.Errorf("provider target = %+v", env.ProviderTarget)
		}
		var scopes []string
		for _, r := range env.RuntimeSettings {
			scopes = append(scopes, r.Scope+":"+strings.Join(r.EnvKeys, ","))
		}
		if diff := cmp.Diff([]string{"global:PUBLIC_URL", "instance:LOG_LEVEL"}, scopes); diff != "" {
			t.Errorf("runtime settings (-want +got):\n%s", diff)
		}
		if len(env.ManagedSecrets) != 1 || env.ManagedSecrets[0].BindingKey != "API_TOKEN" || env.ManagedSecrets[0].TrustState != "recorded" {
			t.Errorf("managed secrets = %+v", env.ManagedSecrets)
		}
		if env.HealthURL != "https://web.example/healthz" || env.Current == nil || env.Current.ArtifactID != "art-prod-1" {
			t.Errorf("summary = %+v", env.EnvironmentSummary)
		}
		if env.LatestDeployment == nil || env.LatestDeployment.RecordID != productviewtest.ProdDeployment {
			t.Errorf("latest deployment = %+v", env.LatestDeployment)
		}
		raw, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		assertNoLeak(t, raw)
	})
}

func TestActionComposition(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		ids := func(acts []productview.ProductAction) []string {
			var out []string
			for _, a := range acts {
				out = append(out, a.ActionID)
			}
			return out
		}
		prod, err := f.views.EnvironmentDetail(ctx, productviewtest.Product, "prod", allowReads)
		if err != nil {
			t.Fatal(err)
		}
		// Preview actions are product-level; the lanes share a context, so
		// generic-web promotion is offered on prod.
		if diff := cmp.Diff([]string{"stable_deploy", "prod_promotion", "prod_promotion_workflow"}, ids(prod.AvailableActions)); diff != "" {
			t.Errorf("prod actions (-want +got):\n%s", diff)
		}
		testing, err := f.views.EnvironmentDetail(ctx, productviewtest.Product, "testing", allowReads)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"stable_deploy"}, ids(testing.AvailableActions)); diff != "" {
			t.Errorf("testing actions (-want +got):\n%s", diff)
		}
		for _, a := range prod.AvailableActions {
			if a.Allowed || a.Enabled || a.Context != productviewtest.Context || len(a.DisabledReasons) == 0 ||
				!strings.Contains(a.DisabledReason, a.AuthzAction) {
				t.Errorf("mutation action %s: %+v", a.ActionID, a)
			}
		}
		p, err := f.views.Product(ctx, productviewtest.Product, allowReads)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"preview_desired_state", "preview_refresh", "preview_inventory", "preview_readiness", "preview_destroy"}, ids(p.AvailableActions)); diff != "" {
			t.Errorf("product actions (-want +got):\n%s", diff)
		}
		for _, a := range p.AvailableActions {
			if a.Context != productviewtest.PreviewContext {
				t.Errorf("preview action %s authorized on %s", a.ActionID, a.Context)
			}
			if a.ActionID == "preview_inventory" && (!a.Allowed || !a.Enabled || len(a.DisabledReasons) != 0) {
				t.Errorf("a granted read action is disabled: %+v", a)
			}
		}
		// Without a caller nothing is evaluated, and the reason says so.
		none, _ := f.views.EnvironmentDetail(ctx, productviewtest.Product, "prod", nil)
		for _, a := range none.AvailableActions {
			if a.Enabled || a.DisabledReason != productview.ReasonNotEvaluated {
				t.Errorf("unevaluated action %s: %+v", a.ActionID, a)
			}
		}
	})
}

func TestConfigStatus(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		st, err := f.views.ConfigStatus(context.Background(), productviewtest.Product, "prod")
		if err != nil {
			t.Fatal(err)
		}
		want := []productview.ConfigKey{
			{Key: "MISSING_EXPECTED_SETTING", Kind: "runtime_environment", Status: "missing"},
			{Key: "PUBLIC_URL", Kind: "runtime_environment", Status: "configured", Source: "global"},
			{Key: "TARGET_ONLY_SETTING", Kind: "runtime_environment", Status: "configured", Source: "target"},
			{Key: "API_TOKEN", Kind: "managed_secret", Status: "configured", Source: "instance", BindingID: st.Keys[len(st.Keys)-1].BindingID},
		}
		if diff := cmp.Diff(want, st.Keys); diff != "" {
			t.Errorf("keys (-want +got):\n%s", diff)
		}
		if st.Status != "incomplete" || st.Summary != (productview.ConfigCount{Configured: 3, Missing: 1}) {
			t.Errorf("status %s %+v", st.Status, st.Summary)
		}
		testing, err := f.views.ConfigStatus(context.Background(), productviewtest.Product, "testing")
		if err != nil {
			t.Fatal(err)
		}
		if len(testing.Keys) != 2 { // PUBLIC_URL and the context-wide missing key; the prod-only keys do not apply
			t.Errorf("testing keys = %+v", testing.Keys)
		}
		raw, _ := json.Marshal(st)
		assertNoLeak(t, raw)
	})
}

func TestActivityIncludesHistoricalContexts(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		act, err := f.views.Activity(context.Background(), productviewtest.Product, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"web-ctx", "web-preview", "web-legacy"}, act.Contexts); diff != "" {
			t.Errorf("contexts (-want +got):\n%s", diff)
		}
		var historical, current int
		for _, e := range act.Events {
			switch {
			case e.RecordID == productviewtest.HistoricalDeployment:
				historical++
				if !e.Historical || e.Context != productviewtest.HistoricalContext || e.Kind != "deployment" {
					t.Errorf("historical event = %+v", e)
				}
			case e.Kind == "deployment":
				current++
				if e.Historical {
					t.Errorf("current event marked historical: %+v", e)
				}
			}
		}
		if historical != 1 || current != 2 {
			t.Errorf("deployment events: %d historical, %d current\n%+v", historical, current, act.Events)
		}
		if last := act.Events[len(act.Events)-1]; last.RecordID != productviewtest.HistoricalDeployment {
			t.Errorf("events are not newest first: last is %+v", last)
		}
		one, _ := f.views.Activity(context.Background(), productviewtest.Product, 1)
		if len(one.Events) != 1 {
			t.Errorf("limit 1 gave %d events", len(one.Events))
		}
	})
}

func TestNotFound(t *testing.T) {
	eachEngine(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		if _, err := f.views.Product(ctx, "nope", nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown product: %v", err)
		}
		if _, err := f.views.EnvironmentDetail(ctx, productviewtest.Product, "staging", nil); !errors.Is(err, productview.ErrEnvironmentNotFound) {
			t.Errorf("unknown environment: %v", err)
		}
		if _, err := f.views.ConfigStatus(ctx, productviewtest.Product, "staging"); !errors.Is(err, productview.ErrEnvironmentNotFound) {
			t.Errorf("unknown environment config status: %v", err)
		}
	})
}

func TestCombineTrust(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "missing"},
		{[]string{"verified", "recorded"}, "recorded"},
		{[]string{"unsupported", "verified"}, "verified"},
		{[]string{"verified", "stale", "recorded"}, "stale"},
		{[]string{"stale", "missing"}, "missing"},
		{[]string{"unsupported"}, "unsupported"},
		{[]string{"verified", "bogus"}, "missing"},
	} {
		if got := evidence.CombineTrust(tc.in...); got != tc.want {
			t.Errorf("CombineTrust(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// assertNoLeak fails when raw contains a planted value or target id.
func assertNoLeak(t *testing.T, raw []byte) {
	t.Helper()
	for _, planted := range []string{productviewtest.SecretValue, productviewtest.TargetID, productviewtest.RuntimeValue, productviewtest.TargetEnvValue} {
		if strings.Contains(string(raw), planted) {
			t.Errorf("output contains planted %q", planted)
		}
	}
}
