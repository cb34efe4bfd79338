package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// driverPolicy: acme/ops reads drivers and holds two read actions (the
// read-only caller); acme/web may deploy web and run Odoo post-deploy
// for cm; the terminal agent reads drivers in web-ctx.
const driverPolicy = `
schema_version = 1

[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/*.yml@*"]
products = ["launchplane"]
contexts = ["launchplane", "web-ctx", "verireel", "empty-ctx"]
actions = ["driver.read"]

[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/*.yml@*"]
products = ["web", "verireel"]
contexts = ["web-ctx", "verireel"]
actions = ["preview_readiness.evaluate", "verireel_stable_environment.read"]

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/*.yml@*"]
products = ["web", "cm"]
contexts = ["web-ctx", "cm"]
actions = ["generic_web_deploy.execute", "odoo_post_deploy.execute"]

[[terminal_agents]]
subjects = ["owner"]
token_labels = ["read"]
products = ["launchplane", "web"]
contexts = ["web-ctx"]
actions = ["driver.read", "preview_readiness.evaluate"]
`

const (
	opsRef = "acme/ops/.github/workflows/ops.yml@refs/heads/main"
	webRef = "acme/web/.github/workflows/deploy.yml@refs/heads/main"
)

const driverWebProfile = `{
  "product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
  "image": {"repository": "ghcr.io/acme/web"}, "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [
    {"instance": "testing", "context": "web-ctx", "base_url": "https://testing.web.example"},
    {"instance": "prod", "context": "web-ctx", "base_url": "https://web.example"}
  ],
  "preview": {"enabled": false}
}`

func eachDriverEngine(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(t, newHarnessWithPolicy(t, engine.URL(t), driverPolicy)) })
	}
}

func TestDriverDiscovery(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		ops := h.token("acme/ops", opsRef)
		r := h.do(http.MethodGet, "/v1/drivers", ops, nil)
		if r.status != http.StatusOK || r.body["status"] != "ok" || !strings.HasPrefix(r.body["trace_id"].(string), "launchplane_req_") {
			t.Fatalf("GET /v1/drivers = %d %s", r.status, r.raw)
		}
		var ids []string
		for _, d := range r.body["drivers"].([]any) {
			ids = append(ids, d.(map[string]any)["driver_id"].(string))
		}
		if diff := cmp.Diff([]string{"generic-web", "odoo", "verireel"}, ids); diff != "" {
			t.Errorf("drivers (-want +got):\n%s", diff)
		}
		if n := len(r.body["not_implemented_routes"].([]any)); n != 37 {
			t.Errorf("not_implemented_routes = %d, want 37", n)
		}
		if strings.Contains(strings.ToLower(r.raw), "dokploy") {
			t.Error("the driver list names a runtime provider")
		}

		r = h.do(http.MethodGet, "/v1/drivers/odoo", ops, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET /v1/drivers/odoo = %d %s", r.status, r.raw)
		}
		d := r.body["driver"].(map[string]any)
		if d["driver_id"] != "odoo" || d["base_driver_id"] != "generic-web" {
			t.Errorf("driver = %v", d)
		}

		for _, tc := range []struct {
			name, path, bearer string
			status             int
			code               string
		}{
			{"unknown driver", "/v1/drivers/nope", ops, http.StatusNotFound, api.CodeNotFound},
			{"list without driver.read", "/v1/drivers", h.token("acme/web", webRef), http.StatusForbidden, api.CodeAuthorizationDenied},
			{"get without driver.read", "/v1/drivers/odoo", h.token("acme/web", webRef), http.StatusForbidden, api.CodeAuthorizationDenied},
			{"no token", "/v1/drivers", "", http.StatusUnauthorized, api.CodeAuthenticationNeeded},
			{"terminal agent outside its contexts", "/v1/drivers", terminalToken, http.StatusForbidden, api.CodeAuthorizationDenied},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do(http.MethodGet, tc.path, tc.bearer, nil)
				if r.status != tc.status || errorCode(r) != tc.code {
					t.Errorf("GET %s = %d %s, want %d %s", tc.path, r.status, r.raw, tc.status, tc.code)
				}
			})
		}
	})
}

