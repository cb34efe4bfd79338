package authz

import "slices"

// Selector match kinds.
const (
	MatchExact = "exact"
	MatchGlob  = "glob"
)

// Decision reasons.
const (
	ReasonRuleMatched      = "rule_matched"
	ReasonNoRuleMatched    = "no_rule_matched"
	ReasonInvalidPrincipal = "invalid_principal"
	// ReasonReadOnlySafety: a rule matched, but the human's session is
	// read_only and the action is neither read nor safe_write.
	ReasonReadOnlySafety = "read_only_action_safety"
)

// Decision is the explained answer to "may this principal perform action on
// (product, context)?". Rules lists every rule of the principal's family
// with every selector evaluated (no short-circuit), so a denial shows which
// selectors failed in each rule.
//
// A Decision carries policy patterns (workflow refs, logins, subjects): it
// is for operators (`authz explain`, logs), not for responses to the
// denied caller; those use Active.Diagnostics.
type Decision struct {
	Allowed       bool        `json:"allowed"`
	Reason        string      `json:"reason"`
	Detail        string      `json:"detail,omitempty"`
	PrincipalType string      `json:"principal_type"`
	Family        string      `json:"family,omitempty"`
	Action        string      `json:"action"`
	Product       string      `json:"product"`
	Context       string      `json:"context"`
	SafetyClass   string      `json:"safety_class"`
	MatchedRule   *RuleRef    `json:"matched_rule,omitempty"`
	Rules         []RuleTrace `json:"rules"`
}

// RuleRef locates a rule in a policy.
type RuleRef struct {
	Family string `json:"family"`
	Index  int    `json:"index"`
}

// RuleTrace is one rule's evaluation.
type RuleTrace struct {
	Index     int             `json:"index"`
	Matched   bool            `json:"matched"`
	Failed    []string        `json:"failed_selectors"`
	Selectors []SelectorTrace `json:"selectors"`
}

// SelectorTrace is one selector's evaluation: the rule's patterns, the
// principal or request values they were tried against, and the outcome. An
// empty selector (MatchesAny) matches anything.
type SelectorTrace struct {
	Selector   string   `json:"selector"`
	Match      string   `json:"match"`
	Patterns   []string `json:"patterns"`
	Values     []string `json:"values"`
	MatchesAny bool     `json:"matches_any,omitempty"`
	Matched    bool     `json:"matched"`
}

// query is the question a rule is asked.
type query struct {
	p                        *Principal
	action, product, context string
}

// selector is one of a rule's conditions. It holds when any value matches
// any pattern; an empty pattern list holds unless the selector is required.
type selector struct {
	name     string
	kind     string
	patterns []string
	value    string   // the single value tested, unless multi is set
	multi    []string // orgs and teams: several values, any may match
	isMulti  bool
	required bool // repository: an empty pattern never matches
	scope    bool // product, context or action (not a principal selector)
}

func (s selector) values() []string {
	if s.isMulti {
		return s.multi
	}
	return []string{s.value}
}

func (s selector) matches() bool {
	if len(s.patterns) == 0 {
		return !s.required
	}
	if s.isMulti {
		return slices.ContainsFunc(s.multi, s.matchesValue)
	}
	return s.matchesValue(s.value)
}

func (s selector) matchesValue(v string) bool {
	if s.kind == MatchExact {
		return slices.Contains(s.patterns, v)
	}
	return slices.ContainsFunc(s.patterns, func(pat string) bool { return Glob(pat, v) })
}

func one(name, kind string, patterns []string, value string) selector {
	return selector{name: name, kind: kind, patterns: patterns, value: value}
}

func scoped(s selector) selector {
	s.scope = true
	return s
}

func (r *GitHubActionsRule) selectors(buf []selector, q query) []selector {
	repo := one("repository", MatchExact, nil, q.p.Repository)
	if r.Repository != "" {
		repo.patterns = []string{r.Repository}
	}
	repo.required = true
	return append(buf,
		repo,
		one("workflow_refs", MatchGlob, r.WorkflowRefs, q.p.WorkflowRef),
		one("job_workflow_refs", MatchGlob, r.JobWorkflowRefs, q.p.JobWorkflowRef),
		one("event_names", MatchExact, r.EventNames, q.p.EventName),
		one("refs", MatchExact, r.Refs, q.p.Ref),
		one("environments", MatchExact, r.Environments, q.p.Environment),
		scoped(one("products", MatchGlob, r.Products, q.product)),
		scoped(one("contexts", MatchGlob, r.Contexts, q.context)),
		scoped(one("actions", MatchExact, r.Actions, q.action)),
	)
}

func (r *GitHubHumanRule) selectors(buf []selector, q query) []selector {
	return append(buf,
		one("logins", MatchGlob, r.Logins, q.p.Login),
		selector{name: "organizations", kind: MatchGlob, patterns: r.Organizations, multi: q.p.Organizations, isMulti: true},
		selector{name: "teams", kind: MatchGlob, patterns: r.Teams, multi: q.p.Teams, isMulti: true},
		one("roles", MatchExact, r.Roles, q.p.Role),
		scoped(one("products", MatchExact, r.Products, q.product)),
		scoped(one("contexts", MatchExact, r.Contexts, q.context)),
		scoped(one("actions", MatchExact, r.Actions, q.action)),
	)
}

