package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzOpenFernet checks that OpenFernet and OpenFernetKey never panic and never returns
// plaintext for a token whose HMAC does not verify. With resign set, the
// fuzzer's bytes get a valid HMAC first, so the version, block-length and
// padding checks behind the HMAC are fuzzed too.
func FuzzOpenFernet(f *testing.F) {
	key, _ := base64.URLEncoding.DecodeString(specSecret)
	raw, _ := base64.URLEncoding.DecodeString(specToken)
	f.Add(specToken, false)
	f.Add(specToken[:len(specToken)-4]+"AA==", false)
	f.Add(base64.URLEncoding.EncodeToString(raw[:len(raw)-32]), true)
	f.Add("", false)
	f.Add("gAAAAA==", true)
	f.Fuzz(func(t *testing.T, token string, resign bool) {
		if resign {
			if data, err := base64.URLEncoding.Strict().DecodeString(token); err == nil {
				token = base64.URLEncoding.EncodeToString(resignFuzz(key, data))
			}
		}
		plaintext, err := OpenFernetKey(specSecret, token)
		// The passphrase entry point takes a Fernet key as is, so it
		// must agree with the raw-key one.
		viaPassphrase, err2 := OpenFernet(specSecret, token)
		if (err == nil) != (err2 == nil) || string(plaintext) != string(viaPassphrase) {
			t.Fatalf("OpenFernet and OpenFernetKey disagree: %v / %v", err, err2)
		}
		if err != nil {
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if plaintext != nil {
				t.Fatalf("plaintext %q returned with an error", plaintext)
			}
			return
		}
		if !hmacVerifies(key, token) {
			t.Fatalf("token %q opened without a valid HMAC", token)
		}
		if plaintext == nil {
			t.Fatal("nil plaintext without an error")
		}
	})
}

// resignFuzz appends a valid HMAC to data; short inputs stay short.
func resignFuzz(key, data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	return resign(key, data)
}

// hmacVerifies is the spec's signature check, written independently.
func hmacVerifies(key []byte, token string) bool {
	data, err := base64.URLEncoding.DecodeString(token)
	if err != nil || len(data) < sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(data[:len(data)-sha256.Size])
	return hmac.Equal(mac.Sum(nil), data[len(data)-sha256.Size:])
}
