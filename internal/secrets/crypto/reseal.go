package crypto

import (
	"fmt"
	"io"
)

// Reseal moves one version to the ring's active key: it opens s with
// whatever algorithm and key it records and, unless s is already AlgAESGCM
// under the active key, seals the plaintext again with Seal. changed
// reports whether the result differs from s. s is always opened, so a
// dry-run over every version also proves each one still decrypts.
//
// After every version has been resealed, keys other than the active one
// (and the LAUNCHPLANE_MASTER_ENCRYPTION_KEY behind fernet-v1 versions) can
// be dropped from the ring.
func Reseal(ring *KeyRing, secretID, versionID string, s Sealed, rand io.Reader) (Sealed, bool, error) {
	plaintext, err := Open(ring, secretID, versionID, s)
	if err != nil {
		return Sealed{}, false, fmt.Errorf("reseal secret version: %w", err)
	}
	defer clear(plaintext)
	if s.CipherAlg == AlgAESGCM && s.KeyID == ring.ActiveKeyID() {
		return s, false, nil
	}
	out, err := Seal(ring, secretID, versionID, plaintext, rand)
	if err != nil {
		return Sealed{}, false, fmt.Errorf("reseal secret version: %w", err)
	}
	return out, true, nil
}
