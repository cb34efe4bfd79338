package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/targetlogs"
)

// environmentsLogsCommand is environments logs: the tracked target's
// runtime logs, bounded and redacted (targetlogs).
func (a *app) environmentsLogsCommand() *cobra.Command {
	var context, instance, lines, since, search string
	cmd := &cobra.Command{
		Use:   "logs --context C --instance I [--lines N] [--since all|Nd|Nh|Nm|Ns] [--search TEXT]",
		Short: "Read the tracked Dokploy target's recent runtime logs, redacted",
		Long: `Resolve the DB-backed tracked Dokploy target of a lane (context and
instance), read its runtime logs from Dokploy with the managed dokploy
credentials (global secrets DOKPLOY_HOST and DOKPLOY_TOKEN), and print the
newest --lines lines (default 200, at most 1000) with likely secret values
redacted. Application targets are read whole; compose targets from the
container of their web service (else the first container). --since keeps
lines newer than a duration; --search keeps lines containing the text
(case-insensitive; letters, digits, spaces, '.', '_' and '-').`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := targetlogs.ParseLines(lines)
			if err != nil {
				return usageError{err}
			}
			opts, err := targetlogs.Options{Lines: n, Since: since, Search: search}.Normalize()
			if err != nil {
				return usageError{err}
			}
			// The key ring is needed only to decrypt the dokploy secrets;
			// without one, resolving them refuses clearly.
			ring, err := crypto.LoadKeyRing(a.env.Getenv, nil)
			if err != nil && !errors.Is(err, crypto.ErrNoKey) {
				return err
			}
			s, err := a.openStore(cmd, authority)
			if err != nil {
				return err
			}
			defer s.Close()
			creds := secrets.New(s, ring, a.env.Now, nil).Integration
			res, err := targetlogs.ReadTracked(cmd.Context(), s, creds, dokploy.Config{}, context, instance, opts)
			if err != nil {
				return err
			}
			return a.printOK(res)
		},
	}
	cmd.Flags().StringVar(&context, "context", "", "lane context")
	cmd.Flags().StringVar(&instance, "instance", "", "lane instance (testing or prod)")
	cmd.Flags().StringVar(&lines, "lines", "", "how many of the newest lines to print (default 200, at most 1000)")
	cmd.Flags().StringVar(&since, "since", "all", "only lines newer than this: all, or a number followed by s, m, h or d")
	cmd.Flags().StringVar(&search, "search", "", "only lines containing this text (case-insensitive)")
	cmd.MarkFlagRequired("context")
	cmd.MarkFlagRequired("instance")
	return cmd
}
