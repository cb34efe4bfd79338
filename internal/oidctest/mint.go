package oidctest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultLifetime is how long a minted token is valid unless Claims.Expiry
// says otherwise. GitHub's tokens live a little longer; ten minutes is
// enough for any test and short enough to notice a clock mix-up.
const DefaultLifetime = 10 * time.Minute

// DefaultSHA is the commit SHA DefaultClaims puts in tokens.
const DefaultSHA = "0123456789abcdef0123456789abcdef01234567"

// Claims are the claims of a minted token. Empty strings are left out of the
// token, so a test removes a claim by clearing its field.
type Claims struct {
	// Issuer is `iss`; empty means the issuer URL.
	Issuer string
	// Audience is `aud`, a single string as GitHub sends it; empty omits it.
	Audience string
	// Subject is `sub`.
	Subject string

	Repository      string
	RepositoryOwner string
	WorkflowRef     string
	JobWorkflowRef  string
	Ref             string
	RefType         string
	EventName       string
	Environment     string
	SHA             string
	// Actor is the GitHub login that triggered the run (audit only).
	Actor string

	// IssuedAt, NotBefore and Expiry override `iat`, `nbf` and `exp`. Zero
	// means now, now and now+DefaultLifetime by the issuer's clock.
	IssuedAt  time.Time
	NotBefore time.Time
	Expiry    time.Time

	// Extra claims are added last and win over the fields above, so a test
	// can also send a claim with the wrong JSON type. A nil value removes
	// the claim, which is how a test drops exp, nbf, iat or iss; send
	// json.RawMessage("null") for a JSON null.
	Extra map[string]any
}

// DefaultClaims returns the claims of a push event, shaped like a real
// GitHub Actions token. workflowRef is
// "owner/repo/.github/workflows/file.yml@refs/heads/main"; its ref part
// becomes `ref` (refs/heads/main if it has none).
func DefaultClaims(repository, workflowRef, audience string) Claims {
	owner, _, _ := strings.Cut(repository, "/")
	ref := "refs/heads/main"
	if _, r, ok := strings.Cut(workflowRef, "@"); ok && r != "" {
		ref = r
	}
	refType := "branch"
	if strings.HasPrefix(ref, "refs/tags/") {
		refType = "tag"
	}
	return Claims{
		Audience:        audience,
		Subject:         "repo:" + repository + ":ref:" + ref,
		Repository:      repository,
		RepositoryOwner: owner,
		WorkflowRef:     workflowRef,
		JobWorkflowRef:  workflowRef,
		Ref:             ref,
		RefType:         refType,
		EventName:       "push",
		SHA:             DefaultSHA,
		Actor:           "octocat",
	}
}

// Mint signs c with the current key as an RS256 JWT.
func (i *Issuer) Mint(c Claims) (string, error) {
	payload, err := i.payload(c)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	tok, err := sign(i.current(), jose.RS256, payload)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return tok, nil
}

// payload is the JSON claim set for c with defaults filled in.
func (i *Issuer) payload(c Claims) ([]byte, error) {
	now := i.now()
	m := map[string]any{
		"iss": orDefault(c.Issuer, i.URL()),
		"iat": orTime(c.IssuedAt, now).Unix(),
		"nbf": orTime(c.NotBefore, now).Unix(),
		"exp": orTime(c.Expiry, now.Add(DefaultLifetime)).Unix(),
	}
	for name, v := range map[string]string{
		"aud":              c.Audience,
		"sub":              c.Subject,
		"repository":       c.Repository,
		"repository_owner": c.RepositoryOwner,
		"workflow_ref":     c.WorkflowRef,
		"job_workflow_ref": c.JobWorkflowRef,
		"ref":              c.Ref,
		"ref_type":         c.RefType,
		"event_name":       c.EventName,
		"environment":      c.Environment,
		"sha":              c.SHA,
		"actor":            c.Actor,
	} {
		if v != "" {
			m[name] = v
		}
	}
	for name, v := range c.Extra {
		if v == nil {
			delete(m, name)
			continue
		}
		m[name] = v
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode claims: %w", err)
	}
	return body, nil
}

func sign(k signingKey, alg jose.SignatureAlgorithm, payload []byte) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: k.key, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("create signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign claims: %w", err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialize token: %w", err)
	}
	return tok, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}
