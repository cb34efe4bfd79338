package crypto

import (
	"fmt"
	"io"
	"log/slog"
)

const redactedText = "[redacted]"

// Redacted holds key material or a plaintext secret value and prints as
// "[redacted]" everywhere: every fmt verb (%v, %+v, %#v, %s, %q, %x),
// encoding/json, encoding.TextMarshaler users and slog. Reveal, or a plain
// string conversion, is the only way to the value, which keeps every read
// of it visible in review.
type Redacted string

// Reveal returns the value. Use it only where the value leaves for its
// consumer (a child process environment, a provider API call).
func (r Redacted) Reveal() string { return string(r) }

// String implements fmt.Stringer.
func (Redacted) String() string { return redactedText }

// GoString implements fmt.GoStringer.
func (Redacted) GoString() string { return redactedText }

// Format implements fmt.Formatter so that no verb reaches the value; %x on
// a bare string type would otherwise print its bytes.
func (Redacted) Format(f fmt.State, _ rune) { io.WriteString(f, redactedText) }

// MarshalJSON implements json.Marshaler.
func (Redacted) MarshalJSON() ([]byte, error) { return []byte(`"` + redactedText + `"`), nil }

// MarshalText implements encoding.TextMarshaler (JSON map keys, slog's
// text handler, TOML and others).
func (Redacted) MarshalText() ([]byte, error) { return []byte(redactedText), nil }

// LogValue implements slog.LogValuer.
func (Redacted) LogValue() slog.Value { return slog.StringValue(redactedText) }
