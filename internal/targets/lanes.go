package targets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrLaneBusy means another operation holds the lane; nothing was done.
var ErrLaneBusy = errors.New("lane busy")

// ReserveLane takes (context, instance) for one operation until ttl passes,
// so no two operations change a lane's provider target at the same time
// (across processes and replicas). release frees it; it uses a fresh
// context so a cancelled operation still frees its lane. A lane held by a
// crashed holder is taken over once its reservation expires.
func ReserveLane(ctx context.Context, s store.Store, now func() time.Time, context, instance, operation string, ttl time.Duration) (release func(), err error) {
	holder := make([]byte, 8)
	_, _ = rand.Read(holder) // crypto/rand.Read never fails (Go 1.24+)
	at := now().UTC()
	r := store.LaneReservation{Context: context, Instance: instance, Holder: hex.EncodeToString(holder), Operation: operation,
		AcquiredAt: record.FormatTime(at), ExpiresAt: record.FormatTime(at.Add(ttl))}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.LaneReserve(ctx, r, record.FormatTime(at)) })
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("%w: %w", ErrLaneBusy, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reserve lane %s/%s: %w", context, instance, err)
	}
	return func() {
		ctx, cancel := contextWithoutCancel(ctx)
		defer cancel()
		_ = s.Update(ctx, func(tx store.Tx) error { return tx.LaneRelease(ctx, r.Context, r.Instance, r.Holder) })
	}, nil
}

func contextWithoutCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}
