// Package driver describes Launchplane's product drivers: what each driver
// can do (descriptors), the static registry of the built-in drivers, the
// router table that maps every driver route to its action and authz action,
// and the compatibility rule between a product profile's driver and a
// route's driver (service.md §5.1, §4.5).
//
// Descriptors are the single source of truth for driver routes: the API
// mounts exactly the routes the registry describes and authorizes each with
// the authz action its descriptor names, so there is no second allowlist.
// The package knows nothing about HTTP; handlers receive a Call and return
// an Outcome or an error, and the API maps the errors to responses.
package driver

import (
	"fmt"
	"slices"
	"strings"
)

// SchemaVersion is the descriptor schema version.
const SchemaVersion = 1

// RoutePrefix is the path prefix of every driver route. Routes under it
// must name an authz action.
const RoutePrefix = "/v1/drivers/"

// Safety says how much an action can change (service.md §5.1).
type Safety string

// Action safety levels, coarse on purpose: the UI renders destructive
// actions distinctly and read-only humans may only use read and safe_write.
const (
	SafetyRead        Safety = "read"
	SafetySafeWrite   Safety = "safe_write"
	SafetyMutation    Safety = "mutation"
	SafetyDestructive Safety = "destructive"
)

// Scope says what an action or setting group applies to.
type Scope string

// Scopes.
const (
	ScopeGlobal   Scope = "global"
	ScopeContext  Scope = "context"
	ScopeInstance Scope = "instance"
	ScopePreview  Scope = "preview"
)

// Panel is a read-model panel a capability asks the UI to show.
type Panel string

// Panels (service.md §5.1).
const (
	PanelSummary            Panel = "summary"
	PanelLaneHealth         Panel = "lane_health"
	PanelArtifactEvidence   Panel = "artifact_evidence"
	PanelDeploymentEvidence Panel = "deployment_evidence"
	PanelPromotionEvidence  Panel = "promotion_evidence"
	PanelBackupEvidence     Panel = "backup_evidence"
	PanelPreviewInventory   Panel = "preview_inventory"
	PanelSettings           Panel = "settings"
	PanelSecretBindings     Panel = "secret_bindings"
	PanelAudit              Panel = "audit"
)

var (
	safeties = []Safety{SafetyRead, SafetySafeWrite, SafetyMutation, SafetyDestructive}
	scopes   = []Scope{ScopeGlobal, ScopeContext, ScopeInstance, ScopePreview}
	panels   = []Panel{PanelSummary, PanelLaneHealth, PanelArtifactEvidence, PanelDeploymentEvidence,
		PanelPromotionEvidence, PanelBackupEvidence, PanelPreviewInventory, PanelSettings, PanelSecretBindings, PanelAudit}
)

// Descriptor is one driver's static metadata: what it is, which contexts it
// serves without a product profile, its capabilities, its actions (each a
// route) and the settings its actions read.
type Descriptor struct {
	SchemaVersion int    `json:"schema_version"`
	DriverID      string `json:"driver_id"`
	// BaseDriverID names the driver this one extends; its actions are
	// inherited (an own action with the same id wins) and a profile of this
	// driver may use the base driver's routes.
	BaseDriverID string `json:"base_driver_id"`
	Label        string `json:"label"`
	Product      string `json:"product"`
	Description  string `json:"description"`
	// ContextPatterns are shell globs of contexts this driver serves even
	// when no product profile names them.
	ContextPatterns []string `json:"context_patterns"`
	// ProviderBoundary says, in provider-neutral words, where runtime
	// provider details live.
	ProviderBoundary string                   `json:"provider_boundary"`
	Capabilities     []CapabilityDescriptor   `json:"capabilities"`
	Actions          []ActionDescriptor       `json:"actions"`
	RouteAliases     []RouteAliasDescriptor   `json:"route_aliases"`
	SettingGroups    []SettingGroupDescriptor `json:"setting_groups"`
}

// CapabilityDescriptor groups actions and the panels that show their evidence.
type CapabilityDescriptor struct {
	CapabilityID string   `json:"capability_id"`
	Label        string   `json:"label"`
	Description  string   `json:"description"`
	Actions      []string `json:"actions"`
	Panels       []Panel  `json:"panels"`
}

