// Package sqltest provisions real databases for tests: a fresh SQLite file,
// or a fresh PostgreSQL database cloned from a migrated template.
//
// PostgreSQL comes from LAUNCHPLANE_TEST_DATABASE_URL. When it is unset or
// unreachable the Postgres tests skip loudly, unless
// LAUNCHPLANE_TEST_REQUIRE_POSTGRES=1, where they fail.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

// Environment variables read by this package.
const (
	EnvDatabaseURL     = "LAUNCHPLANE_TEST_DATABASE_URL"
	EnvRequirePostgres = "LAUNCHPLANE_TEST_REQUIRE_POSTGRES"
)

// Engine is a database engine tests can run against.
type Engine struct {
	Name string
	// URL returns a database URL for a fresh, migrated database owned by t.
	URL func(t testing.TB) string
}

// Engines lists SQLite always and PostgreSQL (which may skip or fail).
func Engines() []Engine {
	return []Engine{
		{Name: sqlstore.BackendSQLite, URL: SQLiteURL},
		{Name: sqlstore.BackendPostgres, URL: PostgresURL},
	}
}

// SQLiteURL returns a URL for a new SQLite file in t's temp directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "launchplane.db")
}

// PostgresURL returns a URL for a new database cloned from a migrated
// template. The database is dropped when t ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDatabaseURL)
	required := os.Getenv(EnvRequirePostgres) == "1"
	unavailable := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if required {
			t.Fatalf("PostgreSQL is required (%s=1) but unavailable: %s", EnvRequirePostgres, msg)
		}
		t.Skipf("SKIPPING POSTGRES TESTS: %s (set %s; %s=1 turns this skip into a failure)", msg, EnvDatabaseURL, EnvRequirePostgres)
	}
	if admin == "" {
		unavailable("%s is not set", EnvDatabaseURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		unavailable("open admin connection: %v", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		unavailable("connect: %v", err)
	}
	template, err := ensureTemplate(ctx, db, admin)
	if err != nil {
		t.Fatalf("prepare postgres template: %v", err)
	}
	name := "lp_test_" + randomHex(8)
	if err := cloneTemplate(ctx, db, template, name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer ccancel()
		cdb, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer cdb.Close()
		_, _ = cdb.ExecContext(cctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(admin, name)
}

// ensureTemplate creates, once per schema version, a migrated database to
// clone. An advisory lock keeps parallel test binaries from racing, and the
// template is built under a temporary name so a crash leaves no half-built
// template behind.
func ensureTemplate(ctx context.Context, db *sql.DB, admin string) (string, error) {
	name := "lp_template_" + sqlstore.SchemaFingerprint()[:16]
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7301)"); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7301)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	s, err := sqlstore.OpenMigrated(ctx, withDatabase(admin, building), sqlstore.Options{})
	if err != nil {
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	// Templates of earlier schemas are dead weight now.
	stale, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'lp\\_template\\_%' AND datname NOT LIKE '%\\_building' AND datname <> $1", name)
	if err != nil {
		return "", err
	}
	var names []string
	for stale.Next() {
		var n string
		if err := stale.Scan(&n); err != nil {
			stale.Close()
			return "", err
		}
		names = append(names, n)
	}
	stale.Close()
	for _, n := range names {
		_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
	}
	return name, nil
}

// cloneTemplate copies the template, retrying while another session briefly
// holds it open (Postgres refuses to copy a database in use).
func cloneTemplate(ctx context.Context, db *sql.DB, template, name string) error {
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		_, err = db.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template)
		if err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func withDatabase(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return admin
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RefuseInserts installs a trigger that makes the engine itself reject
// every new row of table with message: a real storage fault for tests that
// prove a failed write leaves nothing behind. backend is "postgres" or
// "sqlite"; table and message must be trusted literals.
func RefuseInserts(t testing.TB, db *sql.DB, backend, table, message string) {
	t.Helper()
	ddl := []string{fmt.Sprintf(`CREATE TRIGGER refuse_%[1]s BEFORE INSERT ON %[1]s
		BEGIN SELECT RAISE(ABORT, '%[2]s'); END`, table, message)}
	if backend == "postgres" {
		ddl = []string{
			fmt.Sprintf(`CREATE FUNCTION refuse_%[1]s() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION '%[2]s'; END $$`, table, message),
			fmt.Sprintf(`CREATE TRIGGER refuse_%[1]s BEFORE INSERT ON %[1]s
				FOR EACH ROW EXECUTE FUNCTION refuse_%[1]s()`, table),
		}
	}
	for _, stmt := range ddl {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("refuse inserts into %s: %v", table, err)
		}
	}
}