// scopeKind is how an agent family matches products and contexts: glob for
// local operators and admins, exact for terminal agents.
func scopeKind(family string) string {
	if family == FamilyTerminalAgents {
		return MatchExact
	}
	return MatchGlob
}

func (r *AgentRule) selectors(buf []selector, q query, family string) []selector {
	k := scopeKind(family)
	return append(buf,
		one("subjects", MatchGlob, r.Subjects, q.p.Subject),
		one("token_labels", MatchGlob, r.TokenLabels, q.p.TokenLabel),
		scoped(one("products", k, r.Products, q.product)),
		scoped(one("contexts", k, r.Contexts, q.context)),
		scoped(one("actions", MatchExact, r.Actions, q.action)),
	)
}

// eachRule calls fn with the selectors of every rule in family, stopping
// when fn returns false. buf is reused between rules.
func eachRule(pol *Policy, family string, q query, fn func(i int, sels []selector) bool) {
	var buf [9]selector
	switch family {
	case FamilyGitHubActions:
		for i := range pol.GitHubActions {
			if !fn(i, pol.GitHubActions[i].selectors(buf[:0], q)) {
				return
			}
		}
	case FamilyGitHubHumans:
		for i := range pol.GitHubHumans {
			if !fn(i, pol.GitHubHumans[i].selectors(buf[:0], q)) {
				return
			}
		}
	case FamilyTerminalAgents, FamilyLocalOperators, FamilyLocalAdmins:
		for i, r := range agentRules(pol, family) {
			if !fn(i, r.selectors(buf[:0], q, family)) {
				return
			}
		}
	}
}

func agentRules(pol *Policy, family string) []AgentRule {
	switch family {
	case FamilyTerminalAgents:
		return pol.TerminalAgents
	case FamilyLocalOperators:
		return pol.LocalOperators
	case FamilyLocalAdmins:
		return pol.LocalAdmins
	}
	return nil
}

// Allows reports whether principal may perform action on (product,
// context) under pol. It equals Explain(...).Allowed (a fuzz test holds the
// two together) but stops at the first matching rule and builds no trace.
func Allows(pol Policy, p Principal, action, product, context string) bool {
	family, ok := FamilyFor(p.Type)
	if !ok || p.Validate() != nil {
		return false
	}
	if p.Type == TypeGitHubHuman && p.Role == RoleReadOnly && !readOnlyAllows(SafetyClass(action)) {
		return false
	}
	allowed := false
	eachRule(&pol, family, query{p: &p, action: action, product: product, context: context}, func(_ int, sels []selector) bool {
		for _, s := range sels {
			if !s.matches() {
				return true
			}
		}
		allowed = true
		return false
	})
	return allowed
}

// Explain evaluates every rule of the principal's family against the
// request and says why the answer is what it is. The request is allowed
// when any rule matches (every non-empty selector matches), the principal
// is valid for its type, and, for a read_only human, the action's safety
// class is read or safe_write.
func Explain(pol Policy, p Principal, action, product, context string) Decision {
	d := Decision{
		PrincipalType: p.Type,
		Action:        action,
		Product:       product,
		Context:       context,
		SafetyClass:   SafetyClass(action),
		Rules:         []RuleTrace{},
	}
	family, ok := FamilyFor(p.Type)
	if !ok {
		d.Reason = ReasonInvalidPrincipal
		d.Detail = p.Validate().Error()
		return d
	}
	d.Family = family
	eachRule(&pol, family, query{p: &p, action: action, product: product, context: context}, func(i int, sels []selector) bool {
		rt := RuleTrace{Index: i, Matched: true, Failed: []string{}, Selectors: make([]SelectorTrace, 0, len(sels))}
		for _, s := range sels {
			st := SelectorTrace{
				Selector:   s.name,
				Match:      s.kind,
				Patterns:   orEmpty(slices.Clone(s.patterns)),
				Values:     orEmpty(slices.Clone(s.values())),
				MatchesAny: len(s.patterns) == 0 && !s.required,
				Matched:    s.matches(),
			}
			if !st.Matched {
				rt.Matched = false
				rt.Failed = append(rt.Failed, s.name)
			}
			rt.Selectors = append(rt.Selectors, st)
		}
		if rt.Matched && d.MatchedRule == nil {
			d.MatchedRule = &RuleRef{Family: family, Index: i}
		}
		d.Rules = append(d.Rules, rt)
		return true
	})
	switch {
	case p.Validate() != nil:
		d.Reason = ReasonInvalidPrincipal
		d.Detail = p.Validate().Error()
	case d.MatchedRule == nil:
		d.Reason = ReasonNoRuleMatched
		if len(d.Rules) == 0 {
			d.Detail = "the policy has no " + family + " rules"
		}
	case p.Type == TypeGitHubHuman && p.Role == RoleReadOnly && !readOnlyAllows(d.SafetyClass):
		d.Reason = ReasonReadOnlySafety
		d.Detail = "read_only sessions may only use read and safe_write actions; " + action + " is " + d.SafetyClass
	default:
		d.Allowed = true
		d.Reason = ReasonRuleMatched
	}
	return d
}
