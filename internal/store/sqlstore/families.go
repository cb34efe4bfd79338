package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Ledger family names.
const (
	FamilyArtifact     = "artifact_manifest"
	FamilyBackupGate   = "backup_gate"
	FamilyDeployment   = "deployment"
	FamilyPromotion    = "promotion"
	FamilyInventory    = "inventory"
	FamilyReleaseTuple = "release_tuple"
)

// sortTime renders an evidence timestamp in a fixed-width UTC form so that
// promoted columns order correctly whatever offset the evidence used.
func sortTime(s string) string {
	t, err := record.ParseTime(s)
	if err != nil {
		return ""
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

var artifacts = newFamily(family[record.ArtifactManifest]{
	name: FamilyArtifact, table: "launchplane_artifact_manifests", keys: 1,
	columns: []string{"artifact_id", "source_commit", "image_repository", "image_digest"},
	order:   "artifact_id DESC",
	row: func(m *record.ArtifactManifest) []any {
		return []any{m.ArtifactID, m.SourceCommit, m.Image.Repository, m.Image.Digest}
	},
	decode: record.DecodeStored[record.ArtifactManifest],
	valid:  (*record.ArtifactManifest).Validate,
})

var backupGates = newFamily(family[record.BackupGate]{
	name: FamilyBackupGate, table: "launchplane_backup_gates", keys: 1,
	columns:  []string{"record_id", "context", "instance", "created_at", "status"},
	identity: []string{"context", "instance"},
	order:    "created_at DESC, record_id DESC",
	row: func(g *record.BackupGate) []any {
		return []any{g.RecordID, g.Context, g.Instance, sortTime(g.CreatedAt), g.Status}
	},
	decode: record.DecodeStored[record.BackupGate],
	valid:  (*record.BackupGate).Validate,
})

var deployments = newFamily(family[record.Deployment]{
	name: FamilyDeployment, table: "launchplane_deployments", keys: 1,
	columns:  []string{"record_id", "context", "instance", "artifact_id", "source_git_ref", "deploy_started_at", "deploy_finished_at"},
	identity: []string{"context", "instance", "artifact_id"},
	order:    "deploy_finished_at DESC, deploy_started_at DESC, record_id DESC",
	row: func(d *record.Deployment) []any {
		return []any{d.RecordID, d.Context, d.Instance, d.ArtifactID(), d.SourceGitRef, sortTime(d.Deploy.StartedAt), sortTime(d.Deploy.FinishedAt)}
	},
	decode: record.DecodeStored[record.Deployment],
	valid:  (*record.Deployment).Validate,
})

var promotions = newFamily(family[record.Promotion]{
	name: FamilyPromotion, table: "launchplane_promotions", keys: 1,
	columns:  []string{"record_id", "context", "from_instance", "to_instance", "artifact_id", "deploy_started_at", "deploy_finished_at"},
	identity: []string{"context", "from_instance", "to_instance", "artifact_id"},
	order:    "deploy_finished_at DESC, deploy_started_at DESC, record_id DESC",
	row: func(p *record.Promotion) []any {
		return []any{p.RecordID, p.Context, p.FromInstance, p.ToInstance, p.ArtifactID(), sortTime(p.Deploy.StartedAt), sortTime(p.Deploy.FinishedAt)}
	},
	decode: record.DecodeStored[record.Promotion],
	valid:  (*record.Promotion).Validate,
})

var inventories = newFamily(family[record.Inventory]{
	name: FamilyInventory, table: "launchplane_inventory", keys: 2,
	columns: []string{"context", "instance", "artifact_id", "source_git_ref", "updated_at", "deployment_record_id", "promotion_record_id", "promoted_from_instance"},
	order:   "context ASC, instance ASC",
	row: func(inv *record.Inventory) []any {
		return []any{inv.Context, inv.Instance, inv.ArtifactID(), inv.SourceGitRef, sortTime(inv.UpdatedAt), inv.DeploymentRecordID, inv.PromotionRecordID, inv.PromotedFromInstance}
	},
	decode: record.DecodeStored[record.Inventory],
	valid:  (*record.Inventory).Validate,
})

var releaseTuples = newFamily(family[record.ReleaseTuple]{
	name: FamilyReleaseTuple, table: "launchplane_release_tuples", keys: 2,
	columns: []string{"context", "channel", "tuple_id", "artifact_id", "minted_at", "provenance"},
	order:   "context ASC, channel ASC",
	row: func(t *record.ReleaseTuple) []any {
		return []any{t.Context, t.Channel, t.TupleID, t.ArtifactID, sortTime(t.MintedAt), t.Provenance}
	},
	decode: record.DecodeStored[record.ReleaseTuple],
	valid:  (*record.ReleaseTuple).Validate,
})

const (
	// FamilyAuthzPolicy names authorization policy versions in the ledger.
	FamilyAuthzPolicy = "authz_policy"
	familyIdempotency = "idempotency"
)

var authzPolicies = newFamily(family[record.AuthzPolicyRecord]{
	name: FamilyAuthzPolicy, table: "launchplane_authz_policies", keys: 1,
	columns: []string{"record_id", "status", "source", "updated_at", "policy_sha256"},
	order:   "updated_at DESC, record_id DESC",
	row: func(p *record.AuthzPolicyRecord) []any {
		return []any{p.RecordID, p.Status, p.Source, sortTime(p.UpdatedAt), p.PolicySHA256}
	},
	decode: record.DecodeStored[record.AuthzPolicyRecord],
	valid:  (*record.AuthzPolicyRecord).Validate,
})

// Idempotency records are bookkeeping, not evidence: no ledger entries.
var idempotencyRecords = newFamily(family[record.IdempotencyRecord]{
	name: familyIdempotency, table: "launchplane_idempotency_records", keys: 1, unledgered: true,
	columns: []string{"record_id", "scope", "route_path", "idempotency_key", "request_fingerprint", "response_status_code", "response_trace_id", "recorded_at"},
	order:   "recorded_at DESC, record_id DESC",
	row: func(r *record.IdempotencyRecord) []any {
		return []any{r.RecordID, r.Scope, r.RoutePath, r.IdempotencyKey, r.RequestFingerprint, r.ResponseStatusCode, r.ResponseTraceID, sortTime(r.RecordedAt)}
	},
	decode: record.DecodeStored[record.IdempotencyRecord],
	valid:  (*record.IdempotencyRecord).Validate,
})

// Ledger family names of the preview records.
const (
	FamilyPreview           = "preview"
	FamilyPreviewGeneration = "preview_generation"
)

var previews = newFamily(family[record.Preview]{
	name: FamilyPreview, table: "launchplane_preview_records", keys: 1,
	columns: []string{"preview_id", "context", "anchor_repo", "anchor_pr_number", "state", "updated_at"},
	order:   "updated_at DESC, preview_id DESC",
	row: func(p *record.Preview) []any {
		return []any{p.PreviewID, p.Context, p.AnchorRepo, p.AnchorPRNumber, p.State, sortTime(p.UpdatedAt)}
	},
	decode: record.DecodeStored[record.Preview],
	valid:  (*record.Preview).Validate,
})

var previewGenerations = newFamily(family[record.PreviewGeneration]{
	name: FamilyPreviewGeneration, table: "launchplane_preview_generations", keys: 1,
	columns: []string{"generation_id", "preview_id", "sequence", "state", "requested_at", "finished_at", "artifact_id"},
	order:   "sequence DESC",
	row: func(g *record.PreviewGeneration) []any {
		return []any{g.GenerationID, g.PreviewID, g.Sequence, g.State, sortTime(g.RequestedAt), sortTime(g.FinishedAt), g.ArtifactID}
	},
	decode: record.DecodeStored[record.PreviewGeneration],
	valid:  (*record.PreviewGeneration).Validate,
})

// reader implements store.Reader over a pool or a transaction.
type reader struct{ q querier }

func (r reader) ArtifactGet(ctx context.Context, id string) (record.ArtifactManifest, error) {
	return getRecord(ctx, r.q, artifacts, id)
}

func (r reader) ArtifactList(ctx context.Context, p store.ArtifactListParams) ([]record.ArtifactManifest, error) {
	return listRecords(ctx, r.q, artifacts, nil, p.Limit)
}

func (r reader) BackupGateGet(ctx context.Context, id string) (record.BackupGate, error) {
	return getRecord(ctx, r.q, backupGates, id)
}

func (r reader) BackupGateList(ctx context.Context, p store.BackupGateListParams) ([]record.BackupGate, error) {
	return listRecords(ctx, r.q, backupGates, []filter{{"context", p.Context}, {"instance", p.Instance}}, p.Limit)
}

func (r reader) DeploymentGet(ctx context.Context, id string) (record.Deployment, error) {
	return getRecord(ctx, r.q, deployments, id)
}

func (r reader) DeploymentList(ctx context.Context, p store.DeploymentListParams) ([]record.Deployment, error) {
	return listRecords(ctx, r.q, deployments, []filter{{"context", p.Context}, {"instance", p.Instance}}, p.Limit)
}

func (r reader) PromotionGet(ctx context.Context, id string) (record.Promotion, error) {
	return getRecord(ctx, r.q, promotions, id)
}

func (r reader) PromotionList(ctx context.Context, p store.PromotionListParams) ([]record.Promotion, error) {
	return listRecords(ctx, r.q, promotions, []filter{{"context", p.Context}, {"from_instance", p.FromInstance}, {"to_instance", p.ToInstance}}, p.Limit)
}

func (r reader) InventoryGet(ctx context.Context, context, instance string) (record.Inventory, error) {
	return getRecord(ctx, r.q, inventories, context, instance)
}

func (r reader) InventoryList(ctx context.Context, p store.InventoryListParams) ([]record.Inventory, error) {
	return listRecords(ctx, r.q, inventories, []filter{{"context", p.Context}}, 0)
}

func (r reader) ReleaseTupleGet(ctx context.Context, context, channel string) (record.ReleaseTuple, error) {
	return getRecord(ctx, r.q, releaseTuples, context, channel)
}

func (r reader) AuthzPolicyList(ctx context.Context, p store.AuthzPolicyListParams) ([]record.AuthzPolicyRecord, error) {
	return listRecords(ctx, r.q, authzPolicies, []filter{{"status", p.Status}}, p.Limit)
}

func (r reader) IdempotencyFind(ctx context.Context, scope, routePath, key string) (record.IdempotencyRecord, error) {
	found, err := listRecords(ctx, r.q, idempotencyRecords, []filter{{"scope", scope}, {"route_path", routePath}, {"idempotency_key", key}}, 1)
	if err != nil {
		return record.IdempotencyRecord{}, err
	}
	if len(found) == 0 || scope == "" || routePath == "" || key == "" {
		return record.IdempotencyRecord{}, fmt.Errorf("read idempotency record: %w", store.ErrNotFound)
	}
	return found[0], nil
}

func (r reader) PreviewGet(ctx context.Context, id string) (record.Preview, error) {
	return getRecord(ctx, r.q, previews, id)
}

func (r reader) PreviewList(ctx context.Context, p store.PreviewListParams) ([]record.Preview, error) {
	filters := []filter{{"context", p.Context}, {"anchor_repo", p.AnchorRepo}, {"anchor_pr_number", p.AnchorPRNumber}, {"state", p.State}}
	return listRecords(ctx, r.q, previews, filters, p.Limit)
}

func (r reader) PreviewGenerationGet(ctx context.Context, id string) (record.PreviewGeneration, error) {
	return getRecord(ctx, r.q, previewGenerations, id)
}

func (r reader) PreviewGenerationList(ctx context.Context, p store.PreviewGenerationListParams) ([]record.PreviewGeneration, error) {
	return listRecords(ctx, r.q, previewGenerations, []filter{{"preview_id", p.PreviewID}}, p.Limit)
}

func (r reader) ReleaseTupleList(ctx context.Context, p store.ReleaseTupleListParams) ([]record.ReleaseTuple, error) {
	return listRecords(ctx, r.q, releaseTuples, []filter{{"context", p.Context}}, 0)
}

// txn implements store.Tx and collects the ledger entries of its writes.
type txn struct {
	reader
	backend string
	pending []pendingEntry
}

// Lock takes a transaction-scoped advisory lock on the key's 64-bit hash
// (Postgres). SQLite runs one writer at a time, so there it is a no-op.
func (t *txn) Lock(ctx context.Context, key string) error {
	if t.backend != BackendPostgres {
		return nil
	}
	if _, err := t.q.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", key); err != nil {
		return fmt.Errorf("lock %s: %w", key, err)
	}
	return nil
}

func (t *txn) ArtifactPut(ctx context.Context, m record.ArtifactManifest) (bool, error) {
	if err := m.Validate(); err != nil {
		return false, fmt.Errorf("write %s: %w", FamilyArtifact, err)
	}
	if err := t.Lock(ctx, "artifact:"+m.ArtifactID); err != nil {
		return false, err
	}
	existing, err := t.ArtifactGet(ctx, m.ArtifactID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return true, putRecord(ctx, t, artifacts, m)
	case err != nil:
		return false, err
	}
	a, errA := canonical.JSON(existing)
	b, errB := canonical.JSON(m)
	if errA != nil || errB != nil {
		return false, fmt.Errorf("compare artifact manifest %s: %w", m.ArtifactID, errors.Join(errA, errB))
	}
	if !bytes.Equal(a, b) {
		return false, fmt.Errorf("artifact manifest %s already exists with different content; manifests are immutable: %w", m.ArtifactID, store.ErrConflict)
	}
	return false, nil
}

func (t *txn) BackupGatePut(ctx context.Context, g record.BackupGate) error {
	return putRecord(ctx, t, backupGates, g)
}

func (t *txn) DeploymentPut(ctx context.Context, d record.Deployment) error {
	return putRecord(ctx, t, deployments, d)
}

func (t *txn) PromotionPut(ctx context.Context, p record.Promotion) error {
	return putRecord(ctx, t, promotions, p)
}

func (t *txn) InventoryPut(ctx context.Context, inv record.Inventory) error {
	return putRecord(ctx, t, inventories, inv)
}

func (t *txn) ReleaseTuplePut(ctx context.Context, rt record.ReleaseTuple) error {
	return putRecord(ctx, t, releaseTuples, rt)
}

// hotStatements are the statements worth preparing once: every family's
// get and upsert, and the ledger's.
func hotStatements() []string {
	return []string{
		artifacts.getSQL, artifacts.upsertSQL,
		backupGates.getSQL, backupGates.upsertSQL,
		deployments.getSQL, deployments.upsertSQL,
		promotions.getSQL, promotions.upsertSQL,
		inventories.getSQL, inventories.upsertSQL,
		releaseTuples.getSQL, releaseTuples.upsertSQL,
		authzPolicies.getSQL, authzPolicies.upsertSQL,
		keySafetyPolicies.upsertSQL,
		idempotencyRecords.upsertSQL,
		previews.getSQL, previews.upsertSQL,
		previewGenerations.getSQL, previewGenerations.upsertSQL,
		secretRecords.getSQL, secretRecords.upsertSQL, secretFindSQL, secretVersions.getSQL, secretVersions.upsertSQL, secretBindings.getSQL, secretBindings.upsertSQL, secretAuditEvents.upsertSQL,
		runtimeEnvs.getSQL, runtimeEnvs.upsertSQL, runtimeEnvDeleteEvents.getSQL, runtimeEnvDeleteEvents.upsertSQL,
		ledgerHeadSQL, ledgerHeadUpdateSQL,
		// Ingest writes two (deployment) or three (promotion) entries.
		ledgerInsertSQL(1), ledgerInsertSQL(2), ledgerInsertSQL(3),
	}
}

func (t *txn) AuthzPolicyPut(ctx context.Context, p record.AuthzPolicyRecord) error {
	return putRecord(ctx, t, authzPolicies, p)
}

// IdempotencyPut stores a response. A second record for the same scope,
// route and key is store.ErrConflict (the unique index decides, so it holds
// across replicas).
func (t *txn) IdempotencyPut(ctx context.Context, r record.IdempotencyRecord) error {
	err := putRecord(ctx, t, idempotencyRecords, r)
	if isUniqueViolation(err) {
		return fmt.Errorf("idempotency key %q already recorded for this caller and route: %w", r.IdempotencyKey, store.ErrConflict)
	}
	return err
}

func (t *txn) PreviewPut(ctx context.Context, p record.Preview) error {
	return putRecord(ctx, t, previews, p)
}

// PreviewGenerationPut stores a generation; a second generation with the
// same preview and sequence is store.ErrConflict.
func (t *txn) PreviewGenerationPut(ctx context.Context, g record.PreviewGeneration) error {
	err := putRecord(ctx, t, previewGenerations, g)
	if isUniqueViolation(err) {
		return fmt.Errorf("preview %s already has a generation with sequence %d: %w", g.PreviewID, g.Sequence, store.ErrConflict)
	}
	return err
}
