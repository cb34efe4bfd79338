package api

import (
	"context"

	"github.com/launchplane/launchplane/internal/authn"
)

// authInput is the header every authenticated route reads.
type authInput struct {
	Authorization string `header:"Authorization" doc:"Bearer token: a GitHub Actions OIDC JWT or a configured agent token"`
}

// authenticate identifies the caller.
func (a *API) authenticate(ctx context.Context, method, header string) (authn.Identity, error) {
	id, err := a.deps.Authn.Authenticate(ctx, method, header)
	if err != nil {
		return authn.Identity{}, a.fail(ctx, err)
	}
	return id, nil
}

// authorize authenticates the caller and checks one action.
func (a *API) authorize(ctx context.Context, method, header, action, product, context string) error {
	id, err := a.authenticate(ctx, method, header)
	if err != nil {
		return err
	}
	return a.check(ctx, id, action, product, context)
}

// check asks the policy about an already authenticated identity.
func (a *API) check(ctx context.Context, id authn.Identity, action, product, context string) error {
	ok, err := a.deps.Authz.Allowed(ctx, id, action, product, context)
	if err != nil {
		return a.fail(ctx, err)
	}
	if !ok {
		return a.fail(ctx, errDenied)
	}
	return nil
}

// idempotencyScope is who an Idempotency-Key belongs to (service.md §1.3).
func idempotencyScope(id authn.Identity) string {
	switch id.Type {
	case authn.TypeGitHubActions:
		ref := id.WorkflowRef
		if ref == "" {
			ref = id.JobWorkflowRef
		}
		return id.Repository + "|" + ref + "|" + id.Subject
	case authn.TypeGitHubHuman:
		return "github-human|" + id.Login
	default:
		return string(id.Type) + "|" + id.Subject + "|" + id.TokenLabel
	}
}
