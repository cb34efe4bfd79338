package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

const (
	laneGetSQL    = "SELECT holder, operation, acquired_at, expires_at FROM launchplane_lane_reservations WHERE context = $1 AND instance = $2"
	laneUpsertSQL = "INSERT INTO launchplane_lane_reservations (context, instance, holder, operation, acquired_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) " +
		"ON CONFLICT (context, instance) DO UPDATE SET holder = excluded.holder, operation = excluded.operation, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"
	laneDeleteSQL = "DELETE FROM launchplane_lane_reservations WHERE context = $1 AND instance = $2 AND holder = $3"
)

func (t *txn) LaneReserve(ctx context.Context, r store.LaneReservation, now string) error {
	if r.Context == "" || r.Instance == "" || r.Holder == "" || r.Operation == "" {
		return fmt.Errorf("reserve lane: context, instance, holder and operation are required: %w", record.ErrInvalid)
	}
	for _, ts := range []string{r.AcquiredAt, r.ExpiresAt, now} {
		if _, err := record.ParseTime(ts); err != nil {
			return fmt.Errorf("reserve lane: %q is not an RFC 3339 time: %w", ts, record.ErrInvalid)
		}
	}
	if err := t.Lock(ctx, "lane-reservation:"+url.PathEscape(r.Context)+"/"+url.PathEscape(r.Instance)); err != nil {
		return err
	}
	var holder, op, acquired, expires string
	err := t.q.QueryRowContext(ctx, laneGetSQL, r.Context, r.Instance).Scan(&holder, &op, &acquired, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("read lane reservation %s/%s: %w", r.Context, r.Instance, err)
	case holder != r.Holder && sortTime(expires) > sortTime(now):
		return fmt.Errorf("lane %s/%s is busy: %s holds it since %s (until %s at the latest): %w", r.Context, r.Instance, op, acquired, expires, store.ErrConflict)
	}
	if _, err := t.q.ExecContext(ctx, laneUpsertSQL, r.Context, r.Instance, r.Holder, r.Operation, r.AcquiredAt, r.ExpiresAt); err != nil {
		return fmt.Errorf("reserve lane %s/%s: %w", r.Context, r.Instance, err)
	}
	return nil
}

func (t *txn) LaneRelease(ctx context.Context, context, instance, holder string) error {
	if _, err := t.q.ExecContext(ctx, laneDeleteSQL, context, instance, holder); err != nil {
		return fmt.Errorf("release lane %s/%s: %w", context, instance, err)
	}
	return nil
}
