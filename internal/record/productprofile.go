package record

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// UnmarshalJSON decodes a binding over its default integration (list
// elements would otherwise lose their defaults; see the lane decoder).
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
