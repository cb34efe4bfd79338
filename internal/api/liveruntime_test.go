package api_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

const (
	lrPath        = "/v1/live-target-runtime/apply"
	lrSimKey      = "sim-key-api-liveruntime-77c2"
	lrSecret      = "Api-live-runtime-distinctive-secret"
	lrRuntime     = "Api-live-runtime-distinctive-runtime"
	lrOperatorTok = "local-operator-live-runtime-token-0123456789"
	lrApplyRef    = "acme/web/.github/workflows/live-target-runtime.yml@refs/heads/main"
	lrPlanRef     = "acme/web/.github/workflows/plan.yml@refs/heads/main"
	lrInitialEnv  = "# hand-edited\nUNRELATED=keep-me\nFOO=old"
)

const lrPolicy = `
schema_version = 1

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/live-target-runtime.yml@refs/heads/main"]
products = ["cm"]
contexts = ["cm"]
actions = ["live_target_runtime.plan", "live_target_runtime.apply"]

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/plan.yml@refs/heads/main"]
products = ["cm"]
contexts = ["cm"]
actions = ["live_target_runtime.plan"]

[[local_operators]]
subjects = ["owner"]
token_labels = ["write"]
products = ["cm"]
contexts = ["cm"]
actions = ["live_target_runtime.plan", "live_target_runtime.apply"]

[[terminal_agents]]
subjects = ["owner"]
token_labels = ["read"]
products = ["cm"]
contexts = ["cm"]
actions = ["live_target_runtime.plan", "live_target_runtime.apply"]
`

type lrHarness struct {
	*harness
	sim    *dokploysim.Sim
	tamper *dokploysim.Tamperer
	client *dokploy.Client
	appID  string
	logs   *syncBuffer
	// writeDelay (nanoseconds) holds each application.saveEnvironment
	// before the simulator serves it.
	writeDelay *atomic.Int64
	// setupWrites are the simulator POSTs the harness itself made.
	setupWrites int
}

// newLiveRuntimeHarness serves the API over a store holding lane cm/testing
// tracked to a simulated Dokploy application, its runtime record, a
// managed secret, the Dokploy credentials, a key-safety policy and product
// cm's profile owning the lane and expecting FOO, WORKERS and
// SMTP_PASSWORD there. withKey false starts the service without a master
// key.
func newLiveRuntimeHarness(t *testing.T, url string, withKey bool) *lrHarness {
	t.Helper()
	ctx := context.Background()
	ring := newKeyRing(t, base64.StdEncoding.EncodeToString([]byte(pcKey)))
	logs := &syncBuffer{}
	o := harnessOptions{Policy: lrPolicy,
		TerminalAgent: ownerToken(terminalToken, "read"), LocalOperator: ownerToken(lrOperatorTok, "write"),
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if withKey {
		o.Ring = ring
	}
	h := &lrHarness{harness: newHarnessWith(t, url, o), logs: logs, writeDelay: &atomic.Int64{}}

	h.sim = dokploysim.New(dokploysim.Config{APIKey: lrSimKey})
	h.tamper = dokploysim.NewTamperer(h.sim)
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/application.saveEnvironment") {
			time.Sleep(time.Duration(h.writeDelay.Load()))
		}
		h.tamper.ServeHTTP(w, r)
	}))
	t.Cleanup(simSrv.Close)
	client, err := dokploy.New(dokploy.Config{BaseURL: simSrv.URL, APIKey: lrSimKey})
	if err != nil {
		t.Fatal(err)
	}
	h.client = client
	app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: h.sim.DefaultEnvironmentID()})
	if err != nil {
		t.Fatal(err)
	}
	h.appID = app.ApplicationID
	env := lrInitialEnv
	if err := client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: app.ApplicationID, Env: &env, CreateEnvFile: true}); err != nil {
		t.Fatal(err)
	}
	targetstest.Track(t, h.store, record.DokployTarget{Context: "cm", Instance: "testing", TargetName: "cm-testing"}, app.ApplicationID)
	if _, err := runtimeenv.New(h.store, time.Now, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
		map[string]any{"FOO": lrRuntime, "WORKERS": 2}, "test"); err != nil {
		t.Fatal(err)
	}
	targetstest.PutDokployCredentials(t, h.store, ring, simSrv.URL, lrSimKey,
		secrets.PutInput{Scope: record.SecretScopeContextInstance, Integration: record.IntegrationRuntimeEnvironment, Name: "smtp", Context: "cm", Instance: "testing",
			BindingKey: "SMTP_PASSWORD", Value: lrSecret})
	if _, _, err := keysafety.Apply(ctx, h.store, []record.RuntimeSecretSafetyRule{{BindingKey: "SMTP_PASSWORD", SecretClass: record.SecretClassNonProd}}, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	targetstest.OwnLane(t, h.store, "cm", "cm", "testing", []string{"FOO", "WORKERS"}, []string{"SMTP_PASSWORD"})
	h.setupWrites = h.simWrites()
	return h
}

