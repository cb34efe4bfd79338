package authn_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/oidctest"
)

var fixedNow = time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

const (
	repo        = "acme/shop"
	workflowRef = "acme/shop/.github/workflows/deploy.yml@refs/heads/main"
	audience    = "launchplane.example.test"

	adminToken    = "lp-admin-Zk3v9Qm2Xr7Tt1Lp0Ww8Yy6Uu4Ii2Oo"
	operatorToken = "lp-operator-Hn5Bb7Vv9Cc1Xx3Zz5Aa7Ss9Dd1Ff3"
	agentToken    = "lp-agent-Jj2Kk4Ll6Mm8Nn0Pp2Qq4Rr6Tt8Vv0"
)

// fixture is an authenticator wired to a live local issuer over real HTTP.
type fixture struct {
	iss  *oidctest.Issuer
	auth *authn.Authenticator
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	iss := oidctest.StartWithClock(t, clock)
	auth, err := authn.New(t.Context(), config(iss))
	if err != nil {
		t.Fatalf("authn.New: %v", err)
	}
	return fixture{iss: iss, auth: auth}
}

func config(iss *oidctest.Issuer) authn.Config {
	return authn.Config{
		Issuer:        iss.URL(),
		Audience:      audience,
		LocalAdmin:    &authn.StaticToken{Token: adminToken, Subject: "owner", TokenLabel: "local-owner-admin"},
		LocalOperator: &authn.StaticToken{Token: operatorToken, Subject: "owner", TokenLabel: "local-owner-write"},
		TerminalAgent: &authn.StaticToken{Token: agentToken, Subject: "owner", TokenLabel: "local-owner-read"},
		Now:           clock,
		// The clock is fixed, so refetch on every unknown key id here;
		// TestJWKSRefetchIsThrottled covers the limit.
		JWKSMinRefetch: -1,
	}
}

func (f fixture) mint(t testing.TB, c oidctest.Claims) string {
	t.Helper()
	tok, err := f.iss.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func defaultClaims() oidctest.Claims {
	return oidctest.DefaultClaims(repo, workflowRef, audience)
}

// ignoreRaw leaves the raw payload to checkRawClaims.
var ignoreRaw = cmpopts.IgnoreFields(authn.Identity{}, "RawClaims")

func TestAuthenticateGitHub(t *testing.T) {
	f := newFixture(t)
	envClaims := defaultClaims()
	envClaims.Environment = "prod"
	envClaims.Subject = "repo:acme/shop:environment:prod"
	envClaims.EventName = "workflow_dispatch"
	envClaims.JobWorkflowRef = "acme/shared/.github/workflows/deploy.yml@refs/heads/main"
	minimal := oidctest.Claims{Audience: audience, Repository: repo, WorkflowRef: workflowRef}
	withinLeeway := defaultClaims()
	withinLeeway.NotBefore = fixedNow.Add(4 * time.Minute)
	withinLeeway.IssuedAt = fixedNow.Add(4 * time.Minute)

	tests := []struct {
		name   string
		claims oidctest.Claims
		method string
		want   authn.Identity
	}{
		{"push", defaultClaims(), "POST", authn.Identity{
			Type:            authn.TypeGitHubActions,
			Repository:      repo,
			RepositoryOwner: "acme",
			WorkflowRef:     workflowRef,
			JobWorkflowRef:  workflowRef,
			Ref:             "refs/heads/main",
			RefType:         "branch",
			EventName:       "push",
			Subject:         "repo:acme/shop:ref:refs/heads/main",
			SHA:             oidctest.DefaultSHA,
		}},
		{"environment and reusable workflow", envClaims, "GET", authn.Identity{
			Type:            authn.TypeGitHubActions,
			Repository:      repo,
			RepositoryOwner: "acme",
			WorkflowRef:     workflowRef,
			JobWorkflowRef:  "acme/shared/.github/workflows/deploy.yml@refs/heads/main",
			Ref:             "refs/heads/main",
			RefType:         "branch",
			EventName:       "workflow_dispatch",
			Environment:     "prod",
			Subject:         "repo:acme/shop:environment:prod",
			SHA:             oidctest.DefaultSHA,
		}},
		{"only required claims", minimal, "POST", authn.Identity{
			Type:        authn.TypeGitHubActions,
			Repository:  repo,
			WorkflowRef: workflowRef,
		}},
		{"nbf and iat within leeway", withinLeeway, "POST", authn.Identity{
			Type:            authn.TypeGitHubActions,
			Repository:      repo,
			RepositoryOwner: "acme",
			WorkflowRef:     workflowRef,
			JobWorkflowRef:  workflowRef,
			Ref:             "refs/heads/main",
			RefType:         "branch",
			EventName:       "push",
			Subject:         "repo:acme/shop:ref:refs/heads/main",
			SHA:             oidctest.DefaultSHA,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.auth.Authenticate(t.Context(), tt.method, "Bearer "+f.mint(t, tt.claims))
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreRaw); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			checkRawClaims(t, got, tt.claims)
		})
	}
}

