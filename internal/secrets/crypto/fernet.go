package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
)

// Fernet token layout (https://github.com/fernet/spec).
const (
	fernetVersion   = 0x80
	fernetHeaderLen = 1 + 8 + aes.BlockSize // version, timestamp, IV
	fernetMACLen    = sha256.Size
	// fernetMinLen holds one ciphertext block: PKCS7 always pads.
	fernetMinLen = fernetHeaderLen + aes.BlockSize + fernetMACLen
)

// OpenFernet decrypts an upstream Fernet token with the key upstream
// derives from its LAUNCHPLANE_MASTER_ENCRYPTION_KEY value (records.md
// §5.1): a value that already is a Fernet key is used as is, any other
// passphrase is hashed with SHA-256. Failures wrap ErrDecrypt; a blank
// passphrase is ErrNoKey.
func OpenFernet(passphrase, token string) ([]byte, error) {
	key, ok := upstreamFernetKey(passphrase)
	if !ok {
		return nil, fmt.Errorf("open fernet token: %w", ErrNoKey)
	}
	plaintext, err := openFernet(key, token)
	if err != nil {
		return nil, fmt.Errorf("open fernet token: %w", err)
	}
	return plaintext, nil
}

// OpenFernetKey decrypts a Fernet token with a raw Fernet key: base64 of 32
// bytes, the signing key then the encryption key, as the spec's test
// vectors give it. No key derivation happens here.
//
// Neither entry point checks the token's timestamp: upstream decrypts
// without a TTL, and stored secrets do not expire.
func OpenFernetKey(key, token string) ([]byte, error) {
	k, ok := decodeKey32(key)
	if !ok {
		return nil, fmt.Errorf("open fernet token: the key must be 32 bytes of base64: %w", ErrInvalidKey)
	}
	plaintext, err := openFernet(k, token)
	if err != nil {
		return nil, fmt.Errorf("open fernet token: %w", err)
	}
	return plaintext, nil
}

// openFernet verifies then decrypts a token. The HMAC is checked, in
// constant time, before any decryption, so nothing about the plaintext or
// the padding is observable for a forged token.
func openFernet(key []byte, token string) ([]byte, error) {
	if len(key) != 32 {
		return nil, errors.New("fernet key must be 32 bytes")
	}
	data, err := base64.URLEncoding.Strict().DecodeString(token)
	switch {
	case err != nil:
		return nil, fmt.Errorf("token is not URL-safe base64: %w", ErrDecrypt)
	case len(data) < fernetMinLen:
		return nil, fmt.Errorf("token is too short: %w", ErrDecrypt)
	case data[0] != fernetVersion:
		return nil, fmt.Errorf("token version is not 0x80: %w", ErrDecrypt)
	}
	body, tag := data[:len(data)-fernetMACLen], data[len(data)-fernetMACLen:]
	mac := hmac.New(sha256.New, key[:16])
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), tag) {
		return nil, fmt.Errorf("token signature does not verify: %w", ErrDecrypt)
	}
	iv, ciphertext := body[9:fernetHeaderLen], body[fernetHeaderLen:]
	if len(ciphertext)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("token ciphertext is not whole blocks: %w", ErrDecrypt)
	}
	block, err := aes.NewCipher(key[16:])
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	plaintext := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plaintext, ciphertext)
	n, ok := unpadPKCS7(plaintext)
	if !ok {
		clear(plaintext)
		return nil, fmt.Errorf("token padding is invalid: %w", ErrDecrypt)
	}
	return plaintext[:n], nil
}

// unpadPKCS7 returns the unpadded length of a whole-block buffer.
func unpadPKCS7(b []byte) (int, bool) {
	pad := int(b[len(b)-1])
	if pad == 0 || pad > aes.BlockSize {
		return 0, false
	}
	good := 1
	for _, c := range b[len(b)-pad:] {
		good &= subtle.ConstantTimeByteEq(c, byte(pad))
	}
	return len(b) - pad, good == 1
}
