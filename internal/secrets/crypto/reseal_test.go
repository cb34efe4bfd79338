package crypto

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestResealRotation walks a rotation: upstream fernet-v1 versions and
// versions sealed under an old key move to the active key, current ones
// stay, and afterwards a ring of the active key alone opens everything.
func TestResealRotation(t *testing.T) {
	const upstreamPassphrase = "upstream master passphrase b71e"
	upstreamKey := sha256.Sum256([]byte(upstreamPassphrase))
	old, active := key32(10), key32(11)

	masterOnly, err := NewMasterKeyRing(upstreamPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	oldRing := mustRing(t, ringJSON("old", map[string][]byte{"old": old}))
	env := map[string]string{
		EnvMasterKey: upstreamPassphrase,
		EnvKeysJSON:  ringJSON("new", map[string][]byte{"old": old, "new": active}),
	}
	rotating, err := LoadKeyRing(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}

	type version struct {
		secretID, versionID string
		plaintext           string
		sealed              Sealed
		wantChanged         bool
	}
	seal := func(r *KeyRing, sid, vid, pt string) Sealed {
		s, err := Seal(r, sid, vid, []byte(pt), seeded(byte(len(vid))))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	versions := []*version{
		{
			secretID: "secret-dokploy-dokploy-token", versionID: "secret-dokploy-dokploy-token-version-aaaaaaaaaaaa",
			plaintext:   "upstream-fernet-value-1",
			sealed:      Sealed{CipherAlg: AlgFernet, KeyID: UpstreamKeyID, Ciphertext: fernetToken(upstreamKey[:], 1700000000, specIV, []byte("upstream-fernet-value-1"))},
			wantChanged: true,
		},
		{
			secretID: "secret-a", versionID: "secret-a-version-bbbbbbbbbbbb",
			plaintext: "sealed-by-upstream-master-2", wantChanged: true,
		},
		{
			secretID: "secret-b", versionID: "secret-b-version-cccccccccccc",
			plaintext: "sealed-by-old-key-3", wantChanged: true,
		},
		{
			secretID: "secret-c", versionID: "secret-c-version-dddddddddddd",
			plaintext: "already-current-4", wantChanged: false,
		},
	}
	versions[1].sealed = seal(masterOnly, versions[1].secretID, versions[1].versionID, versions[1].plaintext)
	versions[2].sealed = seal(oldRing, versions[2].secretID, versions[2].versionID, versions[2].plaintext)
	versions[3].sealed = seal(rotating, versions[3].secretID, versions[3].versionID, versions[3].plaintext)

	var changes []bool
	for _, v := range versions {
		// A dry-run is a Reseal whose output is not stored; applying
		// twice must report no change the second time.
		out, changed, err := Reseal(rotating, v.secretID, v.versionID, v.sealed, seeded(42))
		if err != nil {
			t.Fatalf("Reseal %s: %v", v.versionID, err)
		}
		changes = append(changes, changed)
		if !changed && out != v.sealed {
			t.Errorf("Reseal %s: unchanged but returned a different Sealed", v.versionID)
		}
		if out.CipherAlg != AlgAESGCM || out.KeyID != "new" {
			t.Errorf("Reseal %s: got %v, want %s under key new", v.versionID, out, AlgAESGCM)
		}
		if _, again, err := Reseal(rotating, v.secretID, v.versionID, out, seeded(43)); err != nil || again {
			t.Errorf("second Reseal %s: changed=%v err=%v, want unchanged", v.versionID, again, err)
		}
		v.sealed = out
	}
	want := make([]bool, len(versions))
	for i, v := range versions {
		want[i] = v.wantChanged
	}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}

	// Retire every old key: only the active key remains.
	retired := mustRing(t, ringJSON("new", map[string][]byte{"new": active}))
	for _, v := range versions {
		got, err := Open(retired, v.secretID, v.versionID, v.sealed)
		if err != nil {
			t.Fatalf("Open %s after retirement: %v", v.versionID, err)
		}
		if diff := cmp.Diff(v.plaintext, string(got)); diff != "" {
			t.Errorf("Open %s (-want +got):\n%s", v.versionID, diff)
		}
	}
}

func TestResealFailsClosed(t *testing.T) {
	ring := mustRing(t, ringJSON("k1", map[string][]byte{"k1": key32(1)}))
	other := mustRing(t, ringJSON("k2", map[string][]byte{"k2": key32(2)}))
	sealed, err := Seal(other, testSecretID, testVersionID, []byte("reseal-fail-closed"), seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	out, changed, err := Reseal(ring, testSecretID, testVersionID, sealed, seeded(2))
	if !errors.Is(err, ErrDecrypt) || changed || out != (Sealed{}) {
		t.Errorf("Reseal with the key missing = %v, %v, %v; want zero, false, ErrDecrypt", out, changed, err)
	}
	fernet := Sealed{CipherAlg: AlgFernet, KeyID: UpstreamKeyID, Ciphertext: specToken}
	if _, _, err := Reseal(ring, testSecretID, testVersionID, fernet, seeded(2)); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Reseal of a fernet token no ring key opens: err = %v, want ErrDecrypt", err)
	}
}

// TestOpenFernetViaRing checks the dispatch rules: a fernet-v1 version
// opens with the master passphrase's derived key, with a ring key given
// as a raw Fernet key, and with a key its key_id names.
func TestOpenFernetViaRing(t *testing.T) {
	specRing := mustRing(t, `{"active_key_id":"spec","keys":{"spec":"`+specSecret+`","other":"`+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="+`"}}`)
	master, _ := NewMasterKeyRing(specSecret)
	tests := []struct {
		name   string
		ring   *KeyRing
		keyID  string
		wantOK bool
	}{
		{"upstream key id, master ring", master, UpstreamKeyID, true},
		{"upstream key id, json ring", specRing, UpstreamKeyID, true},
		{"key id names the right key", specRing, "spec", true},
		{"key id names the wrong key", specRing, "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Open(tt.ring, "any", "any", Sealed{CipherAlg: AlgFernet, KeyID: tt.keyID, Ciphertext: specToken})
			if !tt.wantOK {
				if !errors.Is(err, ErrDecrypt) {
					t.Errorf("err = %v, want ErrDecrypt", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(specMsg, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
