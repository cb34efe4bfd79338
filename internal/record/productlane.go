package record

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
)

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
