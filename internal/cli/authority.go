package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

// access says what a command needs from the database flags.
type access int

const (
	// authority: a database URL, or explicit --local-rehearsal.
	authority access = iota
	// rehearsalOnly: write helpers that bypass the service ingress run only
	// against the local rehearsal database.
	rehearsalOnly
)

// resolveURL picks the database for cmd, refusing rather than guessing.
func (a *app) resolveURL(cmd *cobra.Command, need access) (string, error) {
	name := strings.TrimPrefix(cmd.CommandPath(), "launchplane ")
	explicit := strings.TrimSpace(a.databaseURL)
	if a.rehearsal {
		if explicit != "" {
			return "", usageError{fmt.Errorf("%s: choose one of --database-url or --local-rehearsal", name)}
		}
		dir := a.stateDir
		if strings.TrimSpace(dir) == "" {
			return "", usageError{fmt.Errorf("%s: --state-dir must not be empty", name)}
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("create state dir: %w", err)
		}
		return "sqlite:" + filepath.Join(dir, "launchplane.db"), nil
	}
	if need == rehearsalOnly {
		return "", fmt.Errorf("%s is a local-rehearsal write helper: pass --local-rehearsal (shared authority accepts evidence only through the service's evidence routes, not --database-url)", name)
	}
	if explicit == "" {
		explicit = strings.TrimSpace(a.env.Getenv(envDatabase))
	}
	if explicit == "" {
		return "", fmt.Errorf("%s requires --database-url or %s; use --local-rehearsal for explicit local rehearsal", name, envDatabase)
	}
	return explicit, nil
}

// openStore resolves, opens and migrates the database for cmd.
func (a *app) openStore(cmd *cobra.Command, need access) (*sqlstore.Store, error) {
	url, err := a.resolveURL(cmd, need)
	if err != nil {
		return nil, err
	}
	return sqlstore.OpenMigrated(cmd.Context(), url, sqlstore.Options{Now: a.env.Now})
}

// withService opens the store and runs fn with an evidence service on it.
func (a *app) withService(cmd *cobra.Command, need access, fn func(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) error) error {
	s, err := a.openStore(cmd, need)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(cmd.Context(), evidence.New(s, a.env.Now), s)
}
