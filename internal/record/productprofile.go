package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// Product-profile defaults (records.md §2.3).
const (
	DefaultPreviewEnableLabel     = "launchplane-preview"
	DefaultPreviewSlugTemplate    = "pr-{number}"
	DefaultPreviewTemplateInst    = "testing"
	DefaultPromotionWorkflowID    = "promote-prod.yml"
	DefaultPromotionWorkflowRef   = "main"
	DefaultPromotionDryRunInput   = "dry_run"
	DefaultPromotionBumpInput     = "bump"
	DefaultPromotionBump          = "patch"
	SecretIntegrationRuntimeEnv   = "runtime_environment"
	HealthCheckPublicHTTP         = "public_http"
	HealthCheckPrivateHTTP        = "private_http"
	HealthCheckProvider           = "provider"
	reservedPublicHealthCheckName = "public-ingress"
)

// ProductProfile is a product's operator-owned description: its repository,
// driver, image, lanes (testing/prod contexts and URLs), preview settings,
// promotion workflow and the configuration it expects. Whole-profile writes
// are upserts keyed by product.
type ProductProfile struct {
	SchemaVersion      int                             `json:"schema_version"`
	Product            string                          `json:"product"`
	DisplayName        string                          `json:"display_name"`
	Repository         string                          `json:"repository"`
	DriverID           string                          `json:"driver_id"`
	Image              ProductImageProfile             `json:"image"`
	RuntimePort        int                             `json:"runtime_port"`
	HealthPath         string                          `json:"health_path"`
	Lanes              []ProductLaneProfile            `json:"lanes"`
	HistoricalContexts []string                        `json:"historical_contexts"`
	Preview            ProductPreviewProfile           `json:"preview"`
	PromotionWorkflow  ProductPromotionWorkflowProfile `json:"promotion_workflow"`
	ExpectedConfig     ProductExpectedConfigProfile    `json:"expected_config"`
	UpdatedAt          string                          `json:"updated_at"`
	Source             string                          `json:"source"`
}

// ProductImageProfile names the container image repository of a product.
type ProductImageProfile struct {
	Repository string `json:"repository"`
}

// ProductLaneProfile is one stable lane (instance) of a product and the
// context it runs in. The Odoo policies are data: only the Odoo driver
// acts on them, but every profile carries and validates them.
type ProductLaneProfile struct {
	Instance             string                            `json:"instance"`
	Context              string                            `json:"context"`
	BaseURL              string                            `json:"base_url"`
	HealthURL            string                            `json:"health_url"`
	OdooStableBootstrap  ProductOdooStableBootstrapPolicy  `json:"odoo_stable_bootstrap"`
	OdooPrelaunchRebuild ProductOdooPrelaunchRebuildPolicy `json:"odoo_prelaunch_rebuild"`
	OdooDataPolicy       ProductOdooLaneDataPolicy         `json:"odoo_data_policy"`
	HealthMonitoring     ProductLaneHealthMonitoring       `json:"health_monitoring"`
}

// ProductOdooStableBootstrapPolicy allows the destructive stable-bootstrap
// of an empty Odoo lane, with its issue-backed approval and proofs.
type ProductOdooStableBootstrapPolicy struct {
	Enabled                      bool     `json:"enabled"`
	ApprovalIssueURL             string   `json:"approval_issue_url"`
	DataSourceMode               string   `json:"data_source_mode"`
	Confirmation                 string   `json:"confirmation"`
	ExpectedTargetName           string   `json:"expected_target_name"`
	ExpectedDomains              []string `json:"expected_domains"`
	RequireHealthVerification    bool     `json:"require_health_verification"`
	RequireCanonicalVerification bool     `json:"require_canonical_verification"`
	RequireLogoVerification      bool     `json:"require_logo_verification"`
}

// ProductOdooPrelaunchRebuildPolicy allows rebuilding a prelaunch Odoo
// lane from nothing or from its upstream source.
type ProductOdooPrelaunchRebuildPolicy struct {
	Enabled            bool     `json:"enabled"`
	ApprovalIssueURL   string   `json:"approval_issue_url"`
	DataSourceMode     string   `json:"data_source_mode"`
	Confirmation       string   `json:"confirmation"`
	ExpectedTargetName string   `json:"expected_target_name"`
	ExpectedDomains    []string `json:"expected_domains"`
}

