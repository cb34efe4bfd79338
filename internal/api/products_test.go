package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/productview/productviewtest"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// productsPolicy: acme/ops is a read-only operator (product_environment.read
// everywhere it looks, nothing else); acme/web may also deploy web in
// web-ctx; acme/docs may read the product but not its lane context.
const productsPolicy = `
schema_version = 1

[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/*.yml@*"]
products = ["launchplane", "web"]
contexts = ["launchplane", "web-ctx"]
actions = ["product_environment.read"]

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/*.yml@*"]
products = ["web"]
contexts = ["launchplane", "web-ctx"]
actions = ["product_environment.read", "generic_web_deploy.execute"]

[[github_actions]]
repository = "acme/docs"
workflow_refs = ["acme/docs/.github/workflows/*.yml@*"]
products = ["web"]
contexts = ["launchplane"]
actions = ["product_environment.read"]
`

const docsRef = "acme/docs/.github/workflows/docs.yml@refs/heads/main"

// eachProductsEngine seeds the productviewtest product at seededAt.
func eachProductsEngine(t *testing.T, seededAt time.Time, fn func(t *testing.T, h *harness)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWith(t, engine.URL(t), harnessOptions{Policy: productsPolicy})
			productviewtest.Seed(t, h.store, func() time.Time { return seededAt })
			fn(t, h)
		})
	}
}

func actionsOf(t *testing.T, v any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, a := range v.([]any) {
		m := a.(map[string]any)
		out[m["action_id"].(string)] = m
	}
	return out
}

func TestProductReadModels(t *testing.T) {
	eachProductsEngine(t, time.Now().UTC(), func(t *testing.T, h *harness) {
		ops, deployer := h.token("acme/ops", opsRef), h.token("acme/web", webRef)
		var raws []string
		get := func(path, bearer string, status int) response {
			t.Helper()
			r := h.do(http.MethodGet, path, bearer, nil)
			if r.status != status {
				t.Fatalf("GET %s = %d %s, want %d", path, r.status, r.raw, status)
			}
			raws = append(raws, r.raw)
			return r
		}

		r := get("/v1/products", ops, http.StatusOK)
		ps := r.body["products"].([]any)
		if len(ps) != 1 || ps[0].(map[string]any)["product"] != "web" || r.body["status"] != "ok" {
			t.Fatalf("products = %s", r.raw)
		}

		// The read-only operator sees every action, none enabled, each with a reason.
		r = get("/v1/products/web/environments/prod", ops, http.StatusOK)
		env := r.body["environment"].(map[string]any)
		if env["trust_state"] != "verified" || env["provenance"].(map[string]any)["freshness_status"] != "verified" {
			t.Errorf("fresh verified lane: trust %v, provenance %v", env["trust_state"], env["provenance"])
		}
		target := env["target"].(map[string]any)
		if target["target_id_recorded"] != true || target["provider"] != "dokploy" || target["target_name"] != "web-prod" {
			t.Errorf("target = %v", target)
		}
		acts := actionsOf(t, env["available_actions"])
		for _, id := range []string{"stable_deploy", "prod_promotion", "prod_promotion_workflow"} {
			a, ok := acts[id]
			if !ok {
				t.Errorf("prod lacks action %s: %v", id, env["available_actions"])
				continue
			}
			reasons, _ := a["disabled_reasons"].([]any)
			if a["allowed"] != false || a["enabled"] != false || len(reasons) == 0 ||
				!strings.HasPrefix(a["disabled_reason"].(string), "No authorization rule grants "+a["authz_action"].(string)+" on web/web-ctx") {
				t.Errorf("read-only operator, action %s: %v", id, a)
			}
		}

		// The deployer may deploy; the reasons left are only about the build.
		r = get("/v1/products/web/environments/prod", deployer, http.StatusOK)
		deploy := actionsOf(t, r.body["environment"].(map[string]any)["available_actions"])["stable_deploy"]
		if deploy["allowed"] != true || deploy["disabled_reason"] != nil || deploy["enabled"] != deploy["implemented"] {
			t.Errorf("deployer stable_deploy = %v", deploy)
		}

		r = get("/v1/products/web", ops, http.StatusOK)
		p := r.body["product"].(map[string]any)
		if p["trust_state"] != "recorded" || len(p["environments"].([]any)) != 2 {
			t.Errorf("product = %s", r.raw)
		}
		for id, a := range actionsOf(t, p["available_actions"]) {
			if !strings.HasPrefix(id, "preview_") || a["context"] != "web-preview" || a["enabled"] != false {
				t.Errorf("product action %s = %v", id, a)
			}
		}

		r = get("/v1/products/web/environments", ops, http.StatusOK)
		if envs := r.body["environments"].([]any); len(envs) != 2 || envs[0].(map[string]any)["environment"] != "testing" {
			t.Errorf("environments = %s", r.raw)
		}

		r = get("/v1/products/web/environments/prod/config-status", ops, http.StatusOK)
		cs := r.body["config_status"].(map[string]any)
		statuses := map[string]string{}
		for _, k := range cs["keys"].([]any) {
			m := k.(map[string]any)
			statuses[m["key"].(string)] = m["status"].(string)
		}
		if statuses[productviewtest.MissingKey] != "missing" || statuses["API_TOKEN"] != "configured" || cs["status"] != "incomplete" {
			t.Errorf("config status = %s", r.raw)
		}

		r = get("/v1/products/web/activity", ops, http.StatusOK)
		var found bool
		for _, e := range r.body["activity"].(map[string]any)["events"].([]any) {
			m := e.(map[string]any)
			if m["record_id"] == productviewtest.HistoricalDeployment {
				found = m["historical"] == true && m["context"] == productviewtest.HistoricalContext
			}
		}
		if !found {
			t.Errorf("activity lacks the historical deployment: %s", r.raw)
		}
		get("/v1/products/web/activity?limit=1", ops, http.StatusOK)
		get("/v1/products/web/environments/testing", deployer, http.StatusOK)

		// No response carries a secret value, a runtime value or a target id.
		for _, raw := range raws {
			for _, planted := range []string{productviewtest.SecretValue, productviewtest.TargetID, productviewtest.RuntimeValue, productviewtest.TargetEnvValue} {
				if strings.Contains(raw, planted) {
					t.Errorf("a response contains planted %q", planted)
				}
			}
		}
	})
}

