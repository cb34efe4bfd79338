package dokploy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
)

// simClock is a hand-advanced clock for the simulator.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const simKey = "sim-api-key-3c7f0a"

func newSim(t *testing.T) (*dokploysim.Sim, *dokploy.Client, *simClock, string) {
	t.Helper()
	clock := &simClock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}
	sim := dokploysim.New(dokploysim.Config{APIKey: simKey, Now: clock.now, QueueDelay: time.Second, BuildDuration: 3 * time.Second})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, clock, srv.URL
}

func ptr(s string) *string { return &s }

// TestClientAgainstSimulator drives the client through the simulator's
// real wire behaviour: an application ship (docker provider, env, deploy,
// the queued gap, running, done, the live copy), then the error paths.
func TestClientAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, _ := newSim(t)

	session, err := c.Session(ctx)
	if err != nil || session.User.ID == "" {
		t.Fatalf("session: %+v, %v", session, err)
	}
	app, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID(), AppName: "demo-web"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(app.AppName, "demo-web-") || app.AppName == "demo-web" {
		t.Errorf("appName %q was not rewritten", app.AppName)
	}
	projects, err := c.Projects(ctx)
	if err != nil || len(projects) == 0 {
		t.Fatalf("projects: %v, %v", projects, err)
	}
	if err := c.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: app.ApplicationID, DockerImage: ptr("ghcr.io/acme/web@sha256:abc")}); err != nil {
		t.Fatal(err)
	}
	env := "LAUNCHPLANE_ARTIFACT_ID=art-1\nLAUNCHPLANE_RUNTIME_IDENTITY_JSON={\"artifact_id\":\"art-1\"}"
	if err := c.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: app.ApplicationID, Env: &env, CreateEnvFile: true}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Application(ctx, app.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Env == nil || *got.Env != env || got.SourceType != "docker" {
		t.Fatalf("read back: env %v, sourceType %q", got.Env, got.SourceType)
	}
	if _, live := sim.LiveEnv(app.ApplicationID); live {
		t.Fatal("env is live before any deploy")
	}

	if err := c.DeployApplication(ctx, app.ApplicationID, "Launchplane operation op-1", ""); err != nil {
		t.Fatal(err)
	}
	// Queued: no row yet.
	if deps, err := c.Deployments(ctx, app.ApplicationID); err != nil || len(deps) != 0 {
		t.Fatalf("queued gap: %v, %v", deps, err)
	}
	clock.add(time.Second)
	deps, err := c.Deployments(ctx, app.ApplicationID)
	if err != nil || len(deps) != 1 || deps[0].Status != dokploy.StatusRunning || deps[0].Title != "Launchplane operation op-1" {
		t.Fatalf("running: %+v, %v", deps, err)
	}
	clock.add(3 * time.Second)
	deps, err = c.Deployments(ctx, app.ApplicationID)
	if err != nil || len(deps) != 1 || deps[0].Status != dokploy.StatusDone {
		t.Fatalf("done: %+v, %v", deps, err)
	}
	if live, ok := sim.LiveEnv(app.ApplicationID); !ok || live != env {
		t.Fatalf("live env after done: %q, %v", live, ok)
	}

	// A deploy that ends in error keeps the old live copy.
	if err := sim.FailNextDeploy(app.ApplicationID); err != nil {
		t.Fatal(err)
	}
	newEnv := env + "\nEXTRA=1"
	if err := c.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: app.ApplicationID, Env: &newEnv, CreateEnvFile: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.RedeployApplication(ctx, app.ApplicationID, "Launchplane operation op-2", ""); err != nil {
		t.Fatal(err)
	}
	clock.add(4 * time.Second)
	deps, err = c.Deployments(ctx, app.ApplicationID)
	if err != nil || len(deps) != 2 || deps[0].Status != dokploy.StatusError || deps[1].Status != dokploy.StatusDone {
		t.Fatalf("failed deploy, newest first: %+v, %v", deps, err)
	}
	if live, _ := sim.LiveEnv(app.ApplicationID); live != env {
		t.Fatalf("a failed deploy changed the live env: %q", live)
	}

	// Unknown id: a typed not-found.
	if _, err := c.Application(ctx, "no-such-app"); !dokploy.IsNotFound(err) {
		t.Errorf("unknown application: %v", err)
	}
	// Transient 5xx on a query: retried, then succeeds.
	before := len(sim.Requests())
	sim.FailNextRequests(2)
	if _, err := c.Application(ctx, app.ApplicationID); err != nil {
		t.Errorf("query after two transient 500s: %v", err)
	}
	if n := len(sim.Requests()) - before; n != 3 {
		t.Errorf("%d requests for a query with two transient failures, want 3", n)
	}
	// A transient 5xx on a mutation is not retried: the effect is unknown.
	before = len(sim.Requests())
	sim.FailNextRequests(1)
	if err := c.DeployApplication(ctx, app.ApplicationID, "op-3", ""); err == nil {
		t.Error("a deploy answered 500 reported success")
	}
	if n := len(sim.Requests()) - before; n != 1 {
		t.Errorf("a failed deploy was sent %d times", n)
	}
	// Revoked key: a clear unauthorized error without the key.
	sim.RevokeKey()
	_, err = c.Application(ctx, app.ApplicationID)
	if !dokploy.IsUnauthorized(err) || strings.Contains(err.Error(), simKey) {
		t.Errorf("revoked key: %v", err)
	}
}