func TestDriverRoutesNotImplemented(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		body := []byte(`{"schema_version":1,"product":"cm","post_deploy":{"context":"cm","instance":"testing","phase":"deploy"}}`)
		const path = "/v1/drivers/odoo/post-deploy"
		for _, tc := range []struct {
			name, bearer string
			body         []byte
			status       int
			code         string
		}{
			{"authorized caller", h.token("acme/web", webRef), body, http.StatusNotImplemented, api.CodeDriverActionNotImplemented},
			{"caller without the route's action", h.token("acme/ops", opsRef), body, http.StatusForbidden, api.CodeAuthorizationDenied},
			{"other context", h.token("acme/web", webRef), []byte(`{"product":"cm","post_deploy":{"context":"opw"}}`), http.StatusForbidden, api.CodeAuthorizationDenied},
			{"no token", "", body, http.StatusUnauthorized, api.CodeAuthenticationNeeded},
			{"terminal agent", terminalToken, body, http.StatusForbidden, api.CodeAuthorizationDenied},
			{"no product", h.token("acme/web", webRef), []byte(`{"post_deploy":{"context":"cm"}}`), http.StatusBadRequest, api.CodeInvalidRequest},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do(http.MethodPost, path, tc.bearer, tc.body)
				if r.status != tc.status || errorCode(r) != tc.code {
					t.Fatalf("POST %s = %d %s, want %d %s", path, r.status, r.raw, tc.status, tc.code)
				}
				if tc.status == http.StatusNotImplemented {
					msg := r.body["error"].(map[string]any)["message"].(string)
					if msg != "POST /v1/drivers/odoo/post-deploy (odoo.post_deploy) is described but not implemented in this build." {
						t.Errorf("message = %q", msg)
					}
				}
			})
		}
		if r := h.do(http.MethodGet, path, h.token("acme/web", webRef), nil); r.status != http.StatusMethodNotAllowed {
			t.Errorf("GET %s = %d, want 405", path, r.status)
		}
	})
}

// withDriverHandlers is h served by an API with the given driver handlers.
func withDriverHandlers(t *testing.T, h *harness, handlers map[string]driver.Handler) *harness {
	t.Helper()
	srv, err := newDriverAPI(t, h, handlers)
	if err != nil {
		t.Fatal(err)
	}
	h2 := *h
	h2.srv = srv
	return &h2
}

