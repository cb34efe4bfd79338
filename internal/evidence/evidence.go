// Package evidence applies Launchplane's ingest rules: it stores evidence
// records and, in the same transaction, refreshes the derived state they
// imply (lane inventory and release tuples). It also computes the read
// models built from that state (lane status, protected artifacts, catalog).
package evidence

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrRefused marks an explicit derived-state write that the rules decline,
// such as minting a tuple for a lane whose inventory has moved on.
var ErrRefused = errors.New("refused")

// Service applies ingest rules against a store.
type Service struct {
	store store.Store
	now   func() time.Time
}

// New returns a Service writing to s and stamping times from now.
func New(s store.Store, now func() time.Time) *Service {
	return &Service{store: s, now: now}
}

// Outcome reports what an ingest did to one piece of derived state.
type Outcome struct {
	// Action is "updated", "minted", "unchanged" or "skipped".
	Action   string `json:"action"`
	RecordID string `json:"record_id,omitempty"`
	// Reason explains unchanged and skipped outcomes.
	Reason string `json:"reason,omitempty"`
}

// Outcome actions.
const (
	ActionUpdated   = "updated"
	ActionMinted    = "minted"
	ActionUnchanged = "unchanged"
	ActionSkipped   = "skipped"
)

func (s *Service) stamp() string { return record.FormatTime(s.now()) }

// InventoryRecordID is upstream's name for a lane's inventory row.
func InventoryRecordID(context, instance string) string { return context + "-" + instance }

// ArtifactResult is the outcome of storing a manifest.
type ArtifactResult struct {
	ArtifactID string `json:"artifact_id"`
	// Created is false when an identical manifest was already stored.
	Created bool `json:"created"`
}

// IngestArtifact stores an immutable manifest; re-sending the same one is a
// no-op and a different one with the same id is store.ErrConflict.
func (s *Service) IngestArtifact(ctx context.Context, m record.ArtifactManifest) (ArtifactResult, error) {
	var created bool
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		created, err = tx.ArtifactPut(ctx, m)
		return err
	})
	if err != nil {
		return ArtifactResult{}, fmt.Errorf("ingest artifact manifest: %w", err)
	}
	return ArtifactResult{ArtifactID: m.ArtifactID, Created: created}, nil
}

// IngestBackupGate stores a backup gate record (upsert by record id, so a
// pending gate can later be completed under the same id).
func (s *Service) IngestBackupGate(ctx context.Context, g record.BackupGate) error {
	if err := s.store.Update(ctx, func(tx store.Tx) error { return s.IngestBackupGateTx(ctx, tx, g) }); err != nil {
		return fmt.Errorf("ingest backup gate: %w", err)
	}
	return nil
}

// IngestBackupGateTx is IngestBackupGate inside the caller's transaction.
// The store refuses to move an existing gate id to another lane.
func (s *Service) IngestBackupGateTx(ctx context.Context, tx store.Tx, g record.BackupGate) error {
	return tx.BackupGatePut(ctx, g)
}

// DeploymentResult is the outcome of deployment evidence.
type DeploymentResult struct {
	DeploymentRecordID string  `json:"deployment_record_id"`
	InventoryRecordID  string  `json:"inventory_record_id"`
	Inventory          Outcome `json:"inventory"`
}

// IngestDeployment stores a deployment and, in the same transaction,
// refreshes its lane's inventory when the rules in docs/records.md allow.
func (s *Service) IngestDeployment(ctx context.Context, d record.Deployment) (DeploymentResult, error) {
	var res DeploymentResult
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = s.IngestDeploymentTx(ctx, tx, d)
		return err
	})
	if err != nil {
		return DeploymentResult{}, fmt.Errorf("ingest deployment: %w", err)
	}
	return res, nil
}

// IngestDeploymentTx is IngestDeployment inside the caller's transaction,
// for callers (the HTTP API's idempotency) that add writes of their own.
func (s *Service) IngestDeploymentTx(ctx context.Context, tx store.Tx, d record.Deployment) (DeploymentResult, error) {
	if err := d.Validate(); err != nil {
		return DeploymentResult{}, err
	}
	if err := tx.DeploymentPut(ctx, d); err != nil {
		return DeploymentResult{}, err
	}
	out, err := s.refreshInventory(ctx, tx, d, nil)
	if err != nil {
		return DeploymentResult{}, err
	}
	return DeploymentResult{DeploymentRecordID: d.RecordID, InventoryRecordID: InventoryRecordID(d.Context, d.Instance), Inventory: out}, nil
}

// refreshInventory moves the lane's inventory to deployment d (annotated by
// promotion p when set) if the rules allow, and reports what it did.
func (s *Service) refreshInventory(ctx context.Context, tx store.Tx, d record.Deployment, p *record.Promotion) (Outcome, error) {
	out := Outcome{RecordID: InventoryRecordID(d.Context, d.Instance)}
	if err := lockLane(ctx, tx, d.Context, d.Instance); err != nil {
		return Outcome{}, err
	}
	current, err := tx.InventoryGet(ctx, d.Context, d.Instance)
	var cur *record.Inventory
	switch {
	case err == nil:
		cur = &current
	case !errors.Is(err, store.ErrNotFound):
		return Outcome{}, err
	}
	if ok, reason := replaces(cur, d, p); !ok {
		out.Action, out.Reason = ActionUnchanged, reason
		return out, nil
	}
	inv := record.InventoryFromDeployment(d, s.stamp())
	switch {
	case p != nil:
		inv.PromotionRecordID = p.RecordID
		inv.PromotedFromInstance = p.FromInstance
	case cur != nil && cur.DeploymentRecordID == d.RecordID:
		// Re-sent evidence for the deployment the lane already runs keeps
		// the promotion that put it there.
		inv.PromotionRecordID = cur.PromotionRecordID
		inv.PromotedFromInstance = cur.PromotedFromInstance
	}
	if err := tx.InventoryPut(ctx, inv); err != nil {
		return Outcome{}, err
	}
	out.Action = ActionUpdated
	return out, nil
}

// replaces decides whether deployment d (through promotion p, if any) should
// become the lane's current inventory. See docs/records.md for the rules.
func replaces(cur *record.Inventory, d record.Deployment, p *record.Promotion) (bool, string) {
	if d.Deploy.Status != record.StatusPass {
		return false, fmt.Sprintf("deployment %s has deploy status %q; only a passing deploy changes what runs", d.RecordID, d.Deploy.Status)
	}
	if p != nil && p.Deploy.Status != record.StatusPass {
		return false, fmt.Sprintf("promotion %s has deploy status %q; only a passing deploy changes what runs", p.RecordID, p.Deploy.Status)
	}
	if cur == nil || cur.DeploymentRecordID == d.RecordID {
		return true, ""
	}
	candidate, okCandidate := d.EvidenceTime()
	current, okCurrent := (&record.Deployment{Deploy: cur.Deploy}).EvidenceTime()
	if okCandidate && okCurrent && candidate.Before(current) {
		return false, fmt.Sprintf("deployment %s (%s) is older than the lane's current deployment %s (%s)",
			d.RecordID, record.FormatTime(candidate), cur.DeploymentRecordID, record.FormatTime(current))
	}
	return true, ""
}

// lockLane serializes the read-decide-write of one lane's inventory and
// tuple across concurrent writers (and replicas).
func lockLane(ctx context.Context, tx store.Tx, context, instance string) error {
	return tx.Lock(ctx, "lane:"+url.PathEscape(context)+"/"+url.PathEscape(instance))
}
