package record_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

func validProductProfile() record.ProductProfile {
	testing := record.NewProductLane("testing", "web")
	testing.BaseURL = "https://testing.web.example"
	testing.HealthMonitoring.Checks = []record.ProductLaneHealthCheck{{Name: "public-ingress", Kind: record.HealthCheckPublicHTTP, Enabled: true}}
	prod := record.NewProductLane("prod", "web")
	prod.HealthURL = "https://web.example/healthz"
	return record.ProductProfile{
		SchemaVersion: 1, Product: "web", DisplayName: "Web", Repository: "acme/web", DriverID: "generic-web",
		Image: record.ProductImageProfile{Repository: "ghcr.io/acme/web"}, RuntimePort: 8080, HealthPath: "/healthz",
		Lanes: []record.ProductLaneProfile{testing, prod}, HistoricalContexts: []string{},
		Preview: record.DefaultPreviewProfile(), PromotionWorkflow: record.DefaultPromotionWorkflow(),
		UpdatedAt: "2026-04-16T08:00:00Z", Source: "test",
	}
}

func TestProductProfileValidation(t *testing.T) {
	type P = record.ProductProfile
	check := func(p *P) *record.ProductLaneHealthCheck { return &p.Lanes[0].HealthMonitoring.Checks[0] }
	const c0 = "lanes[0].health_monitoring.checks[0]"
	tests := []struct {
		name       string
		edit       func(*P)
		wantFields []string
	}{
		{"valid", func(*P) {}, nil},
		{"schema version", func(p *P) { p.SchemaVersion = 0 }, []string{"schema_version"}},
		{"blank product", func(p *P) { p.Product = " " }, []string{"product"}},
		{"product with slash", func(p *P) { p.Product = "a/b" }, []string{"product"}},
		{"blank display name", func(p *P) { p.DisplayName = "" }, []string{"display_name"}},
		{"blank repository", func(p *P) { p.Repository = "" }, []string{"repository"}},
		{"repository shape", func(p *P) { p.Repository = "acme" }, []string{"repository"}},
		{"repository too deep", func(p *P) { p.Repository = "acme/web/x" }, []string{"repository"}},
		{"blank driver", func(p *P) { p.DriverID = "" }, []string{"driver_id"}},
		{"port too high", func(p *P) { p.RuntimePort = 65536 }, []string{"runtime_port"}},
		{"port negative", func(p *P) { p.RuntimePort = -1 }, []string{"runtime_port"}},
		{"health path without slash", func(p *P) { p.HealthPath = "healthz" }, []string{"health_path"}},
		{"port 0 forbids health path", func(p *P) { p.RuntimePort = 0 }, []string{"health_path"}},
		{"port 0 without health path", func(p *P) { p.RuntimePort, p.HealthPath = 0, "" }, nil},
		{"port requires health path", func(p *P) { p.HealthPath = "" }, []string{"health_path"}},
		{"lane instance", func(p *P) { p.Lanes[0].Instance = " " }, []string{"lanes[0].instance"}},
		{"lane context", func(p *P) { p.Lanes[1].Context = "" }, []string{"lanes[1].context"}},
		{"duplicate lane instance", func(p *P) { p.Lanes[1].Instance = "testing" }, []string{"lanes[1].instance"}},
		{"lane base url", func(p *P) { p.Lanes[0].BaseURL = "testing.web.example" }, []string{"lanes[0].base_url"}},
		{"lane health url", func(p *P) { p.Lanes[1].HealthURL = "ftp://x" }, []string{"lanes[1].health_url"}},
		{"historical blank", func(p *P) { p.HistoricalContexts = []string{"old", " "} }, []string{"historical_contexts[1]"}},

		// Odoo lane policies.
		{"bootstrap enabled needs proofs", func(p *P) { p.Lanes[0].OdooStableBootstrap.Enabled = true }, []string{
			"lanes[0].odoo_stable_bootstrap.approval_issue_url", "lanes[0].odoo_stable_bootstrap.confirmation",
			"lanes[0].odoo_stable_bootstrap.expected_target_name", "lanes[0].odoo_stable_bootstrap.expected_domains"}},
		{"bootstrap mode", func(p *P) { p.Lanes[0].OdooStableBootstrap.DataSourceMode = "upstream_restore" }, []string{"lanes[0].odoo_stable_bootstrap.data_source_mode"}},
		{"bootstrap blank domain", func(p *P) { p.Lanes[0].OdooStableBootstrap.ExpectedDomains = []string{"https:///"} }, []string{"lanes[0].odoo_stable_bootstrap.expected_domains[0]"}},
		{"rebuild enabled needs proofs", func(p *P) {
			r := &p.Lanes[1].OdooPrelaunchRebuild
			r.Enabled, r.ApprovalIssueURL, r.Confirmation, r.ExpectedTargetName = true, "https://github.com/acme/web/issues/1", "rebuild", "web-prod"
		}, []string{"lanes[1].odoo_prelaunch_rebuild.expected_domains"}},
		{"rebuild mode", func(p *P) { p.Lanes[1].OdooPrelaunchRebuild.DataSourceMode = "clone" }, []string{"lanes[1].odoo_prelaunch_rebuild.data_source_mode"}},
		{"unknown authority allows no sources", func(p *P) {
			p.Lanes[0].OdooDataPolicy.AllowedRebuildSources = []string{"empty"}
		}, []string{"lanes[0].odoo_data_policy.allowed_rebuild_sources"}},
		{"upstream restore needs source", func(p *P) {
			d := &p.Lanes[0].OdooDataPolicy
			d.DataAuthority, d.AllowedRebuildSources = "resettable", []string{"upstream_restore"}
		}, []string{"lanes[0].odoo_data_policy.upstream_source"}},
		{"bad rebuild source", func(p *P) {
			d := &p.Lanes[0].OdooDataPolicy
			d.DataAuthority, d.AllowedRebuildSources = "resettable", []string{"tape"}
		}, []string{"lanes[0].odoo_data_policy.allowed_rebuild_sources[0]"}},
		{"authority enum", func(p *P) { p.Lanes[0].OdooDataPolicy.DataAuthority = "maybe" }, []string{"lanes[0].odoo_data_policy.data_authority"}},
		{"authoritative needs backup and restore proof", func(p *P) {
			d := &p.Lanes[1].OdooDataPolicy
			d.DataAuthority, d.RequiresBackupBeforeDestroy, d.RequiresRestoreProof = "authoritative", false, false
		}, []string{"lanes[1].odoo_data_policy.requires_backup_before_destroy", "lanes[1].odoo_data_policy.requires_restore_proof"}},
		{"resettable may skip proofs", func(p *P) {
			d := &p.Lanes[1].OdooDataPolicy
			d.DataAuthority, d.RequiresBackupBeforeDestroy, d.RequiresRestoreProof = "resettable", false, false
		}, nil},

		// Health checks.
		{"check name needs alphanumeric", func(p *P) { check(p).Name = "--" }, []string{c0 + ".name"}},
		{"check kind", func(p *P) { check(p).Kind = "tcp" }, []string{c0 + ".kind"}},
		{"private check with url", func(p *P) {
			*check(p) = record.ProductLaneHealthCheck{Name: "private", Kind: record.HealthCheckPrivateHTTP, Enabled: true, URL: "https://x.example", PrivateEndpointKey: "web-testing"}
		}, []string{c0 + ".url"}},
		{"http check with provider fields", func(p *P) { check(p).Provider, check(p).ProviderCheck = "dokploy", "app" }, []string{c0 + ".provider", c0 + ".provider_check"}},
		{"public check with private key", func(p *P) { check(p).PrivateEndpointKey = "k" }, []string{c0 + ".private_endpoint_key"}},
		{"provider check needs provider fields", func(p *P) {
			*check(p) = record.ProductLaneHealthCheck{Name: "provider", Kind: record.HealthCheckProvider, Enabled: true}
		}, []string{c0 + ".provider", c0 + ".provider_check"}},
		{"provider check with url and key", func(p *P) {
			*check(p) = record.ProductLaneHealthCheck{Name: "provider", Kind: record.HealthCheckProvider, Enabled: true,
				URL: "https://x.example", PrivateEndpointKey: "k", Provider: "dokploy", ProviderCheck: "app"}
		}, []string{c0 + ".url", c0 + ".private_endpoint_key"}},
		{"reserved name on private check", func(p *P) {
			*check(p) = record.ProductLaneHealthCheck{Name: "Public Ingress", Kind: record.HealthCheckPrivateHTTP, Enabled: true, PrivateEndpointKey: "k"}
		}, []string{c0 + ".name"}},
		{"duplicate canonical names", func(p *P) {
			p.Lanes[0].HealthMonitoring.Checks = append(p.Lanes[0].HealthMonitoring.Checks,
				record.ProductLaneHealthCheck{Name: "", Kind: record.HealthCheckPublicHTTP, Enabled: true},
				record.ProductLaneHealthCheck{Name: "API check", Kind: record.HealthCheckPublicHTTP, Enabled: true},
				record.ProductLaneHealthCheck{Name: "api_check", Kind: record.HealthCheckPublicHTTP, Enabled: true})
		}, []string{"lanes[0].health_monitoring.checks[1].name", "lanes[0].health_monitoring.checks[1].name", "lanes[0].health_monitoring.checks[3].name"}},
		{"same name on two lanes", func(p *P) {
			p.Lanes[1].HealthMonitoring.Checks = []record.ProductLaneHealthCheck{{Name: "public-ingress", Kind: record.HealthCheckPublicHTTP, Enabled: true}}
		}, nil},

		// Preview.
		{"preview enabled needs context", func(p *P) { p.Preview.Enabled = true }, []string{"preview.context"}},
		{"preview slug needs number", func(p *P) {
			p.Preview.Enabled, p.Preview.Context, p.Preview.SlugTemplate = true, "web-preview", "pr"
		}, []string{"preview.slug_template"}},
		{"preview template instance", func(p *P) {
			p.Preview.Enabled, p.Preview.Context, p.Preview.TemplateInstance = true, "web-preview", " "
		}, []string{"preview.template_instance"}},
		{"preview needs image port and path", func(p *P) {
			p.Preview.Enabled, p.Preview.Context, p.Image.Repository, p.RuntimePort, p.HealthPath = true, "web-preview", "", 0, ""
		}, []string{"image.repository", "runtime_port"}},
		{"preview blank key", func(p *P) { p.Preview.CopiedEnvKeys = []string{"A", " "} }, []string{"preview.copied_env_keys[1]"}},
		{"preview repeated key", func(p *P) { p.Preview.PreviewURLEnvKeys = []string{"URL", " URL"} }, []string{"preview.preview_url_env_keys[1]"}},
		{"preview copied and omitted", func(p *P) { p.Preview.CopiedEnvKeys, p.Preview.OmittedEnvKeys = []string{"A"}, []string{"A"} }, []string{"preview.omitted_env_keys.A"}},
		{"preview mode none forbids commands", func(p *P) { p.Preview.MigrationCommand, p.Preview.SeedCommand = "migrate", "seed" }, []string{"preview.migration_command", "preview.seed_command"}},
		{"preview mode", func(p *P) { p.Preview.DataTransportMode = "rsync" }, []string{"preview.data_transport_mode"}},
		{"preview migrate seed", func(p *P) { p.Preview.DataTransportMode, p.Preview.MigrationCommand = "migrate_seed", "migrate" }, nil},
		{"preview secret-shaped override", func(p *P) { p.Preview.OverrideEnv = map[string]string{"API_TOKEN": "x"} }, []string{"preview.override_env.API_TOKEN"}},
		{"preview blank override key", func(p *P) { p.Preview.OverrideEnv = map[string]string{" ": "x"} }, []string{"preview.override_env"}},

		// Promotion workflow.
		{"workflow id", func(p *P) { p.PromotionWorkflow.WorkflowID = "" }, []string{"promotion_workflow.workflow_id"}},
		{"workflow ref", func(p *P) { p.PromotionWorkflow.Ref = " " }, []string{"promotion_workflow.ref"}},
		{"workflow inputs", func(p *P) { p.PromotionWorkflow.DryRunInput, p.PromotionWorkflow.BumpInput = "", "" }, []string{"promotion_workflow.dry_run_input", "promotion_workflow.bump_input"}},
		{"workflow bump", func(p *P) { p.PromotionWorkflow.DefaultBump = "huge" }, []string{"promotion_workflow.default_bump"}},

		// Expected config.
		{"expected key blank", func(p *P) {
			p.ExpectedConfig.RuntimeEnvironmentKeys = []record.ProductRuntimeConfigRequirement{{Key: " "}}
		}, []string{"expected_config.runtime_environment_keys[0].key"}},
		{"expected instance needs context", func(p *P) {
			p.ExpectedConfig.RuntimeEnvironmentKeys = []record.ProductRuntimeConfigRequirement{{Key: "A", Instance: "prod"}}
		}, []string{"expected_config.runtime_environment_keys[0].context"}},
		{"expected key repeated", func(p *P) {
			p.ExpectedConfig.RuntimeEnvironmentKeys = []record.ProductRuntimeConfigRequirement{{Key: "A", Context: "web"}, {Key: "A", Context: " web"}}
		}, []string{"expected_config.runtime_environment_keys[1]"}},
		{"same key other scope", func(p *P) {
			p.ExpectedConfig.RuntimeEnvironmentKeys = []record.ProductRuntimeConfigRequirement{{Key: "A", Context: "web"}, {Key: "A"}}
		}, nil},
		{"binding blank", func(p *P) {
			p.ExpectedConfig.ManagedSecretBindings = []record.ProductSecretConfigRequirement{{BindingKey: "", Integration: ""}}
		}, []string{"expected_config.managed_secret_bindings[0].binding_key", "expected_config.managed_secret_bindings[0].integration"}},
		{"binding instance needs context", func(p *P) {
			p.ExpectedConfig.ManagedSecretBindings = []record.ProductSecretConfigRequirement{{BindingKey: "DB_PASSWORD", Integration: "runtime_environment", Instance: "prod"}}
		}, []string{"expected_config.managed_secret_bindings[0].context"}},
		{"binding repeated", func(p *P) {
			b := record.ProductSecretConfigRequirement{BindingKey: "DB_PASSWORD", Integration: "runtime_environment", Context: "web"}
			p.ExpectedConfig.ManagedSecretBindings = []record.ProductSecretConfigRequirement{b, b}
		}, []string{"expected_config.managed_secret_bindings[1]"}},

		{"updated at", func(p *P) { p.UpdatedAt = "yesterday" }, []string{"updated_at"}},
		{"source", func(p *P) { p.Source = "" }, []string{"source"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProductProfile()
			tc.edit(&p)
			if diff := cmp.Diff(tc.wantFields, problemFields(p.Validate())); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProductProfileWriteContract(t *testing.T) {
	type P = record.ProductProfile
	const c0 = "lanes[0].health_monitoring.checks[0]"
	tests := []struct {
		name       string
		edit       func(*P)
		wantFields []string
	}{
		{"base url plus health path", func(*P) {}, nil},
		{"own url", func(p *P) {
			p.Lanes[0].BaseURL, p.Lanes[0].HealthMonitoring.Checks[0].URL = "", "https://testing.web.example/up"
		}, nil},
		{"lane health url", func(p *P) { p.Lanes[0].BaseURL, p.Lanes[0].HealthURL = "", "https://testing.web.example/up" }, nil},
		{"no url at all", func(p *P) { p.Lanes[0].BaseURL = "" }, []string{c0 + ".url"}},
		{"base url without health path", func(p *P) { p.RuntimePort, p.HealthPath = 0, "" }, []string{"health_path"}},
		{"disabled check is inert", func(p *P) {
			p.Lanes[0].BaseURL, p.Lanes[0].HealthMonitoring.Checks[0].Enabled = "", false
		}, nil},
		{"private check needs key", func(p *P) {
			p.Lanes[0].HealthMonitoring.Checks[0] = record.ProductLaneHealthCheck{Name: "private", Kind: record.HealthCheckPrivateHTTP, Enabled: true}
		}, []string{c0 + ".private_endpoint_key"}},
		{"provider check passes the write contract", func(p *P) {
			p.Lanes[0].HealthMonitoring.Checks[0] = record.ProductLaneHealthCheck{Name: "provider", Kind: record.HealthCheckProvider, Enabled: true, Provider: "dokploy", ProviderCheck: "app"}
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProductProfile()
			tc.edit(&p)
			if err := p.Validate(); err != nil {
				t.Fatalf("record invalid before the write contract: %v", err)
			}
			if diff := cmp.Diff(tc.wantFields, problemFields(p.ValidateWriteContract())); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProductProfileDecodeDefaults: absent fields take upstream's defaults,
// nested lanes and checks included, and normalization is applied.
func TestProductProfileDecodeDefaults(t *testing.T) {
	p, err := record.DecodeProductProfile([]byte(`{
		"product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
		"lanes": [{"instance": "prod", "context": "web", "base_url": "https://web.example",
			"odoo_stable_bootstrap": {"confirmation": "  Reset WEB ", "expected_domains": ["HTTPS://Web.Example/", "web.example", " http://b.example "]},
			"health_monitoring": {"checks": [{"name": "public-ingress"}]}}],
		"historical_contexts": ["old", " old ", "older"],
		"expected_config": {"managed_secret_bindings": [{"binding_key": "DB_PASSWORD", "context": "web"}]},
		"preview": {"enable_label": " "},
		"updated_at": "2026-04-16T08:00:00Z", "source": "test"}`))
	if err != nil {
		t.Fatal(err)
	}
	lane := record.NewProductLane("prod", "web")
	lane.BaseURL = "https://web.example"
	lane.OdooStableBootstrap.Confirmation = "reset web"
	lane.OdooStableBootstrap.ExpectedDomains = []string{"web.example", "b.example"}
	lane.OdooPrelaunchRebuild.ExpectedDomains = []string{}
	lane.OdooDataPolicy.AllowedRebuildSources = []string{}
	lane.HealthMonitoring.Checks = []record.ProductLaneHealthCheck{{Name: "public-ingress", Kind: record.HealthCheckPublicHTTP, Enabled: true}}
	preview := record.DefaultPreviewProfile()
	preview.RequiredTemplateEnvKeys, preview.CopiedEnvKeys, preview.OmittedEnvKeys = []string{}, []string{}, []string{}
	preview.PreviewURLEnvKeys, preview.PreviewDomainEnvKeys, preview.RequiredProviderFields = []string{}, []string{}, []string{}
	preview.OverrideEnv = map[string]string{}
	want := record.ProductProfile{
		SchemaVersion: 1, Product: "web", DisplayName: "Web", Repository: "acme/web", DriverID: "generic-web",
		Lanes: []record.ProductLaneProfile{lane}, HistoricalContexts: []string{"old", "older"},
		Preview: preview, PromotionWorkflow: record.DefaultPromotionWorkflow(),
		ExpectedConfig: record.ProductExpectedConfigProfile{
			RuntimeEnvironmentKeys: []record.ProductRuntimeConfigRequirement{},
			ManagedSecretBindings:  []record.ProductSecretConfigRequirement{{BindingKey: "DB_PASSWORD", Integration: "runtime_environment", Context: "web"}},
		},
		UpdatedAt: "2026-04-16T08:00:00Z", Source: "test",
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("decoded profile (-want +got):\n%s", diff)
	}
	// A stored profile decodes back to itself.
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := record.DecodeStored[record.ProductProfile](raw)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, again); diff != "" {
		t.Errorf("stored round trip (-want +got):\n%s", diff)
	}
}

func TestProductProfileDecodeRefusesUnknownAndNull(t *testing.T) {
	base := `"product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web", "updated_at": "2026-04-16T08:00:00Z", "source": "t"`
	tests := []struct{ name, body, want string }{
		{"unknown top-level", `{` + base + `, "colour": "red"}`, "colour: is not a known field"},
		{"unknown lane field", `{` + base + `, "lanes": [{"instance": "prod", "context": "web", "colour": 1}]}`, "lanes[0].colour: is not a known field"},
		{"unknown check field", `{` + base + `, "lanes": [{"instance": "prod", "context": "web", "health_monitoring": {"checks": [{"name": "x", "colour": 1}]}}]}`, "checks[0].colour: is not a known field"},
		{"null preview", `{` + base + `, "preview": null}`, "preview: must not be null"},
		{"wrong type in lane", `{` + base + `, "lanes": [{"instance": 3, "context": "web"}]}`, "instance: must be a JSON string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := record.DecodeProductProfile([]byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestHealthCheckTokens(t *testing.T) {
	for name, want := range map[string][2]string{
		"Public Ingress": {"public-ingress", ""},
		" API_check! ":   {"api-check", "api-check"},
		"--":             {"", ""},
		"Ünïcode 1":      {"ünïcode-1", "ünïcode-1"},
	} {
		if got := [2]string{record.HealthCheckToken(name), record.CanonicalHealthCheckToken(name)}; got != want {
			t.Errorf("%q: got %q, want %q", name, got, want)
		}
	}
}
