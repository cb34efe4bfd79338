package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	grantsPath   = "/v1/authz-policies/github-actions/grants"
	removalsPath = "/v1/authz-policies/github-actions/removals"
	explainPath  = "/v1/authz/explain"

	// newcomer is a workflow the seeded policy knows nothing about.
	newcomerRepo = "acme/api"
	newcomerRef  = "acme/api/.github/workflows/deploy.yml@refs/heads/main"

	operatorToken = "local-operator-write-token-0123456789"
	adminToken    = "local-admin-write-token-0123456789"
	// The owner agents' subjects and labels: distinctive, so a test can
	// prove no response echoes them.
	operatorSubject = "owner-subject-7f3a"
	operatorLabel   = "owner-label-write-7f3a"
)

// ownerPolicy is testPolicy plus a local operator that may administer
// policy. The local admin has no rule at all.
const ownerPolicy = testPolicy + `
[[local_operators]]
subjects = ["` + operatorSubject + `"]
token_labels = ["` + operatorLabel + `"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["authz_policy_grant.write"]
`

// newAuthzHarness is newHarness with the owner-agent tokens configured,
// ownerPolicy seeded (or, with seed false, no policy at all), and an
// authorizer that caches the policy for an hour, like the service does for
// a second: every "the next request sees it" assertion then proves the
// routes drop the authorizer's own cache.
func newAuthzHarness(t *testing.T, url string, seed bool) *harness {
	t.Helper()
	o := harnessOptions{CacheTTL: time.Hour,
		TerminalAgent: ownerToken(terminalToken, "read"),
		LocalOperator: &authn.StaticToken{Token: operatorToken, Subject: operatorSubject, TokenLabel: operatorLabel},
		LocalAdmin:    &authn.StaticToken{Token: adminToken, Subject: operatorSubject, TokenLabel: "admin-label"}}
	if seed {
		o.Policy = ownerPolicy
	}
	return newHarnessWith(t, url, o)
}

func eachAuthzEngine(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(t, newAuthzHarness(t, engine.URL(t), true)) })
	}
}

func (h *harness) count(table string) int {
	h.t.Helper()
	var n int
	if err := h.store.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) policyRecords() int { return h.count("launchplane_authz_policies") }

func (h *harness) admin() string { return h.token("acme/ops", adminWorkflow) }

func jsonBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// envelope builds a grant or removal body; mode "" leaves the route's default.
func envelope(t *testing.T, field, mode, reason string, rule map[string]any) []byte {
	t.Helper()
	env := map[string]any{"schema_version": 1, "product": "launchplane", field: rule}
	if mode != "" {
		env["mode"] = mode
	}
	if reason != "" {
		env["reason"] = reason
		env["related_issue"] = "#42"
	}
	return jsonBody(t, env)
}

// newcomerRule lets the newcomer workflow write deployment evidence for web/cm.
func newcomerRule() map[string]any {
	return map[string]any{
		"repository":    newcomerRepo,
		"workflow_refs": []string{newcomerRef},
		"products":      []string{"web"},
		"contexts":      []string{"cm"},
		"actions":       []string{"deployment.write"},
	}
}

// adminRule is the seeded acme/ops rule, complete.
func adminRule() map[string]any {
	return map[string]any{
		"repository":    "acme/ops",
		"workflow_refs": []string{adminWorkflow},
		"products":      []string{"launchplane"},
		"contexts":      []string{"launchplane"},
		"actions":       []string{"authz_policy_grant.write", "launchplane_service.read"},
	}
}

func field(t *testing.T, r response, path ...string) any {
	t.Helper()
	var v any = r.body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %s is not an object in %s", strings.Join(path, "."), p, r.raw)
		}
		v = m[p]
	}
	return v
}

// assertRedacted fails when a response names a workflow ref, subject,
// login or token label of the caller or of the requested rule.
func assertRedacted(t *testing.T, r response, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, adminWorkflow, "repo:acme/ops:ref:", "octocat", operatorSubject, operatorLabel, ".github/workflows/") {
		if strings.Contains(r.raw, s) {
			t.Errorf("response echoes %q: %s", s, r.raw)
		}
	}
}

