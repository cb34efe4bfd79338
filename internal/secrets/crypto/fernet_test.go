package crypto

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The Fernet spec's published vector (github.com/fernet/spec,
// generate.json and verify.json), verbatim.
const (
	specSecret = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	specToken  = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
	specMsg    = "hello"
	specIAT    = "1985-10-26T01:20:00-07:00"
)

var specIV = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

func TestFernetSpecVector(t *testing.T) {
	key, err := base64.URLEncoding.DecodeString(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	iat, err := time.Parse(time.RFC3339, specIAT)
	if err != nil {
		t.Fatal(err)
	}
	// generate.json: the test's token builder reproduces the published
	// token, so tokens it builds elsewhere are spec tokens.
	if diff := cmp.Diff(specToken, fernetToken(key, uint64(iat.Unix()), specIV, []byte(specMsg))); diff != "" {
		t.Fatalf("generated token (-want +got):\n%s", diff)
	}
	raw, _ := base64.URLEncoding.DecodeString(specToken)
	if got := time.Unix(int64(binary.BigEndian.Uint64(raw[1:9])), 0); !got.Equal(iat) {
		t.Errorf("token timestamp = %v, want %v", got, iat)
	}
	// verify.json through both entry points: the raw key, and the
	// passphrase path, which uses a value that is already a Fernet key as is.
	for name, open := range map[string]func(string, string) ([]byte, error){
		"OpenFernetKey": OpenFernetKey,
		"OpenFernet":    OpenFernet,
	} {
		got, err := open(specSecret, specToken)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(specMsg, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestOpenFernetInvalidTokens(t *testing.T) {
	key, _ := base64.URLEncoding.DecodeString(specSecret)
	raw, _ := base64.URLEncoding.DecodeString(specToken)
	body := raw[:len(raw)-32]
	enc := base64.URLEncoding.EncodeToString
	mutate := func(f func(b []byte) []byte) string {
		return enc(f(append([]byte{}, raw...)))
	}
	// truncatedTo drops the full padding block a 16-byte message gets and
	// re-signs, so only the padding check on the message block can fail.
	truncatedTo := func(block []byte) string {
		full, _ := base64.URLEncoding.DecodeString(fernetToken(key, 1, specIV, block))
		return enc(resign(key, full[:len(full)-32-16]))
	}
	padTooLarge := make([]byte, 16)
	padTooLarge[15] = 0x11
	padZero := make([]byte, 16)
	padMismatch := make([]byte, 16)
	padMismatch[14], padMismatch[15] = 3, 2
	tests := []struct {
		name  string
		token string
		key   string
	}{
		{"empty", "", specSecret},
		{"not base64", "gAAAAA!!" + specToken[8:], specSecret},
		{"unpadded base64", strings.TrimRight(specToken, "="), specSecret},
		{"too short", enc(raw[:56]), specSecret},
		{"signed but no ciphertext block", enc(resign(key, body[:25])), specSecret},
		{"bad hmac", mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), specSecret},
		{"flipped timestamp", mutate(func(b []byte) []byte { b[3] ^= 1; return b }), specSecret},
		{"flipped iv", mutate(func(b []byte) []byte { b[12] ^= 1; return b }), specSecret},
		{"flipped ciphertext", mutate(func(b []byte) []byte { b[30] ^= 1; return b }), specSecret},
		{"bad version, unsigned", mutate(func(b []byte) []byte { b[0] = 0x81; return b }), specSecret},
		{"bad version, re-signed", enc(resign(key, append([]byte{0x81}, body[1:]...))), specSecret},
		{"partial block, re-signed", enc(resign(key, append(append([]byte{}, body...), 1, 2, 3))), specSecret},
		{"padding byte over 16, re-signed", truncatedTo(padTooLarge), specSecret},
		{"padding byte zero, re-signed", truncatedTo(padZero), specSecret},
		{"padding bytes differ, re-signed", truncatedTo(padMismatch), specSecret},
		{"wrong key", specToken, base64.URLEncoding.EncodeToString(key32(9))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenFernetKey(tt.key, tt.token)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Errorf("plaintext = %q, want nil", got)
			}
			assertNoLeak(t, "error", err.Error(), key, []byte(specMsg))
		})
	}
}

func TestOpenFernetKeyRejectsBadKey(t *testing.T) {
	for _, key := range []string{"", "short", base64.URLEncoding.EncodeToString(make([]byte, 16)), "a passphrase is not a raw key"} {
		if _, err := OpenFernetKey(key, specToken); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("OpenFernetKey(%q) err = %v, want ErrInvalidKey", key, err)
		}
	}
	if _, err := OpenFernet("  \n", specToken); !errors.Is(err, ErrNoKey) {
		t.Errorf("OpenFernet(blank) err = %v, want ErrNoKey", err)
	}
}

// TestUpstreamKeyDerivation builds a token under the key upstream would
// derive from each configured value and checks OpenFernet opens it.
func TestUpstreamKeyDerivation(t *testing.T) {
	sha := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	direct := key32(1)
	allOnes := make([]byte, 32)
	for i := range allOnes {
		allOnes[i] = 0xff
	}
	stdForm := base64.StdEncoding.EncodeToString(allOnes)
	if !strings.ContainsAny(stdForm, "+/") {
		t.Fatalf("test key %q has no standard-only characters", stdForm)
	}
	urlForm := base64.URLEncoding.EncodeToString(direct)
	tests := []struct {
		name       string
		passphrase string
		wantKey    []byte
	}{
		{"passphrase is hashed", "correct horse battery staple", sha("correct horse battery staple")},
		{"passphrase is trimmed first", "  correct horse battery staple\n", sha("correct horse battery staple")},
		{"unicode passphrase hashes its UTF-8", "pässwörd ✓", sha("pässwörd ✓")},
		{"Fernet key is used as is", urlForm, direct},
		{"Fernet key with a trailing newline", urlForm + "\n", direct},
		// Python's urlsafe_b64decode also accepts '+' and '/', and skips
		// characters outside the alphabet.
		{"standard-alphabet key is used as is", stdForm, allOnes},
		{"stray characters are skipped", urlForm[:10] + "." + urlForm[10:], direct},
		{"unpadded key is a passphrase", strings.TrimRight(urlForm, "="), sha(strings.TrimRight(urlForm, "="))},
		{"16-byte base64 is a passphrase", base64.URLEncoding.EncodeToString(make([]byte, 16)), sha(base64.URLEncoding.EncodeToString(make([]byte, 16)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := []byte("derivation check " + tt.name)
			token := fernetToken(tt.wantKey, 1700000000, specIV, msg)
			got, err := OpenFernet(tt.passphrase, token)
			if err != nil {
				t.Fatalf("OpenFernet: %v", err)
			}
			if diff := cmp.Diff(msg, got); diff != "" {
				t.Errorf("plaintext (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPythonURLSafeB64Decode(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"aGVsbG8=", "hello", true},
		{"aGVs bG8=", "hello", true},
		{"aGVsbG8", "", false},
		{"aGVsbG8=trailing", "hello", true},
		{"a", "", false},
		{"", "", true},
		{"-_-_", "\xfb\xff\xbf", true},
		{"+/+/", "\xfb\xff\xbf", true},
		{"==aGVsbG8=", "hello", true},
	}
	for _, tt := range tests {
		got, ok := pythonURLSafeB64Decode(tt.in)
		if ok != tt.wantOK || (ok && string(got) != tt.want) {
			t.Errorf("pythonURLSafeB64Decode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
