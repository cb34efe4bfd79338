// Package authn turns an Authorization header into an Identity: a static
// owner-agent token (local admin, local operator, terminal agent) or a
// GitHub Actions OIDC token verified against the issuer's published keys.
// It decides who is calling, never what they may do; that is authz.
//
// Every refusal wraps ErrUnauthenticated (HTTP 401) except a terminal agent
// on a non-GET method, which is ErrReadOnlyIdentity (HTTP 403). Error
// messages name the failed check and claim names only: never the token and
// never claim values, so they are safe to return to the caller.
package authn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

var (
	// ErrUnauthenticated means the request carries no acceptable credential.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrReadOnlyIdentity means a read-only identity (the terminal agent)
	// called a method other than GET. It is authenticated, but the request
	// must be refused without being dispatched.
	ErrReadOnlyIdentity = errors.New("read-only identity may only use GET")
	// ErrInvalidConfig means Config.Validate refused the configuration.
	ErrInvalidConfig = errors.New("invalid authn config")
)

// Authenticator verifies bearer credentials. It is safe for concurrent use;
// its only mutable state is go-oidc's JWKS cache.
type Authenticator struct {
	static   []staticToken
	verifier *oidc.IDTokenVerifier
	now      func() time.Time
}

// New validates cfg and runs OIDC discovery on cfg.Issuer, so an
// unreachable or mismatched issuer fails start-up rather than the first
// request. The JWKS is fetched on first use, cached, and refetched when a
// token names a kid the cache does not hold (key rotation).
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	// The provider keeps the client from this context for its JWKS fetches.
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover oidc issuer %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		JWKSURL string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURL == "" {
		return nil, fmt.Errorf("discover oidc issuer %s: no jwks_uri", cfg.Issuer)
	}
	minRefetch := cfg.JWKSMinRefetch
	if minRefetch == 0 {
		minRefetch = DefaultJWKSMinRefetch
	}
	keys := &keyCache{url: meta.JWKSURL, client: client, now: now, minRefetch: max(minRefetch, 0)}
	verifier := oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		ClientID: cfg.Audience,
		// Pinned rather than taken from discovery, so a discovery document
		// cannot widen the accepted algorithms.
		SupportedSigningAlgs: []string{oidc.RS256},
		Now:                  now,
	})
	return &Authenticator{static: newStaticTokens(cfg), verifier: verifier, now: now}, nil
}

// Authenticate identifies the caller of a request with the given method and
// Authorization header value. Static tokens are tried first, in the order
// local admin, local operator, terminal agent; anything else must be a
// valid GitHub Actions OIDC token.
//
// A terminal agent on a method other than GET gets ErrReadOnlyIdentity
// together with its Identity, so the caller can log who was refused.
// Every other failure returns the zero Identity and an error wrapping
// ErrUnauthenticated.
func (a *Authenticator) Authenticate(ctx context.Context, method, authorization string) (Identity, error) {
	token, reason := parseBearer(authorization)
	if reason != "" {
		return Identity{}, fmt.Errorf("parse authorization header: %s: %w", reason, ErrUnauthenticated)
	}
	if id, ok := matchStatic(a.static, token); ok {
		if id.Type == TypeTerminalAgent && method != http.MethodGet {
			return id, fmt.Errorf("authenticate %s on %s: %w", id.Type, safeMethod(method), ErrReadOnlyIdentity)
		}
		return id, nil
	}
	return a.verifyGitHub(ctx, token)
}

// safeMethod keeps an arbitrary method string out of error messages.
func safeMethod(m string) string {
	switch m {
	case http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "non-GET method"
}