func TestAuthzGrantTakesEffectWithoutRestart(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		newcomer := h.token(newcomerRepo, newcomerRef)
		if r := h.do("POST", "/v1/evidence/deployments", newcomer, deploymentBody(t, "dep-1", "cm")); r.status != 403 || errorCode(r) != api.CodeAuthorizationDenied {
			t.Fatalf("before the grant: %d %s", r.status, r.raw)
		}
		before := h.policyRecords()

		g := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "", "onboard acme/api", newcomerRule()))
		if g.status != 202 || g.body["status"] != "accepted" {
			t.Fatalf("grant: %d %s", g.status, g.raw)
		}
		assertRedacted(t, g, newcomerRef)
		recordID, _ := field(t, g, "records", "authz_policy_record_id").(string)
		if field(t, g, "records", "authz_policy_changed") != "true" || field(t, g, "result", "changed") != true ||
			field(t, g, "result", "mode") != "apply" || !strings.HasPrefix(recordID, "launchplane-authz-policy-") {
			t.Errorf("grant envelope: %s", g.raw)
		}
		if field(t, g, "result", "authz_policy", "record_id") != recordID || field(t, g, "result", "authz_policy", "github_actions_rule_count") != 3.0 {
			t.Errorf("authz_policy summary: %s", g.raw)
		}
		wantDiff := map[string]any{
			"previous_github_actions_rule_count": 2.0, "new_github_actions_rule_count": 3.0,
			"previous_github_humans_rule_count": 0.0, "new_github_humans_rule_count": 0.0,
			"previous_terminal_agents_rule_count": 1.0, "new_terminal_agents_rule_count": 1.0,
			"previous_local_operators_rule_count": 1.0, "new_local_operators_rule_count": 1.0,
			"previous_local_admins_rule_count": 0.0, "new_local_admins_rule_count": 0.0,
		}
		if diff := cmp.Diff(wantDiff, field(t, g, "result", "diff")); diff != "" {
			t.Errorf("diff (-want +got):\n%s", diff)
		}
		wantSummary := map[string]any{
			"principal_type": "github_actions", "repository": newcomerRepo, "workflow_ref_count": 1.0, "job_workflow_ref_count": 0.0,
			"event_names": []any{}, "products": []any{"web"}, "contexts": []any{"cm"}, "actions": []any{"deployment.write"},
		}
		if diff := cmp.Diff(wantSummary, field(t, g, "result", "audit", "requested_grant_summary")); diff != "" {
			t.Errorf("requested_grant_summary (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"type": "github_actions"}, field(t, g, "result", "audit", "operator")); diff != "" {
			t.Errorf("operator must be reduced to its type (-want +got):\n%s", diff)
		}
		if field(t, g, "result", "audit", "reason") != "onboard acme/api" || field(t, g, "result", "audit", "new_policy_record_id") != recordID {
			t.Errorf("audit: %s", g.raw)
		}
		if n := h.policyRecords(); n != before+1 {
			t.Errorf("want one new policy record, have %d -> %d", before, n)
		}

		// Same server, no restart: the very next request sees the grant.
		if r := h.do("POST", "/v1/evidence/deployments", newcomer, deploymentBody(t, "dep-1", "cm")); r.status != 202 {
			t.Fatalf("after the grant: %d %s", r.status, r.raw)
		}
		// The grant is exactly as wide as asked.
		if r := h.do("POST", "/v1/evidence/deployments", newcomer, deploymentBody(t, "dep-2", "verireel-testing")); r.status != 403 {
			t.Errorf("grant leaked to another context: %d %s", r.status, r.raw)
		}

		// The stored record carries the full audit, the response did not.
		var audit map[string]any
		var raw string
		if err := h.store.DB().QueryRow("SELECT payload FROM launchplane_authz_policies WHERE record_id = $1", recordID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var rec struct{ Audit map[string]any }
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			t.Fatal(err)
		}
		audit = rec.Audit
		op, _ := audit["operator"].(map[string]any)
		if op["workflow_ref"] != adminWorkflow || audit["requested_grant"] == nil || audit["trace_id"] != g.body["trace_id"] {
			t.Errorf("stored audit: %v", audit)
		}

		again := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "apply", "again", newcomerRule()))
		if again.status != 202 || field(t, again, "records", "authz_policy_changed") != "false" || field(t, again, "result", "changed") != false ||
			field(t, again, "records", "authz_policy_record_id") != recordID {
			t.Errorf("re-grant: %d %s", again.status, again.raw)
		}
		if n := h.policyRecords(); n != before+1 {
			t.Errorf("re-granting an equal rule wrote a record: %d", n)
		}
	})
}

