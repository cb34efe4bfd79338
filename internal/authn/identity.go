package authn

import (
	"encoding/json"
	"log/slog"
)

// Type is the kind of caller an Identity describes. The values are the
// upstream identity type names and appear in policy and audit records.
type Type string

// Identity types.
const (
	// TypeGitHubActions is a workflow run holding a GitHub Actions OIDC token.
	TypeGitHubActions Type = "github_actions"
	// TypeGitHubHuman is a browser session after GitHub login. Reserved: no
	// Authenticator path produces it yet (see SessionResolver).
	TypeGitHubHuman Type = "github_human"
	// TypeLocalAdmin is the owner agent holding the local-admin token.
	TypeLocalAdmin Type = "local_admin"
	// TypeLocalOperator is the owner agent holding the local-operator token.
	TypeLocalOperator Type = "local_operator"
	// TypeTerminalAgent is the read-only terminal agent; it is refused on
	// every method but GET.
	TypeTerminalAgent Type = "terminal_agent"
)

// Identity is an authenticated caller. It never holds the bearer token.
// Which fields are set depends on Type; the rest are empty.
type Identity struct {
	Type Type

	// GitHub Actions claims (TypeGitHubActions). Repository and WorkflowRef
	// are always non-blank for this type.
	Repository      string
	RepositoryOwner string
	WorkflowRef     string
	JobWorkflowRef  string
	Ref             string
	RefType         string
	EventName       string
	Environment     string
	SHA             string

	// Subject is the token's `sub` for GitHub Actions, and the configured
	// subject for the static-token agents.
	Subject string
	// TokenLabel names which static token an agent used (agents only).
	TokenLabel string

	// Login is the GitHub login of a human session (TypeGitHubHuman,
	// reserved).
	Login string

	// RawClaims is the verified JWT payload, kept for audit records. It is
	// never used to authorize: fields such as `actor` can name anyone.
	RawClaims json.RawMessage
}

// Actor returns the audit actor string (service.md §3.5):
// "github-actions:<repository>:<workflow ref>" for workflows,
// "github:<login>" for humans and "<type>:<subject>:<label>" for agents,
// where type is local-admin, local-operator or terminal-agent.
func (id Identity) Actor() string {
	switch id.Type {
	case TypeGitHubActions:
		ref := id.WorkflowRef
		if ref == "" {
			ref = id.JobWorkflowRef
		}
		return "github-actions:" + id.Repository + ":" + ref
	case TypeGitHubHuman:
		return "github:" + id.Login
	case TypeLocalAdmin:
		return "local-admin:" + id.Subject + ":" + id.TokenLabel
	case TypeLocalOperator:
		return "local-operator:" + id.Subject + ":" + id.TokenLabel
	case TypeTerminalAgent:
		return "terminal-agent:" + id.Subject + ":" + id.TokenLabel
	}
	return "unknown:" + string(id.Type)
}

// LogValue keeps logs to the type and actor, so logging an Identity never
// dumps its raw claims.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", string(id.Type)),
		slog.String("actor", id.Actor()),
	)
}