// newDriverAPI serves h's store and policy with the given driver handlers.
func newDriverAPI(t *testing.T, h *harness, handlers map[string]driver.Handler) (*httptest.Server, error) {
	t.Helper()
	authenticator, err := authn.New(context.Background(), authn.Config{Issuer: h.issuer.URL(), Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	a, err := api.NewChecked(api.Deps{Store: h.store, Evidence: evidence.New(h.store, time.Now), Authn: authenticator,
		Authz: api.PolicyAuthorizer{Authority: h.authority}, Runtime: api.Runtime{ServiceAudience: audience}, DriverHandlers: handlers})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv, nil
}

func TestDriverHandlerRegistration(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		const path = "/v1/drivers/generic-web/deploy"
		var reached []string
		deploy := driver.HandlerFunc(func(ctx context.Context, call driver.Call) (driver.Outcome, error) {
			if call.Route.AuthzAction != "generic_web_deploy.execute" || call.Route.ActionID != "stable_deploy" {
				t.Errorf("handler got route %+v", call.Route)
			}
			product := "web"
			if strings.Contains(string(call.Body), `"wrong"`) {
				return driver.Outcome{}, driver.CheckCompatible("verireel", "odoo")
			}
			if err := call.Caller.Authorize(ctx, product, "web-ctx"); err != nil {
				return driver.Outcome{}, err
			}
			reached = append(reached, call.Caller.Actor())
			return driver.Outcome{
				Records: map[string]string{"deployment_record_id": "deployment-web-ctx-testing", "local_path": "/tmp/x"},
				Result:  map[string]any{"deploy_status": "pass"},
			}, nil
		})
		handlers := driver.PendingHandlers(driver.Builtin())
		handlers[path] = deploy
		h2 := withDriverHandlers(t, h, handlers)

		body := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"testing"}}`)
		r := h2.do(http.MethodPost, path, h.token("acme/web", webRef), body)
		if r.status != http.StatusAccepted || r.body["status"] != "accepted" {
			t.Fatalf("POST %s = %d %s", path, r.status, r.raw)
		}
		if diff := cmp.Diff(map[string]any{"deployment_record_id": "deployment-web-ctx-testing"}, r.body["records"]); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"deploy_status": "pass"}, r.body["result"]); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		if r := h2.do(http.MethodPost, path, h.token("acme/ops", opsRef), body); r.status != http.StatusForbidden {
			t.Errorf("unauthorized deploy = %d %s", r.status, r.raw)
		}
		if len(reached) != 1 {
			t.Errorf("handler work ran %d times, want 1", len(reached))
		}
		r = h2.do(http.MethodPost, path, h.token("acme/web", webRef), []byte(`{"product":"wrong"}`))
		if r.status != http.StatusForbidden || errorCode(r) != api.CodeProductDriverMismatch {
			t.Errorf("mismatch = %d %s", r.status, r.raw)
		}
		// The other routes stay pending.
		r = h2.do(http.MethodPost, "/v1/drivers/generic-web/prod-promotion", h.token("acme/web", webRef), []byte(`{"product":"web","context":"web-ctx"}`))
		if r.status != http.StatusForbidden { // acme/web lacks generic_web_prod_promotion.execute: 403 before 501
			t.Errorf("prod-promotion = %d %s", r.status, r.raw)
		}
		if r := h2.do(http.MethodGet, "/v1/drivers", h.token("acme/ops", opsRef), nil); len(r.body["not_implemented_routes"].([]any)) != 36 {
			t.Errorf("not_implemented_routes = %v", r.body["not_implemented_routes"])
		}
	})
}

// TestDriverStartupFailures: the router table's errors stop the API.
func TestDriverStartupFailures(t *testing.T) {
	h := newHarnessWithPolicy(t, sqltest.Engines()[0].URL(t), driverPolicy)
	noop := driver.HandlerFunc(func(context.Context, driver.Call) (driver.Outcome, error) { return driver.Outcome{}, nil })
	missing := driver.PendingHandlers(driver.Builtin())
	delete(missing, "/v1/drivers/verireel/prod-deploy")
	typo := driver.PendingHandlers(driver.Builtin())
	typo["/v1/drivers/generic-web/deplyo"] = noop
	for name, tc := range map[string]struct {
		handlers map[string]driver.Handler
		want     string
	}{
		"POST route without a handler": {missing, "route POST /v1/drivers/verireel/prod-deploy (verireel.prod_deploy) has no handler"},
		"handler for no route":         {typo, "matches no described POST route"},
		"empty map":                    {map[string]driver.Handler{}, "has no handler"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newDriverAPI(t, h, tc.handlers)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewChecked() = %v, want an error containing %q", err, tc.want)
			}
			defer func() {
				if recover() == nil {
					t.Error("New did not panic on an invalid router table")
				}
			}()
			api.New(api.Deps{DriverHandlers: tc.handlers})
		})
	}
}

// viewActions maps action_id to "allowed" or the disabled reason.
func viewActions(t *testing.T, view map[string]any, driverIdx int) map[string]string {
	t.Helper()
	drivers := view["drivers"].([]any)
	out := map[string]string{}
	for _, a := range drivers[driverIdx].(map[string]any)["available_actions"].([]any) {
		a := a.(map[string]any)
		if a["allowed"] == true {
			out[a["action_id"].(string)] = "allowed"
		} else {
			out[a["action_id"].(string)] = a["disabled_reason"].(string)
		}
		if a["implemented"] != false {
			t.Errorf("action %s reported as implemented", a["action_id"])
		}
	}
	return out
}

func TestDriverViews(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		p, err := products.DecodeInput([]byte(driverWebProfile), products.SourceCLI)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := products.New(h.store, time.Now).Upsert(ctx, products.UpsertInput{Profile: p}); err != nil {
			t.Fatal(err)
		}
		ops := h.token("acme/ops", opsRef)

		// A read-only caller: read actions allowed, the rest disabled with reasons.
		r := h.do(http.MethodGet, "/v1/contexts/web-ctx/driver-view", ops, nil)
		if r.status != http.StatusOK {
			t.Fatalf("driver-view = %d %s", r.status, r.raw)
		}
		view := r.body["view"].(map[string]any)
		if view["context"] != "web-ctx" || view["instance"] != "" || len(view["drivers"].([]any)) != 1 {
			t.Fatalf("view = %s", r.raw)
		}
		dv := view["drivers"].([]any)[0].(map[string]any)
		if dv["driver_id"] != "generic-web" || dv["product"] != "web" || dv["descriptor"].(map[string]any)["driver_id"] != "generic-web" {
			t.Errorf("driver view = %v", dv)
		}
		if _, has := dv["lane_summary"]; has {
			t.Error("a context view carries a lane summary")
		}
		actions := viewActions(t, view, 0)
		if actions["preview_readiness"] != "allowed" {
			t.Errorf("preview_readiness = %q, want allowed", actions["preview_readiness"])
		}
		if want := "No authorization rule grants generic_web_deploy.execute on web/web-ctx."; actions["stable_deploy"] != want {
			t.Errorf("stable_deploy = %q, want %q", actions["stable_deploy"], want)
		}
		if len(actions) != 10 {
			t.Errorf("actions = %d, want 10: %v", len(actions), actions)
		}

		// A caller without driver.read gets no view.
		if r := h.do(http.MethodGet, "/v1/contexts/web-ctx/driver-view", h.token("acme/web", webRef), nil); r.status != http.StatusForbidden {
			t.Errorf("driver-view without driver.read = %d", r.status)
		}

		// A lane view adds the lane summary.
		r = h.do(http.MethodGet, "/v1/contexts/web-ctx/instances/testing/driver-view", ops, nil)
		if r.status != http.StatusOK {
			t.Fatalf("lane driver-view = %d %s", r.status, r.raw)
		}
		view = r.body["view"].(map[string]any)
		lane := view["drivers"].([]any)[0].(map[string]any)["lane_summary"].(map[string]any)
		if view["instance"] != "testing" || lane["context"] != "web-ctx" || lane["instance"] != "testing" ||
			lane["provenance"].(map[string]any)["freshness_status"] != evidence.FreshnessMissing {
			t.Errorf("lane view = %s", r.raw)
		}

		// VeriReel's contexts are served by its context patterns.
		r = h.do(http.MethodGet, "/v1/contexts/verireel/driver-view", ops, nil)
		view = r.body["view"].(map[string]any)
		if r.status != http.StatusOK || len(view["drivers"].([]any)) != 1 {
			t.Fatalf("verireel view = %d %s", r.status, r.raw)
		}
		actions = viewActions(t, view, 0)
		if actions["stable_environment"] != "allowed" || actions["runtime_verification"] != "allowed" || actions["prod_rollback"] == "allowed" {
			t.Errorf("verireel actions = %v", actions)
		}
		if actions["stable_deploy"] == "" { // inherited from generic-web
			t.Error("verireel view lacks the inherited stable_deploy")
		}

		// A context nothing serves is an empty view, not an error.
		r = h.do(http.MethodGet, "/v1/contexts/empty-ctx/driver-view", ops, nil)
		if r.status != http.StatusOK || len(r.body["view"].(map[string]any)["drivers"].([]any)) != 0 {
			t.Errorf("empty view = %d %s", r.status, r.raw)
		}

		// The terminal agent may read the view but no driver action.
		r = h.do(http.MethodGet, "/v1/contexts/web-ctx/driver-view", terminalToken, nil)
		if r.status != http.StatusOK {
			t.Fatalf("terminal driver-view = %d %s", r.status, r.raw)
		}
		for id, reason := range viewActions(t, r.body["view"].(map[string]any), 0) {
			if !strings.Contains(reason, "may only read (GET)") {
				t.Errorf("terminal agent action %s = %q", id, reason)
			}
		}

		// Authorization is on the requested context.
		if r := h.do(http.MethodGet, "/v1/contexts/cm/driver-view", ops, nil); r.status != http.StatusForbidden {
			t.Errorf("driver-view outside the caller's contexts = %d", r.status)
		}
	})
}

// TestDriverViewProfileSource: an injected source replaces the store's
// profiles and its errors fail the view.
func TestDriverViewProfileSource(t *testing.T) {
	h := newHarnessWithPolicy(t, sqltest.Engines()[0].URL(t), driverPolicy)
	authenticator, err := authn.New(context.Background(), authn.Config{Issuer: h.issuer.URL(), Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		source profileSource
		status int
		want   int
	}{
		{"profiles", profileSource{profiles: []driver.Profile{{Product: "web", DriverID: "odoo", Contexts: []string{"web-ctx"}}}}, http.StatusOK, 1},
		{"error", profileSource{err: errors.New("boom")}, http.StatusInternalServerError, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := api.NewChecked(api.Deps{Store: h.store, Authn: authenticator, Authz: api.PolicyAuthorizer{Authority: h.authority},
				DriverProfiles: tc.source})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			h2 := *h
			h2.srv = srv
			r := h2.do(http.MethodGet, "/v1/contexts/web-ctx/driver-view", h.token("acme/ops", opsRef), nil)
			if r.status != tc.status {
				t.Fatalf("status = %d %s", r.status, r.raw)
			}
			if tc.status == http.StatusOK {
				drivers := r.body["view"].(map[string]any)["drivers"].([]any)
				if len(drivers) != tc.want || drivers[0].(map[string]any)["driver_id"] != "odoo" {
					t.Errorf("drivers = %v", drivers)
				}
			} else if strings.Contains(r.raw, "boom") {
				t.Error("the source's error reached the response")
			}
		})
	}
}

type profileSource struct {
	profiles []driver.Profile
	err      error
}

func (s profileSource) ProfilesForContext(context.Context, string) ([]driver.Profile, error) {
	return s.profiles, s.err
}

// TestDriverIdempotency: a driver route's response is stored under its
// Idempotency-Key and replayed without running the handler again; a
// different body is 409; a dry-run outcome is never stored.
func TestDriverIdempotency(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		const path = "/v1/drivers/generic-web/deploy"
		runs := 0
		handlers := driver.PendingHandlers(driver.Builtin())
		handlers[path] = driver.HandlerFunc(func(ctx context.Context, call driver.Call) (driver.Outcome, error) {
			if err := call.Caller.Authorize(ctx, "web", "web-ctx"); err != nil {
				return driver.Outcome{}, err
			}
			runs++
			dry := strings.Contains(string(call.Body), `"dry"`)
			return driver.Outcome{Records: map[string]string{"deployment_record_id": fmt.Sprintf("deployment-%d", runs)},
				Result: map[string]any{"run": runs}, DryRun: dry}, nil
		})
		h2 := withDriverHandlers(t, h, handlers)
		tok := h.token("acme/web", webRef)
		body := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"testing"}}`)
		first := h2.do(http.MethodPost, path, tok, body, "Idempotency-Key", "deploy-1")
		again := h2.do(http.MethodPost, path, tok, body, "Idempotency-Key", "deploy-1")
		if first.status != http.StatusAccepted || again.status != http.StatusAccepted || runs != 1 {
			t.Fatalf("first %d, again %d, handler ran %d times", first.status, again.status, runs)
		}
		if again.body["replayed"] != true || !cmp.Equal(first.body["result"], again.body["result"]) {
			t.Errorf("replay = %s", again.raw)
		}
		other := h2.do(http.MethodPost, path, tok, []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"prod"}}`), "Idempotency-Key", "deploy-1")
		if other.status != http.StatusConflict || errorCode(other) != api.CodeIdempotencyKeyReused {
			t.Errorf("reused key = %d %s", other.status, other.raw)
		}
		dry := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"dry"}}`)
		h2.do(http.MethodPost, path, tok, dry, "Idempotency-Key", "dry-1")
		h2.do(http.MethodPost, path, tok, dry, "Idempotency-Key", "dry-1")
		if runs != 3 {
			t.Errorf("a dry run was replayed: handler ran %d times, want 3", runs)
		}
	})
}

