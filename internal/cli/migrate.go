package cli

import (
	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) migrateCommand() *cobra.Command {
	// Both commands open the store without the implicit migration every
	// other command performs.
	run := func(use, short string, fn func(cmd *cobra.Command, s *sqlstore.Store) error) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				url, err := a.resolveURL(cmd, authority)
				if err != nil {
					return err
				}
				s, err := sqlstore.Open(cmd.Context(), url, sqlstore.Options{Now: a.env.Now})
				if err != nil {
					return err
				}
				defer s.Close()
				return fn(cmd, s)
			},
		}
	}
	up := run("up", "Apply pending schema migrations (safe to run from several processes at once on Postgres)", func(cmd *cobra.Command, s *sqlstore.Store) error {
		applied, err := s.Migrate(cmd.Context())
		if err != nil {
			return err
		}
		return a.printOK(map[string]any{"backend": s.Backend(), "applied": applied})
	})
	status := run("status", "List schema migrations and whether each is applied (does not migrate)", func(cmd *cobra.Command, s *sqlstore.Store) error {
		statuses, err := s.MigrationStatuses(cmd.Context())
		if err != nil {
			return err
		}
		return a.printJSON(map[string]any{"backend": s.Backend(), "migrations": statuses})
	})
	return group("migrate", "Apply and inspect schema migrations", up, status)
}
