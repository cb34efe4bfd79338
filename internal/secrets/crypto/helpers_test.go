package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// seeded returns a deterministic random source.
func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// fernetToken builds a token from the spec (github.com/fernet/spec),
// independently of the code under test.
func fernetToken(key []byte, ts uint64, iv, msg []byte) string {
	pad := aes.BlockSize - len(msg)%aes.BlockSize
	padded := append(append([]byte{}, msg...), strings.Repeat(string(rune(pad)), pad)...)
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		panic(err)
	}
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	body := []byte{0x80}
	body = binary.BigEndian.AppendUint64(body, ts)
	body = append(body, iv...)
	body = append(body, ct...)
	return base64.URLEncoding.EncodeToString(resign(key, body))
}

// resign appends a valid HMAC to body.
func resign(key, body []byte) []byte {
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(body)
	return mac.Sum(body)
}

// key32 returns 32 deterministic key bytes.
func key32(seed byte) []byte {
	b := make([]byte, 32)
	seeded(seed).Read(b)
	return b
}

// ringJSON builds a LAUNCHPLANE_SECRET_KEYS_JSON document.
func ringJSON(active string, keys map[string][]byte) string {
	var parts []string
	for id, k := range keys {
		parts = append(parts, fmt.Sprintf("%q: %q", id, base64.URLEncoding.EncodeToString(k)))
	}
	return fmt.Sprintf(`{"active_key_id": %q, "keys": {%s}}`, active, strings.Join(parts, ", "))
}

func mustRing(t *testing.T, doc string) *KeyRing {
	t.Helper()
	r, err := ParseKeyRing([]byte(doc))
	if err != nil {
		t.Fatalf("ParseKeyRing: %v", err)
	}
	return r
}

// assertNoLeak fails if text holds any secret in any of its usual
// renderings.
func assertNoLeak(t *testing.T, what, text string, secrets ...[]byte) {
	t.Helper()
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		for _, form := range []string{
			string(s),
			hex.EncodeToString(s),
			base64.StdEncoding.EncodeToString(s),
			base64.URLEncoding.EncodeToString(s),
			base64.RawURLEncoding.EncodeToString(s),
			fmt.Sprint(s),
		} {
			if strings.Contains(text, form) {
				t.Errorf("%s leaks a secret (%q) in %q", what, form, text)
			}
		}
	}
}

func fmtPlus(v any) string { return fmt.Sprintf("%+v", v) }
