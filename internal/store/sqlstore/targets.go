package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Ledger family names of the tracked-target records.
const (
	FamilyDokployTarget   = "dokploy_target"
	FamilyDokployTargetID = "dokploy_target_id"
	FamilyProviderTarget  = "provider_target"
)

var dokployTargets = newFamily(family[record.DokployTarget]{
	name: FamilyDokployTarget, table: "launchplane_dokploy_targets", keys: 2,
	columns: []string{"context", "instance", "updated_at"},
	order:   "context ASC, instance ASC",
	row: func(t *record.DokployTarget) []any {
		return []any{t.Context, t.Instance, sortTime(t.UpdatedAt)}
	},
	decode: record.DecodeStored[record.DokployTarget],
	valid:  (*record.DokployTarget).Validate,
})

var dokployTargetIDs = newFamily(family[record.DokployTargetID]{
	name: FamilyDokployTargetID, table: "launchplane_dokploy_target_ids", keys: 2,
	columns: []string{"context", "instance", "target_id", "updated_at"},
	order:   "context ASC, instance ASC",
	row: func(t *record.DokployTargetID) []any {
		return []any{t.Context, t.Instance, t.TargetID, sortTime(t.UpdatedAt)}
	},
	decode: record.DecodeStored[record.DokployTargetID],
	valid:  (*record.DokployTargetID).Validate,
})

var providerTargets = newFamily(family[record.ProviderTarget]{
	name: FamilyProviderTarget, table: "launchplane_provider_targets", keys: 2,
	columns: []string{"context", "instance", "provider_id", "target_category", "target_id", "display_name", "provider_target_type", "updated_at"},
	order:   "context ASC, instance ASC",
	row: func(p *record.ProviderTarget) []any {
		return []any{p.Context, p.Instance, p.ProviderID, p.TargetCategory, p.TargetID, p.DisplayName, p.ProviderTargetType, sortTime(p.UpdatedAt)}
	},
	decode: record.DecodeStored[record.ProviderTarget],
	valid:  (*record.ProviderTarget).Validate,
})

const providerTargetOwnerSQL = "SELECT context, instance FROM launchplane_provider_targets WHERE provider_id = $1 AND target_id = $2"

func targetFilters(p store.TargetListParams) []filter {
	return []filter{{"context", p.Context}, {"instance", p.Instance}}
}

func (r reader) DokployTargetGet(ctx context.Context, context, instance string) (record.DokployTarget, error) {
	return getRecord(ctx, r.q, dokployTargets, context, instance)
}

func (r reader) DokployTargetList(ctx context.Context, p store.TargetListParams) ([]record.DokployTarget, error) {
	return listRecords(ctx, r.q, dokployTargets, targetFilters(p), 0)
}

func (r reader) DokployTargetIDGet(ctx context.Context, context, instance string) (record.DokployTargetID, error) {
	return getRecord(ctx, r.q, dokployTargetIDs, context, instance)
}

func (r reader) DokployTargetIDList(ctx context.Context, p store.TargetListParams) ([]record.DokployTargetID, error) {
	return listRecords(ctx, r.q, dokployTargetIDs, targetFilters(p), 0)
}

func (r reader) ProviderTargetGet(ctx context.Context, context, instance string) (record.ProviderTarget, error) {
	return getRecord(ctx, r.q, providerTargets, context, instance)
}

func (r reader) ProviderTargetList(ctx context.Context, p store.TargetListParams) ([]record.ProviderTarget, error) {
	return listRecords(ctx, r.q, providerTargets, append(targetFilters(p), filter{"provider_id", p.ProviderID}), 0)
}

func (t *txn) DokployTargetPut(ctx context.Context, v record.DokployTarget) error {
	return putRecord(ctx, t, dokployTargets, v)
}

func (t *txn) DokployTargetIDPut(ctx context.Context, v record.DokployTargetID) error {
	return putRecord(ctx, t, dokployTargetIDs, v)
}

// ProviderTargetPut checks the target-id binding before writing: a unique
// violation would abort a Postgres transaction, so it is never provoked.
func (t *txn) ProviderTargetPut(ctx context.Context, p record.ProviderTarget) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", FamilyProviderTarget, err)
	}
	if err := t.Lock(ctx, "provider-target-identity"); err != nil {
		return err
	}
	if err := t.providerTargetIDFree(ctx, p); err != nil {
		return err
	}
	return putRecord(ctx, t, providerTargets, p)
}

func (t *txn) ProviderTargetCreate(ctx context.Context, p record.ProviderTarget) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", FamilyProviderTarget, err)
	}
	if err := t.Lock(ctx, "provider-target-identity"); err != nil {
		return err
	}
	if _, err := t.ProviderTargetGet(ctx, p.Context, p.Instance); err == nil {
		return fmt.Errorf("%s %s/%s already exists: %w", FamilyProviderTarget, p.Context, p.Instance, store.ErrConflict)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := t.providerTargetIDFree(ctx, p); err != nil {
		return err
	}
	return putRecord(ctx, t, providerTargets, p)
}

// providerTargetIDFree refuses a target id that another route already holds.
func (t *txn) providerTargetIDFree(ctx context.Context, p record.ProviderTarget) error {
	var c, i string
	err := t.q.QueryRowContext(ctx, providerTargetOwnerSQL, p.ProviderID, p.TargetID).Scan(&c, &i)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("read %s owner: %w", FamilyProviderTarget, err)
	case c == p.Context && i == p.Instance:
		return nil
	}
	return fmt.Errorf("%s target id is already bound to route %s/%s: %w", p.ProviderID, c, i, store.ErrConflict)
}
