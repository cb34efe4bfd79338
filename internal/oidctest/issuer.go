// Package oidctest is a local OpenID Connect issuer shaped like GitHub
// Actions' token service. It serves discovery and a JWKS over HTTP and mints
// RS256 tokens with GitHub Actions claims, plus deliberately hostile tokens
// for negative tests. Tests use it through Start; the quickstart and
// `launchplane dev token` persist its key with Save and Load so tokens minted
// by one process verify in another.
//
// It is a test and development tool: nothing here belongs on a production
// trust path.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyBits is the size of every RSA key the issuer generates.
const KeyBits = 2048

// Paths the issuer serves, relative to the issuer URL. The JWKS path is the
// one GitHub Actions uses.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/.well-known/jwks"
)

// Issuer is a local OIDC issuer. Its methods are safe for concurrent use.
type Issuer struct {
	now func() time.Time

	mu  sync.Mutex
	url string
	// keys are published in the JWKS; the last one signs.
	keys []signingKey
	// stranger signs tokens whose key is not in the JWKS. It is generated on
	// first use because most tests never need it.
	stranger *signingKey

	jwksRequests atomic.Int64
}

// signingKey is an RSA private key and the key ID published for it.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// New returns an issuer for issuerURL with a fresh RSA-2048 signing key.
// now is the clock used for default token times.
func New(issuerURL string, now func() time.Time) (*Issuer, error) {
	if err := checkIssuerURL(issuerURL); err != nil {
		return nil, fmt.Errorf("create issuer: %w", err)
	}
	iss, err := newIssuer(now)
	if err != nil {
		return nil, fmt.Errorf("create issuer: %w", err)
	}
	iss.url = issuerURL
	return iss, nil
}

// Start serves a new issuer on an httptest.Server, using the real clock, and
// closes the server when the test ends.
func Start(t testing.TB) *Issuer {
	t.Helper()
	return StartWithClock(t, time.Now)
}

// StartWithClock is Start with an injected clock. Give the verifier the same
// clock so minted and checked times agree.
func StartWithClock(t testing.TB, now func() time.Time) *Issuer {
	t.Helper()
	iss, err := newIssuer(now)
	if err != nil {
		t.Fatalf("start oidc issuer: %v", err)
	}
	srv := httptest.NewServer(iss.Handler())
	t.Cleanup(srv.Close)
	iss.mu.Lock()
	iss.url = srv.URL
	iss.mu.Unlock()
	return iss
}

func newIssuer(now func() time.Time) (*Issuer, error) {
	if now == nil {
		return nil, errors.New("clock is required")
	}
	k, err := generateKey()
	if err != nil {
		return nil, err
	}
	return &Issuer{now: now, keys: []signingKey{k}}, nil
}

// generateKey makes an RSA key whose kid is its RFC 7638 thumbprint, so key
// IDs need no randomness of their own and never collide across rotations.
func generateKey() (signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return signingKey{}, fmt.Errorf("generate rsa key: %w", err)
	}
	kid, err := thumbprint(&key.PublicKey)
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{kid: kid, key: key}, nil
}

func thumbprint(pub *rsa.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("compute key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

func checkIssuerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("issuer url %q is not an absolute URL", raw)
	}
	return nil
}

// URL returns the issuer URL: the default `iss` claim and the base of the
// discovery document.
func (i *Issuer) URL() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.url
}

// KeyID returns the kid of the current signing key.
func (i *Issuer) KeyID() string {
	return i.current().kid
}

// KeyIDs returns the kids the JWKS publishes, oldest first.
func (i *Issuer) KeyIDs() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	kids := make([]string, len(i.keys))
	for n, k := range i.keys {
		kids[n] = k.kid
	}
	return kids
}

// Rotate adds a fresh key to the JWKS and makes it the signing key. Older
// keys stay published, so tokens they signed still verify. It returns the
// new kid.
func (i *Issuer) Rotate() (string, error) {
	k, err := generateKey()
	if err != nil {
		return "", fmt.Errorf("rotate signing key: %w", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	return k.kid, nil
}

// KeySetRequests counts JWKS fetches served, so tests can show that a
// verifier caches the key set and refetches it only on an unknown kid.
func (i *Issuer) KeySetRequests() int64 {
	return i.jwksRequests.Load()
}

func (i *Issuer) current() signingKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.keys[len(i.keys)-1]
}

// strangerKey returns the key that is never published.
func (i *Issuer) strangerKey() (signingKey, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.stranger == nil {
		k, err := generateKey()
		if err != nil {
			return signingKey{}, err
		}
		i.stranger = &k
	}
	return *i.stranger, nil
}

// Handler serves the discovery document and the JWKS at DiscoveryPath and
// JWKSPath. An issuer URL with a path needs http.StripPrefix in front.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DiscoveryPath, i.serveDiscovery)
	mux.HandleFunc("GET "+JWKSPath, i.serveJWKS)
	return mux
}

// discovery mirrors the fields GitHub's token service publishes, which is
// everything go-oidc's discovery reads for a verifier.
type discovery struct {
	Issuer                 string   `json:"issuer"`
	JWKSURI                string   `json:"jwks_uri"`
	SubjectTypesSupported  []string `json:"subject_types_supported"`
	ResponseTypesSupported []string `json:"response_types_supported"`
	ClaimsSupported        []string `json:"claims_supported"`
	SigningAlgsSupported   []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported        []string `json:"scopes_supported"`
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	base := i.URL()
	writeJSON(w, discovery{
		Issuer:                 base,
		JWKSURI:                base + JWKSPath,
		SubjectTypesSupported:  []string{"public", "pairwise"},
		ResponseTypesSupported: []string{"id_token"},
		ClaimsSupported: []string{
			"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository",
			"repository_owner", "run_id", "run_number", "run_attempt", "actor", "workflow",
			"workflow_ref", "job_workflow_ref", "head_ref", "base_ref", "event_name",
			"ref_type", "environment", "enterprise",
		},
		SigningAlgsSupported: []string{string(jose.RS256)},
		ScopesSupported:      []string{"openid"},
	})
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.jwksRequests.Add(1)
	writeJSON(w, i.keySet())
}

// keySet is the public JWKS.
func (i *Issuer) keySet() jose.JSONWebKeySet {
	i.mu.Lock()
	defer i.mu.Unlock()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(i.keys))}
	for _, k := range i.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:       &k.key.PublicKey,
			KeyID:     k.kid,
			Algorithm: string(jose.RS256),
			Use:       "sig",
		})
	}
	return set
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
