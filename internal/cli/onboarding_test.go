package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// TestProductOnboardingBothEngines applies a manifest twice in-process
// against SQLite and Postgres: the second apply changes nothing.
func TestProductOnboardingBothEngines(t *testing.T) {
	const manifest = `{"product": "web", "display_name": "Web", "repository": "acme/web",
		"image_repository": "ghcr.io/acme/web", "runtime_port": 8080, "health_path": "/healthz",
		"lanes": [{"instance": "prod", "context": "web", "base_url": "https://web.example"}],
		"provider_targets": [{"context": "web", "instance": "prod", "target_id": "app-web-prod-4242", "target_name": "web"}],
		"runtime_environments": [{"scope": "instance", "context": "web", "instance": "prod", "env": {"WEB_MODE": "mode-value-4242"}}],
		"secret_bindings": [{"binding_key": "WEB_TOKEN", "context": "web"}]}`
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			url := engine.URL(t)
			file := filepath.Join(t.TempDir(), "web.json")
			if err := os.WriteFile(file, []byte(manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			run := func(wantCode int, args ...string) string {
				t.Helper()
				var out, errb bytes.Buffer
				code := cli.Main(context.Background(), append(args, "--database-url", url), cli.Env{
					Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
					Getenv: func(string) string { return "" }, Now: func() time.Time { return now },
				})
				if code != wantCode {
					t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out.String(), errb.String())
				}
				return out.String() + errb.String()
			}
			first := run(0, "product-onboarding", "apply", "--manifest-file", file)
			if !strings.Contains(first, `"changed": true`) || strings.Contains(first, "app-web-prod-4242") || strings.Contains(first, "mode-value-4242") {
				t.Errorf("first apply: %s", first)
			}
			now = now.Add(time.Hour)
			second := run(0, "product-onboarding", "apply", "--manifest-file", file)
			if !strings.Contains(second, `"changed": false`) || strings.Contains(second, `"created"`) || strings.Contains(second, `"updated"`) {
				t.Errorf("second apply: %s", second)
			}
			if out := run(0, "product-profiles", "show", "--product", "web"); !strings.Contains(out, `"updated_at": "2026-04-16T08:00:00Z"`) {
				t.Errorf("profile restamped: %s", out)
			}
			legacy := filepath.Join(t.TempDir(), "legacy.json")
			if err := os.WriteFile(legacy, []byte(strings.Replace(manifest, "provider_targets", "dokploy_targets", 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			if out := run(1, "product-onboarding", "apply", "--manifest-file", legacy); !strings.Contains(out, "use provider_targets") {
				t.Errorf("legacy: %s", out)
			}
		})
	}
}
