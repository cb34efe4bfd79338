package authz

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    Principal
		wantErr string
	}{
		{
			name: "oidc claims, extra claims ignored",
			doc:  `{"iss":"https://token.actions.githubusercontent.com","exp":1,"actor":"someone","repository":"acme/shop","workflow_ref":"acme/shop/.github/workflows/x.yml@refs/heads/main","job_workflow_ref":"j","event_name":"push","ref":"refs/heads/main","ref_type":"branch","environment":"prod","sub":"repo:acme/shop:ref:refs/heads/main"}`,
			want: Principal{Type: TypeGitHubActions, Repository: "acme/shop", WorkflowRef: "acme/shop/.github/workflows/x.yml@refs/heads/main", JobWorkflowRef: "j", EventName: "push", Ref: "refs/heads/main", RefType: "branch", Environment: "prod", Subject: "repo:acme/shop:ref:refs/heads/main"},
		},
		{
			name: "typed principal",
			doc:  `{"type":"github_human","login":"carol","organizations":["acme"],"teams":["acme/ops"],"role":"read_only"}`,
			want: Principal{Type: TypeGitHubHuman, Login: "carol", Organizations: []string{"acme"}, Teams: []string{"acme/ops"}, Role: RoleReadOnly},
		},
		{name: "typed principal is strict", doc: `{"type":"local_admin","subject":"root","token_label":"admin","token":"secret"}`, wantErr: `unknown field "token"`},
		{name: "claims need workflow_ref", doc: `{"repository":"acme/shop"}`, wantErr: "workflow_ref is required"},
		{name: "claim must be a string", doc: `{"repository":"acme/shop","workflow_ref":7}`, wantErr: "claim workflow_ref: must be a string"},
		{name: "unknown type", doc: `{"type":"robot"}`, wantErr: `unknown principal type "robot"`},
		{name: "not an object", doc: `["x"]`, wantErr: "want a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrincipal([]byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiagnostics(t *testing.T) {
	act := Active{Source: SourceDB, Record: record.AuthzPolicyRecord{PolicySHA256: "abc"}}
	tests := []struct {
		p    Principal
		want map[string]string
	}{
		{deployRun(), map[string]string{
			"type": "github_actions", "repository": "acme/shop", "workflow_ref": "acme/shop/.github/workflows/deploy.yml@refs/heads/main",
			"job_workflow_ref": "", "event_name": "push", "ref": "refs/heads/main", "ref_type": "branch", "environment": "prod",
			"subject": "repo:acme/shop:environment:prod",
		}},
		{Principal{Type: TypeGitHubHuman, Login: "carol", Organizations: []string{"acme"}, Role: RoleReadOnly}, map[string]string{"type": "github_human", "login": "carol", "role": "read_only"}},
		{Principal{Type: TypeLocalOperator, Subject: "owner", TokenLabel: "write"}, map[string]string{"type": "local_operator", "subject": "owner", "token_label": "write"}},
	}
	for _, tt := range tests {
		got := act.Diagnostics(tt.p)
		want := Diagnostics{Identity: tt.want, PolicySource: SourceDB, PolicySHA256: "abc"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s diagnostics (-want +got):\n%s", tt.p.Type, diff)
		}
	}
}
