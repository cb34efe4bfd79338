package productconfig_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/productconfig"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const secretValue = "s3cr3t-Pr0duct-C0nfig-V4lue"

var writeTables = []string{"launchplane_runtime_environments", "launchplane_secrets", "launchplane_secret_versions",
	"launchplane_secret_bindings", "launchplane_secret_audit_events"}

// passSafety is a key-safety test double (a policy decision, not storage).
type passSafety struct {
	status   string
	findings []productconfig.Finding
	err      error
	calls    int
}

func (p *passSafety) Check(_ context.Context, _ store.Reader, _ productconfig.Target, _ []string, _ []record.SecretBinding) (productconfig.KeySafetyResult, error) {
	p.calls++
	if p.err != nil {
		return productconfig.KeySafetyResult{}, p.err
	}
	return productconfig.KeySafetyResult{Status: p.status, Findings: p.findings}, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testRing(t testing.TB) *crypto.KeyRing {
	r, err := crypto.NewMasterKeyRing(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type env struct {
	s      *sqlstore.Store
	clock  *clock
	safety *passSafety
	svc    *productconfig.Service
}

func eachEngine(t *testing.T, ring bool, fn func(t *testing.T, e *env)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
			s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{Now: c.now})
			if err != nil {
				t.Fatalf("open store: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			e := &env{s: s, clock: c, safety: &passSafety{status: "pass"}}
			var r *crypto.KeyRing
			if ring {
				r = testRing(t)
			}
			e.svc = productconfig.New(productconfig.Config{Store: s, Ring: r, KeySafety: e.safety, Now: c.now,
				PolicyDigest: func(context.Context, store.Reader) (string, error) { return "policy-sha", nil }})
			fn(t, e)
		})
	}
}

func (e *env) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range writeTables {
		var n int
		if err := e.s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

func bundle(t *testing.T, mutate func(m map[string]any)) productconfig.Bundle {
	t.Helper()
	m := map[string]any{
		"schema_version": 1, "product": "cm", "context": "cm", "instance": "testing",
		"runtime_env": map[string]any{"KEYCLOAK_URL": "https://id.example", "WORKERS": 4},
		"secrets": []any{
			map[string]any{"name": "smtp", "binding_key": "SMTP_PASSWORD", "value": secretValue},
			map[string]any{"name": "api", "binding_key": "API_KEY", "value": secretValue + "-2"},
		},
	}
	if mutate != nil {
		mutate(m)
	}
	raw, _ := json.Marshal(m)
	b, err := productconfig.Decode(raw)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return b
}

func noLeak(t *testing.T, v any) {
	t.Helper()
	raw, _ := json.Marshal(v)
	s := string(raw)
	if err, ok := v.(error); ok {
		s += err.Error()
	}
	if strings.Contains(s, secretValue) {
		t.Fatalf("output leaks a secret value: %s", s)
	}
}

func TestBadSecretScopeWritesNothing(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		before := e.counts(t)
		b := bundle(t, func(m map[string]any) {
			m["secrets"] = append(m["secrets"].([]any), map[string]any{"name": "bad", "binding_key": "BAD_TOKEN", "value": "x", "scope": "instance"})
		})
		for _, run := range []func(context.Context, productconfig.Bundle, productconfig.Options) (productconfig.Result, error){e.svc.Plan, e.svc.Apply} {
			_, err := run(ctx, b, productconfig.Options{Actor: "t"})
			var ve *record.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(ve.FieldList(), "secrets[2].scope") {
				t.Fatalf("err = %v, want a validation error on secrets[2].scope", err)
			}
			noLeak(t, err)
		}
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
		if e.safety.calls != 0 {
			t.Fatalf("key safety ran on an invalid bundle")
		}
	})
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRejections(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		cases := map[string]struct {
			mutate func(m map[string]any)
			field  string
		}{
			"secret-shaped runtime key": {func(m map[string]any) { m["runtime_env"] = map[string]any{"GITHUB_TOKEN": "x"} }, "runtime_env"},
			"runtime route mismatch": {func(m map[string]any) {
				m["runtime_env"] = map[string]any{"scope": "instance", "context": "cm", "instance": "prod", "env": map[string]any{"A": "b"}}
			}, "runtime_env.scope"},
			"secret route mismatch": {func(m map[string]any) {
				m["secrets"] = []any{map[string]any{"name": "x", "binding_key": "X_TOKEN", "value": "v", "context": "other"}}
			}, "secrets[0].scope"},
			// Wider than the cm/testing target: would reach other lanes.
			"global secret on an instance target": {func(m map[string]any) {
				m["secrets"] = []any{map[string]any{"name": "x", "binding_key": "X_TOKEN", "value": "v", "scope": "global"}}
			}, "secrets[0].scope"},
			"context secret on an instance target": {func(m map[string]any) {
				m["secrets"] = []any{map[string]any{"name": "x", "binding_key": "X_TOKEN", "value": "v", "scope": "context"}}
			}, "secrets[0].scope"},
			"non-scalar value": {func(m map[string]any) { m["runtime_env"] = map[string]any{"A": []any{1}} }, "runtime_env"},
			"empty secret value": {func(m map[string]any) {
				m["secrets"] = []any{map[string]any{"name": "x", "binding_key": "X_TOKEN", "value": " "}}
			}, "secrets[0].value"},
			"schema version": {func(m map[string]any) { m["schema_version"] = 2 }, "schema_version"},
		}
		before := e.counts(t)
		for name, tc := range cases {
			_, err := e.svc.Apply(ctx, bundle(t, tc.mutate), productconfig.Options{})
			var ve *record.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(ve.FieldList(), tc.field) {
				t.Errorf("%s: err = %v, want a problem on %s", name, err, tc.field)
			}
			if ve != nil && strings.Contains(ve.FieldList(), "GITHUB_TOKEN") {
				t.Errorf("%s: public field list names a caller key: %s", name, ve.FieldList())
			}
		}
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
	})
}

