package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// stmtCache holds statements prepared once, when the store opens. SQLite
// otherwise re-parses every statement on every call, which dominated the
// cost of an evidence write. The set is fixed: preparing lazily inside a
// transaction would take a second pool connection while holding SQLite's
// write lock, and with every connection waiting on that lock it deadlocks.
type stmtCache struct {
	stmts map[string]*sql.Stmt
}

func newStmtCache(ctx context.Context, db *sql.DB, queries []string) (*stmtCache, error) {
	c := &stmtCache{stmts: make(map[string]*sql.Stmt, len(queries))}
	for _, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("prepare statement: %w", err)
		}
		c.stmts[q] = st
	}
	return c, nil
}

// prepareHot prepares the hot statements once the schema is current. Only
// SQLite needs it: pgx already caches prepared statements per connection.
func (s *Store) prepareHot(ctx context.Context) error {
	if s.backend != BackendSQLite || s.stmts != nil {
		return nil
	}
	c, err := newStmtCache(ctx, s.db, hotStatements())
	if err != nil {
		return err
	}
	s.stmts = c
	s.reader = reader{q: cachedQuerier{cache: c, db: s.db}}
	return nil
}

func (c *stmtCache) close() {
	for _, st := range c.stmts {
		st.Close()
	}
}

// cachedQuerier runs queries on the pool or, when tx is set, on that
// transaction, through the statement cache when there is one.
type cachedQuerier struct {
	cache *stmtCache // nil: run every statement directly
	db    *sql.DB
	tx    *sql.Tx
}

func (q cachedQuerier) direct() querier {
	if q.tx != nil {
		return q.tx
	}
	return q.db
}

// stmt returns the prepared statement for query, bound to the transaction
// when there is one, or nil when query is not one of the cached ones.
func (q cachedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.cache == nil {
		return nil
	}
	st := q.cache.stmts[query]
	if st == nil || q.tx == nil {
		return st
	}
	return q.tx.StmtContext(ctx, st)
}

func (q cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.direct().ExecContext(ctx, query, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.direct().QueryContext(ctx, query, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.direct().QueryRowContext(ctx, query, args...)
}