// ProductOdooLaneDataPolicy says how much a lane's Odoo data matters and so
// which rebuilds are allowed and what proof they need.
type ProductOdooLaneDataPolicy struct {
	DataAuthority               string   `json:"data_authority"`
	AllowedRebuildSources       []string `json:"allowed_rebuild_sources"`
	UpstreamSource              string   `json:"upstream_source"`
	RequiresBackupBeforeDestroy bool     `json:"requires_backup_before_destroy"`
	RequiresRestoreProof        bool     `json:"requires_restore_proof"`
	RequiresRuntimeIdentity     bool     `json:"requires_runtime_identity"`
}

// ProductLaneHealthMonitoring lists a lane's synthetic health checks.
type ProductLaneHealthMonitoring struct {
	Checks []ProductLaneHealthCheck `json:"checks"`
}

// ProductLaneHealthCheck is one synthetic check of a lane: a public URL, a
// Launchplane-owned private endpoint, or a provider check (which fails
// closed at monitor time until a provider monitor exists).
type ProductLaneHealthCheck struct {
	Name                   string `json:"name"`
	Kind                   string `json:"kind"`
	Enabled                bool   `json:"enabled"`
	URL                    string `json:"url"`
	PrivateEndpointKey     string `json:"private_endpoint_key"`
	RequireRuntimeIdentity bool   `json:"require_runtime_identity"`
	AlertIssueURL          string `json:"alert_issue_url"`
	Provider               string `json:"provider"`
	ProviderCheck          string `json:"provider_check"`
}

// ProductPreviewProfile says whether and how pull requests get previews.
type ProductPreviewProfile struct {
	Enabled                 bool              `json:"enabled"`
	Context                 string            `json:"context"`
	EnableLabel             string            `json:"enable_label"`
	SlugTemplate            string            `json:"slug_template"`
	AppNamePrefix           string            `json:"app_name_prefix"`
	TemplateInstance        string            `json:"template_instance"`
	RequiredTemplateEnvKeys []string          `json:"required_template_env_keys"`
	CopiedEnvKeys           []string          `json:"copied_env_keys"`
	OmittedEnvKeys          []string          `json:"omitted_env_keys"`
	OverrideEnv             map[string]string `json:"override_env"`
	PreviewURLEnvKeys       []string          `json:"preview_url_env_keys"`
	PreviewDomainEnvKeys    []string          `json:"preview_domain_env_keys"`
	RequiredProviderFields  []string          `json:"required_provider_fields"`
	DataTransportMode       string            `json:"data_transport_mode"`
	MigrationCommand        string            `json:"migration_command"`
	SeedCommand             string            `json:"seed_command"`
}

// ProductPromotionWorkflowProfile names the product-owned GitHub workflow
// that promotes testing to prod, and its inputs.
type ProductPromotionWorkflowProfile struct {
	WorkflowID  string `json:"workflow_id"`
	Ref         string `json:"ref"`
	DryRunInput string `json:"dry_run_input"`
	BumpInput   string `json:"bump_input"`
	DefaultBump string `json:"default_bump"`
}

// ProductExpectedConfigProfile declares the runtime keys and managed
// secret bindings the product needs, globally, per context or per lane.
type ProductExpectedConfigProfile struct {
	RuntimeEnvironmentKeys []ProductRuntimeConfigRequirement `json:"runtime_environment_keys"`
	ManagedSecretBindings  []ProductSecretConfigRequirement  `json:"managed_secret_bindings"`
}

// ProductRuntimeConfigRequirement is one expected runtime-environment key;
// empty context (and instance) means every lane.
type ProductRuntimeConfigRequirement struct {
	Key      string `json:"key"`
	Context  string `json:"context"`
	Instance string `json:"instance"`
}

// ProductSecretConfigRequirement is one expected managed secret binding.
type ProductSecretConfigRequirement struct {
	BindingKey  string `json:"binding_key"`
	Integration string `json:"integration"`
	Context     string `json:"context"`
	Instance    string `json:"instance"`
}