func TestMissingMasterKeyWritesNothing(t *testing.T) {
	eachEngine(t, false, func(t *testing.T, e *env) {
		before := e.counts(t)
		_, err := e.svc.Apply(context.Background(), bundle(t, nil), productconfig.Options{})
		if !errors.Is(err, productconfig.ErrSecretConfiguration) || !errors.Is(err, crypto.ErrNoKey) {
			t.Fatalf("err = %v, want ErrSecretConfiguration", err)
		}
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
		// Runtime-only bundles need no key.
		res, err := e.svc.Apply(context.Background(), bundle(t, func(m map[string]any) { delete(m, "secrets") }), productconfig.Options{})
		if err != nil || res.RuntimeEnvironment.Action != "created" {
			t.Fatalf("runtime-only apply = %+v, %v", res.RuntimeEnvironment, err)
		}
	})
}

func TestKeySafetyBlocksBeforeAnyWrite(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		before := e.counts(t)
		e.safety.status = "fail"
		e.safety.findings = []productconfig.Finding{{Code: "secret_class_not_allowed", BindingKey: "API_KEY"}}
		_, err := e.svc.Apply(context.Background(), bundle(t, nil), productconfig.Options{})
		var kse *productconfig.KeySafetyError
		if !errors.As(err, &kse) || !errors.Is(err, productconfig.ErrKeySafetyFailed) {
			t.Fatalf("err = %v, want a key-safety failure", err)
		}
		e.safety.status, e.safety.err = "", productconfig.ErrKeySafetyUnavailable
		if _, err := e.svc.Plan(context.Background(), bundle(t, nil), productconfig.Options{}); !errors.Is(err, productconfig.ErrKeySafetyUnavailable) {
			t.Fatalf("err = %v, want unavailable", err)
		}
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
	})
}

