package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/productview"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

const productsLong = `Product read models (records.md §4.1–4.2), computed from the stored
profiles and evidence: what runs in each environment, how fresh the evidence
is (verified, recorded, stale 30 minutes after the evidence time, missing),
the tracked target (never its id: target_id_recorded only), runtime settings
as key names and counts, and managed secrets as binding metadata. No value
is ever printed.

Readable tables by default; --output json prints the same model the service
returns. Available actions are listed but not evaluated: the CLI reads the
store directly and has no caller identity, so ask the service
(GET /v1/products/...) for what a caller may do.`

// productsOutput is the --output flag of the products commands.
type productsOutput struct{ format string }

func (o *productsOutput) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.format, "output", "table", "output format: table or json")
}

func (o *productsOutput) check() error {
	if o.format != "table" && o.format != "json" {
		return usageError{fmt.Errorf("--output must be table or json, not %q", o.format)}
	}
	return nil
}

// withProductViews opens the authority store and runs fn with a read-model
// service judging freshness with the CLI's clock.
func (a *app) withProductViews(cmd *cobra.Command, out *productsOutput, fn func(ctx context.Context, pv *productview.Service) error) error {
	if err := out.check(); err != nil {
		return err
	}
	return a.withService(cmd, authority, func(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) error {
		return fn(ctx, productview.New(s, svc))
	})
}

func (a *app) productsCommand() *cobra.Command {
	var listOut productsOutput
	list := &cobra.Command{
		Use:   "list [--output table|json]",
		Short: "List every product with its environments' trust states",
		Long:  productsLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withProductViews(cmd, &listOut, func(ctx context.Context, pv *productview.Service) error {
				ps, err := pv.Products(ctx, nil)
				if err != nil {
					return err
				}
				if listOut.format == "json" {
					return a.printJSON(map[string]any{"products": ps, "count": len(ps)})
				}
				return a.printTable(func(w io.Writer) { writeProductList(w, ps) })
			})
		},
	}
	listOut.bind(list)

	var showOut productsOutput
	var showProduct string
	show := &cobra.Command{
		Use:   "show --product P [--output table|json]",
		Short: "Show one product: environments, previews, warnings",
		Long:  productsLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withProductViews(cmd, &showOut, func(ctx context.Context, pv *productview.Service) error {
				p, err := pv.Product(ctx, showProduct, nil)
				if err != nil {
					return err
				}
				if showOut.format == "json" {
					return a.printJSON(map[string]any{"product": p})
				}
				return a.printTable(func(w io.Writer) { writeProduct(w, p) })
			})
		},
	}
	showOut.bind(show)
	show.Flags().StringVar(&showProduct, "product", "", "product key")
	show.MarkFlagRequired("product")

	var envOut productsOutput
	var envProduct, envName string
	environment := &cobra.Command{
		Use:   "environment --product P --environment E [--output table|json]",
		Short: "Show one product environment in full: evidence, target, settings, secrets, config status",
		Long:  productsLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withProductViews(cmd, &envOut, func(ctx context.Context, pv *productview.Service) error {
				env, err := pv.EnvironmentDetail(ctx, envProduct, envName, nil)
				if err != nil {
					return err
				}
				cfg, err := pv.ConfigStatus(ctx, envProduct, envName)
				if err != nil {
					return err
				}
				if envOut.format == "json" {
					return a.printJSON(map[string]any{"environment": env, "config_status": cfg})
				}
				return a.printTable(func(w io.Writer) { writeEnvironment(w, env, cfg) })
			})
		},
	}
	envOut.bind(environment)
	environment.Flags().StringVar(&envProduct, "product", "", "product key")
	environment.Flags().StringVar(&envName, "environment", "", "environment (lane instance), e.g. testing or prod")
	environment.MarkFlagRequired("product")
	environment.MarkFlagRequired("environment")

	return group("products", "Product read models: environments, trust, targets, settings, activity (read-only)",
		list, show, environment)
}

