package onboarding

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
)

// Manifest defaults (upstream's ProductOnboardingManifest).
const (
	DefaultDriverID    = "generic-web"
	DefaultSourceLabel = "product-onboarding"
	DefaultTargetType  = record.TargetApplication
)

// manifestKind names the manifest in validation errors.
const manifestKind = "product_onboarding manifest"

// Manifest is an operator-approved product onboarding manifest
// (records.md §2.3, service.md §2.5): the profile's fields flattened
// (image_repository), the tracked targets of its stable lanes, non-secret
// runtime environment records and the secret bindings it expects.
type Manifest struct {
	SchemaVersion       int                                    `json:"schema_version"`
	Product             string                                 `json:"product"`
	DisplayName         string                                 `json:"display_name"`
	Repository          string                                 `json:"repository"`
	DriverID            string                                 `json:"driver_id"`
	ImageRepository     string                                 `json:"image_repository"`
	RuntimePort         int                                    `json:"runtime_port"`
	HealthPath          string                                 `json:"health_path"`
	Lanes               []record.ProductLaneProfile            `json:"lanes"`
	HistoricalContexts  []string                               `json:"historical_contexts"`
	Preview             record.ProductPreviewProfile           `json:"preview"`
	PromotionWorkflow   record.ProductPromotionWorkflowProfile `json:"promotion_workflow"`
	ProviderTargets     []TargetManifest                       `json:"provider_targets"`
	RuntimeEnvironments []RuntimeEnvironmentManifest           `json:"runtime_environments"`
	SecretBindings      []SecretBindingManifest                `json:"secret_bindings"`
	ExpectedConfig      record.ProductExpectedConfigProfile    `json:"expected_config"`
	UpdatedAt           string                                 `json:"updated_at"`
	SourceLabel         string                                 `json:"source_label"`
}

// TargetManifest is the tracked Dokploy target of one stable lane, with
// the live target id it is bound to.
type TargetManifest struct {
	Context                   string            `json:"context"`
	Instance                  string            `json:"instance"`
	TargetID                  string            `json:"target_id"`
	ProjectName               string            `json:"project_name"`
	TargetType                string            `json:"target_type"`
	TargetName                string            `json:"target_name"`
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
}

// RuntimeEnvironmentManifest is one runtime-environment record's keys.
// Values are scalars; numbers keep their literal text.
type RuntimeEnvironmentManifest struct {
	Scope    string         `json:"scope"`
	Context  string         `json:"context"`
	Instance string         `json:"instance"`
	Env      map[string]any `json:"env"`
}

// SecretBindingManifest names a managed secret binding the product
// expects, never its value. secret_id and binding_id may be given only as
// the ids Launchplane derives (see secrets.Placeholder); status may only
// be "disabled": a binding becomes configured when its value is written.
type SecretBindingManifest struct {
	BindingKey  string `json:"binding_key"`
	Context     string `json:"context"`
	Instance    string `json:"instance"`
	Integration string `json:"integration"`
	SecretID    string `json:"secret_id"`
	BindingID   string `json:"binding_id"`
	Status      string `json:"status"`
}

// legacyKeys are obsolete manifest shapes, refused with the remedy.
var legacyKeys = map[string]string{
	"dokploy_targets": "is the obsolete onboarding shape; use provider_targets (one entry per tracked lane: context, instance, target_id and the target's fields)",
}

// Decode strictly decodes a manifest: exact keys, no unknown fields, one
// JSON value, defaults applied. Legacy shapes (dokploy_targets) are
// refused by name. Errors are *record.ValidationError with field paths;
// Decode does not validate (Validate and Apply do).
func Decode(data []byte) (Manifest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err == nil {
		var problems []record.FieldProblem
		for key, msg := range legacyKeys {
			if _, ok := top[key]; ok {
				problems = append(problems, record.FieldProblem{Field: key, Message: msg})
			}
		}
		if len(problems) > 0 {
			return Manifest{}, &record.ValidationError{Record: manifestKind, Problems: problems}
		}
	}
	m := Manifest{SchemaVersion: 1, DriverID: DefaultDriverID, SourceLabel: DefaultSourceLabel,
		Preview: record.DefaultPreviewProfile(), PromotionWorkflow: record.DefaultPromotionWorkflow()}
	if err := record.DecodeStrict(manifestKind, data, &m); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// UnmarshalJSON decodes a target over upstream's defaults (an application
// target, origin/main, health checks on).
func (t *TargetManifest) UnmarshalJSON(data []byte) error {
	type plain TargetManifest
	v := plain{TargetType: DefaultTargetType, SourceGitRef: "origin/main", HealthcheckEnabled: true}
	if err := strictInto(data, &v, false); err != nil {
		return err
	}
	*t = TargetManifest(v)
	return nil
}

// UnmarshalJSON keeps numbers as json.Number (their literal text).
func (r *RuntimeEnvironmentManifest) UnmarshalJSON(data []byte) error {
	type plain RuntimeEnvironmentManifest
	var v plain
	if err := strictInto(data, &v, true); err != nil {
		return err
	}
	*r = RuntimeEnvironmentManifest(v)
	return nil
}

// UnmarshalJSON decodes a binding over its defaults (runtime_environment,
// disabled).
func (b *SecretBindingManifest) UnmarshalJSON(data []byte) error {
	type plain SecretBindingManifest
	v := plain{Integration: record.IntegrationRuntimeEnvironment, Status: record.SecretStatusDisabled}
	if err := strictInto(data, &v, false); err != nil {
		return err
	}
	*b = SecretBindingManifest(v)
	return nil
}

func strictInto(data []byte, v any, numbers bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if numbers {
		dec.UseNumber()
	}
	return dec.Decode(v)
}

// contexts is what a manifest owns: the product key itself, its lane
// contexts and its preview context.
func (m *Manifest) ownedContexts() map[string]bool {
	owned := map[string]bool{strings.TrimSpace(m.Product): true}
	for _, l := range m.Lanes {
		if c := strings.TrimSpace(l.Context); c != "" {
			owned[c] = true
		}
	}
	if c := strings.TrimSpace(m.Preview.Context); c != "" {
		owned[c] = true
	}
	return owned
}

func (m *Manifest) laneRoutes() map[[2]string]bool {
	routes := map[[2]string]bool{}
	for _, l := range m.Lanes {
		routes[[2]string{strings.TrimSpace(l.Context), strings.TrimSpace(l.Instance)}] = true
	}
	return routes
}
