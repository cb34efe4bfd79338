package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Principal types: who is asking, as authn established it.
const (
	TypeGitHubActions = "github_actions"
	TypeGitHubHuman   = "github_human"
	TypeTerminalAgent = "terminal_agent"
	TypeLocalOperator = "local_operator"
	TypeLocalAdmin    = "local_admin"
)

// Principal is an authenticated caller, decoupled from how it
// authenticated. Which fields matter depends on Type:
//   - github_actions: the OIDC claims Repository, WorkflowRef (both
//     required), JobWorkflowRef, EventName, Ref, RefType, Environment and
//     Subject (the "sub" claim);
//   - github_human: Login and Role (required), Organizations, Teams;
//   - terminal_agent, local_operator, local_admin: Subject and TokenLabel
//     (required).
type Principal struct {
	Type           string   `json:"type"`
	Repository     string   `json:"repository,omitempty"`
	WorkflowRef    string   `json:"workflow_ref,omitempty"`
	JobWorkflowRef string   `json:"job_workflow_ref,omitempty"`
	EventName      string   `json:"event_name,omitempty"`
	Ref            string   `json:"ref,omitempty"`
	RefType        string   `json:"ref_type,omitempty"`
	Environment    string   `json:"environment,omitempty"`
	Subject        string   `json:"subject,omitempty"`
	Login          string   `json:"login,omitempty"`
	Organizations  []string `json:"organizations,omitempty"`
	Teams          []string `json:"teams,omitempty"`
	Role           string   `json:"role,omitempty"`
	TokenLabel     string   `json:"token_label,omitempty"`
}

// FamilyFor names the rule family that authorizes principals of type t.
func FamilyFor(principalType string) (string, bool) {
	switch principalType {
	case TypeGitHubActions:
		return FamilyGitHubActions, true
	case TypeGitHubHuman:
		return FamilyGitHubHumans, true
	case TypeTerminalAgent:
		return FamilyTerminalAgents, true
	case TypeLocalOperator:
		return FamilyLocalOperators, true
	case TypeLocalAdmin:
		return FamilyLocalAdmins, true
	}
	return "", false
}

// principalTypeFor is FamilyFor's inverse.
func principalTypeFor(family string) string {
	switch family {
	case FamilyGitHubActions:
		return TypeGitHubActions
	case FamilyGitHubHumans:
		return TypeGitHubHuman
	case FamilyTerminalAgents:
		return TypeTerminalAgent
	case FamilyLocalOperators:
		return TypeLocalOperator
	case FamilyLocalAdmins:
		return TypeLocalAdmin
	}
	return ""
}

// Validate checks that p carries the fields its type requires. Explain
// denies a principal that fails this, whatever the policy says.
func (p Principal) Validate() error {
	missing := func(field string) error {
		return fmt.Errorf("%s principal: %s is required", p.Type, field)
	}
	switch p.Type {
	case TypeGitHubActions:
		if p.Repository == "" {
			return missing("repository")
		}
		if p.WorkflowRef == "" {
			return missing("workflow_ref")
		}
	case TypeGitHubHuman:
		if p.Login == "" {
			return missing("login")
		}
		if p.Role != RoleReadOnly && p.Role != RoleAdmin {
			return fmt.Errorf("github_human principal: role must be read_only or admin, got %q", p.Role)
		}
	case TypeTerminalAgent, TypeLocalOperator, TypeLocalAdmin:
		if p.Subject == "" {
			return missing("subject")
		}
		if p.TokenLabel == "" {
			return missing("token_label")
		}
	default:
		return fmt.Errorf("unknown principal type %q", p.Type)
	}
	return nil
}

// ParsePrincipal reads a principal for offline explanation (the
// `authz explain --claims` file). Two forms are accepted:
//   - an object with a "type" key is a Principal in its JSON form, decoded
//     strictly;
//   - any other object is a GitHub Actions OIDC claim set (a decoded token
//     payload): repository, workflow_ref, job_workflow_ref, event_name, ref,
//     ref_type, environment and sub are read; other claims are ignored, as
//     a real token carries many.
//
// The result is validated.
func ParsePrincipal(data []byte) (Principal, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
		return Principal{}, errors.New("parse principal: want a JSON object")
	}
	var p Principal
	if _, typed := probe["type"]; typed {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return Principal{}, fmt.Errorf("parse principal: %w", err)
		}
	} else {
		p.Type = TypeGitHubActions
		for claim, dst := range map[string]*string{
			"repository": &p.Repository, "workflow_ref": &p.WorkflowRef, "job_workflow_ref": &p.JobWorkflowRef,
			"event_name": &p.EventName, "ref": &p.Ref, "ref_type": &p.RefType, "environment": &p.Environment, "sub": &p.Subject,
		} {
			raw, ok := probe[claim]
			if !ok {
				continue
			}
			if err := json.Unmarshal(raw, dst); err != nil {
				return Principal{}, fmt.Errorf("parse principal: claim %s: must be a string", claim)
			}
		}
	}
	if err := p.Validate(); err != nil {
		return Principal{}, fmt.Errorf("parse principal: %w", err)
	}
	return p, nil
}
