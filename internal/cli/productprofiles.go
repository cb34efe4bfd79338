package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

const productProfileRulesHelp = `A profile is refused, with every offending field named and nothing written,
when it breaks a rule of records.md §2.3: product, display_name, repository
(owner/name), driver_id and source are required; runtime_port is 0..65535,
0 forbids health_path and a port requires one (starting with /); lanes need
instance and context, one lane per instance; preview.enabled needs
preview.context, a slug_template with {number}, a template_instance, an
image repository, a port and a health path; key lists are unique and
non-blank; enabled Odoo bootstrap/rebuild policies need their approval
issue, confirmation, target name and domains; health checks follow their
kind's rules. Writes also check the write contract: an enabled private_http
check names its private_endpoint_key, and an enabled public_http check has
its own url, the lane's health_url, or the lane's base_url plus the
product's health_path.`

// withProducts opens the authority store and runs fn with a profile service.
func (a *app) withProducts(cmd *cobra.Command, fn func(ctx context.Context, s *sqlstore.Store, svc *products.Service) error) error {
	s, err := a.openStore(cmd, authority)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(cmd.Context(), s, products.New(s, a.env.Now))
}

func (a *app) productProfilesCommand() *cobra.Command {
	var driverID string
	list := &cobra.Command{
		Use:   "list [--driver-id D]",
		Short: "List product profiles, newest first",
		Long:  `Print {"profiles": [...], "count": N}: every stored profile in full, newest updated_at first; --driver-id keeps one driver's products.`,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withProducts(cmd, func(ctx context.Context, s *sqlstore.Store, _ *products.Service) error {
				ps, err := products.List(ctx, s, driverID)
				if err != nil {
					return err
				}
				return a.printJSON(map[string]any{"profiles": ps, "count": len(ps)})
			})
		},
	}
	list.Flags().StringVar(&driverID, "driver-id", "", "only profiles of this driver (generic-web, odoo, verireel, ...)")

	var showProduct string
	show := &cobra.Command{
		Use:   "show --product P",
		Short: "Print one product profile as stored",
		Long: `Print the stored profile of --product. The output is valid input for
product-profiles upsert --input-file: show, edit, upsert.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withProducts(cmd, func(ctx context.Context, s *sqlstore.Store, _ *products.Service) error {
				p, err := products.Get(ctx, s, showProduct)
				if err != nil {
					return err
				}
				return a.printJSON(p)
			})
		},
	}
	show.Flags().StringVar(&showProduct, "product", "", "product key")
	show.MarkFlagRequired("product")

	return group("product-profiles", "Product profiles: repository, driver, image, lanes, previews, health checks, expected config",
		list, show, a.productProfilesUpsertCommand())
}

// profileFlags are the simple fields upsert takes as flags.
type profileFlags struct {
	product, displayName, repository, driverID, imageRepository, healthPath string
	runtimePort                                                             int
	lanesJSON                                                               string
	previewEnabled                                                          bool
	previewContext, previewEnableLabel, previewSlugTemplate                 string
	updatedAt, sourceLabel                                                  string
	inputFile                                                               string
}

func (a *app) productProfilesUpsertCommand() *cobra.Command {
	var f profileFlags
	cmd := &cobra.Command{
		Use:   "upsert (--input-file FILE | --product P --display-name N --repository OWNER/NAME ...) [flags]",
		Short: "Create or replace a whole product profile",
		Long: `Create or replace the whole profile of one product. The write replaces
every field: a field left out takes its default (lanes: none, preview:
disabled), it does not keep the stored value.

--input-file FILE ("-" reads standard input) is the primary path: the JSON
profile of records.md §2.3 (product, display_name, repository, driver_id,
image{repository}, runtime_port, health_path, lanes[], historical_contexts[],
preview{}, promotion_workflow{}, expected_config{}, source), for example the
output of product-profiles show, edited. Unknown fields are refused.
updated_at in the file is ignored. Flags given next to --input-file
override the file's fields.

Without --input-file the profile is built from the flags (--product,
--display-name and --repository are then required; lanes come from
--lanes-json), as upstream's upsert did.

updated_at is stamped with the current time unless --updated-at is given;
source is --source-label, else the file's source, else
"` + products.SourceCLI + `". A profile equal to the stored one (apart from
updated_at) writes nothing: action "unchanged".

` + productProfileRulesHelp + `

Prints {"status": "ok", "action": "created"|"updated"|"unchanged",
"product", "profile"}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.profileFromFlags(cmd, f)
			if err != nil {
				return err
			}
			return a.withProducts(cmd, func(ctx context.Context, _ *sqlstore.Store, svc *products.Service) error {
				res, err := svc.Upsert(ctx, products.UpsertInput{Profile: p, UpdatedAt: f.updatedAt})
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.inputFile, "input-file", "", `whole profile JSON ("-" for stdin)`)
	fl.StringVar(&f.product, "product", "", "stable product key")
	fl.StringVar(&f.displayName, "display-name", "", "human-facing product name")
	fl.StringVar(&f.repository, "repository", "", "owning GitHub repository, owner/name")
	fl.StringVar(&f.driverID, "driver-id", "generic-web", "product driver")
	fl.StringVar(&f.imageRepository, "image-repository", "", "container image repository")
	fl.IntVar(&f.runtimePort, "runtime-port", 0, "container HTTP port (0: none)")
	fl.StringVar(&f.healthPath, "health-path", "", "HTTP health path, starting with / (required with a port)")
	fl.StringVar(&f.lanesJSON, "lanes-json", "[]", "JSON array of lanes: {instance, context, base_url, health_url, ...}")
	fl.BoolVar(&f.previewEnabled, "preview-enabled", false, "enable pull-request previews")
	fl.StringVar(&f.previewContext, "preview-context", "", "preview context (required when previews are enabled)")
	fl.StringVar(&f.previewEnableLabel, "preview-enable-label", record.DefaultPreviewEnableLabel, "pull-request label that opts into previews")
	fl.StringVar(&f.previewSlugTemplate, "preview-slug-template", record.DefaultPreviewSlugTemplate, "preview slug template; must contain {number}")
	fl.StringVar(&f.updatedAt, "updated-at", "", "stamp this RFC 3339 time instead of now")
	fl.StringVar(&f.sourceLabel, "source-label", products.SourceCLI, "source of the written profile")
	return cmd
}

// profileFromFlags builds the profile to write: the input file with the
// changed flags laid over it, or the flags alone.
func (a *app) profileFromFlags(cmd *cobra.Command, f profileFlags) (record.ProductProfile, error) {
	changed := cmd.Flags().Changed
	raw := []byte(`{}`)
	if f.inputFile != "" {
		var err error
		if raw, err = a.readInput(f.inputFile); err != nil {
			return record.ProductProfile{}, err
		}
	} else {
		for _, name := range []string{"product", "display-name", "repository"} {
			if !changed(name) {
				return record.ProductProfile{}, usageError{fmt.Errorf("product-profiles upsert needs --input-file, or --product, --display-name and --repository (missing --%s)", name)}
			}
		}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		// Let the strict decoder name the problem.
		_, err := products.DecodeInput(raw, f.sourceLabel)
		if err == nil {
			err = errors.New("input must be a JSON object")
		}
		return record.ProductProfile{}, err
	}
	set := func(flag, key string, v any) {
		if f.inputFile == "" || changed(flag) {
			fields[key], _ = json.Marshal(v)
		}
	}
	set("product", "product", f.product)
	set("display-name", "display_name", f.displayName)
	set("repository", "repository", f.repository)
	set("driver-id", "driver_id", f.driverID)
	set("runtime-port", "runtime_port", f.runtimePort)
	set("health-path", "health_path", f.healthPath)
	set("source-label", "source", f.sourceLabel)
	object := func(key string) map[string]json.RawMessage {
		m := map[string]json.RawMessage{}
		if err := json.Unmarshal(fields[key], &m); err != nil || m == nil {
			m = map[string]json.RawMessage{}
		}
		return m
	}
	if f.inputFile == "" || changed("image-repository") {
		image := object("image")
		image["repository"], _ = json.Marshal(f.imageRepository)
		fields["image"], _ = json.Marshal(image)
	}
	if f.inputFile == "" || changed("lanes-json") {
		if !json.Valid([]byte(f.lanesJSON)) {
			return record.ProductProfile{}, usageError{errors.New("--lanes-json is not valid JSON")}
		}
		fields["lanes"] = json.RawMessage(f.lanesJSON)
	}
	preview, previewChanged := object("preview"), false
	for _, pf := range []struct {
		flag, key string
		value     any
	}{
		{"preview-enabled", "enabled", f.previewEnabled}, {"preview-context", "context", f.previewContext},
		{"preview-enable-label", "enable_label", f.previewEnableLabel}, {"preview-slug-template", "slug_template", f.previewSlugTemplate},
	} {
		if f.inputFile == "" || changed(pf.flag) {
			preview[pf.key], _ = json.Marshal(pf.value)
			previewChanged = true
		}
	}
	if previewChanged {
		fields["preview"], _ = json.Marshal(preview)
	}
	merged, err := json.Marshal(fields)
	if err != nil {
		return record.ProductProfile{}, err
	}
	return products.DecodeInput(merged, f.sourceLabel)
}
