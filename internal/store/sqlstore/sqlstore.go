// Package sqlstore is the one SQL implementation of store.Store. The same
// queries run on PostgreSQL (shared authority) and embedded SQLite (single
// node); only the migration tree and a few dialect details differ.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Backend names.
const (
	BackendPostgres = "postgres"
	BackendSQLite   = "sqlite"
)

// Options tune a Store.
type Options struct {
	// Now is the clock used for ledger timestamps; time.Now when nil.
	Now func() time.Time
}

// Store is the SQL-backed store.Store.
type Store struct {
	reader
	db      *sql.DB
	stmts   *stmtCache
	backend string
	now     func() time.Time
}

var _ store.Store = (*Store)(nil)

// ParseURL maps a database URL to a backend and a driver DSN. Accepted:
// postgres://..., postgresql://..., sqlite:<path> (sqlite:///abs/path too).
func ParseURL(url string) (backend, dsn string, err error) {
	url = strings.TrimSpace(url)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return BackendPostgres, url, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			return "", "", fmt.Errorf("parse database url: sqlite URLs take no query parameters")
		}
		if path == "" {
			return "", "", fmt.Errorf("parse database url: sqlite URL needs a file path, e.g. sqlite:./state/launchplane.db")
		}
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
		return BackendSQLite, "file:" + path + q, nil
	case url == "":
		return "", "", fmt.Errorf("parse database url: empty")
	default:
		return "", "", fmt.Errorf("parse database url: unsupported scheme (want postgres://, postgresql:// or sqlite:<path>)")
	}
}

// Open connects to the database named by url without migrating it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	backend, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	driver := "pgx"
	if backend == BackendSQLite {
		driver = "sqlite"
		dir := filepath.Dir(strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:"))
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open sqlite database: directory %s: %w", dir, err)
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", backend, err)
	}
	switch backend {
	case BackendSQLite:
		// One writer at a time is SQLite's model; a small pool keeps readers
		// concurrent under WAL without piling up busy writers.
		db.SetMaxOpenConns(4)
	case BackendPostgres:
		// Bounded so a burst of requests queues in the pool instead of
		// exhausting the server's max_connections (writes are serialized
		// on the ledger head anyway).
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", backend, redactErr(err))
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Store{reader: reader{q: cachedQuerier{db: db}}, db: db, backend: backend, now: now}, nil
}

// OpenMigrated opens the database and applies pending migrations.
func OpenMigrated(ctx context.Context, url string, opts Options) (*Store, error) {
	s, err := Open(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Backend names the engine.
func (s *Store) Backend() string { return s.backend }

// DB exposes the connection pool for tests and benchmarks that must reach
// beneath the store (tamper checks, raw-insert baselines).
func (s *Store) DB() *sql.DB { return s.db }

// Close releases the connection pool.
func (s *Store) Close() error {
	if s.stmts != nil {
		s.stmts.close()
	}
	return s.db.Close()
}

// Update runs fn in one write transaction and appends its ledger entries
// before committing.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	committed := false
	defer func() {
		// Also on a panic in fn: an abandoned transaction would keep its
		// locks (on SQLite, the database's write lock) until the pool
		// noticed.
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	q := cachedQuerier{cache: s.stmts, db: s.db, tx: sqlTx}
	t := &txn{reader: reader{q: q}, backend: s.backend}
	if err := fn(t); err != nil {
		return err
	}
	if err := appendLedger(ctx, q, s.backend, t.pending, record.FormatTime(s.now())); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	committed = true
	return nil
}

// redactErr drops connection strings from driver errors, which may carry a
// password.
func redactErr(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "://") {
		return errors.New("connection failed (details withheld: the message contained a connection URL)")
	}
	return err
}