func TestAuthzDryRunWritesNothing(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		before, idem := h.policyRecords(), h.count("launchplane_idempotency_records")
		r := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "dry_run", "", newcomerRule()), "Idempotency-Key", "dry-1")
		if r.status != 202 || field(t, r, "result", "mode") != "dry_run" || field(t, r, "result", "changed") != true ||
			field(t, r, "result", "diff", "new_github_actions_rule_count") != 3.0 || field(t, r, "result", "authz_policy", "github_actions_rule_count") != 2.0 {
			t.Fatalf("dry run: %d %s", r.status, r.raw)
		}
		assertRedacted(t, r, newcomerRef)
		if h.policyRecords() != before || h.count("launchplane_idempotency_records") != idem {
			t.Errorf("dry run wrote: policies %d -> %d, idempotency %d -> %d", before, h.policyRecords(), idem, h.count("launchplane_idempotency_records"))
		}
		if r := h.do("POST", "/v1/evidence/deployments", h.token(newcomerRepo, newcomerRef), deploymentBody(t, "dep-1", "cm")); r.status != 403 {
			t.Errorf("a dry run granted access: %d %s", r.status, r.raw)
		}
		// The same key on apply is fresh: dry runs never claimed it.
		if r := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "apply", "now", newcomerRule()), "Idempotency-Key", "dry-1"); r.status != 202 || r.body["replayed"] == true {
			t.Errorf("apply after dry run with the same key: %d %s", r.status, r.raw)
		}
	})
}

func TestAuthzRemovals(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		if r := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "", "onboard", newcomerRule())); r.status != 202 {
			t.Fatalf("grant: %d %s", r.status, r.raw)
		}
		newcomer := h.token(newcomerRepo, newcomerRef)
		before := h.policyRecords()

		// Mode defaults to dry_run: the match is reported, nothing changes.
		dry := h.do("POST", removalsPath, h.admin(), envelope(t, "removal", "", "", newcomerRule()))
		if dry.status != 202 || field(t, dry, "result", "mode") != "dry_run" || field(t, dry, "result", "diff", "matched_rule_count") != 1.0 ||
			field(t, dry, "result", "diff", "removed_rule_count") != 1.0 {
			t.Fatalf("removal dry run: %d %s", dry.status, dry.raw)
		}
		assertRedacted(t, dry, newcomerRef)
		if h.policyRecords() != before {
			t.Errorf("removal dry run wrote a record")
		}
		if r := h.do("POST", "/v1/evidence/deployments", newcomer, deploymentBody(t, "dep-1", "cm")); r.status != 202 {
			t.Fatalf("access lost after a dry run: %d %s", r.status, r.raw)
		}

		// Partial, broader and narrower rules match nothing.
		partial := map[string]any{"repository": newcomerRepo, "actions": []string{"deployment.write"}}
		narrower := newcomerRule()
		narrower["event_names"] = []string{"push"}
		reordered := newcomerRule()
		reordered["products"] = []string{"web", "web"}
		for name, rule := range map[string]map[string]any{"partial": partial, "narrower": narrower, "duplicated selector": reordered} {
			r := h.do("POST", removalsPath, h.admin(), envelope(t, "removal", "apply", "cleanup", rule))
			if r.status != 202 || field(t, r, "result", "diff", "matched_rule_count") != 0.0 || field(t, r, "result", "changed") != false ||
				field(t, r, "records", "authz_policy_changed") != "false" {
				t.Errorf("%s removal: %d %s", name, r.status, r.raw)
			}
		}
		if h.policyRecords() != before {
			t.Errorf("removals that matched nothing wrote a record")
		}

		// The complete rule is removed on apply, and the next request sees it.
		apply := h.do("POST", removalsPath, h.admin(), envelope(t, "removal", "apply", "offboard", newcomerRule()))
		if apply.status != 202 || field(t, apply, "result", "changed") != true || field(t, apply, "result", "diff", "new_github_actions_rule_count") != 2.0 {
			t.Fatalf("removal apply: %d %s", apply.status, apply.raw)
		}
		assertRedacted(t, apply, newcomerRef)
		if h.policyRecords() != before+1 {
			t.Errorf("removal apply: want one new record")
		}
		if r := h.do("POST", "/v1/evidence/deployments", newcomer, deploymentBody(t, "dep-2", "cm")); r.status != 403 {
			t.Errorf("access kept after removal: %d %s", r.status, r.raw)
		}
	})
}

