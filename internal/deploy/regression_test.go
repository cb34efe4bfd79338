package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
)

// withSleep rebuilds the harness executor with a sleep hook that runs
// during the execution's polls.
func (h *harness) withSleep(hook func(n int)) {
	n := 0
	h.exec = deploy.New(deploy.Config{Store: h.store, Now: h.clock.now, PollInterval: time.Second, HealthInterval: time.Second,
		Client: func(context.Context) (*dokploy.Client, error) { return h.client, nil },
		Sleep: func(ctx context.Context, d time.Duration) error {
			n++
			hook(n)
			return h.clock.sleep(ctx, d)
		}})
}

// TestOneExecutionPerLane: while an execution holds a lane, another on
// the same lane is refused before any provider call; other lanes proceed.
func TestOneExecutionPerLane(t *testing.T) {
	eachEngine(t, func(h *harness) {
		var busyErr, otherErr error
		var callsDuring int
		h.withSleep(func(n int) {
			if n != 1 {
				return
			}
			before := len(h.sim.Requests())
			_, busyErr = h.exec.Execute(h.ctx, ship("testing", "art-2"))
			callsDuring = len(h.sim.Requests()) - before
			_, otherErr = h.exec.Execute(h.ctx, ship("prod", "art-2"))
		})
		res := h.mustExecute(ship("testing", "art-1"))
		if !errors.Is(busyErr, targets.ErrLaneBusy) || !errors.Is(busyErr, deploy.ErrRefused) || !strings.Contains(busyErr.Error(), "ship art-1 holds it") {
			t.Errorf("second execution on the lane: %v, want a lane-busy refusal", busyErr)
		}
		if callsDuring != 0 {
			t.Errorf("the refused execution made %d provider calls", callsDuring)
		}
		if otherErr != nil {
			t.Errorf("an execution on another lane was blocked: %v", otherErr)
		}
		if res.Status != "ok" || h.inventoryArtifact("testing") != "art-1" {
			t.Errorf("holder result %+v, inventory %s", res, h.inventoryArtifact("testing"))
		}
		// Released: the lane takes the next execution.
		h.withSleep(func(int) {})
		h.mustExecute(ship("testing", "art-2"))
	})
}

// TestEvidenceSalvagedWhenTheTransactionFails: when the evidence
// transaction fails after Dokploy deployed, the attempt is still recorded
// (deployment alone, no derived state) and the result says what happened.
func TestEvidenceSalvagedWhenTheTransactionFails(t *testing.T) {
	eachEngine(t, func(h *harness) {
		s := h.store.(*sqlstore.Store)
		sqltest.RefuseInserts(t, s.DB(), s.Backend(), "launchplane_inventory", "inventory writes refused for the test")
		res, err := h.exec.Execute(h.ctx, ship("testing", "art-1"))
		if !errors.Is(err, deploy.ErrFailed) || res.Status != "failed" || !strings.Contains(res.Error, "the provider deploy already ran") {
			t.Fatalf("err %v, result %+v", err, res)
		}
		d := h.deployment(res.DeploymentRecordID)
		if d.Deploy.Status != record.StatusPass || d.Deploy.DeploymentID == "" {
			t.Errorf("salvaged deployment = %+v", d.Deploy)
		}
		if h.inventoryArtifact("testing") != "(none)" {
			t.Error("inventory was written")
		}
		if image, _ := h.sim.LiveImage(h.apps["testing"]); image == "" {
			t.Error("the deploy did not run (the test needs it to)")
		}
	})
}

// TestPromotionRetryKeepsTheFailedRecord: a failed promotion and its
// retry in the same second get distinct records; the failure survives.
func TestPromotionRetryKeepsTheFailedRecord(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.gate("gate-ok", "prod", record.StatusPass)
		h.mustExecute(ship("testing", "art-1"))
		h.clock.mu.Lock()
		frozen := h.clock.t
		h.clock.mu.Unlock()
		must(t, h.sim.FailNextDeploy(h.apps["prod"]))
		failed, err := h.exec.Execute(h.ctx, promote("art-1", "gate-ok"))
		if !errors.Is(err, deploy.ErrFailed) {
			t.Fatal(err)
		}
		h.clock.mu.Lock()
		h.clock.t = frozen // the retry runs in the same second
		h.clock.mu.Unlock()
		ok, err := h.exec.Execute(h.ctx, promote("art-1", "gate-ok"))
		if err != nil {
			t.Fatal(err)
		}
		if ok.PromotionRecordID == failed.PromotionRecordID || ok.DeploymentRecordID == failed.DeploymentRecordID {
			t.Fatalf("retry reused ids: %s / %s", ok.PromotionRecordID, ok.DeploymentRecordID)
		}
		first, err := h.store.PromotionGet(h.ctx, failed.PromotionRecordID)
		if err != nil || first.Deploy.Status != record.StatusFail {
			t.Errorf("failed promotion record = %+v, %v", first.Deploy, err)
		}
	})
}

