package api_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	pcPath        = "/v1/product-config/apply"
	pcValue       = "Api-product-config-distinctive-value"
	pcOperatorTok = "local-operator-product-config-token-0123456789"
)

const pcPolicy = `
schema_version = 1

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/*.yml@*"]
products = ["cm"]
contexts = ["cm"]
actions = ["product_config.plan", "product_config.apply"]

[[github_actions]]
repository = "acme/web"
workflow_refs = ["acme/web/.github/workflows/*.yml@*"]
products = ["launchplane"]
contexts = ["cm", "launchplane"]
actions = ["secret.list", "secret.read", "runtime_key_safety.write"]

[[local_operators]]
subjects = ["owner"]
token_labels = ["write"]
products = ["cm"]
contexts = ["cm"]
actions = ["product_config.plan", "product_config.apply"]

[[terminal_agents]]
subjects = ["owner"]
token_labels = ["read"]
products = ["cm"]
contexts = ["cm"]
actions = ["product_config.plan", "product_config.apply"]
`

// pcKey is the harness's master key material.
const pcKey = "0123456789abcdef0123456789abcdef"

func newProductConfigHarness(t *testing.T, url string, withKey bool) *harness {
	key := ""
	if withKey {
		key = pcKey
	}
	return newProductConfigHarnessLogging(t, url, key, nil)
}

// newProductConfigHarnessLogging is newProductConfigHarness with the
// service's slog output going to log (discarded when nil) and key as the
// master key material ("" for no key ring). Several harnesses may share url.
func newProductConfigHarnessLogging(t *testing.T, url, key string, log *slog.Logger) *harness {
	t.Helper()
	var ring *crypto.KeyRing
	if key != "" {
		ring = newKeyRing(t, base64.StdEncoding.EncodeToString([]byte(key)))
	}
	h := newHarnessWith(t, url, harnessOptions{Policy: pcPolicy,
		TerminalAgent: ownerToken(terminalToken, "read"), LocalOperator: ownerToken(pcOperatorTok, "write"),
		Ring: ring, Logger: log})
	rules := []record.RuntimeSecretSafetyRule{{BindingKey: "SMTP_PASSWORD", SecretClass: "non_prod"}}
	if _, _, err := keysafety.Apply(context.Background(), h.store, rules, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	return h
}

func pcBody(t *testing.T, mode string, mutate func(m map[string]any)) []byte {
	m := map[string]any{"schema_version": 1, "product": "cm", "context": "cm", "instance": "testing", "mode": mode, "reason": "test",
		"runtime_env": map[string]any{"KEYCLOAK_URL": "https://id.example"},
		"secrets":     []any{map[string]any{"name": "smtp", "binding_key": "SMTP_PASSWORD", "value": pcValue}}}
	if mutate != nil {
		mutate(m)
	}
	return jsonBody(t, m)
}

func pcRows(h *harness) int {
	return h.count("launchplane_runtime_environments") + h.count("launchplane_secrets") + h.count("launchplane_secret_versions") + h.count("launchplane_secret_bindings")
}

func TestProductConfigRoute(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newProductConfigHarness(t, engine.URL(t), true)
			var all strings.Builder
			do := func(bearer string, body []byte, status int, code string) response {
				t.Helper()
				r := h.do("POST", pcPath, bearer, body)
				all.WriteString(r.raw)
				if r.status != status || (code != "" && errorCode(r) != code) {
					t.Fatalf("want %d %s, got %d %s", status, code, r.status, r.raw)
				}
				return r
			}
			web := h.token("acme/web", workflowRef)

			do(terminalToken, pcBody(t, "dry-run", nil), 403, "")
			do(pcOperatorTok, pcBody(t, "dry-run", func(m map[string]any) { delete(m, "reason") }), 400, "reason_required")
			// Owner agent: apply without a prior dry-run is refused.
			do(pcOperatorTok, pcBody(t, "apply", nil), 400, "local_operator_dry_run_required")
			// Validation: one bad secret scope, a secret-shaped runtime key; nothing written.
			do(web, pcBody(t, "apply", func(m map[string]any) {
				m["secrets"] = append(m["secrets"].([]any), map[string]any{"name": "x", "binding_key": "X_TOKEN", "value": "v", "scope": "nope"})
			}), 400, "invalid_request")
			r := do(web, pcBody(t, "apply", func(m map[string]any) { m["runtime_env"] = map[string]any{"MY_SECRET": "v"} }), 400, "invalid_request")
			if strings.Contains(r.raw, "MY_SECRET") {
				t.Fatalf("error echoes a caller key: %s", r.raw)
			}
			// Key safety: prod is not a non_prod environment.
			do(web, pcBody(t, "apply", func(m map[string]any) { m["instance"] = "prod" }), 400, "runtime_key_safety_failed")
			if n := pcRows(h); n != 0 {
				t.Fatalf("%d rows written by refused requests", n)
			}

			// Owner agent: dry-run, then apply bound to the plan.
			r = do(pcOperatorTok, pcBody(t, "dry-run", nil), 202, "")
			res := r.body["result"].(map[string]any)
			planID, _ := res["plan_id"].(string)
			if planID == "" || res["inputs_digest"] == "" || res["status"] != "dry_run" {
				t.Fatalf("dry-run result: %s", r.raw)
			}
			if n := pcRows(h); n != 0 {
				t.Fatalf("dry-run wrote %d rows", n)
			}
			r = do(pcOperatorTok, pcBody(t, "apply", func(m map[string]any) { m["plan_id"] = planID }), 202, "")
			if res := r.body["result"].(map[string]any); res["status"] != "ok" {
				t.Fatalf("apply result: %s", r.raw)
			}
			// The plan is now stale: the runtime record and secret changed.
			r = do(web, pcBody(t, "apply", func(m map[string]any) { m["plan_id"] = planID }), 409, "product_config_plan_stale")
			if !strings.Contains(r.raw, "runtime record cm/testing") {
				t.Fatalf("stale message: %s", r.raw)
			}
			if strings.Contains(all.String(), pcValue) {
				t.Fatal("a response contains the secret value")
			}
		})
	}
}

