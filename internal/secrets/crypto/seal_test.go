package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	testSecretID  = "secret-runtime-environment-smtp-password-cm"
	testVersionID = "secret-runtime-environment-smtp-password-cm-version-0123456789ab"
)

func TestSealOpenRoundTrip(t *testing.T) {
	ring := mustRing(t, ringJSON("k1", map[string][]byte{"k1": key32(1)}))
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"empty", []byte{}},
		{"short", []byte("s3cr3t-value-7f1d")},
		{"binary", []byte{0, 1, 0xff, 0xfe, 0x80, 0}},
		{"multi-block", bytes.Repeat([]byte("0123456789"), 500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := Seal(ring, testSecretID, testVersionID, tt.plaintext, seeded(7))
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if diff := cmp.Diff([2]string{AlgAESGCM, "k1"}, [2]string{sealed.CipherAlg, sealed.KeyID}); diff != "" {
				t.Errorf("alg and key id (-want +got):\n%s", diff)
			}
			got, err := Open(ring, testSecretID, testVersionID, sealed)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if diff := cmp.Diff(tt.plaintext, got); diff != "" {
				t.Errorf("plaintext (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSealRandomness(t *testing.T) {
	ring := mustRing(t, ringJSON("k1", map[string][]byte{"k1": key32(1)}))
	seal := func(seed byte) string {
		s, err := Seal(ring, testSecretID, testVersionID, []byte("same value"), seeded(seed))
		if err != nil {
			t.Fatal(err)
		}
		return s.Ciphertext
	}
	if seal(1) != seal(1) {
		t.Error("the same seed gave different ciphertexts; Seal must draw all randomness from its reader")
	}
	if seal(1) == seal(2) {
		t.Error("different seeds gave the same ciphertext")
	}
}

// TestSealLayout opens a sealed version with an independent
// implementation of the documented format, so the stored format cannot
// drift unnoticed.
func TestSealLayout(t *testing.T) {
	master := key32(3)
	ring := mustRing(t, ringJSON("layout", map[string][]byte{"layout": master}))
	plaintext := []byte("layout-check-value")
	sealed, err := Seal(ring, testSecretID, testVersionID, plaintext, seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(sealed.Ciphertext)
	if err != nil {
		t.Fatal(err)
	}
	salt, nonce, rest := raw[:32], raw[32:44], raw[44:]
	wantRand := make([]byte, 44)
	seeded(4).Read(wantRand)
	if diff := cmp.Diff(wantRand, raw[:44]); diff != "" {
		t.Errorf("salt||nonce are not the first 44 random bytes (-want +got):\n%s", diff)
	}
	dataKey, err := hkdf.Key(sha256.New, master, salt, "launchplane secret version v1|"+testSecretID+"|"+testVersionID, 32)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(dataKey)
	gcm, _ := cipher.NewGCM(block)
	aad := []byte("launchplane secret version aad v1\x00")
	for _, f := range []string{AlgAESGCM, "layout", testSecretID, testVersionID} {
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(f)))
		aad = append(aad, f...)
	}
	got, err := gcm.Open(nil, nonce, rest, aad)
	if err != nil {
		t.Fatalf("independent open: %v", err)
	}
	if diff := cmp.Diff(plaintext, got); diff != "" {
		t.Errorf("plaintext (-want +got):\n%s", diff)
	}
}

func TestOpenFailsClosed(t *testing.T) {
	k1, k2 := key32(1), key32(2)
	ring := mustRing(t, ringJSON("k1", map[string][]byte{"k1": k1, "k2": k2}))
	plaintext := []byte("fail-closed-value-91c3")
	sealed, err := Seal(ring, testSecretID, testVersionID, plaintext, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(sealed.Ciphertext)
	with := func(f func(*Sealed)) Sealed { s := sealed; f(&s); return s }
	flip := func(i int) Sealed {
		b := append([]byte{}, raw...)
		b[i] ^= 0x01
		return with(func(s *Sealed) { s.Ciphertext = base64.StdEncoding.EncodeToString(b) })
	}
	type tc struct {
		name      string
		ring      *KeyRing
		secretID  string
		versionID string
		sealed    Sealed
	}
	tests := []tc{
		{"wrong secret id", ring, testSecretID + "-other", testVersionID, sealed},
		{"wrong version id", ring, testSecretID, testVersionID[:len(testVersionID)-1] + "c", sealed},
		{"ids swapped", ring, testVersionID, testSecretID, sealed},
		{"unknown key id", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.KeyID = "k9" })},
		{"key id relabelled to another ring key", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.KeyID = "k2" })},
		{"wrong key under the same id", mustRing(t, ringJSON("k1", map[string][]byte{"k1": k2})), testSecretID, testVersionID, sealed},
		{"alg relabelled to fernet", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.CipherAlg = AlgFernet })},
		{"unknown alg", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.CipherAlg = "rot13" })},
		{"empty ciphertext", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.Ciphertext = "" })},
		{"not base64", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.Ciphertext = "%%" + s.Ciphertext[2:] })},
		{"truncated", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.Ciphertext = base64.StdEncoding.EncodeToString(raw[:len(raw)-1]) })},
		{"too short for salt, nonce and tag", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.Ciphertext = base64.StdEncoding.EncodeToString(raw[:59]) })},
		{"extended", ring, testSecretID, testVersionID, with(func(s *Sealed) { s.Ciphertext = base64.StdEncoding.EncodeToString(append(append([]byte{}, raw...), 0)) })},
	}
	// Every byte of every region: salt, nonce, ciphertext and tag.
	regions := []struct {
		name       string
		start, end int
	}{{"salt", 0, 32}, {"nonce", 32, 44}, {"ciphertext", 44, len(raw) - 16}, {"tag", len(raw) - 16, len(raw)}}
	for _, r := range regions {
		for i := r.start; i < r.end; i++ {
			tests = append(tests, tc{name: "flip " + r.name + " byte", ring: ring, secretID: testSecretID, versionID: testVersionID, sealed: flip(i)})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Open(tt.ring, tt.secretID, tt.versionID, tt.sealed)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
			if got != nil {
				t.Errorf("plaintext = %q, want nil", got)
			}
			assertNoLeak(t, "error", err.Error(), plaintext, k1, k2)
			assertNoLeak(t, "error %+v", fmtPlus(err), plaintext, k1, k2)
		})
	}
}