// checkRawClaims checks the identity keeps the verified payload for audit.
func checkRawClaims(t *testing.T, id authn.Identity, c oidctest.Claims) {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(id.RawClaims, &raw); err != nil {
		t.Fatalf("decode RawClaims: %v", err)
	}
	if raw["repository"] != c.Repository || raw["aud"] != c.Audience {
		t.Errorf("RawClaims = %s, want the token's claims", id.RawClaims)
	}
}

// wantUnauthenticated checks err is a safe ErrUnauthenticated naming reason.
// secrets must not appear in the message.
func wantUnauthenticated(t *testing.T, id authn.Identity, err error, reason string, secrets ...string) {
	t.Helper()
	if !errors.Is(err, authn.ErrUnauthenticated) {
		t.Fatalf("error = %v, want ErrUnauthenticated", err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Errorf("error %q does not give reason %q", err, reason)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks %q", err, s)
		}
	}
	if diff := cmp.Diff(authn.Identity{}, id); diff != "" {
		t.Errorf("identity returned with an error (-want +got):\n%s", diff)
	}
}

func TestAttacks(t *testing.T) {
	f := newFixture(t)
	reasons := map[oidctest.Attack]string{
		oidctest.Expired:            "token expired",
		oidctest.NotYetValid:        "token not yet valid",
		oidctest.WrongAudience:      "audience mismatch",
		oidctest.WrongIssuer:        "issuer mismatch",
		oidctest.UnknownKey:         "signature not verified",
		oidctest.ForgedSignature:    "signature not verified",
		oidctest.TamperedPayload:    "signature not verified",
		oidctest.RS512:              "signing algorithm not allowed",
		oidctest.AlgNone:            "signing algorithm not allowed",
		oidctest.KeyConfusion:       "signing algorithm not allowed",
		oidctest.MissingRepository:  "missing claim repository",
		oidctest.MissingWorkflowRef: "missing claim workflow_ref",
		oidctest.NotThreeSegments:   "malformed token",
		oidctest.BadBase64:          "malformed token",
	}
	for _, a := range oidctest.Attacks() {
		t.Run(string(a), func(t *testing.T) {
			reason, ok := reasons[a]
			if !ok {
				t.Fatalf("no expected reason for attack %q", a)
			}
			tok, err := f.iss.MintHostile(a, defaultClaims())
			if err != nil {
				t.Fatal(err)
			}
			id, err := f.auth.Authenticate(t.Context(), "POST", "Bearer "+tok)
			wantUnauthenticated(t, id, err, reason,
				tok, repo, workflowRef, f.iss.URL(), audience, oidctest.WrongAudienceValue, oidctest.WrongIssuerValue)
		})
	}
}

func TestClaimChecks(t *testing.T) {
	f := newFixture(t)
	with := func(edit func(*oidctest.Claims)) oidctest.Claims {
		c := defaultClaims()
		edit(&c)
		return c
	}
	tests := []struct {
		name   string
		claims oidctest.Claims
		reason string
	}{
		{"blank repository", with(func(c *oidctest.Claims) { c.Repository = " \t" }), "missing claim repository"},
		{"blank workflow_ref", with(func(c *oidctest.Claims) { c.WorkflowRef = "  " }), "missing claim workflow_ref"},
		{"repository not a string", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"repository": 42} }), "malformed claims"},
		{"workflow_ref null", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"workflow_ref": json.RawMessage("null")} }), "missing claim workflow_ref"},
		{"no exp", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"exp": nil} }), "token expired"},
		{"exp null", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"exp": json.RawMessage("null")} }), "malformed claims"},
		{"exp a string", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"exp": "tomorrow"} }), "malformed claims"},
		{"no iss", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"iss": nil} }), "issuer mismatch"},
		{"expired by one second", with(func(c *oidctest.Claims) { c.Expiry = fixedNow.Add(-time.Second) }), "token expired"},
		{"nbf past leeway", with(func(c *oidctest.Claims) { c.NotBefore = fixedNow.Add(6 * time.Minute) }), "token not yet valid"},
		{"iat past leeway", with(func(c *oidctest.Claims) { c.IssuedAt = fixedNow.Add(6 * time.Minute) }), "token issued in the future"},
		{"no aud", with(func(c *oidctest.Claims) { c.Audience = "" }), "audience mismatch"},
		{"aud mimics another failure", with(func(c *oidctest.Claims) { c.Audience = "failed to verify signature" }), "audience mismatch"},
		{"aud prefix", with(func(c *oidctest.Claims) { c.Audience = audience + ".evil" }), "audience mismatch"},
		{"aud list with ours", with(func(c *oidctest.Claims) { c.Extra = map[string]any{"aud": []string{audience, "other"}} }), "audience mismatch"},
		{"issuer trailing slash", with(func(c *oidctest.Claims) { c.Issuer = f.iss.URL() + "/" }), "issuer mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := f.mint(t, tt.claims)
			id, err := f.auth.Authenticate(t.Context(), "GET", "Bearer "+tok)
			wantUnauthenticated(t, id, err, tt.reason, tok, repo, audience)
		})
	}
}