func (h *lrHarness) env() string {
	h.t.Helper()
	a, err := h.client.Application(context.Background(), h.appID)
	if err != nil {
		h.t.Fatal(err)
	}
	if a.Env == nil {
		return ""
	}
	return *a.Env
}

// simWrites counts the simulator POSTs made since the harness was set up.
func (h *lrHarness) simWrites() int {
	n := -h.setupWrites
	for _, r := range h.sim.Requests() {
		if r.Method == "POST" {
			n++
		}
	}
	return n
}

func lrBody(t *testing.T, mode string, mutate func(m map[string]any)) []byte {
	m := map[string]any{"product": "cm", "context": "cm", "instance": "testing", "mode": mode, "reason": "sync after product-config"}
	if mutate != nil {
		mutate(m)
	}
	return jsonBody(t, m)
}

// TestLiveRuntimeRoute drives the route over real HTTP with real tokens:
// identities and per-mode authorization, validation, a dry-run that writes
// nothing, an apply that keeps unrelated live keys, Idempotency-Key
// replay, and refusals — with no value in any response.
func TestLiveRuntimeRoute(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newLiveRuntimeHarness(t, engine.URL(t), true)
			var all strings.Builder
			do := func(bearer string, body []byte, status int, code string, headers ...string) response {
				t.Helper()
				r := h.do("POST", lrPath, bearer, body, headers...)
				all.WriteString(r.raw)
				if r.status != status || (code != "" && errorCode(r) != code) {
					t.Fatalf("want %d %s, got %d %s", status, code, r.status, r.raw)
				}
				return r
			}
			live := h.token("acme/web", lrApplyRef)
			planner := h.token("acme/web", lrPlanRef)

			// Identities and authorization.
			do("", lrBody(t, "dry-run", nil), 401, "authentication_required")
			do(terminalToken, lrBody(t, "dry-run", nil), 403, "authorization_denied")
			do(lrOperatorTok, lrBody(t, "dry-run", func(m map[string]any) { delete(m, "reason") }), 400, "reason_required")
			do(planner, lrBody(t, "apply", nil), 403, "authorization_denied")
			do(live, lrBody(t, "dry-run", func(m map[string]any) { m["product"] = "other" }), 403, "authorization_denied")
			// Validation.
			do(live, lrBody(t, "plan", nil), 400, "invalid_request")
			do(live, lrBody(t, "dry-run", func(m map[string]any) { m["deploy"] = true }), 400, "invalid_request")
			do(live, lrBody(t, "dry-run", func(m map[string]any) { m["env"] = map[string]any{"X": "1"} }), 400, "invalid_request")
			do(live, lrBody(t, "dry-run", func(m map[string]any) { delete(m, "instance") }), 400, "invalid_request")
			if h.simWrites() != 0 {
				t.Fatal("refused requests wrote to Dokploy")
			}

			// A dry-run (plan grant suffices) lists key names and writes nothing.
			r := do(planner, lrBody(t, "dry-run", nil), 202, "")
			res := r.body["result"].(map[string]any)
			delta := res["runtime_environment"].(map[string]any)
			if diff := cmp.Diff([]any{"FOO", "SMTP_PASSWORD", "WORKERS"}, delta["changed_keys"]); diff != "" {
				t.Errorf("changed keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]any{"target_id": h.appID, "target_type": "application"}, r.body["records"]); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if res["mode"] != "dry-run" || res["apply"].(map[string]any)["applied"] != false {
				t.Errorf("dry-run result: %s", r.raw)
			}
			if h.simWrites() != 0 || h.env() != lrInitialEnv {
				t.Fatalf("the dry-run wrote to Dokploy: %d POSTs", h.simWrites())
			}

			// Apply with an Idempotency-Key; unrelated live keys survive.
			applyBody := lrBody(t, "apply", nil)
			first := do(live, applyBody, 202, "", "Idempotency-Key", "lr-1")
			verification := first.body["result"].(map[string]any)["apply"].(map[string]any)["verification"].(map[string]any)
			if verification["status"] != "passed" || verification["verified_key_count"] != float64(3) {
				t.Errorf("verification: %s", first.raw)
			}
			want := lrInitialEnv[:strings.Index(lrInitialEnv, "FOO=")] + "FOO=" + lrRuntime + "\nSMTP_PASSWORD=" + lrSecret + "\nWORKERS=2"
			if diff := cmp.Diff(want, h.env()); diff != "" {
				t.Errorf("live env (-want +got):\n%s", diff)
			}
			writes := h.simWrites()
			again := do(live, applyBody, 202, "", "Idempotency-Key", "lr-1")
			if again.body["replayed"] != true || again.body["original_trace_id"] != first.body["trace_id"] || h.simWrites() != writes {
				t.Errorf("replay: %s (%d POSTs since)", again.raw, h.simWrites()-writes)
			}
			do(live, lrBody(t, "apply", func(m map[string]any) { m["reason"] = "other" }), 409, "idempotency_key_reused", "Idempotency-Key", "lr-1")
			// Owner agents apply with a reason.
			r = do(lrOperatorTok, applyBody, 202, "")
			if r.body["result"].(map[string]any)["apply"].(map[string]any)["env_updated"] != false {
				t.Errorf("a second apply rewrote an env in sync: %s", r.raw)
			}

			// Refusals.
			r = do(live, lrBody(t, "apply", func(m map[string]any) { m["deploy"] = true; m["deploy_timeout_seconds"] = 30 }), 202, "")
			if dep := r.body["result"].(map[string]any)["deploy"].(map[string]any); dep["triggered"] != true || dep["result"].(map[string]any)["status"] != "pass" {
				t.Errorf("deploy: %s", r.raw)
			}
			if liveEnv, ok := h.sim.LiveEnv(h.appID); !ok || !strings.Contains(liveEnv, "WORKERS=2") {
				t.Errorf("the deploy did not make the env live: %v", ok)
			}
			do(live, lrBody(t, "dry-run", func(m map[string]any) { m["instance"] = "prod" }), 404, "tracked_target_not_found")
			if err := h.tamper.TamperNextEnvWrite(h.appID, dokploysim.EnvTamper{Drop: []string{"SMTP_PASSWORD", "WORKERS"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := runtimeenv.New(h.store, time.Now, nil).Put(context.Background(), runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
				map[string]any{"WORKERS": 3}, "test"); err != nil {
				t.Fatal(err)
			}
			r = do(live, applyBody, 502, "dokploy_target_verification_failed")
			if msg := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "missing: SMTP_PASSWORD, WORKERS") {
				t.Errorf("verification message: %q", msg)
			}
			h.sim.FailNextRequests(10)
			do(live, lrBody(t, "dry-run", nil), 502, "dokploy_target_read_failed")

			for _, v := range []string{lrSecret, lrRuntime, lrSimKey, "keep-me"} {
				if strings.Contains(all.String(), v) {
					t.Fatalf("a response carries a value (%q)", v)
				}
				if strings.Contains(h.logs.String(), v) {
					t.Fatalf("a log line carries a value (%q)", v)
				}
			}
			if !strings.Contains(h.logs.String(), "dokploy_target_read_failed") {
				t.Errorf("the provider failure was not logged: %s", h.logs.String())
			}
		})
	}
}

