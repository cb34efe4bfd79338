// Package authz is Launchplane's authorization policy: the rule model, strict
// bootstrap TOML and stored-JSON decoding, rule matching with explainable
// decisions, pure grant and removal edits, and the store-backed authority
// that reads the newest active policy record per call.
//
// The package knows nothing about how a caller proved who it is: authn turns
// a token or session into a Principal, and authz answers whether that
// principal may perform an action on a (product, context).
package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SchemaVersion is the only policy schema this package reads and writes.
const SchemaVersion = 1

// Rule family names: the policy's JSON and TOML keys.
const (
	FamilyGitHubActions  = "github_actions"
	FamilyGitHubHumans   = "github_humans"
	FamilyTerminalAgents = "terminal_agents"
	FamilyLocalOperators = "local_operators"
	FamilyLocalAdmins    = "local_admins"
)

// Human roles.
const (
	RoleReadOnly = "read_only"
	RoleAdmin    = "admin"
)

var (
	// ErrInvalidPolicy means a policy document failed decoding or validation.
	ErrInvalidPolicy = errors.New("invalid authz policy")
	// ErrNoPolicy means the store holds no active policy record.
	ErrNoPolicy = errors.New("no active authz policy record")
)

// Policy is one complete authorization policy. A request is allowed when any
// rule of the principal's family matches it (see Explain).
//
// JSON encoding (the form stored in records and hashed into policy_sha256)
// is fixed so that the same Policy always hashes the same:
//   - schema_version, github_actions and github_humans are always present;
//     a nil family encodes as [];
//   - terminal_agents, local_operators and local_admins are omitted when
//     empty (they were added after the first schema and upstream leaves an
//     empty one out);
//   - every selector of every rule is present as an array, [] when empty,
//     never null.
//
// Nothing else is ever omitted, so a decoded-then-encoded policy hashes the
// same as the original whenever the original followed these rules.
type Policy struct {
	SchemaVersion  int                 `json:"schema_version" toml:"schema_version"`
	GitHubActions  []GitHubActionsRule `json:"github_actions" toml:"github_actions"`
	GitHubHumans   []GitHubHumanRule   `json:"github_humans" toml:"github_humans"`
	TerminalAgents []AgentRule         `json:"terminal_agents,omitempty" toml:"terminal_agents,omitempty"`
	LocalOperators []AgentRule         `json:"local_operators,omitempty" toml:"local_operators,omitempty"`
	LocalAdmins    []AgentRule         `json:"local_admins,omitempty" toml:"local_admins,omitempty"`
}

// GitHubActionsRule authorizes workflow runs by their OIDC claims.
// Repository is required and exact; workflow refs are globs; event names,
// refs and environments are exact; products and contexts are globs; actions
// are exact. An empty selector matches anything.
type GitHubActionsRule struct {
	Repository      string   `json:"repository" toml:"repository"`
	WorkflowRefs    []string `json:"workflow_refs" toml:"workflow_refs"`
	JobWorkflowRefs []string `json:"job_workflow_refs" toml:"job_workflow_refs"`
	EventNames      []string `json:"event_names" toml:"event_names"`
	Refs            []string `json:"refs" toml:"refs"`
	Environments    []string `json:"environments" toml:"environments"`
	Products        []string `json:"products" toml:"products"`
	Contexts        []string `json:"contexts" toml:"contexts"`
	Actions         []string `json:"actions" toml:"actions"`
}

// GitHubHumanRule authorizes signed-in GitHub users. Logins, organizations
// and teams are globs (orgs and teams match when any of the user's match);
// roles, products, contexts and actions are exact.
type GitHubHumanRule struct {
	Logins        []string `json:"logins" toml:"logins"`
	Organizations []string `json:"organizations" toml:"organizations"`
	Teams         []string `json:"teams" toml:"teams"`
	Roles         []string `json:"roles" toml:"roles"`
	Products      []string `json:"products" toml:"products"`
	Contexts      []string `json:"contexts" toml:"contexts"`
	Actions       []string `json:"actions" toml:"actions"`
}