func TestAuthzRemovalKeepsAPolicyAdmin(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		// The local operator rule also administers policy; take it away
		// first by replacing the policy without it, so acme/ops is the last.
		policy, err := authz.DecodeTOML([]byte(testPolicy))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.authority.Import(context.Background(), policy, "test:import"); err != nil {
			t.Fatal(err)
		}
		before := h.policyRecords()
		for _, mode := range []string{"dry_run", "apply"} {
			r := h.do("POST", removalsPath, h.admin(), envelope(t, "removal", mode, "oops", adminRule()))
			if r.status != 409 || errorCode(r) != api.CodeConflict || !strings.Contains(r.raw, "administer") {
				t.Errorf("%s removal of the last admin: %d %s", mode, r.status, r.raw)
			}
		}
		if h.policyRecords() != before {
			t.Fatalf("refused removal wrote a record")
		}
		if r := h.do("GET", "/v1/service/runtime", h.admin(), nil); r.status != 200 {
			t.Errorf("admin lost access: %d %s", r.status, r.raw)
		}

		// With a second administrator the same removal goes through.
		second := map[string]any{"repository": "acme/ops2", "workflow_refs": []string{"acme/ops2/.github/workflows/authz.yml@refs/heads/main"},
			"products": []string{"launchplane"}, "contexts": []string{"launchplane"}, "actions": []string{"authz_policy_grant.write"}}
		if r := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "apply", "second admin", second)); r.status != 202 {
			t.Fatalf("grant second admin: %d %s", r.status, r.raw)
		}
		if r := h.do("POST", removalsPath, h.admin(), envelope(t, "removal", "apply", "rotate", adminRule())); r.status != 202 || field(t, r, "result", "changed") != true {
			t.Errorf("removal with another admin left: %d %s", r.status, r.raw)
		}
		if r := h.do("GET", "/v1/service/runtime", h.admin(), nil); r.status != 403 {
			t.Errorf("removed admin kept access: %d %s", r.status, r.raw)
		}
	})
}

