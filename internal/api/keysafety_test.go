package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const keySafetyPath = "/v1/runtime-key-safety/policies/apply"

// keySafetyPolicy is testPolicy with runtime_key_safety.write granted to
// acme/ops; acme/web has no such grant.
var keySafetyPolicy = strings.Replace(testPolicy, `actions = ["authz_policy_grant.write", "launchplane_service.read"]`,
	`actions = ["authz_policy_grant.write", "launchplane_service.read", "runtime_key_safety.write"]`, 1)

func keySafetyBody(t *testing.T, mode string, rules ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"schema_version": 1, "product": "launchplane", "mode": mode, "reason": "test", "rules": rules})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keySafetyVersions(t *testing.T, h *harness) int {
	t.Helper()
	recs, err := h.store.KeySafetyPolicyList(context.Background(), store.KeySafetyPolicyListParams{})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func TestRuntimeKeySafetyPolicyRoute(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), keySafetyPolicy)
			admin := h.admin()
			smtp := map[string]any{"binding_key": "SMTP_PASSWORD", "secret_class": "prod_only", "allowed_contexts": []string{"cm"}}

			// Unauthorized: acme/web holds no runtime_key_safety.write.
			web := h.token("acme/web", workflowRef)
			if r := h.do("POST", keySafetyPath, web, keySafetyBody(t, "apply", smtp)); r.status != 403 || errorCode(r) != "authorization_denied" {
				t.Fatalf("unauthorized: %d %s", r.status, r.raw)
			}
			// Bad rules: 400 naming the field, nothing written.
			for _, bad := range []map[string]any{
				{"binding_key": "K", "secret_class": "prod"},
				{"binding_key": " ", "secret_class": "testing"},
				{"binding_key": "K", "secret_class": "testing", "extra": 1},
			} {
				if r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply", bad)); r.status != 400 || errorCode(r) != "invalid_request" {
					t.Fatalf("bad rule %v: %d %s", bad, r.status, r.raw)
				}
			}
			if r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply", smtp, smtp)); r.status != 400 {
				t.Fatalf("duplicate binding_key: %d %s", r.status, r.raw)
			}
			if r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply")); r.status != 400 {
				t.Fatalf("no rules: %d %s", r.status, r.raw)
			}
			if r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "sideways", smtp)); r.status != 400 {
				t.Fatalf("bad mode: %d %s", r.status, r.raw)
			}

			// Dry run: reports, writes nothing.
			ledger := h.ledgerEntries()
			r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "dry-run", smtp))
			if r.status != 202 {
				t.Fatalf("dry run: %d %s", r.status, r.raw)
			}
			result := r.body["result"].(map[string]any)
			if result["changed"] != true || result["mode"] != "dry-run" || len(r.body["records"].(map[string]any)) != 0 {
				t.Fatalf("dry run body: %s", r.raw)
			}
			if keySafetyVersions(t, h) != 0 || h.ledgerEntries() != ledger {
				t.Fatal("dry run wrote")
			}
			if _, err := keysafety.Active(context.Background(), h.store); err == nil {
				t.Fatal("dry run left an active policy")
			}

			// Apply writes one version; a replay with the same key writes nothing more.
			r = h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply", smtp), "Idempotency-Key", "ks-1")
			if r.status != 202 {
				t.Fatalf("apply: %d %s", r.status, r.raw)
			}
			id, _ := r.body["records"].(map[string]any)["runtime_key_safety_policy_record_id"].(string)
			act, err := keysafety.Active(context.Background(), h.store)
			if err != nil || act.RecordID != id || id == "" {
				t.Fatalf("active %q, response %q: %v", act.RecordID, id, err)
			}
			summary := r.body["result"].(map[string]any)["runtime_key_safety_policy"].(map[string]any)
			if summary["rule_count"] != float64(1) || len(summary["policy_sha256"].(string)) != 64 {
				t.Fatalf("summary: %s", r.raw)
			}
			if r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply", smtp), "Idempotency-Key", "ks-1"); r.status != 202 || r.body["replayed"] != true {
				t.Fatalf("replay: %d %s", r.status, r.raw)
			}
			// Unchanged hash: no new version.
			if r := h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply", smtp)); r.status != 202 || r.body["result"].(map[string]any)["changed"] != false {
				t.Fatalf("unchanged apply: %d %s", r.status, r.raw)
			}
			if n := keySafetyVersions(t, h); n != 1 {
				t.Fatalf("versions %d, want 1", n)
			}
			// A new key merges in.
			r = h.do("POST", keySafetyPath, admin, keySafetyBody(t, "apply", map[string]any{"binding_key": "SENTRY_DSN", "secret_class": "shared_safe"}))
			if r.status != 202 || keySafetyVersions(t, h) != 2 {
				t.Fatalf("merge apply: %d %s", r.status, r.raw)
			}
			if act, _ := keysafety.Active(context.Background(), h.store); len(act.Rules) != 2 {
				t.Fatalf("merged rules: %+v", act.Rules)
			}
		})
	}
}