// AgentRule authorizes a bearer-token agent (terminal agent, local operator
// or local admin; the family decides which). Subjects and token labels are
// globs; products and contexts are globs for local operators and admins and
// exact for terminal agents; actions are exact.
type AgentRule struct {
	Subjects    []string `json:"subjects" toml:"subjects"`
	TokenLabels []string `json:"token_labels" toml:"token_labels"`
	Products    []string `json:"products" toml:"products"`
	Contexts    []string `json:"contexts" toml:"contexts"`
	Actions     []string `json:"actions" toml:"actions"`
}

// MarshalJSON encodes p by the rule documented on Policy.
func (p Policy) MarshalJSON() ([]byte, error) {
	type plain Policy
	c := plain(p)
	if c.GitHubActions == nil {
		c.GitHubActions = []GitHubActionsRule{}
	}
	if c.GitHubHumans == nil {
		c.GitHubHumans = []GitHubHumanRule{}
	}
	return json.Marshal(c)
}

// MarshalJSON encodes every selector as an array, never null.
func (r GitHubActionsRule) MarshalJSON() ([]byte, error) {
	type plain GitHubActionsRule
	c := plain(r.withEmptyLists())
	return json.Marshal(c)
}

// MarshalJSON encodes every selector as an array, never null.
func (r GitHubHumanRule) MarshalJSON() ([]byte, error) {
	type plain GitHubHumanRule
	c := plain(r.withEmptyLists())
	return json.Marshal(c)
}

// MarshalJSON encodes every selector as an array, never null.
func (r AgentRule) MarshalJSON() ([]byte, error) {
	type plain AgentRule
	c := plain(r.withEmptyLists())
	return json.Marshal(c)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r GitHubActionsRule) withEmptyLists() GitHubActionsRule {
	for _, l := range []*[]string{&r.WorkflowRefs, &r.JobWorkflowRefs, &r.EventNames, &r.Refs, &r.Environments, &r.Products, &r.Contexts, &r.Actions} {
		*l = orEmpty(*l)
	}
	return r
}

func (r GitHubHumanRule) withEmptyLists() GitHubHumanRule {
	for _, l := range []*[]string{&r.Logins, &r.Organizations, &r.Teams, &r.Roles, &r.Products, &r.Contexts, &r.Actions} {
		*l = orEmpty(*l)
	}
	return r
}

func (r AgentRule) withEmptyLists() AgentRule {
	for _, l := range []*[]string{&r.Subjects, &r.TokenLabels, &r.Products, &r.Contexts, &r.Actions} {
		*l = orEmpty(*l)
	}
	return r
}

// Clone returns a deep copy of p, so edits to the copy never reach p.
func (p Policy) Clone() Policy {
	c := p
	c.GitHubActions = cloneRules(p.GitHubActions, func(r GitHubActionsRule) GitHubActionsRule {
		for _, l := range []*[]string{&r.WorkflowRefs, &r.JobWorkflowRefs, &r.EventNames, &r.Refs, &r.Environments, &r.Products, &r.Contexts, &r.Actions} {
			*l = slices.Clone(*l)
		}
		return r
	})
	c.GitHubHumans = cloneRules(p.GitHubHumans, func(r GitHubHumanRule) GitHubHumanRule {
		for _, l := range []*[]string{&r.Logins, &r.Organizations, &r.Teams, &r.Roles, &r.Products, &r.Contexts, &r.Actions} {
			*l = slices.Clone(*l)
		}
		return r
	})
	agent := func(r AgentRule) AgentRule {
		for _, l := range []*[]string{&r.Subjects, &r.TokenLabels, &r.Products, &r.Contexts, &r.Actions} {
			*l = slices.Clone(*l)
		}
		return r
	}
	c.TerminalAgents = cloneRules(p.TerminalAgents, agent)
	c.LocalOperators = cloneRules(p.LocalOperators, agent)
	c.LocalAdmins = cloneRules(p.LocalAdmins, agent)
	return c
}

func cloneRules[R any](rules []R, deep func(R) R) []R {
	if rules == nil {
		return nil
	}
	out := make([]R, len(rules))
	for i, r := range rules {
		out[i] = deep(r)
	}
	return out
}

