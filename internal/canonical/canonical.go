// Package canonical renders JSON in one byte-exact form (sorted keys, no
// insignificant whitespace, no HTML escaping) so that hashes over records are
// stable no matter which engine stored them or how they were re-encoded.
package canonical

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// JSON marshals v and returns its canonical form. It is the fast path for
// values Launchplane encodes itself: encoding/json already writes compact
// output with canonical string escapes, so only object keys need sorting,
// which sortKeys does in one pass over the bytes. The result equals
// Normalize(json.Marshal(v)) (a test holds the two together).
func JSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal value: %w", err)
	}
	raw := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	out := make([]byte, 0, len(raw))
	out, rest, err := sortKeys(out, raw)
	if err != nil || len(rest) != 0 {
		// Never expected for encoder output; fall back to the general path.
		return Normalize(raw)
	}
	return out, nil
}

// Normalize re-encodes any JSON document canonically. Numbers keep their
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

var errMalformed = errors.New("malformed compact json")

// sortKeys copies one compact JSON value from in to out with every object's
// members ordered by key, returning the unread rest of in.
func sortKeys(out, in []byte) ([]byte, []byte, error) {
	if len(in) == 0 {
		return out, in, errMalformed
	}
	switch in[0] {
	case '{':
		return sortObject(out, in)
	case '[':
		out = append(out, '[')
		in = in[1:]
		for i := 0; ; i++ {
			if len(in) > 0 && in[0] == ']' {
				return append(out, ']'), in[1:], nil
			}
			if i > 0 {
				if len(in) == 0 || in[0] != ',' {
					return out, in, errMalformed
				}
				out, in = append(out, ','), in[1:]
			}
			var err error
			if out, in, err = sortKeys(out, in); err != nil {
				return out, in, err
			}
		}
	case '"':
		n, err := stringLen(in)
		if err != nil {
			return out, in, err
		}
		out, err = appendString(out, in[:n])
		return out, in[n:], err
	default:
		n := 0
		for n < len(in) && in[n] != ',' && in[n] != '}' && in[n] != ']' {
			n++
		}
		if n == 0 {
			return out, in, errMalformed
		}
		return append(out, in[:n]...), in[n:], nil
	}
}

type member struct {
	key   string // unescaped, for ordering
	bytes []byte // canonical "key":value
}

func sortObject(out, in []byte) ([]byte, []byte, error) {
	in = in[1:]
	var members []member
	for i := 0; ; i++ {
		if len(in) > 0 && in[0] == '}' {
			in = in[1:]
			break
		}
		if i > 0 {
			if len(in) == 0 || in[0] != ',' {
				return out, in, errMalformed
			}
			in = in[1:]
		}
		n, err := stringLen(in)
		if err != nil {
			return out, in, err
		}
		rawKey := in[:n]
		key := string(rawKey[1 : n-1])
		if bytes.IndexByte(rawKey, '\\') >= 0 {
			if err := json.Unmarshal(rawKey, &key); err != nil {
				return out, in, errMalformed
			}
		}
		in = in[n:]
		if len(in) == 0 || in[0] != ':' {
			return out, in, errMalformed
		}
		m, err := appendString(nil, rawKey)
		if err != nil {
			return out, in, err
		}
		m = append(m, ':')
		if m, in, err = sortKeys(m, in[1:]); err != nil {
			return out, in, err
		}
		members = append(members, member{key: key, bytes: m})
	}
	slices.SortFunc(members, func(a, b member) int { return compareStrings(a.key, b.key) })
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m.bytes...)
	}
	return append(out, '}'), in, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// stringLen is the byte length of the JSON string literal at the start of in.
func stringLen(in []byte) (int, error) {
	if len(in) == 0 || in[0] != '"' {
		return 0, errMalformed
	}
	for i := 1; i < len(in); i++ {
		switch in[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errMalformed
}

// appendString appends a JSON string literal in canonical form. Plain
// printable ASCII is already canonical; anything else (escapes, non-ASCII,
// as a json.RawMessage may carry) is re-encoded the way Normalize would.
func appendString(out, lit []byte) ([]byte, error) {
	plain := true
	for _, c := range lit[1 : len(lit)-1] {
		if c < 0x20 || c > 0x7e || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return append(out, lit...), nil
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return out, errMalformed
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return out, err
	}
	return append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}
