package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// withRuntimeEnv opens the authority store and runs fn with a runtime
// environment service on it and the resolution layers beyond its records:
// the tracked Dokploy target's env and the managed-secret overlay.
func (a *app) withRuntimeEnv(cmd *cobra.Command, fn func(ctx context.Context, svc *runtimeenv.Service, layers runtimeenv.Layers) error) error {
	s, err := a.openStore(cmd, authority)
	if err != nil {
		return err
	}
	defer s.Close()
	// Managed secrets overlay the runtime records. The key ring is needed
	// only when a secret applies: without one, Overlay still resolves an
	// empty overlay and refuses clearly if a secret would need decrypting.
	ring, err := crypto.LoadKeyRing(a.env.Getenv, nil)
	if err != nil && !errors.Is(err, crypto.ErrNoKey) {
		return err
	}
	layers := runtimeenv.Layers{Target: targets.TargetEnv(s), Secrets: secrets.New(s, ring, a.env.Now, nil).Overlay}
	return fn(cmd.Context(), runtimeenv.New(s, a.env.Now, targets.TrackedRoutes(s)), layers)
}

// routeFlags binds --scope, --context and --instance.
func routeFlags(cmd *cobra.Command, r *runtimeenv.Route) {
	cmd.Flags().StringVar(&r.Scope, "scope", "", "record scope: global, context or instance")
	cmd.Flags().StringVar(&r.Context, "context", "", "context (context and instance scopes)")
	cmd.Flags().StringVar(&r.Instance, "instance", "", "instance (instance scope)")
	cmd.MarkFlagRequired("scope")
}

// parseAssignments reads repeated --set KEY=VALUE flags. Values are kept
// as strings: runtime values become process environment variables, and a
// string keeps exactly what the operator typed ("01", "1.0", "true").
// Typed numbers and booleans come from product-config bundles.
func parseAssignments(sets []string) (map[string]any, error) {
	out := make(map[string]any, len(sets))
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			// Never echo the argument: it may hold a value pasted by mistake.
			return nil, usageError{fmt.Errorf("--set takes KEY=VALUE with a non-empty KEY")}
		}
		if _, dup := out[key]; dup {
			return nil, usageError{fmt.Errorf("--set names key %s twice", key)}
		}
		out[key] = value
	}
	return out, nil
}

// deleteActor follows upstream: --actor, else GITHUB_ACTOR, USER, LOGNAME,
// else "unknown".
func (a *app) deleteActor(flag string) string {
	if strings.TrimSpace(flag) != "" {
		return strings.TrimSpace(flag)
	}
	for _, name := range []string{"GITHUB_ACTOR", "USER", "LOGNAME"} {
		if v := strings.TrimSpace(a.env.Getenv(name)); v != "" {
			return v
		}
	}
	return "unknown"
}

