package crypto

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadKeyRing(t *testing.T) {
	k1, k2, k3 := key32(1), key32(2), key32(3)
	b64 := base64.URLEncoding.EncodeToString
	const passphrase = "a master passphrase 4e2a"
	passKey := sha256.Sum256([]byte(passphrase))
	passID := MasterKeyID(passKey[:])
	k3ID := MasterKeyID(k3)
	files := map[string]string{
		"/run/secrets/master":  passphrase + "\n",
		"/run/secrets/ring":    ringJSON("k1", map[string][]byte{"k1": k1}),
		"/run/secrets/empty":   " \n",
		"/run/secrets/master3": b64(k3),
	}
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	type want struct {
		Active string
		IDs    []string
	}
	tests := []struct {
		name     string
		env      map[string]string
		want     want
		wantIs   error
		wantText []string
	}{
		{
			name: "master passphrase",
			env:  map[string]string{EnvMasterKey: passphrase},
			want: want{passID, []string{passID}},
		},
		{
			name: "master passphrase is trimmed",
			env:  map[string]string{EnvMasterKey: "\t" + passphrase + "  "},
			want: want{passID, []string{passID}},
		},
		{
			name: "master Fernet key",
			env:  map[string]string{EnvMasterKey: b64(k3)},
			want: want{k3ID, []string{k3ID}},
		},
		{
			name: "master _FILE",
			env:  map[string]string{EnvMasterKeyFile: "/run/secrets/master"},
			want: want{passID, []string{passID}},
		},
		{
			name:     "master and master _FILE",
			env:      map[string]string{EnvMasterKey: passphrase, EnvMasterKeyFile: "/run/secrets/master"},
			wantIs:   ErrInvalidKey,
			wantText: []string{"set LAUNCHPLANE_MASTER_ENCRYPTION_KEY or LAUNCHPLANE_MASTER_ENCRYPTION_KEY_FILE, not both"},
		},
		{
			name:     "master _FILE missing",
			env:      map[string]string{EnvMasterKeyFile: "/run/secrets/nope"},
			wantIs:   fs.ErrNotExist,
			wantText: []string{"read LAUNCHPLANE_MASTER_ENCRYPTION_KEY_FILE"},
		},
		{
			name:     "master _FILE empty",
			env:      map[string]string{EnvMasterKeyFile: "/run/secrets/empty"},
			wantIs:   ErrInvalidKey,
			wantText: []string{"LAUNCHPLANE_MASTER_ENCRYPTION_KEY_FILE", "empty"},
		},
		{
			name: "key ring JSON",
			env:  map[string]string{EnvKeysJSON: ringJSON("k2", map[string][]byte{"k1": k1, "k2": k2})},
			want: want{"k2", []string{"k1", "k2"}},
		},
		{
			name: "key ring JSON _FILE",
			env:  map[string]string{EnvKeysJSONFile: "/run/secrets/ring"},
			want: want{"k1", []string{"k1"}},
		},
		{
			name: "key ring plus master: master is retired",
			env:  map[string]string{EnvKeysJSON: ringJSON("k2", map[string][]byte{"k2": k2}), EnvMasterKeyFile: "/run/secrets/master"},
			want: want{"k2", []string{"k2", passID}},
		},
		{
			name:     "master id collides with a ring id",
			env:      map[string]string{EnvKeysJSON: ringJSON(k3ID, map[string][]byte{k3ID: k1}), EnvMasterKeyFile: "/run/secrets/master3"},
			wantIs:   ErrInvalidKey,
			wantText: []string{"already defines"},
		},
		{
			name:     "key ring JSON invalid",
			env:      map[string]string{EnvKeysJSON: `{"active_key_id": "k1", "keys": {"k1": "` + b64(k1) + `"}, "extra": 1}`},
			wantIs:   ErrInvalidKey,
			wantText: []string{"LAUNCHPLANE_SECRET_KEYS_JSON", `unknown field "extra"`},
		},
		{
			name:     "neither set",
			env:      map[string]string{},
			wantIs:   ErrNoKey,
			wantText: []string{EnvMasterKey, EnvKeysJSON, EnvMasterKeyFile, EnvKeysJSONFile},
		},
		{
			name:     "only blank values",
			env:      map[string]string{EnvMasterKey: "  ", EnvKeysJSON: "\n", EnvMasterKeyFile: " "},
			wantIs:   ErrNoKey,
			wantText: []string{EnvMasterKey, EnvKeysJSON},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ring, err := LoadKeyRing(func(k string) string { return tt.env[k] }, readFile)
			if tt.wantIs != nil || tt.wantText != nil {
				if err == nil {
					t.Fatalf("LoadKeyRing succeeded: %v", ring)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("err = %v, want %v", err, tt.wantIs)
				}
				for _, s := range tt.wantText {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("err = %q, want it to contain %q", err, s)
					}
				}
				assertNoLeak(t, "error", err.Error(), k1, k2, k3, []byte(passphrase), passKey[:])
				return
			}
			if err != nil {
				t.Fatalf("LoadKeyRing: %v", err)
			}
			if diff := cmp.Diff(tt.want, want{ring.ActiveKeyID(), ring.KeyIDs()}); diff != "" {
				t.Errorf("ring (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseKeyRing(t *testing.T) {
	k1, k2 := key32(1), key32(2)
	u, s := base64.URLEncoding.EncodeToString, base64.StdEncoding.EncodeToString
	raw := base64.RawURLEncoding.EncodeToString
	type want struct {
		Active string
		IDs    []string
	}
	tests := []struct {
		name     string
		doc      string
		want     want
		wantText string
	}{
		{name: "url-safe keys", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1) + `","k2":"` + u(k2) + `"}}`, want: want{"k1", []string{"k1", "k2"}}},
		{name: "standard and unpadded keys", doc: `{"active_key_id":"a.b-c_d","keys":{"a.b-c_d":"` + s(k1) + `","k2":"` + raw(k2) + `"}}`, want: want{"a.b-c_d", []string{"a.b-c_d", "k2"}}},
		{name: "key with surrounding space", doc: `{"active_key_id":"k1","keys":{"k1":" ` + u(k1) + `\n"}}`, want: want{"k1", []string{"k1"}}},
		{name: "unknown top-level field", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1) + `"},"ttl":3}`, wantText: `unknown field "ttl"`},
		{name: "active id not in keys", doc: `{"active_key_id":"k3","keys":{"k1":"` + u(k1) + `"}}`, wantText: `active key id "k3" is not in "keys"`},
		{name: "active id missing", doc: `{"keys":{"k1":"` + u(k1) + `"}}`, wantText: `"active_key_id" is required`},
		{name: "16-byte key", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1[:16]) + `"}}`, wantText: `key "k1" must be 32 bytes of base64`},
		{name: "48-byte key", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(append(k1, k2[:16]...)) + `"}}`, wantText: `key "k1" must be 32 bytes of base64`},
		{name: "passphrase as key", doc: `{"active_key_id":"k1","keys":{"k1":"correct horse battery staple"}}`, wantText: `key "k1" must be 32 bytes of base64`},
		{name: "number as key", doc: `{"active_key_id":"k1","keys":{"k1":12345}}`, wantText: `key "k1" must be a base64 string`},
		{name: "bad key id", doc: `{"active_key_id":"k 1","keys":{"k 1":"` + u(k1) + `"}}`, wantText: `key id "k 1" must match`},
		{name: "duplicate key id", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1) + `","k1":"` + u(k2) + `"}}`, wantText: `key id "k1" appears twice`},
		{name: "no keys", doc: `{"active_key_id":"k1","keys":{}}`, wantText: `"keys" is empty`},
		{name: "keys not an object", doc: `{"active_key_id":"k1","keys":["` + u(k1) + `"]}`, wantText: `"keys" must be an object`},
		{name: "active id not a string", doc: `{"active_key_id":1,"keys":{"k1":"` + u(k1) + `"}}`, wantText: `field "active_key_id" must be a JSON string`},
		{name: "not an object", doc: `["` + u(k1) + `"]`, wantText: "must be a JSON object"},
		{name: "trailing data", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1) + `"}} {}`, wantText: "trailing data"},
		{name: "syntax error inside a key", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1)[:20] + "\x01" + u(k1)[20:] + `"}}`, wantText: "malformed JSON near byte"},
		{name: "truncated", doc: `{"active_key_id":"k1","keys":{"k1":"` + u(k1), wantText: "truncated"},
		{name: "empty", doc: ``, wantText: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ring, err := ParseKeyRing([]byte(tt.doc))
			if tt.wantText != "" {
				if !errors.Is(err, ErrInvalidKey) {
					t.Fatalf("err = %v, want ErrInvalidKey", err)
				}
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("err = %q, want it to contain %q", err, tt.wantText)
				}
				assertNoLeak(t, "error", err.Error(), k1, k2, k1[:16])
				for _, chunk := range []string{u(k1)[:12], u(k1)[20:32]} {
					if strings.Contains(err.Error(), chunk) {
						t.Errorf("error %q contains part of a key", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyRing: %v", err)
			}
			if diff := cmp.Diff(tt.want, want{ring.ActiveKeyID(), ring.KeyIDs()}); diff != "" {
				t.Errorf("ring (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMasterKeyID(t *testing.T) {
	a, err := NewMasterKeyRing("passphrase one")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewMasterKeyRing("  passphrase one\n")
	c, _ := NewMasterKeyRing("passphrase two")
	if a.ActiveKeyID() != b.ActiveKeyID() {
		t.Errorf("ids differ for the same trimmed key: %s, %s", a.ActiveKeyID(), b.ActiveKeyID())
	}
	if a.ActiveKeyID() == c.ActiveKeyID() {
		t.Errorf("ids match for different keys: %s", a.ActiveKeyID())
	}
	if !regexp.MustCompile(`^master-[0-9a-f]{8}$`).MatchString(a.ActiveKeyID()) || !keyIDPattern.MatchString(a.ActiveKeyID()) {
		t.Errorf("id %q has the wrong shape", a.ActiveKeyID())
	}
	if _, err := NewMasterKeyRing(" \t"); !errors.Is(err, ErrNoKey) {
		t.Errorf("blank key err = %v, want ErrNoKey", err)
	}
}
