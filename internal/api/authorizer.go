package api

import (
	"context"
	"errors"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
)

// PolicyAuthorizer authorizes against the active DB-backed policy, read
// per request so a grant takes effect on the next call (hot reload).
type PolicyAuthorizer struct{ Authority *authz.Authority }

// Allowed maps the identity to a principal and asks the policy.
func (p PolicyAuthorizer) Allowed(ctx context.Context, id authn.Identity, action, product, context string) (bool, error) {
	ok, err := p.Authority.Allowed(ctx, Principal(id), action, product, context)
	if errors.Is(err, authz.ErrNoPolicy) {
		return false, ErrPolicyUnavailable
	}
	return ok, err
}

// Principal is the policy's view of an authenticated identity.
func Principal(id authn.Identity) authz.Principal {
	return authz.Principal{
		Type:           string(id.Type),
		Repository:     id.Repository,
		WorkflowRef:    id.WorkflowRef,
		JobWorkflowRef: id.JobWorkflowRef,
		EventName:      id.EventName,
		Ref:            id.Ref,
		RefType:        id.RefType,
		Environment:    id.Environment,
		Subject:        id.Subject,
		Login:          id.Login,
		TokenLabel:     id.TokenLabel,
	}
}

// Diagnostics describes who the caller was taken to be and which policy
// denied it; nil when the policy cannot be read.
func (p PolicyAuthorizer) Diagnostics(ctx context.Context, id authn.Identity) any {
	act, err := p.Authority.Active(ctx)
	if err != nil {
		return nil
	}
	return act.Diagnostics(Principal(id))
}
