package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// TestProductConfigCLI runs product-config apply through cli.Main on both
// engines with the real key-safety policy: the key-safety gate, dry-run →
// bound apply, a stale plan, and that no value reaches stdout or stderr.
func TestProductConfigCLI(t *testing.T) {
	const value = "Pc-cli-distinctive-secret-value"
	forms := []string{value, base64.StdEncoding.EncodeToString([]byte(value)), hex.EncodeToString([]byte(value))}
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			url := engine.URL(t)
			dir := t.TempDir()
			write := func(name string, v any) string {
				raw, _ := json.Marshal(v)
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, raw, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			bundle := map[string]any{"schema_version": 1, "product": "cm", "context": "cm", "instance": "testing",
				"runtime_env": map[string]any{"KEYCLOAK_URL": "https://id.example"},
				"secrets":     []any{map[string]any{"name": "smtp", "binding_key": "SMTP_PASSWORD", "value": value}}}
			file := write("bundle.json", bundle)
			env := map[string]string{"LAUNCHPLANE_DATABASE_URL": url, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY": "cli-test-passphrase", "USER": "tester"}
			var all bytes.Buffer
			run := func(wantCode int, args ...string) string {
				t.Helper()
				var out, errb bytes.Buffer
				code := cli.Main(context.Background(), args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
					Getenv: func(k string) string { return env[k] }, Now: time.Now})
				if code != wantCode {
					t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out.String(), errb.String())
				}
				all.Write(out.Bytes())
				all.Write(errb.Bytes())
				return out.String() + errb.String()
			}
			// No policy yet: fail closed, nothing written.
			if out := run(1, "product-config", "apply", "--input-file", file, "--apply"); !strings.Contains(out, "key-safety") {
				t.Fatalf("without a policy: %s", out)
			}
			s, err := sqlstore.OpenMigrated(context.Background(), url, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var n int
			_ = s.DB().QueryRow("SELECT COUNT(*) FROM launchplane_secrets").Scan(&n)
			if n != 0 {
				t.Fatalf("%d secrets written without a policy", n)
			}
			rules := []record.RuntimeSecretSafetyRule{{BindingKey: "SMTP_PASSWORD", SecretClass: "non_prod"}}
			if _, _, err := keysafety.Apply(context.Background(), s, rules, "test", time.Now()); err != nil {
				t.Fatal(err)
			}
			run(2, "product-config", "apply", "--input-file", file)
			plan := run(0, "product-config", "apply", "--input-file", file, "--dry-run")
			var res struct {
				Status string `json:"status"`
				PlanID string `json:"plan_id"`
			}
			if err := json.Unmarshal([]byte(plan), &res); err != nil || res.PlanID == "" || res.Status != "dry_run" {
				t.Fatalf("dry-run output: %s (%v)", plan, err)
			}
			applied := run(0, "product-config", "apply", "--input-file", file, "--apply", "--plan-id", res.PlanID)
			if !strings.Contains(applied, `"action": "created"`) {
				t.Fatalf("apply output: %s", applied)
			}
			// The same plan again: the runtime record and secret changed since.
			stale := run(1, "product-config", "apply", "--input-file", file, "--apply", "--plan-id", res.PlanID)
			if !strings.Contains(stale, "runtime record cm/testing") {
				t.Fatalf("stale output: %s", stale)
			}
			// prod is a prod environment: a non_prod secret is refused there.
			bundle["instance"] = "prod"
			if out := run(1, "product-config", "apply", "--input-file", write("prod.json", bundle), "--apply"); !strings.Contains(out, "secret_class_not_allowed") {
				t.Fatalf("prod output: %s", out)
			}
			// Without a key, a bundle with secrets is refused.
			delete(env, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY")
			run(1, "product-config", "apply", "--input-file", file, "--dry-run")
			for _, f := range forms {
				if strings.Contains(all.String(), f) {
					t.Fatalf("output contains a form of the secret value %q", f)
				}
			}
		})
	}
}
