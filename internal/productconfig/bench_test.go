package productconfig_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/productconfig"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// BenchmarkProductConfigApply compares applying a bundle (two runtime keys
// and two secrets whose values change every time: planning with decryption
// of the current versions, key safety, then sealing, versions, bindings,
// audit events and the runtime merge in one transaction) with the baseline
// of merging the same runtime keys alone, on the same engine in the same
// run. Report the ratio of the two rates, not absolute times.
func BenchmarkProductConfigApply(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine.Name, func(b *testing.B) {
			ctx := context.Background()
			s, err := sqlstore.OpenMigrated(ctx, engine.URL(b), sqlstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			seq := 0
			b.Run("baseline-runtime-put", func(b *testing.B) {
				svc := runtimeenv.New(s, time.Now, nil)
				route := runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "testing"}
				for b.Loop() {
					seq++
					if _, err := svc.Put(ctx, route, map[string]any{"KEYCLOAK_URL": fmt.Sprintf("https://id-%d.example", seq), "WORKERS": seq}, "bench"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("bundle-apply", func(b *testing.B) {
				svc := productconfig.New(productconfig.Config{Store: s, Ring: testRing(b), KeySafety: &passSafety{status: "pass"}, Now: time.Now,
					PolicyDigest: func(context.Context, store.Reader) (string, error) { return "policy-sha", nil }})
				for b.Loop() {
					seq++
					res, err := svc.Apply(ctx, benchBundle(b, seq), productconfig.Options{Actor: "bench"})
					if err != nil {
						b.Fatal(err)
					}
					if res.Summary.SecretChangeCount != 2 {
						b.Fatalf("secrets not rotated: %+v", res.Summary)
					}
				}
			})
		})
	}
}

func benchBundle(tb testing.TB, seq int) productconfig.Bundle {
	tb.Helper()
	b, err := productconfig.Decode(fmt.Appendf(nil, `{"schema_version": 1, "product": "cm", "context": "cm", "instance": "testing",
		"runtime_env": {"KEYCLOAK_URL": "https://id-%[1]d.example", "WORKERS": %[1]d},
		"secrets": [{"name": "smtp", "binding_key": "SMTP_PASSWORD", "value": "smtp-%[1]d"},
		            {"name": "api", "binding_key": "API_KEY", "value": "api-%[1]d"}]}`, seq))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
