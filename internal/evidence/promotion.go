package evidence

import (
	"context"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// PromotionResult is the outcome of promotion evidence.
type PromotionResult struct {
	PromotionRecordID  string  `json:"promotion_record_id"`
	DeploymentRecordID string  `json:"deployment_record_id,omitempty"`
	InventoryRecordID  string  `json:"inventory_record_id,omitempty"`
	Inventory          Outcome `json:"inventory"`
	ReleaseTuple       Outcome `json:"release_tuple"`
}

// IngestPromotion stores promotion evidence. With deployment linkage it also
// refreshes the destination inventory and mints the destination release
// tuple from the source lane's tuple, all in one transaction. Broken linkage
// is rejected before anything is written.
func (s *Service) IngestPromotion(ctx context.Context, p record.Promotion) (PromotionResult, error) {
	var res PromotionResult
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = s.IngestPromotionTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return PromotionResult{}, fmt.Errorf("ingest promotion: %w", err)
	}
	return res, nil
}

// IngestPromotionTx is IngestPromotion inside the caller's transaction.
func (s *Service) IngestPromotionTx(ctx context.Context, tx store.Tx, p record.Promotion) (PromotionResult, error) {
	if err := p.Validate(); err != nil {
		return PromotionResult{}, err
	}
	res := PromotionResult{PromotionRecordID: p.RecordID}
	if p.DeploymentRecordID == "" {
		res.Inventory = Outcome{Action: ActionSkipped, Reason: "promotion has no deployment_record_id linkage"}
		res.ReleaseTuple = Outcome{Action: ActionSkipped, Reason: "promotion has no deployment_record_id linkage"}
		return res, tx.PromotionPut(ctx, p)
	}
	d, err := linkedDeployment(ctx, tx, p)
	if err != nil {
		return PromotionResult{}, err
	}
	if err := tx.PromotionPut(ctx, p); err != nil {
		return PromotionResult{}, err
	}
	res.DeploymentRecordID = d.RecordID
	res.InventoryRecordID = InventoryRecordID(p.Context, p.ToInstance)
	if res.Inventory, err = s.refreshInventory(ctx, tx, d, &p); err != nil {
		return PromotionResult{}, err
	}
	if res.Inventory.Action != ActionUpdated {
		res.ReleaseTuple = Outcome{Action: ActionSkipped, Reason: "destination inventory was not refreshed, so its tuple stays"}
		return res, nil
	}
	tuple, reason, err := promotedTuple(ctx, tx, p, s.stamp())
	if err != nil {
		return PromotionResult{}, err
	}
	if reason != "" {
		res.ReleaseTuple = Outcome{Action: ActionSkipped, Reason: reason}
		return res, nil
	}
	res.ReleaseTuple = Outcome{Action: ActionMinted, RecordID: tuple.TupleID}
	return res, tx.ReleaseTuplePut(ctx, tuple)
}

// linkedDeployment reads the deployment a promotion names and checks that it
// is the deployment of this promotion: same context, the destination
// instance, and the same artifact when both name one.
func linkedDeployment(ctx context.Context, tx store.Reader, p record.Promotion) (record.Deployment, error) {
	d, err := tx.DeploymentGet(ctx, p.DeploymentRecordID)
	if errors.Is(err, store.ErrNotFound) {
		return record.Deployment{}, linkageError("deployment_record_id", "names deployment %q, which is not stored", p.DeploymentRecordID)
	}
	if err != nil {
		return record.Deployment{}, err
	}
	switch {
	case d.Context != p.Context:
		return record.Deployment{}, linkageError("context", "promotion context %q does not match linked deployment context %q", p.Context, d.Context)
	case d.Instance != p.ToInstance:
		return record.Deployment{}, linkageError("to_instance", "promotion to_instance %q does not match linked deployment instance %q", p.ToInstance, d.Instance)
	case p.ArtifactID() != "" && d.ArtifactID() != "" && p.ArtifactID() != d.ArtifactID():
		return record.Deployment{}, linkageError("artifact_identity.artifact_id", "promotion artifact %q does not match linked deployment artifact %q", p.ArtifactID(), d.ArtifactID())
	}
	return d, nil
}

func linkageError(field, format string, args ...any) error {
	return &record.ValidationError{Record: "promotion linkage", Problems: []record.FieldProblem{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// promotedTuple builds the destination tuple for a promotion. A non-empty
// reason means no tuple can be minted, and why; err is for storage failures.
func promotedTuple(ctx context.Context, tx store.Reader, p record.Promotion, mintedAt string) (record.ReleaseTuple, string, error) {
	if !record.IsStableChannel(p.FromInstance) || !record.IsStableChannel(p.ToInstance) {
		return record.ReleaseTuple{}, fmt.Sprintf("release tuples exist only for testing and prod, not %s to %s", p.FromInstance, p.ToInstance), nil
	}
	if p.DeploymentRecordID == "" {
		return record.ReleaseTuple{}, "write a promotion record with explicit deployment linkage (deployment_record_id) first", nil
	}
	source, err := tx.ReleaseTupleGet(ctx, p.Context, p.FromInstance)
	if errors.Is(err, store.ErrNotFound) {
		return record.ReleaseTuple{}, fmt.Sprintf("source lane %s/%s has no release tuple", p.Context, p.FromInstance), nil
	}
	if err != nil {
		return record.ReleaseTuple{}, "", err
	}
	if source.ArtifactID != p.ArtifactID() {
		return record.ReleaseTuple{}, fmt.Sprintf("source tuple %s is for artifact %q, not the promoted artifact %q", source.TupleID, source.ArtifactID, p.ArtifactID()), nil
	}
	tuple, err := record.PromotedTuple(source, p.ToInstance, p.RecordID, p.DeploymentRecordID, mintedAt)
	if err != nil {
		return record.ReleaseTuple{}, err.Error(), nil
	}
	return tuple, "", nil
}
