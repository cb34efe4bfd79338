package liveruntime_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/liveruntime"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

const (
	simKey       = "sim-key-liveruntime-5b1e"
	runtimeValue = "Rt-distinctive-runtime-value-7731"
	secretValue  = "Sx-distinctive-secret-value-9142"
	initialEnv   = "# edited by hand\nUNRELATED=keep-me\nFOO=old\n"
)

var now = time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// fixture is one lane cm/testing tracked to a simulated Dokploy
// application, with runtime records, a managed secret, Dokploy
// credentials, a key-safety policy and product cm's profile owning the
// lane and expecting every key the fixture plants, in a real store.
type fixture struct {
	t      *testing.T
	s      *sqlstore.Store
	sim    *dokploysim.Sim
	tamper *dokploysim.Tamperer
	url    string
	client *dokploy.Client
	ring   *crypto.KeyRing
	sec    *secrets.Service
	appID  string
}

func eachEngine(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(t, newFixture(t, engine.URL(t))) })
	}
}

func newFixture(t *testing.T, url string) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.OpenMigrated(ctx, url, sqlstore.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sim := dokploysim.New(dokploysim.Config{APIKey: simKey, Now: clock})
	tamper := dokploysim.NewTamperer(sim)
	srv := httptest.NewServer(tamper)
	t.Cleanup(srv.Close)
	client, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := crypto.NewMasterKeyRing(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, s: s, sim: sim, tamper: tamper, url: srv.URL, client: client, ring: ring, sec: secrets.New(s, ring, clock, nil)}

	app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID()})
	if err != nil {
		t.Fatal(err)
	}
	f.appID = app.ApplicationID
	image := "ghcr.io/acme/web@sha256:" + strings.Repeat("a", 64)
	if err := client.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: f.appID, DockerImage: &image}); err != nil {
		t.Fatal(err)
	}
	env, buildArgs, buildSecrets := initialEnv, "NODE_ENV=production", "NPM_TOKEN=build-only"
	if err := client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: f.appID, Env: &env, BuildArgs: &buildArgs, BuildSecrets: &buildSecrets, CreateEnvFile: true}); err != nil {
		t.Fatal(err)
	}
	f.track("testing", record.TargetApplication, f.appID)
	if _, err := runtimeenv.New(s, clock, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
		map[string]any{"FOO": runtimeValue, "WORKERS": 4, "DEBUG": false}, "test"); err != nil {
		t.Fatal(err)
	}
	f.putSecret(secrets.PutInput{Scope: record.SecretScopeGlobal, Integration: targets.IntegrationDokploy, Name: "dokploy-host", BindingKey: targets.KeyDokployHost, Value: crypto.Redacted(srv.URL)})
	f.putSecret(secrets.PutInput{Scope: record.SecretScopeGlobal, Integration: targets.IntegrationDokploy, Name: "dokploy-token", BindingKey: targets.KeyDokployToken, Value: simKey})
	f.putSecret(secrets.PutInput{Scope: record.SecretScopeContextInstance, Integration: record.IntegrationRuntimeEnvironment, Name: "smtp",
		Context: "cm", Instance: "testing", BindingKey: "SMTP_PASSWORD", Value: secretValue})
	f.policy(record.RuntimeSecretSafetyRule{BindingKey: "SMTP_PASSWORD", SecretClass: record.SecretClassNonProd})
	f.own("testing", fixtureRuntimeKeys, "SMTP_PASSWORD")
	return f
}

// fixtureRuntimeKeys are the non-secret keys the fixture resolves for
// cm/testing: its runtime records and the tracked target's env.
var fixtureRuntimeKeys = []string{"DEBUG", "FOO", "TARGET_ONLY", "WORKERS"}

// own makes product cm's profile own cm/<instance> and expect exactly
// runtimeKeys and the secret binding keys there.
func (f *fixture) own(instance string, runtimeKeys []string, secretKeys ...string) {
	f.t.Helper()
	targetstest.OwnLane(f.t, f.s, "cm", "cm", instance, runtimeKeys, secretKeys)
}

