package deploy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

func promote(artifact, gate string) deploy.Request {
	r := deploy.NewRequest(deploy.KindPromote)
	r.Context, r.FromInstance, r.Instance, r.ArtifactID, r.BackupRecordID = "shop", "testing", "prod", artifact, gate
	return r
}

func rollback(artifact string) deploy.Request {
	r := deploy.NewRequest(deploy.KindRollback)
	r.Context, r.Instance, r.ArtifactID, r.Reason = "shop", "prod", artifact, "checkout broken after release"
	return r
}

func (h *harness) gate(id, instance, status string) {
	h.t.Helper()
	h.put(func(tx store.Tx) error {
		return tx.BackupGatePut(h.ctx, record.BackupGate{SchemaVersion: 1, RecordID: id, Context: "shop", Instance: instance,
			CreatedAt: "2026-11-27T08:30:00Z", Source: "test", Required: true, Status: status, Evidence: map[string]string{"snapshot": "db-" + id}})
	})
}

// TestPromoteAndRollback walks the whole lane story: ship art-1 to
// testing, promote it to prod behind a gate, ship and promote art-2, then
// roll prod back to art-1 with provenance.
func TestPromoteAndRollback(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.gate("gate-prod-1", "prod", record.StatusPass)
		h.mustExecute(ship("testing", "art-1"))
		p1 := h.mustExecute(promote("art-1", "gate-prod-1"))
		if p1.Status != "ok" || p1.Inventory.Action != "updated" || p1.ReleaseTuple.Action != "minted" {
			t.Fatalf("promotion = %+v", p1)
		}
		promo, err := h.store.PromotionGet(h.ctx, p1.PromotionRecordID)
		if err != nil || promo.DeploymentRecordID != p1.DeploymentRecordID || promo.BackupRecordID != "gate-prod-1" || promo.Deploy.Status != record.StatusPass {
			t.Fatalf("promotion record %+v, %v", promo, err)
		}
		inv, _ := h.store.InventoryGet(h.ctx, "shop", "prod")
		if inv.ArtifactID() != "art-1" || inv.PromotionRecordID != p1.PromotionRecordID || inv.PromotedFromInstance != "testing" {
			t.Errorf("prod inventory = %+v", inv)
		}
		tuple, _ := h.store.ReleaseTupleGet(h.ctx, "shop", "prod")
		if tuple.ArtifactID != "art-1" || tuple.Provenance != "promotion" || tuple.PromotedFromChannel != "testing" {
			t.Errorf("prod tuple = %+v", tuple)
		}

		h.gate("gate-prod-2", "prod", record.StatusPass)
		h.mustExecute(ship("testing", "art-2"))
		p2 := h.mustExecute(promote("art-2", "gate-prod-2"))
		if h.inventoryArtifact("prod") != "art-2" {
			t.Fatal("second promotion did not land")
		}

		rb := h.mustExecute(rollback("art-1"))
		inv, _ = h.store.InventoryGet(h.ctx, "shop", "prod")
		if inv.ArtifactID() != "art-1" || inv.DeploymentRecordID != rb.DeploymentRecordID || inv.Rollback == nil ||
			inv.Rollback.FromArtifactID != "art-2" || inv.Rollback.PromotionRecordID != p2.PromotionRecordID || inv.Rollback.Reason == "" {
			t.Errorf("inventory after rollback = %+v (rollback %+v)", inv, inv.Rollback)
		}
		annotated, err := h.store.PromotionGet(h.ctx, p2.PromotionRecordID)
		if err != nil || !annotated.Rollback.Attempted || annotated.Rollback.Status != record.StatusPass ||
			!strings.Contains(annotated.Rollback.Detail, rb.DeploymentRecordID) || annotated.RollbackHealth.Status != record.StatusPass {
			t.Errorf("promotion rollback annotation = %+v / %+v, %v", annotated.Rollback, annotated.RollbackHealth, err)
		}
		if image, _ := h.sim.LiveImage(h.apps["prod"]); image != "ghcr.io/acme/shop@sha256:11111111" {
			t.Errorf("prod live image after rollback = %s", image)
		}
		tuple, _ = h.store.ReleaseTupleGet(h.ctx, "shop", "prod")
		if tuple.ArtifactID != "art-1" {
			t.Errorf("prod tuple after rollback = %s", tuple.ArtifactID)
		}
		if rep, err := h.store.VerifyLedger(h.ctx); err != nil || !rep.OK() {
			t.Errorf("ledger: %+v %v", rep, err)
		}

		// Refusals: the running artifact, one never run on prod.
		for _, tc := range []struct{ artifact, want string }{{"art-1", "already runs"}, {"art-3", "not stored"}} {
			if _, err := h.exec.Execute(h.ctx, rollback(tc.artifact)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("rollback to %s: %v, want %q", tc.artifact, err, tc.want)
			}
		}
	})
}

