package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The authority that administers policy: the grant and removal routes
// require this action on (launchplane, launchplane).
const (
	ActionPolicyGrantWrite = "authz_policy_grant.write"
	ProductLaunchplane     = "launchplane"
	ContextLaunchplane     = "launchplane"
)

// DefaultGrantSource labels policy records written by a grant that names no
// source_label.
const DefaultGrantSource = "service:authz-policy-grant"

var (
	// ErrInvalidRequest means a grant or removal request is malformed.
	ErrInvalidRequest = errors.New("invalid authz policy request")
	// ErrLastPolicyAdmin means a removal would leave no rule able to grant
	// authz_policy_grant.write on launchplane/launchplane.
	ErrLastPolicyAdmin = errors.New("removal would leave no principal able to administer authz policy")
)

// normalizeList trims every element and drops the empty ones, keeping
// order and duplicates. The result is never nil.
func normalizeList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Normalize trims the repository and every selector element and drops
// empty elements, keeping order.
func (r GitHubActionsRule) Normalize() GitHubActionsRule {
	r.Repository = strings.TrimSpace(r.Repository)
	for _, l := range []*[]string{&r.WorkflowRefs, &r.JobWorkflowRefs, &r.EventNames, &r.Refs, &r.Environments, &r.Products, &r.Contexts, &r.Actions} {
		*l = normalizeList(*l)
	}
	return r
}

// Normalize trims every selector element and drops empty ones, keeping order.
func (r GitHubHumanRule) Normalize() GitHubHumanRule {
	for _, l := range []*[]string{&r.Logins, &r.Organizations, &r.Teams, &r.Roles, &r.Products, &r.Contexts, &r.Actions} {
		*l = normalizeList(*l)
	}
	return r
}

// Normalize trims every selector element and drops empty ones, keeping order.
func (r AgentRule) Normalize() AgentRule {
	for _, l := range []*[]string{&r.Subjects, &r.TokenLabels, &r.Products, &r.Contexts, &r.Actions} {
		*l = normalizeList(*l)
	}
	return r
}

// Equal reports whether the normalized rules are identical, selector by
// selector and element by element (order counts).
func (r GitHubActionsRule) Equal(o GitHubActionsRule) bool {
	a, b := r.Normalize(), o.Normalize()
	return a.Repository == b.Repository &&
		slices.Equal(a.WorkflowRefs, b.WorkflowRefs) && slices.Equal(a.JobWorkflowRefs, b.JobWorkflowRefs) &&
		slices.Equal(a.EventNames, b.EventNames) && slices.Equal(a.Refs, b.Refs) &&
		slices.Equal(a.Environments, b.Environments) && slices.Equal(a.Products, b.Products) &&
		slices.Equal(a.Contexts, b.Contexts) && slices.Equal(a.Actions, b.Actions)
}

// Equal reports whether the normalized rules are identical.
func (r GitHubHumanRule) Equal(o GitHubHumanRule) bool {
	a, b := r.Normalize(), o.Normalize()
	return slices.Equal(a.Logins, b.Logins) && slices.Equal(a.Organizations, b.Organizations) &&
		slices.Equal(a.Teams, b.Teams) && slices.Equal(a.Roles, b.Roles) &&
		slices.Equal(a.Products, b.Products) && slices.Equal(a.Contexts, b.Contexts) &&
		slices.Equal(a.Actions, b.Actions)
}

// Equal reports whether the normalized rules are identical.
func (r AgentRule) Equal(o AgentRule) bool {
	a, b := r.Normalize(), o.Normalize()
	return slices.Equal(a.Subjects, b.Subjects) && slices.Equal(a.TokenLabels, b.TokenLabels) &&
		slices.Equal(a.Products, b.Products) && slices.Equal(a.Contexts, b.Contexts) &&
		slices.Equal(a.Actions, b.Actions)
}

func invalid(family, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidRequest, family, fmt.Sprintf(format, args...))
}

