package oidctest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/oidctest"
)

var fixedNow = time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return fixedNow }

const (
	repo        = "acme/shop"
	workflowRef = "acme/shop/.github/workflows/deploy.yml@refs/heads/main"
	audience    = "launchplane.example.test"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("GET %s: Content-Type %q", url, got)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
}

func fetchKeySet(t *testing.T, iss *oidctest.Issuer) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	getJSON(t, iss.URL()+oidctest.JWKSPath, &set)
	return set
}

// verify checks tok as a verifier would (RS256, key chosen by kid from the
// served JWKS) and returns its header and claims.
func verify(t *testing.T, set jose.JSONWebKeySet, tok string) (jose.Header, map[string]any) {
	t.Helper()
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	h := jws.Signatures[0].Header
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys for kid %q, want 1", len(keys), h.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("decode claims: %v", err)
	}
	return h, claims
}

func TestDiscovery(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	var doc struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
		Types   []string `json:"response_types_supported"`
	}
	getJSON(t, iss.URL()+oidctest.DiscoveryPath, &doc)
	want := doc
	want.Issuer = iss.URL()
	want.JWKSURI = iss.URL() + "/.well-known/jwks"
	want.Algs = []string{"RS256"}
	want.Types = []string{"id_token"}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("discovery document (-want +got):\n%s", diff)
	}

	set := fetchKeySet(t, iss)
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.KeyID != iss.KeyID() || k.Algorithm != "RS256" || k.Use != "sig" || !k.IsPublic() {
		t.Errorf("JWKS key = kid %q alg %q use %q public %v; want kid %q RS256 sig public",
			k.KeyID, k.Algorithm, k.Use, k.IsPublic(), iss.KeyID())
	}
	if got := iss.KeySetRequests(); got != 1 {
		t.Errorf("KeySetRequests = %d, want 1", got)
	}
}