// TestPromotionRefusals: every gate and tuple refusal names its cause and
// makes no provider call and no write.
func TestPromotionRefusals(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.mustExecute(ship("testing", "art-1"))
		h.gate("gate-failed", "prod", record.StatusFail)
		h.gate("gate-testing", "testing", record.StatusPass)
		h.gate("gate-ok", "prod", record.StatusPass)
		h.put(func(tx store.Tx) error {
			_, err := tx.ArtifactPut(h.ctx, manifest("art-2"))
			return err
		})
		tests := []struct {
			name string
			req  deploy.Request
			want string
		}{
			{"missing manifest", promote("art-9", "gate-ok"), "artifact manifest art-9 is not stored"},
			{"missing gate", promote("art-1", "gate-missing"), "backup gate gate-missing is not stored"},
			{"failed gate", promote("art-1", "gate-failed"), `has status "fail"`},
			{"other-lane gate", promote("art-1", "gate-testing"), "is for shop/testing, not the destination shop/prod"},
			{"tuple mismatch", promote("art-2", "gate-ok"), "release tuple is for artifact art-1, not art-2"},
			{"no gate named", promote("art-1", ""), "backup_record_id is required"},
		}
		calls := len(h.sim.Requests())
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := h.exec.Execute(h.ctx, tc.req)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				if !errors.Is(err, deploy.ErrRefused) && !errors.Is(err, record.ErrInvalid) {
					t.Errorf("err %v is not a refusal", err)
				}
			})
		}
		if n := len(h.sim.Requests()) - calls; n != 0 {
			t.Errorf("refused promotions made %d provider calls", n)
		}
		if ps, _ := h.store.PromotionList(h.ctx, store.PromotionListParams{}); len(ps) != 0 {
			t.Errorf("refused promotions wrote %d records", len(ps))
		}
		if h.inventoryArtifact("prod") != "(none)" {
			t.Error("prod inventory was written")
		}
	})
}

// TestFailedPromotionIsRecorded: a promotion whose deploy fails leaves a
// failed deployment and promotion, and prod untouched.
func TestFailedPromotionIsRecorded(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.gate("gate-ok", "prod", record.StatusPass)
		h.mustExecute(ship("testing", "art-1"))
		must(t, h.sim.FailNextDeploy(h.apps["prod"]))
		res, err := h.exec.Execute(h.ctx, promote("art-1", "gate-ok"))
		if !errors.Is(err, deploy.ErrFailed) {
			t.Fatalf("err = %v", err)
		}
		promo, err := h.store.PromotionGet(h.ctx, res.PromotionRecordID)
		if err != nil || promo.Deploy.Status != record.StatusFail || promo.DeploymentRecordID != res.DeploymentRecordID {
			t.Errorf("failed promotion record = %+v, %v", promo, err)
		}
		if h.inventoryArtifact("prod") != "(none)" {
			t.Error("a failed promotion moved prod inventory")
		}
		if _, err := h.store.ReleaseTupleGet(h.ctx, "shop", "prod"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a failed promotion minted a prod tuple: %v", err)
		}
	})
}
