package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// issuedAtLeeway mirrors go-oidc's nbf leeway for the iat check it does not
// make itself, so the two clock checks tolerate the same skew.
const issuedAtLeeway = 5 * time.Minute

// githubClaims are the GitHub Actions claims an Identity carries. A claim
// of the wrong JSON type fails decoding and the token is refused.
type githubClaims struct {
	Subject         string `json:"sub"`
	Repository      string `json:"repository"`
	RepositoryOwner string `json:"repository_owner"`
	WorkflowRef     string `json:"workflow_ref"`
	JobWorkflowRef  string `json:"job_workflow_ref"`
	Ref             string `json:"ref"`
	RefType         string `json:"ref_type"`
	EventName       string `json:"event_name"`
	Environment     string `json:"environment"`
	SHA             string `json:"sha"`
}

// verifyGitHub checks token as a GitHub Actions OIDC token: RS256 by a key
// in the issuer's JWKS, exact iss, aud exactly our audience, exp/nbf/iat
// against the clock, and non-blank repository and workflow_ref.
func (a *Authenticator) verifyGitHub(ctx context.Context, token string) (Identity, error) {
	idt, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return Identity{}, refuse(verifyReason(err))
	}
	// go-oidc accepts any aud list containing ours; GitHub always sends one
	// audience, so a token shared with other audiences is not ours.
	if len(idt.Audience) != 1 {
		return Identity{}, refuse("audience mismatch")
	}
	if !idt.IssuedAt.IsZero() && idt.IssuedAt.After(a.now().Add(issuedAtLeeway)) {
		return Identity{}, refuse("token issued in the future")
	}
	var raw json.RawMessage
	if err := idt.Claims(&raw); err != nil {
		return Identity{}, refuse("malformed claims")
	}
	var c githubClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return Identity{}, refuse("malformed claims")
	}
	if strings.TrimSpace(c.Repository) == "" {
		return Identity{}, refuse("missing claim repository")
	}
	if strings.TrimSpace(c.WorkflowRef) == "" {
		return Identity{}, refuse("missing claim workflow_ref")
	}
	return Identity{
		Type:            TypeGitHubActions,
		Repository:      c.Repository,
		RepositoryOwner: c.RepositoryOwner,
		WorkflowRef:     c.WorkflowRef,
		JobWorkflowRef:  c.JobWorkflowRef,
		Ref:             c.Ref,
		RefType:         c.RefType,
		EventName:       c.EventName,
		Environment:     c.Environment,
		Subject:         c.Subject,
		SHA:             c.SHA,
		RawClaims:       raw,
	}, nil
}

func refuse(reason string) error {
	return fmt.Errorf("verify github oidc token: %s: %w", reason, ErrUnauthenticated)
}

// verifyReason maps a go-oidc error to a fixed, safe reason. go-oidc's own
// messages quote the expected and presented issuer and audience, so they
// are never passed on. It has no typed errors beyond expiry, so the rest
// are recognised by message prefix: prefixes, because the tails carry
// token-controlled text that could mimic another message. TestAttacks pins
// every mapping; an unrecognised message still refuses, with the generic
// reason.
func verifyReason(err error) string {
	if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
		return "token expired"
	}
	msg := err.Error()
	for _, m := range []struct{ prefix, reason string }{
		// go-jose refuses an alg outside SupportedSigningAlgs while parsing;
		// that is where alg none, HS256 and RS512 are turned away.
		{"oidc: malformed jwt: unexpected signature algorithm", "signing algorithm not allowed"},
		{"oidc: malformed jwt", "malformed token"},
		{"failed to verify signature: fetch jwks", "signing keys unavailable"},
		{"failed to verify signature: decode jwks", "signing keys unavailable"},
		{"failed to verify signature", "signature not verified"},
		{"oidc: id token issued by a different provider", "issuer mismatch"},
		{"oidc: expected audience", "audience mismatch"},
		{"oidc: current time", "token not yet valid"},
		{"oidc: failed to unmarshal claims", "malformed claims"},
	} {
		if strings.HasPrefix(msg, m.prefix) {
			return m.reason
		}
	}
	return "token not verified"
}
