package targets

import (
	"context"
	"fmt"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// PreparePut checks a whole-target write without a store, as Put does
// before its transaction: the record rules, a required target id for
// nothing stored yet is left to PutTx, and no secret-shaped env key. It
// returns the normalized target, labelled with in.SourceLabel when set.
// Callers that write several records in one transaction (product
// onboarding) run it for every target before they open one.
func PreparePut(in PutInput, now time.Time) (record.DokployTarget, error) {
	t := in.Target
	if in.SourceLabel != "" {
		t.SourceLabel = in.SourceLabel
	}
	if t.UpdatedAt == "" {
		t.UpdatedAt = record.FormatTime(now)
	}
	if err := t.Validate(); err != nil {
		return record.DokployTarget{}, err
	}
	if err := refuseSecretShapedEnv(t); err != nil {
		return record.DokployTarget{}, err
	}
	return t, nil
}

// LockRouteTx takes the lock every writer of one route's target records
// takes, so a caller can read the route and write it with nobody else
// changing it first. Taking it twice in one transaction is harmless.
func LockRouteTx(ctx context.Context, tx store.Tx, context, instance string) error {
	return tx.Lock(ctx, lockKey(context, instance))
}

// CheckFreshTx is dual-write step 1 for one route, read in tx: an explicit
// provider-target row that no longer matches the route's Dokploy pair is
// ErrStale. A route without a row is fresh.
func CheckFreshTx(ctx context.Context, r store.Reader, context, instance string) error {
	rt, err := readRoute(ctx, r, context, instance)
	if err != nil {
		return err
	}
	return checkFresh(rt)
}

// StoredTarget reads a route's Dokploy target record, nil when there is
// none (onboarding keeps the fields its manifest cannot express).
func StoredTarget(ctx context.Context, r store.Reader, context, instance string) (*record.DokployTarget, error) {
	rt, err := readRoute(ctx, r, context, instance)
	if err != nil {
		return nil, err
	}
	return rt.Target, nil
}

// PutTx is Put inside the caller's transaction, with the same dual-write
// order and the same actions: lock the route, refuse a stale
// provider-target row, write the changed Dokploy target and target-id
// records, then the matching provider-target row. An unchanged pair writes
// nothing. in must have passed PreparePut; now stamps what is written.
func PutTx(ctx context.Context, tx store.Tx, in PutInput, now time.Time) (Result, error) {
	t := in.Target
	if in.SourceLabel != "" {
		t.SourceLabel = in.SourceLabel
	}
	if err := LockRouteTx(ctx, tx, t.Context, t.Instance); err != nil {
		return Result{}, err
	}
	rt, err := readRoute(ctx, tx, t.Context, t.Instance)
	if err != nil {
		return Result{}, err
	}
	if err := checkFresh(rt); err != nil {
		return Result{}, err
	}
	stamp := record.FormatTime(now)
	if in.TargetID == "" && rt.ID == nil {
		return Result{}, &record.ValidationError{Record: "dokploy_target_id", Problems: []record.FieldProblem{{
			Field: "target_id", Message: "is required: route " + t.Context + "/" + t.Instance + " has no target-id record yet",
		}}}
	}
	var nextID *record.DokployTargetID
	if in.TargetID != "" {
		label := t.SourceLabel
		if label == "" && rt.ID != nil {
			label = rt.ID.SourceLabel
		}
		if label == "" {
			label = DefaultSourceLabel
		}
		nextID = &record.DokployTargetID{SchemaVersion: 1, Context: t.Context, Instance: t.Instance,
			TargetID: in.TargetID, UpdatedAt: stamp, SourceLabel: label}
	}
	if t.UpdatedAt == "" {
		t.UpdatedAt = stamp
	}
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	return writePairTx(ctx, tx, rt, t, nextID, stamp)
}

// writePairTx is the write half of a dual-write mutation whose route lock
// tx holds and whose row checkFresh accepted (steps 2 and 3). It mirrors
// mutate, which runs the same steps in its own transaction.
func writePairTx(ctx context.Context, tx store.Tx, rt route, next record.DokployTarget, nextID *record.DokployTargetID, now string) (Result, error) {
	context, instance := rt.Context, rt.Instance
	var res Result
	targetChanged := rt.Target == nil || !sameTarget(*rt.Target, next)
	res.Action = ActionUnchanged
	if targetChanged {
		res.Action = ActionUpdated
		if rt.Target == nil {
			res.Action = ActionCreated
		}
		next.UpdatedAt = now
		if err := tx.DokployTargetPut(ctx, next); err != nil {
			return Result{}, fmt.Errorf("write dokploy target %s/%s: %w", context, instance, err)
		}
	} else {
		next = *rt.Target
	}
	res.TargetIDAction = ActionUnchanged
	id := rt.ID
	if nextID != nil && (rt.ID == nil || rt.ID.TargetID != nextID.TargetID || rt.ID.SourceLabel != nextID.SourceLabel) {
		res.TargetIDAction = ActionUpdated
		if rt.ID == nil {
			res.TargetIDAction = ActionCreated
		}
		nextID.UpdatedAt = now
		if err := nextID.Validate(); err != nil {
			return Result{}, err
		}
		if err := tx.DokployTargetIDPut(ctx, *nextID); err != nil {
			return Result{}, fmt.Errorf("write dokploy target id %s/%s: %w", context, instance, err)
		}
		id = nextID
	}
	res.Target = Summarize(next, id)
	written := route{Context: context, Instance: instance, Target: &next, ID: id, Row: rt.Row}
	row := written.projection()
	switch {
	case row == nil:
		res.ProviderTargetAction = ActionSkippedIncomplete
	case res.Action == ActionUnchanged && res.TargetIDAction == ActionUnchanged:
		res.ProviderTarget, res.ProviderTargetAction = rt.Row, ActionUnchanged
		if rt.Row == nil {
			res.ProviderTargetAction = ActionMissing
		}
	default:
		if err := tx.ProviderTargetPut(ctx, *row); err != nil {
			return Result{}, fmt.Errorf("write provider target %s/%s: %w", context, instance, err)
		}
		res.ProviderTarget, res.ProviderTargetAction = row, ActionUpdated
		if rt.Row == nil {
			res.ProviderTargetAction = ActionCreated
		}
	}
	return res, nil
}
