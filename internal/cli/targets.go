package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/targets"
)

// withTargets opens the authority store and runs fn with a target service.
func (a *app) withTargets(cmd *cobra.Command, fn func(ctx context.Context, s *sqlstore.Store, svc *targets.Service) error) error {
	s, err := a.openStore(cmd, authority)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(cmd.Context(), s, targets.New(s, a.env.Now))
}

// targetRouteFlags binds the required --context and --instance of one
// tracked route.
func targetRouteFlags(cmd *cobra.Command, context, instance *string) {
	cmd.Flags().StringVar(context, "context", "", "context of the tracked route")
	cmd.Flags().StringVar(instance, "instance", "", "instance of the tracked route: testing or prod")
	cmd.MarkFlagRequired("context")
	cmd.MarkFlagRequired("instance")
}

const dualWriteHelp = `Every mutation runs in one transaction: it locks the route, checks that an
existing provider-target row still matches the current Dokploy target and
target-id records (a stale row refuses the mutation and nothing is written;
run launchplane storage provider-target-audit), writes the Dokploy records,
then writes the matching provider-target row. A mutation that changes
nothing writes nothing (action "unchanged").`

func (a *app) dokployTargetsCommand() *cobra.Command {
	var listFilter store.TargetListParams
	list := &cobra.Command{
		Use:   "list [--context C] [--instance I]",
		Short: "List tracked Dokploy targets: identity, env key names and guards, never env values",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, s *sqlstore.Store, _ *targets.Service) error {
				out, err := targets.List(ctx, s, listFilter)
				if err != nil {
					return err
				}
				return a.printJSON(map[string]any{"dokploy_targets": out, "count": len(out)})
			})
		},
	}
	list.Flags().StringVar(&listFilter.Context, "context", "", "filter by context")
	list.Flags().StringVar(&listFilter.Instance, "instance", "", "filter by instance")

	var showContext, showInstance string
	show := &cobra.Command{
		Use:   "show --context C --instance I",
		Short: "Print a route's Dokploy target, target-id and provider-target records as stored",
		Long: `Print the three target records of one route, each null when absent:
"target" (the Dokploy target record, env included), "target_id" and
"provider_target". Stale and partial routes are shown as they are; the
audit says what is wrong with them. The "target" object is valid input for
dokploy-targets put.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, s *sqlstore.Store, _ *targets.Service) error {
				v, err := targets.Show(ctx, s, showContext, showInstance)
				if err != nil {
					return err
				}
				return a.printJSON(v)
			})
		},
	}
	targetRouteFlags(show, &showContext, &showInstance)

	var putFile, putTargetID, putLabel string
	put := &cobra.Command{
		Use:   "put --input-file FILE [--target-id ID] [--source-label L]",
		Short: "Replace a route's Dokploy target metadata and target id (dual-write)",
		Long: `Replace the whole Dokploy target record of a route with the JSON record in
--input-file ("-" reads standard input). The record names its route
(context, instance: testing or prod) and takes the fields of records.md
§2.2: project_name, target_type (compose|application), target_name,
git_branch, source_git_ref, source_type, custom_git_url, custom_git_branch,
compose_path, watch_paths, enable_submodules, require_test_gate,
require_prod_gate, deploy_timeout_seconds, healthcheck_enabled,
healthcheck_path, healthcheck_timeout_seconds, env, domains,
policies.shopify.protected_store_keys and source_label. Unknown fields are
refused; updated_at may be omitted and is always stamped on write. Env keys
shaped like secrets (API_KEY, SMTP_PASSWORD, ...) are refused: store them
with launchplane secrets put.

--target-id sets the live Dokploy application or compose id of the route;
it is required for a route without a target-id record and otherwise keeps
the stored one. --source-label labels both records.

` + dualWriteHelp + `

Prints a summary (env key names only) and what happened to the target,
target-id and provider-target records.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := a.readInput(putFile)
			if err != nil {
				return err
			}
			t, err := targets.DecodePutInput(raw, a.env.Now())
			if err != nil {
				return err
			}
			return a.withTargets(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *targets.Service) error {
				res, err := svc.Put(ctx, targets.PutInput{Target: t, TargetID: putTargetID, SourceLabel: putLabel})
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	put.Flags().StringVar(&putFile, "input-file", "", `Dokploy target record JSON ("-" for stdin)`)
	put.Flags().StringVar(&putTargetID, "target-id", "", "live Dokploy application or compose id (default: keep the stored one)")
	put.Flags().StringVar(&putLabel, "source-label", "", "label both records (default: the record's source_label)")
	put.MarkFlagRequired("input-file")

	var relContext, relInstance, relLabel string
	relabel := &cobra.Command{
		Use:   "relabel --context C --instance I --source-label L",
		Short: "Change a Dokploy target's source label (dual-write)",
		Long:  "Change the source label of a route's Dokploy target record; the provider-target row follows.\n\n" + dualWriteHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *targets.Service) error {
				res, err := svc.Relabel(ctx, relContext, relInstance, relLabel)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	targetRouteFlags(relabel, &relContext, &relInstance)
	relabel.Flags().StringVar(&relLabel, "source-label", "", "new source label")
	relabel.MarkFlagRequired("source-label")

	var pskContext, pskInstance, pskLabel string
	var pskKeys []string
	putKey := &cobra.Command{
		Use:   "put-shopify-protected-store-key --context C --instance I --key K... [--source-label L]",
		Short: "Add Shopify store keys the target must never write to (dual-write)",
		Long: `Add keys to policies.shopify.protected_store_keys of a route's Dokploy
target: trimmed, blanks dropped, de-duplicated, first-seen order kept.
Reports added_keys; keys already present change nothing. --source-label
relabels the target when keys are added.

` + dualWriteHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *targets.Service) error {
				res, err := svc.PutShopifyProtectedStoreKey(ctx, pskContext, pskInstance, pskKeys, pskLabel)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	targetRouteFlags(putKey, &pskContext, &pskInstance)
	putKey.Flags().StringArrayVar(&pskKeys, "key", nil, "Shopify store key to protect (repeatable)")
	putKey.Flags().StringVar(&pskLabel, "source-label", "", "relabel the target (default: keep its label)")
	putKey.MarkFlagRequired("key")

	var uskContext, uskInstance string
	var uskKeys []string
	unsetKey := &cobra.Command{
		Use:   "unset-shopify-protected-store-key --context C --instance I --key K...",
		Short: "Remove Shopify protected store keys from a target (dual-write)",
		Long: `Remove keys from policies.shopify.protected_store_keys of a route's Dokploy
target. Reports removed_keys and missing_keys (asked for but not set).

` + dualWriteHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withTargets(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *targets.Service) error {
				res, err := svc.UnsetShopifyProtectedStoreKey(ctx, uskContext, uskInstance, uskKeys)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	targetRouteFlags(unsetKey, &uskContext, &uskInstance)
	unsetKey.Flags().StringArrayVar(&uskKeys, "key", nil, "Shopify store key to remove (repeatable)")
	unsetKey.MarkFlagRequired("key")

	return group("dokploy-targets", "Tracked stable-lane Dokploy targets: list, show, put, relabel, Shopify store-key guards",
		list, show, put, relabel, putKey, unsetKey)
}
