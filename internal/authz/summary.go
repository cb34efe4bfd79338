package authz

import "github.com/launchplane/launchplane/internal/record"

// The summaries here are what grant and removal responses may show. They
// never carry workflow refs, human logins, organizations, teams, agent
// subjects or token labels, nor the policy body: only counts, and the
// repository, event names, products, contexts, actions and roles, which
// name what was granted rather than who.

// RuleCounts counts the rules of each family.
type RuleCounts struct {
	GitHubActions  int `json:"github_actions_rule_count"`
	GitHubHumans   int `json:"github_humans_rule_count"`
	TerminalAgents int `json:"terminal_agents_rule_count"`
	LocalOperators int `json:"local_operators_rule_count"`
	LocalAdmins    int `json:"local_admins_rule_count"`
}

// Counts counts p's rules per family.
func (p Policy) Counts() RuleCounts {
	return RuleCounts{
		GitHubActions:  len(p.GitHubActions),
		GitHubHumans:   len(p.GitHubHumans),
		TerminalAgents: len(p.TerminalAgents),
		LocalOperators: len(p.LocalOperators),
		LocalAdmins:    len(p.LocalAdmins),
	}
}

func (c RuleCounts) byFamily() map[string]int {
	return map[string]int{
		FamilyGitHubActions:  c.GitHubActions,
		FamilyGitHubHumans:   c.GitHubHumans,
		FamilyTerminalAgents: c.TerminalAgents,
		FamilyLocalOperators: c.LocalOperators,
		FamilyLocalAdmins:    c.LocalAdmins,
	}
}

// RecordSummary is a policy record's metadata and rule counts: the
// result.authz_policy of grant and removal responses.
type RecordSummary struct {
	RecordID     string `json:"record_id"`
	Status       string `json:"status"`
	Source       string `json:"source"`
	UpdatedAt    string `json:"updated_at"`
	PolicySHA256 string `json:"policy_sha256"`
	RuleCounts
}

// Summarize describes rec, whose decoded policy is p.
func Summarize(rec record.AuthzPolicyRecord, p Policy) RecordSummary {
	return RecordSummary{
		RecordID:     rec.RecordID,
		Status:       rec.Status,
		Source:       rec.Source,
		UpdatedAt:    rec.UpdatedAt,
		PolicySHA256: rec.PolicySHA256,
		RuleCounts:   p.Counts(),
	}
}

// GrantDiff is a grant's result.diff: previous_<family>_rule_count and
// new_<family>_rule_count for every family.
func GrantDiff(prev, next Policy) map[string]int {
	out := map[string]int{}
	for family, n := range prev.Counts().byFamily() {
		out["previous_"+family+"_rule_count"] = n
	}
	for family, n := range next.Counts().byFamily() {
		out["new_"+family+"_rule_count"] = n
	}
	return out
}

// RemovalDiff is a removal's result.diff: GrantDiff's counts plus
// matched_rule_count and removed_rule_count (equal: every match is removed,
// and a dry run reports what apply would remove).
func RemovalDiff(prev, next Policy, matched int) map[string]int {
	out := GrantDiff(prev, next)
	out["matched_rule_count"] = matched
	out["removed_rule_count"] = matched
	return out
}

// GitHubActionsRuleSummary is a redacted github_actions rule.
type GitHubActionsRuleSummary struct {
	PrincipalType       string   `json:"principal_type"`
	Repository          string   `json:"repository"`
	WorkflowRefCount    int      `json:"workflow_ref_count"`
	JobWorkflowRefCount int      `json:"job_workflow_ref_count"`
	EventNames          []string `json:"event_names"`
	Products            []string `json:"products"`
	Contexts            []string `json:"contexts"`
	Actions             []string `json:"actions"`
}

// Summary redacts r for a response.
func (r GitHubActionsRule) Summary() GitHubActionsRuleSummary {
	r = r.Normalize()
	return GitHubActionsRuleSummary{
		PrincipalType:       TypeGitHubActions,
		Repository:          r.Repository,
		WorkflowRefCount:    len(r.WorkflowRefs),
		JobWorkflowRefCount: len(r.JobWorkflowRefs),
		EventNames:          r.EventNames,
		Products:            r.Products,
		Contexts:            r.Contexts,
		Actions:             r.Actions,
	}
}

// GitHubHumanRuleSummary is a redacted github_humans rule.
type GitHubHumanRuleSummary struct {
	PrincipalType     string   `json:"principal_type"`
	LoginCount        int      `json:"login_count"`
	OrganizationCount int      `json:"organization_count"`
	TeamCount         int      `json:"team_count"`
	Roles             []string `json:"roles"`
	Products          []string `json:"products"`
	Contexts          []string `json:"contexts"`
	Actions           []string `json:"actions"`
}

// Summary redacts r for a response.
func (r GitHubHumanRule) Summary() GitHubHumanRuleSummary {
	r = r.Normalize()
	return GitHubHumanRuleSummary{
		PrincipalType:     TypeGitHubHuman,
		LoginCount:        len(r.Logins),
		OrganizationCount: len(r.Organizations),
		TeamCount:         len(r.Teams),
		Roles:             r.Roles,
		Products:          r.Products,
		Contexts:          r.Contexts,
		Actions:           r.Actions,
	}
}

// AgentRuleSummary is a redacted agent rule.
type AgentRuleSummary struct {
	PrincipalType   string   `json:"principal_type"`
	SubjectCount    int      `json:"subject_count"`
	TokenLabelCount int      `json:"token_label_count"`
	Products        []string `json:"products"`
	Contexts        []string `json:"contexts"`
	Actions         []string `json:"actions"`
}

// Summary redacts r, a rule of the agent family named by family.
func (r AgentRule) Summary(family string) AgentRuleSummary {
	r = r.Normalize()
	return AgentRuleSummary{
		PrincipalType:   principalTypeFor(family),
		SubjectCount:    len(r.Subjects),
		TokenLabelCount: len(r.TokenLabels),
		Products:        r.Products,
		Contexts:        r.Contexts,
		Actions:         r.Actions,
	}
}
