package driver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestActionTable pins every action of service.md §5.1 (and the [L]
// routes of §2.8 and §2.10) to its route, safety, scope, authz action and
// visibility.
func TestActionTable(t *testing.T) {
	type row struct {
		safety  Safety
		scope   Scope
		route   string
		authz   string
		visible bool
	}
	const m, sw, r, d = SafetyMutation, SafetySafeWrite, SafetyRead, SafetyDestructive
	const inst, ctx, prev = ScopeInstance, ScopeContext, ScopePreview
	want := map[string]row{
		"generic-web.stable_deploy":           {m, inst, "generic-web/deploy", "generic_web_deploy.execute", true},
		"generic-web.prod_promotion":          {m, inst, "generic-web/prod-promotion", "generic_web_prod_promotion.execute", true},
		"generic-web.prod_promotion_workflow": {m, inst, "generic-web/prod-promotion-workflow", "generic_web_prod_promotion.dispatch", true},
		"generic-web.preview_desired_state":   {sw, ctx, "generic-web/preview-desired-state", "preview_desired_state.discover", true},
		"generic-web.preview_refresh":         {m, prev, "generic-web/preview-refresh", "preview_refresh.execute", true},
		"generic-web.preview_inventory":       {sw, ctx, "generic-web/preview-inventory", "preview_inventory.read", true},
		"generic-web.preview_readiness":       {r, ctx, "generic-web/preview-readiness", "preview_readiness.evaluate", true},
		"generic-web.preview_destroy":         {d, prev, "generic-web/preview-destroy", "preview_destroy.execute", true},
		"generic-web.preview_verification":    {sw, prev, "generic-web/preview-verification", "preview_generation.write", false},
		"generic-web.stable_verification":     {sw, inst, "generic-web/stable-verification", "deployment.write", false},

		"odoo.artifact_publish_inputs":    {r, inst, "odoo/artifact-publish-inputs", "odoo_artifact_publish_inputs.read", true},
		"odoo.artifact_publish":           {sw, inst, "odoo/artifact-publish", "odoo_artifact_publish.write", true},
		"odoo.post_deploy":                {m, inst, "odoo/post-deploy", "odoo_post_deploy.execute", true},
		"odoo.prod_backup_gate":           {sw, inst, "odoo/prod-backup-gate", "odoo_prod_backup_gate.execute", true},
		"odoo.prod_promotion_inputs":      {r, inst, "odoo/prod-promotion-inputs", "odoo_prod_promotion_inputs.read", true},
		"odoo.prod_promotion":             {m, inst, "odoo/prod-promotion", "odoo_prod_promotion.execute", true},
		"odoo.prod_rollback":              {d, inst, "odoo/prod-rollback", "odoo_prod_rollback.execute", true},
		"odoo.target_replacement_plan":    {r, inst, "odoo/target-replacement-plan", "odoo_target_replacement_plan.read", true},
		"odoo.target_replacement_apply":   {d, inst, "odoo/target-replacement-apply", "odoo_target_replacement_apply.execute", true},
		"odoo.stable_bootstrap":           {d, inst, "odoo/stable-bootstrap", "odoo_stable_bootstrap.execute", true},
		"odoo.preview_apply_inputs":       {r, prev, "odoo/preview-apply-inputs", "odoo_preview_apply_inputs.read", true},
		"odoo.preview_apply":              {m, prev, "odoo/preview-apply", "odoo_preview_apply.execute", true},
		"odoo.config_parameter_override":  {sw, inst, "odoo/config-parameter-override", "odoo_config_parameter_override.write", true},
		"odoo.website_bootstrap_override": {sw, inst, "odoo/website-bootstrap-override", "odoo_website_bootstrap_override.write", true},

		"verireel.testing_deploy":       {m, inst, "verireel/testing-deploy", "verireel_testing_deploy.execute", true},
		"verireel.prod_deploy":          {m, inst, "verireel/prod-deploy", "verireel_prod_deploy.execute", true},
		"verireel.testing_verification": {sw, inst, "verireel/testing-verification", "deployment.write", false},
		"verireel.stable_environment":   {r, inst, "verireel/stable-environment", "verireel_stable_environment.read", true},
		"verireel.runtime_verification": {r, inst, "verireel/runtime-verification", "verireel_stable_environment.read", true},
		"verireel.app_maintenance":      {m, inst, "verireel/app-maintenance", "verireel_app_maintenance.execute", true},
		"verireel.prod_backup_gate":     {sw, inst, "verireel/prod-backup-gate", "verireel_prod_backup_gate.execute", true},
		"verireel.prod_promotion":       {m, inst, "verireel/prod-promotion", "verireel_prod_promotion.execute", true},
		"verireel.prod_rollback":        {d, inst, "verireel/prod-rollback", "verireel_prod_rollback.execute", true},
		"verireel.preview_refresh":      {m, prev, "verireel/preview-refresh", "verireel_preview_refresh.execute", true},
		"verireel.preview_inventory":    {r, ctx, "verireel/preview-inventory", "verireel_preview_inventory.read", true},
		"verireel.preview_destroy":      {d, prev, "verireel/preview-destroy", "verireel_preview_destroy.execute", true},
		"verireel.preview_verification": {sw, prev, "verireel/preview-verification", "preview_generation.write", false},
	}
	got := map[string]row{}
	for _, desc := range Builtin().List() {
		for _, a := range desc.Actions {
			if a.Method != "POST" {
				t.Errorf("%s.%s: method %s, want POST", desc.DriverID, a.ActionID, a.Method)
			}
			got[desc.DriverID+"."+a.ActionID] = row{a.Safety, a.Scope, strings.TrimPrefix(a.RoutePath, RoutePrefix), a.AuthzAction, a.OperatorVisible}
		}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("action table (-want +got):\n%s", diff)
	}
}

func TestBuiltinDrivers(t *testing.T) {
	reg := Builtin()
	var ids, bases []string
	for _, d := range reg.List() {
		ids, bases = append(ids, d.DriverID), append(bases, d.BaseDriverID)
	}
	if diff := cmp.Diff([]string{"generic-web", "odoo", "verireel"}, ids); diff != "" {
		t.Errorf("driver ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "generic-web", "generic-web"}, bases); diff != "" {
		t.Errorf("base drivers (-want +got):\n%s", diff)
	}
	if _, ok := reg.Get("dokploy"); ok {
		t.Error("Get(dokploy) found a driver")
	}
	for _, d := range reg.List() {
		if d.DriverID != "odoo" && !d.HasPreviews() {
			t.Errorf("%s: HasPreviews = false", d.DriverID)
		}
	}
}

// TestDescriptorsAreProviderNeutral is the vocabulary rule of §5.1.
func TestDescriptorsAreProviderNeutral(t *testing.T) {
	for _, d := range Builtin().List() {
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(string(raw)), "dokploy") {
			t.Errorf("descriptor %s names a runtime provider", d.DriverID)
		}
		if strings.Contains(string(raw), "null") {
			t.Errorf("descriptor %s has a null list: %s", d.DriverID, raw)
		}
	}
}

func TestEffectiveActions(t *testing.T) {
	reg := Builtin()
	actions, err := reg.EffectiveActions("odoo")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	for _, a := range actions {
		if _, dup := routes[a.ActionID]; dup {
			t.Errorf("action %s listed twice", a.ActionID)
		}
		routes[a.ActionID] = a.RoutePath
	}
	for id, want := range map[string]string{
		"stable_deploy":   "/v1/drivers/generic-web/deploy",  // inherited
		"prod_promotion":  "/v1/drivers/odoo/prod-promotion", // own action wins
		"post_deploy":     "/v1/drivers/odoo/post-deploy",    // own only
		"preview_apply":   "/v1/drivers/odoo/preview-apply",  // own only
		"preview_refresh": "/v1/drivers/generic-web/preview-refresh",
	} {
		if routes[id] != want {
			t.Errorf("effective odoo action %s routes to %q, want %q", id, routes[id], want)
		}
	}
	if _, err := reg.EffectiveActions("nope"); err == nil {
		t.Error("EffectiveActions(nope) succeeded")
	}
}

func TestRegistryReturnsCopies(t *testing.T) {
	reg := Builtin()
	d, _ := reg.Get("generic-web")
	d.Actions[0].AuthzAction = "changed"
	d.Capabilities[0].Panels[0] = "changed"
	again, _ := reg.Get("generic-web")
	if again.Actions[0].AuthzAction == "changed" || again.Capabilities[0].Panels[0] == "changed" {
		t.Error("a caller changed the registry's descriptor")
	}
}

func TestDescriptorValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Descriptor)
		want   string
	}{
		{"unknown panel", func(d *Descriptor) { d.Capabilities[0].Panels = append(d.Capabilities[0].Panels, "dashboard") }, `"dashboard" is not a known panel`},
		{"unknown safety", func(d *Descriptor) { d.Actions[0].Safety = "risky" }, `safety "risky"`},
		{"unknown scope", func(d *Descriptor) { d.Actions[0].Scope = "fleet" }, `scope "fleet"`},
		{"unknown setting scope", func(d *Descriptor) { d.SettingGroups[0].Scope = "" }, `setting_groups[0].scope`},
		{"missing authz action", func(d *Descriptor) { d.Actions[0].AuthzAction = "" }, "needs an authz_action"},
		{"bad method", func(d *Descriptor) { d.Actions[0].Method = "DELETE" }, "must be GET or POST"},
		{"duplicate action", func(d *Descriptor) { d.Actions[1].ActionID = d.Actions[0].ActionID }, "is duplicated"},
		{"missing schema", func(d *Descriptor) { d.Actions[0].InputSchema.Description = "" }, "input_schema"},
		{"schema version", func(d *Descriptor) { d.SchemaVersion = 2 }, "schema_version"},
		{"bad id", func(d *Descriptor) { d.DriverID = "Generic Web" }, "driver_id"},
		{"alias to unknown action", func(d *Descriptor) {
			d.RouteAliases = []RouteAliasDescriptor{{ActionID: "nope", Method: "POST", RoutePath: "/v1/drivers/x/y", AuthzAction: "x.read"}}
		}, `"nope" is not an action`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := genericWeb()
			tc.change(&d)
			err := d.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
			if _, err := NewRegistry(d); err == nil {
				t.Error("NewRegistry accepted the descriptor")
			}
		})
	}
}

