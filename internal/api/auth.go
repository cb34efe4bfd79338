package api

import (
	"context"
	"net/http"

	"github.com/launchplane/launchplane/internal/authn"
)

type credentialsKey struct{}

// withCredentials carries the Authorization header to the handlers in the
// request context; the OpenAPI document declares it as a bearer security
// scheme instead of a per-route parameter.
func withCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), credentialsKey{}, r.Header.Get("Authorization"))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func credentials(ctx context.Context) string {
	h, _ := ctx.Value(credentialsKey{}).(string)
	return h
}

// authenticate identifies the caller of this request.
func (a *API) authenticate(ctx context.Context, method string) (authn.Identity, error) {
	id, err := a.deps.Authn.Authenticate(ctx, method, credentials(ctx))
	if err != nil {
		return authn.Identity{}, a.fail(ctx, err)
	}
	return id, nil
}

// authorize authenticates the caller and checks one action.
func (a *API) authorize(ctx context.Context, method, action, product, context string) error {
	id, err := a.authenticate(ctx, method)
	if err != nil {
		return err
	}
	return a.check(ctx, id, action, product, context)
}

// check asks the policy about an already authenticated identity. A
// denied workflow gets its own claims and the deciding policy's hash back.
func (a *API) check(ctx context.Context, id authn.Identity, action, product, context string) error {
	return a.decide(ctx, id, action, product, context, true)
}

// checkQuiet is check without denial diagnostics, for the policy routes,
// whose responses never echo workflow refs or subjects (service.md §2.4).
func (a *API) checkQuiet(ctx context.Context, id authn.Identity, action, product, context string) error {
	return a.decide(ctx, id, action, product, context, false)
}

func (a *API) decide(ctx context.Context, id authn.Identity, action, product, context string, diagnose bool) error {
	ok, err := a.deps.Authz.Allowed(ctx, id, action, product, context)
	if err != nil {
		return a.fail(ctx, err)
	}
	if !ok {
		denied := newError(ctx, http.StatusForbidden, CodeAuthorizationDenied, "No authorization rule allows this request.")
		// Workflows get their own claims back to fix a grant; agent
		// subjects and labels are configuration and stay out.
		if d, isDiagnoser := a.deps.Authz.(diagnoser); diagnose && isDiagnoser && id.Type == authn.TypeGitHubActions {
			denied.Authz = d.Diagnostics(ctx, id)
		}
		return denied
	}
	return nil
}

// diagnoser is an Authorizer that can explain a denial.
type diagnoser interface {
	Diagnostics(ctx context.Context, id authn.Identity) any
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
