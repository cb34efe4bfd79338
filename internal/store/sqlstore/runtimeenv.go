package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/ledger"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Ledger family names of the runtime-environment records.
const (
	FamilyRuntimeEnv            = "runtime_environment"
	FamilyRuntimeEnvDeleteEvent = "runtime_environment_delete_event"
)

var runtimeEnvs = newFamily(family[record.RuntimeEnvironment]{
	name: FamilyRuntimeEnv, table: "launchplane_runtime_environments", keys: 3,
	columns: []string{"scope", "context", "instance", "updated_at"},
	order:   "scope ASC, context ASC, instance ASC",
	row: func(r *record.RuntimeEnvironment) []any {
		return []any{r.Scope, r.Context, r.Instance, sortTime(r.UpdatedAt)}
	},
	decode: record.DecodeStored[record.RuntimeEnvironment],
	valid:  (*record.RuntimeEnvironment).Validate,
})

var runtimeEnvDeleteEvents = newFamily(family[record.RuntimeEnvironmentDeleteEvent]{
	name: FamilyRuntimeEnvDeleteEvent, table: "launchplane_runtime_environment_delete_events", keys: 1,
	columns:  []string{"event_id", "scope", "context", "instance", "recorded_at"},
	identity: []string{"scope", "context", "instance"},
	order:    "recorded_at DESC, event_id DESC",
	row: func(e *record.RuntimeEnvironmentDeleteEvent) []any {
		return []any{e.EventID, e.Scope, e.Context, e.Instance, sortTime(e.RecordedAt)}
	},
	decode: record.DecodeStored[record.RuntimeEnvironmentDeleteEvent],
	valid:  (*record.RuntimeEnvironmentDeleteEvent).Validate,
})

const runtimeEnvDeleteSQL = "DELETE FROM launchplane_runtime_environments WHERE scope = $1 AND context = $2 AND instance = $3"

func (r reader) RuntimeEnvGet(ctx context.Context, scope, context, instance string) (record.RuntimeEnvironment, error) {
	return getRecord(ctx, r.q, runtimeEnvs, scope, context, instance)
}

func (r reader) RuntimeEnvList(ctx context.Context, p store.RuntimeEnvListParams) ([]record.RuntimeEnvironment, error) {
	return listRecords(ctx, r.q, runtimeEnvs, []filter{{"scope", p.Scope}, {"context", p.Context}, {"instance", p.Instance}}, 0)
}

func (r reader) RuntimeEnvDeleteEventList(ctx context.Context, p store.RuntimeEnvDeleteEventListParams) ([]record.RuntimeEnvironmentDeleteEvent, error) {
	return listRecords(ctx, r.q, runtimeEnvDeleteEvents, []filter{{"scope", p.Scope}, {"context", p.Context}, {"instance", p.Instance}}, p.Limit)
}

func (t *txn) RuntimeEnvPut(ctx context.Context, r record.RuntimeEnvironment) error {
	return putRecord(ctx, t, runtimeEnvs, r)
}

// RuntimeEnvDeleteIf reads the route's row (FOR UPDATE on Postgres, so no
// writer can slip in between the compare and the delete; SQLite already
// holds the write lock), compares canonical payloads and deletes on a
// match. The ledger gets a tombstone entry under the record's key, so
// verification expects the row to be gone.
func (t *txn) RuntimeEnvDeleteIf(ctx context.Context, expected record.RuntimeEnvironment) (string, error) {
	if err := expected.Validate(); err != nil {
		return "", fmt.Errorf("delete %s: expected record: %w", FamilyRuntimeEnv, err)
	}
	key := []any{expected.Scope, expected.Context, expected.Instance}
	query := runtimeEnvs.getSQL
	if t.backend == BackendPostgres {
		query += " FOR UPDATE"
	}
	var payload []byte
	err := t.q.QueryRowContext(ctx, query, key...).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return store.DeleteMissing, nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s %s: %w", FamilyRuntimeEnv, joinKey(key), err)
	}
	current, err := canonical.Normalize(payload)
	if err != nil {
		return "", fmt.Errorf("decode stored %s %s: %w", FamilyRuntimeEnv, joinKey(key), err)
	}
	want, err := canonical.JSON(expected)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", FamilyRuntimeEnv, err)
	}
	if !bytes.Equal(current, want) {
		return store.DeleteChanged, nil
	}
	if _, err := t.q.ExecContext(ctx, runtimeEnvDeleteSQL, key...); err != nil {
		return "", fmt.Errorf("delete %s %s: %w", FamilyRuntimeEnv, joinKey(key), err)
	}
	t.pending = append(t.pending, pendingEntry{family: FamilyRuntimeEnv, key: runtimeEnvs.recordKey(key), payloadSHA: ledger.Tombstone})
	return store.DeleteDeleted, nil
}

// RuntimeEnvDeleteEventPut appends a delete event; an event id that is
// already stored is store.ErrConflict (events are never rewritten).
func (t *txn) RuntimeEnvDeleteEventPut(ctx context.Context, e record.RuntimeEnvironmentDeleteEvent) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", FamilyRuntimeEnvDeleteEvent, err)
	}
	if _, err := t.runtimeEnvDeleteEventGet(ctx, e.EventID); err == nil {
		return fmt.Errorf("%s %s already exists; delete events are append-only: %w", FamilyRuntimeEnvDeleteEvent, e.EventID, store.ErrConflict)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return putRecord(ctx, t, runtimeEnvDeleteEvents, e)
}

// runtimeEnvDeleteEventGet reads one delete event.
func (r reader) runtimeEnvDeleteEventGet(ctx context.Context, eventID string) (record.RuntimeEnvironmentDeleteEvent, error) {
	return getRecord(ctx, r.q, runtimeEnvDeleteEvents, eventID)
}