func (a *app) environmentsCommand() *cobra.Command {
	var putRoute runtimeenv.Route
	var sets []string
	var putLabel string
	put := &cobra.Command{
		Use:   "put --scope SCOPE [--context C] [--instance I] --set KEY=VALUE... [--source-label L]",
		Short: "Merge non-secret KEY=VALUE settings into a runtime-environment record",
		Long: `Merge non-secret settings into the runtime-environment record of a route
(global; context with --context; instance with --context and --instance),
creating it when absent. Values are stored as strings. Secret-shaped keys
(a _-separated segment PASSWORD, TOKEN, SECRET or KEY, e.g. API_KEY) are
refused: they must be written with launchplane secrets put. Prints key names
and counts only, never values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := parseAssignments(sets)
			if err != nil {
				return err
			}
			return a.withRuntimeEnv(cmd, func(ctx context.Context, svc *runtimeenv.Service, _ runtimeenv.Layers) error {
				res, err := svc.Put(ctx, putRoute, set, putLabel)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	routeFlags(put, &putRoute)
	put.Flags().StringArrayVar(&sets, "set", nil, "KEY=VALUE to store (repeatable)")
	put.Flags().StringVar(&putLabel, "source-label", "", "where the values came from (default: keep the stored label)")
	put.MarkFlagRequired("set")

	var unsetRoute runtimeenv.Route
	var unsetKeys []string
	unset := &cobra.Command{
		Use:   "unset --scope SCOPE [--context C] [--instance I] --key KEY...",
		Short: "Remove keys from a runtime-environment record (never empties it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRuntimeEnv(cmd, func(ctx context.Context, svc *runtimeenv.Service, _ runtimeenv.Layers) error {
				res, err := svc.Unset(ctx, unsetRoute, unsetKeys)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	routeFlags(unset, &unsetRoute)
	unset.Flags().StringArrayVar(&unsetKeys, "key", nil, "key to remove (repeatable)")
	unset.MarkFlagRequired("key")

	var relabelRoute runtimeenv.Route
	var relabelLabel string
	relabel := &cobra.Command{
		Use:   "relabel --scope SCOPE [--context C] [--instance I] --source-label L",
		Short: "Change a runtime-environment record's source label",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRuntimeEnv(cmd, func(ctx context.Context, svc *runtimeenv.Service, _ runtimeenv.Layers) error {
				res, err := svc.Relabel(ctx, relabelRoute, relabelLabel)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	routeFlags(relabel, &relabelRoute)
	relabel.Flags().StringVar(&relabelLabel, "source-label", "", "new source label")
	relabel.MarkFlagRequired("source-label")

	var listFilter store.RuntimeEnvListParams
	list := &cobra.Command{
		Use:   "list [--scope S] [--context C] [--instance I]",
		Short: "List runtime-environment records: key names and counts, never values",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRuntimeEnv(cmd, func(ctx context.Context, svc *runtimeenv.Service, _ runtimeenv.Layers) error {
				out, err := svc.List(ctx, listFilter)
				if err != nil {
					return err
				}
				return a.printJSON(map[string]any{"runtime_environments": out, "count": len(out)})
			})
		},
	}
	list.Flags().StringVar(&listFilter.Scope, "scope", "", "filter by scope")
	list.Flags().StringVar(&listFilter.Context, "context", "", "filter by context")
	list.Flags().StringVar(&listFilter.Instance, "instance", "", "filter by instance")

	var resolveContext, resolveInstance string
	var includeSecrets, jsonOutput bool
	resolve := &cobra.Command{
		Use:   "resolve --context C [--instance I] [--include-secret-values]",
		Short: "Print the effective runtime environment of a context and instance",
		Long: `Merge the global, context and instance runtime-environment records (later
layers win) and print the result. This is the one command that prints
values. Secret-shaped keys and every managed-secret value (the
runtime_environment secrets bound to this context and instance, which win
over the records) print as <redacted> unless --include-secret-values is
given; use that flag only in a trusted operator shell. Without --instance the
context-level environment (global + context) is resolved.

Fails closed when no record is stored, when the context has no record of its
own and no instance record, or when the named instance has no record.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRuntimeEnv(cmd, func(ctx context.Context, svc *runtimeenv.Service, layers runtimeenv.Layers) error {
				res, err := svc.Resolve(ctx, resolveContext, resolveInstance, layers)
				if err != nil {
					return err
				}
				env, redacted := res.Env(includeSecrets)
				return a.printJSON(map[string]any{
					"status": "ok", "context": res.Context, "instance": res.Instance,
					"env": env, "env_keys": res.Keys(), "sources": res.Sources,
					"redacted_keys": redacted, "include_secret_values": includeSecrets,
				})
			})
		},
	}
	resolve.Flags().StringVar(&resolveContext, "context", "", "context to resolve")
	resolve.Flags().StringVar(&resolveInstance, "instance", "", "instance to resolve (default: context level)")
	resolve.Flags().BoolVar(&includeSecrets, "include-secret-values", false, "print secret values in plain text (trusted shells only)")
	resolve.Flags().BoolVar(&jsonOutput, "json-output", false, "accepted for upstream compatibility; output is always JSON")
	resolve.Flags().MarkHidden("json-output")
	resolve.MarkFlagRequired("context")

	var delRoute runtimeenv.Route
	var delActor string
	var allowTracked, dryRun, apply bool
	deleteRecord := &cobra.Command{
		Use:   "delete-record --scope SCOPE [--context C] [--instance I] [--actor A] [--allow-tracked-target] --dry-run|--apply",
		Short: "Delete a whole runtime-environment record (compare-and-swap, with a delete event)",
		Long: `Delete a mistaken runtime-environment record. --dry-run reports the record's
key names, count and the delete event that apply would write. --apply
deletes the record only if it is unchanged since this command read it, and
appends a delete event (key names only) in the same transaction. Records
that feed a tracked provider target need --allow-tracked-target. The actor
is --actor, else $GITHUB_ACTOR, $USER, $LOGNAME, else "unknown".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun == apply {
				return usageError{errors.New("Choose exactly one of --dry-run or --apply.")} //nolint:staticcheck // upstream message
			}
			return a.withRuntimeEnv(cmd, func(ctx context.Context, svc *runtimeenv.Service, _ runtimeenv.Layers) error {
				res, err := svc.DeleteRecord(ctx, delRoute, runtimeenv.DeleteOptions{
					DryRun: dryRun, Actor: a.deleteActor(delActor), AllowTrackedTarget: allowTracked,
				})
				if err != nil {
					return err
				}
				return a.printJSON(res)
			})
		},
	}
	routeFlags(deleteRecord, &delRoute)
	deleteRecord.Flags().StringVar(&delActor, "actor", "", "who deletes (recorded on the event)")
	deleteRecord.Flags().BoolVar(&allowTracked, "allow-tracked-target", false, "delete even when a tracked target depends on the record")
	deleteRecord.Flags().BoolVar(&dryRun, "dry-run", false, "report what would be deleted")
	deleteRecord.Flags().BoolVar(&apply, "apply", false, "delete the record")

	return group("environments", "Runtime environments: records (put, unset, relabel, list, resolve, delete-record), live targets (show-live-target, apply-live-target) and logs",
		put, unset, relabel, list, resolve, deleteRecord,
		a.showLiveTargetCommand(), a.applyLiveTargetCommand(),
		a.environmentsLogsCommand())
}