// Enumerations of the profile.
var (
	odooDataAuthorities = []string{"unknown", "resettable", "restorable", "authoritative"}
	odooRebuildSources  = []string{"empty", "upstream_restore"}
	healthCheckKinds    = []string{HealthCheckPublicHTTP, HealthCheckPrivateHTTP, HealthCheckProvider}
	previewTransports   = []string{"none", "clone", "bootstrap", "migrate_seed", "driver"}
	promotionBumps      = []string{"patch", "minor", "major"}
)

// DecodeProductProfile strictly decodes and validates a product profile
// (not the write contract: see ValidateWriteContract).
func DecodeProductProfile(data []byte) (ProductProfile, error) {
	return decode[ProductProfile](data, true)
}

func (*ProductProfile) kind() string { return "product_profile" }

func (p *ProductProfile) setDefaults() {
	*p = ProductProfile{
		SchemaVersion:     1,
		Preview:           DefaultPreviewProfile(),
		PromotionWorkflow: DefaultPromotionWorkflow(),
	}
}

// DefaultPreviewProfile is a disabled preview with upstream's defaults.
func DefaultPreviewProfile() ProductPreviewProfile {
	return ProductPreviewProfile{
		EnableLabel: DefaultPreviewEnableLabel, SlugTemplate: DefaultPreviewSlugTemplate,
		TemplateInstance: DefaultPreviewTemplateInst, DataTransportMode: "none",
	}
}

// DefaultPromotionWorkflow is upstream's promote-prod.yml on main.
func DefaultPromotionWorkflow() ProductPromotionWorkflowProfile {
	return ProductPromotionWorkflowProfile{
		WorkflowID: DefaultPromotionWorkflowID, Ref: DefaultPromotionWorkflowRef,
		DryRunInput: DefaultPromotionDryRunInput, BumpInput: DefaultPromotionBumpInput, DefaultBump: DefaultPromotionBump,
	}
}

// NewProductLane returns a lane with upstream's defaults (Odoo policies
// disabled, every verification and proof required, unknown data authority).
func NewProductLane(instance, context string) ProductLaneProfile {
	return ProductLaneProfile{
		Instance: instance, Context: context,
		OdooStableBootstrap: ProductOdooStableBootstrapPolicy{DataSourceMode: "empty",
			RequireHealthVerification: true, RequireCanonicalVerification: true, RequireLogoVerification: true},
		OdooPrelaunchRebuild: ProductOdooPrelaunchRebuildPolicy{DataSourceMode: "empty"},
		OdooDataPolicy: ProductOdooLaneDataPolicy{DataAuthority: "unknown",
			RequiresBackupBeforeDestroy: true, RequiresRestoreProof: true, RequiresRuntimeIdentity: true},
	}
}

// Elements of lists start from their defaults, which a plain decode into a
// fresh slice element would lose; each decodes strictly over its defaults.

// UnmarshalJSON decodes a lane over NewProductLane's defaults.
func (l *ProductLaneProfile) UnmarshalJSON(data []byte) error {
	type plain ProductLaneProfile
	v := plain(NewProductLane("", ""))
	if err := strictInto(data, &v); err != nil {
		return err
	}
	*l = ProductLaneProfile(v)
	return nil
}

// UnmarshalJSON decodes a check over its defaults (public_http, enabled).
func (h *ProductLaneHealthCheck) UnmarshalJSON(data []byte) error {
	type plain ProductLaneHealthCheck
	v := plain{Kind: HealthCheckPublicHTTP, Enabled: true}
	if err := strictInto(data, &v); err != nil {
		return err
	}
	*h = ProductLaneHealthCheck(v)
	return nil
}

// UnmarshalJSON decodes a binding over its default integration.
func (s *ProductSecretConfigRequirement) UnmarshalJSON(data []byte) error {
	type plain ProductSecretConfigRequirement
	v := plain{Integration: SecretIntegrationRuntimeEnv}
	if err := strictInto(data, &v); err != nil {
		return err
	}
	*s = ProductSecretConfigRequirement(v)
	return nil
}