// TestDriverLaneViewHidesTargetIDs: a lane's driver view carries the
// sanitized lane summary — never the provider target id that raw
// deployment evidence holds.
func TestDriverLaneViewHidesTargetIDs(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		p, err := products.DecodeInput([]byte(driverWebProfile), products.SourceCLI)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := products.New(h.store, time.Now).Upsert(ctx, products.UpsertInput{Profile: p}); err != nil {
			t.Fatal(err)
		}
		const targetID = "app-target-id-never-shown-4f1c"
		d := record.Deployment{SchemaVersion: 1, RecordID: "deployment-view-1", Context: "web-ctx", Instance: "testing", SourceGitRef: "main",
			WaitForCompletion: true, VerifyDestinationHealth: true, DelegatedExecutor: record.DelegatedExecutorDokploy,
			ResolvedTarget: &record.ResolvedTarget{TargetType: record.TargetApplication, TargetID: targetID, TargetName: "web-testing"},
			Deploy: record.DeploymentEvidence{TargetName: "web-testing", TargetType: record.TargetApplication, DeployMode: "m", Status: record.StatusPass,
				FinishedAt: record.FormatTime(time.Now())},
			PostDeployUpdate: record.PostDeployUpdateEvidence{Status: record.StatusSkipped}, DestinationHealth: record.HealthcheckEvidence{Status: record.StatusSkipped}}
		if _, err := evidence.New(h.store, time.Now).IngestDeployment(ctx, d); err != nil {
			t.Fatal(err)
		}
		r := h.do(http.MethodGet, "/v1/contexts/web-ctx/instances/testing/driver-view", h.token("acme/ops", opsRef), nil)
		if r.status != http.StatusOK || !strings.Contains(r.raw, `"lane_summary"`) {
			t.Fatalf("lane driver-view = %d %s", r.status, r.raw)
		}
		if strings.Contains(r.raw, targetID) {
			t.Errorf("the lane driver view leaks the target id:\n%s", r.raw)
		}
	})
}

