package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

const (
	onboardingPath     = "/v1/product-onboarding/apply"
	onboardingRepo     = "acme/onboard"
	onboardingWorkflow = "acme/onboard/.github/workflows/onboard.yml@refs/heads/main"
	// Distinctive values the manifest carries and no response may.
	onboardTargetID   = "app-QX-onboard-target-4417"
	onboardTargetEnv  = "onboard-target-env-value-8812"
	onboardRuntimeEnv = "onboard-runtime-env-value-3390"
)

// onboardingPolicy lets acme/onboard onboard products; acme/web may not.
const onboardingPolicy = testPolicy + `
[[github_actions]]
repository = "acme/onboard"
workflow_refs = ["` + onboardingWorkflow + `"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["product_onboarding.apply"]
`

const onboardingManifest = `{
  "product": "shop", "display_name": "Shop", "repository": "acme/shop",
  "image_repository": "ghcr.io/acme/shop", "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [{"instance": "testing", "context": "shop", "base_url": "https://testing.shop.example"},
            {"instance": "prod", "context": "shop", "base_url": "https://shop.example"}],
  "provider_targets": [
    {"context": "shop", "instance": "testing", "target_id": "app-shop-testing", "target_name": "shop-testing",
     "env": {"SHOP_MODE": "` + onboardTargetEnv + `"}},
    {"context": "shop", "instance": "prod", "target_id": "` + onboardTargetID + `", "target_name": "shop-prod"}
  ],
  "runtime_environments": [{"scope": "context", "context": "shop", "env": {"SHOP_REGION": "` + onboardRuntimeEnv + `"}}],
  "secret_bindings": [{"binding_key": "STRIPE_API_KEY", "context": "shop", "instance": "prod"}],
  "source_label": "ops:onboard-shop"
}`

func onboardingBody(mode, manifest string) []byte {
	m := ""
	if mode != "" {
		m = `"mode": "` + mode + `", `
	}
	return []byte(`{"product": "launchplane", ` + m + `"manifest": ` + manifest + `}`)
}

var onboardingTables = []string{"launchplane_product_profiles", "launchplane_dokploy_targets", "launchplane_dokploy_target_ids",
	"launchplane_provider_targets", "launchplane_runtime_environments", "launchplane_secret_bindings", "launchplane_evidence_ledger"}

func (h *harness) onboardingRows() map[string]int {
	out := map[string]int{}
	for _, table := range onboardingTables {
		out[table] = h.count(table)
	}
	return out
}

func (h *harness) noValues(r response) {
	h.t.Helper()
	for _, v := range []string{onboardTargetID, onboardTargetEnv, onboardRuntimeEnv, "app-shop-testing"} {
		if strings.Contains(r.raw, v) {
			h.t.Errorf("response carries %q: %s", v, r.raw)
		}
	}
}

func TestProductOnboardingRoute(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), onboardingPolicy)
			onboarder := h.token(onboardingRepo, onboardingWorkflow)
			outsider := h.token("acme/web", workflowRef)
			empty := h.onboardingRows()

			// Denied: 403, nothing written.
			r := h.do(http.MethodPost, onboardingPath, outsider, onboardingBody("", onboardingManifest))
			if r.status != http.StatusForbidden || errorCode(r) != "authorization_denied" {
				t.Errorf("denied: %d %s", r.status, r.raw)
			}
			if r = h.do(http.MethodPost, onboardingPath, "", onboardingBody("", onboardingManifest)); r.status != http.StatusUnauthorized {
				t.Errorf("no token: %d %s", r.status, r.raw)
			}

			// A dry run reports the plan and writes nothing.
			r = h.do(http.MethodPost, onboardingPath, onboarder, onboardingBody("dry-run", onboardingManifest), "Idempotency-Key", "onboard-dry")
			result, _ := r.body["result"].(map[string]any)
			if r.status != http.StatusAccepted || result["mode"] != "dry-run" || result["changed"] != true {
				t.Fatalf("dry run: %d %s", r.status, r.raw)
			}
			h.noValues(r)
			if diff := cmp.Diff(empty, h.onboardingRows()); diff != "" || h.count("launchplane_idempotency_records") != 0 {
				t.Errorf("dry run wrote (-before +after):\n%s", diff)
			}

			// Allowed: 202, everything created, sanitized.
			first := h.do(http.MethodPost, onboardingPath, onboarder, onboardingBody("", onboardingManifest), "Idempotency-Key", "onboard-shop")
			result, _ = first.body["result"].(map[string]any)
			records, _ := first.body["records"].(map[string]any)
			if first.status != http.StatusAccepted || records["product_profile"] != "shop" || result["changed"] != true ||
				result["provider_target_count"] != float64(2) || result["secret_binding_count"] != float64(1) {
				t.Fatalf("apply: %d %s", first.status, first.raw)
			}
			if !strings.Contains(first.raw, `"target_id_recorded":true`) || !strings.Contains(first.raw, `"env_keys":["SHOP_MODE"]`) {
				t.Errorf("apply summary: %s", first.raw)
			}
			h.noValues(first)
			after := h.onboardingRows()
			if after["launchplane_provider_targets"] != 2 || after["launchplane_secret_bindings"] != 1 || after["launchplane_product_profiles"] != 1 {
				t.Errorf("rows after apply: %v", after)
			}

			// Idempotency-Key: the same body replays; another body is 409.
			again := h.do(http.MethodPost, onboardingPath, onboarder, onboardingBody("", onboardingManifest), "Idempotency-Key", "onboard-shop")
			if again.status != http.StatusAccepted || again.body["replayed"] != true || again.body["original_trace_id"] != first.body["trace_id"] {
				t.Errorf("replay: %d %s", again.status, again.raw)
			}
			changed := strings.Replace(onboardingManifest, `"display_name": "Shop"`, `"display_name": "Shop 2"`, 1)
			if r := h.do(http.MethodPost, onboardingPath, onboarder, onboardingBody("", changed), "Idempotency-Key", "onboard-shop"); r.status != http.StatusConflict || errorCode(r) != "idempotency_key_reused" {
				t.Errorf("reused key: %d %s", r.status, r.raw)
			}

			// The same manifest under a new key changes nothing.
			second := h.do(http.MethodPost, onboardingPath, onboarder, onboardingBody("apply", onboardingManifest))
			result, _ = second.body["result"].(map[string]any)
			if second.status != http.StatusAccepted || result["changed"] != false || strings.Contains(second.raw, `"created"`) || strings.Contains(second.raw, `"updated"`) {
				t.Errorf("second apply: %d %s", second.status, second.raw)
			}
			if diff := cmp.Diff(after, h.onboardingRows()); diff != "" {
				t.Errorf("second apply wrote (-before +after):\n%s", diff)
			}
		})
	}
}