// ValidateGitHubActionsGrant checks a github-actions grant after
// normalization: a repository and at least one action.
func ValidateGitHubActionsGrant(r GitHubActionsRule) error {
	r = r.Normalize()
	if r.Repository == "" {
		return invalid(FamilyGitHubActions, "repository is required")
	}
	if len(r.Actions) == 0 {
		return invalid(FamilyGitHubActions, "at least one action is required")
	}
	return nil
}

// ValidateGitHubHumanGrant checks a github-humans grant after
// normalization: at least one of logins, organizations or teams, roles
// within read_only and admin, and at least one action.
func ValidateGitHubHumanGrant(r GitHubHumanRule) error {
	r = r.Normalize()
	if len(r.Logins)+len(r.Organizations)+len(r.Teams) == 0 {
		return invalid(FamilyGitHubHumans, "at least one of logins, organizations or teams is required")
	}
	if err := validRoles(r.Roles); err != nil {
		return err
	}
	if len(r.Actions) == 0 {
		return invalid(FamilyGitHubHumans, "at least one action is required")
	}
	return nil
}

func validRoles(roles []string) error {
	for _, role := range roles {
		if role != RoleReadOnly && role != RoleAdmin {
			return invalid(FamilyGitHubHumans, "role %q is not read_only or admin", role)
		}
	}
	return nil
}

// ValidateAgentGrant checks a terminal-agent, local-operator or local-admin
// grant after normalization: at least one subject, token label and action.
func ValidateAgentGrant(family string, r AgentRule) error {
	if err := agentFamily(family); err != nil {
		return err
	}
	r = r.Normalize()
	switch {
	case len(r.Subjects) == 0:
		return invalid(family, "at least one subject is required")
	case len(r.TokenLabels) == 0:
		return invalid(family, "at least one token label is required")
	case len(r.Actions) == 0:
		return invalid(family, "at least one action is required")
	}
	return nil
}

func agentFamily(family string) error {
	switch family {
	case FamilyTerminalAgents, FamilyLocalOperators, FamilyLocalAdmins:
		return nil
	}
	return fmt.Errorf("%w: %q is not an agent rule family", ErrInvalidRequest, family)
}

// grantRule appends r (normalized) unless an equal rule exists.
func grantRule[R interface{ Equal(R) bool }](rules []R, r R) ([]R, bool) {
	if slices.ContainsFunc(rules, func(e R) bool { return e.Equal(r) }) {
		return rules, false
	}
	return append(rules, r), true
}

// removeRule drops every rule equal to r and reports how many it dropped.
func removeRule[R interface{ Equal(R) bool }](rules []R, r R) ([]R, int) {
	kept := slices.DeleteFunc(rules, func(e R) bool { return e.Equal(r) })
	return kept, len(rules) - len(kept)
}

// GrantGitHubActions validates r and returns p with r (normalized)
// appended, or an unchanged copy when an equal rule already exists. p itself
// is never modified, so a dry run is just a call whose result is discarded.
func (p Policy) GrantGitHubActions(r GitHubActionsRule) (Policy, bool, error) {
	if err := ValidateGitHubActionsGrant(r); err != nil {
		return p.Clone(), false, err
	}
	next := p.Clone()
	var changed bool
	next.GitHubActions, changed = grantRule(next.GitHubActions, r.Normalize())
	return next, changed, nil
}

// GrantGitHubHuman is GrantGitHubActions for github_humans rules.
func (p Policy) GrantGitHubHuman(r GitHubHumanRule) (Policy, bool, error) {
	if err := ValidateGitHubHumanGrant(r); err != nil {
		return p.Clone(), false, err
	}
	next := p.Clone()
	var changed bool
	next.GitHubHumans, changed = grantRule(next.GitHubHumans, r.Normalize())
	return next, changed, nil
}

