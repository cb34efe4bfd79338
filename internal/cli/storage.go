package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/targets"
)

// providerTargetFilterFlags binds the audit and backfill filters.
func providerTargetFilterFlags(cmd *cobra.Command, f *targets.Filter) {
	cmd.Flags().StringVar(&f.Context, "context", "", "only routes of this context (exact)")
	cmd.Flags().StringVar(&f.Instance, "instance", "", "only routes of this instance (exact)")
	cmd.Flags().StringVar(&f.ProviderID, "provider-id", "", "only routes with an explicit row of this provider; dokploy also matches routes with either Dokploy record")
}

// blockedError exits 1 after a report with blockers was printed.
func blockedError(what string, rep targets.Report) error {
	return reportedError{fmt.Sprintf("%s: %d blocked, %d warning(s) across %d route(s); see the report on stdout",
		what, rep.BlockedCount, rep.WarningCount, rep.InspectedRouteCount)}
}

func (a *app) storageCommand() *cobra.Command {
	var auditFilter targets.Filter
	audit := &cobra.Command{
		Use:   "provider-target-audit [--context C] [--instance I] [--provider-id P]",
		Short: "Read-only parity check of provider-target rows against their Dokploy records",
		Long: `Inspect every route (context, instance) that has a provider-target row, a
Dokploy target record or a target-id record, and compare the explicit
provider-target row with the row its Dokploy pair implies. Writes nothing.

Statuses: complete (ok); future_provider (warning: a row of another
provider); missing_dokploy_pair, missing_dokploy_target, missing_target_id,
missing_provider_target, identity_mismatch, category_mismatch,
display_name_mismatch, provider_target_type_mismatch,
provider_evidence_mismatch (blocked). Filters that match no route report a
blocked no_matching_routes item.

Prints {status, filters, inspected_route_count, blocked_count,
warning_count, counts, findings[]} and exits 1 when blocked_count > 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *targets.Service) error {
				rep, err := svc.Audit(ctx, auditFilter)
				if err != nil {
					return err
				}
				if err := a.printJSON(rep); err != nil {
					return err
				}
				if rep.Blocked() {
					return blockedError("provider-target audit", rep)
				}
				return nil
			})
		},
	}
	providerTargetFilterFlags(audit, &auditFilter)

	var backfillFilter targets.Filter
	var apply bool
	backfill := &cobra.Command{
		Use:   "provider-target-backfill [--context C] [--instance I] [--provider-id P] [--apply]",
		Short: "Create missing provider-target rows from complete Dokploy pairs (dry run by default)",
		Long: `Derive the provider-target row of every matching route from its complete
Dokploy target and target-id pair. The default is a dry run that writes
nothing; --apply writes.

Statuses: would-create (ok; created on apply), skipped-exists (ok: the row
already matches, ignoring updated_at and source_label), skipped-incomplete
(warning, or blocked when a row exists), unsupported-provider (warning),
skipped-conflict (blocked: the row differs, or the target id is bound to
another route), no_matching_routes (blocked).

Apply is all-or-nothing: it writes only when no item is blocked, and only
the would-create items, each as a create-if-absent; if one loses a race the
whole apply rolls back and the item is reported as skipped-conflict. An
existing row is never overwritten, so a second apply reports skipped-exists.

Prints the audit report shape plus mode, applied and items[] (each with the
physical and projected rows) and exits 1 when blocked_count > 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *targets.Service) error {
				rep, err := svc.Backfill(ctx, backfillFilter, apply)
				if err != nil {
					return err
				}
				if err := a.printJSON(rep); err != nil {
					return err
				}
				if rep.Blocked() {
					return blockedError("provider-target backfill", rep.Report)
				}
				return nil
			})
		},
	}
	providerTargetFilterFlags(backfill, &backfillFilter)
	backfill.Flags().BoolVar(&apply, "apply", false, "write the would-create rows (default: dry run)")

	return group("storage", "Storage maintenance: provider-target audit and backfill", audit, backfill)
}