func TestPlanThenApply(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		opt := productconfig.Options{Actor: "tester", Identity: "cli|tester", SourceLabel: "test"}
		plan, err := e.svc.Plan(ctx, bundle(t, nil), opt)
		if err != nil {
			t.Fatal(err)
		}
		noLeak(t, plan)
		if plan.PlanID == "" || plan.InputsDigest == "" || plan.Status != "dry_run" || plan.RuntimeEnvironment.Action != "created" ||
			plan.Summary.SecretChangeCount != 2 || plan.Summary.RuntimeChangedKeyCount != 2 {
			t.Fatalf("plan = %+v", plan)
		}
		if n := e.counts(t)["launchplane_secrets"]; n != 0 {
			t.Fatalf("dry-run wrote %d secrets", n)
		}
		e.clock.t = e.clock.t.Add(time.Minute)
		opt.PlanID = plan.PlanID
		res, err := e.svc.Apply(ctx, bundle(t, nil), opt)
		if err != nil {
			t.Fatal(err)
		}
		noLeak(t, res)
		if res.Status != "ok" || res.Secrets[0].Action != "created" || res.Secrets[1].Action != "created" || res.RuntimeEnvironment.Action != "created" {
			t.Fatalf("apply = %+v", res)
		}
		got := e.counts(t)
		if got["launchplane_secrets"] != 2 || got["launchplane_runtime_environments"] != 1 {
			t.Fatalf("counts = %v", got)
		}
		// Everything unchanged now; a rotated value is reported as rotated.
		again, err := e.svc.Plan(ctx, bundle(t, func(m map[string]any) {
			m["secrets"].([]any)[0].(map[string]any)["value"] = "another-value"
		}), productconfig.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if again.RuntimeEnvironment.Action != "unchanged" || again.Secrets[0].Action != "rotated" || again.Secrets[1].Action != "unchanged" {
			t.Fatalf("replan = %+v", again)
		}
		// The plan's record holds no value.
		rec, err := e.s.ProductConfigPlanGet(ctx, plan.PlanID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := canonical.JSON(rec)
		if strings.Contains(string(raw), secretValue) {
			t.Fatal("plan record holds a secret value")
		}
	})
}

func TestStaleAndExpiredPlans(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		plan, err := e.svc.Plan(ctx, bundle(t, nil), productconfig.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Someone changes the runtime record in between.
		rt := runtimeenv.New(e.s, e.clock.now, nil)
		if _, err := rt.Put(ctx, runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "testing"}, map[string]any{"OTHER": "x"}, ""); err != nil {
			t.Fatal(err)
		}
		before := e.counts(t)
		_, err = e.svc.Apply(ctx, bundle(t, nil), productconfig.Options{PlanID: plan.PlanID})
		if !errors.Is(err, productconfig.ErrPlanStale) || !strings.Contains(err.Error(), "runtime record cm/testing changed since the plan") {
			t.Fatalf("err = %v, want stale naming the runtime record", err)
		}
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
		// A fresh plan, then time passes beyond 15 minutes.
		plan, err = e.svc.Plan(ctx, bundle(t, nil), productconfig.Options{})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.t = e.clock.t.Add(16 * time.Minute)
		_, err = e.svc.Apply(ctx, bundle(t, nil), productconfig.Options{PlanID: plan.PlanID})
		if !errors.Is(err, productconfig.ErrPlanStale) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("err = %v, want expired", err)
		}
		// A different bundle under the plan.
		plan, _ = e.svc.Plan(ctx, bundle(t, nil), productconfig.Options{})
		_, err = e.svc.Apply(ctx, bundle(t, func(m map[string]any) { m["runtime_env"] = map[string]any{"A": "b"} }), productconfig.Options{PlanID: plan.PlanID})
		if !errors.Is(err, productconfig.ErrPlanStale) {
			t.Fatalf("err = %v, want stale (other bundle)", err)
		}
		if _, err := e.svc.Apply(ctx, bundle(t, nil), productconfig.Options{PlanID: "product-config-plan-nope"}); !errors.Is(err, productconfig.ErrPlanNotFound) {
			t.Fatalf("err = %v, want not found", err)
		}
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
	})
}

