package sqlstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrationFiles embed.FS

// MigrationStatus is one migration's state.
type MigrationStatus struct {
	Version   int64  `json:"version"`
	Source    string `json:"source"`
	Applied   bool   `json:"applied"`
	AppliedAt string `json:"applied_at,omitempty"`
}

// MigrationResult is one applied migration.
type MigrationResult struct {
	Version    int64  `json:"version"`
	Source     string `json:"source"`
	DurationMS int64  `json:"duration_ms"`
}

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+s.backend)
	if err != nil {
		return nil, fmt.Errorf("load %s migrations: %w", s.backend, err)
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.backend == BackendPostgres {
		dialect = goose.DialectPostgres
		// A session lock lets several replicas start at once: one migrates,
		// the others wait and then find nothing pending.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("create migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	opts = append(opts, goose.WithTableName("launchplane_schema_migrations"), goose.WithDisableGlobalRegistry(true))
	p, err := goose.NewProvider(dialect, s.db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("create migration provider: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) ([]MigrationResult, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s schema: %w", s.backend, err)
	}
	if err := s.prepareHot(ctx); err != nil {
		return nil, err
	}
	out := make([]MigrationResult, 0, len(results))
	for _, r := range results {
		out = append(out, MigrationResult{Version: r.Source.Version, Source: r.Source.Path, DurationMS: r.Duration.Milliseconds()})
	}
	return out, nil
}

// MigrationStatuses reports every known migration and whether it is applied.
func (s *Store) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s migration status: %w", s.backend, err)
	}
	out := make([]MigrationStatus, 0, len(statuses))
	for _, st := range statuses {
		m := MigrationStatus{Version: st.Source.Version, Source: st.Source.Path, Applied: st.State == goose.StateApplied}
		if m.Applied {
			m.AppliedAt = st.AppliedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		out = append(out, m)
	}
	return out, nil
}

// SchemaFingerprint hashes every embedded migration, so test harnesses can
// key a migrated template database on the schema it holds.
func SchemaFingerprint() string {
	h := sha256.New()
	var paths []string
	_ = fs.WalkDir(migrationFiles, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, path)
		}
		return nil
	})
	sort.Strings(paths)
	for _, path := range paths {
		b, _ := migrationFiles.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