// TestLiveRuntimeRouteConfiguration: without Dokploy credentials, or
// without the master key that opens the managed secrets, the route answers
// 503 and changes nothing.
func TestLiveRuntimeRouteConfiguration(t *testing.T) {
	h := newLiveRuntimeHarness(t, sqltest.SQLiteURL(t), false)
	live := h.token("acme/web", lrApplyRef)
	r := h.do("POST", lrPath, live, lrBody(t, "apply", nil))
	if r.status != 503 || errorCode(r) != "secret_configuration_required" {
		t.Fatalf("no master key: %d %s", r.status, r.raw)
	}

	h = newLiveRuntimeHarness(t, sqltest.SQLiteURL(t), true)
	if _, err := h.store.DB().Exec("DELETE FROM launchplane_secret_bindings WHERE binding_key = 'DOKPLOY_TOKEN'"); err != nil {
		t.Fatal(err)
	}
	r = h.do("POST", lrPath, h.token("acme/web", lrApplyRef), lrBody(t, "apply", nil))
	if r.status != 503 || errorCode(r) != "dokploy_credentials_missing" || !strings.Contains(r.raw, "DOKPLOY_TOKEN") {
		t.Fatalf("no credentials: %d %s", r.status, r.raw)
	}
	if h.simWrites() != 0 || h.env() != lrInitialEnv || strings.Contains(r.raw, lrSimKey) {
		t.Fatal("a refused apply changed the target or leaked the key")
	}
}

