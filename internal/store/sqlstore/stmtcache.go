package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per SQL text for a pool. SQLite
// otherwise re-parses every statement on every call, which dominated the
// cost of an evidence write.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}

// cachedQuerier runs queries on the pool or, when tx is set, on that
// transaction, through the statement cache when there is one.
type cachedQuerier struct {
	cache *stmtCache // nil: run statements directly
	db    *sql.DB
	tx    *sql.Tx
}

func (q cachedQuerier) direct() querier {
	if q.tx != nil {
		return q.tx
	}
	return q.db
}

func (q cachedQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := q.cache.get(ctx, query)
	if err != nil || q.tx == nil {
		return st, err
	}
	return q.tx.StmtContext(ctx, st), nil
}

func (q cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.cache == nil {
		return q.direct().ExecContext(ctx, query, args...)
	}
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.cache == nil {
		return q.direct().QueryContext(ctx, query, args...)
	}
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if q.cache == nil {
		return q.direct().QueryRowContext(ctx, query, args...)
	}
	st, err := q.stmt(ctx, query)
	if err != nil {
		// *sql.Row cannot be built with an error outside database/sql;
		// running the query unprepared surfaces the same error from Scan.
		return q.direct().QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
