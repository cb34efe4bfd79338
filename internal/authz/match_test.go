package authz

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// deployRun is a push to main of acme/shop's deploy workflow.
func deployRun() Principal {
	return Principal{
		Type:        TypeGitHubActions,
		Repository:  "acme/shop",
		WorkflowRef: "acme/shop/.github/workflows/deploy.yml@refs/heads/main",
		EventName:   "push",
		Ref:         "refs/heads/main",
		RefType:     "branch",
		Environment: "prod",
		Subject:     "repo:acme/shop:environment:prod",
	}
}

func with(p Principal, edit func(*Principal)) Principal {
	edit(&p)
	return p
}

func TestAllows(t *testing.T) {
	pol := fixturePolicy()
	preview := with(deployRun(), func(p *Principal) {
		p.WorkflowRef = "acme/shop/.github/workflows/preview.yml@refs/pull/42/merge"
		p.EventName, p.Ref, p.Environment = "pull_request", "refs/pull/42/merge", ""
	})
	reusable := with(deployRun(), func(p *Principal) {
		p.JobWorkflowRef = "acme/reusable/.github/workflows/protect.yml@refs/heads/release/v2"
	})
	alice := Principal{Type: TypeGitHubHuman, Login: "alice", Role: RoleAdmin}
	reader := Principal{Type: TypeGitHubHuman, Login: "carol", Organizations: []string{"other", "acme-labs"}, Role: RoleReadOnly}
	ops := Principal{Type: TypeGitHubHuman, Login: "dave", Teams: []string{"ops", "acme/ops"}, Role: RoleAdmin}
	agent := Principal{Type: TypeTerminalAgent, Subject: "agent-7", TokenLabel: "read"}
	operator := Principal{Type: TypeLocalOperator, Subject: "owner", TokenLabel: "write-1"}
	admin := Principal{Type: TypeLocalAdmin, Subject: "root", TokenLabel: "admin"}

	tests := []struct {
		name                     string
		p                        Principal
		action, product, context string
		want                     bool
	}{
		// github_actions: every selector kind.
		{"all selectors match", deployRun(), "deployment.write", "shop", "shop-prod", true},
		{"repository is exact", with(deployRun(), func(p *Principal) { p.Repository = "acme/shop2" }), "deployment.write", "shop", "shop-prod", false},
		{"repository is not a glob", with(deployRun(), func(p *Principal) { p.Repository = "acme/*" }), "deployment.write", "shop", "shop-prod", false},
		{"workflow ref glob fails", with(deployRun(), func(p *Principal) { p.WorkflowRef = "acme/shop/.github/workflows/deploy.yml@refs/heads/dev" }), "deployment.write", "shop", "shop-prod", false},
		{"event name is exact membership", with(deployRun(), func(p *Principal) { p.EventName = "workflow_dispatch" }), "deployment.write", "shop", "shop-prod", true},
		{"event name outside the list", with(deployRun(), func(p *Principal) { p.EventName = "pull_request" }), "deployment.write", "shop", "shop-prod", false},
		{"ref is exact, not a glob", with(deployRun(), func(p *Principal) { p.Ref = "refs/heads/main2" }), "deployment.write", "shop", "shop-prod", false},
		{"environment is exact", with(deployRun(), func(p *Principal) { p.Environment = "staging" }), "deployment.write", "shop", "shop-prod", false},
		{"context glob", deployRun(), "deployment.write", "shop", "shop-testing", true},
		{"context glob fails", deployRun(), "deployment.write", "shop", "shopx-prod", false},
		{"product mismatch", deployRun(), "deployment.write", "blog", "shop-prod", false},
		{"action is exact", deployRun(), "deployment.read", "shop", "shop-prod", false},
		// Globs across '/', and empty selectors matching anything.
		{"preview workflow @* matches a PR ref", preview, "preview_generation.write", "shop", "any-context", true},
		{"job workflow ref glob across /", reusable, "artifact_protection.read", "any-product", "any-context", true},
		{"job workflow ref required when the rule names it", deployRun(), "artifact_protection.read", "shop", "shop-prod", false},
		// github_humans.
		{"login listed", alice, "authz_policy_grant.write", "launchplane", "launchplane", true},
		{"login glob ?", with(alice, func(p *Principal) { p.Login = "bob" }), "authz_policy_grant.write", "launchplane", "launchplane", true},
		{"login not listed", with(alice, func(p *Principal) { p.Login = "mallory" }), "authz_policy_grant.write", "launchplane", "launchplane", false},
		{"role must be listed", with(alice, func(p *Principal) { p.Role = RoleReadOnly }), "authz_policy_grant.write", "launchplane", "launchplane", false},
		{"human product is exact", alice, "authz_policy_grant.write", "launch*", "launchplane", false},
		{"any org matches the glob", reader, "product_profile.read", "shop", "whatever", true},
		{"no org matches", with(reader, func(p *Principal) { p.Organizations = []string{"other"} }), "product_profile.read", "shop", "whatever", false},
		{"no orgs at all", with(reader, func(p *Principal) { p.Organizations = nil }), "product_profile.read", "shop", "whatever", false},
		{"read_only limited by safety class", reader, "product_config.apply", "shop", "whatever", false},
		{"team org/slug form", ops, "anything.execute", "shop", "shop-prod", true},
		{"empty roles and actions match admin and any action", ops, "generic_web_prod_promotion.execute", "shop", "shop-prod", true},
		{"empty roles match read_only, safety still applies", with(ops, func(p *Principal) { p.Role = RoleReadOnly }), "generic_web_prod_promotion.execute", "shop", "shop-prod", false},
		{"empty roles, read_only, read action", with(ops, func(p *Principal) { p.Role = RoleReadOnly }), "deployment.read", "shop", "shop-prod", true},
		// Agents.
		{"terminal agent subject glob", agent, "product_environment.read", "shop", "shop-prod", true},
		{"terminal agent context is exact", agent, "product_environment.read", "shop", "shop-*", false},
		{"terminal agent label", with(agent, func(p *Principal) { p.TokenLabel = "write" }), "product_environment.read", "shop", "shop-prod", false},
		{"local operator product and context globs", operator, "product_config.apply", "shop", "shop-testing", true},
		{"local operator label glob fails", with(operator, func(p *Principal) { p.TokenLabel = "read-1" }), "product_config.apply", "shop", "shop-testing", false},
		{"local admin empty scope allows all", admin, "anything.at_all", "x", "y", true},
		{"families are separate", Principal{Type: TypeLocalOperator, Subject: "root", TokenLabel: "admin"}, "anything.at_all", "x", "y", false},
		// Invalid principals never pass.
		{"unknown type", Principal{Type: "robot", Subject: "root", TokenLabel: "admin"}, "x.read", "x", "y", false},
		{"human without role", Principal{Type: TypeGitHubHuman, Login: "alice"}, "authz_policy_grant.write", "launchplane", "launchplane", false},
		{"actions without workflow_ref", with(deployRun(), func(p *Principal) { p.WorkflowRef = "" }), "artifact_protection.read", "x", "y", false},
		{"agent without label", Principal{Type: TypeLocalAdmin, Subject: "root"}, "x.read", "x", "y", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Allows(pol, tt.p, tt.action, tt.product, tt.context)
			if got != tt.want {
				t.Errorf("Allows = %v, want %v\n%s", got, tt.want, mustJSON(t, Explain(pol, tt.p, tt.action, tt.product, tt.context)))
			}
			if d := Explain(pol, tt.p, tt.action, tt.product, tt.context); d.Allowed != got {
				t.Errorf("Explain.Allowed = %v, Allows = %v", d.Allowed, got)
			}
		})
	}
}

