package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DefaultJWKSMinRefetch is how soon after one JWKS fetch an unknown key id
// may trigger another.
const DefaultJWKSMinRefetch = 10 * time.Second

// maxJWKSBytes bounds a JWKS response.
const maxJWKSBytes = 1 << 20

var errUnknownKey = errors.New("unknown signing key")

// keyCache is the issuer's JWKS. A token naming a key id the cache does not
// hold triggers a refetch (the issuer rotated keys) — but at most once per
// minRefetch, so tokens with made-up key ids cannot make the service fetch
// the JWKS once per request. It implements oidc.KeySet.
type keyCache struct {
	url        string
	client     *http.Client
	now        func() time.Time
	minRefetch time.Duration

	mu       sync.Mutex
	keys     map[string]*jose.JSONWebKey
	fetched  time.Time     // start of the last fetch attempt
	inflight chan struct{} // closed when the fetch under way ends
}

// VerifySignature checks the token's RS256 signature with the key its kid
// names and returns the payload.
func (k *keyCache) VerifySignature(ctx context.Context, token string) ([]byte, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("parse jws: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("parse jws: want exactly one signature")
	}
	key, err := k.key(ctx, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return nil, err
	}
	return jws.Verify(key)
}

func (k *keyCache) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	if key, ok := k.keys[kid]; ok {
		k.mu.Unlock()
		return key, nil
	}
	if wait := k.inflight; wait != nil {
		// Another request is fetching already: its result decides.
		k.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return k.cached(kid)
	}
	if !k.fetched.IsZero() && k.now().Sub(k.fetched) < k.minRefetch {
		k.mu.Unlock()
		return nil, errUnknownKey
	}
	k.fetched = k.now()
	done := make(chan struct{})
	k.inflight = done
	k.mu.Unlock()

	// Fetched without the lock, so tokens with known keys keep verifying
	// while it runs.
	keys, err := k.fetch(ctx)
	k.mu.Lock()
	if err == nil {
		k.keys = keys
	}
	k.inflight = nil
	close(done)
	k.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return k.cached(kid)
}

func (k *keyCache) cached(kid string) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[kid]; ok {
		return key, nil
	}
	return nil, errUnknownKey
}

func (k *keyCache) fetch(ctx context.Context) (map[string]*jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes))
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	keys := make(map[string]*jose.JSONWebKey, len(set.Keys))
	for i := range set.Keys {
		key := &set.Keys[i]
		if key.KeyID == "" || !key.Valid() || !key.IsPublic() || (key.Use != "" && key.Use != "sig") {
			continue
		}
		keys[key.KeyID] = key
	}
	return keys, nil
}