func strictInto(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Validate normalizes p in place and checks every record invariant of
// records.md §2.3. Writes through the service and CLI also run
// ValidateWriteContract.
func (p *ProductProfile) Validate() error {
	c := newChecker("product_profile")
	c.schemaVersion("schema_version", p.SchemaVersion)
	c.required("product", &p.Product)
	if p.Product != "" && strings.IndexFunc(p.Product, func(r rune) bool { return r == '/' || unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		c.add("product", "must not contain '/', spaces or control characters (got %q)", p.Product)
	}
	c.required("display_name", &p.DisplayName)
	c.required("repository", &p.Repository)
	if p.Repository != "" && !validRepository(p.Repository) {
		c.add("repository", "must be owner/name (got %q)", p.Repository)
	}
	c.required("driver_id", &p.DriverID)
	p.Image.Repository = trim(p.Image.Repository)
	if p.RuntimePort < 0 || p.RuntimePort > 65535 {
		c.add("runtime_port", "must be between 0 and 65535 (got %d)", p.RuntimePort)
	}
	p.HealthPath = trim(p.HealthPath)
	switch {
	case p.HealthPath != "" && !strings.HasPrefix(p.HealthPath, "/"):
		c.add("health_path", "must start with / (got %q)", p.HealthPath)
	case p.RuntimePort == 0 && p.HealthPath != "":
		c.add("health_path", "must be empty when runtime_port is 0")
	case p.RuntimePort > 0 && p.HealthPath == "":
		c.add("health_path", "is required when runtime_port is set")
	}
	p.Lanes = nonNil(p.Lanes)
	seen := map[string]int{}
	for i := range p.Lanes {
		p.Lanes[i].validate(c, indexed("lanes", i, ""))
		if inst := p.Lanes[i].Instance; inst != "" {
			if j, dup := seen[inst]; dup {
				c.add(indexed("lanes", i, "instance"), "duplicates lanes[%d]: a product has one lane per instance", j)
			} else {
				seen[inst] = i
			}
		}
	}
	p.HistoricalContexts = nonNil(p.HistoricalContexts)
	var contexts []string
	for i, h := range p.HistoricalContexts {
		if h = trim(h); h == "" {
			c.add(indexed("historical_contexts", i, ""), "must not be blank")
		} else if !slices.Contains(contexts, h) {
			contexts = append(contexts, h)
		}
	}
	p.HistoricalContexts = nonNil(contexts)
	p.Preview.validate(c)
	if p.Preview.Enabled {
		if p.Image.Repository == "" {
			c.add("image.repository", "is required when preview.enabled is true")
		}
		if p.RuntimePort <= 0 {
			c.add("runtime_port", "must be greater than 0 when preview.enabled is true")
		}
		if p.HealthPath == "" && p.RuntimePort > 0 {
			// With runtime_port 0 the port problem already covers it.
			c.add("health_path", "is required when preview.enabled is true")
		}
	}
	p.PromotionWorkflow.validate(c)
	p.ExpectedConfig.validate(c)
	c.timestamp("updated_at", &p.UpdatedAt, true)
	c.required("source", &p.Source)
	return c.err()
}

// ValidateWriteContract checks what a profile must satisfy to be written
// through the service or the CLI (stored profiles are read as they are):
// every enabled private_http check names its private endpoint, and every
// enabled public_http check has a URL to probe — its own url, the lane's
// health_url, or the lane's base_url plus the product's health_path.
// Provider checks pass here and fail closed at monitor time.
func (p *ProductProfile) ValidateWriteContract() error {
	c := newChecker("product_profile")
	for i, lane := range p.Lanes {
		for j, h := range lane.HealthMonitoring.Checks {
			field := fmt.Sprintf("lanes[%d].health_monitoring.checks[%d]", i, j)
			if !h.Enabled {
				continue
			}
			switch h.Kind {
			case HealthCheckPrivateHTTP:
				if trim(h.PrivateEndpointKey) == "" {
					c.add(field+".private_endpoint_key", "is required for an enabled private_http check")
				}
			case HealthCheckPublicHTTP:
				switch {
				case trim(h.URL) != "", trim(lane.HealthURL) != "":
				case trim(lane.BaseURL) == "":
					c.add(field+".url", "an enabled public_http check needs its own url, the lane's health_url, or the lane's base_url plus the product's health_path")
				case trim(p.HealthPath) == "":
					c.add("health_path", "is required: %s probes the lane's base_url plus health_path", field)
				}
			}
		}
	}
	return c.err()
}

func validRepository(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && owner != "" && name != "" && !strings.Contains(name, "/") &&
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
}

func (l *ProductLaneProfile) validate(c *checker, field string) {
	c.required(field+".instance", &l.Instance)
	c.required(field+".context", &l.Context)
	l.BaseURL = trim(l.BaseURL)
	l.HealthURL = trim(l.HealthURL)
	checkHTTPURL(c, field+".base_url", l.BaseURL)
	checkHTTPURL(c, field+".health_url", l.HealthURL)

	b := &l.OdooStableBootstrap
	c.oneOf(field+".odoo_stable_bootstrap.data_source_mode", b.DataSourceMode, "empty")
	checkOdooApproval(c, field+".odoo_stable_bootstrap", b.Enabled, &b.ApprovalIssueURL, &b.Confirmation, &b.ExpectedTargetName, &b.ExpectedDomains)

	r := &l.OdooPrelaunchRebuild
	c.oneOf(field+".odoo_prelaunch_rebuild.data_source_mode", r.DataSourceMode, odooRebuildSources...)
	checkOdooApproval(c, field+".odoo_prelaunch_rebuild", r.Enabled, &r.ApprovalIssueURL, &r.Confirmation, &r.ExpectedTargetName, &r.ExpectedDomains)

	d := &l.OdooDataPolicy
	df := field + ".odoo_data_policy"
	c.oneOf(df+".data_authority", d.DataAuthority, odooDataAuthorities...)
	var sources []string
	for i, s := range d.AllowedRebuildSources {
		c.oneOf(indexed(df+".allowed_rebuild_sources", i, ""), s, odooRebuildSources...)
		if !slices.Contains(sources, s) {
			sources = append(sources, s)
		}
	}
	d.AllowedRebuildSources = nonNil(sources)
	d.UpstreamSource = trim(d.UpstreamSource)
	if d.DataAuthority == "unknown" && len(d.AllowedRebuildSources) > 0 {
		c.add(df+".allowed_rebuild_sources", "must be empty while data_authority is unknown")
	}
	if slices.Contains(d.AllowedRebuildSources, "upstream_restore") && d.UpstreamSource == "" {
		c.add(df+".upstream_source", "is required when allowed_rebuild_sources includes upstream_restore")
	}
	if d.DataAuthority == "authoritative" {
		if !d.RequiresBackupBeforeDestroy {
			c.add(df+".requires_backup_before_destroy", "must be true when data_authority is authoritative")
		}
		if !d.RequiresRestoreProof {
			c.add(df+".requires_restore_proof", "must be true when data_authority is authoritative")
		}
	}

	l.HealthMonitoring.Checks = nonNil(l.HealthMonitoring.Checks)
	tokens := map[string]int{}
	for i := range l.HealthMonitoring.Checks {
		hf := indexed(field+".health_monitoring.checks", i, "")
		l.HealthMonitoring.Checks[i].validate(c, hf)
		token := CanonicalHealthCheckToken(l.HealthMonitoring.Checks[i].Name)
		if j, dup := tokens[token]; dup {
			c.add(hf+".name", "names the same check as checks[%d] (names compare lower-cased, punctuation as '-', %q meaning the public check)", j, reservedPublicHealthCheckName)
		} else {
			tokens[token] = i
		}
	}
}

// checkOdooApproval normalizes the shared fields of the two destructive
// Odoo policies and requires them when the policy is enabled.
func checkOdooApproval(c *checker, field string, enabled bool, issue, confirmation, target *string, domains *[]string) {
	*issue = trim(*issue)
	*confirmation = strings.ToLower(trim(*confirmation))
	*target = trim(*target)
	var norm []string
	for i, d := range *domains {
		d = strings.TrimRight(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(trim(d)), "https://"), "http://"), "/")
		if d == "" {
			c.add(indexed(field+".expected_domains", i, ""), "must not be blank")
		} else if !slices.Contains(norm, d) {
			norm = append(norm, d)
		}
	}
	*domains = nonNil(norm)
	if !enabled {
		return
	}
	if *issue == "" {
		c.add(field+".approval_issue_url", "is required when the policy is enabled")
	}
	if *confirmation == "" {
		c.add(field+".confirmation", "is required when the policy is enabled")
	}
	if *target == "" {
		c.add(field+".expected_target_name", "is required when the policy is enabled")
	}
	if len(*domains) == 0 {
		c.add(field+".expected_domains", "needs at least one domain when the policy is enabled")
	}
}

