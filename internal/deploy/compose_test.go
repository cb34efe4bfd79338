package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// TestShipToCompose ships to a compose target: the image travels in the
// env (DOCKER_IMAGE_REFERENCE), unrelated keys stay, and the wait reads
// the compose's own (unordered) deployment list.
func TestShipToCompose(t *testing.T) {
	t.Run("seen running", func(t *testing.T) { testShipToCompose(t) })
	// An instant deploy finishes before the wait ever sees it under our
	// title, and Dokploy has already renamed it after the commit.
	t.Run("renamed before seen", func(t *testing.T) {
		testShipToCompose(t, func(c *dokploysim.Config) { c.QueueDelay, c.BuildDuration = 0, 0 })
	})
}

func testShipToCompose(t *testing.T, simOpts ...func(*dokploysim.Config)) {
	eachEngine(t, func(h *harness) {
		body, _ := json.Marshal(map[string]string{"name": "shop-compose", "environmentId": h.sim.DefaultEnvironmentID()})
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/compose.create", bytes.NewReader(body))
		req.Header.Set("x-api-key", simKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var created struct {
			ComposeID string `json:"composeId"`
		}
		must(t, json.NewDecoder(resp.Body).Decode(&created))
		resp.Body.Close()
		must(t, h.client.UpdateComposeEnv(h.ctx, created.ComposeID, "ODOO_DB_NAME=shop\n# keep this comment"))
		h.put(func(tx store.Tx) error {
			tr, err := tx.DokployTargetGet(h.ctx, "shop", "testing")
			if err != nil {
				return err
			}
			tr.TargetType = record.TargetCompose
			tr.Domains = []string{h.srv.URL + dokploysim.AppPath(created.ComposeID)}
			if err := tx.DokployTargetPut(h.ctx, tr); err != nil {
				return err
			}
			return tx.DokployTargetIDPut(h.ctx, record.DokployTargetID{SchemaVersion: 1, Context: "shop", Instance: "testing", TargetID: created.ComposeID, UpdatedAt: "2026-11-27T08:00:00Z", SourceLabel: "test"})
		})
		res := h.mustExecute(ship("testing", "art-1"))
		if res.Status != "ok" || res.Target.TargetType != record.TargetCompose || res.Deploy.Mode != "dokploy-compose-deploy" || res.Health.Identity != deploy.IdentityMatch {
			t.Fatalf("result = %+v", res)
		}
		env := dokploy.ParseEnv(mustLive(t, h.sim, created.ComposeID))
		if env["ODOO_DB_NAME"] != "shop" || env[targets.EnvImageReference] != "ghcr.io/acme/shop@sha256:11111111" {
			t.Errorf("live compose env = %v", env)
		}
		if h.inventoryArtifact("testing") != "art-1" {
			t.Error("inventory did not move")
		}
		// The git-sourced compose's row was retitled on completion; the
		// recorded deployment is still that row.
		c, err := h.client.Compose(h.ctx, created.ComposeID)
		must(t, err)
		for _, d := range c.Deployments {
			if d.DeploymentID == res.Deploy.DeploymentID && d.Title == "Launchplane ship "+res.DeploymentRecordID {
				t.Errorf("the simulator did not retitle the git-sourced deployment: %+v", d)
			}
		}
	}, simOpts...)
}

// TestRedeployWaitsForItsOwnDeployment: a redeploy without evidence waits
// for its titled deployment and reports a failure as ErrFailed.
func TestRedeployWaitsForItsOwnDeployment(t *testing.T) {
	eachEngine(t, func(h *harness) {
		tr, err := targets.Resolve(h.ctx, h.store, "shop", "testing")
		must(t, err)
		out, err := h.exec.Redeploy(h.ctx, tr, false, 0, "runtime apply")
		if err != nil || out.Status != record.StatusPass || out.DeploymentID == "" {
			t.Fatalf("redeploy = %+v, %v", out, err)
		}
		must(t, h.sim.FailNextDeploy(h.apps["testing"]))
		out, err = h.exec.Redeploy(h.ctx, tr, true, 0, "runtime apply")
		if !errors.Is(err, deploy.ErrFailed) || out.Status != record.StatusFail || out.Mode != "dokploy-application-redeploy" {
			t.Fatalf("failed redeploy = %+v, %v", out, err)
		}
		if ds, _ := h.store.DeploymentList(h.ctx, store.DeploymentListParams{}); len(ds) != 0 {
			t.Errorf("a redeploy wrote %d deployment records", len(ds))
		}
	})
}
