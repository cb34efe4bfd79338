package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/ledger"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) ledgerCommand() *cobra.Command {
	var anchors []string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the evidence ledger chain and every stored payload hash",
		Long: `Walk the evidence ledger in order, recomputing each entry's hash and its
link to the previous entry, then hash every stored record's payload and
compare it (and every promoted column) with the record's latest ledger
entry. Prints a JSON report; exits 1 naming the first broken link when
anything disagrees.

The database alone cannot prove that its newest entries were not cut off
together with a rewritten head. Record head_seq and head_hash somewhere else
(a CI log, a ticket) and pass them back with --anchor SEQ:HASH to close that
gap.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var parsed []ledger.Anchor
			for _, raw := range anchors {
				an, err := ledger.ParseAnchor(raw)
				if err != nil {
					return usageError{err}
				}
				parsed = append(parsed, an)
			}
			return a.withService(cmd, authority, func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) error {
				report, err := s.VerifyLedger(ctx, parsed...)
				if err != nil {
					return err
				}
				if err := a.printJSON(report); err != nil {
					return err
				}
				if b := report.FirstBreak; b != nil {
					return reportedError{fmt.Sprintf("ledger verification failed: %d problem(s); first at seq %d, %s %s: %s", report.BreakCount, b.Seq, b.Family, b.RecordKey, b.Problem)}
				}
				return nil
			})
		},
	}
	verify.Flags().StringArrayVar(&anchors, "anchor", nil, "SEQ:HASH of an entry recorded outside the database (repeatable)")
	return group("ledger", "Verify the tamper-evident evidence ledger", verify)
}
