package crypto

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"unicode"
)

// upstreamFernetKey turns a configured master key into the 32-byte Fernet
// key exactly as upstream does (records.md §5.1): the value is trimmed; if
// it already is a Fernet key (it base64-decodes to 32 bytes) it is used as
// is, otherwise the key is SHA-256 of its UTF-8 bytes. Any non-blank
// passphrase therefore yields a key. ok is false for a blank value.
func upstreamFernetKey(raw string) (key []byte, ok bool) {
	trimmed := strings.TrimFunc(raw, isPythonSpace)
	if trimmed == "" {
		return nil, false
	}
	if decoded, valid := pythonURLSafeB64Decode(trimmed); valid && len(decoded) == 32 {
		return decoded, true
	}
	sum := sha256.Sum256([]byte(trimmed))
	return sum[:], true
}

// isPythonSpace matches Python's str.strip(), which also strips the ASCII
// separators U+001C..U+001F that unicode.IsSpace leaves alone. A key file
// will not contain them, but the two sides must agree on which passphrase
// was meant.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pythonURLSafeB64Decode decodes like Python's base64.urlsafe_b64decode,
// which is what upstream's Fernet(key) check runs. That decoder is lenient:
// it maps '-' and '_' to '+' and '/' but also accepts '+' and '/'
// themselves, skips bytes outside the alphabet, stops at the first complete
// padding, and fails only when the data characters do not end on a quantum.
// A stricter decoder would send a key like `openssl rand -base64 32` down
// the SHA-256 path and derive a different Fernet key than upstream did.
func pythonURLSafeB64Decode(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s)*3/4)
	var quad, pads int
	var left byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '-':
			c = '+'
		case '_':
			c = '/'
		}
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, true
				}
			}
			continue
		}
		v := strings.IndexByte(stdAlphabet, c)
		if v < 0 {
			continue
		}
		pads = 0
		b := byte(v)
		switch quad {
		case 0:
			left = b
		case 1:
			out = append(out, left<<2|b>>4)
			left = b & 0x0f
		case 2:
			out = append(out, left<<4|b>>2)
			left = b & 0x03
		case 3:
			out = append(out, left<<6|b)
			left = 0
		}
		quad = (quad + 1) % 4
	}
	if quad != 0 {
		return nil, false
	}
	return out, true
}

const stdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// decodeKey32 decodes a configured key: standard or URL-safe base64, padded
// or not, of exactly 32 bytes. It reports no detail, so a caller's error
// cannot echo any part of the value.
func decodeKey32(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.StdEncoding, base64.RawURLEncoding, base64.RawStdEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil {
			return b, len(b) == 32
		}
	}
	return nil, false
}
