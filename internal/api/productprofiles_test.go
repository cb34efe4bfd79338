package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	profilesPath     = "/v1/product-profiles"
	profilesRepo     = "acme/profiles"
	profilesWorkflow = "acme/profiles/.github/workflows/profiles.yml@refs/heads/main"
	listerRepo       = "acme/lister"
	listerWorkflow   = "acme/lister/.github/workflows/list.yml@refs/heads/main"
)

// profilesPolicy lets acme/profiles read and write the web profile (and
// list profiles), acme/lister only list them; acme/web has neither.
const profilesPolicy = testPolicy + `
[[github_actions]]
repository = "acme/profiles"
workflow_refs = ["` + profilesWorkflow + `"]
products = ["web", "launchplane"]
contexts = ["launchplane"]
actions = ["product_profile.read", "product_profile.write"]

[[github_actions]]
repository = "acme/lister"
workflow_refs = ["` + listerWorkflow + `"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["product_profile.read"]
`

const webProfileBody = `{
  "product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
  "image": {"repository": "ghcr.io/acme/web"}, "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [
    {"instance": "testing", "context": "cm", "base_url": "https://testing.web.example",
     "health_monitoring": {"checks": [{"name": "public-ingress"}]}},
    {"instance": "prod", "context": "cm", "health_url": "https://web.example/healthz"}
  ],
  "preview": {"enabled": true, "context": "cm-preview"},
  "updated_at": "1999-01-01T00:00:00Z",
  "source": "workflow:profiles"
}`

func (h *harness) profileCount() int {
	h.t.Helper()
	var n int
	if err := h.store.DB().QueryRow("SELECT COUNT(*) FROM launchplane_product_profiles").Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestProductProfileRoutes(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), profilesPolicy)
			writer := h.token(profilesRepo, profilesWorkflow)
			lister := h.token(listerRepo, listerWorkflow)
			outsider := h.token("acme/web", workflowRef)

			// Allowed: 202 with the product as the durable id.
			r := h.do(http.MethodPost, profilesPath, writer, []byte(webProfileBody))
			if r.status != http.StatusAccepted || r.body["status"] != "accepted" {
				t.Fatalf("write: %d %s", r.status, r.raw)
			}
			records, _ := r.body["records"].(map[string]any)
			result, _ := r.body["result"].(map[string]any)
			if records["product_profile"] != "web" || result["action"] != "created" {
				t.Errorf("write envelope: %s", r.raw)
			}
			if strings.Contains(r.raw, "1999-01-01") {
				t.Errorf("the body's updated_at was stored: %s", r.raw)
			}

			// Reads.
			r = h.do(http.MethodGet, profilesPath+"/web", writer, nil)
			profile, _ := r.body["profile"].(map[string]any)
			if r.status != http.StatusOK || r.body["status"] != "ok" || profile["repository"] != "acme/web" || profile["source"] != "workflow:profiles" {
				t.Errorf("get: %d %s", r.status, r.raw)
			}
			r = h.do(http.MethodGet, profilesPath+"?driver_id=generic-web", lister, nil)
			if list, _ := r.body["profiles"].([]any); r.status != http.StatusOK || len(list) != 1 {
				t.Errorf("list generic-web: %d %s", r.status, r.raw)
			}
			r = h.do(http.MethodGet, profilesPath+"?driver_id=odoo", lister, nil)
			if list, ok := r.body["profiles"].([]any); r.status != http.StatusOK || !ok || len(list) != 0 {
				t.Errorf("list odoo: %d %s", r.status, r.raw)
			}
			if r = h.do(http.MethodGet, profilesPath+"/missing", writer, nil); r.status != http.StatusForbidden {
				// acme/profiles may read only web: the product decides before the read.
				t.Errorf("get unauthorized product: %d %s", r.status, r.raw)
			}

			// Denied: 403, with authz diagnostics on reads; nothing written.
			r = h.do(http.MethodGet, profilesPath, outsider, nil)
			if r.status != http.StatusForbidden || errorCode(r) != "authorization_denied" || r.body["authz"] == nil {
				t.Errorf("denied list: %d %s", r.status, r.raw)
			}
			if r = h.do(http.MethodGet, profilesPath+"/web", lister, nil); r.status != http.StatusForbidden {
				t.Errorf("lister reading web: %d %s", r.status, r.raw)
			}
			changed := strings.Replace(webProfileBody, `"display_name": "Web"`, `"display_name": "Hijacked"`, 1)
			if r = h.do(http.MethodPost, profilesPath, outsider, []byte(changed)); r.status != http.StatusForbidden || errorCode(r) != "authorization_denied" {
				t.Errorf("denied write: %d %s", r.status, r.raw)
			}
			if r = h.do(http.MethodPost, profilesPath, lister, []byte(changed)); r.status != http.StatusForbidden {
				t.Errorf("read-only workflow writing: %d %s", r.status, r.raw)
			}
			other := strings.Replace(webProfileBody, `"product": "web"`, `"product": "shop"`, 1)
			if r = h.do(http.MethodPost, profilesPath, writer, []byte(other)); r.status != http.StatusForbidden {
				t.Errorf("writing another product: %d %s", r.status, r.raw)
			}
			if got, err := h.store.ProductProfileGet(context.Background(), "web"); err != nil || got.DisplayName != "Web" {
				t.Errorf("denied writes changed the profile: %+v, %v", got.DisplayName, err)
			}
			if _, err := h.store.ProductProfileGet(context.Background(), "shop"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("denied write created a profile: %v", err)
			}

			// Unauthenticated: 401 before the body is even parsed.
			if r = h.do(http.MethodPost, profilesPath, "", []byte(`{`)); r.status != http.StatusUnauthorized {
				t.Errorf("no token: %d %s", r.status, r.raw)
			}
		})
	}
}

