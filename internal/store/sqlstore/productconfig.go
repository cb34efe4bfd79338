package sqlstore

import (
	"context"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// familyProductConfigPlan names bound product-config plans. They are
// bookkeeping (like idempotency records), so they append no ledger entry.
const familyProductConfigPlan = "product_config_plan"

var productConfigPlans = newFamily(family[record.ProductConfigPlan]{
	name: familyProductConfigPlan, table: "launchplane_product_config_plans", keys: 1, unledgered: true,
	columns:  []string{"plan_id", "product", "context", "instance", "identity", "payload_fingerprint", "created_at", "expires_at"},
	identity: []string{"product", "context", "instance", "identity", "payload_fingerprint"},
	order:    "created_at DESC, plan_id DESC",
	row: func(p *record.ProductConfigPlan) []any {
		return []any{p.PlanID, p.Product, p.Context, p.Instance, p.Identity, p.PayloadFingerprint, sortTime(p.CreatedAt), sortTime(p.ExpiresAt)}
	},
	decode: record.DecodeStored[record.ProductConfigPlan],
	valid:  (*record.ProductConfigPlan).Validate,
})

func (r reader) ProductConfigPlanGet(ctx context.Context, planID string) (record.ProductConfigPlan, error) {
	return getRecord(ctx, r.q, productConfigPlans, planID)
}

// ProductConfigPlanFind returns the newest plan one identity made for one
// payload fingerprint (the owner-agent dry-run marker).
func (r reader) ProductConfigPlanFind(ctx context.Context, identity, fingerprint string) (record.ProductConfigPlan, error) {
	if identity == "" || fingerprint == "" {
		return record.ProductConfigPlan{}, fmt.Errorf("read %s: %w", familyProductConfigPlan, store.ErrNotFound)
	}
	found, err := listRecords(ctx, r.q, productConfigPlans, []filter{{"identity", identity}, {"payload_fingerprint", fingerprint}}, 1)
	if err != nil {
		return record.ProductConfigPlan{}, err
	}
	if len(found) == 0 {
		return record.ProductConfigPlan{}, fmt.Errorf("read %s: %w", familyProductConfigPlan, store.ErrNotFound)
	}
	return found[0], nil
}

func (t *txn) ProductConfigPlanPut(ctx context.Context, p record.ProductConfigPlan) error {
	return putRecord(ctx, t, productConfigPlans, p)
}
