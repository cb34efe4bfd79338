package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

func TestSecretMetadataRoutes(t *testing.T) {
	policy := testPolicy + `
[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/authz.yml@refs/heads/main"]
products = ["launchplane"]
contexts = ["cm"]
actions = ["secret.list", "secret.read"]
`
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), policy)
			ring, err := crypto.NewMasterKeyRing("route-test-passphrase")
			if err != nil {
				t.Fatal(err)
			}
			const value = "Zq9-route-secret-value"
			svc := secrets.New(h.store, ring, time.Now, nil)
			put, err := svc.Put(context.Background(), secrets.PutInput{
				Scope: "context", Integration: "runtime_environment", Name: "smtp", Context: "cm",
				BindingKey: "SMTP_PASSWORD", Value: crypto.Redacted(value), Actor: "test",
			})
			if err != nil {
				t.Fatal(err)
			}
			ops := h.token("acme/ops", adminWorkflow)
			for _, path := range []string{"/v1/contexts/cm/secrets", "/v1/contexts/cm/instances/testing/secrets", "/v1/secrets/" + put.SecretID} {
				r := h.do("GET", path, ops, nil)
				if r.status != 200 || !strings.Contains(r.raw, put.SecretID) {
					t.Errorf("%s: %d %s", path, r.status, r.raw)
				}
				for _, leak := range []string{value, "ciphertext"} {
					if strings.Contains(r.raw, leak) {
						t.Errorf("%s leaks %q: %s", path, leak, r.raw)
					}
				}
			}
			if r := h.do("GET", "/v1/contexts/cm/secrets", h.token("acme/web", workflowRef), nil); r.status != 403 {
				t.Errorf("caller without secret.list: %d %s", r.status, r.raw)
			}
			// An unknown id and a real one outside the grant answer alike.
			web := h.token("acme/web", workflowRef)
			missing := h.do("GET", "/v1/secrets/secret-runtime-environment-nope-cm", ops, nil)
			forbidden := h.do("GET", "/v1/secrets/"+put.SecretID, web, nil)
			if missing.status != 403 || forbidden.status != 403 || missing.body["error"].(map[string]any)["message"] != forbidden.body["error"].(map[string]any)["message"] {
				t.Errorf("unknown id %d %s vs forbidden %d %s", missing.status, missing.raw, forbidden.status, forbidden.raw)
			}
			if r := h.do("GET", "/v1/contexts/opw/secrets", ops, nil); r.status != 403 {
				t.Errorf("context outside the grant: %d %s", r.status, r.raw)
			}
		})
	}
}