func checkHTTPURL(c *checker, field, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add(field, "must be an absolute http or https URL")
	}
}

func (h *ProductLaneHealthCheck) validate(c *checker, field string) {
	for _, s := range []*string{&h.Name, &h.URL, &h.PrivateEndpointKey, &h.AlertIssueURL, &h.Provider, &h.ProviderCheck} {
		*s = trim(*s)
	}
	if HealthCheckToken(h.Name) == "" {
		c.add(field+".name", "must contain at least one letter or digit")
	}
	c.oneOf(field+".kind", h.Kind, healthCheckKinds...)
	if (h.Kind == HealthCheckPrivateHTTP || h.Kind == HealthCheckProvider) && HealthCheckToken(h.Name) == reservedPublicHealthCheckName {
		c.add(field+".name", "%q is reserved for the public_http check", reservedPublicHealthCheckName)
	}
	checkHTTPURL(c, field+".url", h.URL)
	checkHTTPURL(c, field+".alert_issue_url", h.AlertIssueURL)
	switch h.Kind {
	case HealthCheckPrivateHTTP, HealthCheckPublicHTTP:
		if h.Kind == HealthCheckPrivateHTTP && h.URL != "" {
			c.add(field+".url", "must be empty for a private_http check: it uses private_endpoint_key")
		}
		if h.Provider != "" {
			c.add(field+".provider", "must be empty for an HTTP check")
		}
		if h.ProviderCheck != "" {
			c.add(field+".provider_check", "must be empty for an HTTP check")
		}
		if h.Kind == HealthCheckPublicHTTP && h.PrivateEndpointKey != "" {
			c.add(field+".private_endpoint_key", "may be set only on a private_http check")
		}
	case HealthCheckProvider:
		if h.URL != "" {
			c.add(field+".url", "must be empty for a provider check")
		}
		if h.PrivateEndpointKey != "" {
			c.add(field+".private_endpoint_key", "may be set only on a private_http check")
		}
		if h.Provider == "" {
			c.add(field+".provider", "is required for a provider check")
		}
		if h.ProviderCheck == "" {
			c.add(field+".provider_check", "is required for a provider check")
		}
	}
}

