package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Cipher algorithms recorded in a version's cipher_alg.
const (
	// AlgAESGCM is how this implementation seals new versions:
	// AES-256-GCM under a per-version HKDF-SHA256 data key. Ciphertext is
	// standard padded base64 of salt (32 bytes) || nonce (12) || sealed
	// value and tag.
	AlgAESGCM = "aes-256-gcm-hkdf-v1"
	// AlgFernet is upstream's format: the ciphertext is a Fernet token
	// (records.md §5.1). It is read, never written.
	AlgFernet = "fernet-v1"
)

// UpstreamKeyID is the key_id upstream records on its fernet-v1 versions.
// It names no key in particular, so Open does not rely on it.
const UpstreamKeyID = "launchplane-master-key"

const (
	saltSize  = 32
	nonceSize = 12
	// versionInfoPrefix starts the HKDF info string, so a data key can
	// only ever serve the one secret version it was derived for.
	versionInfoPrefix = "launchplane secret version v1|"
	aadLabel          = "launchplane secret version aad v1\x00"
)

// ErrDecrypt means a version could not be opened: the ciphertext was
// altered or truncated, it belongs to another secret or version, its key is
// not in the ring, the key is wrong, or the algorithm is unknown. The
// message never says more than which of these, and never carries bytes.
var ErrDecrypt = errors.New("could not decrypt a managed secret with the configured keys")

// Sealed is the encrypted form of one secret version, as stored in the
// version's cipher_alg, key_id and ciphertext fields (records.md §2.3).
// Printing it with fmt or slog hides the ciphertext.
type Sealed struct {
	CipherAlg  string `json:"cipher_alg"`
	KeyID      string `json:"key_id"`
	Ciphertext string `json:"ciphertext"`
}

// String shows the algorithm, the key id and the ciphertext length:
// records.md §5.3 keeps ciphertext out of logs and audit payloads.
func (s Sealed) String() string {
	return fmt.Sprintf("Sealed{cipher_alg: %s, key_id: %s, ciphertext: [redacted, %d chars]}", s.CipherAlg, s.KeyID, len(s.Ciphertext))
}

// Format makes every verb print String.
func (s Sealed) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// GoString implements fmt.GoStringer with the same text as String.
func (s Sealed) GoString() string { return s.String() }

// LogValue implements slog.LogValuer without the ciphertext.
func (s Sealed) LogValue() slog.Value {
	return slog.GroupValue(slog.String("cipher_alg", s.CipherAlg), slog.String("key_id", s.KeyID))
}

// Seal encrypts plaintext as version versionID of secret secretID under
// the ring's active key with AlgAESGCM. rand supplies the salt and nonce
// (crypto/rand.Reader in production; a seeded reader in tests).
func Seal(ring *KeyRing, secretID, versionID string, plaintext []byte, rand io.Reader) (Sealed, error) {
	switch {
	case ring == nil:
		return Sealed{}, fmt.Errorf("seal secret version: %w", ErrNoKey)
	case secretID == "" || versionID == "":
		return Sealed{}, errors.New("seal secret version: secret id and version id are required")
	case rand == nil:
		return Sealed{}, errors.New("seal secret version: no random source")
	}
	key, ok := ring.key(ring.ActiveKeyID())
	if !ok {
		// A zero KeyRing: HKDF would happily accept an empty key.
		return Sealed{}, fmt.Errorf("seal secret version: %w", ErrNoKey)
	}
	buf := make([]byte, saltSize+nonceSize, saltSize+nonceSize+len(plaintext)+16)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return Sealed{}, fmt.Errorf("seal secret version: read random salt and nonce: %w", err)
	}
	aead, err := versionAEAD(key.master[:], buf[:saltSize], secretID, versionID)
	if err != nil {
		return Sealed{}, fmt.Errorf("seal secret version: %w", err)
	}
	out := Sealed{CipherAlg: AlgAESGCM, KeyID: ring.ActiveKeyID()}
	buf = aead.Seal(buf, buf[saltSize:], plaintext, versionAAD(out.CipherAlg, out.KeyID, secretID, versionID))
	out.Ciphertext = base64.StdEncoding.EncodeToString(buf)
	return out, nil
}

