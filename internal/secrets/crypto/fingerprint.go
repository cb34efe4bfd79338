package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// fingerprintInfo separates fingerprint keys from every other key the
// master key derives.
const fingerprintInfo = "launchplane value fingerprint v1"

// Fingerprint returns HMAC-SHA256 of value under a key derived from the
// ring's active master key, hex-encoded. Plans and dry-run markers compare
// secret values by it without storing them: unlike a bare hash, it cannot
// be brute-forced offline by someone who can read the database but does
// not hold the key. Fingerprints change when the active key changes, so
// they suit short-lived comparisons only.
func (r *KeyRing) Fingerprint(value []byte) (string, error) {
	k, ok := r.key(r.ActiveKeyID())
	if !ok {
		return "", fmt.Errorf("fingerprint value: %w", ErrNoKey)
	}
	key, err := hkdf.Key(sha256.New, k.master[:], nil, fingerprintInfo, 32)
	if err != nil {
		return "", fmt.Errorf("fingerprint value: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(value)
	return hex.EncodeToString(mac.Sum(nil)), nil
}
