package record

import (
	"maps"
	"slices"
	"strings"
)

// Tracked lanes: only the stable lanes have long-lived provider targets;
// pull requests get preview records instead.
const (
	LaneTesting = "testing"
	LaneProd    = "prod"
)

// TrackedLanes lists the instances a Dokploy target may be tracked for.
var TrackedLanes = []string{LaneTesting, LaneProd}

// ProviderDokploy is the provider id of Dokploy targets.
const ProviderDokploy = "dokploy"

// Provider-target categories (records.md §2.2).
var targetCategories = []string{"application", "compose", "container", "service", "static", "unknown"}

// DokployTarget is the route metadata of one tracked Dokploy target: where it
// lives and how it is deployed and health-checked. The live identity (the
// Dokploy id) is the sibling DokployTargetID record, so each can change
// without the other.
type DokployTarget struct {
	SchemaVersion             int               `json:"schema_version"`
	Context                   string            `json:"context"`
	Instance                  string            `json:"instance"`
	ProjectName               string            `json:"project_name"`
	TargetType                string            `json:"target_type"`
	TargetName                string            `json:"target_name"`
	GitBranch                 string            `json:"git_branch"`
	SourceGitRef              string            `json:"source_git_ref"`
	SourceType                string            `json:"source_type"`
	CustomGitURL              string            `json:"custom_git_url"`
	CustomGitBranch           string            `json:"custom_git_branch"`
	ComposePath               string            `json:"compose_path"`
	WatchPaths                []string          `json:"watch_paths"`
	EnableSubmodules          *bool             `json:"enable_submodules"`
	RequireTestGate           bool              `json:"require_test_gate"`
	RequireProdGate           bool              `json:"require_prod_gate"`
	DeployTimeoutSeconds      *int              `json:"deploy_timeout_seconds"`
	HealthcheckEnabled        bool              `json:"healthcheck_enabled"`
	HealthcheckPath           string            `json:"healthcheck_path"`
	HealthcheckTimeoutSeconds *int              `json:"healthcheck_timeout_seconds"`
	Env                       map[string]string `json:"env"`
	Domains                   []string          `json:"domains"`
	Policies                  TargetPolicies    `json:"policies"`
	UpdatedAt                 string            `json:"updated_at"`
	SourceLabel               string            `json:"source_label"`
}

// TargetPolicies holds per-target policy data.
type TargetPolicies struct {
	Shopify ShopifyPolicy `json:"shopify"`
}

// ShopifyPolicy lists the Shopify store keys a target must never write to.
type ShopifyPolicy struct {
	ProtectedStoreKeys []string `json:"protected_store_keys"`
}

// DecodeDokployTarget strictly decodes and validates a Dokploy target record.
func DecodeDokployTarget(data []byte) (DokployTarget, error) {
	return decode[DokployTarget](data, true)
}

func (*DokployTarget) kind() string { return "dokploy_target" }

func (t *DokployTarget) setDefaults() {
	*t = DokployTarget{
		SchemaVersion:      1,
		TargetType:         TargetCompose,
		SourceGitRef:       "origin/main",
		HealthcheckEnabled: true,
		HealthcheckPath:    "/web/health",
	}
}

// Validate normalizes t in place and checks every invariant.
func (t *DokployTarget) Validate() error {
	c := newChecker("dokploy_target")
	c.schemaVersion("schema_version", t.SchemaVersion)
	checkTrackedRoute(c, &t.Context, &t.Instance)
	t.ProjectName = trim(t.ProjectName)
	c.oneOf("target_type", t.TargetType, TargetCompose, TargetApplication)
	for _, s := range []*string{&t.TargetName, &t.GitBranch, &t.SourceType, &t.CustomGitURL, &t.CustomGitBranch, &t.ComposePath, &t.SourceLabel} {
		*s = trim(*s)
	}
	c.required("source_git_ref", &t.SourceGitRef)
	t.WatchPaths = nonNil(t.WatchPaths)
	positive(c, "deploy_timeout_seconds", t.DeployTimeoutSeconds)
	positive(c, "healthcheck_timeout_seconds", t.HealthcheckTimeoutSeconds)
	t.HealthcheckPath = trim(t.HealthcheckPath)
	if t.HealthcheckPath != "" && !strings.HasPrefix(t.HealthcheckPath, "/") {
		c.add("healthcheck_path", "must start with / (got %q)", t.HealthcheckPath)
	}
	t.Env = nonNilMap(t.Env)
	c.stringMap("env", t.Env)
	t.Domains = nonNil(t.Domains)
	for i, d := range t.Domains {
		if t.Domains[i] = trim(d); t.Domains[i] == "" {
			c.add(indexed("domains", i, ""), "must not be blank")
		}
	}
	t.Policies.Shopify.ProtectedStoreKeys = NormalizeStoreKeys(t.Policies.Shopify.ProtectedStoreKeys)
	c.timestamp("updated_at", &t.UpdatedAt, true)
	return c.err()
}