// printTable writes aligned columns to stdout.
func (a *app) printTable(write func(w io.Writer)) error {
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	write(tw)
	return tw.Flush()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func writeProductList(w io.Writer, ps []productview.Product) {
	if len(ps) == 0 {
		fmt.Fprintln(w, "No product profiles.")
		return
	}
	fmt.Fprintln(w, "PRODUCT\tDRIVER\tTRUST\tENVIRONMENTS\tPREVIEWS")
	for _, p := range ps {
		envs := make([]string, 0, len(p.Environments))
		for _, e := range p.Environments {
			envs = append(envs, e.Environment+"="+e.TrustState)
		}
		preview := "off"
		if p.Preview.Enabled {
			preview = p.Preview.Context + " (" + strconv.Itoa(len(p.Preview.Previews)) + " live)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Product, p.DriverID, p.TrustState, dash(strings.Join(envs, " ")), preview)
	}
}

func writeProduct(w io.Writer, p productview.Product) {
	fmt.Fprintf(w, "Product:\t%s (%s)\n", p.Product, p.DisplayName)
	fmt.Fprintf(w, "Repository:\t%s\n", p.Repository)
	fmt.Fprintf(w, "Driver:\t%s\n", p.DriverID)
	fmt.Fprintf(w, "Trust:\t%s\n", p.TrustState)
	if p.Preview.Enabled {
		fmt.Fprintf(w, "Previews:\tenabled in %s (%d live)\n", p.Preview.Context, len(p.Preview.Previews))
	} else {
		fmt.Fprintln(w, "Previews:\tdisabled")
	}
	fmt.Fprintf(w, "Historical contexts:\t%s\n", dash(strings.Join(p.HistoricalContexts, ", ")))
	fmt.Fprintf(w, "Profile updated:\t%s (%s)\n", p.UpdatedAt, p.Source)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ENVIRONMENT\tCONTEXT\tTRUST\tARTIFACT\tEVIDENCE AT\tSTALE AFTER\tBASE URL")
	for _, e := range p.Environments {
		artifact := ""
		if e.Current != nil {
			artifact = e.Current.ArtifactID
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Environment, e.Context, e.TrustState, dash(artifact),
			dash(e.Provenance.RecordedAt), dash(e.Provenance.StaleAfter), dash(e.BaseURL))
	}
	if len(p.Preview.Previews) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "PREVIEW\tPULL REQUEST\tSTATE\tTRUST\tURL")
		for _, pr := range p.Preview.Previews {
			fmt.Fprintf(w, "%s\t%s#%d\t%s\t%s\t%s\n", pr.PreviewID, pr.AnchorRepo, pr.AnchorPRNumber, pr.State, pr.Provenance.FreshnessStatus, dash(pr.CanonicalURL))
		}
	}
	var warnings []string
	for _, msg := range p.Warnings {
		warnings = append(warnings, "  "+msg)
	}
	for _, e := range p.Environments {
		for _, msg := range e.Warnings {
			warnings = append(warnings, "  "+e.Environment+": "+msg)
		}
	}
	writeWarnings(w, warnings)
}