func TestMint(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	set := fetchKeySet(t, iss)

	tok, err := iss.Mint(oidctest.DefaultClaims(repo, workflowRef, audience))
	if err != nil {
		t.Fatal(err)
	}
	h, claims := verify(t, set, tok)
	if h.Algorithm != "RS256" || h.KeyID != iss.KeyID() || h.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("header = alg %q kid %q typ %v; want RS256, %q, JWT", h.Algorithm, h.KeyID, h.ExtraHeaders["typ"], iss.KeyID())
	}
	want := map[string]any{
		"iss":              iss.URL(),
		"aud":              audience,
		"sub":              "repo:acme/shop:ref:refs/heads/main",
		"iat":              float64(fixedNow.Unix()),
		"nbf":              float64(fixedNow.Unix()),
		"exp":              float64(fixedNow.Add(10 * time.Minute).Unix()),
		"repository":       repo,
		"repository_owner": "acme",
		"workflow_ref":     workflowRef,
		"job_workflow_ref": workflowRef,
		"ref":              "refs/heads/main",
		"ref_type":         "branch",
		"event_name":       "push",
		"sha":              oidctest.DefaultSHA,
		"actor":            "octocat",
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestMintOverrides(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	set := fetchKeySet(t, iss)
	c := oidctest.Claims{
		Issuer:      "https://other.example",
		Audience:    audience,
		Repository:  repo,
		Environment: "prod",
		IssuedAt:    fixedNow.Add(-time.Hour),
		NotBefore:   fixedNow.Add(-time.Minute),
		Expiry:      fixedNow.Add(time.Hour),
		Extra:       map[string]any{"repository_id": "42", "ref": 7, "nbf": nil, "sha": json.RawMessage("null")},
	}
	tok, err := iss.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	_, claims := verify(t, set, tok)
	want := map[string]any{
		"iss":           "https://other.example",
		"aud":           audience,
		"iat":           float64(fixedNow.Add(-time.Hour).Unix()),
		"exp":           float64(fixedNow.Add(time.Hour).Unix()),
		"repository":    repo,
		"environment":   "prod",
		"repository_id": "42",
		"ref":           float64(7),
		"sha":           nil,
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestDefaultClaims(t *testing.T) {
	got := oidctest.DefaultClaims("acme/web", "acme/web/.github/workflows/release.yml@refs/tags/v1.2.0", "aud")
	want := oidctest.Claims{
		Audience:        "aud",
		Subject:         "repo:acme/web:ref:refs/tags/v1.2.0",
		Repository:      "acme/web",
		RepositoryOwner: "acme",
		WorkflowRef:     "acme/web/.github/workflows/release.yml@refs/tags/v1.2.0",
		JobWorkflowRef:  "acme/web/.github/workflows/release.yml@refs/tags/v1.2.0",
		Ref:             "refs/tags/v1.2.0",
		RefType:         "tag",
		EventName:       "push",
		SHA:             oidctest.DefaultSHA,
		Actor:           "octocat",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultClaims (-want +got):\n%s", diff)
	}
}

func TestRotate(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	first := iss.KeyID()
	oldTok, err := iss.Mint(oidctest.DefaultClaims(repo, workflowRef, audience))
	if err != nil {
		t.Fatal(err)
	}
	second, err := iss.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if second == first || iss.KeyID() != second {
		t.Fatalf("after Rotate: KeyID %q, first %q, returned %q", iss.KeyID(), first, second)
	}
	if diff := cmp.Diff([]string{first, second}, iss.KeyIDs()); diff != "" {
		t.Errorf("KeyIDs (-want +got):\n%s", diff)
	}
	set := fetchKeySet(t, iss)
	var served []string
	for _, k := range set.Keys {
		served = append(served, k.KeyID)
	}
	if diff := cmp.Diff([]string{first, second}, served); diff != "" {
		t.Errorf("JWKS kids (-want +got):\n%s", diff)
	}
	newTok, err := iss.Mint(oidctest.DefaultClaims(repo, workflowRef, audience))
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := verify(t, set, newTok); h.KeyID != second {
		t.Errorf("new token kid = %q, want %q", h.KeyID, second)
	}
	if h, _ := verify(t, set, oldTok); h.KeyID != first {
		t.Errorf("old token kid = %q, want %q", h.KeyID, first)
	}
}

// segments splits a compact JWS and decodes its header and payload.
func segments(t *testing.T, tok string) (header, payload map[string]any, sig string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments, want 3", len(parts))
	}
	decode := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("decode segment: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("decode segment json: %v", err)
		}
		return m
	}
	return decode(parts[0]), decode(parts[1]), parts[2]
}

func TestMintHostile(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	set := fetchKeySet(t, iss)
	base := oidctest.DefaultClaims(repo, workflowRef, audience)
	base.Extra = map[string]any{"repository": repo, "workflow_ref": workflowRef}
	unix := func(d time.Duration) float64 { return float64(fixedNow.Add(d).Unix()) }

	// Each check asserts the one thing its attack breaks.
	checks := map[oidctest.Attack]func(t *testing.T, tok string){
		oidctest.Expired: func(t *testing.T, tok string) {
			_, c := verify(t, set, tok)
			if c["exp"] != unix(-10*time.Minute) {
				t.Errorf("exp = %v", c["exp"])
			}
		},
		oidctest.NotYetValid: func(t *testing.T, tok string) {
			_, c := verify(t, set, tok)
			if c["nbf"] != unix(time.Hour) || c["iat"] != unix(time.Hour) {
				t.Errorf("nbf = %v, iat = %v", c["nbf"], c["iat"])
			}
		},
		oidctest.WrongAudience: func(t *testing.T, tok string) {
			if _, c := verify(t, set, tok); c["aud"] != oidctest.WrongAudienceValue {
				t.Errorf("aud = %v", c["aud"])
			}
		},
		oidctest.WrongIssuer: func(t *testing.T, tok string) {
			if _, c := verify(t, set, tok); c["iss"] != oidctest.WrongIssuerValue {
				t.Errorf("iss = %v", c["iss"])
			}
		},
		oidctest.UnknownKey: func(t *testing.T, tok string) {
			h, _, _ := segments(t, tok)
			if h["alg"] != "RS256" || len(set.Key(h["kid"].(string))) != 0 {
				t.Errorf("header %v: want RS256 with a kid not in the JWKS", h)
			}
		},
		oidctest.ForgedSignature: func(t *testing.T, tok string) {
			h, _, _ := segments(t, tok)
			if h["kid"] != iss.KeyID() {
				t.Errorf("kid = %v, want the current kid", h["kid"])
			}
			assertNotVerified(t, set, tok)
		},
		oidctest.TamperedPayload: func(t *testing.T, tok string) {
			if _, c, _ := segments(t, tok); c["repository"] != repo+"-tampered" {
				t.Errorf("repository = %v", c["repository"])
			}
			assertNotVerified(t, set, tok)
		},
		oidctest.RS512: func(t *testing.T, tok string) {
			jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS512})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jws.Verify(set.Key(iss.KeyID())[0].Key); err != nil {
				t.Errorf("RS512 token does not verify with the current key: %v", err)
			}
		},
		oidctest.AlgNone: func(t *testing.T, tok string) {
			if h, _, sig := segments(t, tok); h["alg"] != "none" || sig != "" {
				t.Errorf("header %v, signature %q: want alg none, empty signature", h, sig)
			}
		},
		oidctest.KeyConfusion: func(t *testing.T, tok string) {
			if h, _, sig := segments(t, tok); h["alg"] != "HS256" || h["kid"] != iss.KeyID() || sig == "" {
				t.Errorf("header %v: want HS256 with the current kid and a MAC", h)
			}
		},
		oidctest.MissingRepository: func(t *testing.T, tok string) {
			_, c := verify(t, set, tok)
			if _, ok := c["repository"]; ok || c["workflow_ref"] != workflowRef {
				t.Errorf("claims %v: want no repository, workflow_ref kept", c)
			}
		},
		oidctest.MissingWorkflowRef: func(t *testing.T, tok string) {
			_, c := verify(t, set, tok)
			if _, ok := c["workflow_ref"]; ok || c["job_workflow_ref"] != workflowRef {
				t.Errorf("claims %v: want no workflow_ref, job_workflow_ref kept", c)
			}
		},
		oidctest.NotThreeSegments: func(t *testing.T, tok string) {
			if n := strings.Count(tok, "."); n != 1 {
				t.Errorf("token has %d dots, want 1", n)
			}
		},
		oidctest.BadBase64: func(t *testing.T, tok string) {
			parts := strings.Split(tok, ".")
			if _, err := base64.RawURLEncoding.DecodeString(parts[1]); len(parts) != 3 || err == nil {
				t.Errorf("payload segment %q decodes as base64url", parts[1])
			}
		},
	}
	for _, a := range oidctest.Attacks() {
		t.Run(string(a), func(t *testing.T) {
			check, ok := checks[a]
			if !ok {
				t.Fatalf("no check for attack %q", a)
			}
			tok, err := iss.MintHostile(a, base)
			if err != nil {
				t.Fatal(err)
			}
			check(t, tok)
		})
	}
	if diff := cmp.Diff(map[string]any{"repository": repo, "workflow_ref": workflowRef}, base.Extra); diff != "" {
		t.Errorf("MintHostile changed the caller's Extra (-want +got):\n%s", diff)
	}
	if _, err := iss.MintHostile("no-such-attack", base); err == nil {
		t.Error("MintHostile accepted an unknown attack")
	}
}