func TestAllowsEmptyPolicy(t *testing.T) {
	if Allows(Policy{SchemaVersion: 1}, deployRun(), "deployment.write", "shop", "shop-prod") {
		t.Error("an empty policy allowed a request")
	}
}

var explainPolicy = Policy{
	SchemaVersion: 1,
	GitHubActions: []GitHubActionsRule{
		{Repository: "acme/shop", WorkflowRefs: []string{"acme/shop/.github/workflows/deploy.yml@*"}, Products: []string{"shop"}, Actions: []string{"deployment.write"}},
		{Repository: "acme/other", Refs: []string{"refs/heads/main"}},
	},
}

func sel(name, kind string, patterns, values []string, matched bool) SelectorTrace {
	return SelectorTrace{Selector: name, Match: kind, Patterns: patterns, Values: values, MatchesAny: len(patterns) == 0, Matched: matched}
}

func TestExplainAllowed(t *testing.T) {
	p := with(deployRun(), func(p *Principal) { p.Environment = "" })
	got := Explain(explainPolicy, p, "deployment.write", "shop", "shop-prod")
	want := Decision{
		Allowed: true, Reason: ReasonRuleMatched, PrincipalType: TypeGitHubActions, Family: FamilyGitHubActions,
		Action: "deployment.write", Product: "shop", Context: "shop-prod", SafetyClass: SafetySafeWrite,
		MatchedRule: &RuleRef{Family: FamilyGitHubActions, Index: 0},
		Rules: []RuleTrace{
			{Index: 0, Matched: true, Failed: []string{}, Selectors: []SelectorTrace{
				{Selector: "repository", Match: MatchExact, Patterns: []string{"acme/shop"}, Values: []string{"acme/shop"}, Matched: true},
				sel("workflow_refs", MatchGlob, []string{"acme/shop/.github/workflows/deploy.yml@*"}, []string{p.WorkflowRef}, true),
				sel("job_workflow_refs", MatchGlob, []string{}, []string{""}, true),
				sel("event_names", MatchExact, []string{}, []string{"push"}, true),
				sel("refs", MatchExact, []string{}, []string{"refs/heads/main"}, true),
				sel("environments", MatchExact, []string{}, []string{""}, true),
				sel("products", MatchGlob, []string{"shop"}, []string{"shop"}, true),
				sel("contexts", MatchGlob, []string{}, []string{"shop-prod"}, true),
				sel("actions", MatchExact, []string{"deployment.write"}, []string{"deployment.write"}, true),
			}},
			{Index: 1, Matched: false, Failed: []string{"repository"}, Selectors: []SelectorTrace{
				{Selector: "repository", Match: MatchExact, Patterns: []string{"acme/other"}, Values: []string{"acme/shop"}, Matched: false},
				sel("workflow_refs", MatchGlob, []string{}, []string{p.WorkflowRef}, true),
				sel("job_workflow_refs", MatchGlob, []string{}, []string{""}, true),
				sel("event_names", MatchExact, []string{}, []string{"push"}, true),
				sel("refs", MatchExact, []string{"refs/heads/main"}, []string{"refs/heads/main"}, true),
				sel("environments", MatchExact, []string{}, []string{""}, true),
				sel("products", MatchGlob, []string{}, []string{"shop"}, true),
				sel("contexts", MatchGlob, []string{}, []string{"shop-prod"}, true),
				sel("actions", MatchExact, []string{}, []string{"deployment.write"}, true),
			}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decision (-want +got):\n%s", diff)
	}
}

func TestExplainDenied(t *testing.T) {
	p := with(deployRun(), func(p *Principal) {
		p.WorkflowRef = "acme/shop/.github/workflows/ci.yml@refs/heads/main"
	})
	got := Explain(explainPolicy, p, "deployment.write", "blog", "blog-prod")
	if got.Allowed || got.Reason != ReasonNoRuleMatched || got.MatchedRule != nil {
		t.Fatalf("got allowed=%v reason=%s matched=%v, want a no_rule_matched denial", got.Allowed, got.Reason, got.MatchedRule)
	}
	failed := [][]string{}
	for _, r := range got.Rules {
		failed = append(failed, r.Failed)
	}
	if diff := cmp.Diff([][]string{{"workflow_refs", "products"}, {"repository"}}, failed); diff != "" {
		t.Errorf("failed selectors per rule (-want +got):\n%s", diff)
	}
	wantFirst := sel("workflow_refs", MatchGlob, []string{"acme/shop/.github/workflows/deploy.yml@*"}, []string{p.WorkflowRef}, false)
	if diff := cmp.Diff(wantFirst, got.Rules[0].Selectors[1]); diff != "" {
		t.Errorf("workflow_refs trace (-want +got):\n%s", diff)
	}
}

func TestExplainSpecialDenials(t *testing.T) {
	pol := fixturePolicy()
	tests := []struct {
		name       string
		p          Principal
		action     string
		wantReason string
		wantDetail string
		wantRules  int
	}{
		{"read_only safety", Principal{Type: TypeGitHubHuman, Login: "carol", Organizations: []string{"acme"}, Role: RoleReadOnly}, "product_config.apply", ReasonReadOnlySafety, "read_only sessions may only use read and safe_write actions; product_config.apply is mutation", 3},
		{"unknown type", Principal{Type: "robot"}, "x.read", ReasonInvalidPrincipal, `unknown principal type "robot"`, 0},
		{"missing field", Principal{Type: TypeTerminalAgent, Subject: "agent-1"}, "product_environment.read", ReasonInvalidPrincipal, "terminal_agent principal: token_label is required", 1},
		{"empty family", Principal{Type: TypeTerminalAgent, Subject: "x", TokenLabel: "y"}, "x.read", ReasonNoRuleMatched, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Explain(pol, tt.p, tt.action, "shop", "shop-prod")
			got := []any{d.Allowed, d.Reason, d.Detail, len(d.Rules)}
			if diff := cmp.Diff([]any{false, tt.wantReason, tt.wantDetail, tt.wantRules}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	d := Explain(Policy{SchemaVersion: 1}, Principal{Type: TypeLocalAdmin, Subject: "a", TokenLabel: "b"}, "x.read", "p", "c")
	if d.Detail != "the policy has no local_admins rules" {
		t.Errorf("detail = %q", d.Detail)
	}
}
