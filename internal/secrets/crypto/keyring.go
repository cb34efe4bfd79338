package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Environment variables read by LoadKeyRing. Each has a _FILE variant that
// names a file holding the value; setting both is an error.
const (
	EnvMasterKey     = "LAUNCHPLANE_MASTER_ENCRYPTION_KEY"
	EnvMasterKeyFile = EnvMasterKey + "_FILE"
	EnvKeysJSON      = "LAUNCHPLANE_SECRET_KEYS_JSON"
	EnvKeysJSONFile  = EnvKeysJSON + "_FILE"
)

// ErrNoKey means no encryption key is configured. Reading or writing a
// managed secret without one is a hard error (records.md §5.1).
var ErrNoKey = errors.New("no secret encryption key configured: set " +
	EnvMasterKey + " (or " + EnvMasterKeyFile + ") or " +
	EnvKeysJSON + " (or " + EnvKeysJSONFile + ")")

// ErrInvalidKey means a configured key or key ring is malformed. Messages
// wrapping it name variables and key ids, never key bytes.
var ErrInvalidKey = errors.New("invalid secret encryption key")

// keyIDPattern matches upstream's key-ring ids (records.md §5.1 [N]).
var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// KeyRing holds the master keys that open secret versions, by id, and the
// id of the active key that seals new ones. It is immutable after
// construction and safe for concurrent use. Printing it with fmt, JSON or
// slog shows only key ids.
type KeyRing struct {
	// s is a pointer, and ringKey holds its keys by pointer, so that a
	// KeyRing copied into a struct that is then printed with %+v (the
	// copy has none of the pointer-receiver printing methods) shows
	// addresses, never key bytes: fmt expands only the outermost pointer.
	s *ringState
}

type ringState struct {
	active string
	keys   map[string]ringKey
}

// key returns the key with the given id; a zero KeyRing has none.
func (r *KeyRing) key(id string) (ringKey, bool) {
	if r == nil || r.s == nil {
		return ringKey{}, false
	}
	k, ok := r.s.keys[id]
	return k, ok
}

// ringKey is one master key in both of its uses.
type ringKey struct {
	// master is the HKDF input for AlgAESGCM.
	master *[32]byte
	// fernet is the Fernet key (signing half, then encryption half) used
	// to read AlgFernet tokens.
	fernet *[32]byte
}

// newRingKey uses one 32-byte key for both paths (see NewMasterKeyRing).
func newRingKey(key []byte) ringKey {
	k := (*[32]byte)(bytes.Clone(key))
	return ringKey{master: k, fernet: k}
}

// keyRingJSON is the shape of LAUNCHPLANE_SECRET_KEYS_JSON (see
// ParseKeyRing).
type keyRingJSON struct {
	ActiveKeyID string     `json:"active_key_id"`
	Keys        keyEntries `json:"keys"`
}

type keyEntry struct{ id, value string }

// shapeError is a keys-object error whose text names ids and shapes only.
type shapeError string

func (e shapeError) Error() string { return string(e) }

// keyEntries keeps the keys object in order and lets the parser see
// duplicate ids, which a Go map would silently merge.
type keyEntries []keyEntry

// UnmarshalJSON implements json.Unmarshaler.
func (k *keyEntries) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return shapeError(`"keys" must be an object of key id to base64 key`)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return shapeError(`"keys" is malformed`)
		}
		id, _ := tok.(string)
		var value string
		if err := dec.Decode(&value); err != nil {
			return shapeError(fmt.Sprintf("key %q must be a base64 string", id))
		}
		*k = append(*k, keyEntry{id: id, value: value})
	}
	return nil
}

