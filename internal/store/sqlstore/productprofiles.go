package sqlstore

import (
	"context"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// FamilyProductProfile is the ledger family name of product profiles.
const FamilyProductProfile = "product_profile"

var productProfiles = newFamily(family[record.ProductProfile]{
	name: FamilyProductProfile, table: "launchplane_product_profiles", keys: 1,
	columns: []string{"product", "display_name", "repository", "driver_id", "updated_at"},
	order:   "updated_at DESC, product ASC",
	row: func(p *record.ProductProfile) []any {
		return []any{p.Product, p.DisplayName, p.Repository, p.DriverID, sortTime(p.UpdatedAt)}
	},
	decode: record.DecodeStored[record.ProductProfile],
	valid:  (*record.ProductProfile).Validate,
})

func (r reader) ProductProfileGet(ctx context.Context, product string) (record.ProductProfile, error) {
	return getRecord(ctx, r.q, productProfiles, product)
}

func (r reader) ProductProfileList(ctx context.Context, p store.ProductProfileListParams) ([]record.ProductProfile, error) {
	return listRecords(ctx, r.q, productProfiles, []filter{{"driver_id", p.DriverID}}, 0)
}

func (t *txn) ProductProfilePut(ctx context.Context, p record.ProductProfile) error {
	return putRecord(ctx, t, productProfiles, p)
}