func TestProductOnboardingRefusals(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"legacy dokploy_targets", string(onboardingBody("", strings.Replace(onboardingManifest, `"provider_targets"`, `"dokploy_targets"`, 1))), "manifest.dokploy_targets"},
		{"secret-shaped runtime key", string(onboardingBody("", strings.Replace(onboardingManifest, `"SHOP_REGION"`, `"SHOP_SECRET"`, 1))), "manifest.runtime_environments[0].env"},
		{"secret-shaped target env", string(onboardingBody("", strings.Replace(onboardingManifest, `"SHOP_MODE"`, `"SHOP_PASSWORD"`, 1))), "manifest.provider_targets[0].env"},
		{"untracked lane", string(onboardingBody("", strings.Replace(onboardingManifest, `"context": "shop", "instance": "prod", "target_id"`, `"context": "shop", "instance": "dev", "target_id"`, 1))), "manifest.provider_targets[1].instance"},
		{"configured placeholder", string(onboardingBody("", strings.Replace(onboardingManifest, `"instance": "prod"}]`, `"instance": "prod", "status": "configured"}]`, 1))), "manifest.secret_bindings[0].status"},
		{"missing repository", string(onboardingBody("", strings.Replace(onboardingManifest, `"repository": "acme/shop",`, ``, 1))), "manifest.repository"},
		{"other product", `{"product": "shop", "manifest": ` + onboardingManifest + `}`, "product must be launchplane"},
		{"bad mode", string(onboardingBody("plan", onboardingManifest)), "mode must be dry-run or apply"},
		{"no manifest", `{"product": "launchplane"}`, "manifest"},
		{"unknown envelope field", `{"product": "launchplane", "manifest": {}, "force": true}`, "(body)"},
	}
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), onboardingPolicy)
			onboarder := h.token(onboardingRepo, onboardingWorkflow)
			before := h.onboardingRows()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := h.do(http.MethodPost, onboardingPath, onboarder, []byte(tc.body))
					msg, _ := r.body["error"].(map[string]any)["message"].(string)
					if r.status != http.StatusBadRequest || errorCode(r) != "invalid_request" || !strings.Contains(msg, tc.field) {
						t.Errorf("%d %s, want 400 naming %s", r.status, r.raw, tc.field)
					}
					for _, key := range []string{"SHOP_SECRET", "SHOP_PASSWORD"} {
						if strings.Contains(r.raw, key) {
							t.Errorf("refusal echoes the caller's key %s: %s", key, r.raw)
						}
					}
					h.noValues(r)
				})
			}
			if diff := cmp.Diff(before, h.onboardingRows()); diff != "" {
				t.Errorf("refusals wrote (-before +after):\n%s", diff)
			}

			// A stale provider-target row: 409, nothing written.
			targetstest.Track(t, h.store, record.DokployTarget{Context: "shop", Instance: "prod", TargetName: "shop-prod"}, "app-old")
			ctx := context.Background()
			if err := h.store.Update(ctx, func(tx store.Tx) error {
				return tx.ProviderTargetPut(ctx, record.ProviderTarget{SchemaVersion: 1, Context: "shop", Instance: "prod",
					ProviderID: "dokploy", TargetCategory: "application", TargetID: "app-elsewhere", DisplayName: "shop-prod",
					ProviderTargetType: "application", UpdatedAt: record.FormatTime(time.Now())})
			}); err != nil {
				t.Fatal(err)
			}
			before = h.onboardingRows()
			r := h.do(http.MethodPost, onboardingPath, onboarder, onboardingBody("", onboardingManifest), "Idempotency-Key", "stale")
			if r.status != http.StatusConflict || errorCode(r) != "provider_target_stale" {
				t.Errorf("stale row: %d %s", r.status, r.raw)
			}
			if diff := cmp.Diff(before, h.onboardingRows()); diff != "" || h.count("launchplane_idempotency_records") != 0 {
				t.Errorf("stale apply wrote (-before +after):\n%s", diff)
			}
		})
	}
}
