package authn

import "context"

// SessionResolver is the seam for GitHub human sessions (service.md §3.2),
// which are not built yet. An implementation verifies the signed
// `launchplane_session` cookie value, loads the session from the store
// (deleting it if expired) and returns a TypeGitHubHuman Identity with
// Login set, or an error wrapping ErrUnauthenticated.
//
// Sessions stay out of Authenticator on purpose: whether a cookie may be
// used at all depends on the route (GET reads, plus an explicit POST
// allowlist), and on GET a valid session wins over a bearer token. That
// policy belongs to the HTTP layer, which consults a SessionResolver first
// where cookies are allowed and falls back to Authenticate.
type SessionResolver interface {
	ResolveSession(ctx context.Context, cookieValue string) (Identity, error)
}