func TestRequireDryRun(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.svc.RequireDryRun(ctx, "local_operator|op|laptop", bundle(t, nil)); !errors.Is(err, productconfig.ErrDryRunRequired) {
			t.Fatalf("err = %v, want dry-run required", err)
		}
		if _, err := e.svc.Plan(ctx, bundle(t, nil), productconfig.Options{Identity: "local_operator|op|laptop"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RequireDryRun(ctx, "local_operator|op|laptop", bundle(t, nil)); err != nil {
			t.Fatalf("after dry-run: %v", err)
		}
		if err := e.svc.RequireDryRun(ctx, "local_operator|other|laptop", bundle(t, nil)); !errors.Is(err, productconfig.ErrDryRunRequired) {
			t.Fatalf("other identity: %v", err)
		}
		changed := bundle(t, func(m map[string]any) { m["secrets"].([]any)[0].(map[string]any)["value"] = "different" })
		if err := e.svc.RequireDryRun(ctx, "local_operator|op|laptop", changed); !errors.Is(err, productconfig.ErrDryRunRequired) {
			t.Fatalf("other payload: %v", err)
		}
	})
}

func TestEnvironmentClassAndStructuredForm(t *testing.T) {
	for in, want := range map[string]string{"prod": "prod", "testing": "testing", "preview-12": "preview", "dev": "dev", "local": "dev", "stage": "unknown", "": "unknown"} {
		if got := productconfig.EnvironmentClass(in); got != want {
			t.Errorf("EnvironmentClass(%q) = %q, want %q", in, got, want)
		}
	}
	eachEngine(t, true, func(t *testing.T, e *env) {
		res, err := e.svc.Plan(context.Background(), bundle(t, func(m map[string]any) {
			m["runtime_env"] = map[string]any{"env": map[string]any{"A": true}}
			delete(m, "secrets")
		}), productconfig.Options{})
		if err != nil || res.RuntimeEnvironment.Scope != "instance" || res.RuntimeEnvironment.Keys[0] != "A" {
			t.Fatalf("structured = %+v, %v", res.RuntimeEnvironment, err)
		}
	})
}

// A storage failure after the secrets are written (here the engine itself
// refuses the runtime record, through a trigger) rolls the whole bundle
// back: no secret, version, binding or event survives it.
func TestStorageFailureMidApplyWritesNothing(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		sqltest.RefuseInserts(t, e.s.DB(), e.s.Backend(), "launchplane_runtime_environments", "injected runtime failure")
		before := e.counts(t)
		_, err := e.svc.Apply(ctx, bundle(t, nil), productconfig.Options{Actor: "t"})
		if err == nil || !strings.Contains(err.Error(), "injected runtime failure") {
			t.Fatalf("apply: %v, want the injected failure", err)
		}
		noLeak(t, err)
		if after := e.counts(t); !equalCounts(before, after) {
			t.Fatalf("a failed apply left rows behind: %v -> %v", before, after)
		}
		if report, err := e.s.VerifyLedger(ctx); err != nil || !report.OK() {
			t.Fatalf("ledger: %+v, %v", report, err)
		}
	})
}

