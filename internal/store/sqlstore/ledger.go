package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/ledger"
)

// pendingEntry is a ledger entry waiting for its transaction to commit.
type pendingEntry struct {
	family, key, payloadSHA string
}

const (
	ledgerHeadSQL       = `SELECT seq, entry_hash FROM launchplane_evidence_ledger_head WHERE id = 1`
	ledgerHeadUpdateSQL = `UPDATE launchplane_evidence_ledger_head SET seq = $1, entry_hash = $2 WHERE id = 1`
)

// ledgerInsertSQL inserts n entries in one statement.
func ledgerInsertSQL(n int) string {
	values := make([]string, n)
	for i := range values {
		b := 7 * i
		values[i] = fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d)", b+1, b+2, b+3, b+4, b+5, b+6, b+7)
	}
	return `INSERT INTO launchplane_evidence_ledger
		(seq, family, record_key, payload_sha256, prev_hash, entry_hash, recorded_at) VALUES ` + strings.Join(values, ", ")
}

// appendLedger links the transaction's entries onto the chain head and
// moves the head, as the transaction's last statements. Reading the head
// row FOR UPDATE (on SQLite, BEGIN IMMEDIATE already holds the write lock)
// serializes this short tail across writers on every replica: a writer that
// waited re-reads the row its predecessor updated (READ COMMITTED), so it
// never links onto a stale head.
func appendLedger(ctx context.Context, q querier, backend string, pending []pendingEntry, recordedAt string) error {
	if len(pending) == 0 {
		return nil
	}
	query := ledgerHeadSQL
	if backend == BackendPostgres {
		query += " FOR UPDATE"
	}
	var head ledger.Entry
	if err := q.QueryRowContext(ctx, query).Scan(&head.Seq, &head.EntryHash); err != nil {
		return fmt.Errorf("lock ledger head: %w", err)
	}
	args := make([]any, 0, 7*len(pending))
	for _, p := range pending {
		head = ledger.Next(head, p.family, p.key, p.payloadSHA, recordedAt)
		args = append(args, head.Seq, head.Family, head.RecordKey, head.PayloadSHA256, head.PrevHash, head.EntryHash, head.RecordedAt)
	}
	if backend == BackendPostgres {
		// One round trip: the head moves in the same statement.
		args = append(args, head.Seq, head.EntryHash)
		n := len(args)
		query := fmt.Sprintf("WITH moved AS (UPDATE launchplane_evidence_ledger_head SET seq = $%d, entry_hash = $%d WHERE id = 1) ", n-1, n) + ledgerInsertSQL(len(pending))
		if _, err := q.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("append ledger: %w", err)
		}
		return nil
	}
	if _, err := q.ExecContext(ctx, ledgerInsertSQL(len(pending)), args...); err != nil {
		return fmt.Errorf("append ledger: %w", err)
	}
	if _, err := q.ExecContext(ctx, ledgerHeadUpdateSQL, head.Seq, head.EntryHash); err != nil {
		return fmt.Errorf("move ledger head: %w", err)
	}
	return nil
}

// VerifyLedger walks the chain in order, then checks every stored record's
// payload against its latest entry. It reads from one snapshot on Postgres
// (REPEATABLE READ) so concurrent writers cannot produce false breaks.
func (s *Store) VerifyLedger(ctx context.Context, anchors ...ledger.Anchor) (ledger.Report, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.backend == BackendPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	var tx *sql.Tx
	var err error
	if s.backend == BackendSQLite {
		// _txlock=immediate would take the write lock; a deferred read
		// transaction on a dedicated connection gives a WAL snapshot.
		conn, cerr := s.db.Conn(ctx)
		if cerr != nil {
			return ledger.Report{}, fmt.Errorf("verify ledger: %w", cerr)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
			return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return verify(ctx, conn, anchors)
	}
	tx, err = s.db.BeginTx(ctx, opts)
	if err != nil {
		return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
	}
	defer tx.Rollback()
	return verify(ctx, tx, anchors)
}

func verify(ctx context.Context, q querier, anchors []ledger.Anchor) (ledger.Report, error) {
	v := ledger.NewVerifier(anchors...)
	rows, err := q.QueryContext(ctx, `SELECT seq, family, record_key, payload_sha256, prev_hash, entry_hash, recorded_at
		FROM launchplane_evidence_ledger ORDER BY seq ASC`)
	if err != nil {
		return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
	}
	for rows.Next() {
		var e ledger.Entry
		if err := rows.Scan(&e.Seq, &e.Family, &e.RecordKey, &e.PayloadSHA256, &e.PrevHash, &e.EntryHash, &e.RecordedAt); err != nil {
			rows.Close()
			return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
		}
		v.Entry(e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
	}
	var head ledger.Entry
	if err := q.QueryRowContext(ctx, ledgerHeadSQL).Scan(&head.Seq, &head.EntryHash); err != nil {
		return ledger.Report{}, fmt.Errorf("verify ledger: read head: %w", err)
	}
	v.Head(head.Seq, head.EntryHash)
	for _, each := range []func() error{
		func() error { return eachStored(ctx, q, artifacts, recordFn(v, artifacts.name)) },
		func() error { return eachStored(ctx, q, backupGates, recordFn(v, backupGates.name)) },
		func() error { return eachStored(ctx, q, deployments, recordFn(v, deployments.name)) },
		func() error { return eachStored(ctx, q, promotions, recordFn(v, promotions.name)) },
		func() error { return eachStored(ctx, q, inventories, recordFn(v, inventories.name)) },
		func() error { return eachStored(ctx, q, releaseTuples, recordFn(v, releaseTuples.name)) },
		func() error { return eachStored(ctx, q, authzPolicies, recordFn(v, authzPolicies.name)) },
		func() error { return eachStored(ctx, q, keySafetyPolicies, recordFn(v, keySafetyPolicies.name)) },
		func() error { return eachStored(ctx, q, previews, recordFn(v, previews.name)) },
		func() error { return eachStored(ctx, q, previewGenerations, recordFn(v, previewGenerations.name)) },
		func() error { return eachStored(ctx, q, secretRecords, recordFn(v, secretRecords.name)) },
		func() error { return eachStored(ctx, q, secretVersions, recordFn(v, secretVersions.name)) },
		func() error { return eachStored(ctx, q, secretBindings, recordFn(v, secretBindings.name)) },
		func() error { return eachStored(ctx, q, secretAuditEvents, recordFn(v, secretAuditEvents.name)) },
		func() error { return eachStored(ctx, q, runtimeEnvs, recordFn(v, runtimeEnvs.name)) },
		func() error { return eachStored(ctx, q, dokployTargets, recordFn(v, dokployTargets.name)) },
		func() error { return eachStored(ctx, q, dokployTargetIDs, recordFn(v, dokployTargetIDs.name)) },
		func() error { return eachStored(ctx, q, providerTargets, recordFn(v, providerTargets.name)) },
		func() error { return eachStored(ctx, q, productProfiles, recordFn(v, productProfiles.name)) },
		func() error {
			return eachStored(ctx, q, runtimeEnvDeleteEvents, recordFn(v, runtimeEnvDeleteEvents.name))
		},
	} {
		if err := each(); err != nil {
			return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
		}
	}
	return v.Report(), nil
}

func recordFn(v *ledger.Verifier, family string) func(key, sha string, badColumns []string) {
	return func(key, sha string, badColumns []string) {
		v.Record(family, key, sha)
		for _, col := range badColumns {
			v.Mismatch(family, key, col)
		}
	}
}
