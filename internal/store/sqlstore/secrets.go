package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Ledger family names of the managed-secret records. Version payloads hold
// ciphertext, so the ledger hashes ciphertext; no table holds plaintext.
const (
	FamilySecret           = "secret"
	FamilySecretVersion    = "secret_version"
	FamilySecretBinding    = "secret_binding"
	FamilySecretAuditEvent = "secret_audit_event"
)

var secretRecords = newFamily(family[record.SecretRecord]{
	name: FamilySecret, table: "launchplane_secrets", keys: 1,
	columns: []string{"secret_id", "scope", "integration", "name", "context", "instance", "status", "current_version_id", "updated_at"},
	// Slugged ids can collide ("a-b" vs "a" + context "b"); the guard keeps
	// one id from silently moving to another tuple.
	identity: []string{"scope", "integration", "name", "context", "instance"},
	order:    "updated_at DESC, secret_id DESC",
	row: func(s *record.SecretRecord) []any {
		return []any{s.SecretID, s.Scope, s.Integration, s.Name, s.Context, s.Instance, s.Status, s.CurrentVersionID, sortTime(s.UpdatedAt)}
	},
	decode: record.DecodeStored[record.SecretRecord],
	valid:  (*record.SecretRecord).Validate,
})

var secretVersions = newFamily(family[record.SecretVersion]{
	name: FamilySecretVersion, table: "launchplane_secret_versions", keys: 1,
	columns:  []string{"version_id", "secret_id", "created_at"},
	identity: []string{"secret_id"},
	order:    "created_at DESC, version_id DESC",
	row: func(v *record.SecretVersion) []any {
		return []any{v.VersionID, v.SecretID, sortTime(v.CreatedAt)}
	},
	decode: record.DecodeStored[record.SecretVersion],
	valid:  (*record.SecretVersion).Validate,
})

var secretBindings = newFamily(family[record.SecretBinding]{
	name: FamilySecretBinding, table: "launchplane_secret_bindings", keys: 1,
	columns:  []string{"binding_id", "secret_id", "integration", "binding_key", "context", "instance", "status", "updated_at"},
	identity: []string{"secret_id"},
	order:    "updated_at DESC, binding_id DESC",
	row: func(b *record.SecretBinding) []any {
		return []any{b.BindingID, b.SecretID, b.Integration, b.BindingKey, b.Context, b.Instance, b.Status, sortTime(b.UpdatedAt)}
	},
	decode: record.DecodeStored[record.SecretBinding],
	valid:  (*record.SecretBinding).Validate,
})

var secretAuditEvents = newFamily(family[record.SecretAuditEvent]{
	name: FamilySecretAuditEvent, table: "launchplane_secret_audit_events", keys: 1,
	columns:  []string{"event_id", "secret_id", "event_type", "recorded_at"},
	identity: []string{"secret_id", "event_type"},
	order:    "recorded_at DESC, event_id DESC",
	row: func(e *record.SecretAuditEvent) []any {
		return []any{e.EventID, e.SecretID, e.EventType, sortTime(e.RecordedAt)}
	},
	decode: record.DecodeStored[record.SecretAuditEvent],
	valid:  (*record.SecretAuditEvent).Validate,
})

const secretFindSQL = "SELECT payload FROM launchplane_secrets WHERE scope = $1 AND integration = $2 AND name = $3 AND context = $4 AND instance = $5"

func (r reader) SecretGet(ctx context.Context, id string) (record.SecretRecord, error) {
	return getRecord(ctx, r.q, secretRecords, id)
}

// SecretFind matches every tuple column exactly ("" included), unlike the
// list filters, where "" matches all.
func (r reader) SecretFind(ctx context.Context, scope, integration, name, context, instance string) (record.SecretRecord, error) {
	key := []any{scope, integration, name, context, instance}
	var payload []byte
	err := r.q.QueryRowContext(ctx, secretFindSQL, key...).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return record.SecretRecord{}, fmt.Errorf("read secret %s: %w", joinKey(key), store.ErrNotFound)
	}
	if err != nil {
		return record.SecretRecord{}, fmt.Errorf("read secret %s: %w", joinKey(key), err)
	}
	s, err := secretRecords.decode(payload)
	if err != nil {
		return record.SecretRecord{}, fmt.Errorf("decode stored secret %s: %w", joinKey(key), err)
	}
	return s, nil
}

func (r reader) SecretList(ctx context.Context, p store.SecretListParams) ([]record.SecretRecord, error) {
	filters := []filter{{"scope", p.Scope}, {"integration", p.Integration}, {"context", p.Context}, {"instance", p.Instance}, {"status", p.Status}}
	return listRecords(ctx, r.q, secretRecords, filters, p.Limit)
}

func (r reader) SecretVersionGet(ctx context.Context, id string) (record.SecretVersion, error) {
	return getRecord(ctx, r.q, secretVersions, id)
}

func (r reader) SecretVersionList(ctx context.Context, secretID string) ([]record.SecretVersion, error) {
	return listRecords(ctx, r.q, secretVersions, []filter{{"secret_id", secretID}}, 0)
}

func (r reader) SecretBindingGet(ctx context.Context, id string) (record.SecretBinding, error) {
	return getRecord(ctx, r.q, secretBindings, id)
}

func (r reader) SecretBindingList(ctx context.Context, p store.SecretBindingListParams) ([]record.SecretBinding, error) {
	filters := []filter{{"secret_id", p.SecretID}, {"integration", p.Integration}, {"binding_key", p.BindingKey},
		{"context", p.Context}, {"instance", p.Instance}, {"status", p.Status}}
	return listRecords(ctx, r.q, secretBindings, filters, p.Limit)
}

func (r reader) SecretAuditEventList(ctx context.Context, secretID string) ([]record.SecretAuditEvent, error) {
	return listRecords(ctx, r.q, secretAuditEvents, []filter{{"secret_id", secretID}}, 0)
}

// SecretPut upserts a secret. A second secret id for the same tuple (the
// unique index decides) is store.ErrConflict, as is moving an id to
// another tuple (the identity guard).
func (t *txn) SecretPut(ctx context.Context, s record.SecretRecord) error {
	err := putRecord(ctx, t, secretRecords, s)
	if isUniqueViolation(err) {
		return fmt.Errorf("another secret already holds scope %s, integration %s, name %s, context %q, instance %q: %w",
			s.Scope, s.Integration, s.Name, s.Context, s.Instance, store.ErrConflict)
	}
	return err
}

func (t *txn) SecretVersionPut(ctx context.Context, v record.SecretVersion) error {
	return putRecord(ctx, t, secretVersions, v)
}

func (t *txn) SecretBindingPut(ctx context.Context, b record.SecretBinding) error {
	return putRecord(ctx, t, secretBindings, b)
}

func (t *txn) SecretAuditEventPut(ctx context.Context, e record.SecretAuditEvent) error {
	return putRecord(ctx, t, secretAuditEvents, e)
}
