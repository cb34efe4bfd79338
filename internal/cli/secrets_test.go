package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// TestSecretsNeverEchoValues runs every secrets command (and its error
// paths) in-process on both engines and checks that neither the value nor
// its base64 or hex forms reach stdout or stderr.
func TestSecretsNeverEchoValues(t *testing.T) {
	const value = "Wk3-in-process-distinctive-value"
	forms := []string{value, base64.StdEncoding.EncodeToString([]byte(value)), hex.EncodeToString([]byte(value))}
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			url := engine.URL(t)
			file := filepath.Join(t.TempDir(), "value")
			if err := os.WriteFile(file, []byte(value+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"LAUNCHPLANE_DATABASE_URL": url, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY": "in-process-passphrase"}
			var all bytes.Buffer
			run := func(wantCode int, stdin string, args ...string) string {
				t.Helper()
				var out, errb bytes.Buffer
				code := cli.Main(context.Background(), args, cli.Env{
					Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
					Getenv: func(k string) string { return env[k] }, Now: time.Now,
				})
				if code != wantCode {
					t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out.String(), errb.String())
				}
				all.Write(out.Bytes())
				all.Write(errb.Bytes())
				return out.String()
			}
			base := []string{"secrets", "put", "--scope", "context_instance", "--context", "cm", "--instance", "prod",
				"--integration", "runtime_environment", "--name", "db", "--binding-key", "DB_PASSWORD"}
			run(0, "", append(base, "--value-file", file)...)
			run(0, value+"\n", append(base, "--value-stdin")...)
			run(0, "", append(base, "--value", value+"-2")...)
			run(0, "", "secrets", "list")
			run(0, "", "secrets", "show", "--secret-id", "secret-runtime-environment-db-cm-prod")
			run(0, "", "secrets", "relabel-binding", "--binding-id", "secret-runtime-environment-db-cm-prod-binding-db-password", "--binding-key", "DATABASE_PASSWORD")
			run(0, "", "secrets", "reencrypt", "--dry-run")
			run(0, "", "secrets", "reencrypt", "--apply")

			// The runtime-environment commands around the secret overlay.
			inst := []string{"--scope", "instance", "--context", "cm", "--instance", "prod"}
			run(0, "", append([]string{"environments", "put", "--set", "KEYCLOAK_URL=https://id.example", "--set", "WORKERS=4"}, inst...)...)
			if out := run(1, "", append([]string{"environments", "put", "--set", "API_KEY=" + value}, inst...)...); out != "" {
				t.Errorf("a refused put printed to stdout: %s", out)
			}
			run(0, "", append([]string{"environments", "unset", "--key", "WORKERS"}, inst...)...)
			run(1, "", append([]string{"environments", "unset", "--key", "KEYCLOAK_URL"}, inst...)...)
			run(0, "", append([]string{"environments", "relabel", "--source-label", "leak-test"}, inst...)...)
			run(0, "", "environments", "list")
			resolved := run(0, "", "environments", "resolve", "--context", "cm", "--instance", "prod")
			if !strings.Contains(resolved, `"DATABASE_PASSWORD": "<redacted>"`) {
				t.Errorf("resolve without --include-secret-values: %s", resolved)
			}
			run(0, "", append([]string{"environments", "delete-record", "--dry-run"}, inst...)...)
			// The one plaintext surface, kept out of the leak check: the
			// trusted-shell resolve returns the current value.
			var out, errb bytes.Buffer
			if code := cli.Main(context.Background(), []string{"environments", "resolve", "--context", "cm", "--instance", "prod", "--include-secret-values"},
				cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: time.Now}); code != 0 ||
				!strings.Contains(out.String(), `"DATABASE_PASSWORD": "`+value+`-2"`) {
				t.Errorf("resolve --include-secret-values: exit %d %s%s", code, out.String(), errb.String())
			}
			run(2, "", append(base, "--value", value, "--value-file", file)...)
			run(1, "", append(append([]string{}, base...), "--scope", "global", "--value", value)...)
			env["LAUNCHPLANE_MASTER_ENCRYPTION_KEY"] = "wrong-passphrase"
			run(1, "", append(base, "--value", value)...)
			run(1, "", "secrets", "reencrypt", "--dry-run")
			run(1, "", "environments", "resolve", "--context", "cm", "--instance", "prod")
			delete(env, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY")
			run(1, "", append(base, "--value", value)...)
			for _, form := range forms {
				if strings.Contains(all.String(), form) {
					t.Errorf("CLI output contains the value (form %q)", form)
				}
			}
			if strings.Contains(all.String(), "ciphertext") {
				t.Errorf("CLI output mentions ciphertext")
			}
		})
	}
}
