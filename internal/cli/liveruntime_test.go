package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/cli"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

// TestLiveTargetCLI runs environments show-live-target and
// apply-live-target through cli.Main on both engines against a simulated
// Dokploy application: usage errors, a dry-run that writes nothing, an
// apply that keeps unrelated live keys, refusals with their codes, and no
// value on stdout or stderr.
func TestLiveTargetCLI(t *testing.T) {
	const (
		simKey  = "cli-live-sim-key-91d0"
		secret  = "Cli-live-distinctive-secret-value"
		runtime = "Cli-live-distinctive-runtime-value"
		passKey = "cli-live-passphrase"
		initial = "UNRELATED=keep-me\nFOO=old"
	)
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			url := engine.URL(t)
			s, err := sqlstore.OpenMigrated(ctx, url, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sim := dokploysim.New(dokploysim.Config{APIKey: simKey})
			srv := httptest.NewServer(sim)
			defer srv.Close()
			client, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey})
			if err != nil {
				t.Fatal(err)
			}
			app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID()})
			if err != nil {
				t.Fatal(err)
			}
			image, env := "ghcr.io/acme/web@sha256:"+strings.Repeat("c", 64), initial
			if err := client.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: app.ApplicationID, DockerImage: &image}); err != nil {
				t.Fatal(err)
			}
			if err := client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: app.ApplicationID, Env: &env, CreateEnvFile: true}); err != nil {
				t.Fatal(err)
			}
			targetstest.Track(t, s, record.DokployTarget{Context: "cm", Instance: "testing", TargetName: "cm-testing"}, app.ApplicationID)
			if _, err := runtimeenv.New(s, time.Now, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
				map[string]any{"FOO": runtime}, "test"); err != nil {
				t.Fatal(err)
			}
			ring, err := crypto.LoadKeyRing(func(k string) string {
				if k == "LAUNCHPLANE_MASTER_ENCRYPTION_KEY" {
					return passKey
				}
				return ""
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			targetstest.PutDokployCredentials(t, s, ring, srv.URL, simKey,
				secrets.PutInput{Scope: record.SecretScopeContextInstance, Integration: record.IntegrationRuntimeEnvironment, Name: "smtp", Context: "cm", Instance: "testing",
					BindingKey: "SMTP_PASSWORD", Value: secret})
			targetstest.OwnLane(t, s, "cm", "cm", "testing", []string{"FOO"}, []string{"SMTP_PASSWORD"})

			vars := map[string]string{"LAUNCHPLANE_DATABASE_URL": url, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY": passKey}
			var all bytes.Buffer
			run := func(wantCode int, args ...string) string {
				t.Helper()
				var out, errb bytes.Buffer
				code := cli.Main(ctx, args, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
					Getenv: func(k string) string { return vars[k] }, Now: time.Now})
				all.Write(out.Bytes())
				all.Write(errb.Bytes())
				if code != wantCode {
					t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, wantCode, out.String(), errb.String())
				}
				return out.String() + errb.String()
			}
			posts := func() int {
				n := 0
				for _, r := range sim.Requests() {
					if r.Method == "POST" {
						n++
					}
				}
				return n
			}
			setup := posts()
			lane := []string{"--context", "cm", "--instance", "testing"}

			// show-live-target: identity, image, key names, readiness.
			out := run(0, append([]string{"environments", "show-live-target"}, lane...)...)
			var shown struct {
				CurrentImage      string   `json:"current_image"`
				EnvKeys           []string `json:"env_keys"`
				ArtifactReadiness struct {
					Ready bool `json:"ready"`
				} `json:"artifact_readiness"`
			}
			if err := json.Unmarshal([]byte(out), &shown); err != nil {
				t.Fatalf("show output: %v\n%s", err, out)
			}
			if shown.CurrentImage != image || !shown.ArtifactReadiness.Ready {
				t.Errorf("show: %s", out)
			}
			if diff := cmp.Diff([]string{"FOO", "UNRELATED"}, shown.EnvKeys); diff != "" {
				t.Errorf("env keys (-want +got):\n%s", diff)
			}

			// Usage errors exit 2.
			run(2, append([]string{"environments", "apply-live-target"}, lane...)...)
			run(2, append([]string{"environments", "apply-live-target", "--dry-run", "--apply"}, lane...)...)
			run(2, append([]string{"environments", "apply-live-target", "--dry-run", "--deploy"}, lane...)...)
			run(2, "environments", "apply-live-target", "--dry-run", "--context", "cm")

			// The dry-run reports key names (key safety unavailable: no policy yet) and writes nothing.
			out = run(0, append([]string{"environments", "apply-live-target", "--dry-run"}, lane...)...)
			if !strings.Contains(out, `"changed_keys": [
      "FOO",
      "SMTP_PASSWORD"
    ]`) || !strings.Contains(out, `"status": "unavailable"`) {
				t.Errorf("dry-run: %s", out)
			}
			// Apply needs a policy when something changes.
			out = run(1, append([]string{"environments", "apply-live-target", "--apply"}, lane...)...)
			if !strings.Contains(out, "runtime_key_safety_unavailable") {
				t.Errorf("apply without a policy: %s", out)
			}
			if posts() != setup {
				t.Fatal("the dry-run or a refused apply wrote to Dokploy")
			}
			if _, _, err := keysafety.Apply(ctx, s, []record.RuntimeSecretSafetyRule{{BindingKey: "SMTP_PASSWORD", SecretClass: record.SecretClassNonProd}}, "test", time.Now()); err != nil {
				t.Fatal(err)
			}
			out = run(0, append([]string{"environments", "apply-live-target", "--apply"}, lane...)...)
			if !strings.Contains(out, `"env_updated": true`) || !strings.Contains(out, `"status": "passed"`) {
				t.Errorf("apply: %s", out)
			}
			got, err := client.Application(ctx, app.ApplicationID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("UNRELATED=keep-me\nFOO="+runtime+"\nSMTP_PASSWORD="+secret, *got.Env); diff != "" {
				t.Errorf("live env (-want +got):\n%s", diff)
			}

			// A held lane refuses an apply before Dokploy is called; a dry-run still reads.
			release, err := targets.ReserveLane(ctx, s, time.Now, "cm", "testing", "deploy", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			requests := len(sim.Requests())
			out = run(1, append([]string{"environments", "apply-live-target", "--apply"}, lane...)...)
			if !strings.Contains(out, "lane_busy") || len(sim.Requests()) != requests {
				t.Errorf("apply on a held lane (%d Dokploy requests): %s", len(sim.Requests())-requests, out)
			}
			run(0, append([]string{"environments", "apply-live-target", "--dry-run"}, lane...)...)
			release()

			// Refusals.
			out = run(1, "environments", "apply-live-target", "--dry-run", "--context", "cm", "--instance", "prod")
			if !strings.Contains(out, "tracked_target_not_found") {
				t.Errorf("untracked lane: %s", out)
			}

			// Scoping to the owning profile's expected_config: a resolved key
			// it does not expect is never synced.
			if _, err := runtimeenv.New(s, time.Now, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
				map[string]any{"FOO": runtime, "UNEXPECTED": "not-for-this-product"}, "test"); err != nil {
				t.Fatal(err)
			}
			out = run(0, append([]string{"environments", "apply-live-target", "--apply"}, lane...)...)
			if strings.Contains(out, "UNEXPECTED") || !strings.Contains(out, `"env_updated": false`) {
				t.Errorf("apply with an unexpected key: %s", out)
			}
			if got, err = client.Application(ctx, app.ApplicationID); err != nil || strings.Contains(*got.Env, "UNEXPECTED") {
				t.Errorf("the unexpected key reached the live env (%v)", err)
			}
			// An expected secret binding without a value.
			targetstest.OwnLane(t, s, "cm", "cm", "testing", []string{"FOO"}, []string{"SMTP_PASSWORD", "API_TOKEN"})
			out = run(1, append([]string{"environments", "apply-live-target", "--dry-run"}, lane...)...)
			if !strings.Contains(out, "runtime_secret_values_missing") || !strings.Contains(out, "API_TOKEN") {
				t.Errorf("missing secret: %s", out)
			}
			// No profile owns the lane: refused before Dokploy is called.
			if _, err := s.DB().Exec("DELETE FROM launchplane_product_profiles"); err != nil {
				t.Fatal(err)
			}
			requests = len(sim.Requests())
			for _, mode := range []string{"--dry-run", "--apply"} {
				out = run(1, append([]string{"environments", "apply-live-target", mode}, lane...)...)
				if !strings.Contains(out, "product_lane_not_found") {
					t.Errorf("%s on an unowned lane: %s", mode, out)
				}
			}
			if n := len(sim.Requests()) - requests; n != 0 {
				t.Errorf("an unowned lane sent %d requests to Dokploy", n)
			}

			delete(vars, "LAUNCHPLANE_MASTER_ENCRYPTION_KEY")
			out = run(1, append([]string{"environments", "show-live-target"}, lane...)...)
			if !strings.Contains(out, "no secret encryption key configured") {
				t.Errorf("without the master key: %s", out)
			}
			for _, v := range []string{secret, runtime, simKey, "keep-me"} {
				if strings.Contains(all.String(), v) {
					t.Fatalf("the CLI printed a value (%q)", v)
				}
			}
		})
	}
}