func TestAuthzRejections(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		good := envelope(t, "grant", "apply", "ok", newcomerRule())
		mutate := func(fn func(env map[string]any)) []byte {
			var env map[string]any
			if err := json.Unmarshal(good, &env); err != nil {
				t.Fatal(err)
			}
			fn(env)
			return jsonBody(t, env)
		}
		grant := func(fn func(rule map[string]any)) []byte {
			return mutate(func(env map[string]any) { fn(env["grant"].(map[string]any)) })
		}
		type tc struct {
			name, path, bearer string
			body               []byte
			status             int
			code               string
		}
		cases := []tc{
			{"no bearer", grantsPath, "", good, 401, api.CodeAuthenticationNeeded},
			{"non-admin workflow", grantsPath, h.token("acme/web", workflowRef), good, 403, api.CodeAuthorizationDenied},
			{"terminal agent", grantsPath, terminalToken, good, 403, api.CodeAuthorizationDenied},
			{"local admin without a rule", grantsPath, adminToken, good, 403, api.CodeAuthorizationDenied},
			{"terminal agent on explain", explainPath, terminalToken, []byte(`{}`), 403, api.CodeAuthorizationDenied},
			{"apply without reason", grantsPath, h.admin(), mutate(func(env map[string]any) { delete(env, "reason") }), 400, api.CodeReasonRequired},
			{"default mode is apply, so reason", grantsPath, h.admin(), mutate(func(env map[string]any) { delete(env, "reason"); delete(env, "mode") }), 400, api.CodeReasonRequired},
			{"blank reason", grantsPath, h.admin(), mutate(func(env map[string]any) { env["reason"] = "  " }), 400, api.CodeReasonRequired},
			{"local operator dry run without reason", grantsPath, operatorToken, mutate(func(env map[string]any) { delete(env, "reason"); env["mode"] = "dry_run" }), 400, api.CodeReasonRequired},
			{"unknown envelope field", grantsPath, h.admin(), mutate(func(env map[string]any) { env["colour"] = "blue" }), 400, api.CodeInvalidRequest},
			{"unknown grant field", grantsPath, h.admin(), grant(func(r map[string]any) { r["workflow"] = "x" }), 400, api.CodeInvalidRequest},
			{"wrong-case key", grantsPath, h.admin(), grant(func(r map[string]any) { r["Repository"] = r["repository"]; delete(r, "repository") }), 400, api.CodeInvalidRequest},
			{"null selector", grantsPath, h.admin(), grant(func(r map[string]any) { r["refs"] = nil }), 400, api.CodeInvalidRequest},
			{"removal on a grant route", grantsPath, h.admin(), mutate(func(env map[string]any) { env["removal"] = env["grant"] }), 400, api.CodeInvalidRequest},
			{"grant on the removal route", removalsPath, h.admin(), good, 400, api.CodeInvalidRequest},
			{"other product", grantsPath, h.admin(), mutate(func(env map[string]any) { env["product"] = "web" }), 400, api.CodeInvalidRequest},
			{"schema version 2", grantsPath, h.admin(), mutate(func(env map[string]any) { env["schema_version"] = 2 }), 400, api.CodeInvalidRequest},
			{"dashed mode", grantsPath, h.admin(), mutate(func(env map[string]any) { env["mode"] = "dry-run" }), 400, api.CodeInvalidRequest},
			{"no actions", grantsPath, h.admin(), grant(func(r map[string]any) { r["actions"] = []string{" "} }), 400, api.CodeInvalidRequest},
			{"no repository", grantsPath, h.admin(), grant(func(r map[string]any) { delete(r, "repository") }), 400, api.CodeInvalidRequest},
			{"bootstrap source label", grantsPath, h.admin(), grant(func(r map[string]any) { r["source_label"] = "bootstrap-env:LAUNCHPLANE_POLICY_TOML" }), 400, api.CodeInvalidRequest},
			{"human without principal selector", "/v1/authz-policies/github-humans/grants", h.admin(),
				envelope(t, "grant", "apply", "x", map[string]any{"roles": []string{"admin"}, "actions": []string{"deployment.read"}}), 400, api.CodeInvalidRequest},
			{"human with unknown role", "/v1/authz-policies/github-humans/grants", h.admin(),
				envelope(t, "grant", "apply", "x", map[string]any{"logins": []string{"someone"}, "roles": []string{"owner"}, "actions": []string{"deployment.read"}}), 400, api.CodeInvalidRequest},
			{"agent without token label", "/v1/authz-policies/local-admins/grants", h.admin(),
				envelope(t, "grant", "apply", "x", map[string]any{"subjects": []string{"s"}, "actions": []string{"deployment.read"}}), 400, api.CodeInvalidRequest},
			{"empty body", grantsPath, h.admin(), nil, 400, api.CodeInvalidRequest},
		}
		before := h.policyRecords()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := h.do("POST", c.path, c.bearer, c.body)
				if r.status != c.status || errorCode(r) != c.code || r.body["status"] != "rejected" {
					t.Errorf("got %d %s, want %d %s", r.status, r.raw, c.status, c.code)
				}
				assertRedacted(t, r, newcomerRef, "someone")
			})
		}
		if n := h.policyRecords(); n != before {
			t.Errorf("rejected requests wrote %d policy records", n-before)
		}
	})
}

func TestAuthzNoActivePolicy(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newAuthzHarness(t, engine.URL(t), false)
			r := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "apply", "x", newcomerRule()))
			if r.status != 503 || errorCode(r) != api.CodeAuthzPolicyUnavailable {
				t.Errorf("grant without a policy: %d %s", r.status, r.raw)
			}
			if n := h.policyRecords(); n != 0 {
				t.Errorf("wrote %d records", n)
			}
		})
	}
}

