package crypto

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func TestFingerprint(t *testing.T) {
	ringA, err := NewMasterKeyRing("fingerprint-passphrase-a")
	if err != nil {
		t.Fatal(err)
	}
	ringB, err := NewMasterKeyRing("fingerprint-passphrase-b")
	if err != nil {
		t.Fatal(err)
	}
	a1, err := ringA.Fingerprint([]byte("hunter2"))
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := ringA.Fingerprint([]byte("hunter2"))
	other, _ := ringA.Fingerprint([]byte("hunter3"))
	b1, _ := ringB.Fingerprint([]byte("hunter2"))
	bare := sha256.Sum256([]byte("hunter2"))
	switch {
	case a1 != a2:
		t.Error("fingerprint is not stable under one key")
	case a1 == other:
		t.Error("different values share a fingerprint")
	case a1 == b1:
		t.Error("the fingerprint does not depend on the key")
	case a1 == hex.EncodeToString(bare[:]):
		t.Error("the fingerprint is a bare hash, guessable offline")
	}
	if _, err := (*KeyRing)(nil).Fingerprint([]byte("x")); !errors.Is(err, ErrNoKey) {
		t.Errorf("no ring: %v", err)
	}
}
