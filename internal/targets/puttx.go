package targets

import (
	"context"
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
// order and the same actions (mutateTx): lock the route, refuse a stale
// provider-target row, write the changed Dokploy target and target-id
// records, then the matching provider-target row. An unchanged pair writes
// nothing. in must have passed PreparePut; now stamps what is written.
func PutTx(ctx context.Context, tx store.Tx, in PutInput, now time.Time) (Result, error) {
	t := in.Target
	if in.SourceLabel != "" {
		t.SourceLabel = in.SourceLabel
	}
	return mutateTx(ctx, tx, t.Context, t.Instance, func() time.Time { return now }, putChange(t, in.TargetID, ""))
}