func TestAuthorizationHeader(t *testing.T) {
	f := newFixture(t)
	tok := f.mint(t, defaultClaims())
	// Control: the exact form is accepted.
	if _, err := f.auth.Authenticate(t.Context(), "GET", "Bearer "+tok); err != nil {
		t.Fatalf("valid header refused: %v", err)
	}
	tests := []struct {
		name, header, reason string
	}{
		{"empty", "", "missing authorization header"},
		{"scheme only", "Bearer", "authorization scheme is not Bearer"},
		{"empty token", "Bearer ", "empty bearer token"},
		{"lowercase scheme", "bearer " + tok, "authorization scheme is not Bearer"},
		{"uppercase scheme", "BEARER " + tok, "authorization scheme is not Bearer"},
		{"basic", "Basic dXNlcjpwYXNz", "authorization scheme is not Bearer"},
		{"token scheme", "token " + tok, "authorization scheme is not Bearer"},
		{"no scheme", tok, "authorization scheme is not Bearer"},
		{"leading space", " Bearer " + tok, "authorization scheme is not Bearer"},
		{"two spaces", "Bearer  " + tok, "malformed bearer token"},
		{"tab separator", "Bearer\t" + tok, "authorization scheme is not Bearer"},
		{"trailing space", "Bearer " + tok + " ", "malformed bearer token"},
		{"trailing newline", "Bearer " + tok + "\n", "malformed bearer token"},
		{"two tokens", "Bearer " + tok + " " + tok, "malformed bearer token"},
		{"comma list", "Bearer " + tok + ", Basic x", "malformed bearer token"},
		{"only padding", "Bearer ==", "malformed bearer token"},
		{"too long", "Bearer " + strings.Repeat("a", authn.MaxTokenLength+1), "bearer token too long"},
		{"static token with spaces", "Bearer  " + adminToken, "malformed bearer token"},
		{"not a jwt", "Bearer opaque-token", "malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := f.auth.Authenticate(t.Context(), "GET", tt.header)
			wantUnauthenticated(t, id, err, tt.reason, tok, adminToken)
		})
	}
}

func TestKeyRotation(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	auth := func(tok string) error {
		_, err := f.auth.Authenticate(ctx, "POST", "Bearer "+tok)
		return err
	}
	requests := func(want int64) {
		t.Helper()
		if got := f.iss.KeySetRequests(); got != want {
			t.Errorf("JWKS requests = %d, want %d", got, want)
		}
	}
	requests(0) // discovery does not fetch keys
	oldTok := f.mint(t, defaultClaims())
	if err := auth(oldTok); err != nil {
		t.Fatalf("first key: %v", err)
	}
	requests(1)
	if err := auth(f.mint(t, defaultClaims())); err != nil {
		t.Fatalf("first key again: %v", err)
	}
	requests(1) // served from the cache

	if _, err := f.iss.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := auth(f.mint(t, defaultClaims())); err != nil {
		t.Fatalf("rotated-in key: %v", err)
	}
	requests(2) // unknown kid → one refetch
	if err := auth(oldTok); err != nil {
		t.Fatalf("old key after rotation: %v", err)
	}
	requests(2)

	unknown, err := f.iss.MintHostile(oidctest.UnknownKey, defaultClaims())
	if err != nil {
		t.Fatal(err)
	}
	if err := auth(unknown); !errors.Is(err, authn.ErrUnauthenticated) {
		t.Fatalf("unknown key: %v, want ErrUnauthenticated", err)
	}
	requests(3) // refetched, still unknown, refused
}

