package record_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

// validator is a pointer to a record type with a Validate method.
type validator[T any] interface {
	*T
	Validate() error
}

// checkRoundTrip is the property every strict decoder must hold: decoding
// never panics; a refusal is a *ValidationError wrapping ErrInvalid; and an
// accepted record survives json.Marshal and a second decode unchanged, and
// is already normalized (Validate leaves it as it is).
func checkRoundTrip[T any, PT validator[T]](t *testing.T, data []byte, decode func([]byte) (T, error)) {
	t.Helper()
	first, err := decode(data)
	if err != nil {
		var ve *record.ValidationError
		if !errors.Is(err, record.ErrInvalid) || !errors.As(err, &ve) {
			t.Fatalf("decode error %T (%v) is not a *record.ValidationError wrapping ErrInvalid", err, err)
		}
		if len(ve.Problems) == 0 {
			t.Fatalf("decode error %v names no problems", err)
		}
		return
	}
	encoded, err := json.Marshal(first)
	if err != nil {
		t.Fatalf("marshal decoded record: %v", err)
	}
	second, err := decode(encoded)
	if err != nil {
		t.Fatalf("decode of re-encoded record failed: %v\ninput:   %q\nencoded: %s", err, data, encoded)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Fatalf("re-decoded record differs (-first +second):\n%s\ninput:   %q\nencoded: %s", diff, data, encoded)
	}
	// second shares no memory with first, so Validate cannot hide a change.
	again := second
	if err := PT(&again).Validate(); err != nil {
		t.Fatalf("Validate of a decoded record failed: %v", err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Fatalf("Validate changed a decoded record (-decoded +validated):\n%s", diff)
	}
}

func FuzzDecodeDeployment(f *testing.F) {
	f.Add([]byte(minDeployment))
	f.Add([]byte(with(minDeployment, `"artifact_identity":{"artifact_id":"a1"},"runtime_source":{"k":"v"},`+
		`"destination_health":{"verified":true,"urls":["https://cm.example"],"timeout_seconds":30,"status":"pass"}`)))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodeDeployment)
	})
}

func FuzzDecodePromotion(f *testing.F) {
	f.Add([]byte(minPromotion))
	f.Add([]byte(with(minPromotion, `"backup_record_id":"b1","backup_gate":{"status":"pass","evidence":{"snapshot":"s"}},`+
		`"rollback":{"attempted":true,"status":"fail","detail":"boom"}`)))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodePromotion)
	})
}

func FuzzDecodeArtifactManifest(f *testing.F) {
	f.Add([]byte(minManifest))
	f.Add([]byte(with(minManifest, `"schema_version":2,"dependency_provenance":{"lockfiles":["uv.lock"]}`)))
	f.Add([]byte(with(minManifest, `"addon_sources":[{"repository":"github.com/acme/odoo-shared.git","ref":"abcdef1"}],`+
		`"build_flags":{"addon_skip_flags":["x"],"values":{"k":"v"}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodeArtifactManifest)
	})
}

func FuzzDecodeReleaseTuple(f *testing.F) {
	f.Add([]byte(minTuple))
	f.Add([]byte(`{"context":"cm","channel":"prod","tuple_id":"cm-prod-a1","artifact_id":"a1",` +
		`"repo_shas":{"tenant-cm":"abcdef1","shared":"ABCDEF0123"},"provenance":"promotion",` +
		`"promoted_from_channel":"testing","minted_at":"2026-04-16T08:10:00+02:00"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodeReleaseTuple)
	})
}
