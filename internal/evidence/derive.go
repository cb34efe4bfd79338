package evidence

import (
	"context"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// These operator commands re-derive state from records already stored (for
// repair and rehearsal). They apply the same rules as ingest, but a rule
// that declines is an ErrRefused error rather than an "unchanged" outcome,
// because the operator asked for the write explicitly.

func refused(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrRefused)...)
}

// InventoryFromDeployment refreshes a lane's inventory from a stored deployment.
func (s *Service) InventoryFromDeployment(ctx context.Context, recordID string) (Outcome, error) {
	var out Outcome
	err := s.store.Update(ctx, func(tx store.Tx) error {
		d, err := tx.DeploymentGet(ctx, recordID)
		if err != nil {
			return err
		}
		if out, err = s.refreshInventory(ctx, tx, d, nil); err != nil {
			return err
		}
		if out.Action != ActionUpdated {
			return refused("inventory %s not refreshed: %s", out.RecordID, out.Reason)
		}
		return nil
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("write inventory from deployment %s: %w", recordID, err)
	}
	return out, nil
}

// InventoryFromPromotion refreshes the destination inventory from a stored
// promotion through its deployment linkage.
func (s *Service) InventoryFromPromotion(ctx context.Context, recordID string) (Outcome, error) {
	var out Outcome
	err := s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.PromotionGet(ctx, recordID)
		if err != nil {
			return err
		}
		if p.DeploymentRecordID == "" {
			return refused("promotion %s has no deployment_record_id; inventory can only be written through explicit deployment linkage", recordID)
		}
		d, err := linkedDeployment(ctx, tx, p)
		if err != nil {
			return err
		}
		if out, err = s.refreshInventory(ctx, tx, d, &p); err != nil {
			return err
		}
		if out.Action != ActionUpdated {
			return refused("inventory %s not refreshed: %s", out.RecordID, out.Reason)
		}
		return nil
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("write inventory from promotion %s: %w", recordID, err)
	}
	return out, nil
}

// TupleFromPromotion mints the destination release tuple of a stored
// promotion. The destination inventory must already run the promotion's
// deployment, so a tuple never claims something the lane does not run.
func (s *Service) TupleFromPromotion(ctx context.Context, recordID string) (record.ReleaseTuple, error) {
	var tuple record.ReleaseTuple
	err := s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.PromotionGet(ctx, recordID)
		if err != nil {
			return err
		}
		if p.DeploymentRecordID == "" {
			return refused("write a promotion record with explicit deployment linkage (deployment_record_id) first")
		}
		if _, err := linkedDeployment(ctx, tx, p); err != nil {
			return err
		}
		if p.Deploy.Status != record.StatusPass {
			return refused("promotion %s has deploy status %q; only a passing promotion mints a tuple", p.RecordID, p.Deploy.Status)
		}
		if err := requireInventoryAt(ctx, tx, p.Context, p.ToInstance, p.DeploymentRecordID); err != nil {
			return err
		}
		var reason string
		if tuple, reason, err = promotedTuple(ctx, tx, p, s.stamp()); err != nil {
			return err
		}
		if reason != "" {
			return refused("%s", reason)
		}
		return tx.ReleaseTuplePut(ctx, tuple)
	})
	if err != nil {
		return record.ReleaseTuple{}, fmt.Errorf("mint release tuple from promotion %s: %w", recordID, err)
	}
	return tuple, nil
}

// TupleFromDeployment mints a ship tuple from a stored, waited, passing
// deployment to testing or prod whose manifest is stored and which the
// lane's inventory currently points at.
func (s *Service) TupleFromDeployment(ctx context.Context, recordID string) (record.ReleaseTuple, error) {
	var tuple record.ReleaseTuple
	err := s.store.Update(ctx, func(tx store.Tx) error {
		d, err := tx.DeploymentGet(ctx, recordID)
		if err != nil {
			return err
		}
		switch {
		case !record.IsStableChannel(d.Instance):
			return refused("release tuples exist only for testing and prod, not %q", d.Instance)
		case d.Deploy.Status != record.StatusPass:
			return refused("deployment %s has deploy status %q; only a passing ship mints a tuple", d.RecordID, d.Deploy.Status)
		case !d.WaitForCompletion:
			return refused("deployment %s did not wait for completion; only a waited ship mints a tuple", d.RecordID)
		case d.ArtifactID() == "":
			return refused("deployment %s names no artifact", d.RecordID)
		}
		if err := requireInventoryAt(ctx, tx, d.Context, d.Instance, d.RecordID); err != nil {
			return err
		}
		m, err := tx.ArtifactGet(ctx, d.ArtifactID())
		if errors.Is(err, store.ErrNotFound) {
			return refused("artifact manifest %s is not stored", d.ArtifactID())
		}
		if err != nil {
			return err
		}
		if tuple, err = record.ShipTuple(d.Context, d.Instance, d.RecordID, m, s.stamp()); err != nil {
			return err
		}
		return tx.ReleaseTuplePut(ctx, tuple)
	})
	if err != nil {
		return record.ReleaseTuple{}, fmt.Errorf("mint release tuple from deployment %s: %w", recordID, err)
	}
	return tuple, nil
}

func requireInventoryAt(ctx context.Context, tx store.Tx, context, instance, deploymentID string) error {
	if err := lockLane(ctx, tx, context, instance); err != nil {
		return err
	}
	inv, err := tx.InventoryGet(ctx, context, instance)
	if errors.Is(err, store.ErrNotFound) {
		return refused("lane %s/%s has no inventory; record its deployment first", context, instance)
	}
	if err != nil {
		return err
	}
	if inv.DeploymentRecordID != deploymentID {
		return refused("lane %s/%s runs deployment %s, not %s", context, instance, inv.DeploymentRecordID, deploymentID)
	}
	return nil
}