// GrantAgent is GrantGitHubActions for the agent family named by family.
func (p Policy) GrantAgent(family string, r AgentRule) (Policy, bool, error) {
	if err := ValidateAgentGrant(family, r); err != nil {
		return p.Clone(), false, err
	}
	next := p.Clone()
	rules := next.agentFamily(family)
	var changed bool
	*rules, changed = grantRule(*rules, r.Normalize())
	return next, changed, nil
}

func (p *Policy) agentFamily(family string) *[]AgentRule {
	switch family {
	case FamilyTerminalAgents:
		return &p.TerminalAgents
	case FamilyLocalOperators:
		return &p.LocalOperators
	}
	return &p.LocalAdmins
}

// RemoveGitHubActions returns p without every rule exactly equal to r (after
// normalizing both), and how many it removed. A partial rule matches
// nothing: broader and narrower rules are never touched. When the removal
// would take away the last rule able to administer policy it returns
// ErrLastPolicyAdmin (with the match count, so a dry run can still report
// it). Only the repository is required of r, so a rule without actions
// (legal in bootstrap TOML) can be removed too. p is never modified.
func (p Policy) RemoveGitHubActions(r GitHubActionsRule) (Policy, int, error) {
	if r.Normalize().Repository == "" {
		return p.Clone(), 0, invalid(FamilyGitHubActions, "repository is required")
	}
	next := p.Clone()
	var n int
	next.GitHubActions, n = removeRule(next.GitHubActions, r)
	return p.checkRemoval(next, n)
}

// RemoveGitHubHuman is RemoveGitHubActions for github_humans rules.
func (p Policy) RemoveGitHubHuman(r GitHubHumanRule) (Policy, int, error) {
	if err := validRoles(r.Normalize().Roles); err != nil {
		return p.Clone(), 0, err
	}
	next := p.Clone()
	var n int
	next.GitHubHumans, n = removeRule(next.GitHubHumans, r)
	return p.checkRemoval(next, n)
}

// RemoveAgent is RemoveGitHubActions for the agent family named by family.
func (p Policy) RemoveAgent(family string, r AgentRule) (Policy, int, error) {
	if err := agentFamily(family); err != nil {
		return p.Clone(), 0, err
	}
	next := p.Clone()
	rules := next.agentFamily(family)
	var n int
	*rules, n = removeRule(*rules, r)
	return p.checkRemoval(next, n)
}

func (p Policy) checkRemoval(next Policy, matched int) (Policy, int, error) {
	if matched > 0 && HasPolicyAdmin(p) && !HasPolicyAdmin(next) {
		return p.Clone(), matched, ErrLastPolicyAdmin
	}
	return next, matched, nil
}

// HasPolicyAdmin reports whether some workflow rule could let a principal
// grant authz_policy_grant.write on launchplane/launchplane: a rule whose
// products, contexts and actions admit that request (an empty selector
// admits anything). Principal selectors are not judged: any rule is
// assumed to have a workflow that can satisfy it. Human, owner-agent and
// terminal-agent rules never count (see below).
func HasPolicyAdmin(p Policy) bool {
	q := query{p: &Principal{}, action: ActionPolicyGrantWrite, product: ProductLaunchplane, context: ContextLaunchplane}
	// Only workflow rules count. Human logins do not exist in this build and
	// owner-agent tokens are optional configuration, so a policy whose only
	// admin is a human or an agent rule cannot be administered through the
	// service; counting them would let a removal lock everyone out.
	for _, family := range []string{FamilyGitHubActions} {
		found := false
		eachRule(&p, family, q, func(i int, sels []selector) bool {
			if family == FamilyGitHubHumans {
				if roles := p.GitHubHumans[i].Roles; len(roles) > 0 && !slices.Contains(roles, RoleAdmin) {
					return true
				}
			}
			for _, s := range sels {
				if s.scope && !s.matches() {
					return true
				}
			}
			found = true
			return false
		})
		if found {
			return true
		}
	}
	return false
}
