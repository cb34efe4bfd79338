package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// TestProductProfilesBothEngines runs upsert, show and list in-process
// against SQLite and Postgres.
func TestProductProfilesBothEngines(t *testing.T) {
	const profile = `{"product": "web", "display_name": "Web", "repository": "acme/web", "driver_id": "generic-web",
		"image": {"repository": "ghcr.io/acme/web"}, "runtime_port": 8080, "health_path": "/healthz",
		"lanes": [{"instance": "prod", "context": "web", "base_url": "https://web.example",
			"health_monitoring": {"checks": [{"name": "public-ingress"}]}}]}`
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			url := engine.URL(t)
			file := filepath.Join(t.TempDir(), "web.json")
			if err := os.WriteFile(file, []byte(profile), 0o600); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			run := func(wantCode int, args ...string) (string, string) {
				t.Helper()
				var out, errb bytes.Buffer
				code := cli.Main(context.Background(), append(args, "--database-url", url), cli.Env{
					Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
					Getenv: func(string) string { return "" }, Now: func() time.Time { return now },
				})
				if code != wantCode {
					t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out.String(), errb.String())
				}
				return out.String(), errb.String()
			}
			out, _ := run(0, "product-profiles", "upsert", "--input-file", file)
			var res struct {
				Action  string `json:"action"`
				Profile struct {
					UpdatedAt string `json:"updated_at"`
				} `json:"profile"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || res.Action != "created" || res.Profile.UpdatedAt != "2026-04-16T08:00:00Z" {
				t.Errorf("upsert: %+v, %v\n%s", res, err, out)
			}
			now = now.Add(time.Hour)
			if out, _ := run(0, "product-profiles", "upsert", "--input-file", file); !strings.Contains(out, `"action": "unchanged"`) {
				t.Errorf("second upsert: %s", out)
			}
			if out, _ := run(0, "product-profiles", "show", "--product", "web"); !strings.Contains(out, `"updated_at": "2026-04-16T08:00:00Z"`) {
				t.Errorf("show: %s", out)
			}
			if out, _ := run(0, "product-profiles", "list", "--driver-id", "odoo"); !strings.Contains(out, `"count": 0`) {
				t.Errorf("list odoo: %s", out)
			}
			if _, errOut := run(1, "product-profiles", "upsert", "--input-file", file, "--runtime-port", "0"); !strings.Contains(errOut, "health_path: must be empty when runtime_port is 0") {
				t.Errorf("refusal: %s", errOut)
			}
			if out, _ := run(0, "product-profiles", "list"); !strings.Contains(out, `"count": 1`) || !strings.Contains(out, `"runtime_port": 8080`) {
				t.Errorf("list after refusal: %s", out)
			}
		})
	}
}
