package oidctest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files Save writes inside its directory.
const (
	KeyFile   = "signing-key.pem"
	KeyIDFile = "signing-key.kid"
)

// Save writes the current signing key (PKCS #8 PEM) and its kid into dir,
// creating dir with mode 0700 if needed. Both files are written with mode
// 0600 and replaced atomically. Keys rotated out are not saved: a loaded
// issuer publishes only the saved key.
func (i *Issuer) Save(dir string) error {
	k := i.current()
	der, err := x509.MarshalPKCS8PrivateKey(k.key)
	if err != nil {
		return fmt.Errorf("save signing key: encode key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save signing key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writePrivate(filepath.Join(dir, KeyFile), keyPEM); err != nil {
		return fmt.Errorf("save signing key: %w", err)
	}
	if err := writePrivate(filepath.Join(dir, KeyIDFile), []byte(k.kid+"\n")); err != nil {
		return fmt.Errorf("save signing key id: %w", err)
	}
	return nil
}

// writePrivate replaces path with data via a 0600 temp file and a rename, so
// a reader never sees a half-written key and the mode never widens.
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Load returns an issuer for issuerURL signing with the key Save wrote to
// dir. A missing key file is an error wrapping fs.ErrNotExist, so a caller
// can create and save a fresh issuer instead.
func Load(dir, issuerURL string, now func() time.Time) (*Issuer, error) {
	if err := checkIssuerURL(issuerURL); err != nil {
		return nil, fmt.Errorf("load issuer: %w", err)
	}
	if now == nil {
		return nil, errors.New("load issuer: clock is required")
	}
	k, err := loadKey(dir)
	if err != nil {
		return nil, fmt.Errorf("load issuer: %w", err)
	}
	return &Issuer{now: now, url: issuerURL, keys: []signingKey{k}}, nil
}

func loadKey(dir string) (signingKey, error) {
	keyPEM, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return signingKey{}, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return signingKey{}, fmt.Errorf("read signing key: %s holds no PKCS #8 PEM block", KeyFile)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return signingKey{}, fmt.Errorf("parse signing key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return signingKey{}, fmt.Errorf("parse signing key: got %T, want an RSA key", parsed)
	}
	if key.N.BitLen() < KeyBits {
		return signingKey{}, fmt.Errorf("parse signing key: %d-bit RSA key, want at least %d", key.N.BitLen(), KeyBits)
	}
	kid, err := os.ReadFile(filepath.Join(dir, KeyIDFile))
	if err != nil {
		return signingKey{}, fmt.Errorf("read signing key id: %w", err)
	}
	k := signingKey{kid: strings.TrimSpace(string(kid)), key: key}
	if k.kid == "" {
		return signingKey{}, fmt.Errorf("read signing key id: %s is empty", KeyIDFile)
	}
	return k, nil
}
