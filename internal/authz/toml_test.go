package authz

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeTOML(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    Policy
		wantErr string // substring; empty means success
	}{
		{
			name: "every family",
			doc: `schema_version = 1
[[github_actions]]
repository = "acme/shop"
workflow_refs = ["acme/shop/.github/workflows/deploy.yml@*"]
job_workflow_refs = []
event_names = ["push"]
refs = ["refs/heads/main"]
environments = ["prod"]
products = ["shop"]
contexts = ["shop-*"]
actions = ["deployment.write"]
[[github_humans]]
logins = ["alice"]
organizations = ["acme"]
teams = ["acme/ops"]
roles = ["admin"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["authz_policy_grant.write"]
[[terminal_agents]]
subjects = ["agent"]
token_labels = ["read"]
actions = ["product_profile.read"]
[[local_operators]]
subjects = ["agent"]
token_labels = ["write"]
[[local_admins]]
subjects = ["root"]
token_labels = ["admin"]
`,
			want: Policy{
				SchemaVersion: 1,
				GitHubActions: []GitHubActionsRule{{
					Repository: "acme/shop", WorkflowRefs: []string{"acme/shop/.github/workflows/deploy.yml@*"}, JobWorkflowRefs: []string{},
					EventNames: []string{"push"}, Refs: []string{"refs/heads/main"}, Environments: []string{"prod"},
					Products: []string{"shop"}, Contexts: []string{"shop-*"}, Actions: []string{"deployment.write"},
				}},
				GitHubHumans: []GitHubHumanRule{{
					Logins: []string{"alice"}, Organizations: []string{"acme"}, Teams: []string{"acme/ops"}, Roles: []string{"admin"},
					Products: []string{"launchplane"}, Contexts: []string{"launchplane"}, Actions: []string{"authz_policy_grant.write"},
				}},
				TerminalAgents: []AgentRule{{Subjects: []string{"agent"}, TokenLabels: []string{"read"}, Actions: []string{"product_profile.read"}}},
				LocalOperators: []AgentRule{{Subjects: []string{"agent"}, TokenLabels: []string{"write"}}},
				LocalAdmins:    []AgentRule{{Subjects: []string{"root"}, TokenLabels: []string{"admin"}}},
			},
		},
		{name: "empty policy", doc: "schema_version = 1\n", want: Policy{SchemaVersion: 1}},
		{name: "unknown top-level key", doc: "schema_version = 1\nowners = []\n", wantErr: `unknown key "owners"`},
		{name: "unknown rule key", doc: "schema_version = 1\n[[github_actions]]\nrepository = \"a/b\"\nworkflows = []\n", wantErr: `unknown key "github_actions.workflows"`},
		{name: "key from another family", doc: "schema_version = 1\n[[github_humans]]\nsubjects = [\"x\"]\n", wantErr: `unknown key "github_humans.subjects"`},
		{name: "wrong case is unknown", doc: "schema_version = 1\n[[github_actions]]\nRepository = \"a/b\"\n", wantErr: `unknown key "github_actions.Repository"`},
		{name: "wrong case top-level", doc: "Schema_Version = 1\n", wantErr: `unknown key "Schema_Version"`},
		{name: "nested table", doc: "schema_version = 1\n[[github_actions]]\nrepository = \"a/b\"\n[github_actions.extra]\nx = 1\n", wantErr: `unknown key "github_actions.extra"`},
		{name: "inline table unknown key", doc: "schema_version = 1\ngithub_actions = [{repository = \"a/b\", bogus = 1}]\n", wantErr: `unknown key "github_actions.bogus"`},
		{name: "selector is a string", doc: "schema_version = 1\n[[github_actions]]\nrepository = \"a/b\"\nrefs = \"refs/heads/main\"\n", wantErr: "decode toml"},
		{name: "family is a table", doc: "schema_version = 1\n[github_actions]\nrepository = \"a/b\"\n", wantErr: "decode toml"},
		{name: "missing schema_version", doc: "[[github_actions]]\nrepository = \"a/b\"\n", wantErr: "schema_version: is required"},
		{name: "schema_version 2", doc: "schema_version = 2\n", wantErr: "schema_version: must be 1, got 2"},
		{name: "github_actions without repository", doc: "schema_version = 1\n[[github_actions]]\nactions = [\"x.read\"]\n", wantErr: "github_actions[0].repository: is required"},
		{name: "blank repository", doc: "schema_version = 1\n[[github_actions]]\nrepository = \"  \"\n", wantErr: "github_actions[0].repository: is required"},
		{name: "unknown role", doc: "schema_version = 1\n[[github_humans]]\nroles = [\"owner\"]\n", wantErr: `"owner" is not read_only or admin`},
		{name: "not toml", doc: "{", wantErr: "decode toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTOML([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidPolicy) {
					t.Fatalf("err = %v, want ErrInvalidPolicy containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("policy (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeTOMLRoundTrip(t *testing.T) {
	p := fixturePolicy()
	text, err := EncodeTOML(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeTOML(text)
	if err != nil {
		t.Fatalf("decode encoded policy: %v\n%s", err, text)
	}
	if diff := cmp.Diff(mustJSON(t, p), mustJSON(t, back)); diff != "" {
		t.Errorf("round trip changed the policy (-want +got):\n%s", diff)
	}
}

// The checked-in example must be a valid policy (documentation that does
// not parse is worse than none) and must be refused as a bootstrap source.
func TestExamplePolicy(t *testing.T) {
	const path = "../../deploy/authz-policy.example.toml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if !strings.Contains(first, ExampleMarker) {
		t.Errorf("first line %q lacks the example marker %q", first, ExampleMarker)
	}
	p, err := DecodeTOML(data)
	if err != nil {
		t.Fatalf("example does not decode: %v", err)
	}
	if n := p.Counts(); n.GitHubActions == 0 || n.GitHubHumans == 0 || n.TerminalAgents == 0 || n.LocalOperators == 0 {
		t.Errorf("example should show every common family, counts %+v", n)
	}
	if !HasPolicyAdmin(p) {
		t.Error("example should keep a policy administrator")
	}
	if _, _, err := LoadBootstrap(BootstrapSource{PolicyFile: path}); !errors.Is(err, ErrExamplePolicy) {
		t.Errorf("LoadBootstrap(example) err = %v, want ErrExamplePolicy", err)
	}
}
