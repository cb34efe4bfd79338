package oidctest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Attack names one way a token can be wrong. Every attack must be refused
// by a correct verifier configured for this issuer and the claims' audience.
type Attack string

// The attacks MintHostile knows. Each starts from the caller's claims and
// changes only what the attack needs, so a refusal can be pinned to it.
const (
	// Expired: exp ten minutes in the past.
	Expired Attack = "expired"
	// NotYetValid: nbf and iat an hour ahead, well past any clock leeway.
	NotYetValid Attack = "not_yet_valid"
	// WrongAudience: aud is WrongAudienceValue, validly signed.
	WrongAudience Attack = "wrong_audience"
	// WrongIssuer: iss is WrongIssuerValue, validly signed by this issuer's key.
	WrongIssuer Attack = "wrong_issuer"
	// UnknownKey: signed by a key that is not in the JWKS, under its own kid.
	UnknownKey Attack = "unknown_key"
	// ForgedSignature: signed by a key that is not in the JWKS, but claiming
	// the current key's kid.
	ForgedSignature Attack = "forged_signature"
	// TamperedPayload: a valid token whose payload was rewritten to name
	// another repository (its value plus "-tampered"), keeping the original
	// signature.
	TamperedPayload Attack = "tampered_payload"
	// RS512: validly signed by the current key, but with RS512, which a
	// verifier pinned to RS256 must refuse.
	RS512 Attack = "rs512"
	// AlgNone: header alg "none" and an empty signature.
	AlgNone Attack = "alg_none"
	// KeyConfusion: header alg HS256 with the current kid, MACed with the
	// issuer's public key (PKIX PEM bytes) as the HMAC secret.
	KeyConfusion Attack = "hs256_key_confusion"
	// MissingRepository: validly signed, without `repository`.
	MissingRepository Attack = "missing_repository"
	// MissingWorkflowRef: validly signed, without `workflow_ref` (but still
	// with `job_workflow_ref`).
	MissingWorkflowRef Attack = "missing_workflow_ref"
	// NotThreeSegments: a valid token cut to header.payload.
	NotThreeSegments Attack = "not_three_segments"
	// BadBase64: a valid token whose payload segment is not base64url.
	BadBase64 Attack = "bad_base64"
)

// Values the wrong-audience and wrong-issuer attacks put in their tokens.
const (
	WrongAudienceValue = "https://wrong-audience.invalid"
	WrongIssuerValue   = "https://wrong-issuer.invalid"
)

// Attacks lists every Attack, for table tests.
func Attacks() []Attack {
	return []Attack{
		Expired, NotYetValid, WrongAudience, WrongIssuer, UnknownKey, ForgedSignature,
		TamperedPayload, RS512, AlgNone, KeyConfusion, MissingRepository, MissingWorkflowRef,
		NotThreeSegments, BadBase64,
	}
}

// MintHostile mints a token that c would make valid, broken as a says.
func (i *Issuer) MintHostile(a Attack, c Claims) (string, error) {
	tok, err := i.mintHostile(a, c)
	if err != nil {
		return "", fmt.Errorf("mint %s token: %w", a, err)
	}
	return tok, nil
}

func (i *Issuer) mintHostile(a Attack, c Claims) (string, error) {
	// The caller's map is theirs; attacks below delete from it.
	c.Extra = maps.Clone(c.Extra)
	now := i.now()
	switch a {
	case Expired:
		c.IssuedAt, c.NotBefore, c.Expiry = now.Add(-20*time.Minute), now.Add(-20*time.Minute), now.Add(-10*time.Minute)
		return i.Mint(c)
	case NotYetValid:
		c.IssuedAt, c.NotBefore, c.Expiry = now.Add(time.Hour), now.Add(time.Hour), now.Add(time.Hour+DefaultLifetime)
		return i.Mint(c)
	case WrongAudience:
		c.Audience = WrongAudienceValue
		return i.Mint(c)
	case WrongIssuer:
		c.Issuer = WrongIssuerValue
		return i.Mint(c)
	case MissingRepository:
		c.Repository = ""
		delete(c.Extra, "repository")
		return i.Mint(c)
	case MissingWorkflowRef:
		c.WorkflowRef = ""
		delete(c.Extra, "workflow_ref")
		return i.Mint(c)
	case UnknownKey, ForgedSignature:
		k, err := i.strangerKey()
		if err != nil {
			return "", err
		}
		if a == ForgedSignature {
			k.kid = i.KeyID()
		}
		payload, err := i.payload(c)
		if err != nil {
			return "", err
		}
		return sign(k, jose.RS256, payload)
	case RS512:
		payload, err := i.payload(c)
		if err != nil {
			return "", err
		}
		return sign(i.current(), jose.RS512, payload)
	case TamperedPayload:
		tok, err := i.Mint(c)
		if err != nil {
			return "", err
		}
		parts := strings.Split(tok, ".")
		payload, err := tamper(parts[1])
		if err != nil {
			return "", err
		}
		parts[1] = payload
		return strings.Join(parts, "."), nil
	case AlgNone:
		payload, err := i.payload(c)
		if err != nil {
			return "", err
		}
		return unsigned(map[string]string{"alg": "none", "typ": "JWT"}, payload) + ".", nil
	case KeyConfusion:
		return i.keyConfusion(c)
	case NotThreeSegments:
		tok, err := i.Mint(c)
		if err != nil {
			return "", err
		}
		return tok[:strings.LastIndexByte(tok, '.')], nil
	case BadBase64:
		tok, err := i.Mint(c)
		if err != nil {
			return "", err
		}
		parts := strings.Split(tok, ".")
		parts[1] = "not+base64/url" // in the bearer alphabet, so it reaches the JWT parser
		return strings.Join(parts, "."), nil
	}
	return "", fmt.Errorf("unknown attack %q", a)
}

// tamper rewrites a signed payload segment to claim another repository.
func tamper(segment string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return "", fmt.Errorf("decode payload: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return "", fmt.Errorf("decode payload: %w", err)
	}
	claims["repository"] = fmt.Sprint(claims["repository"]) + "-tampered"
	raw, err = json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode payload: %w", err)
	}
	return b64(raw), nil
}

// keyConfusion is the classic RS256→HS256 downgrade: a verifier that lets
// the token pick the algorithm would HMAC-verify with the public key it
// holds for the kid.
func (i *Issuer) keyConfusion(c Claims) (string, error) {
	k := i.current()
	der, err := x509.MarshalPKIXPublicKey(&k.key.PublicKey)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	payload, err := i.payload(c)
	if err != nil {
		return "", err
	}
	signingInput := unsigned(map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.kid}, payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signingInput))
	return signingInput + "." + b64(mac.Sum(nil)), nil
}

// unsigned is the JWS signing input: base64url(header) "." base64url(payload).
func unsigned(header map[string]string, payload []byte) string {
	h, err := json.Marshal(header)
	if err != nil {
		// A map of strings always encodes.
		panic(fmt.Sprintf("encode jws header: %v", err))
	}
	return b64(h) + "." + b64(payload)
}

func b64(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}
