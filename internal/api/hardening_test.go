package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

func TestErrorsDoNotEchoCallerChosenKeys(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		tests := []struct{ secret, from, to, field string }{
			{"ghp_S3cr3tT0kenPasted", `"deploy":{`, `"deploy":{"ghp_S3cr3tT0kenPasted":1,`, "deployment.deploy (unknown field)"},
			{"sk_live_9999", `"runtime_source":{}`, `"runtime_source":{"sk_live_9999":7}`, "deployment.runtime_source"},
			{"nul_key_secret", `"runtime_source":{}`, `"runtime_source":{"nul_key_secret":"a\u0000b"}`, "failed validation: deployment."},
		}
		for _, tc := range tests {
			body := bytes.Replace(deploymentBody(t, "dep-1", "cm"), []byte(tc.from), []byte(tc.to), 1)
			r := h.do("POST", "/v1/evidence/deployments", h.token("acme/web", workflowRef), body)
			if r.status != 400 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if strings.Contains(r.raw, tc.secret) {
				t.Errorf("response echoes a caller-chosen key %q: %s", tc.secret, r.raw)
			}
			if !strings.Contains(r.raw, tc.field) {
				t.Errorf("response should still name %s: %s", tc.field, r.raw)
			}
		}
	})
}

func TestIdempotencyKeyBoundsAndScope(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		deployTok := h.token("acme/web", workflowRef)
		body := deploymentBody(t, "dep-1", "cm")
		long := h.do("POST", "/v1/evidence/deployments", deployTok, body, "Idempotency-Key", strings.Repeat("k", api.MaxIdempotencyKeyLength+1))
		if long.status != 400 || errorCode(long) != api.CodeInvalidRequest || h.deploymentCount() != 0 {
			t.Errorf("over-long key: %d %s (deployments %d)", long.status, long.raw, h.deploymentCount())
		}
		first := h.do("POST", "/v1/evidence/deployments", deployTok, body, "Idempotency-Key", "shared")
		// Another workflow of the same repository is another caller: the
		// same key is not its replay.
		otherTok := h.token("acme/web", "acme/web/.github/workflows/release.yml@refs/heads/main")
		other := h.do("POST", "/v1/evidence/deployments", otherTok, body, "Idempotency-Key", "shared")
		if first.status != 202 || other.status != 202 || other.body["replayed"] == true {
			t.Errorf("a key must be scoped to its caller: %s / %s", first.raw, other.raw)
		}
		// The same caller and key on another route is not a replay either.
		gate, _ := json.Marshal(map[string]any{"schema_version": 1, "product": "web", "backup_gate": recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z")})
		onGates := h.do("POST", "/v1/evidence/backup-gates", deployTok, gate, "Idempotency-Key", "shared")
		if onGates.status != 202 || onGates.body["replayed"] == true {
			t.Errorf("a key must be scoped to its route: %s", onGates.raw)
		}
	})
}

func TestProtectedArtifactsNeedAContext(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		tok := h.token("acme/web", workflowRef)
		if r := h.do("GET", "/v1/artifacts/protected?product=web", tok, nil); r.status != 400 {
			t.Errorf("whole-product request without profiles: %d %s", r.status, r.raw)
		}
		if r := h.do("GET", "/v1/artifacts/protected?product=web&context=cm", tok, nil); r.status != 200 || r.body["context"] != "cm" {
			t.Errorf("context request: %d %s", r.status, r.raw)
		}
	})
}

