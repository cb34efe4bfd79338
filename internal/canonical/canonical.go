// Package canonical renders JSON in one byte-exact form (sorted keys, no
// insignificant whitespace, no HTML escaping) so that hashes over records are
// stable no matter which engine stored them or how they were re-encoded.
package canonical

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// JSON marshals v and returns its canonical form.
func JSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal value: %w", err)
	}
	return Normalize(raw)
}

// Normalize re-encodes a JSON document canonically. Numbers keep their
// literal text, so integers survive a round trip through JSONB unchanged.
func Normalize(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode json: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// SHA256 returns the lowercase hex SHA-256 of b.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Indent renders v as JSON with sorted keys and two-space indentation, the
// form the CLI prints.
func Indent(v any) ([]byte, error) {
	compact, err := JSON(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "  "); err != nil {
		return nil, fmt.Errorf("indent json: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