func TestAuthzOwnerAgentAndHumanGrants(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		agentRule := map[string]any{"subjects": []string{"ci-agent-subject-9"}, "token_labels": []string{"ci-label-9"},
			"products": []string{"launchplane"}, "contexts": []string{"cm"}, "actions": []string{"deployment.read"}}
		r := h.do("POST", "/v1/authz-policies/terminal-agents/grants", operatorToken, envelope(t, "grant", "apply", "let the CI agent read", agentRule))
		if r.status != 202 || field(t, r, "result", "changed") != true || field(t, r, "result", "authz_policy", "terminal_agents_rule_count") != 2.0 {
			t.Fatalf("local operator grant: %d %s", r.status, r.raw)
		}
		if diff := cmp.Diff(map[string]any{"type": "local_operator"}, field(t, r, "result", "audit", "operator")); diff != "" {
			t.Errorf("operator (-want +got):\n%s", diff)
		}
		if field(t, r, "result", "authz_policy", "source") != "service:authz-terminal-agent-policy-grant" ||
			field(t, r, "result", "audit", "requested_grant_summary", "subject_count") != 1.0 {
			t.Errorf("agent grant result: %s", r.raw)
		}
		assertRedacted(t, r, "ci-agent-subject-9", "ci-label-9")

		humanRule := map[string]any{"logins": []string{"secret-login-3"}, "teams": []string{"acme/secret-team"}, "roles": []string{"admin"},
			"products": []string{"launchplane"}, "contexts": []string{"launchplane"}, "actions": []string{"product_profile.read"}, "source_label": "ops:onboarding"}
		r = h.do("POST", "/v1/authz-policies/github-humans/grants", h.admin(), envelope(t, "grant", "", "onboard a human", humanRule))
		if r.status != 202 || field(t, r, "result", "authz_policy", "github_humans_rule_count") != 1.0 ||
			field(t, r, "result", "authz_policy", "source") != "ops:onboarding" {
			t.Fatalf("human grant: %d %s", r.status, r.raw)
		}
		wantSummary := map[string]any{"principal_type": "github_human", "login_count": 1.0, "organization_count": 0.0, "team_count": 1.0,
			"roles": []any{"admin"}, "products": []any{"launchplane"}, "contexts": []any{"launchplane"}, "actions": []any{"product_profile.read"}}
		if diff := cmp.Diff(wantSummary, field(t, r, "result", "audit", "requested_grant_summary")); diff != "" {
			t.Errorf("human summary (-want +got):\n%s", diff)
		}
		assertRedacted(t, r, "secret-login-3", "secret-team")

		for _, path := range []string{"/v1/authz-policies/local-operators/grants", "/v1/authz-policies/local-admins/grants"} {
			r := h.do("POST", path, operatorToken, envelope(t, "grant", "dry_run", "preview", agentRule))
			if r.status != 202 || field(t, r, "result", "changed") != true {
				t.Errorf("%s dry run: %d %s", path, r.status, r.raw)
			}
		}
	})
}

func TestAuthzGrantIdempotency(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		before := h.policyRecords()
		body := envelope(t, "grant", "apply", "onboard", newcomerRule())
		first := h.do("POST", grantsPath, h.admin(), body, "Idempotency-Key", "grant-1")
		again := h.do("POST", grantsPath, h.admin(), body, "Idempotency-Key", "grant-1")
		if first.status != 202 || again.status != 202 || again.body["replayed"] != true || again.body["original_trace_id"] != first.body["trace_id"] {
			t.Fatalf("replay: %s / %s", first.raw, again.raw)
		}
		if diff := cmp.Diff(first.body["records"], again.body["records"]); diff != "" {
			t.Errorf("replayed records differ:\n%s", diff)
		}
		if diff := cmp.Diff(first.body["result"], again.body["result"]); diff != "" {
			t.Errorf("replayed result differs:\n%s", diff)
		}
		other := h.do("POST", grantsPath, h.admin(), envelope(t, "grant", "apply", "other reason", newcomerRule()), "Idempotency-Key", "grant-1")
		if other.status != 409 || errorCode(other) != api.CodeIdempotencyKeyReused {
			t.Errorf("reused key: %d %s", other.status, other.raw)
		}
		if n := h.policyRecords(); n != before+1 {
			t.Errorf("want exactly one new policy record, got %d", n-before)
		}
	})
}