// LoadKeyRing builds the key ring from the environment. getenv reads a
// variable; readFile reads a _FILE path (nil means os.ReadFile).
//
//   - LAUNCHPLANE_SECRET_KEYS_JSON alone: the ring it describes (see
//     ParseKeyRing).
//   - LAUNCHPLANE_MASTER_ENCRYPTION_KEY alone: one key, active, under
//     MasterKeyID (see NewMasterKeyRing).
//   - Both: the JSON ring, with the master key added as a retired key so
//     versions it sealed (and upstream fernet-v1 versions) still open while
//     `secrets reencrypt` moves them to the active key.
//   - Neither (or only blank values): ErrNoKey.
func LoadKeyRing(getenv func(string) string, readFile func(string) ([]byte, error)) (*KeyRing, error) {
	if readFile == nil {
		readFile = os.ReadFile
	}
	master, err := lookupSecretEnv(getenv, readFile, EnvMasterKey)
	if err != nil {
		return nil, fmt.Errorf("load key ring: %w", err)
	}
	ringJSON, err := lookupSecretEnv(getenv, readFile, EnvKeysJSON)
	if err != nil {
		return nil, fmt.Errorf("load key ring: %w", err)
	}
	switch {
	case master == "" && ringJSON == "":
		return nil, fmt.Errorf("load key ring: %w", ErrNoKey)
	case ringJSON == "":
		return NewMasterKeyRing(master)
	}
	ring, err := ParseKeyRing([]byte(ringJSON))
	if err != nil {
		return nil, err
	}
	if master != "" {
		key, _ := upstreamFernetKey(master)
		id := MasterKeyID(key)
		if _, taken := ring.key(id); taken {
			return nil, fmt.Errorf("load key ring: %s uses key id %q, which %s already defines: %w", EnvMasterKey, id, EnvKeysJSON, ErrInvalidKey)
		}
		ring.s.keys[id] = newRingKey(key)
	}
	return ring, nil
}

// lookupSecretEnv returns the trimmed value of name or of the file named
// by name_FILE, or "" when neither is set.
func lookupSecretEnv(getenv func(string) string, readFile func(string) ([]byte, error), name string) (string, error) {
	value := strings.TrimSpace(getenv(name))
	path := strings.TrimSpace(getenv(name + "_FILE"))
	switch {
	case path == "":
		return value, nil
	case value != "":
		return "", fmt.Errorf("set %s or %s_FILE, not both: %w", name, name, ErrInvalidKey)
	}
	b, err := readFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s_FILE: %w", name, err)
	}
	content := strings.TrimSpace(string(b))
	if content == "" {
		return "", fmt.Errorf("read %s_FILE: the file is empty: %w", name, ErrInvalidKey)
	}
	return content, nil
}

// NewMasterKeyRing returns a ring holding one active key built from a
// LAUNCHPLANE_MASTER_ENCRYPTION_KEY value, under MasterKeyID.
//
// The value is turned into 32 bytes exactly as upstream turns it into a
// Fernet key (records.md §5.1): a value that base64-decodes to 32 bytes is
// used as is, anything else is hashed with SHA-256. Those 32 bytes are the
// master key on both paths: as the Fernet key they open upstream's
// fernet-v1 versions, and as the HKDF input they seal new versions. A
// passphrase is therefore accepted, for compatibility with existing
// deployments, but neither path stretches it: its entropy is the strength
// of every secret. New deployments should configure 32 random bytes.
func NewMasterKeyRing(value string) (*KeyRing, error) {
	key, ok := upstreamFernetKey(value)
	if !ok {
		return nil, fmt.Errorf("load key ring: %w", ErrNoKey)
	}
	id := MasterKeyID(key)
	return &KeyRing{&ringState{active: id, keys: map[string]ringKey{id: newRingKey(key)}}}, nil
}

// MasterKeyID names a master key: "master-" and the first 8 hex digits of
// SHA-256 over a domain label and the 32-byte key. The id is stable for a
// given key, so versions sealed before a restart still find their key, and
// it is a public fingerprint: it says which key sealed a version without
// being usable as one.
func MasterKeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("launchplane master key id v1\x00"))
	h.Write(key)
	return "master-" + hex.EncodeToString(h.Sum(nil))[:8]
}