// TestLiveRuntimeConcurrentDuplicates: two applies with one
// Idempotency-Key at the same time make exactly one env write. The lane
// is held for the whole sync, so the duplicate is 409 lane_busy (or, if it
// came after, the replay) — never a second sync of its own. The write is
// slowed so that, without the lane, both would read the old env and both
// would write.
func TestLiveRuntimeConcurrentDuplicates(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newLiveRuntimeHarness(t, engine.URL(t), true)
			h.writeDelay.Store(int64(300 * time.Millisecond))
			live := h.token("acme/web", lrApplyRef)
			body := lrBody(t, "apply", nil)
			var wg sync.WaitGroup
			got := make([]response, 2)
			for i := range got {
				wg.Go(func() { got[i] = h.do("POST", lrPath, live, body, "Idempotency-Key", "lr-concurrent") })
			}
			wg.Wait()
			if n := h.simWrites(); n != 1 {
				t.Errorf("%d env writes reached Dokploy, want 1", n)
			}
			effects := 0
			for _, r := range got {
				switch {
				case r.status == 202 && r.body["replayed"] == true:
				case r.status == 202:
					effects++
				case r.status == 409 && errorCode(r) == "lane_busy":
					if strings.Contains(r.raw, lrSimKey) || strings.Contains(r.raw, lrSecret) {
						t.Errorf("lane_busy carries a value: %s", r.raw)
					}
				default:
					t.Errorf("unexpected answer: %d %s", r.status, r.raw)
				}
			}
			if effects != 1 {
				t.Errorf("%d first responses, want 1: %s | %s", effects, got[0].raw, got[1].raw)
			}
			// The lane is free again and the key replays.
			h.writeDelay.Store(0)
			again := h.do("POST", lrPath, live, body, "Idempotency-Key", "lr-concurrent")
			if again.status != 202 || again.body["replayed"] != true || h.simWrites() != 1 {
				t.Errorf("replay after the race: %d %s", again.status, again.raw)
			}
		})
	}
}

