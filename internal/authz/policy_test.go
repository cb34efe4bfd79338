package authz

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

// fixturePolicy has rules in every family and every selector kind.
func fixturePolicy() Policy {
	return Policy{
		SchemaVersion: 1,
		GitHubActions: []GitHubActionsRule{
			{
				Repository:   "acme/shop",
				WorkflowRefs: []string{"acme/shop/.github/workflows/deploy.yml@refs/heads/main"},
				EventNames:   []string{"push", "workflow_dispatch"},
				Refs:         []string{"refs/heads/main"},
				Environments: []string{"prod"},
				Products:     []string{"shop"},
				Contexts:     []string{"shop-*"},
				Actions:      []string{"deployment.write"},
			},
			{
				Repository:   "acme/shop",
				WorkflowRefs: []string{"acme/shop/.github/workflows/preview.yml@*"},
				Products:     []string{"shop"},
				Actions:      []string{"preview_generation.write"},
			},
			{
				Repository:      "acme/shop",
				JobWorkflowRefs: []string{"acme/reusable/.github/workflows/*.yml@refs/heads/*"},
				Contexts:        []string{"*"},
				Actions:         []string{"artifact_protection.read"},
			},
			{
				Repository: "acme/launchplane",
				Products:   []string{"launchplane"},
				Contexts:   []string{"launchplane"},
				Actions:    []string{"authz_policy_grant.write"},
			},
		},
		GitHubHumans: []GitHubHumanRule{
			{Logins: []string{"alice", "bo?"}, Roles: []string{"admin"}, Products: []string{"launchplane"}, Contexts: []string{"launchplane"}, Actions: []string{"authz_policy_grant.write"}},
			{Organizations: []string{"acme*"}, Roles: []string{"read_only"}, Products: []string{"shop"}, Actions: []string{"product_profile.read", "product_config.apply"}},
			{Teams: []string{"acme/ops"}, Products: []string{"shop"}, Contexts: []string{"shop-prod"}},
		},
		TerminalAgents: []AgentRule{
			{Subjects: []string{"agent-*"}, TokenLabels: []string{"read"}, Products: []string{"shop"}, Contexts: []string{"shop-prod"}, Actions: []string{"product_environment.read"}},
		},
		LocalOperators: []AgentRule{
			{Subjects: []string{"owner"}, TokenLabels: []string{"write-*"}, Products: []string{"sh*"}, Contexts: []string{"shop-*"}, Actions: []string{"product_config.apply"}},
		},
		LocalAdmins: []AgentRule{
			{Subjects: []string{"root"}, TokenLabels: []string{"admin"}},
		},
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func policyHash(t *testing.T, p Policy) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	sha, err := record.PolicySHA256(b)
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

func TestPolicyJSONEncoding(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want string
	}{
		{
			name: "empty policy keeps the two original families, omits the agent ones",
			p:    Policy{SchemaVersion: 1},
			want: `{"schema_version":1,"github_actions":[],"github_humans":[]}`,
		},
		{
			name: "nil selectors are empty arrays",
			p:    Policy{SchemaVersion: 1, GitHubActions: []GitHubActionsRule{{Repository: "a/b"}}},
			want: `{"schema_version":1,"github_actions":[{"repository":"a/b","workflow_refs":[],"job_workflow_refs":[],"event_names":[],"refs":[],"environments":[],"products":[],"contexts":[],"actions":[]}],"github_humans":[]}`,
		},
		{
			name: "agent family present when it has rules",
			p:    Policy{SchemaVersion: 1, LocalAdmins: []AgentRule{{Subjects: []string{"root"}}}},
			want: `{"schema_version":1,"github_actions":[],"github_humans":[],"local_admins":[{"subjects":["root"],"token_labels":[],"products":[],"contexts":[],"actions":[]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, mustJSON(t, tt.p)); diff != "" {
				t.Errorf("json (-want +got):\n%s", diff)
			}
		})
	}
}

// The hash must not depend on nil versus empty slices, nor on a decode and
// re-encode round trip.
func TestPolicyHashStable(t *testing.T) {
	nilForm := Policy{SchemaVersion: 1, GitHubActions: []GitHubActionsRule{{Repository: "a/b"}}}
	emptyForm := Policy{
		SchemaVersion:  1,
		GitHubActions:  []GitHubActionsRule{{Repository: "a/b", WorkflowRefs: []string{}, Actions: []string{}}},
		GitHubHumans:   []GitHubHumanRule{},
		TerminalAgents: []AgentRule{},
	}
	if a, b := policyHash(t, nilForm), policyHash(t, emptyForm); a != b {
		t.Errorf("nil and empty forms hash differently: %s vs %s", a, b)
	}
	p := fixturePolicy()
	back, err := DecodePolicyJSON([]byte(mustJSON(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := policyHash(t, p), policyHash(t, back); a != b {
		t.Errorf("round trip changed the hash: %s vs %s", a, b)
	}
}

func TestDecodePolicyJSON(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{name: "minimal", doc: `{"schema_version":1}`},
		{name: "nulls are empty", doc: `{"schema_version":1,"github_actions":[{"repository":"a/b","refs":null}],"github_humans":null}`},
		{name: "unknown top key", doc: `{"schema_version":1,"revision":3}`, wantErr: `unknown key "revision"`},
		{name: "unknown rule key", doc: `{"schema_version":1,"github_humans":[{"github_ids":[1]}]}`, wantErr: `unknown key "github_ids" in github_humans[0]`},
		{name: "case variant refused", doc: `{"schema_version":1,"github_actions":[{"Repository":"a/b"}]}`, wantErr: `unknown key "Repository"`},
		{name: "family not an array", doc: `{"schema_version":1,"github_actions":{}}`, wantErr: "must be an array of rule objects"},
		{name: "trailing data", doc: `{"schema_version":1} {}`, wantErr: "decode json"},
		{name: "schema 2", doc: `{"schema_version":2}`, wantErr: "schema_version: must be 1"},
		{name: "not json", doc: `schema_version = 1`, wantErr: "decode json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePolicyJSON([]byte(tt.doc))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrInvalidPolicy containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPolicyWarnings(t *testing.T) {
	got := fixturePolicy().Warnings()
	want := []string{
		"github_humans[2] has no actions: it allows every action",
		"local_admins[0] has no actions: it allows every action",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestCloneIsDeep(t *testing.T) {
	p := fixturePolicy()
	c := p.Clone()
	c.GitHubActions[0].Actions[0] = "changed"
	c.LocalAdmins[0].Subjects[0] = "changed"
	if diff := cmp.Diff(fixturePolicy(), p); diff != "" {
		t.Errorf("editing the clone changed the original:\n%s", diff)
	}
}