// ActionDescriptor is one thing a driver can do, and the route that does it.
type ActionDescriptor struct {
	ActionID    string `json:"action_id"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Safety      Safety `json:"safety"`
	Scope       Scope  `json:"scope"`
	Method      string `json:"method"`
	RoutePath   string `json:"route_path"`
	// AuthzAction is the policy action the route is authorized with.
	AuthzAction string `json:"authz_action"`
	// OperatorVisible is false for machine-only routes (evidence callbacks
	// from product workflows) that the UI should not offer.
	OperatorVisible bool            `json:"operator_visible"`
	InputSchema     BodyDescription `json:"input_schema"`
	OutputSchema    BodyDescription `json:"output_schema"`
	WritesRecords   []string        `json:"writes_records"`
}

// BodyDescription is a short description of a request or result body.
type BodyDescription struct {
	Description string `json:"description"`
}

// RouteAliasDescriptor is an extra, non-operator compatibility path for an action.
type RouteAliasDescriptor struct {
	ActionID    string `json:"action_id"`
	Method      string `json:"method"`
	RoutePath   string `json:"route_path"`
	AuthzAction string `json:"authz_action"`
}

// SettingGroupDescriptor names settings (never values) that a driver's actions read.
type SettingGroupDescriptor struct {
	GroupID        string   `json:"group_id"`
	Label          string   `json:"label"`
	Description    string   `json:"description"`
	Scope          Scope    `json:"scope"`
	Fields         []string `json:"fields"`
	SecretBindings []string `json:"secret_bindings"`
}

// Validate checks one descriptor on its own: required fields, known
// enums, unique ids, and capability references to its own actions.
// References to inherited actions are checked by the registry.
func (d Descriptor) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// entry checks what actions, capabilities and setting groups share: a
	// unique snake_case id, a label and a description.
	entry := func(where, field, id string, seen map[string]bool, label, description string) {
		if !validActionID(id) {
			bad("%s.%s must be lowercase letters, digits and '_'", where, field)
		} else if seen[id] {
			bad("%s.%s %s is duplicated", where, field, id)
		}
		seen[id] = true
		if strings.TrimSpace(label) == "" || strings.TrimSpace(description) == "" {
			bad("%s needs a label and a description", where)
		}
	}
	if d.SchemaVersion != SchemaVersion {
		bad("schema_version must be %d", SchemaVersion)
	}
	if !validID(d.DriverID) {
		bad("driver_id must be lowercase letters, digits and '-'")
	}
	if d.BaseDriverID == d.DriverID {
		bad("base_driver_id must name another driver")
	}
	for _, f := range [][2]string{{"label", d.Label}, {"product", d.Product}, {"description", d.Description}, {"provider_boundary", d.ProviderBoundary}} {
		if strings.TrimSpace(f[1]) == "" {
			bad("%s is required", f[0])
		}
	}
	for i, p := range d.ContextPatterns {
		if strings.TrimSpace(p) == "" {
			bad("context_patterns[%d] is empty", i)
		}
	}
	seen := map[string]bool{}
	for i, a := range d.Actions {
		where := fmt.Sprintf("actions[%d]", i)
		entry(where, "action_id", a.ActionID, seen, a.Label, a.Description)
		if !slices.Contains(safeties, a.Safety) {
			bad("%s.safety %q is not one of read, safe_write, mutation, destructive", where, a.Safety)
		}
		if !slices.Contains(scopes, a.Scope) {
			bad("%s.scope %q is not one of global, context, instance, preview", where, a.Scope)
		}
		problems = append(problems, routeProblems(where, a.Method, a.RoutePath, a.AuthzAction)...)
		if strings.TrimSpace(a.InputSchema.Description) == "" || strings.TrimSpace(a.OutputSchema.Description) == "" {
			bad("%s needs input_schema and output_schema descriptions", where)
		}
		for j, r := range a.WritesRecords {
			if strings.TrimSpace(r) == "" {
				bad("%s.writes_records[%d] is empty", where, j)
			}
		}
	}
	for i, al := range d.RouteAliases {
		where := fmt.Sprintf("route_aliases[%d]", i)
		if !seen[al.ActionID] {
			bad("%s.action_id %q is not an action of this driver", where, al.ActionID)
		}
		problems = append(problems, routeProblems(where, al.Method, al.RoutePath, al.AuthzAction)...)
	}
	capSeen := map[string]bool{}
	for i, c := range d.Capabilities {
		where := fmt.Sprintf("capabilities[%d]", i)
		entry(where, "capability_id", c.CapabilityID, capSeen, c.Label, c.Description)
		for _, p := range c.Panels {
			if !slices.Contains(panels, p) {
				bad("%s.panels: %q is not a known panel", where, p)
			}
		}
	}
	groupSeen := map[string]bool{}
	for i, g := range d.SettingGroups {
		where := fmt.Sprintf("setting_groups[%d]", i)
		entry(where, "group_id", g.GroupID, groupSeen, g.Label, g.Description)
		if !slices.Contains(scopes, g.Scope) {
			bad("%s.scope %q is not one of global, context, instance, preview", where, g.Scope)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid driver descriptor %q: %s", d.DriverID, strings.Join(problems, "; "))
	}
	return nil
}

func routeProblems(where, method, path, authzAction string) []string {
	var problems []string
	if method != "GET" && method != "POST" {
		problems = append(problems, fmt.Sprintf("%s.method %q must be GET or POST", where, method))
	}
	if !strings.HasPrefix(path, "/v1/") || strings.ContainsAny(path, " {}?#") {
		problems = append(problems, fmt.Sprintf("%s.route_path %q must be a plain /v1/ path", where, path))
	}
	if strings.HasPrefix(path, RoutePrefix) && strings.TrimSpace(authzAction) == "" {
		problems = append(problems, fmt.Sprintf("%s: route %s needs an authz_action", where, path))
	}
	return problems
}

func validID(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == "" && !strings.HasPrefix(s, "-") && !strings.HasSuffix(s, "-")
}

func validActionID(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// Action returns the descriptor's own action with the given id.
func (d Descriptor) Action(id string) (ActionDescriptor, bool) {
	for _, a := range d.Actions {
		if a.ActionID == id {
			return a, true
		}
	}
	return ActionDescriptor{}, false
}

// HasPreviews reports whether the driver manages previews: a preview
// capability or the preview_inventory panel (service.md §5.1).
func (d Descriptor) HasPreviews() bool {
	for _, c := range d.Capabilities {
		switch c.CapabilityID {
		case "previewable", "preview_inventory_managed", "preview_lifecycle":
			return true
		}
		if slices.Contains(c.Panels, PanelPreviewInventory) {
			return true
		}
	}
	return false
}

// clone deep-copies d so callers cannot change the registry's copy.
func (d Descriptor) clone() Descriptor {
	d.ContextPatterns = cloneStrings(d.ContextPatterns)
	caps := make([]CapabilityDescriptor, len(d.Capabilities))
	for i, c := range d.Capabilities {
		c.Actions, c.Panels = cloneStrings(c.Actions), append([]Panel{}, c.Panels...)
		caps[i] = c
	}
	d.Capabilities = caps
	d.Actions = cloneActions(d.Actions)
	d.RouteAliases = append([]RouteAliasDescriptor{}, d.RouteAliases...)
	groups := make([]SettingGroupDescriptor, len(d.SettingGroups))
	for i, g := range d.SettingGroups {
		g.Fields, g.SecretBindings = cloneStrings(g.Fields), cloneStrings(g.SecretBindings)
		groups[i] = g
	}
	d.SettingGroups = groups
	return d
}

func cloneActions(in []ActionDescriptor) []ActionDescriptor {
	out := make([]ActionDescriptor, len(in))
	for i, a := range in {
		a.WritesRecords = cloneStrings(a.WritesRecords)
		out[i] = a
	}
	return out
}

// cloneStrings copies s, never returning nil, so JSON shows [] not null.
func cloneStrings(s []string) []string {
	return append([]string{}, s...)
}