func TestSealErrors(t *testing.T) {
	ring := mustRing(t, ringJSON("k1", map[string][]byte{"k1": key32(1)}))
	tests := []struct {
		name      string
		ring      *KeyRing
		secretID  string
		versionID string
		rand      io.Reader
		wantIs    error
		wantText  string
	}{
		{"nil ring", nil, testSecretID, testVersionID, seeded(1), ErrNoKey, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY"},
		{"zero ring", &KeyRing{}, testSecretID, testVersionID, seeded(1), ErrNoKey, "LAUNCHPLANE_SECRET_KEYS_JSON"},
		{"no secret id", ring, "", testVersionID, seeded(1), nil, "secret id and version id are required"},
		{"no version id", ring, testSecretID, "", seeded(1), nil, "secret id and version id are required"},
		{"no random source", ring, testSecretID, testVersionID, nil, nil, "no random source"},
		{"short random source", ring, testSecretID, testVersionID, bytes.NewReader(make([]byte, 10)), io.ErrUnexpectedEOF, "read random salt and nonce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Seal(tt.ring, tt.secretID, tt.versionID, []byte("v"), tt.rand)
			if err == nil {
				t.Fatal("Seal succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to contain %q", err, tt.wantText)
			}
		})
	}
	if _, err := Open(nil, testSecretID, testVersionID, Sealed{CipherAlg: AlgAESGCM}); !errors.Is(err, ErrNoKey) {
		t.Errorf("Open(nil ring) err = %v, want ErrNoKey", err)
	}
}