// TestDriverIdempotencyConcurrent: while a keyed request runs, a duplicate
// is refused as in progress (the handler acts once); afterwards the key
// replays; a handler error releases the key so a retry runs.
func TestDriverIdempotencyConcurrent(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		const path = "/v1/drivers/generic-web/deploy"
		var mu sync.Mutex
		runs, fail := 0, true
		entered, release := make(chan struct{}, 4), make(chan struct{})
		handlers := driver.PendingHandlers(driver.Builtin())
		handlers[path] = driver.HandlerFunc(func(ctx context.Context, call driver.Call) (driver.Outcome, error) {
			if err := call.Caller.Authorize(ctx, "web", "web-ctx"); err != nil {
				return driver.Outcome{}, err
			}
			mu.Lock()
			runs++
			n := runs
			mu.Unlock()
			if strings.Contains(string(call.Body), `"flaky"`) && fail {
				fail = false
				return driver.Outcome{}, errors.New("provider exploded")
			}
			entered <- struct{}{}
			<-release
			return driver.Outcome{Result: map[string]any{"run": n}}, nil
		})
		h2 := withDriverHandlers(t, h, handlers)
		tok := h.token("acme/web", webRef)
		body := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"testing"}}`)
		first := make(chan response, 1)
		go func() { first <- h2.do(http.MethodPost, path, tok, body, "Idempotency-Key", "slow-1") }()
		select {
		case <-entered:
		case r := <-first:
			t.Fatalf("the first request ended before its handler ran: %d %s", r.status, r.raw)
		}
		dup := h2.do(http.MethodPost, path, tok, body, "Idempotency-Key", "slow-1")
		if dup.status != http.StatusConflict || !strings.Contains(dup.raw, "still running") {
			t.Errorf("duplicate while running = %d %s", dup.status, dup.raw)
		}
		close(release)
		if r := <-first; r.status != http.StatusAccepted {
			t.Fatalf("first = %d %s", r.status, r.raw)
		}
		again := h2.do(http.MethodPost, path, tok, body, "Idempotency-Key", "slow-1")
		if again.status != http.StatusAccepted || again.body["replayed"] != true || runs != 1 {
			t.Errorf("after: %d %s, handler ran %d times", again.status, again.raw, runs)
		}
		flaky := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"flaky"}}`)
		if r := h2.do(http.MethodPost, path, tok, flaky, "Idempotency-Key", "flaky-1"); r.status != http.StatusInternalServerError {
			t.Errorf("failing handler = %d %s", r.status, r.raw)
		}
		if r := h2.do(http.MethodPost, path, tok, flaky, "Idempotency-Key", "flaky-1"); r.status != http.StatusAccepted || r.body["replayed"] == true {
			t.Errorf("retry after a failure = %d %s (the key should have been released)", r.status, r.raw)
		}
	})
}

