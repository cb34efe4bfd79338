package onboarding_test

import (
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/onboarding"
)

// FuzzDecode: the strict decoder and the validation behind it never panic,
// and whatever decodes either validates or is refused with an error.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(Manifest))
	f.Add([]byte(`{"dokploy_targets": []}`))
	f.Add([]byte(`{"runtime_environments": [{"scope": "global", "env": {"A": 1e3}}]}`))
	f.Add([]byte(`{"secret_bindings": [{"binding_key": "K=V", "context": ""}], "lanes": [{}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onboarding.Decode(data)
		if err != nil {
			return
		}
		_ = m.Validate(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	})
}
