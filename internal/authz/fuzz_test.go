package authz

import (
	"encoding/json"
	"testing"
)

// FuzzMatch throws arbitrary patterns and values at every rule family.
// Properties: nothing panics; Allows agrees with Explain; and a rule whose
// selectors are all empty allows any valid principal of its family (except
// a read_only human on an action outside read and safe_write).
func FuzzMatch(f *testing.F) {
	f.Add(uint8(0), "owner/repo/.github/workflows/x.yml@*", "owner/repo/.github/workflows/x.yml@refs/heads/main", "deployment.write", "shop", "shop-prod", false)
	f.Add(uint8(1), "acme*", "acme-labs", "product_profile.read", "shop", "launchplane", true)
	f.Add(uint8(2), "[!a-c]?*", "d1", "product_environment.read", "", "", false)
	f.Add(uint8(3), "refs/heads/*", "refs/heads/a/b", "product_config.apply", "p", "c", false)
	f.Add(uint8(4), "[", "[", "", "*", "?", true)
	f.Fuzz(func(t *testing.T, family uint8, pattern, value, action, product, context string, readOnly bool) {
		types := []string{TypeGitHubActions, TypeGitHubHuman, TypeTerminalAgent, TypeLocalOperator, TypeLocalAdmin}
		pt := types[int(family)%len(types)]
		id := value
		if id == "" {
			id = "x"
		}
		role := RoleAdmin
		if readOnly {
			role = RoleReadOnly
		}
		p := Principal{
			Type: pt, Repository: id, WorkflowRef: id, JobWorkflowRef: value, EventName: value, Ref: value,
			Environment: value, Subject: id, Login: id, Organizations: []string{value}, Teams: []string{value, id},
			Role: role, TokenLabel: id,
		}
		pats := []string{pattern}
		patterned := Policy{
			SchemaVersion:  1,
			GitHubActions:  []GitHubActionsRule{{Repository: pattern, WorkflowRefs: pats, JobWorkflowRefs: pats, EventNames: pats, Refs: pats, Environments: pats, Products: pats, Contexts: pats, Actions: pats}},
			GitHubHumans:   []GitHubHumanRule{{Logins: pats, Organizations: pats, Teams: pats, Roles: pats, Products: pats, Contexts: pats, Actions: pats}},
			TerminalAgents: []AgentRule{{Subjects: pats, TokenLabels: pats, Products: pats, Contexts: pats, Actions: pats}},
			LocalOperators: []AgentRule{{Subjects: pats, TokenLabels: pats, Products: pats, Contexts: pats, Actions: pats}},
			LocalAdmins:    []AgentRule{{Subjects: pats, TokenLabels: pats, Products: pats, Contexts: pats, Actions: pats}},
		}
		d := Explain(patterned, p, action, product, context)
		if got := Allows(patterned, p, action, product, context); got != d.Allowed {
			t.Fatalf("Allows = %v, Explain.Allowed = %v", got, d.Allowed)
		}
		if d.Allowed && (d.MatchedRule == nil || len(d.Rules) != 1 || len(d.Rules[0].Failed) != 0) {
			t.Fatalf("allowed without a clean matched rule: %+v", d)
		}

		open := Policy{
			SchemaVersion:  1,
			GitHubActions:  []GitHubActionsRule{{Repository: id}},
			GitHubHumans:   []GitHubHumanRule{{}},
			TerminalAgents: []AgentRule{{}},
			LocalOperators: []AgentRule{{}},
			LocalAdmins:    []AgentRule{{}},
		}
		want := !(pt == TypeGitHubHuman && readOnly && !readOnlyAllows(SafetyClass(action)))
		if got := Allows(open, p, action, product, context); got != want {
			t.Fatalf("empty-selector rule: Allows = %v, want %v (%s)", got, want, mustJSON(t, Explain(open, p, action, product, context)))
		}
	})
}

// FuzzDecodeTOML feeds arbitrary documents to the strict decoder.
// Properties: nothing panics; whatever decodes is valid, survives a TOML
// round trip unchanged, and its JSON decodes back with the same hash.
func FuzzDecodeTOML(f *testing.F) {
	f.Add([]byte("schema_version = 1\n"))
	f.Add([]byte("schema_version = 1\n[[github_actions]]\nrepository = \"a/b\"\nworkflow_refs = [\"a/b/.github/workflows/x.yml@*\"]\nactions = [\"deployment.write\"]\n"))
	f.Add([]byte("schema_version = 1\n[[github_humans]]\nlogins = [\"a\"]\nroles = [\"admin\"]\n[[local_admins]]\nsubjects = [\"s\"]\n"))
	f.Add([]byte("schema_version = 1\ngithub_actions = [{repository = \"a/b\", bogus = 1}]\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := DecodeTOML(doc)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded an invalid policy: %v", err)
		}
		text, err := EncodeTOML(p)
		if err != nil {
			t.Fatalf("encode decoded policy: %v", err)
		}
		back, err := DecodeTOML(text)
		if err != nil {
			t.Fatalf("re-decode encoded policy: %v\n%s", err, text)
		}
		if a, b := mustJSON(t, p), mustJSON(t, back); a != b {
			t.Fatalf("TOML round trip changed the policy:\n%s\n%s", a, b)
		}
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, err := DecodePolicyJSON(raw)
		if err != nil {
			t.Fatalf("decode the policy's own JSON: %v\n%s", err, raw)
		}
		if a, b := policyHash(t, p), policyHash(t, fromJSON); a != b {
			t.Fatalf("JSON round trip changed the hash")
		}
	})
}