// HealthCheckToken is a check name as incident and observation records key
// it: lower-cased, every run of non-alphanumerics a '-', trimmed of '-'.
func HealthCheckToken(name string) string {
	mapped := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return '-'
	}, strings.ToLower(trim(name)))
	return strings.Trim(mapped, "-")
}

// CanonicalHealthCheckToken is HealthCheckToken with the reserved public
// name folded to "", so "public-ingress" and an unnamed public check are
// the same check.
func CanonicalHealthCheckToken(name string) string {
	if t := HealthCheckToken(name); t != reservedPublicHealthCheckName {
		return t
	}
	return ""
}

func (v *ProductPreviewProfile) validate(c *checker) {
	v.Context = trim(v.Context)
	if v.EnableLabel = trim(v.EnableLabel); v.EnableLabel == "" {
		v.EnableLabel = DefaultPreviewEnableLabel
	}
	v.SlugTemplate = trim(v.SlugTemplate)
	v.AppNamePrefix = trim(v.AppNamePrefix)
	v.TemplateInstance = trim(v.TemplateInstance)
	v.MigrationCommand = trim(v.MigrationCommand)
	v.SeedCommand = trim(v.SeedCommand)
	if v.Enabled {
		if v.Context == "" {
			c.add("preview.context", "is required when preview.enabled is true")
		}
		if !strings.Contains(v.SlugTemplate, "{number}") {
			c.add("preview.slug_template", "must contain {number} when preview.enabled is true (got %q)", v.SlugTemplate)
		}
		if v.TemplateInstance == "" {
			c.add("preview.template_instance", "is required when preview.enabled is true")
		}
	}
	for _, l := range []struct {
		name string
		list *[]string
	}{
		{"required_template_env_keys", &v.RequiredTemplateEnvKeys}, {"copied_env_keys", &v.CopiedEnvKeys},
		{"omitted_env_keys", &v.OmittedEnvKeys}, {"preview_url_env_keys", &v.PreviewURLEnvKeys},
		{"preview_domain_env_keys", &v.PreviewDomainEnvKeys}, {"required_provider_fields", &v.RequiredProviderFields},
	} {
		*l.list = uniqueKeys(c, "preview."+l.name, *l.list)
	}
	for _, k := range v.CopiedEnvKeys {
		if slices.Contains(v.OmittedEnvKeys, k) {
			c.addPublic("preview.omitted_env_keys."+k, "preview.omitted_env_keys", "is also in copied_env_keys: a key is copied or omitted, not both")
		}
	}
	v.OverrideEnv = nonNilMap(v.OverrideEnv)
	for _, k := range sortedKeys(v.OverrideEnv) {
		switch {
		case trim(k) == "":
			c.addPublic("preview.override_env", "preview.override_env", "keys must not be blank")
		case trim(k) != k:
			c.addPublic("preview.override_env."+k, "preview.override_env", "keys must not have surrounding spaces")
		case IsSecretShapedKey(k):
			c.addPublic("preview.override_env."+k, "preview.override_env", "is secret-shaped and must be written with launchplane secrets put")
		}
	}
	c.oneOf("preview.data_transport_mode", v.DataTransportMode, previewTransports...)
	if v.DataTransportMode == "none" {
		if v.MigrationCommand != "" {
			c.add("preview.migration_command", "must be empty when data_transport_mode is none")
		}
		if v.SeedCommand != "" {
			c.add("preview.seed_command", "must be empty when data_transport_mode is none")
		}
	}
}