// Open decrypts version versionID of secret secretID. It dispatches on
// s.CipherAlg: AlgAESGCM versions open with the key s.KeyID names and must
// carry the same secret and version ids they were sealed with; AlgFernet
// versions open with whichever ring key verifies the token (upstream wrote
// the same key_id for every key, and Fernet binds no ids). Every failure
// wraps ErrDecrypt.
func Open(ring *KeyRing, secretID, versionID string, s Sealed) ([]byte, error) {
	if ring == nil {
		return nil, fmt.Errorf("open secret version: %w", ErrNoKey)
	}
	switch s.CipherAlg {
	case AlgAESGCM:
		return openAESGCM(ring, secretID, versionID, s)
	case AlgFernet:
		return openFernetRing(ring, s)
	default:
		return nil, fmt.Errorf("open secret version: unsupported cipher_alg %.40q: %w", s.CipherAlg, ErrDecrypt)
	}
}

func openAESGCM(ring *KeyRing, secretID, versionID string, s Sealed) ([]byte, error) {
	key, ok := ring.key(s.KeyID)
	if !ok {
		return nil, fmt.Errorf("open secret version: key id %.70q is not in the key ring: %w", s.KeyID, ErrDecrypt)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(s.Ciphertext)
	if err != nil || len(raw) < saltSize+nonceSize+16 {
		return nil, fmt.Errorf("open secret version: malformed ciphertext: %w", ErrDecrypt)
	}
	aead, err := versionAEAD(key.master[:], raw[:saltSize], secretID, versionID)
	if err != nil {
		return nil, fmt.Errorf("open secret version: %w", err)
	}
	nonce, sealed := raw[saltSize:saltSize+nonceSize], raw[saltSize+nonceSize:]
	plaintext, err := aead.Open(make([]byte, 0, len(sealed)), nonce, sealed, versionAAD(s.CipherAlg, s.KeyID, secretID, versionID))
	if err != nil {
		return nil, fmt.Errorf("open secret version: authentication failed: %w", ErrDecrypt)
	}
	return plaintext, nil
}

func openFernetRing(ring *KeyRing, s Sealed) ([]byte, error) {
	// A key named by the version is the only candidate; otherwise (always,
	// for upstream's constant key_id) every key is tried, active first.
	// Trying is safe: a wrong key fails the HMAC before any decryption.
	candidates := []string{s.KeyID}
	if _, ok := ring.key(s.KeyID); !ok {
		candidates = append([]string{ring.ActiveKeyID()}, ring.KeyIDs()...)
	}
	for _, id := range candidates {
		key, ok := ring.key(id)
		if !ok {
			continue
		}
		if plaintext, err := openFernet(key.fernet[:], s.Ciphertext); err == nil {
			return plaintext, nil
		}
	}
	return nil, fmt.Errorf("open secret version: no configured key opens the %s token: %w", AlgFernet, ErrDecrypt)
}

// versionAEAD derives the data key of one version and returns its GCM.
func versionAEAD(master, salt []byte, secretID, versionID string) (cipher.AEAD, error) {
	dataKey, err := hkdf.Key(sha256.New, master, salt, versionInfoPrefix+secretID+"|"+versionID, 32)
	if err != nil {
		return nil, fmt.Errorf("derive data key: %w", err)
	}
	defer clear(dataKey)
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	return aead, nil
}

// versionAAD binds a ciphertext to its algorithm, key id, secret and
// version. Fields are length-prefixed so no two tuples share an encoding,
// whatever characters the ids contain.
func versionAAD(alg, keyID, secretID, versionID string) []byte {
	aad := []byte(aadLabel)
	for _, field := range []string{alg, keyID, secretID, versionID} {
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(field)))
		aad = append(aad, field...)
	}
	return aad
}