// TestDriverViewPreviewSummaries: a driver that manages previews lists the
// context's live previews in its view.
func TestDriverViewPreviewSummaries(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		p, err := products.DecodeInput([]byte(driverWebProfile), products.SourceCLI)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := products.New(h.store, time.Now).Upsert(ctx, products.UpsertInput{Profile: p}); err != nil {
			t.Fatal(err)
		}
		preview := recordtest.Preview("web-ctx", "acme/web", 42, "2026-11-27T08:00:00Z")
		if err := h.store.Update(ctx, func(tx store.Tx) error { return tx.PreviewPut(ctx, preview) }); err != nil {
			t.Fatal(err)
		}
		r := h.do(http.MethodGet, "/v1/contexts/web-ctx/driver-view", h.token("acme/ops", opsRef), nil)
		if r.status != http.StatusOK {
			t.Fatalf("driver-view = %d %s", r.status, r.raw)
		}
		dv := r.body["view"].(map[string]any)["drivers"].([]any)[0].(map[string]any)
		summaries, _ := dv["preview_summaries"].([]any)
		if len(summaries) != 1 || summaries[0].(map[string]any)["preview_id"] != preview.PreviewID {
			t.Errorf("preview_summaries = %v", dv["preview_summaries"])
		}
	})
}

