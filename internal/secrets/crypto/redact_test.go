package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// renderings prints v every way a value usually leaves the process.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10.3s"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprint in struct"] = fmt.Sprintf("%+v", struct{ V any }{v})
	out["Sprint in slice"] = fmt.Sprintf("%v", []any{v})
	j, err := json.Marshal(map[string]any{"v": v})
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	out["json"] = string(j)
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("msg", "v", v, slog.Any("any", v))
		out[name] = buf.String()
	}
	return out
}

func TestRedacted(t *testing.T) {
	const value = "plaintext-canary-5d0e"
	r := Redacted(value)
	for name, text := range renderings(t, r) {
		assertNoLeak(t, name, text, []byte(value))
		if !strings.Contains(text, "[redacted]") {
			t.Errorf("%s = %q, want [redacted]", name, text)
		}
	}
	if diff := cmp.Diff(value, r.Reveal()); diff != "" {
		t.Errorf("Reveal (-want +got):\n%s", diff)
	}
	var p *Redacted = &r
	assertNoLeak(t, "pointer %+v", fmt.Sprintf("%+v", p), []byte(value))
}

func TestKeyRingAndSealedPrintNoMaterial(t *testing.T) {
	k1 := key32(1)
	const passphrase = "passphrase-canary-c4a1"
	env := map[string]string{EnvMasterKey: passphrase, EnvKeysJSON: ringJSON("k1", map[string][]byte{"k1": k1})}
	ring, err := LoadKeyRing(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	plaintext := []byte("sealed-canary-0b9f")
	sealed, err := Seal(ring, testSecretID, testVersionID, plaintext, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	derived, _ := upstreamFernetKey(passphrase)
	raw, _ := base64.StdEncoding.DecodeString(sealed.Ciphertext)
	for name, text := range renderings(t, ring) {
		assertNoLeak(t, "KeyRing "+name, text, k1, derived, []byte(passphrase))
		if !strings.Contains(text, "k1") {
			t.Errorf("KeyRing %s = %q, want the key ids", name, text)
		}
	}
	// A copy has no pointer to carry methods; it must print the same.
	for name, text := range renderings(t, *ring) {
		assertNoLeak(t, "KeyRing copy "+name, text, k1, derived, []byte(passphrase))
	}
	var nilRing *KeyRing
	for name, text := range renderings(t, nilRing) {
		if !strings.Contains(text, "nil") && !strings.Contains(text, "null") {
			t.Errorf("nil KeyRing %s = %q", name, text)
		}
	}
	for name, text := range renderings(t, sealed) {
		if name == "json" {
			continue // Sealed's JSON is its stored form.
		}
		assertNoLeak(t, "Sealed "+name, text, plaintext, k1, []byte(sealed.Ciphertext), raw)
	}
}