// TestLiveRuntimeRouteProductScoping: the route syncs only what the owning
// product profile's expected_config declares for the lane. A lane no
// profile owns is 403 product_lane_not_found before Dokploy is called; an
// expected secret without a value is 400 runtime_secret_values_missing; a
// resolved key the profile does not expect never reaches the target.
func TestLiveRuntimeRouteProductScoping(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newLiveRuntimeHarness(t, engine.URL(t), true)
			live := h.token("acme/web", lrApplyRef)
			requests := func() int { return len(h.sim.Requests()) }

			// No profile owns the lane: refused, Dokploy never called.
			if _, err := h.store.DB().Exec("DELETE FROM launchplane_product_profiles"); err != nil {
				t.Fatal(err)
			}
			before := requests()
			for _, mode := range []string{"dry-run", "apply"} {
				r := h.do("POST", lrPath, live, lrBody(t, mode, nil))
				if r.status != 403 || errorCode(r) != "product_lane_not_found" {
					t.Fatalf("%s on an unowned lane: %d %s", mode, r.status, r.raw)
				}
			}
			if n := requests() - before; n != 0 || h.env() != lrInitialEnv {
				t.Fatalf("an unowned lane reached Dokploy (%d requests)", n)
			}

			// An expected secret binding without a value.
			targetstest.OwnLane(t, h.store, "cm", "cm", "testing", []string{"FOO", "WORKERS"}, []string{"SMTP_PASSWORD", "API_TOKEN"})
			r := h.do("POST", lrPath, live, lrBody(t, "apply", nil))
			if r.status != 400 || errorCode(r) != "runtime_secret_values_missing" || !strings.Contains(r.raw, "API_TOKEN") {
				t.Fatalf("missing secret: %d %s", r.status, r.raw)
			}
			if h.simWrites() != 0 || strings.Contains(r.raw, lrSecret) {
				t.Fatal("a refused apply wrote to Dokploy or carried a value")
			}

			// WORKERS resolves but the profile no longer expects it.
			targetstest.OwnLane(t, h.store, "cm", "cm", "testing", []string{"FOO"}, []string{"SMTP_PASSWORD"})
			r = h.do("POST", lrPath, live, lrBody(t, "dry-run", nil))
			if r.status != 202 {
				t.Fatalf("dry-run: %d %s", r.status, r.raw)
			}
			if diff := cmp.Diff([]any{"FOO", "SMTP_PASSWORD"}, r.body["result"].(map[string]any)["runtime_environment"].(map[string]any)["changed_keys"]); diff != "" {
				t.Errorf("dry-run changed keys (-want +got):\n%s", diff)
			}
			r = h.do("POST", lrPath, live, lrBody(t, "apply", nil))
			if r.status != 202 {
				t.Fatalf("apply: %d %s", r.status, r.raw)
			}
			res := r.body["result"].(map[string]any)
			if diff := cmp.Diff([]any{"FOO", "SMTP_PASSWORD"}, res["runtime_environment"].(map[string]any)["changed_keys"]); diff != "" {
				t.Errorf("apply changed keys (-want +got):\n%s", diff)
			}
			if v := res["apply"].(map[string]any)["verification"].(map[string]any); v["status"] != "passed" || v["verified_key_count"] != float64(2) {
				t.Errorf("verification: %s", r.raw)
			}
			liveEnv := dokploy.ParseEnv(h.env())
			if _, ok := liveEnv["WORKERS"]; ok {
				t.Errorf("the unexpected key WORKERS reached the live env")
			}
			if liveEnv["FOO"] != lrRuntime || liveEnv["SMTP_PASSWORD"] != lrSecret || liveEnv["UNRELATED"] != "keep-me" {
				t.Errorf("the expected keys were not synced, or an unrelated key was lost: %v", slices.Sorted(maps.Keys(liveEnv)))
			}
		})
	}
}

// TestLiveRuntimeRouteProductMustOwnLane: the product the caller is
// authorized for must be the one owning the lane — an authorization for
// product cm does not reach another product's lane in the same context.
func TestLiveRuntimeRouteProductMustOwnLane(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newLiveRuntimeHarness(t, engine.URL(t), true)
			if _, err := h.store.DB().Exec("DELETE FROM launchplane_product_profiles"); err != nil {
				t.Fatal(err)
			}
			targetstest.OwnLane(t, h.store, "other", "cm", "testing", []string{"FOO"}, nil)
			before := len(h.sim.Requests())
			r := h.do("POST", lrPath, h.token("acme/web", lrApplyRef), lrBody(t, "apply", nil))
			if errorCode(r) != "product_lane_not_found" {
				t.Fatalf("product cm on other's lane: %d %s", r.status, r.raw)
			}
			if n := len(h.sim.Requests()) - before; n != 0 || h.env() != lrInitialEnv {
				t.Fatalf("the refusal reached Dokploy (%d requests)", n)
			}
		})
	}
}