func TestNewRegistryFailures(t *testing.T) {
	orphan := odoo() // base generic-web missing
	badCap := genericWeb()
	badCap.Capabilities[0].Actions = append(badCap.Capabilities[0].Actions, "warp_drive")
	chained := verireel()
	chained.BaseDriverID = "odoo"
	tests := []struct {
		name string
		ds   []Descriptor
		want string
	}{
		{"twice", []Descriptor{genericWeb(), genericWeb()}, "registered twice"},
		{"missing base", []Descriptor{orphan}, `base driver "generic-web" is not registered`},
		{"chained base", []Descriptor{genericWeb(), odoo(), chained}, "must not have a base driver itself"},
		{"capability names unknown action", []Descriptor{badCap}, `unknown action "warp_drive"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRegistry(tc.ds...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewRegistry() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	reg := Builtin()
	profiles := []Profile{
		{Product: "sellyouroutboard", DriverID: "generic-web", Contexts: []string{"sellyouroutboard", "syo-preview"}},
		{Product: "cm", DriverID: "odoo", Contexts: []string{"cm"}},
		{Product: "verireel", DriverID: "verireel", Contexts: []string{"verireel"}}, // same as the pattern match
		{Product: "ghost", DriverID: "unregistered", Contexts: []string{"cm"}},
	}
	type got struct {
		Driver, Product string
		Profile         bool
	}
	summarize := func(ms []Match) []got {
		var out []got
		for _, m := range ms {
			out = append(out, got{m.Descriptor.DriverID, m.Product, m.Profile})
		}
		return out
	}
	tests := []struct {
		context string
		want    []got
		unknown []string
	}{
		{"verireel", []got{{"verireel", "verireel", false}}, nil},
		{"verireel-testing", []got{{"verireel", "verireel", false}}, nil},
		{"syo-preview", []got{{"generic-web", "sellyouroutboard", true}}, nil},
		{"cm", []got{{"odoo", "cm", true}}, []string{"ghost"}},
		{"elsewhere", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.context, func(t *testing.T) {
			ms, unknown := reg.Matches(tc.context, profiles)
			if diff := cmp.Diff(tc.want, summarize(ms)); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.unknown, unknown); diff != "" {
				t.Errorf("unknown (-want +got):\n%s", diff)
			}
		})
	}
}