// TestSimulatorRequestLog checks the log tests use to assert which provider
// calls a flow made.
func TestSimulatorRequestLog(t *testing.T) {
	ctx := context.Background()
	sim, c, _, _ := newSim(t)
	if _, err := c.Session(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Application(ctx, "x"); !dokploy.IsNotFound(err) {
		t.Fatal(err)
	}
	want := []dokploysim.RequestRecord{{Method: "GET", Path: "/api/user.session"}, {Method: "GET", Path: "/api/application.one"}}
	if diff := cmp.Diff(want, sim.Requests()); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
}

// TestComposeAgainstSimulator covers the compose calls: env update (which
// the simulator, like Dokploy, answers with an empty 200 even for an
// unknown id, so the client must read back), deploy, and the live copy.
func TestComposeAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, url := newSim(t)
	body := strings.NewReader(`{"name":"odoo","environmentId":"` + sim.DefaultEnvironmentID() + `","composeType":"docker-compose"}`)
	req, err := http.NewRequest("POST", url+"/api/compose.create", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-key", simKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ComposeID string }
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != 200 || created.ComposeID == "" {
		t.Fatalf("create compose: %d %+v %v", resp.StatusCode, created, err)
	}
	resp.Body.Close()

	env := "DOCKER_IMAGE_REFERENCE=ghcr.io/acme/odoo@sha256:abc"
	if err := c.UpdateComposeEnv(ctx, created.ComposeID, env); err != nil {
		t.Fatal(err)
	}
	// Unknown id: accepted silently, as Dokploy does; only a read-back tells.
	if err := c.UpdateComposeEnv(ctx, "no-such-compose", env); err != nil {
		t.Errorf("unknown compose id: %v", err)
	}
	if _, err := c.Compose(ctx, "no-such-compose"); !dokploy.IsNotFound(err) {
		t.Errorf("read back of an unknown compose: %v", err)
	}
	got, err := c.Compose(ctx, created.ComposeID)
	if err != nil || got.Env == nil || *got.Env != env {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	res, err := c.DeployCompose(ctx, created.ComposeID, "Launchplane operation op-9", "")
	if err != nil || !res.Success || res.ComposeID != created.ComposeID {
		t.Fatalf("deploy compose: %+v, %v", res, err)
	}
	clock.add(4 * time.Second)
	got, err = c.Compose(ctx, created.ComposeID)
	if err != nil || len(got.Deployments) != 1 || got.Deployments[0].Status != dokploy.StatusDone {
		t.Fatalf("compose deployments: %+v, %v", got, err)
	}
	if live, ok := sim.LiveEnv(created.ComposeID); !ok || live != env {
		t.Errorf("compose live env: %q, %v", live, ok)
	}
}
