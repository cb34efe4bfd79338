package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/store"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// family describes how one record family maps onto its table. The SQL is
// written once here, generically, instead of once per family.
type family[T any] struct {
	name    string   // ledger family name and error noun
	table   string   // table name
	keys    int      // the first keys columns form the primary key
	columns []string // promoted columns, key columns first
	order   string   // ORDER BY for lists, newest first
	row     func(*T) []any
	decode  func([]byte) (T, error)
	valid   func(*T) error
	// unledgered families are bookkeeping, not evidence: writes append no
	// ledger entry and verification skips them.
	unledgered bool
	// identity lists promoted columns a stored record keeps for life: an
	// upsert that would change any of them updates nothing and is
	// store.ErrConflict (history records cannot move to another lane).
	identity []string

	getSQL    string // set by newFamily
	upsertSQL string // set by newFamily
}

// newFamily completes f with the SQL texts derived from its columns.
func newFamily[T any](f family[T]) *family[T] {
	conds := make([]string, f.keys)
	for i := range conds {
		conds[i] = fmt.Sprintf("%s = $%d", f.columns[i], i+1)
	}
	f.getSQL = "SELECT payload FROM " + f.table + " WHERE " + strings.Join(conds, " AND ")

	cols := append(append([]string{}, f.columns...), "payload")
	params := make([]string, len(cols))
	for i := range cols {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	var sets []string
	for _, c := range cols[f.keys:] {
		sets = append(sets, c+" = excluded."+c)
	}
	f.upsertSQL = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s",
		f.table, strings.Join(cols, ", "), strings.Join(params, ", "),
		strings.Join(f.columns[:f.keys], ", "), strings.Join(sets, ", "))
	if len(f.identity) > 0 {
		same := make([]string, len(f.identity))
		for i, c := range f.identity {
			same[i] = f.table + "." + c + " = excluded." + c
		}
		f.upsertSQL += " WHERE " + strings.Join(same, " AND ")
	}
	return &f
}

// recordKey is the ledger key: the primary-key values, each path-escaped
// (so a "/" inside a value cannot make two keys collide), joined by "/".
func (f *family[T]) recordKey(vals []any) string {
	parts := make([]string, f.keys)
	for i := range parts {
		parts[i] = url.PathEscape(fmt.Sprint(vals[i]))
	}
	return strings.Join(parts, "/")
}

func getRecord[T any](ctx context.Context, q querier, f *family[T], key ...any) (T, error) {
	var zero T
	var payload []byte
	err := q.QueryRowContext(ctx, f.getSQL, key...).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return zero, fmt.Errorf("read %s %s: %w", f.name, joinKey(key), store.ErrNotFound)
	}
	if err != nil {
		return zero, fmt.Errorf("read %s %s: %w", f.name, joinKey(key), err)
	}
	v, err := f.decode(payload)
	if err != nil {
		return zero, fmt.Errorf("decode stored %s %s: %w", f.name, joinKey(key), err)
	}
	return v, nil
}

// filter is one optional equality condition; a zero value ("" or 0)
// matches all rows.
type filter struct {
	column string
	value  any
}

func listRecords[T any](ctx context.Context, q querier, f *family[T], filters []filter, limit int) ([]T, error) {
	var conds []string
	var args []any
	for _, fl := range filters {
		if fl.value == "" || fl.value == 0 {
			continue
		}
		args = append(args, fl.value)
		conds = append(conds, fmt.Sprintf("%s = $%d", fl.column, len(args)))
	}
	query := "SELECT payload FROM " + f.table
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY " + f.order
	if limit > 0 {
		args = append(args, limit)
		query += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s records: %w", f.name, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var payload []byte
		if err := rows.Scan(&payload); err != nil {
			return nil, fmt.Errorf("list %s records: %w", f.name, err)
		}
		v, err := f.decode(payload)
		if err != nil {
			return nil, fmt.Errorf("decode stored %s: %w", f.name, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s records: %w", f.name, err)
	}
	return out, nil
}

// putRecord validates v, upserts it and queues its ledger entry.
func putRecord[T any](ctx context.Context, t *txn, f *family[T], v T) error {
	if err := f.valid(&v); err != nil {
		return fmt.Errorf("write %s: %w", f.name, err)
	}
	payload, err := canonical.JSON(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", f.name, err)
	}
	vals := f.row(&v)
	key := f.recordKey(vals)
	args := append(vals, string(payload))
	res, err := t.q.ExecContext(ctx, f.upsertSQL, args...)
	if err != nil {
		return fmt.Errorf("write %s %s: %w", f.name, key, err)
	}
	if len(f.identity) > 0 {
		// The identity guard turns a changed identity into a no-op update.
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("write %s %s: %w", f.name, key, err)
		} else if n == 0 {
			return fmt.Errorf("%s %s is stored for another %s; a different event needs its own record_id: %w",
				f.name, key, strings.Join(f.identity, "/"), store.ErrConflict)
		}
	}
	if !f.unledgered {
		t.pending = append(t.pending, pendingEntry{family: f.name, key: key, payloadSHA: canonical.SHA256(payload)})
	}
	return nil
}

// eachStored streams every stored row of f for ledger verification: its
// ledger key, the canonical hash of its payload, and every promoted column
// that disagrees with the payload (lists filter and order on those copies,
// so an edit to them must not go unnoticed).
func eachStored[T any](ctx context.Context, q querier, f *family[T], fn func(key, sha string, badColumns []string)) error {
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(f.columns, ", ")+", payload FROM "+f.table)
	if err != nil {
		return fmt.Errorf("scan %s records: %w", f.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		stored := make([]sql.NullString, len(f.columns))
		var payload []byte
		dest := make([]any, 0, len(f.columns)+1)
		for i := range stored {
			dest = append(dest, &stored[i])
		}
		dest = append(dest, &payload)
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %s records: %w", f.name, err)
		}
		keyVals := make([]any, f.keys)
		for i := range keyVals {
			keyVals[i] = stored[i].String
		}
		sha := "unparseable payload"
		if norm, err := canonical.Normalize(payload); err == nil {
			sha = canonical.SHA256(norm)
		}
		var bad []string
		if v, err := f.decode(payload); err != nil {
			bad = append(bad, "payload")
		} else {
			for i, want := range f.row(&v) {
				if fmt.Sprint(want) != stored[i].String {
					bad = append(bad, f.columns[i])
				}
			}
		}
		fn(f.recordKey(keyVals), sha, bad)
	}
	return rows.Err()
}

func joinKey(key []any) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = fmt.Sprint(k)
	}
	return strings.Join(parts, "/")
}