// TestPromotionMintsTheCheckedTuple: when the source lane moves on while
// the promotion deploys, the destination still gets the tuple that was
// checked, not nothing and not the new one.
func TestPromotionMintsTheCheckedTuple(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.gate("gate-ok", "prod", record.StatusPass)
		h.mustExecute(ship("testing", "art-1"))
		moved := false
		h.withSleep(func(int) {
			if moved {
				return
			}
			moved = true
			tuple, err := record.ShipTuple("shop", "testing", "deployment-elsewhere", manifest("art-2"), "2026-11-27T09:30:00Z")
			must(t, err)
			h.put(func(tx store.Tx) error { return tx.ReleaseTuplePut(h.ctx, tuple) })
		})
		res := h.mustExecute(promote("art-1", "gate-ok"))
		if !moved || res.ReleaseTuple.Action != "minted" {
			t.Fatalf("moved %v, result tuple %+v", moved, res.ReleaseTuple)
		}
		prod, err := h.store.ReleaseTupleGet(h.ctx, "shop", "prod")
		if err != nil || prod.ArtifactID != "art-1" || prod.PromotionRecordID != res.PromotionRecordID {
			t.Errorf("prod tuple = %+v, %v", prod, err)
		}
	})
}

// TestGatedShip: a target that requires a gate for its lane refuses a
// ship without a passing gate, before any provider call.
func TestGatedShip(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.put(func(tx store.Tx) error {
			tr, err := tx.DokployTargetGet(h.ctx, "shop", "prod")
			if err != nil {
				return err
			}
			tr.RequireProdGate = true
			return tx.DokployTargetPut(h.ctx, tr)
		})
		calls := len(h.sim.Requests())
		if _, err := h.exec.Execute(h.ctx, ship("prod", "art-1")); !errors.Is(err, deploy.ErrRefused) || !strings.Contains(err.Error(), "requires a backup gate") {
			t.Errorf("ungated ship: %v", err)
		}
		h.gate("gate-testing", "testing", record.StatusPass)
		req := ship("prod", "art-1")
		req.BackupRecordID = "gate-testing"
		if _, err := h.exec.Execute(h.ctx, req); !errors.Is(err, deploy.ErrRefused) || !strings.Contains(err.Error(), "not the destination") {
			t.Errorf("ship with another lane's gate: %v", err)
		}
		if n := len(h.sim.Requests()) - calls; n != 0 {
			t.Errorf("refused ships made %d provider calls", n)
		}
		h.gate("gate-prod", "prod", record.StatusPass)
		req.BackupRecordID = "gate-prod"
		if res := h.mustExecute(req); res.Status != "ok" {
			t.Errorf("gated ship = %+v", res)
		}
	})
}

// TestLiveTargetBlockers: mutable addon refs on the live target refuse the
// execution before anything is written, naming repositories only.
func TestLiveTargetBlockers(t *testing.T) {
	eachEngine(t, func(h *harness) {
		env := "ODOO_ADDON_REPOSITORIES=https://x-access-token:ghp_leak@github.com/acme/private-addons.git@main"
		must(t, h.client.SaveEnvironment(h.ctx, dokploy.SaveEnvironmentInput{ApplicationID: h.apps["testing"], Env: &env, CreateEnvFile: true}))
		calls := len(h.sim.Requests())
		_, err := h.exec.Execute(h.ctx, ship("testing", "art-1"))
		if !errors.Is(err, deploy.ErrRefused) || !strings.Contains(err.Error(), "private-addons") || strings.Contains(err.Error(), "ghp_leak") {
			t.Fatalf("err = %v", err)
		}
		for _, r := range h.sim.Requests()[calls:] {
			if r.Method == "POST" {
				t.Errorf("refused execution wrote %s", r.Path)
			}
		}
		if ds, _ := h.store.DeploymentList(h.ctx, store.DeploymentListParams{}); len(ds) != 0 {
			t.Errorf("a refusal recorded %d deployments", len(ds))
		}
	})
}