// TestDriverIdempotencyTakeover: when a reservation was taken over by
// another request (its own expired), the first request's finish must not
// overwrite the new owner's row.
func TestDriverIdempotencyTakeover(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		const path = "/v1/drivers/generic-web/deploy"
		entered, release := make(chan struct{}, 1), make(chan struct{})
		handlers := driver.PendingHandlers(driver.Builtin())
		handlers[path] = driver.HandlerFunc(func(ctx context.Context, call driver.Call) (driver.Outcome, error) {
			if err := call.Caller.Authorize(ctx, "web", "web-ctx"); err != nil {
				return driver.Outcome{}, err
			}
			entered <- struct{}{}
			<-release
			return driver.Outcome{Result: map[string]any{"first": true}}, nil
		})
		h2 := withDriverHandlers(t, h, handlers)
		tok := h.token("acme/web", webRef)
		body := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"testing"}}`)
		done := make(chan response, 1)
		go func() { done <- h2.do(http.MethodPost, path, tok, body, "Idempotency-Key", "taken-1") }()
		select {
		case <-entered:
		case r := <-done:
			t.Fatalf("first request ended early: %d %s", r.status, r.raw)
		}
		// Another request took the key over (as after an expiry).
		ctx := context.Background()
		rows, err := h.store.DB().Query("SELECT scope FROM launchplane_idempotency_records WHERE idempotency_key = 'taken-1'")
		if err != nil {
			t.Fatal(err)
		}
		var scope string
		for rows.Next() {
			if err := rows.Scan(&scope); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		cur, err := h.store.IdempotencyFind(ctx, scope, path, "taken-1")
		if err != nil {
			t.Fatal(err)
		}
		cur.ResponseTraceID = "trace-of-the-new-owner"
		if err := h.store.Update(ctx, func(tx store.Tx) error { return tx.IdempotencyPut(ctx, cur) }); err != nil {
			t.Fatal(err)
		}
		close(release)
		if r := <-done; r.status != http.StatusAccepted {
			t.Fatalf("first request = %d %s", r.status, r.raw)
		}
		after, err := h.store.IdempotencyFind(ctx, scope, path, "taken-1")
		if err != nil || after.ResponseTraceID != "trace-of-the-new-owner" || after.ResponseStatusCode != http.StatusProcessing {
			t.Errorf("the first request overwrote the new owner's reservation: %+v, %v", after, err)
		}
	})
}

// TestDriverRefusals: a handler's refusal keeps its code and safe message
// and maps to 400, 403, 409 or 503.
func TestDriverRefusals(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		const path = "/v1/drivers/generic-web/deploy"
		handlers := driver.PendingHandlers(driver.Builtin())
		handlers[path] = driver.HandlerFunc(func(ctx context.Context, call driver.Call) (driver.Outcome, error) {
			if err := call.Caller.Authorize(ctx, "web", "web-ctx"); err != nil {
				return driver.Outcome{}, err
			}
			var body struct {
				Kind string `json:"kind"`
			}
			_ = json.Unmarshal(call.Body, &body)
			return driver.Outcome{}, driver.Refuse(body.Kind, "gate_refused", "Backup gate g-1 is for web/testing, not the destination web/prod.")
		})
		h2 := withDriverHandlers(t, h, handlers)
		for kind, status := range map[string]int{driver.RefusedInvalid: 400, driver.RefusedForbidden: 403, driver.RefusedConflict: 409, driver.RefusedUnavailable: 503} {
			r := h2.do(http.MethodPost, path, h.token("acme/web", webRef), []byte(`{"kind":"`+kind+`"}`), "Idempotency-Key", "refused-"+kind)
			if r.status != status || errorCode(r) != "gate_refused" || !strings.Contains(r.raw, "not the destination web/prod") {
				t.Errorf("%s refusal = %d %s, want %d", kind, r.status, r.raw, status)
			}
		}
	})
}
