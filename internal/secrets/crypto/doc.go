// Package crypto encrypts and decrypts managed secret versions
// (reference/records.md §2.3, §5.1).
//
// New versions are sealed with [AlgAESGCM]: a per-version data key is
// derived with HKDF-SHA256 from a 32-byte master key, a fresh random salt
// and an info string naming the secret and version, and the value is
// encrypted with AES-256-GCM whose associated data binds the algorithm, key
// id, secret id and version id. Moving a ciphertext to another version,
// another secret or another key id therefore fails to open.
//
// Versions written by upstream Launchplane are Fernet tokens
// ([AlgFernet], "fernet-v1"). They are only ever read, never written: Open
// decrypts them with the Fernet key upstream derives from its master
// passphrase, and [Reseal] moves them to the active key.
//
// Keys come from a [KeyRing] (see [LoadKeyRing] for the environment
// variables). Every failure to open is [ErrDecrypt]; no error message, and
// no fmt, JSON or slog rendering of a KeyRing or [Redacted] value, carries
// key bytes or plaintext.
package crypto