// A runtime change on a route that feeds a tracked live target reports the
// live-target sync as a required next action; a secrets-only or unchanged
// runtime record does not.
func TestTrackedTargetNextAction(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		var asked []runtimeenv.Route
		svc := productconfig.New(productconfig.Config{Store: e.s, Ring: testRing(t), KeySafety: e.safety, Now: e.clock.now,
			PolicyDigest: func(context.Context, store.Reader) (string, error) { return "policy-sha", nil },
			Tracked: func(_ context.Context, r runtimeenv.Route) ([]runtimeenv.TrackedTarget, error) {
				asked = append(asked, r)
				return []runtimeenv.TrackedTarget{{Context: "cm", Instance: "testing", TargetType: "application", TargetName: "cm-testing-app"}}, nil
			}})
		res, err := svc.Apply(ctx, bundle(t, nil), productconfig.Options{Actor: "t"})
		if err != nil {
			t.Fatal(err)
		}
		want := []productconfig.NextAction{{
			Kind:        "live_target_runtime_apply",
			Target:      map[string]any{"context": "cm", "instance": "testing", "target_type": "application", "target_name": "cm-testing-app"},
			ChangedKeys: []string{"KEYCLOAK_URL", "WORKERS"},
			DryRun:      map[string]any{"method": "POST", "endpoint": "/v1/live-target-runtime/apply", "mode": "dry-run"},
			Apply:       map[string]any{"method": "POST", "endpoint": "/v1/live-target-runtime/apply", "mode": "apply"},
		}}
		if diff := cmp.Diff(want, res.NextActions, cmpopts.IgnoreFields(productconfig.NextAction{}, "Instruction")); diff != "" {
			t.Errorf("next actions (-want +got):\n%s", diff)
		}
		if res.Status != "records_applied_live_sync_required" {
			t.Errorf("status = %q", res.Status)
		}
		if diff := cmp.Diff([]runtimeenv.Route{{Scope: "instance", Context: "cm", Instance: "testing"}}, asked); diff != "" {
			t.Errorf("tracked lookup (-want +got):\n%s", diff)
		}
		// Same runtime values, a rotated secret: nothing to sync by this rule.
		again, err := svc.Apply(ctx, bundle(t, func(m map[string]any) {
			m["secrets"].([]any)[0].(map[string]any)["value"] = "rotated-value"
		}), productconfig.Options{Actor: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Status != "ok" || len(again.NextActions) != 0 {
			t.Errorf("unchanged runtime record: status %q, next actions %v", again.Status, again.NextActions)
		}
	})
}

// A change that commits while a plan-bound apply is under way is seen by
// the apply, which is then refused as stale: the apply locks the records it
// writes before it reads them. The concurrent writer holds the runtime
// record's lock while the apply starts; whichever way the two interleave,
// the apply must not write over the change its plan never saw.
func TestPlanCheckSeesConcurrentChange(t *testing.T) {
	eachEngine(t, true, func(t *testing.T, e *env) {
		ctx := context.Background()
		opt := productconfig.Options{Actor: "t", Identity: "cli|t"}
		plan, err := e.svc.Plan(ctx, bundle(t, nil), opt)
		if err != nil {
			t.Fatal(err)
		}
		runtime := runtimeenv.New(e.s, e.clock.now, nil)
		route := runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "testing"}
		holding, release, written := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			written <- e.s.Update(ctx, func(tx store.Tx) error {
				if _, err := runtime.PutTx(ctx, tx, route, map[string]any{"KEYCLOAK_URL": "https://concurrent.example"}, "race"); err != nil {
					return err
				}
				close(holding)
				<-release
				return nil
			})
		}()
		<-holding
		applied := make(chan error, 1)
		go func() {
			opt.PlanID = plan.PlanID
			_, err := e.svc.Apply(ctx, bundle(t, nil), opt)
			applied <- err
		}()
		// Let the apply reach its reads (an apply that read outside the
		// lock would now see the old world), then commit the change.
		time.Sleep(100 * time.Millisecond)
		close(release)
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		err = <-applied
		var stale *productconfig.StaleError
		if !errors.As(err, &stale) || !strings.Contains(stale.Reason, "runtime record cm/testing") {
			t.Fatalf("apply = %v, want a stale plan naming the runtime record", err)
		}
		got, err := e.s.RuntimeEnvGet(ctx, "instance", "cm", "testing")
		if err != nil || got.Env["KEYCLOAK_URL"] != "https://concurrent.example" {
			t.Fatalf("the concurrent change was overwritten: %v, %v", got.Env, err)
		}
	})
}
