package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/productconfig"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/targets"
)

func (a *app) productConfigCommand() *cobra.Command {
	var inputFile, actor, sourceLabel, planID string
	var dryRun, apply bool
	cmd := &cobra.Command{
		Use:   "apply --input-file bundle.json (--dry-run | --apply) [--plan-id ID]",
		Short: "Plan or apply a product-config bundle (runtime environment and managed secrets)",
		Long: `Validate a product-config bundle completely — schema, scopes, scalars,
secret-shaped keys, secret routes, the master key and the runtime key-safety
policy — before anything is written. --dry-run prints the plan with a plan_id
and inputs_digest; --apply writes the secrets, then the runtime record, in
one transaction (a failure writes nothing). --apply --plan-id ID refuses when the plan expired
(15 minutes) or anything it read changed since, saying what changed.

The key ring comes from LAUNCHPLANE_MASTER_ENCRYPTION_KEY[_FILE] or
LAUNCHPLANE_SECRET_KEYS_JSON[_FILE]; it is required only when the bundle has
secrets. Output holds key names, actions and counts; never values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun == apply {
				return usageError{errors.New("Choose exactly one of --dry-run or --apply.")} //nolint:staticcheck // upstream message
			}
			if planID != "" && !apply {
				return usageError{errors.New("--plan-id goes with --apply")}
			}
			raw, err := a.readInput(inputFile)
			if err != nil {
				return err
			}
			bundle, err := productconfig.Decode(raw)
			if err != nil {
				return err
			}
			ring, err := crypto.LoadKeyRing(a.env.Getenv, nil)
			if errors.Is(err, crypto.ErrNoKey) {
				ring, err = nil, nil // refused later only if the bundle has secrets
			}
			if err != nil {
				return err
			}
			s, err := a.openStore(cmd, authority)
			if err != nil {
				return err
			}
			defer s.Close()
			svc := productconfig.New(productconfig.Config{Store: s, Ring: ring, KeySafety: productconfig.PolicyChecker{}, Now: a.env.Now, Tracked: targets.TrackedRoutes(s)})
			who := a.deleteActor(actor)
			if sourceLabel == "" {
				sourceLabel = "cli:product-config"
			}
			opt := productconfig.Options{Actor: who, SourceLabel: sourceLabel, Identity: "cli|" + who, PlanID: planID}
			var res productconfig.Result
			if dryRun {
				res, err = svc.Plan(cmd.Context(), bundle, opt)
			} else {
				res, err = svc.Apply(cmd.Context(), bundle, opt)
			}
			if err != nil {
				return err
			}
			return a.printJSON(res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&inputFile, "input-file", "", "bundle JSON file (- for stdin)")
	f.BoolVar(&dryRun, "dry-run", false, "validate and plan; write nothing but the plan record")
	f.BoolVar(&apply, "apply", false, "validate, then write the secrets and the runtime record")
	f.StringVar(&planID, "plan-id", "", "bind the apply to a dry-run's plan_id")
	f.StringVar(&actor, "actor", "", "actor recorded on secret writes (default $GITHUB_ACTOR, $USER, $LOGNAME)")
	f.StringVar(&sourceLabel, "source-label", "", "source label of the runtime record (default cli:product-config)")
	_ = cmd.MarkFlagRequired("input-file")
	return group("product-config", "Plan and apply product-config bundles", cmd)
}
