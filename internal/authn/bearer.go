package authn

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// MaxTokenLength bounds a bearer token. GitHub Actions tokens are about
// 1-2 KiB; the bound keeps an oversized header from reaching the JWT parser.
const MaxTokenLength = 8 << 10

// bearerPrefix is the only accepted scheme spelling. RFC 9110 makes auth
// schemes case-insensitive, but upstream accepts exactly "Bearer" and the
// product workflows send exactly that, so anything else is refused rather
// than guessed at.
const bearerPrefix = "Bearer "

// parseBearer extracts the token from an Authorization header of exactly
// "Bearer <token>": one space, no surrounding whitespace, and a token in the
// RFC 6750 b64token alphabet. The returned reason is safe to show.
func parseBearer(header string) (token, reason string) {
	if header == "" {
		return "", "missing authorization header"
	}
	token, ok := strings.CutPrefix(header, bearerPrefix)
	if !ok {
		return "", "authorization scheme is not Bearer"
	}
	if token == "" {
		return "", "empty bearer token"
	}
	if len(token) > MaxTokenLength {
		return "", "bearer token too long"
	}
	if !isB64Token(token) {
		return "", "malformed bearer token"
	}
	return token, ""
}

// isB64Token reports whether s matches RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// staticToken is a configured token kept only as a SHA-256 digest, so every
// comparison is over 32 bytes whatever the presented length.
type staticToken struct {
	typ        Type
	digest     [sha256.Size]byte
	subject    string
	tokenLabel string
}

func newStaticTokens(c Config) []staticToken {
	var out []staticToken
	for _, nt := range c.staticTokens() {
		if nt.token == nil {
			continue
		}
		out = append(out, staticToken{
			typ:        nt.typ,
			digest:     sha256.Sum256([]byte(nt.token.Token)),
			subject:    nt.token.Subject,
			tokenLabel: nt.token.TokenLabel,
		})
	}
	return out
}

// matchStatic returns the identity of the first static token equal to
// token, in configuration order. Every configured token is compared, so the
// time taken does not reveal which class, if any, matched.
func matchStatic(tokens []staticToken, token string) (Identity, bool) {
	presented := sha256.Sum256([]byte(token))
	match := -1
	for i := range tokens {
		eq := subtle.ConstantTimeCompare(presented[:], tokens[i].digest[:])
		if eq == 1 && match < 0 {
			match = i
		}
	}
	if match < 0 {
		return Identity{}, false
	}
	st := tokens[match]
	return Identity{Type: st.typ, Subject: st.subject, TokenLabel: st.tokenLabel}, true
}