func TestProductProfileBadProfilesWriteNothing(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), profilesPolicy)
			writer := h.token(profilesRepo, profilesWorkflow)
			entries := h.ledgerEntries()
			tests := []struct {
				name, old, new, field string
			}{
				{"health path", `"health_path": "/healthz"`, `"health_path": "healthz"`, "health_path"},
				{"repository", `"repository": "acme/web"`, `"repository": "acme"`, "repository"},
				{"preview context", `"context": "cm-preview"`, `"context": ""`, "preview.context"},
				{"lane context", `"instance": "prod", "context": "cm"`, `"instance": "prod", "context": " "`, "lanes[1].context"},
				{"write contract", `"base_url": "https://testing.web.example",`, ``, "lanes[0].health_monitoring.checks[0].url"},
				{"private check", `{"name": "public-ingress"}`, `{"name": "db", "kind": "private_http"}`, "lanes[0].health_monitoring.checks[0].private_endpoint_key"},
				{"unknown field", `"driver_id": "generic-web",`, `"driver_id": "generic-web", "colour": "red",`, "(unknown field)"}, // never echoes a caller's key
				{"wrong type", `"runtime_port": 8080`, `"runtime_port": "8080"`, "runtime_port"},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					body := strings.Replace(webProfileBody, tc.old, tc.new, 1)
					if body == webProfileBody {
						t.Fatalf("edit %q did not apply", tc.old)
					}
					r := h.do(http.MethodPost, profilesPath, writer, []byte(body), "Idempotency-Key", "bad-"+strings.ReplaceAll(tc.name, " ", "-"))
					msg, _ := r.body["error"].(map[string]any)["message"].(string)
					if r.status != http.StatusBadRequest || errorCode(r) != "invalid_request" || !strings.Contains(msg, tc.field) {
						t.Errorf("got %d %s, want 400 invalid_request naming %s", r.status, r.raw, tc.field)
					}
				})
			}
			if h.profileCount() != 0 || h.ledgerEntries() != entries {
				t.Errorf("bad profiles wrote: %d profiles, %d new ledger entries", h.profileCount(), h.ledgerEntries()-entries)
			}
			// A malformed body from a caller who may not write is still 400:
			// validation comes before authorization (service.md §1.2).
			outsider := h.token("acme/web", workflowRef)
			if r := h.do(http.MethodPost, profilesPath, outsider, []byte(`{"product": "web"}`)); r.status != http.StatusBadRequest {
				t.Errorf("outsider with a bad body: %d %s", r.status, r.raw)
			}
		})
	}
}

func TestProductProfileIdempotency(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), profilesPolicy)
			writer := h.token(profilesRepo, profilesWorkflow)
			first := h.do(http.MethodPost, profilesPath, writer, []byte(webProfileBody), "Idempotency-Key", "profile-web")
			if first.status != http.StatusAccepted {
				t.Fatalf("first: %d %s", first.status, first.raw)
			}
			entries := h.ledgerEntries()
			time.Sleep(1100 * time.Millisecond) // a new write would carry a new updated_at
			again := h.do(http.MethodPost, profilesPath, writer, []byte(webProfileBody), "Idempotency-Key", "profile-web")
			if again.status != http.StatusAccepted || again.body["replayed"] != true || again.body["original_trace_id"] != first.body["trace_id"] {
				t.Errorf("replay: %d %s", again.status, again.raw)
			}
			if h.ledgerEntries() != entries {
				t.Errorf("a replay wrote to the ledger")
			}
			changed := strings.Replace(webProfileBody, `"display_name": "Web"`, `"display_name": "Web 2"`, 1)
			if r := h.do(http.MethodPost, profilesPath, writer, []byte(changed), "Idempotency-Key", "profile-web"); r.status != http.StatusConflict || errorCode(r) != "idempotency_key_reused" {
				t.Errorf("reused key: %d %s", r.status, r.raw)
			}
			// Without a key, the same profile is an unchanged upsert.
			r := h.do(http.MethodPost, profilesPath, writer, []byte(webProfileBody))
			if result, _ := r.body["result"].(map[string]any); r.status != http.StatusAccepted || result["action"] != "unchanged" {
				t.Errorf("unchanged upsert: %d %s", r.status, r.raw)
			}
		})
	}
}

// TestProductProfileLaneClaimConflict: a profile that claims another
// product's lane is a 409 naming the lane and its owner, and writes
// nothing.
func TestProductProfileLaneClaimConflict(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), profilesPolicy)
			writer := h.token(profilesRepo, profilesWorkflow)
			if r := h.do(http.MethodPost, profilesPath, writer, []byte(webProfileBody)); r.status != http.StatusAccepted {
				t.Fatalf("web profile: %d %s", r.status, r.raw)
			}
			claim := strings.NewReplacer(`"product": "web"`, `"product": "launchplane"`, `"cm-preview"`, `"lp-preview"`).Replace(webProfileBody)
			r := h.do(http.MethodPost, profilesPath, writer, []byte(claim))
			if r.status != http.StatusConflict || !strings.Contains(r.raw, "is a lane of product web") {
				t.Fatalf("claiming web's lane: %d %s", r.status, r.raw)
			}
			if n := h.profileCount(); n != 1 {
				t.Errorf("%d profiles stored, want 1", n)
			}
		})
	}
}