func writeEnvironment(w io.Writer, e productview.EnvironmentDetail, cfg productview.ConfigStatus) {
	fmt.Fprintf(w, "Environment:\t%s (product %s, context %s)\n", e.Environment, e.Product, e.Context)
	fmt.Fprintf(w, "Base URL:\t%s\n", dash(e.BaseURL))
	fmt.Fprintf(w, "Health URL:\t%s\n", dash(e.HealthURL))
	fmt.Fprintf(w, "Trust:\t%s\n", e.TrustState)
	fmt.Fprintf(w, "Provenance:\t%s\n", e.Provenance.Detail)
	if e.Provenance.SourceKind != "" {
		fmt.Fprintf(w, "Evidence:\t%s %s at %s (stale after %s, read at %s)\n", e.Provenance.SourceKind, e.Provenance.SourceRecordID,
			dash(e.Provenance.RecordedAt), dash(e.Provenance.StaleAfter), e.Provenance.RefreshedAt)
	}
	if c := e.Current; c != nil {
		fmt.Fprintf(w, "Running:\t%s from %s (deploy %s, health %s, verified %s)\n", dash(c.ArtifactID), dash(c.SourceGitRef),
			dash(c.DeployStatus), dash(c.HealthStatus), yesNo(c.HealthVerified))
	} else {
		fmt.Fprintln(w, "Running:\t- (no inventory)")
	}
	if t := e.ReleaseTuple; t != nil {
		fmt.Fprintf(w, "Release tuple:\t%s (%s, minted %s)\n", t.TupleID, t.Provenance, t.MintedAt)
	}
	if d := e.LatestDeployment; d != nil {
		fmt.Fprintf(w, "Latest deployment:\t%s %s (%s)\n", d.RecordID, d.Status, dash(d.FinishedAt))
	}
	if p := e.LatestPromotion; p != nil {
		fmt.Fprintf(w, "Latest promotion:\t%s %s -> %s %s\n", p.RecordID, p.FromInstance, p.ToInstance, p.Status)
	}
	if g := e.LatestBackupGate; g != nil {
		fmt.Fprintf(w, "Latest backup gate:\t%s %s (%s)\n", g.RecordID, g.Status, g.CreatedAt)
	}
	t := e.Target
	fmt.Fprintf(w, "Target:\t%s %s %s (target id recorded: %s, trust %s)\n", t.Provider, dash(t.TargetType), dash(t.TargetName), yesNo(t.TargetIDRecorded), t.TrustState)
	if pt := e.ProviderTarget; pt != nil {
		fmt.Fprintf(w, "Provider target:\t%s %s %s (target id recorded: %s, trust %s)\n", pt.ProviderID, pt.ProviderTargetType, dash(pt.DisplayName), yesNo(pt.TargetIDRecorded), pt.TrustState)
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "RUNTIME SCOPE\tCONTEXT\tINSTANCE\tKEYS\tCOUNT\tUPDATED\tSOURCE")
	if len(e.RuntimeSettings) == 0 {
		fmt.Fprintln(w, "-\t\t\t\t\t\t")
	}
	for _, r := range e.RuntimeSettings {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Scope, dash(r.Context), dash(r.Instance), dash(strings.Join(r.EnvKeys, ",")), r.EnvValueCount, r.UpdatedAt, dash(r.SourceLabel))
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "SECRET BINDING\tKEY\tINTEGRATION\tCONTEXT\tINSTANCE\tSTATUS\tTRUST")
	if len(e.ManagedSecrets) == 0 {
		fmt.Fprintln(w, "-\t\t\t\t\t\t")
	}
	for _, m := range e.ManagedSecrets {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.BindingID, m.BindingKey, m.Integration, dash(m.Context), dash(m.Instance), m.Status, m.TrustState)
	}

	fmt.Fprintln(w)
	fmt.Fprintf(w, "EXPECTED KEY\tKIND\tSTATUS\tSOURCE\t(config %s: %d configured, %d missing, %d disabled)\n",
		cfg.Status, cfg.Summary.Configured, cfg.Summary.Missing, cfg.Summary.Disabled)
	for _, k := range cfg.Keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", k.Key, k.Kind, k.Status, dash(k.Source))
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "ACTION\tSAFETY\tAUTHZ ACTION\tCONTEXT")
	for _, act := range e.AvailableActions {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", act.ActionID, act.Safety, act.AuthzAction, act.Context)
	}
	fmt.Fprintln(w, "(actions are not evaluated here: the CLI has no caller identity; the service shows what a caller may do)")
	var warnings []string
	for _, msg := range e.Warnings {
		warnings = append(warnings, "  "+msg)
	}
	writeWarnings(w, warnings)
}

func writeWarnings(w io.Writer, warnings []string) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Warnings:")
	for _, msg := range warnings {
		fmt.Fprintln(w, msg)
	}
}