// ParseKeyRing parses a LAUNCHPLANE_SECRET_KEYS_JSON document:
//
//	{"active_key_id": "k2026", "keys": {"k2026": "<base64 of 32 bytes>", "k2025": "..."}}
//
// Key ids match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ (upstream's rule). Keys
// are standard or URL-safe base64, padded or not, of exactly 32 bytes: a
// canonical Fernet key qualifies, a passphrase does not. Each key serves
// both as the HKDF master key for AlgAESGCM and as a Fernet key, so a ring
// from a later upstream era also opens its fernet-v1 versions. Unknown
// fields, trailing data, duplicate or malformed ids, wrong key lengths and
// an active id not among the keys are refused with ErrInvalidKey; messages
// name ids, never key bytes.
func ParseKeyRing(data []byte) (*KeyRing, error) {
	var doc keyRingJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse %s: %s: %w", EnvKeysJSON, describeJSONError(err), ErrInvalidKey)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse %s: trailing data after the object: %w", EnvKeysJSON, ErrInvalidKey)
	}
	if len(doc.Keys) == 0 {
		return nil, fmt.Errorf("parse %s: \"keys\" is empty: %w", EnvKeysJSON, ErrInvalidKey)
	}
	ring := &KeyRing{&ringState{active: doc.ActiveKeyID, keys: make(map[string]ringKey, len(doc.Keys))}}
	for _, e := range doc.Keys {
		if !keyIDPattern.MatchString(e.id) {
			return nil, fmt.Errorf("parse %s: key id %q must match %s: %w", EnvKeysJSON, e.id, keyIDPattern, ErrInvalidKey)
		}
		if _, dup := ring.key(e.id); dup {
			return nil, fmt.Errorf("parse %s: key id %q appears twice: %w", EnvKeysJSON, e.id, ErrInvalidKey)
		}
		key, ok := decodeKey32(e.value)
		if !ok {
			return nil, fmt.Errorf("parse %s: key %q must be 32 bytes of base64: %w", EnvKeysJSON, e.id, ErrInvalidKey)
		}
		ring.s.keys[e.id] = newRingKey(key)
	}
	if doc.ActiveKeyID == "" {
		return nil, fmt.Errorf("parse %s: \"active_key_id\" is required: %w", EnvKeysJSON, ErrInvalidKey)
	}
	if _, ok := ring.key(doc.ActiveKeyID); !ok {
		return nil, fmt.Errorf("parse %s: active key id %q is not in \"keys\": %w", EnvKeysJSON, doc.ActiveKeyID, ErrInvalidKey)
	}
	return ring, nil
}

// describeJSONError keeps only the position or field of a decode error:
// encoding/json's syntax errors quote the offending character, which may
// be a byte of a key.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var shape shapeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON near byte %d", syntax.Offset)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return "the document must be a JSON object"
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q must be a JSON %s", typeErr.Field, typeErr.Type.Kind())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the document is empty or truncated"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.As(err, &shape):
		return string(shape)
	default:
		return "malformed document"
	}
}

// ActiveKeyID is the id of the key that seals new versions.
func (r *KeyRing) ActiveKeyID() string {
	if r == nil || r.s == nil {
		return ""
	}
	return r.s.active
}

// KeyIDs lists every key id in the ring, sorted.
func (r *KeyRing) KeyIDs() []string {
	if r == nil || r.s == nil {
		return nil
	}
	ids := make([]string, 0, len(r.s.keys))
	for id := range r.s.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// String shows the key ids only.
func (r *KeyRing) String() string {
	if r == nil {
		return "KeyRing(nil)"
	}
	return fmt.Sprintf("KeyRing{active: %s, keys: [%s]}", r.ActiveKeyID(), strings.Join(r.KeyIDs(), " "))
}

// Format makes every verb, including %+v, %#v and %x, print String.
func (r *KeyRing) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// GoString implements fmt.GoStringer with the same id-only text.
func (r *KeyRing) GoString() string { return r.String() }

// LogValue implements slog.LogValuer with the key ids only.
func (r *KeyRing) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("KeyRing(nil)")
	}
	return slog.GroupValue(slog.String("active_key_id", r.ActiveKeyID()), slog.Any("key_ids", r.KeyIDs()))
}

// MarshalJSON shows the key ids only.
func (r *KeyRing) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		ActiveKeyID string   `json:"active_key_id"`
		KeyIDs      []string `json:"key_ids"`
	}{r.ActiveKeyID(), r.KeyIDs()})
}
