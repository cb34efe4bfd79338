package authz

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	got := GitHubActionsRule{
		Repository: "  acme/shop ",
		Refs:       []string{" refs/heads/main", "", "  ", "refs/heads/main"},
		Actions:    []string{"b.write", " a.write "},
	}.Normalize()
	want := GitHubActionsRule{
		Repository: "acme/shop", WorkflowRefs: []string{}, JobWorkflowRefs: []string{}, EventNames: []string{},
		Refs: []string{"refs/heads/main", "refs/heads/main"}, Environments: []string{}, Products: []string{},
		Contexts: []string{}, Actions: []string{"b.write", "a.write"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalized (-want +got):\n%s", diff)
	}
}

func TestRuleEqual(t *testing.T) {
	base := GitHubActionsRule{Repository: "acme/shop", Products: []string{"shop"}, Actions: []string{"a.write", "b.write"}}
	tests := []struct {
		name  string
		other GitHubActionsRule
		want  bool
	}{
		{"identical", base, true},
		{"whitespace and empties normalize away", GitHubActionsRule{Repository: " acme/shop", Products: []string{"shop", ""}, Actions: []string{" a.write", "b.write "}, Refs: []string{}}, true},
		{"order counts", GitHubActionsRule{Repository: "acme/shop", Products: []string{"shop"}, Actions: []string{"b.write", "a.write"}}, false},
		{"narrower", GitHubActionsRule{Repository: "acme/shop", Products: []string{"shop"}, Actions: []string{"a.write"}}, false},
		{"broader", GitHubActionsRule{Repository: "acme/shop", Actions: []string{"a.write", "b.write"}}, false},
		{"extra selector", GitHubActionsRule{Repository: "acme/shop", Products: []string{"shop"}, Actions: []string{"a.write", "b.write"}, Refs: []string{"refs/heads/main"}}, false},
	}
	for _, tt := range tests {
		if got := base.Equal(tt.other); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGrantValidation(t *testing.T) {
	p := fixturePolicy()
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"actions: repository required", func() error {
			_, _, err := p.GrantGitHubActions(GitHubActionsRule{Repository: "  ", Actions: []string{"a.write"}})
			return err
		}, "invalid authz policy request: github_actions: repository is required"},
		{"actions: an action required", func() error {
			_, _, err := p.GrantGitHubActions(GitHubActionsRule{Repository: "a/b", Actions: []string{" "}})
			return err
		}, "invalid authz policy request: github_actions: at least one action is required"},
		{"humans: a principal selector required", func() error {
			_, _, err := p.GrantGitHubHuman(GitHubHumanRule{Roles: []string{"admin"}, Actions: []string{"a.read"}})
			return err
		}, "invalid authz policy request: github_humans: at least one of logins, organizations or teams is required"},
		{"humans: known roles only", func() error {
			_, _, err := p.GrantGitHubHuman(GitHubHumanRule{Teams: []string{"t"}, Roles: []string{"owner"}, Actions: []string{"a.read"}})
			return err
		}, `invalid authz policy request: github_humans: role "owner" is not read_only or admin`},
		{"humans: an action required", func() error {
			_, _, err := p.GrantGitHubHuman(GitHubHumanRule{Logins: []string{"x"}})
			return err
		}, "invalid authz policy request: github_humans: at least one action is required"},
		{"agents: subject required", func() error {
			_, _, err := p.GrantAgent(FamilyLocalOperators, AgentRule{TokenLabels: []string{"l"}, Actions: []string{"a"}})
			return err
		}, "invalid authz policy request: local_operators: at least one subject is required"},
		{"agents: token label required", func() error {
			_, _, err := p.GrantAgent(FamilyTerminalAgents, AgentRule{Subjects: []string{"s"}, Actions: []string{"a"}})
			return err
		}, "invalid authz policy request: terminal_agents: at least one token label is required"},
		{"agents: action required", func() error {
			_, _, err := p.GrantAgent(FamilyLocalAdmins, AgentRule{Subjects: []string{"s"}, TokenLabels: []string{"l"}})
			return err
		}, "invalid authz policy request: local_admins: at least one action is required"},
		{"agents: family must be an agent family", func() error {
			_, _, err := p.GrantAgent(FamilyGitHubHumans, AgentRule{Subjects: []string{"s"}, TokenLabels: []string{"l"}, Actions: []string{"a"}})
			return err
		}, `invalid authz policy request: "github_humans" is not an agent rule family`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || !errors.Is(err, ErrInvalidRequest) || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestGrant(t *testing.T) {
	newRule := GitHubActionsRule{Repository: " acme/blog ", WorkflowRefs: []string{"acme/blog/.github/workflows/deploy.yml@refs/heads/main", ""}, Actions: []string{"deployment.write"}}
	existing := fixturePolicy().GitHubActions[1]
	existing.Products = append(existing.Products, " ") // still equal once normalized

	tests := []struct {
		name        string
		grant       func(Policy) (Policy, bool, error)
		wantChanged bool
		wantCounts  RuleCounts
	}{
		{"new github_actions rule appended", func(p Policy) (Policy, bool, error) { return p.GrantGitHubActions(newRule) }, true, RuleCounts{5, 3, 1, 1, 1}},
		{"existing rule is a no-op", func(p Policy) (Policy, bool, error) { return p.GrantGitHubActions(existing) }, false, RuleCounts{4, 3, 1, 1, 1}},
		{"new human rule", func(p Policy) (Policy, bool, error) {
			return p.GrantGitHubHuman(GitHubHumanRule{Logins: []string{"erin"}, Roles: []string{"read_only"}, Actions: []string{"deployment.read"}})
		}, true, RuleCounts{4, 4, 1, 1, 1}},
		{"new terminal agent rule into an empty family", func(p Policy) (Policy, bool, error) {
			return p.GrantAgent(FamilyTerminalAgents, AgentRule{Subjects: []string{"agent-9"}, TokenLabels: []string{"read"}, Actions: []string{"deployment.read"}})
		}, true, RuleCounts{4, 3, 2, 1, 1}},
		{"same local operator rule again", func(p Policy) (Policy, bool, error) {
			return p.GrantAgent(FamilyLocalOperators, fixturePolicy().LocalOperators[0])
		}, false, RuleCounts{4, 3, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fixturePolicy()
			next, changed, err := tt.grant(before)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			if diff := cmp.Diff(tt.wantCounts, next.Counts()); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			// Pure: the input is untouched, so a dry run is just a discarded result.
			if diff := cmp.Diff(fixturePolicy(), before); diff != "" {
				t.Errorf("grant modified its input:\n%s", diff)
			}
		})
	}

	next, _, _ := fixturePolicy().GrantGitHubActions(newRule)
	if diff := cmp.Diff(newRule.Normalize(), next.GitHubActions[4]); diff != "" {
		t.Errorf("appended rule is not the normalized request (-want +got):\n%s", diff)
	}
	diff := GrantDiff(fixturePolicy(), next)
	if diff["previous_github_actions_rule_count"] != 4 || diff["new_github_actions_rule_count"] != 5 || diff["new_local_admins_rule_count"] != 1 || len(diff) != 10 {
		t.Errorf("grant diff = %v", diff)
	}
}

func TestRemove(t *testing.T) {
	target := GitHubActionsRule{Repository: "acme/shop", WorkflowRefs: []string{"acme/shop/.github/workflows/preview.yml@*"}, Products: []string{"shop"}, Actions: []string{"preview_generation.write"}}
	withDupes := fixturePolicy()
	withDupes.GitHubActions = append(withDupes.GitHubActions, target, GitHubActionsRule{Repository: "acme/shop ", WorkflowRefs: target.WorkflowRefs, Products: []string{"shop", ""}, Actions: target.Actions})

	tests := []struct {
		name        string
		policy      Policy
		remove      func(Policy) (Policy, int, error)
		wantMatched int
		wantCount   int // github_actions rules left
		wantErr     error
	}{
		{"exact rule removed", fixturePolicy(), func(p Policy) (Policy, int, error) { return p.RemoveGitHubActions(target) }, 1, 3, nil},
		{"every identical duplicate removed", withDupes, func(p Policy) (Policy, int, error) { return p.RemoveGitHubActions(target) }, 3, 3, nil},
		{"partial selectors remove nothing", fixturePolicy(), func(p Policy) (Policy, int, error) {
			return p.RemoveGitHubActions(GitHubActionsRule{Repository: "acme/shop", Actions: []string{"preview_generation.write"}})
		}, 0, 4, nil},
		{"broader rule untouched by a narrower removal", fixturePolicy(), func(p Policy) (Policy, int, error) {
			narrower := target
			narrower.Refs = []string{"refs/heads/main"}
			return p.RemoveGitHubActions(narrower)
		}, 0, 4, nil},
		{"repository required", fixturePolicy(), func(p Policy) (Policy, int, error) { return p.RemoveGitHubActions(GitHubActionsRule{}) }, 0, 4, ErrInvalidRequest},
		{"rule without actions can be removed", Policy{SchemaVersion: 1, GitHubActions: []GitHubActionsRule{{Repository: "a/b"}, {Repository: "acme/launchplane", Actions: []string{ActionPolicyGrantWrite}}}}, func(p Policy) (Policy, int, error) {
			return p.RemoveGitHubActions(GitHubActionsRule{Repository: "a/b"})
		}, 1, 1, nil},
		{"last admin refused", Policy{SchemaVersion: 1, GitHubActions: fixturePolicy().GitHubActions}, func(p Policy) (Policy, int, error) {
			return p.RemoveGitHubActions(fixturePolicy().GitHubActions[3])
		}, 1, 4, ErrLastPolicyAdmin},
		{"admin removable while another workflow admin remains", func() Policy {
			p := fixturePolicy()
			second := p.GitHubActions[3]
			second.Repository = "acme/second-admin"
			p.GitHubActions = append(p.GitHubActions, second)
			return p
		}(), func(p Policy) (Policy, int, error) {
			return p.RemoveGitHubActions(fixturePolicy().GitHubActions[3])
		}, 1, 4, nil},
		{"a human or agent admin does not keep the policy administrable", fixturePolicy(), func(p Policy) (Policy, int, error) {
			return p.RemoveGitHubActions(fixturePolicy().GitHubActions[3])
		}, 1, 4, ErrLastPolicyAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.policy.Clone()
			next, matched, err := tt.remove(tt.policy)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if matched != tt.wantMatched || len(next.GitHubActions) != tt.wantCount {
				t.Errorf("matched %d, %d rules left; want %d, %d", matched, len(next.GitHubActions), tt.wantMatched, tt.wantCount)
			}
			if diff := cmp.Diff(input, tt.policy); diff != "" {
				t.Errorf("removal modified its input:\n%s", diff)
			}
		})
	}

	next, n, _ := withDupes.RemoveGitHubActions(target)
	d := RemovalDiff(withDupes, next, n)
	if d["matched_rule_count"] != 3 || d["removed_rule_count"] != 3 || d["previous_github_actions_rule_count"] != 6 || d["new_github_actions_rule_count"] != 3 {
		t.Errorf("removal diff = %v", d)
	}
}

func TestRemoveOtherFamilies(t *testing.T) {
	p := fixturePolicy()
	next, n, err := p.RemoveGitHubHuman(GitHubHumanRule{Teams: []string{"acme/ops"}, Products: []string{"shop"}, Contexts: []string{"shop-prod"}})
	if err != nil || n != 1 || len(next.GitHubHumans) != 2 {
		t.Errorf("human removal: n=%d err=%v left=%d", n, err, len(next.GitHubHumans))
	}
	next, n, err = p.RemoveAgent(FamilyLocalAdmins, AgentRule{Subjects: []string{"root"}, TokenLabels: []string{"admin"}})
	if err != nil || n != 1 || len(next.LocalAdmins) != 0 {
		t.Errorf("agent removal: n=%d err=%v left=%d", n, err, len(next.LocalAdmins))
	}
	if _, _, err := p.RemoveAgent("robots", AgentRule{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("unknown family err = %v", err)
	}
}

func TestHasPolicyAdmin(t *testing.T) {
	admin := []string{ActionPolicyGrantWrite}
	tests := []struct {
		name string
		p    Policy
		want bool
	}{
		{"empty policy", Policy{SchemaVersion: 1}, false},
		{"actions rule with the action", Policy{GitHubActions: []GitHubActionsRule{{Repository: "a/b", Products: []string{"launchplane"}, Contexts: []string{"launchplane"}, Actions: admin}}}, true},
		{"actions rule without an action filter", Policy{GitHubActions: []GitHubActionsRule{{Repository: "a/b"}}}, true},
		{"actions rule with product glob", Policy{GitHubActions: []GitHubActionsRule{{Repository: "a/b", Products: []string{"launch*"}, Actions: admin}}}, true},
		{"actions rule for another product", Policy{GitHubActions: []GitHubActionsRule{{Repository: "a/b", Products: []string{"shop"}, Actions: admin}}}, false},
		{"actions rule for another action", Policy{GitHubActions: []GitHubActionsRule{{Repository: "a/b", Actions: []string{"launchplane_service_deploy.execute"}}}}, false},
		// No human login exists in this build and agent tokens are optional,
		// so only workflow rules keep the policy administrable.
		{"human admin does not count", Policy{GitHubHumans: []GitHubHumanRule{{Logins: []string{"a"}, Roles: []string{"admin"}, Actions: admin}}}, false},
		{"human with any role does not count", Policy{GitHubHumans: []GitHubHumanRule{{Logins: []string{"a"}, Actions: admin}}}, false},
		{"human read_only only", Policy{GitHubHumans: []GitHubHumanRule{{Logins: []string{"a"}, Roles: []string{"read_only"}, Actions: admin}}}, false},
		{"human product is exact", Policy{GitHubHumans: []GitHubHumanRule{{Logins: []string{"a"}, Products: []string{"launch*"}, Actions: admin}}}, false},
		{"terminal agents never administer", Policy{TerminalAgents: []AgentRule{{Subjects: []string{"s"}, TokenLabels: []string{"l"}}}}, false},
		{"local operator does not count", Policy{LocalOperators: []AgentRule{{Subjects: []string{"s"}, TokenLabels: []string{"l"}, Contexts: []string{"*"}, Actions: admin}}}, false},
		{"local admin does not count", Policy{LocalAdmins: []AgentRule{{}}}, false},
	}
	for _, tt := range tests {
		if got := HasPolicyAdmin(tt.p); got != tt.want {
			t.Errorf("%s: HasPolicyAdmin = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSummaries(t *testing.T) {
	p := fixturePolicy()
	gotActions := mustJSON(t, p.GitHubActions[0].Summary())
	wantActions := `{"principal_type":"github_actions","repository":"acme/shop","workflow_ref_count":1,"job_workflow_ref_count":0,"event_names":["push","workflow_dispatch"],"products":["shop"],"contexts":["shop-*"],"actions":["deployment.write"]}`
	if diff := cmp.Diff(wantActions, gotActions); diff != "" {
		t.Errorf("actions summary (-want +got):\n%s", diff)
	}
	gotHuman := mustJSON(t, p.GitHubHumans[0].Summary())
	wantHuman := `{"principal_type":"github_human","login_count":2,"organization_count":0,"team_count":0,"roles":["admin"],"products":["launchplane"],"contexts":["launchplane"],"actions":["authz_policy_grant.write"]}`
	if diff := cmp.Diff(wantHuman, gotHuman); diff != "" {
		t.Errorf("human summary (-want +got):\n%s", diff)
	}
	gotAgent := mustJSON(t, p.LocalOperators[0].Summary(FamilyLocalOperators))
	wantAgent := `{"principal_type":"local_operator","subject_count":1,"token_label_count":1,"products":["sh*"],"contexts":["shop-*"],"actions":["product_config.apply"]}`
	if diff := cmp.Diff(wantAgent, gotAgent); diff != "" {
		t.Errorf("agent summary (-want +got):\n%s", diff)
	}
}