// uniqueKeys trims a key list, reporting blank and repeated values.
func uniqueKeys(c *checker, field string, keys []string) []string {
	out := []string{}
	for i, k := range keys {
		k = trim(k)
		switch {
		case k == "":
			c.add(indexed(field, i, ""), "must not be blank")
		case slices.Contains(out, k):
			c.add(indexed(field, i, ""), "repeats a value: values must be unique")
		default:
			out = append(out, k)
		}
	}
	return out
}

func (w *ProductPromotionWorkflowProfile) validate(c *checker) {
	c.required("promotion_workflow.workflow_id", &w.WorkflowID)
	c.required("promotion_workflow.ref", &w.Ref)
	c.required("promotion_workflow.dry_run_input", &w.DryRunInput)
	c.required("promotion_workflow.bump_input", &w.BumpInput)
	w.DefaultBump = trim(w.DefaultBump)
	c.oneOf("promotion_workflow.default_bump", w.DefaultBump, promotionBumps...)
}

func (e *ProductExpectedConfigProfile) validate(c *checker) {
	e.RuntimeEnvironmentKeys = nonNil(e.RuntimeEnvironmentKeys)
	seenRuntime := map[ProductRuntimeConfigRequirement]int{}
	for i := range e.RuntimeEnvironmentKeys {
		r := &e.RuntimeEnvironmentKeys[i]
		field := indexed("expected_config.runtime_environment_keys", i, "")
		c.required(field+".key", &r.Key)
		r.Context, r.Instance = trim(r.Context), trim(r.Instance)
		if r.Instance != "" && r.Context == "" {
			c.add(field+".context", "is required when instance is set")
		}
		if j, dup := seenRuntime[*r]; dup {
			c.add(field, "repeats runtime_environment_keys[%d]: requirements must be unique", j)
		} else {
			seenRuntime[*r] = i
		}
	}
	e.ManagedSecretBindings = nonNil(e.ManagedSecretBindings)
	seenSecret := map[ProductSecretConfigRequirement]int{}
	for i := range e.ManagedSecretBindings {
		s := &e.ManagedSecretBindings[i]
		field := indexed("expected_config.managed_secret_bindings", i, "")
		c.required(field+".binding_key", &s.BindingKey)
		c.required(field+".integration", &s.Integration)
		s.Context, s.Instance = trim(s.Context), trim(s.Instance)
		if s.Instance != "" && s.Context == "" {
			c.add(field+".context", "is required when instance is set")
		}
		if j, dup := seenSecret[*s]; dup {
			c.add(field, "repeats managed_secret_bindings[%d]: bindings must be unique", j)
		} else {
			seenSecret[*s] = i
		}
	}
}

// Lane returns the profile's lane for instance.
func (p ProductProfile) Lane(instance string) (ProductLaneProfile, bool) {
	for _, l := range p.Lanes {
		if l.Instance == instance {
			return l, true
		}
	}
	return ProductLaneProfile{}, false
}
