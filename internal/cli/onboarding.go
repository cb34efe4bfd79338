package cli

import (
	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/onboarding"
)

func (a *app) productOnboardingCommand() *cobra.Command {
	var manifestFile, updatedAt string
	var dryRun bool
	apply := &cobra.Command{
		Use:   "apply --manifest-file FILE [--dry-run] [--updated-at T]",
		Short: "Apply a product onboarding manifest in one transaction",
		Long: `Apply an operator-approved onboarding manifest (--manifest-file, "-" reads
standard input): the product profile, the Dokploy target and target-id
records of its tracked lanes with their provider-target rows, its
runtime-environment records and disabled placeholder bindings for the
secrets it expects.

The manifest is {product, display_name, repository, driver_id
(generic-web), image_repository, runtime_port (1..65535), health_path,
lanes[], historical_contexts[], preview{}, promotion_workflow{},
provider_targets[{context, instance, target_id, target_type, target_name,
project_name, env{}, domains[], ...}], runtime_environments[{scope,
context, instance, env{}}], secret_bindings[{binding_key, context,
instance, integration}], expected_config{}, updated_at, source_label}.
Unknown fields are refused; the legacy dokploy_targets shape is refused
with the name of its replacement, provider_targets.

Everything is checked before anything is written: the profile's rules and
write contract; targets only for the tracked lanes testing and prod, each
a lane of the manifest, with a target_id and no secret-shaped env key;
runtime records only for routes the product owns (its key, a lane or the
preview context), with no secret-shaped key (those belong in launchplane
secrets put); secret bindings only for owned routes. A binding is written
as a placeholder (status disabled, no value); writing the secret named
after its binding key at the same route (secrets put, product-config
apply) makes that binding configured. A configured binding is never turned
back into a placeholder. A stale provider-target row refuses the apply.
A refusal writes nothing.

The same manifest applied again changes nothing: every action is
"unchanged". Runtime keys merge into the stored record (other keys stay).
--dry-run runs every check against the stored state and reports what an
apply would do, writing nothing. Records are stamped with --updated-at,
else the manifest's updated_at, else now.

Prints {"status": "ok", "product", "mode", "changed", "product_profile",
"provider_targets", "provider_target_ids", "runtime_environment_records",
"secret_bindings" and their counts}: names, keys, counts and actions only,
never env values, secret values or target ids.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := a.readInput(manifestFile)
			if err != nil {
				return err
			}
			m, err := onboarding.Decode(raw)
			if err != nil {
				return err
			}
			s, err := a.openStore(cmd, authority)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := onboarding.New(s, a.env.Now).Apply(cmd.Context(), m, onboarding.Options{DryRun: dryRun, UpdatedAt: updatedAt})
			if err != nil {
				return err
			}
			return a.printOK(res)
		},
	}
	fl := apply.Flags()
	fl.StringVar(&manifestFile, "manifest-file", "", `onboarding manifest JSON ("-" for stdin)`)
	fl.BoolVar(&dryRun, "dry-run", false, "check and report, write nothing")
	fl.StringVar(&updatedAt, "updated-at", "", "stamp this RFC 3339 time instead of the manifest's or now")
	apply.MarkFlagRequired("manifest-file")
	return group("product-onboarding", "Onboard a product: profile, tracked targets, runtime records and secret placeholders in one apply", apply)
}
