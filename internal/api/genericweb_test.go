package api_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/driver/genericweb"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

// TestGenericWebDeployWired drives the generic-web deploy route end to end
// with the production wiring (genericweb.Wire): real HTTP and tokens, the
// Dokploy credentials from managed secrets, the simulator as Dokploy.
func TestGenericWebDeployWired(t *testing.T) {
	eachDriverEngine(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const dokployKey = "dokploy-key-wired-test-9d2e"
		sim := dokploysim.New(dokploysim.Config{APIKey: dokployKey})
		simSrv := httptest.NewServer(sim)
		t.Cleanup(simSrv.Close)
		ring, err := crypto.NewMasterKeyRing("generic-web-wired-test")
		if err != nil {
			t.Fatal(err)
		}
		targetstest.PutDokployCredentials(t, h.store, ring, simSrv.URL, dokployKey)
		appID := targetstest.DeployedApp(t, simSrv.URL, dokployKey, sim)
		targetstest.Track(t, h.store, record.DokployTarget{Context: "web-ctx", Instance: "testing", TargetName: "web-testing"}, appID)
		p, err := products.DecodeInput([]byte(driverWebProfile), products.SourceCLI)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := products.New(h.store, time.Now).Upsert(ctx, products.UpsertInput{Profile: p}); err != nil {
			t.Fatal(err)
		}
		err = h.store.Update(ctx, func(tx store.Tx) error {
			_, err := tx.ArtifactPut(ctx, record.ArtifactManifest{SchemaVersion: 1, ArtifactID: "web-7", SourceCommit: strings.Repeat("7", 40),
				Image: record.ImageReference{Repository: "ghcr.io/acme/web", Digest: "sha256:" + strings.Repeat("7", 64)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		handlers := driver.PendingHandlers(driver.Builtin())
		maps.Copy(handlers, genericweb.Handlers(genericweb.Wire(h.store, ring, time.Now, genericweb.Options{})))
		h2 := withDriverHandlers(t, h, handlers)

		body := []byte(`{"schema_version":1,"product":"web","deploy":{"product":"web","instance":"testing","artifact_id":"web-7"}}`)
		r := h2.do(http.MethodPost, "/v1/drivers/generic-web/deploy", h.token("acme/web", webRef), body)
		result, _ := r.body["result"].(map[string]any)
		if r.status != http.StatusAccepted || result["deploy_status"] != record.StatusPass || result["context"] != "web-ctx" {
			t.Fatalf("deploy = %d %s", r.status, r.raw)
		}
		if strings.Contains(r.raw, dokployKey) {
			t.Error("the response carries the Dokploy key")
		}
		if image, _ := sim.LiveImage(appID); image != "ghcr.io/acme/web@sha256:"+strings.Repeat("7", 64) {
			t.Errorf("live image = %q", image)
		}
		inv, err := h.store.InventoryGet(ctx, "web-ctx", "testing")
		if err != nil || inv.ArtifactID() != "web-7" || inv.RuntimeIdentity == nil || inv.RuntimeIdentity.Product != "web" {
			t.Errorf("inventory = %+v, %v", inv, err)
		}
		// A caller without the action is refused before anything runs.
		before := len(sim.Requests())
		if r := h2.do(http.MethodPost, "/v1/drivers/generic-web/deploy", h.token("acme/ops", opsRef), body); r.status != http.StatusForbidden {
			t.Errorf("unauthorized deploy = %d %s", r.status, r.raw)
		}
		if n := len(sim.Requests()) - before; n != 0 {
			t.Errorf("an unauthorized deploy made %d Dokploy calls", n)
		}
	})
}
