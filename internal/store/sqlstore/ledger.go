package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/ledger"
)

// pendingEntry is a ledger entry waiting for its transaction to commit.
type pendingEntry struct {
	family, key, payloadSHA string
}

const (
	ledgerHeadSQL   = `SELECT seq, entry_hash FROM launchplane_evidence_ledger ORDER BY seq DESC LIMIT 1`
	ledgerInsertSQL = `INSERT INTO launchplane_evidence_ledger
		(seq, family, record_key, payload_sha256, prev_hash, entry_hash, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// appendLedger links the transaction's entries onto the chain head. The
// caller holds the write lock (advisory lock on Postgres, BEGIN IMMEDIATE on
// SQLite), so the head cannot move underneath it.
func appendLedger(ctx context.Context, tx querier, pending []pendingEntry, recordedAt string) error {
	if len(pending) == 0 {
		return nil
	}
	var head ledger.Entry
	err := tx.QueryRowContext(ctx, ledgerHeadSQL).Scan(&head.Seq, &head.EntryHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read ledger head: %w", err)
	}
	for _, p := range pending {
		head = ledger.Next(head, p.family, p.key, p.payloadSHA, recordedAt)
		_, err := tx.ExecContext(ctx, ledgerInsertSQL, head.Seq, head.Family, head.RecordKey, head.PayloadSHA256, head.PrevHash, head.EntryHash, head.RecordedAt)
		if err != nil {
			return fmt.Errorf("append ledger: %w", err)
		}
	}
	return nil
}

// VerifyLedger walks the chain in order, then checks every stored record's
// payload against its latest entry. It reads from one snapshot on Postgres
// (REPEATABLE READ) so concurrent writers cannot produce false breaks.
func (s *Store) VerifyLedger(ctx context.Context) (ledger.Report, error) {
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
		return verify(ctx, conn)
	}
	tx, err = s.db.BeginTx(ctx, opts)
	if err != nil {
		return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
	}
	defer tx.Rollback()
	return verify(ctx, tx)
}

func verify(ctx context.Context, q querier) (ledger.Report, error) {
	v := ledger.NewVerifier()
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
	for _, each := range []func() error{
		func() error { return eachPayload(ctx, q, artifacts, recordFn(v, artifacts.name)) },
		func() error { return eachPayload(ctx, q, backupGates, recordFn(v, backupGates.name)) },
		func() error { return eachPayload(ctx, q, deployments, recordFn(v, deployments.name)) },
		func() error { return eachPayload(ctx, q, promotions, recordFn(v, promotions.name)) },
		func() error { return eachPayload(ctx, q, inventories, recordFn(v, inventories.name)) },
		func() error { return eachPayload(ctx, q, releaseTuples, recordFn(v, releaseTuples.name)) },
	} {
		if err := each(); err != nil {
			return ledger.Report{}, fmt.Errorf("verify ledger: %w", err)
		}
	}
	return v.Report(), nil
}

func recordFn(v *ledger.Verifier, family string) func(key, sha string) {
	return func(key, sha string) { v.Record(family, key, sha) }
}