func TestAuthzExplain(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		principal := authz.Principal{Type: "github_actions", Repository: "acme/web", WorkflowRef: workflowRef, EventName: "push", Ref: "refs/heads/main"}
		explain := func(bearer, context string) response {
			return h.do("POST", explainPath, bearer, jsonBody(t, map[string]any{
				"schema_version": 1, "principal": principal, "action": "deployment.write", "product": "web", "context": context,
			}))
		}
		denied := explain(h.admin(), "opw")
		if denied.status != 200 || field(t, denied, "decision", "allowed") != false || field(t, denied, "decision", "reason") != authz.ReasonNoRuleMatched {
			t.Fatalf("denied explain: %d %s", denied.status, denied.raw)
		}
		rules, _ := field(t, denied, "decision", "rules").([]any)
		if len(rules) != 2 {
			t.Fatalf("want both github_actions rules traced: %s", denied.raw)
		}
		if diff := cmp.Diff([]any{"contexts"}, rules[0].(map[string]any)["failed_selectors"]); diff != "" {
			t.Errorf("rule 0 failed selectors (-want +got):\n%s", diff)
		}
		if !strings.Contains(denied.raw, `"acme/web/.github/workflows/*.yml@*"`) || field(t, denied, "policy_sha256") == "" {
			t.Errorf("explain shows patterns and the policy: %s", denied.raw)
		}

		allowed := explain(h.admin(), "cm")
		want := map[string]any{"family": "github_actions", "index": 0.0}
		if allowed.status != 200 || field(t, allowed, "decision", "allowed") != true {
			t.Fatalf("allowed explain: %d %s", allowed.status, allowed.raw)
		}
		if diff := cmp.Diff(want, field(t, allowed, "decision", "matched_rule")); diff != "" {
			t.Errorf("matched rule (-want +got):\n%s", diff)
		}

		if r := explain(h.token("acme/web", workflowRef), "cm"); r.status != 403 || errorCode(r) != api.CodeAuthorizationDenied {
			t.Errorf("non-admin explain: %d %s", r.status, r.raw)
		}
		bad := h.do("POST", explainPath, h.admin(), []byte(`{"principal":{"type":"github_actions","colour":"x"},"action":"a","product":"p","context":"c"}`))
		if bad.status != 400 || errorCode(bad) != api.CodeInvalidRequest {
			t.Errorf("strict explain body: %d %s", bad.status, bad.raw)
		}
		if r := h.do("POST", explainPath, "", []byte(`{}`)); r.status != http.StatusUnauthorized {
			t.Errorf("anonymous explain: %d %s", r.status, r.raw)
		}
	})
}

// TestAuthzRouteCatalogue pins the six maintenance routes and explain: a
// wrong verb is 405, never a silent success.
func TestAuthzRouteCatalogue(t *testing.T) {
	h := newAuthzHarness(t, sqltest.SQLiteURL(t), true)
	for _, p := range []string{grantsPath, removalsPath, "/v1/authz-policies/github-humans/grants", "/v1/authz-policies/terminal-agents/grants",
		"/v1/authz-policies/local-operators/grants", "/v1/authz-policies/local-admins/grants", explainPath} {
		if r := h.do("GET", p, h.admin(), nil); r.status != 405 || r.header.Get("Allow") != "POST" {
			t.Errorf("GET %s: %d %s", p, r.status, r.raw)
		}
	}
	if r := h.do("POST", "/v1/authz-policies/github-humans/removals", h.admin(), []byte(`{}`)); r.status != 404 {
		t.Errorf("no human removal route: %d", r.status)
	}
}

// TestAuthzConcurrentGrantsAllLand: grants of different rules at the same
// time each build on the previous one, so none is lost.
func TestAuthzConcurrentGrantsAllLand(t *testing.T) {
	eachAuthzEngine(t, func(t *testing.T, h *harness) {
		const n = 12
		admin := h.admin()
		var wg sync.WaitGroup
		statuses := make(chan int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rule := newcomerRule()
				rule["contexts"] = []string{fmt.Sprintf("ctx-%d", i)}
				statuses <- h.do("POST", grantsPath, admin, envelope(t, "grant", "apply", "parallel", rule)).status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 202 {
				t.Errorf("status %d", s)
			}
		}
		act, err := authz.NewAuthority(h.store, time.Now).Active(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := len(act.Policy.GitHubActions); got != 2+n {
			t.Errorf("want %d github_actions rules after %d concurrent grants, got %d", 2+n, n, got)
		}
	})
}
