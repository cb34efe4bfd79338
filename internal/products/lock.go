package products

import (
	"context"

	"github.com/launchplane/launchplane/internal/store"
)

// LockTx takes the profile lock UpsertTx takes, so a caller writing a
// profile together with other records (product onboarding) can take every
// lock before it reads. Taking it twice in one transaction is harmless.
func LockTx(ctx context.Context, tx store.Tx, product string) error {
	return tx.Lock(ctx, "product-profile:"+product)
}