func TestProductReadModelAuthorization(t *testing.T) {
	eachProductsEngine(t, time.Now().UTC(), func(t *testing.T, h *harness) {
		docs, deployer := h.token("acme/docs", docsRef), h.token("acme/web", webRef)
		for _, tc := range []struct {
			name, path, bearer string
			status             int
			code               string
		}{
			{"no token", "/v1/products", "", http.StatusUnauthorized, api.CodeAuthenticationNeeded},
			{"list needs launchplane/launchplane", "/v1/products", deployer, http.StatusForbidden, api.CodeAuthorizationDenied},
			{"product read on <product>/launchplane", "/v1/products/web", docs, http.StatusOK, ""},
			{"activity on <product>/launchplane", "/v1/products/web/activity", docs, http.StatusOK, ""},
			{"environment list on <product>/launchplane", "/v1/products/web/environments", docs, http.StatusOK, ""},
			{"environment detail on the lane context", "/v1/products/web/environments/prod", docs, http.StatusForbidden, api.CodeAuthorizationDenied},
			{"config status on the lane context", "/v1/products/web/environments/prod/config-status", docs, http.StatusForbidden, api.CodeAuthorizationDenied},
			{"another product is denied before any read", "/v1/products/other", docs, http.StatusForbidden, api.CodeAuthorizationDenied},
			{"unknown environment", "/v1/products/web/environments/staging", docs, http.StatusNotFound, api.CodeNotFound},
			{"unknown product environment", "/v1/products/other/environments/prod", docs, http.StatusNotFound, api.CodeNotFound},
			{"bad limit", "/v1/products/web/activity?limit=500", docs, http.StatusBadRequest, api.CodeInvalidRequest},
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

// TestProductFreshnessGoesStale: evidence recorded 31 minutes ago is stale
// (the injected-clock walk across the boundary is in productview's tests).
func TestProductFreshnessGoesStale(t *testing.T) {
	eachProductsEngine(t, time.Now().UTC().Add(-31*time.Minute), func(t *testing.T, h *harness) {
		r := h.do(http.MethodGet, "/v1/products/web/environments/prod", h.token("acme/ops", opsRef), nil)
		env, _ := r.body["environment"].(map[string]any)
		if r.status != http.StatusOK || env["trust_state"] != "stale" {
			t.Fatalf("GET prod = %d %s", r.status, r.raw)
		}
		warnings, _ := env["warnings"].([]any)
		if len(warnings) == 0 || !strings.Contains(warnings[0].(string), "stale") {
			t.Errorf("warnings = %v", warnings)
		}
	})
}