func assertNotVerified(t *testing.T, set jose.JSONWebKeySet, tok string) {
	t.Helper()
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	for _, k := range set.Keys {
		if _, err := jws.Verify(k); err == nil {
			t.Fatalf("token verifies with JWKS key %q", k.KeyID)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	iss := oidctest.StartWithClock(t, clock)
	set := fetchKeySet(t, iss)
	dir := filepath.Join(t.TempDir(), "oidc")
	if err := iss.Save(dir); err != nil {
		t.Fatal(err)
	}
	// Saving again replaces the files in place.
	if err := iss.Save(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{
		".":                fs.ModeDir | 0o700,
		oidctest.KeyFile:   0o600,
		oidctest.KeyIDFile: 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s mode = %v, want %v", name, fi.Mode(), want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{oidctest.KeyIDFile, oidctest.KeyFile}, names); diff != "" {
		t.Errorf("files in dir (-want +got):\n%s", diff)
	}

	loaded, err := oidctest.Load(dir, "https://issuer.example", clock)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.KeyID() != iss.KeyID() || loaded.URL() != "https://issuer.example" {
		t.Errorf("loaded kid %q url %q, want %q https://issuer.example", loaded.KeyID(), loaded.URL(), iss.KeyID())
	}
	tok, err := loaded.Mint(oidctest.DefaultClaims(repo, workflowRef, audience))
	if err != nil {
		t.Fatal(err)
	}
	// The original's JWKS verifies what the loaded issuer signs.
	if _, c := verify(t, set, tok); c["iss"] != "https://issuer.example" {
		t.Errorf("iss = %v", c["iss"])
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := oidctest.Load(t.TempDir(), "https://issuer.example", clock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of an empty dir: %v, want fs.ErrNotExist", err)
	}

	saved := t.TempDir()
	iss, err := oidctest.New("https://issuer.example", clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Save(saved); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		corrupt func(dir string) error
		url     string
		now     func() time.Time
		want    string
	}{
		{"not pem", func(d string) error { return os.WriteFile(filepath.Join(d, oidctest.KeyFile), []byte("nope"), 0o600) }, "https://i.example", clock, "no PKCS #8 PEM block"},
		{"empty kid", func(d string) error { return os.WriteFile(filepath.Join(d, oidctest.KeyIDFile), []byte(" \n"), 0o600) }, "https://i.example", clock, "is empty"},
		{"missing kid", func(d string) error { return os.Remove(filepath.Join(d, oidctest.KeyIDFile)) }, "https://i.example", clock, "read signing key id"},
		{"relative url", nil, "issuer", clock, "not an absolute URL"},
		{"nil clock", nil, "https://i.example", nil, "clock is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{oidctest.KeyFile, oidctest.KeyIDFile} {
				b, err := os.ReadFile(filepath.Join(saved, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.corrupt != nil {
				if err := tt.corrupt(dir); err != nil {
					t.Fatal(err)
				}
			}
			_, err := oidctest.Load(dir, tt.url, tt.now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, tt := range []struct {
		url  string
		now  func() time.Time
		want string
	}{
		{"", clock, "not an absolute URL"},
		{"/path-only", clock, "not an absolute URL"},
		{"https://issuer.example", nil, "clock is required"},
	} {
		if _, err := oidctest.New(tt.url, tt.now); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%q) error = %v, want one containing %q", tt.url, err, tt.want)
		}
	}
}

func TestAttacksAreDistinct(t *testing.T) {
	all := oidctest.Attacks()
	uniq := slices.Compact(slices.Sorted(slices.Values(all)))
	if len(uniq) != len(all) {
		t.Errorf("Attacks() has duplicates: %v", all)
	}
}
