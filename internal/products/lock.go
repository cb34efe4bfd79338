package products

import (
	"context"

	"github.com/launchplane/launchplane/internal/store"
)

// lockKey is the one lock every profile write takes. A write checks its
// lanes against every other profile (see UpsertTx), so two writes of
// different products must not interleave: per-product keys would let two
// products claim the same lane at once.
const lockKey = "product-profiles"

// LockTx takes the profile lock UpsertTx takes, so a caller writing a
// profile together with other records (product onboarding) can take every
// lock before it reads. Taking it twice in one transaction is harmless.
func LockTx(ctx context.Context, tx store.Tx) error {
	return tx.Lock(ctx, lockKey)
}
