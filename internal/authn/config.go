package authn

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// GitHubIssuer is the GitHub Actions token issuer. The service uses it
// unless LAUNCHPLANE_GITHUB_OIDC_ISSUER overrides it; Config itself has no
// default so that the choice is always made, and visible, by the caller.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// DefaultHTTPTimeout bounds discovery and JWKS requests when Config brings
// no client of its own; http.DefaultClient would wait forever.
const DefaultHTTPTimeout = 10 * time.Second

// StaticToken is a configured bearer token for an owner agent. Subject and
// TokenLabel identify the holder in audit records and policy rules.
type StaticToken struct {
	Token      string
	Subject    string
	TokenLabel string
}

// Config configures an Authenticator.
type Config struct {
	// Issuer is the exact `iss` accepted and the base URL for discovery.
	Issuer string
	// Audience is the exact `aud` accepted. Required: there is no default.
	Audience string

	// Static owner-agent tokens; nil disables that class.
	LocalAdmin    *StaticToken
	LocalOperator *StaticToken
	TerminalAgent *StaticToken

	// HTTPClient fetches discovery and the JWKS. Nil means a client with
	// DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Now is the clock for exp and nbf checks and the JWKS refetch limit.
	// Nil means time.Now.
	Now func() time.Time
	// JWKSMinRefetch is the least time between two JWKS fetches triggered by
	// unknown key ids; 0 means DefaultJWKSMinRefetch, negative means none
	// (every unknown id refetches; tests only).
	JWKSMinRefetch time.Duration
}

// Validate reports every problem with c at once, wrapped in
// ErrInvalidConfig. Error messages name settings, never token values.
func (c Config) Validate() error {
	var problems []error
	if strings.TrimSpace(c.Audience) == "" {
		problems = append(problems, errors.New("audience is required"))
	}
	if strings.TrimSpace(c.Issuer) == "" {
		problems = append(problems, errors.New("issuer is required"))
	} else if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		problems = append(problems, fmt.Errorf("issuer %q is not an http(s) URL", c.Issuer))
	} else if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		// Discovery and keys over plain HTTP can be swapped in transit;
		// only a local development issuer may use it.
		problems = append(problems, fmt.Errorf("issuer %q must use https (plain http is allowed only on loopback)", c.Issuer))
	}
	seen := map[string]string{}
	for _, st := range c.staticTokens() {
		if st.token == nil {
			continue
		}
		problems = append(problems, st.token.validate(st.name)...)
		if prev, dup := seen[st.token.Token]; dup && st.token.Token != "" {
			// The first class would always win, silently shadowing the other.
			problems = append(problems, fmt.Errorf("%s token must differ from the %s token", st.name, prev))
		}
		seen[st.token.Token] = st.name
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(problems...))
	}
	return nil
}

func (s StaticToken) validate(name string) []error {
	var problems []error
	switch {
	case s.Token == "":
		problems = append(problems, fmt.Errorf("%s token is empty", name))
	case !isB64Token(s.Token):
		// A token outside the header grammar could never be presented.
		problems = append(problems, fmt.Errorf("%s token has characters outside the bearer token alphabet", name))
	case len(s.Token) > MaxTokenLength:
		problems = append(problems, fmt.Errorf("%s token is longer than %d bytes", name, MaxTokenLength))
	}
	if strings.TrimSpace(s.Subject) == "" {
		problems = append(problems, fmt.Errorf("%s subject is required when its token is set", name))
	}
	if strings.TrimSpace(s.TokenLabel) == "" {
		problems = append(problems, fmt.Errorf("%s token label is required when its token is set", name))
	}
	return problems
}

// namedToken pairs a static token with its identity type, in the order
// bearer tokens are matched (service.md §1.5).
type namedToken struct {
	name  string
	typ   Type
	token *StaticToken
}

func (c Config) staticTokens() []namedToken {
	return []namedToken{
		{"local admin", TypeLocalAdmin, c.LocalAdmin},
		{"local operator", TypeLocalOperator, c.LocalOperator},
		{"terminal agent", TypeTerminalAgent, c.TerminalAgent},
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