func TestPreviewEvidenceRoutes(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		tok := h.token("acme/web", workflowRef)
		in := recordtest.PreviewInput("verireel-testing", "verireel", 123, "2026-04-16T08:00:00Z")
		in.CanonicalURL = "https://pr-123.preview.example.test"
		body, _ := json.Marshal(map[string]any{"schema_version": 1, "product": "web", "preview": in,
			"generation": recordtest.PreviewGenerationInput("verireel-testing", "verireel", 123, "ready", "2026-04-16T08:00:00Z")})
		r := h.do("POST", "/v1/evidence/previews/generations", tok, body, "Idempotency-Key", "gen-1")
		if r.status != 202 {
			t.Fatalf("generation evidence: %d %s", r.status, r.raw)
		}
		previewID, _ := r.body["records"].(map[string]any)["preview_id"].(string)
		if again := h.do("POST", "/v1/evidence/previews/generations", tok, body, "Idempotency-Key", "gen-1"); again.body["replayed"] != true {
			t.Errorf("retry was not replayed: %s", again.raw)
		}
		hist := h.do("GET", "/v1/previews/"+previewID+"/history", tok, nil)
		gens, _ := hist.body["generations"].([]any)
		if hist.status != 200 || len(gens) != 1 {
			t.Fatalf("history: %d %s", hist.status, hist.raw)
		}
		destroy, _ := json.Marshal(map[string]any{"schema_version": 1, "product": "web", "destroy": map[string]any{
			"context": "verireel-testing", "anchor_repo": "verireel", "anchor_pr_number": 123,
			"destroyed_at": "2026-04-16T09:00:00Z", "destroy_reason": "external_preview_cleanup_completed"}})
		if d := h.do("POST", "/v1/evidence/previews/destroyed", tok, destroy); d.status != 202 {
			t.Fatalf("destroyed evidence: %d %s", d.status, d.raw)
		}
		p := h.do("GET", "/v1/previews/"+previewID, tok, nil)
		if p.status != 200 || p.body["record"].(map[string]any)["state"] != "destroyed" {
			t.Errorf("preview after destroy: %d %s", p.status, p.raw)
		}
		unknown := bytes.Replace(destroy, []byte(`"anchor_pr_number":123`), []byte(`"anchor_pr_number":999`), 1)
		if u := h.do("POST", "/v1/evidence/previews/destroyed", tok, unknown); u.status != 400 {
			t.Errorf("destroying an unknown preview: %d %s", u.status, u.raw)
		}
	})
}

// TestEvidenceRoutesRefuseOwnerAgents: owner-agent tokens are not accepted
// on evidence routes even when a rule would allow the action.
func TestEvidenceRoutesRefuseOwnerAgents(t *testing.T) {
	policy := testPolicy + `
[[local_operators]]
subjects = ["owner"]
token_labels = ["write"]
products = ["web"]
contexts = ["cm"]
actions = ["deployment.write"]
`
	h := newHarnessWithPolicy(t, sqltest.SQLiteURL(t), policy)
	r := h.do("POST", "/v1/evidence/deployments", evidenceOperatorToken, deploymentBody(t, "dep-1", "cm"))
	if r.status != 403 || errorCode(r) != api.CodeAuthorizationDenied || h.deploymentCount() != 0 {
		t.Errorf("local operator wrote evidence: %d %s (deployments %d)", r.status, r.raw, h.deploymentCount())
	}
}

// TestDenialCarriesDiagnostics: a 403 says who the caller was taken to be
// and which policy decided (service.md §4.7), so a workflow author can fix
// the grant without access to the service.
func TestDenialCarriesDiagnostics(t *testing.T) {
	eachEngine(t, func(t *testing.T, h *harness) {
		r := h.do("POST", "/v1/evidence/deployments", h.token("evil/repo", "evil/repo/.github/workflows/x.yml@refs/heads/main"), deploymentBody(t, "dep-1", "cm"))
		diag, _ := r.body["authz"].(map[string]any)
		identity, _ := diag["identity"].(map[string]any)
		if r.status != 403 || identity["repository"] != "evil/repo" || identity["type"] != "github_actions" || len(fmt.Sprint(diag["policy_sha256"])) != 64 {
			t.Errorf("denial diagnostics: %d %s", r.status, r.raw)
		}
	})
}