func TestConcurrentAuthenticate(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				tok, err := f.iss.Mint(defaultClaims())
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := f.auth.Authenticate(context.Background(), "GET", "Bearer "+tok); err != nil {
					t.Errorf("Authenticate: %v", err)
				}
			}
		})
	}
	wg.Go(func() {
		if _, err := f.iss.Rotate(); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
}

func TestNewDiscovery(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)

	t.Run("issuer must match discovery exactly", func(t *testing.T) {
		cfg := config(iss)
		cfg.Issuer = iss.URL() + "/"
		if _, err := authn.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "discover oidc issuer") {
			t.Errorf("New error = %v, want a discovery error", err)
		}
	})

	t.Run("unreachable issuer", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		cfg := config(iss)
		cfg.Issuer = down.URL
		if _, err := authn.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "discover oidc issuer") {
			t.Errorf("New error = %v, want a discovery error", err)
		}
	})

	t.Run("no discovery document", func(t *testing.T) {
		empty := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(empty.Close)
		cfg := config(iss)
		cfg.Issuer = empty.URL
		if _, err := authn.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "discover oidc issuer") {
			t.Errorf("New error = %v, want a discovery error", err)
		}
	})

	t.Run("configured client carries discovery and JWKS", func(t *testing.T) {
		ct := &countingTransport{}
		cfg := config(iss)
		cfg.HTTPClient = &http.Client{Transport: ct}
		auth, err := authn.New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := iss.Mint(defaultClaims())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Authenticate(t.Context(), "GET", "Bearer "+tok); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{oidctest.DiscoveryPath, oidctest.JWKSPath}, ct.paths()); diff != "" {
			t.Errorf("requests through the configured client (-want +got):\n%s", diff)
		}
	})
}

// TestSigningKeysUnavailable serves the issuer from New and Handler (the
// quickstart's path) on a server the test controls, then takes it down after
// discovery so the first JWKS fetch fails.
func TestSigningKeysUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oidctest.New("http://"+ln.Addr().String(), clock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: iss.Handler()}}
	srv.Start()
	defer srv.Close()

	auth, err := authn.New(t.Context(), config(iss))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Mint(defaultClaims())
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	id, err := auth.Authenticate(t.Context(), "GET", "Bearer "+tok)
	wantUnauthenticated(t, id, err, "signing keys unavailable", tok, iss.URL())
}

// TestJWKSRefetchIsThrottled: tokens naming made-up key ids cannot make the
// service fetch the JWKS once per request; a real rotation is picked up
// once the minimum interval has passed.
func TestJWKSRefetchIsThrottled(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return clock().Add(time.Duration(offset.Load())) }
	iss := oidctest.StartWithClock(t, clock)
	cfg := config(iss)
	cfg.Now = now
	cfg.JWKSMinRefetch = time.Minute
	auth, err := authn.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mint := func(attack oidctest.Attack) string {
		t.Helper()
		var tok string
		var err error
		if attack == "" {
			tok, err = iss.Mint(defaultClaims())
		} else {
			tok, err = iss.MintHostile(attack, defaultClaims())
		}
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := auth.Authenticate(t.Context(), "GET", "Bearer "+mint("")); err != nil {
		t.Fatalf("first token: %v", err)
	}
	for range 20 {
		if _, err := auth.Authenticate(t.Context(), "GET", "Bearer "+mint(oidctest.UnknownKey)); !errors.Is(err, authn.ErrUnauthenticated) {
			t.Fatalf("unknown key accepted: %v", err)
		}
	}
	if got := iss.KeySetRequests(); got != 1 {
		t.Errorf("20 unknown key ids within the interval fetched the JWKS %d times, want 1 (the first, initial fetch)", got)
	}
	if _, err := iss.Rotate(); err != nil {
		t.Fatal(err)
	}
	rotated := mint("")
	if _, err := auth.Authenticate(t.Context(), "GET", "Bearer "+rotated); err == nil {
		t.Error("a rotated-in key verified before the refetch interval passed")
	}
	offset.Store(int64(2 * time.Minute))
	if _, err := auth.Authenticate(t.Context(), "GET", "Bearer "+rotated); err != nil {
		t.Errorf("rotated-in key after the interval: %v", err)
	}
	if got := iss.KeySetRequests(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2", got)
	}
}

// TestConcurrentFirstRequestsShareOneFetch: requests that arrive while the
// JWKS is being fetched wait for that fetch instead of being refused.
func TestConcurrentFirstRequestsShareOneFetch(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	cfg := config(iss)
	cfg.JWKSMinRefetch = time.Hour
	auth, err := authn.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Mint(defaultClaims())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := auth.Authenticate(context.Background(), "GET", "Bearer "+tok); err != nil {
				t.Errorf("concurrent first request: %v", err)
			}
		})
	}
	wg.Wait()
	if got := iss.KeySetRequests(); got != 1 {
		t.Errorf("JWKS requests = %d, want 1", got)
	}
}