// NormalizeStoreKeys trims keys, drops blanks and duplicates, and keeps the
// first-seen order.
func NormalizeStoreKeys(keys []string) []string {
	out := []string{}
	for _, k := range keys {
		if k = trim(k); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// DokployTargetID binds a tracked route to the live Dokploy id of its
// application or compose stack.
type DokployTargetID struct {
	SchemaVersion int    `json:"schema_version"`
	Context       string `json:"context"`
	Instance      string `json:"instance"`
	TargetID      string `json:"target_id"`
	UpdatedAt     string `json:"updated_at"`
	SourceLabel   string `json:"source_label"`
}

// DecodeDokployTargetID strictly decodes and validates a target-id record.
func DecodeDokployTargetID(data []byte) (DokployTargetID, error) {
	return decode[DokployTargetID](data, true)
}

func (*DokployTargetID) kind() string { return "dokploy_target_id" }

func (t *DokployTargetID) setDefaults() { *t = DokployTargetID{SchemaVersion: 1} }

// Validate normalizes t in place and checks every invariant: every string is
// required.
func (t *DokployTargetID) Validate() error {
	c := newChecker("dokploy_target_id")
	c.schemaVersion("schema_version", t.SchemaVersion)
	checkTrackedRoute(c, &t.Context, &t.Instance)
	c.required("target_id", &t.TargetID)
	c.timestamp("updated_at", &t.UpdatedAt, true)
	c.required("source_label", &t.SourceLabel)
	return c.err()
}

// ProviderTarget is the provider-neutral target authority of a route: the
// explicit row reads trust. It is never synthesized from Dokploy records on
// read; backfill creates it and target mutations keep it in step.
type ProviderTarget struct {
	SchemaVersion      int               `json:"schema_version"`
	Context            string            `json:"context"`
	Instance           string            `json:"instance"`
	ProviderID         string            `json:"provider_id"`
	TargetCategory     string            `json:"target_category"`
	TargetID           string            `json:"target_id"`
	DisplayName        string            `json:"display_name"`
	ProviderTargetType string            `json:"provider_target_type"`
	ProviderEvidence   map[string]string `json:"provider_evidence"`
	UpdatedAt          string            `json:"updated_at"`
	SourceLabel        string            `json:"source_label"`
}

// DecodeProviderTarget strictly decodes and validates a provider-target record.
func DecodeProviderTarget(data []byte) (ProviderTarget, error) {
	return decode[ProviderTarget](data, true)
}

func (*ProviderTarget) kind() string { return "provider_target" }

func (p *ProviderTarget) setDefaults() { *p = ProviderTarget{SchemaVersion: 1} }

// Validate normalizes p in place (lower-cased provider id and type) and
// checks every invariant.
func (p *ProviderTarget) Validate() error {
	c := newChecker("provider_target")
	c.schemaVersion("schema_version", p.SchemaVersion)
	c.required("context", &p.Context)
	c.required("instance", &p.Instance)
	c.required("provider_id", &p.ProviderID)
	p.ProviderID = strings.ToLower(p.ProviderID)
	c.oneOf("target_category", p.TargetCategory, targetCategories...)
	c.required("target_id", &p.TargetID)
	c.required("display_name", &p.DisplayName)
	c.required("provider_target_type", &p.ProviderTargetType)
	p.ProviderTargetType = strings.ToLower(p.ProviderTargetType)
	p.ProviderEvidence = nonNilMap(p.ProviderEvidence)
	c.stringMap("provider_evidence", p.ProviderEvidence)
	c.timestamp("updated_at", &p.UpdatedAt, true)
	p.SourceLabel = trim(p.SourceLabel)
	return c.err()
}

// SameTarget reports whether p and q describe the same target, ignoring
// updated_at and source_label (backfill and dual-write compare this way).
func (p ProviderTarget) SameTarget(q ProviderTarget) bool {
	p.UpdatedAt, p.SourceLabel, q.UpdatedAt, q.SourceLabel = "", "", "", ""
	return p.SchemaVersion == q.SchemaVersion && p.Context == q.Context && p.Instance == q.Instance &&
		p.ProviderID == q.ProviderID && p.TargetCategory == q.TargetCategory && p.TargetID == q.TargetID &&
		p.DisplayName == q.DisplayName && p.ProviderTargetType == q.ProviderTargetType &&
		maps.Equal(p.ProviderEvidence, q.ProviderEvidence)
}

// ProjectProviderTarget derives the provider-target row a Dokploy target and
// its target-id record imply (records.md §2.2). ok is false when the two
// records are for different routes.
func ProjectProviderTarget(t DokployTarget, id DokployTargetID) (ProviderTarget, bool) {
	if t.Context != id.Context || t.Instance != id.Instance {
		return ProviderTarget{}, false
	}
	p := ProviderTarget{
		SchemaVersion:      1,
		Context:            t.Context,
		Instance:           t.Instance,
		ProviderID:         ProviderDokploy,
		TargetCategory:     t.TargetType,
		TargetID:           id.TargetID,
		DisplayName:        t.TargetName,
		ProviderTargetType: t.TargetType,
		ProviderEvidence:   map[string]string{},
		UpdatedAt:          laterTime(t.UpdatedAt, id.UpdatedAt),
		SourceLabel:        t.SourceLabel,
	}
	if p.DisplayName == "" {
		p.DisplayName = t.Instance
	}
	if t.ProjectName != "" {
		p.ProviderEvidence["project_name"] = t.ProjectName
	}
	if p.SourceLabel == "" {
		p.SourceLabel = id.SourceLabel
	}
	return p, true
}

// laterTime returns the later of two RFC 3339 timestamps (a when equal or
// unparseable).
func laterTime(a, b string) string {
	ta, errA := ParseTime(a)
	tb, errB := ParseTime(b)
	if errA == nil && errB == nil && tb.After(ta) {
		return b
	}
	return a
}

// checkTrackedRoute requires a context and one of the tracked lanes.
func checkTrackedRoute(c *checker, context, instance *string) {
	c.required("context", context)
	*instance = trim(*instance)
	c.oneOf("instance", *instance, TrackedLanes...)
}

func positive(c *checker, field string, v *int) {
	if v != nil && *v < 1 {
		c.add(field, "must be at least 1 or null (got %d)", *v)
	}
}