// track stores the target and target-id records of cm/<instance>.
func (f *fixture) track(instance, targetType, id string) {
	f.t.Helper()
	ctx := context.Background()
	err := f.s.Update(ctx, func(tx store.Tx) error {
		if err := tx.DokployTargetPut(ctx, record.DokployTarget{SchemaVersion: 1, Context: "cm", Instance: instance, TargetType: targetType,
			TargetName: "cm-" + instance, SourceGitRef: "origin/main", Env: map[string]string{"TARGET_ONLY": "t"},
			UpdatedAt: record.FormatTime(now), SourceLabel: "test"}); err != nil {
			return err
		}
		return tx.DokployTargetIDPut(ctx, record.DokployTargetID{SchemaVersion: 1, Context: "cm", Instance: instance, TargetID: id,
			UpdatedAt: record.FormatTime(now), SourceLabel: "test"})
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) putSecret(in secrets.PutInput) {
	f.t.Helper()
	if _, err := f.sec.Put(context.Background(), in); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) policy(rules ...record.RuntimeSecretSafetyRule) {
	f.t.Helper()
	if _, _, err := keysafety.Apply(context.Background(), f.s, rules, "test", now); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) service(mutate func(c *liveruntime.Config)) *liveruntime.Service {
	cfg := liveruntime.Wire(f.s, f.ring, clock, dokploy.Config{Backoff: func(int) time.Duration { return 0 }})
	if mutate != nil {
		mutate(&cfg)
	}
	return liveruntime.New(cfg)
}

// app reads the application's stored env, build args and build secrets.
func (f *fixture) app() *dokploy.Application {
	f.t.Helper()
	a, err := f.client.Application(context.Background(), f.appID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// exec runs a statement that removes authority the fixture planted.
func (f *fixture) exec(query string) {
	f.t.Helper()
	if _, err := f.s.DB().Exec(query); err != nil {
		f.t.Fatal(err)
	}
}

// createCompose creates a compose in the simulator (the client has no
// compose.create: Launchplane never creates one outside setup).
func (f *fixture) createCompose() string {
	f.t.Helper()
	body := strings.NewReader(`{"name":"odoo","environmentId":"` + f.sim.DefaultEnvironmentID() + `","composeFile":"services: {}"}`)
	req, err := http.NewRequest("POST", f.url+"/api/compose.create", body)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("x-api-key", simKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		ComposeID string `json:"composeId"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || created.ComposeID == "" {
		f.t.Fatalf("create compose: %d %v", resp.StatusCode, err)
	}
	return created.ComposeID
}

// writes counts the POSTs (mutations) the simulator has served.
func (f *fixture) writes() int {
	n := 0
	for _, r := range f.sim.Requests() {
		if r.Method == "POST" {
			n++
		}
	}
	return n
}

// noValues fails if v's JSON holds a planted value or the Dokploy key.
func noValues(t *testing.T, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{runtimeValue, secretValue, simKey, "keep-me", "build-only"} {
		if strings.Contains(string(raw), s) {
			t.Fatalf("result carries a value (%q): %s", s, raw)
		}
	}
}

func codeOf(err error) string {
	var e *liveruntime.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func dry() liveruntime.Request {
	return liveruntime.Request{Context: "cm", Instance: "testing", Mode: liveruntime.ModeDryRun}
}

func apply() liveruntime.Request {
	return liveruntime.Request{Context: "cm", Instance: "testing", Mode: liveruntime.ModeApply}
}

var wantDelta = liveruntime.Delta{
	DesiredKeyCount: 5, LiveKeyCount: 2,
	MissingKeys:          []string{"DEBUG", "SMTP_PASSWORD", "TARGET_ONLY", "WORKERS"},
	DifferentKeys:        []string{"FOO"},
	ChangedKeys:          []string{"DEBUG", "FOO", "SMTP_PASSWORD", "TARGET_ONLY", "WORKERS"},
	SkippedExecutionKeys: []string{},
}

// TestDryRun reports the delta by key name and writes nothing.
func TestDryRun(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		before := f.writes()
		res, err := f.service(nil).Run(context.Background(), dry())
		if err != nil {
			t.Fatal(err)
		}
		want := liveruntime.Result{Status: "ok", Mode: "dry-run", Context: "cm", Instance: "testing",
			TrackedTarget:      liveruntime.TrackedTarget{TargetID: f.appID, TargetType: "application", TargetName: "cm-testing"},
			RuntimeEnvironment: wantDelta,
			RuntimeKeySafety: liveruntime.KeySafetyOut{Status: "pass", PolicyRecordID: res.RuntimeKeySafety.PolicyRecordID, PolicySHA256: res.RuntimeKeySafety.PolicySHA256,
				Target:             keysafety.Target{Context: "cm", Instance: "testing", EnvironmentClass: "testing"},
				CheckedBindingKeys: []string{"SMTP_PASSWORD"}, Findings: []keysafety.Finding{}},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("dry-run (-want +got):\n%s", diff)
		}
		if res.RuntimeKeySafety.PolicyRecordID == "" || res.RuntimeKeySafety.PolicySHA256 == "" {
			t.Errorf("key safety names no policy: %+v", res.RuntimeKeySafety)
		}
		if got := f.writes(); got != before {
			t.Errorf("dry-run sent %d POSTs to Dokploy", got-before)
		}
		if got := *f.app().Env; got != initialEnv {
			t.Errorf("dry-run changed the env: %q", got)
		}
		noValues(t, res)
	})
}

// TestApply merges the desired keys into the live env, keeps every other
// line and the build settings, verifies by read-back, and is a no-op the
// second time.
func TestApply(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		svc := f.service(nil)
		res, err := svc.Run(ctx, apply())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantDelta, res.RuntimeEnvironment); diff != "" {
			t.Errorf("delta (-want +got):\n%s", diff)
		}
		wantApply := liveruntime.ApplyOut{Applied: true, EnvUpdated: true, Verification: &liveruntime.Verification{
			Status: "passed", MissingKeys: []string{}, DifferentKeys: []string{}, VerifiedKeyCount: 5}}
		if diff := cmp.Diff(wantApply, res.Apply); diff != "" {
			t.Errorf("apply (-want +got):\n%s", diff)
		}
		if !res.RuntimeKeySafety.Required || res.RuntimeKeySafety.Status != "pass" {
			t.Errorf("key safety: %+v", res.RuntimeKeySafety)
		}
		noValues(t, res)

		a := f.app()
		wantEnv := "# edited by hand\nUNRELATED=keep-me\nFOO=" + runtimeValue + "\nDEBUG=false\nSMTP_PASSWORD=" + secretValue + "\nTARGET_ONLY=t\nWORKERS=4"
		if diff := cmp.Diff(wantEnv, *a.Env); diff != "" {
			t.Errorf("stored env (-want +got):\n%s", diff)
		}
		if *a.BuildArgs != "NODE_ENV=production" || *a.BuildSecrets != "NPM_TOKEN=build-only" || !a.CreateEnvFile {
			t.Errorf("build settings lost: %v %v %v", *a.BuildArgs, *a.BuildSecrets, a.CreateEnvFile)
		}

		before := f.writes()
		again, err := svc.Run(ctx, apply())
		if err != nil {
			t.Fatal(err)
		}
		if len(again.RuntimeEnvironment.ChangedKeys) != 0 || again.RuntimeEnvironment.UnchangedKeyCount != 5 || again.Apply.EnvUpdated ||
			again.Apply.Verification.Status != "skipped" || again.RuntimeKeySafety.Status != "skipped" || again.RuntimeKeySafety.Required {
			t.Errorf("second apply: %+v", again)
		}
		if f.writes() != before {
			t.Error("an apply without changes wrote to Dokploy")
		}
	})
}

// TestApplyCompose writes a compose target through compose.update.
func TestApplyCompose(t *testing.T) {
	f := newFixture(t, sqltest.SQLiteURL(t))
	ctx := context.Background()
	composeID := f.createCompose()
	if err := f.client.UpdateComposeEnv(ctx, composeID, "KEEP=1\nFOO=old"); err != nil {
		t.Fatal(err)
	}
	f.track("prod", record.TargetCompose, composeID)
	f.own("prod", []string{"FOO", "TARGET_ONLY"})
	if _, err := runtimeenv.New(f.s, clock, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "prod"},
		map[string]any{"FOO": "new"}, "test"); err != nil {
		t.Fatal(err)
	}
	res, err := f.service(nil).Run(ctx, liveruntime.Request{Context: "cm", Instance: "prod", Mode: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	if res.TrackedTarget.TargetType != "compose" || !res.Apply.EnvUpdated || res.Apply.Verification.VerifiedKeyCount != 2 {
		t.Errorf("compose apply: %+v", res)
	}
	got, err := f.client.Compose(ctx, composeID)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Env != "KEEP=1\nFOO=new\nTARGET_ONLY=t" {
		t.Errorf("compose env: %q", *got.Env)
	}
}

// TestVerificationFailure: Dokploy accepts the write but stores something
// else; the apply fails naming the keys, never their values.
func TestVerificationFailure(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		if err := f.tamper.TamperNextEnvWrite(f.appID, dokploysim.EnvTamper{Drop: []string{"SMTP_PASSWORD"}, Set: map[string]string{"FOO": "stale"}}); err != nil {
			t.Fatal(err)
		}
		_, err := f.service(nil).Run(context.Background(), apply())
		var e *liveruntime.Error
		if !errors.As(err, &e) || e.Code != liveruntime.CodeDokployTargetVerificationFailed {
			t.Fatalf("got %v, want %s", err, liveruntime.CodeDokployTargetVerificationFailed)
		}
		if diff := cmp.Diff([]string{"SMTP_PASSWORD"}, e.MissingKeys); diff != "" {
			t.Errorf("missing keys (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"FOO"}, e.DifferentKeys); diff != "" {
			t.Errorf("different keys (-want +got):\n%s", diff)
		}
		if strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), runtimeValue) || strings.Contains(err.Error(), "stale") {
			t.Errorf("error carries a value: %v", err)
		}
	})
}

// TestRefusals covers the refusal codes of §8.1 and what each leaves
// untouched.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(f *fixture)
		cfg   func(c *liveruntime.Config)
		req   liveruntime.Request
		code  string
	}{
		{name: "untracked lane", req: liveruntime.Request{Context: "cm", Instance: "prod", Mode: "dry-run"}, code: liveruntime.CodeTrackedTargetNotFound},
		{name: "no mode", req: liveruntime.Request{Context: "cm", Instance: "testing"}, code: liveruntime.CodeInvalidRequest},
		{name: "deploy on a dry-run", req: liveruntime.Request{Context: "cm", Instance: "testing", Mode: "dry-run", Deploy: true}, code: liveruntime.CodeInvalidRequest},
		{name: "no_cache without deploy", req: liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", NoCache: true}, code: liveruntime.CodeInvalidRequest},
		{name: "deploy not wired", cfg: func(c *liveruntime.Config) { c.Deploy = nil },
			req: liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true}, code: liveruntime.CodeDeployUnavailable},
		{name: "no credentials", setup: func(f *fixture) {
			f.exec("DELETE FROM launchplane_secret_bindings WHERE binding_key = 'DOKPLOY_TOKEN'")
		}, req: apply(), code: liveruntime.CodeDokployCredentialsMissing},
		{name: "revoked key", setup: func(f *fixture) { f.sim.RevokeKey() }, req: dry(), code: liveruntime.CodeDokployTargetReadFailed},
		{name: "provider down", setup: func(f *fixture) { f.sim.FailNextRequests(10) }, req: dry(), code: liveruntime.CodeDokployTargetReadFailed},
		{name: "no runtime records", setup: func(f *fixture) { f.exec("DELETE FROM launchplane_runtime_environments") }, req: dry(), code: liveruntime.CodeRuntimeEnvironmentUnavailable},
		{name: "multi-line value", setup: func(f *fixture) {
			if _, err := runtimeenv.New(f.s, clock, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
				map[string]any{"PEM": "a\nb"}, "test"); err != nil {
				t.Fatal(err)
			}
			f.own("testing", append([]string{"PEM"}, fixtureRuntimeKeys...), "SMTP_PASSWORD")
		}, req: dry(), code: liveruntime.CodeRuntimeEnvironmentUnavailable},
		{name: "no policy on apply", setup: func(f *fixture) { f.exec("DELETE FROM launchplane_runtime_key_safety_policies") }, req: apply(), code: liveruntime.CodeRuntimeKeySafetyUnavailable},
		{name: "policy refuses the secret", setup: func(f *fixture) {
			f.policy(record.RuntimeSecretSafetyRule{BindingKey: "SMTP_PASSWORD", SecretClass: record.SecretClassProdOnly})
		}, req: apply(), code: liveruntime.CodeRuntimeKeySafetyFailed},
		{name: "expected keys: none", cfg: func(c *liveruntime.Config) {
			c.ExpectedKeys = func(context.Context, string, string, string) (liveruntime.ExpectedConfig, error) {
				return liveruntime.ExpectedConfig{RuntimeKeys: []string{"NOT_RESOLVED"}}, nil
			}
		}, req: dry(), code: liveruntime.CodeRuntimeEnvironmentEmpty},
		{name: "expected keys: secret missing", cfg: func(c *liveruntime.Config) {
			c.ExpectedKeys = func(context.Context, string, string, string) (liveruntime.ExpectedConfig, error) {
				return liveruntime.ExpectedConfig{RuntimeKeys: []string{"FOO"}, SecretBindingKeys: []string{"SMTP_PASSWORD", "API_TOKEN"}}, nil
			}
		}, req: dry(), code: liveruntime.CodeRuntimeSecretValuesMissing},
		{name: "expected keys: lane not owned", cfg: func(c *liveruntime.Config) {
			c.ExpectedKeys = func(context.Context, string, string, string) (liveruntime.ExpectedConfig, error) {
				return liveruntime.ExpectedConfig{}, liveruntime.ErrProductLaneNotFound
			}
		}, req: dry(), code: liveruntime.CodeProductLaneNotFound},
		{name: "deploy failure after a verified write", cfg: func(c *liveruntime.Config) {
			c.Deploy = func(context.Context, targets.Tracked, bool, time.Duration) (liveruntime.DeployResult, error) {
				return liveruntime.DeployResult{}, errors.New("deployment ended in error")
			}
		}, req: liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true}, code: liveruntime.CodeDokployDeployFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sqltest.SQLiteURL(t))
			if tt.setup != nil {
				tt.setup(f)
			}
			cfg := tt.cfg
			if cfg == nil {
				cfg = func(c *liveruntime.Config) {}
			}
			before := f.writes()
			_, err := f.service(cfg).Run(ctx, tt.req)
			if got := codeOf(err); got != tt.code {
				t.Fatalf("got %v, want code %s", err, tt.code)
			}
			if err != nil && (strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), simKey)) {
				t.Errorf("error carries a value: %v", err)
			}
			if tt.code != liveruntime.CodeDokployDeployFailed && f.writes() != before {
				t.Errorf("a refused request wrote to Dokploy")
			}
		})
	}
}

// TestProductScoping: Wire scopes the sync to the owning product profile's
// expected_config (service.md §8.1 step 3). A lane no profile owns, or
// not the named product's, fails closed before Dokploy is called; a
// profile expecting nothing syncs nothing; an expected secret without a
// value refuses; a resolved key the profile does not expect is never
// written.
func TestProductScoping(t *testing.T) {
	ctx := context.Background()
	refusals := []struct {
		name  string
		setup func(f *fixture)
		req   liveruntime.Request
		code  string
		is    error
	}{
		{name: "no profile owns the lane", setup: func(f *fixture) { f.exec("DELETE FROM launchplane_product_profiles") },
			req: apply(), code: liveruntime.CodeProductLaneNotFound, is: store.ErrNotFound},
		{name: "the owning profile has another lane only", setup: func(f *fixture) {
			f.exec("DELETE FROM launchplane_product_profiles")
			f.own("prod", []string{"FOO"})
		}, req: dry(), code: liveruntime.CodeProductLaneNotFound},
		{name: "the named product does not own the lane", setup: func(f *fixture) {
			targetstest.OwnLane(f.t, f.s, "other", "other", "testing", []string{"FOO"}, nil)
		}, req: liveruntime.Request{Product: "other", Context: "cm", Instance: "testing", Mode: "apply"}, code: liveruntime.CodeProductLaneNotFound},
		{name: "the named product has no profile", req: liveruntime.Request{Product: "ghost", Context: "cm", Instance: "testing", Mode: "dry-run"},
			code: liveruntime.CodeProductLaneNotFound},
		{name: "two profiles own the lane", setup: func(f *fixture) {
			// Profile writes refuse a second owner (products.ErrLaneClaimed);
			// a clash stored before that rule is written straight to the
			// store, and resolution still fails closed on it.
			twin, err := products.Get(context.Background(), f.s, "cm")
			if err != nil {
				f.t.Fatal(err)
			}
			twin.Product = "twin"
			if err := f.s.Update(context.Background(), func(tx store.Tx) error { return tx.ProductProfilePut(context.Background(), twin) }); err != nil {
				f.t.Fatal(err)
			}
		}, req: apply(), is: store.ErrConflict},
		{name: "no expected keys", setup: func(f *fixture) { f.own("testing", nil) }, req: apply(), code: liveruntime.CodeRuntimeEnvironmentEmpty},
		{name: "expected keys none resolved", setup: func(f *fixture) { f.own("testing", []string{"NOT_RESOLVED"}) }, req: dry(), code: liveruntime.CodeRuntimeEnvironmentEmpty},
		{name: "expected secret without a value", setup: func(f *fixture) { f.own("testing", fixtureRuntimeKeys, "SMTP_PASSWORD", "API_TOKEN") },
			req: apply(), code: liveruntime.CodeRuntimeSecretValuesMissing},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, sqltest.SQLiteURL(t))
			if tt.setup != nil {
				tt.setup(f)
			}
			before := len(f.sim.Requests())
			_, err := f.service(nil).Run(ctx, tt.req)
			if err == nil || codeOf(err) != tt.code || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("got %v, want code %q (is %v)", err, tt.code, tt.is)
			}
			if n := len(f.sim.Requests()) - before; n != 0 {
				t.Errorf("a refused sync sent %d requests to Dokploy", n)
			}
			var e *liveruntime.Error
			if tt.code == liveruntime.CodeRuntimeSecretValuesMissing && (!errors.As(err, &e) || !cmp.Equal([]string{"API_TOKEN"}, e.MissingKeys)) {
				t.Errorf("missing keys: %v", err)
			}
			if strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), runtimeValue) {
				t.Errorf("error carries a value: %v", err)
			}
		})
	}

	// A resolved key the profile does not expect (DEBUG) is not synced;
	// naming the owning product is allowed.
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.own("testing", []string{"FOO", "TARGET_ONLY", "WORKERS"}, "SMTP_PASSWORD")
		req := apply()
		req.Product = "cm"
		res, err := f.service(nil).Run(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"FOO", "SMTP_PASSWORD", "TARGET_ONLY", "WORKERS"}, res.RuntimeEnvironment.ChangedKeys); diff != "" {
			t.Errorf("changed keys (-want +got):\n%s", diff)
		}
		if res.RuntimeEnvironment.DesiredKeyCount != 4 || res.Apply.Verification.VerifiedKeyCount != 4 {
			t.Errorf("counts: %+v %+v", res.RuntimeEnvironment, res.Apply.Verification)
		}
		live := dokploy.ParseEnv(*f.app().Env)
		if _, ok := live["DEBUG"]; ok {
			t.Errorf("the unexpected key DEBUG reached the live env: %q", *f.app().Env)
		}
		if live["FOO"] != runtimeValue || live["WORKERS"] != "4" || live["SMTP_PASSWORD"] != secretValue {
			t.Errorf("expected keys not synced: %v", dokploy.ParseEnv(*f.app().Env)["WORKERS"])
		}
	})
}

// TestDryRunWithoutPolicy reports key safety as unavailable instead of
// refusing, and ExpectedKeys narrows the delta to the declared keys.
func TestDryRunWithoutPolicy(t *testing.T) {
	f := newFixture(t, sqltest.SQLiteURL(t))
	f.exec("DELETE FROM launchplane_runtime_key_safety_policies")
	res, err := f.service(func(c *liveruntime.Config) {
		c.ExpectedKeys = func(context.Context, string, string, string) (liveruntime.ExpectedConfig, error) {
			return liveruntime.ExpectedConfig{RuntimeKeys: []string{"FOO", "UNRELATED"}, SecretBindingKeys: []string{"SMTP_PASSWORD"}}, nil
		}
	}).Run(context.Background(), dry())
	if err != nil {
		t.Fatal(err)
	}
	if res.RuntimeKeySafety.Status != "unavailable" || res.RuntimeKeySafety.Required {
		t.Errorf("key safety: %+v", res.RuntimeKeySafety)
	}
	if diff := cmp.Diff([]string{"FOO", "SMTP_PASSWORD"}, res.RuntimeEnvironment.ChangedKeys); diff != "" {
		t.Errorf("scoped changed keys (-want +got):\n%s", diff)
	}
}

// TestDeploySeam passes no_cache and the timeout (request, else target) to
// the deploy seam, and deploys even when the env is already in sync.
func TestDeploySeam(t *testing.T) {
	f := newFixture(t, sqltest.SQLiteURL(t))
	type call struct {
		ID      string
		NoCache bool
		Timeout time.Duration
	}
	var calls []call
	svc := f.service(func(c *liveruntime.Config) {
		c.Deploy = func(_ context.Context, tr targets.Tracked, noCache bool, timeout time.Duration) (liveruntime.DeployResult, error) {
			calls = append(calls, call{tr.TargetID(), noCache, timeout})
			return liveruntime.DeployResult{DeploymentID: "dep-1", Status: "done"}, nil
		}
	})
	ctx := context.Background()
	res, err := svc.Run(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true, NoCache: true, TimeoutSeconds: 90})
	if err != nil {
		t.Fatal(err)
	}
	want := liveruntime.DeployOut{Requested: true, Triggered: true, Result: &liveruntime.DeployResult{DeploymentID: "dep-1", Status: "done"}}
	if diff := cmp.Diff(want, res.Deploy); diff != "" {
		t.Errorf("deploy (-want +got):\n%s", diff)
	}
	if _, err := svc.Run(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true}); err != nil {
		t.Fatal(err)
	}
	wantCalls := []call{{f.appID, true, 90 * time.Second}, {f.appID, false, 0}}
	if diff := cmp.Diff(wantCalls, calls); diff != "" {
		t.Errorf("deploy calls (-want +got):\n%s", diff)
	}
}

// TestShow reports the live target's identity, env key names and
// artifact readiness, never values.
func TestShow(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		got, err := f.service(nil).Show(ctx, "cm", "testing")
		if err != nil {
			t.Fatal(err)
		}
		want := liveruntime.LiveTarget{Status: "ok", Context: "cm", Instance: "testing",
			TrackedTarget: liveruntime.TrackedTarget{TargetID: f.appID, TargetType: "application", TargetName: "cm-testing"},
			LiveName:      "web", SourceType: "docker", TargetStatus: got.TargetStatus,
			CurrentImage: "ghcr.io/acme/web@sha256:" + strings.Repeat("a", 64),
			EnvKeys:      []string{"FOO", "UNRELATED"}, EnvKeyCount: 2,
			ArtifactReadiness: liveruntime.Readiness{Ready: true, Blockers: []liveruntime.Blocker{}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("show application (-want +got):\n%s", diff)
		}
		noValues(t, got)

		// A compose without DOCKER_IMAGE_REFERENCE, with mutable addon refs.
		composeID := f.createCompose()
		sha := strings.Repeat("b", 40)
		addons := "https://x-access-token:" + simKey + "@github.com/acme/shared-addons.git@main, acme/pinned@" + sha + ",acme/floating"
		if err := f.client.UpdateComposeEnv(ctx, composeID, "ODOO_ADDON_REPOSITORIES="+addons+"\nODOO_DB_PASSWORD="+secretValue); err != nil {
			t.Fatal(err)
		}
		f.track("prod", record.TargetCompose, composeID)
		got, err = f.service(nil).Show(ctx, "cm", "prod")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"ODOO_ADDON_REPOSITORIES", "ODOO_DB_PASSWORD"}, got.EnvKeys); diff != "" {
			t.Errorf("compose env keys (-want +got):\n%s", diff)
		}
		var codes []string
		for _, b := range got.ArtifactReadiness.Blockers {
			codes = append(codes, b.Code)
		}
		if diff := cmp.Diff([]string{"docker_image_reference_missing", "mutable_addon_refs"}, codes); diff != "" {
			t.Errorf("blockers (-want +got):\n%s", diff)
		}
		if got.ArtifactReadiness.Ready || got.ArtifactReadiness.DockerImageReferencePresent || got.CurrentImage != "" {
			t.Errorf("compose readiness: %+v", got)
		}
		if detail := got.ArtifactReadiness.Blockers[1].Detail; !strings.Contains(detail, "floating, shared-addons.") || strings.Contains(detail, "pinned") {
			t.Errorf("mutable addon detail: %q", detail)
		}
		noValues(t, got)

		if _, err := f.service(nil).Show(ctx, "cm", "staging"); codeOf(err) != liveruntime.CodeTrackedTargetNotFound {
			t.Errorf("untracked show: %v", err)
		}
	})
}

// TestDeployWired deploys through Wire's real seam (deploy.Executor
// Redeploy) against the simulator: the written env goes live; a deploy
// that ends in error is dokploy_deploy_failed and keeps the old live env.
func TestDeployWired(t *testing.T) {
	f := newFixture(t, sqltest.SQLiteURL(t))
	ctx := context.Background()
	res, err := f.service(nil).Run(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true, TimeoutSeconds: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Deploy.Triggered || res.Deploy.Result == nil || res.Deploy.Result.Status != "pass" || res.Deploy.Result.DeploymentID == "" {
		t.Fatalf("deploy: %+v", res.Deploy)
	}
	live, ok := f.sim.LiveEnv(f.appID)
	if !ok || !strings.Contains(live, "FOO="+runtimeValue) || !strings.Contains(live, "UNRELATED=keep-me") {
		t.Errorf("live env after the deploy: %q, %v", live, ok)
	}
	noValues(t, res)

	if err := f.sim.FailNextDeploy(f.appID); err != nil {
		t.Fatal(err)
	}
	_, err = f.service(nil).Run(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true, TimeoutSeconds: 30})
	var e *liveruntime.Error
	if !errors.As(err, &e) || e.Code != liveruntime.CodeDokployDeployFailed || !strings.Contains(e.Message, "(deployment ") {
		t.Fatalf("failed deploy: %v", err)
	}
	if again, _ := f.sim.LiveEnv(f.appID); again != live {
		t.Errorf("a failed deploy changed the live env")
	}
}

// TestExecutionOwnedKeysNeverSynced: the image reference and the runtime
// identity keys are execution's alone. A runtime record that sets them is
// reported, never written, even by an apply that deploys.
func TestExecutionOwnedKeysNeverSynced(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		recorded := "ghcr.io/acme/web@sha256:" + strings.Repeat("c", 64)
		env := initialEnv + targets.EnvImageReference + "=" + recorded + "\n"
		if err := f.client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: f.appID, Env: &env}); err != nil {
			t.Fatal(err)
		}
		if _, err := runtimeenv.New(f.s, clock, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
			map[string]any{"FOO": runtimeValue, targets.EnvImageReference: "ghcr.io/evil/other:latest", targets.EnvArtifactID: "artifact-x",
				targets.EnvRuntimeIdentity: `{"x":1}`}, "test"); err != nil {
			t.Fatal(err)
		}
		// The profile expects them too: skipping them is not scoping's doing.
		f.own("testing", append([]string{targets.EnvImageReference, targets.EnvArtifactID, targets.EnvRuntimeIdentity}, fixtureRuntimeKeys...), "SMTP_PASSWORD")
		deploys := 0
		svc := f.service(func(c *liveruntime.Config) {
			c.Deploy = func(context.Context, targets.Tracked, bool, time.Duration) (liveruntime.DeployResult, error) {
				deploys++
				return liveruntime.DeployResult{DeploymentID: "dep-1", Status: "pass"}, nil
			}
		})
		wantSkipped := []string{targets.EnvImageReference, targets.EnvArtifactID, targets.EnvRuntimeIdentity}
		plan, err := svc.Run(ctx, dry())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantSkipped, plan.RuntimeEnvironment.SkippedExecutionKeys); diff != "" {
			t.Errorf("dry-run skipped keys (-want +got):\n%s", diff)
		}
		for _, k := range plan.RuntimeEnvironment.ChangedKeys {
			if targets.ExecutionOwned(k) {
				t.Errorf("dry-run plans to change %s", k)
			}
		}
		res, err := svc.Run(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantSkipped, res.RuntimeEnvironment.SkippedExecutionKeys); diff != "" {
			t.Errorf("apply skipped keys (-want +got):\n%s", diff)
		}
		if !res.Apply.EnvUpdated || deploys != 1 {
			t.Fatalf("apply: %+v, %d deploys", res.Apply, deploys)
		}
		live := dokploy.ParseEnv(*f.app().Env)
		if live[targets.EnvImageReference] != recorded {
			t.Errorf("the sync changed %s to %q", targets.EnvImageReference, live[targets.EnvImageReference])
		}
		for _, k := range []string{targets.EnvArtifactID, targets.EnvRuntimeIdentity} {
			if _, ok := live[k]; ok {
				t.Errorf("the sync wrote %s", k)
			}
		}
		if live["FOO"] != runtimeValue {
			t.Errorf("FOO not synced: %q", live["FOO"])
		}

		// Nothing but execution-owned keys: nothing to sync.
		f.exec("DELETE FROM launchplane_runtime_environments")
		f.exec("DELETE FROM launchplane_secret_bindings WHERE binding_key = 'SMTP_PASSWORD'")
		f.own("testing", []string{targets.EnvSourceGitRef, targets.EnvImageReference})
		if _, err := runtimeenv.New(f.s, clock, nil).Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: "cm", Instance: "testing"},
			map[string]any{targets.EnvSourceGitRef: "main"}, "test"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Update(ctx, func(tx store.Tx) error {
			return tx.DokployTargetPut(ctx, record.DokployTarget{SchemaVersion: 1, Context: "cm", Instance: "testing", TargetType: record.TargetApplication,
				TargetName: "cm-testing", SourceGitRef: "origin/main", Env: map[string]string{targets.EnvImageReference: "x"},
				UpdatedAt: record.FormatTime(now), SourceLabel: "test"})
		}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Run(ctx, apply())
		if codeOf(err) != liveruntime.CodeRuntimeEnvironmentEmpty || !strings.Contains(err.Error(), targets.EnvImageReference) {
			t.Errorf("only execution-owned keys: %v", err)
		}
	})
}

// TestLaneBusy: an apply holds the lane for its whole read, write, verify
// and deploy; while another operation holds it, an apply is lane_busy
// without calling Dokploy at all, and a dry-run still reads.
func TestLaneBusy(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		release, err := targets.ReserveLane(ctx, f.s, clock, "cm", "testing", "deploy", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		svc := f.service(nil)
		before := len(f.sim.Requests())
		_, err = svc.Run(ctx, apply())
		if codeOf(err) != liveruntime.CodeLaneBusy || !errors.Is(err, targets.ErrLaneBusy) {
			t.Fatalf("apply on a held lane: %v", err)
		}
		if n := len(f.sim.Requests()) - before; n != 0 {
			t.Errorf("a lane_busy apply sent %d requests to Dokploy", n)
		}
		if _, err := svc.Run(ctx, dry()); err != nil {
			t.Errorf("a dry-run needs no lane: %v", err)
		}
		release()

		// The apply holds the lane from before its first read until after
		// its deploy and its Done hook.
		held := func(step string) {
			if r, err := targets.ReserveLane(ctx, f.s, clock, "cm", "testing", "probe", time.Minute); !errors.Is(err, targets.ErrLaneBusy) {
				t.Errorf("lane free during %s: %v", step, err)
				if r != nil {
					r()
				}
			}
		}
		svc = f.service(func(c *liveruntime.Config) {
			c.Deploy = func(context.Context, targets.Tracked, bool, time.Duration) (liveruntime.DeployResult, error) {
				held("the deploy")
				return liveruntime.DeployResult{DeploymentID: "dep-1", Status: "pass"}, nil
			}
		})
		var steps []string
		before = len(f.sim.Requests())
		res, err := svc.RunWith(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true}, liveruntime.Hooks{
			Reserved: func(context.Context) error {
				held("the reserved hook")
				if len(f.sim.Requests()) != before {
					t.Error("Dokploy was called before the lane was held")
				}
				steps = append(steps, "reserved")
				return nil
			},
			Done: func(_ context.Context, res liveruntime.Result) error {
				held("the done hook")
				steps = append(steps, "done:"+res.Deploy.Result.DeploymentID)
				return nil
			},
		})
		if err != nil || !res.Apply.EnvUpdated {
			t.Fatalf("apply: %+v %v", res, err)
		}
		if diff := cmp.Diff([]string{"reserved", "done:dep-1"}, steps); diff != "" {
			t.Errorf("hooks (-want +got):\n%s", diff)
		}
		r, err := targets.ReserveLane(ctx, f.s, clock, "cm", "testing", "after", time.Minute)
		if err != nil {
			t.Fatalf("the apply did not release the lane: %v", err)
		}
		r()

		// A failed apply releases the lane too; a Reserved error ends it.
		stop := errors.New("stop")
		if _, err := svc.RunWith(ctx, apply(), liveruntime.Hooks{Reserved: func(context.Context) error { return stop }}); !errors.Is(err, stop) {
			t.Errorf("reserved hook error: %v", err)
		}
		if r, err := targets.ReserveLane(ctx, f.s, clock, "cm", "testing", "after", time.Minute); err != nil {
			t.Errorf("a refused apply kept the lane: %v", err)
		} else {
			r()
		}
	})
}

// TestRedeployTitlesUnique: two wired redeploys within one second (the
// test clock stands still) get different deployment titles, so neither
// wait can take the other's deployment for its own.
func TestRedeployTitlesUnique(t *testing.T) {
	f := newFixture(t, sqltest.SQLiteURL(t))
	ctx := context.Background()
	for range 2 {
		if _, err := f.service(nil).Run(ctx, liveruntime.Request{Context: "cm", Instance: "testing", Mode: "apply", Deploy: true, TimeoutSeconds: 30}); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := f.client.Deployments(ctx, f.appID)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, d := range ds {
		if !strings.HasPrefix(d.Title, "Launchplane live-target-runtime ") {
			t.Errorf("deployment title %q", d.Title)
		}
		titles[d.Title] = true
	}
	if len(ds) != 2 || len(titles) != 2 {
		t.Errorf("want 2 deployments with distinct titles, got %d with %d titles: %v", len(ds), len(titles), titles)
	}
}

// TestShowMutableAddonRefs: show-live-target's addon check is the one
// execution uses (targets.MutableAddonRepos), so it separates entries the
// same way: a bare carriage return between two entries cannot hide a
// floating ref behind a pinned one.
func TestShowMutableAddonRefs(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		env := "ODOO_ADDON_REPOSITORIES=acme/floating@main\racme/pinned@" + strings.Repeat("d", 40) + "\n"
		if err := f.client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: f.appID, Env: &env}); err != nil {
			t.Fatal(err)
		}
		got, err := f.service(nil).Show(ctx, "cm", "testing")
		if err != nil {
			t.Fatal(err)
		}
		want := []liveruntime.Blocker{{Code: liveruntime.BlockerMutableAddonRefs,
			Detail: "ODOO_ADDON_REPOSITORIES pins 1 repositories without an exact git SHA: floating."}}
		if diff := cmp.Diff(want, got.ArtifactReadiness.Blockers); diff != "" || got.ArtifactReadiness.Ready {
			t.Errorf("blockers (-want +got):\n%s", diff)
		}
	})
}
