package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

// TestEnvironmentsLogs runs environments logs in-process on both engines
// against a simulator whose credentials are managed secrets: the lines
// come back redacted, and neither the Dokploy token nor a planted secret
// reaches stdout or stderr.
func TestEnvironmentsLogs(t *testing.T) {
	const token = "dokploy-token-Zx81-never-printed"
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			sim := dokploysim.New(dokploysim.Config{APIKey: token})
			srv := httptest.NewServer(sim)
			t.Cleanup(srv.Close)
			appID := targetstest.DeployedApp(t, srv.URL, token, sim)
			if err := sim.AppendLog(appID, "boot ok\nDB_PASSWORD=hunter2\nAuthorization: Bearer abc.def"); err != nil {
				t.Fatal(err)
			}

			url := engine.URL(t)
			s, err := sqlstore.OpenMigrated(ctx, url, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			targetstest.Track(t, s, record.DokployTarget{Context: "acme", Instance: "testing", TargetName: "acme-web",
				Env: map[string]string{}, UpdatedAt: "2026-08-01T00:00:00Z"}, appID)
			s.Close()

			env := map[string]string{"LAUNCHPLANE_DATABASE_URL": url, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY": "logs-test-passphrase"}
			var all bytes.Buffer
			run := func(wantCode int, stdin string, args ...string) string {
				t.Helper()
				var out, errb bytes.Buffer
				code := cli.Main(ctx, args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
					Getenv: func(k string) string { return env[k] }, Now: time.Now})
				if code != wantCode {
					t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out.String(), errb.String())
				}
				all.Write(out.Bytes())
				all.Write(errb.Bytes())
				return out.String() + errb.String()
			}
			logs := []string{"environments", "logs", "--context", "acme", "--instance", "testing"}

			// No credentials yet: a clear refusal that names the secrets.
			if got := run(1, "", logs...); !strings.Contains(got, "DOKPLOY_HOST and DOKPLOY_TOKEN") {
				t.Errorf("without credentials: %s", got)
			}
			put := []string{"secrets", "put", "--scope", "global", "--integration", "dokploy", "--value-stdin"}
			run(0, srv.URL+"\n", append(put, "--name", "dokploy-host", "--binding-key", "DOKPLOY_HOST")...)
			run(0, token+"\n", append(put, "--name", "dokploy-token", "--binding-key", "DOKPLOY_TOKEN")...)

			var res struct {
				Status  string `json:"status"`
				Context string `json:"context"`
				Target  struct {
					TargetID   string `json:"target_id"`
					TargetType string `json:"target_type"`
				} `json:"target"`
				Request struct {
					LineCount int    `json:"line_count"`
					Since     string `json:"since"`
				} `json:"request"`
				Logs struct {
					LineCount int      `json:"line_count"`
					Lines     []string `json:"lines"`
					Redacted  bool     `json:"redacted"`
				} `json:"logs"`
			}
			out := run(0, "", append(logs, "--lines", "2")...)
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("decode %s: %v", out, err)
			}
			if res.Status != "ok" || res.Target.TargetID != appID || res.Target.TargetType != "application" || res.Request.LineCount != 2 ||
				res.Request.Since != "all" || res.Logs.LineCount != 2 || !res.Logs.Redacted {
				t.Errorf("result: %s", out)
			}
			if len(res.Logs.Lines) != 2 || !strings.HasSuffix(res.Logs.Lines[0], " DB_PASSWORD=[redacted]") ||
				!strings.HasSuffix(res.Logs.Lines[1], " Authorization: Bearer [redacted]") {
				t.Errorf("lines: %q", res.Logs.Lines)
			}
			out = run(0, "", append(logs, "--search", "boot", "--since", "1h")...)
			if !strings.Contains(out, "boot ok") || strings.Contains(out, "[redacted]") {
				t.Errorf("search: %s", out)
			}

			// Refusals.
			run(2, "", append(logs, "--lines", "5000")...)
			run(2, "", append(logs, "--since", "yesterday")...)
			run(2, "", "environments", "logs", "--context", "acme")
			if got := run(1, "", "environments", "logs", "--context", "acme", "--instance", "prod"); !strings.Contains(got, "no Dokploy target record") {
				t.Errorf("untracked lane: %s", got)
			}
			env["LAUNCHPLANE_MASTER_ENCRYPTION_KEY"] = ""
			if got := run(1, "", logs...); strings.Contains(got, "DOKPLOY_HOST and") {
				t.Errorf("without a key the secrets should not look missing: %s", got)
			}

			for _, leak := range []string{token, "hunter2", "abc.def"} {
				if strings.Contains(all.String(), leak) {
					t.Errorf("output leaks %q:\n%s", leak, all.String())
				}
			}
		})
	}
}
