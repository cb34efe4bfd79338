package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/productview/productviewtest"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// TestProductsCLI runs products list|show|environment and inventory
// status|overview in-process on both engines against the seeded product,
// moving the CLI's clock across the 30-minute freshness boundary.
func TestProductsCLI(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			url := engine.URL(t)
			seeded := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			s, err := sqlstore.OpenMigrated(context.Background(), url, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			productviewtest.Seed(t, s, func() time.Time { return seeded })
			s.Close()

			now := seeded.Add(10 * time.Minute)
			var outputs []string
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
				if args[0] == "products" {
					outputs = append(outputs, out.String(), errb.String())
				}
				return out.String() + errb.String()
			}

			out := run(0, "products", "list")
			for _, want := range []string{"PRODUCT", "web", "generic-web", "testing=recorded prod=verified", "web-preview (0 live)"} {
				if !strings.Contains(out, want) {
					t.Errorf("products list lacks %q:\n%s", want, out)
				}
			}
			out = run(0, "products", "show", "--product", "web")
			for _, want := range []string{"Trust:", "recorded", "Historical contexts:  web-legacy", "art-prod-1", "2026-04-16T08:30:00Z"} {
				if !strings.Contains(out, want) {
					t.Errorf("products show lacks %q:\n%s", want, out)
				}
			}
			out = run(0, "products", "environment", "--product", "web", "--environment", "prod")
			for _, want := range []string{"Trust:", "verified", "target id recorded: yes", "PUBLIC_URL", "API_TOKEN",
				productviewtest.MissingKey + "  runtime_environment  missing", "config incomplete", "stable_deploy", "not evaluated"} {
				if !strings.Contains(out, want) {
					t.Errorf("products environment lacks %q:\n%s", want, out)
				}
			}

			out = run(0, "products", "environment", "--product", "web", "--environment", "prod", "--output", "json")
			var doc struct {
				Environment struct {
					TrustState string `json:"trust_state"`
					Target     struct {
						TargetIDRecorded bool `json:"target_id_recorded"`
					} `json:"target"`
				} `json:"environment"`
				ConfigStatus struct {
					Status string `json:"status"`
				} `json:"config_status"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Environment.TrustState != "verified" ||
				!doc.Environment.Target.TargetIDRecorded || doc.ConfigStatus.Status != "incomplete" {
				t.Errorf("environment json: %+v %v\n%s", doc, err, out)
			}

			// Past the stale time the same lane reads stale.
			now = seeded.Add(31 * time.Minute)
			if out := run(0, "products", "environment", "--product", "web", "--environment", "prod", "--output", "json"); !strings.Contains(out, `"trust_state": "stale"`) {
				t.Errorf("after 31 minutes:\n%s", out)
			}
			if out := run(0, "products", "list", "--output", "json"); !strings.Contains(out, `"count": 1`) || !strings.Contains(out, `"freshness_status": "stale"`) {
				t.Errorf("list json:\n%s", out)
			}

			// inventory status and overview carry the lane summary.
			out = run(0, "inventory", "status", "--context", "web-ctx", "--instance", "prod")
			for _, want := range []string{`"latest_backup_gate": null`, `"lane_summary": {`, `"target_id_recorded": true`, `"runtime_settings": [`, `"refreshed_at": "2026-04-16T08:31:00Z"`} {
				if !strings.Contains(out, want) {
					t.Errorf("inventory status lacks %q:\n%s", want, out)
				}
			}
			out = run(0, "inventory", "overview", "--context", "web-ctx")
			var overview struct {
				Lanes         []map[string]any `json:"lanes"`
				LaneSummaries []struct {
					Instance   string `json:"instance"`
					Provenance struct {
						FreshnessStatus string `json:"freshness_status"`
					} `json:"provenance"`
				} `json:"lane_summaries"`
			}
			if err := json.Unmarshal([]byte(out), &overview); err != nil || len(overview.Lanes) != 2 || len(overview.LaneSummaries) != 2 ||
				overview.LaneSummaries[0].Provenance.FreshnessStatus != "stale" {
				t.Errorf("inventory overview: %+v %v\n%s", overview, err, out)
			}

			run(2, "products", "list", "--output", "yaml")
			if out := run(1, "products", "show", "--product", "nope"); !strings.Contains(out, "Error:") {
				t.Errorf("unknown product: %s", out)
			}
			if out := run(1, "products", "environment", "--product", "web", "--environment", "staging"); !strings.Contains(out, "no environment") {
				t.Errorf("unknown environment: %s", out)
			}

			// The products commands never print the planted secret value,
			// runtime values or target id. (inventory status prints the raw
			// latest deployment, as deployments show does, for operators.)
			for _, o := range outputs {
				for _, planted := range []string{productviewtest.SecretValue, productviewtest.TargetID, productviewtest.RuntimeValue, productviewtest.TargetEnvValue} {
					if strings.Contains(o, planted) {
						t.Errorf("output contains planted %q:\n%s", planted, o)
					}
				}
			}
		})
	}
}