func TestProductConfigRouteWithoutKey(t *testing.T) {
	h := newProductConfigHarness(t, sqltest.SQLiteURL(t), false)
	r := h.do("POST", pcPath, h.token("acme/web", workflowRef), pcBody(t, "apply", nil))
	if r.status != 503 || errorCode(r) != "secret_configuration_required" || pcRows(h) != 0 {
		t.Fatalf("no key: %d %s", r.status, r.raw)
	}
}

// An Idempotency-Key retry replays the first response without re-applying
// the bundle: a change made in between survives the retry.
func TestProductConfigRouteIdempotency(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newProductConfigHarness(t, engine.URL(t), true)
			web := h.token("acme/web", workflowRef)
			body := pcBody(t, "apply", nil)
			first := h.do("POST", pcPath, web, body, "Idempotency-Key", "pc-1")
			if first.status != 202 || first.body["replayed"] != nil {
				t.Fatalf("first apply: %d %s", first.status, first.raw)
			}
			changed := pcBody(t, "apply", func(m map[string]any) { m["runtime_env"] = map[string]any{"KEYCLOAK_URL": "https://changed.example"} })
			if r := h.do("POST", pcPath, web, changed); r.status != 202 {
				t.Fatalf("second bundle: %d %s", r.status, r.raw)
			}
			ledger := h.ledgerEntries()

			again := h.do("POST", pcPath, web, body, "Idempotency-Key", "pc-1")
			if again.status != 202 || again.body["replayed"] != true || again.body["original_trace_id"] != first.body["trace_id"] {
				t.Fatalf("retry: %d %s", again.status, again.raw)
			}
			if diff := cmp.Diff(first.body["result"], again.body["result"]); diff != "" {
				t.Errorf("replayed result (-first +replay):\n%s", diff)
			}
			got, err := h.store.RuntimeEnvGet(context.Background(), record.ScopeInstance, "cm", "testing")
			if err != nil {
				t.Fatal(err)
			}
			if got.Env["KEYCLOAK_URL"] != "https://changed.example" || h.ledgerEntries() != ledger {
				t.Fatalf("the replay re-applied the bundle: %v, ledger %d -> %d", got.Env, ledger, h.ledgerEntries())
			}
			if r := h.do("POST", pcPath, web, changed, "Idempotency-Key", "pc-1"); r.status != 409 || errorCode(r) != "idempotency_key_reused" {
				t.Fatalf("reused key, other body: %d %s", r.status, r.raw)
			}
			// Dry runs are never stored: each one is a fresh plan.
			dry := pcBody(t, "dry-run", nil)
			d1 := h.do("POST", pcPath, web, dry, "Idempotency-Key", "pc-dry")
			d2 := h.do("POST", pcPath, web, dry, "Idempotency-Key", "pc-dry")
			if d1.status != 202 || d2.status != 202 || d2.body["replayed"] != nil ||
				d1.body["result"].(map[string]any)["plan_id"] == d2.body["result"].(map[string]any)["plan_id"] {
				t.Fatalf("keyed dry runs: %s / %s", d1.raw, d2.raw)
			}
			if r := h.do("POST", pcPath, web, body, "Idempotency-Key", "bad key"); r.status != 400 {
				t.Fatalf("invalid key: %d %s", r.status, r.raw)
			}
			// A retry of an apply bound to a plan replays; it is not refused
			// as stale because of the change its own first attempt made.
			planBody := pcBody(t, "dry-run", func(m map[string]any) { m["runtime_env"] = map[string]any{"KEYCLOAK_URL": "https://planned.example"} })
			plan := h.do("POST", pcPath, pcOperatorTok, planBody)
			planID, _ := plan.body["result"].(map[string]any)["plan_id"].(string)
			if plan.status != 202 || planID == "" {
				t.Fatalf("owner dry-run: %d %s", plan.status, plan.raw)
			}
			bound := pcBody(t, "apply", func(m map[string]any) {
				m["runtime_env"] = map[string]any{"KEYCLOAK_URL": "https://planned.example"}
				m["plan_id"] = planID
			})
			if r := h.do("POST", pcPath, pcOperatorTok, bound, "Idempotency-Key", "pc-plan"); r.status != 202 {
				t.Fatalf("bound apply: %d %s", r.status, r.raw)
			}
			if r := h.do("POST", pcPath, pcOperatorTok, bound, "Idempotency-Key", "pc-plan"); r.status != 202 || r.body["replayed"] != true {
				t.Fatalf("bound apply retry: %d %s", r.status, r.raw)
			}
			if strings.Contains(first.raw+again.raw, pcValue) {
				t.Fatal("a response contains the secret value")
			}
		})
	}
}