// Validate checks what every policy must hold: schema version 1, a
// repository on every github_actions rule, and only known human roles.
func (p Policy) Validate() error {
	var problems []string
	if p.SchemaVersion != SchemaVersion {
		problems = append(problems, fmt.Sprintf("schema_version: must be %d, got %d", SchemaVersion, p.SchemaVersion))
	}
	for i, r := range p.GitHubActions {
		if strings.TrimSpace(r.Repository) == "" {
			problems = append(problems, fmt.Sprintf("github_actions[%d].repository: is required", i))
		}
	}
	for i, r := range p.GitHubHumans {
		for _, role := range r.Roles {
			if role != RoleReadOnly && role != RoleAdmin {
				problems = append(problems, fmt.Sprintf("github_humans[%d].roles: %q is not read_only or admin", i, role))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidPolicy, strings.Join(problems, "; "))
	}
	return nil
}

// Warnings lists legal but risky rules an operator should see at start-up:
// a rule without actions allows every action.
func (p Policy) Warnings() []string {
	var out []string
	warn := func(family string, i int, actions []string) {
		if len(actions) == 0 {
			out = append(out, fmt.Sprintf("%s[%d] has no actions: it allows every action", family, i))
		}
	}
	for i, r := range p.GitHubActions {
		warn(FamilyGitHubActions, i, r.Actions)
	}
	for i, r := range p.GitHubHumans {
		warn(FamilyGitHubHumans, i, r.Actions)
	}
	for _, f := range []struct {
		name  string
		rules []AgentRule
	}{{FamilyTerminalAgents, p.TerminalAgents}, {FamilyLocalOperators, p.LocalOperators}, {FamilyLocalAdmins, p.LocalAdmins}} {
		for i, r := range f.rules {
			warn(f.name, i, r.Actions)
		}
	}
	return out
}

// DecodePolicyJSON strictly decodes a stored policy body: keys must match
// exactly (encoding/json alone would accept "Repository"), unknown keys and
// trailing data are refused, and the result must Validate.
func DecodePolicyJSON(data []byte) (Policy, error) {
	if err := checkJSONKeys(data); err != nil {
		return Policy{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("%w: decode json: %v", ErrInvalidPolicy, err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("%w: decode json: trailing data after the policy object", ErrInvalidPolicy)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// checkJSONKeys walks the two levels of object keys a policy has and
// refuses any key that is not spelled exactly as the schema spells it.
func checkJSONKeys(data []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("%w: decode json: %v", ErrInvalidPolicy, err)
	}
	for key, raw := range top {
		if !knownTopKey(key) {
			return fmt.Errorf("%w: unknown key %q", ErrInvalidPolicy, key)
		}
		if key == "schema_version" || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		var rules []map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rules); err != nil {
			return fmt.Errorf("%w: %s: must be an array of rule objects", ErrInvalidPolicy, key)
		}
		for i, rule := range rules {
			for k := range rule {
				if !knownRuleKey(key, k) {
					return fmt.Errorf("%w: unknown key %q in %s[%d]", ErrInvalidPolicy, k, key, i)
				}
			}
		}
	}
	return nil
}

func knownTopKey(key string) bool {
	switch key {
	case "schema_version", FamilyGitHubActions, FamilyGitHubHumans, FamilyTerminalAgents, FamilyLocalOperators, FamilyLocalAdmins:
		return true
	}
	return false
}

// knownRuleKey reports whether key is a selector of family's rules.
func knownRuleKey(family, key string) bool {
	switch key {
	case "products", "contexts", "actions":
		return knownTopKey(family) && family != "schema_version"
	}
	switch family {
	case FamilyGitHubActions:
		switch key {
		case "repository", "workflow_refs", "job_workflow_refs", "event_names", "refs", "environments":
			return true
		}
	case FamilyGitHubHumans:
		switch key {
		case "logins", "organizations", "teams", "roles":
			return true
		}
	case FamilyTerminalAgents, FamilyLocalOperators, FamilyLocalAdmins:
		switch key {
		case "subjects", "token_labels":
			return true
		}
	}
	return false
}
