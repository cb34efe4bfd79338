package deploy_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
)

const simKey = "sim-key-deploy-test-41c9"

// clock is shared by the simulator and the executor: the executor's sleeps
// advance it, so deploy queues, builds and timeouts play out instantly and
// deterministically.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

// harness is one store, one simulator with a testing and a prod
// application tracked for context "shop", and an executor.
type harness struct {
	t      *testing.T
	ctx    context.Context
	store  store.Store
	sim    *dokploysim.Sim
	srv    *httptest.Server
	clock  *clock
	exec   *deploy.Executor
	apps   map[string]string // instance → application id
	client *dokploy.Client
}

func eachEngine(t *testing.T, fn func(h *harness), simOpts ...func(*dokploysim.Config)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(newHarness(t, engine.URL(t), simOpts...)) })
	}
}

func newHarness(t *testing.T, dbURL string, simOpts ...func(*dokploysim.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	s, err := sqlstore.OpenMigrated(ctx, dbURL, sqlstore.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	simCfg := dokploysim.Config{APIKey: simKey, Now: clk.now, QueueDelay: 2 * time.Second, BuildDuration: 5 * time.Second}
	for _, o := range simOpts {
		o(&simCfg)
	}
	sim := dokploysim.New(simCfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, store: s, sim: sim, srv: srv, clock: clk, apps: map[string]string{}, client: client}
	for _, lane := range record.TrackedLanes {
		app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "shop-" + lane, EnvironmentID: sim.DefaultEnvironmentID()})
		if err != nil {
			t.Fatal(err)
		}
		h.apps[lane] = app.ApplicationID
		env := "UNRELATED=keep-me\nDOCKER_IMAGE_REFERENCE=ghcr.io/acme/shop:latest"
		if err := client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: app.ApplicationID, Env: &env, CreateEnvFile: true}); err != nil {
			t.Fatal(err)
		}
		h.put(func(tx store.Tx) error {
			if err := tx.DokployTargetPut(ctx, record.DokployTarget{
				SchemaVersion: 1, Context: "shop", Instance: lane, ProjectName: "shop", TargetType: record.TargetApplication,
				TargetName: "shop-" + lane, SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/api/health",
				Domains: []string{srv.URL + dokploysim.AppPath(app.ApplicationID)}, UpdatedAt: "2026-11-27T08:00:00Z", SourceLabel: "test",
			}); err != nil {
				return err
			}
			return tx.DokployTargetIDPut(ctx, record.DokployTargetID{SchemaVersion: 1, Context: "shop", Instance: lane, TargetID: app.ApplicationID, UpdatedAt: "2026-11-27T08:00:00Z", SourceLabel: "test"})
		})
	}
	for _, id := range []string{"art-1", "art-2"} {
		h.put(func(tx store.Tx) error {
			_, err := tx.ArtifactPut(ctx, manifest(id))
			return err
		})
	}
	h.exec = deploy.New(deploy.Config{
		Store: s, Now: clk.now, Sleep: clk.sleep,
		Client:       func(context.Context) (*dokploy.Client, error) { return client, nil },
		PollInterval: time.Second, HealthInterval: time.Second,
	})
	return h
}

func manifest(id string) record.ArtifactManifest {
	sha := map[string]string{"art-1": "0123456789abcdef0123456789abcdef01234567", "art-2": "89abcdef0123456789abcdef0123456789abcdef", "art-3": "fedcba9876543210fedcba9876543210fedcba98"}[id]
	return record.ArtifactManifest{SchemaVersion: 1, ArtifactID: id, SourceCommit: sha,
		Image: record.ImageReference{Repository: "ghcr.io/acme/shop", Digest: "sha256:" + strings.Repeat(id[len(id)-1:], 8)}}
}

func (h *harness) put(fn func(store.Tx) error) {
	h.t.Helper()
	if err := h.store.Update(h.ctx, fn); err != nil {
		h.t.Fatal(err)
	}
}

func ship(instance, artifact string) deploy.Request {
	r := deploy.NewRequest(deploy.KindShip)
	r.Context, r.Instance, r.ArtifactID = "shop", instance, artifact
	return r
}

func (h *harness) mustExecute(req deploy.Request) deploy.Result {
	h.t.Helper()
	res, err := h.exec.Execute(h.ctx, req)
	if err != nil {
		h.t.Fatalf("execute %s %s: %v (result %+v)", req.Kind, req.ArtifactID, err, res)
	}
	h.clock.sleep(h.ctx, time.Second) // distinct record timestamps
	return res
}

func (h *harness) inventoryArtifact(instance string) string {
	h.t.Helper()
	inv, err := h.store.InventoryGet(h.ctx, "shop", instance)
	if errors.Is(err, store.ErrNotFound) {
		return "(none)"
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return inv.ArtifactID()
}

func (h *harness) deployment(id string) record.Deployment {
	h.t.Helper()
	d, err := h.store.DeploymentGet(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

func TestShipPassRecordsEvidenceAndMintsTuple(t *testing.T) {
	eachEngine(t, func(h *harness) {
		var events []deploy.Event
		h.exec = deploy.New(deploy.Config{Store: h.store, Now: h.clock.now, Sleep: h.clock.sleep,
			Client:       func(context.Context) (*dokploy.Client, error) { return h.client, nil },
			PollInterval: time.Second, Progress: func(e deploy.Event) { events = append(events, e) }})
		res := h.mustExecute(ship("testing", "art-1"))
		if res.Status != "ok" || res.Deploy.Status != record.StatusPass || res.Health.Status != record.StatusPass || res.Health.Identity != deploy.IdentityMatch {
			t.Fatalf("result = %+v", res)
		}
		if len(events) != 6 || events[5].Stage != "record evidence" {
			t.Errorf("progress events = %+v", events)
		}
		app := h.apps["testing"]
		image, _ := h.sim.LiveImage(app)
		if image != "ghcr.io/acme/shop@sha256:11111111" {
			t.Errorf("live image = %q, want the exact digest reference", image)
		}
		env := dokploy.ParseEnv(mustLive(t, h.sim, app))
		for k, want := range map[string]string{"UNRELATED": "keep-me", "DOCKER_IMAGE_REFERENCE": "ghcr.io/acme/shop@sha256:11111111",
			"LAUNCHPLANE_ARTIFACT_ID": "art-1", "LAUNCHPLANE_DEPLOYMENT_RECORD_ID": res.DeploymentRecordID,
			"LAUNCHPLANE_SOURCE_GIT_REF": "0123456789abcdef0123456789abcdef01234567"} {
			if env[k] != want {
				t.Errorf("live env %s = %q, want %q", k, env[k], want)
			}
		}
		d := h.deployment(res.DeploymentRecordID)
		if d.Deploy.Status != record.StatusPass || d.Deploy.DeploymentID == "" || d.DestinationHealth.Status != record.StatusPass || !d.DestinationHealth.Verified {
			t.Errorf("deployment evidence = %+v", d)
		}
		if d.RuntimeIdentity == nil || d.RuntimeIdentity.DeploymentRecordID != d.RecordID {
			t.Errorf("runtime identity = %+v", d.RuntimeIdentity)
		}
		if got := h.inventoryArtifact("testing"); got != "art-1" {
			t.Errorf("testing inventory = %s", got)
		}
		tuple, err := h.store.ReleaseTupleGet(h.ctx, "shop", "testing")
		if err != nil || tuple.ArtifactID != "art-1" || tuple.DeploymentRecordID != d.RecordID || tuple.Provenance != "ship" {
			t.Errorf("tuple = %+v, %v", tuple, err)
		}
		if rep, err := h.store.VerifyLedger(h.ctx); err != nil || !rep.OK() {
			t.Errorf("ledger: %+v %v", rep, err)
		}
	})
}

func mustLive(t *testing.T, sim *dokploysim.Sim, id string) string {
	t.Helper()
	env, ok := sim.LiveEnv(id)
	if !ok {
		t.Fatalf("%s has no live copy", id)
	}
	return env
}

// TestShipFaults injects each provider fault into a ship that follows a
// good one: the attempt is recorded as failed and the lane keeps running
// (and inventories) the good artifact.
func TestShipFaults(t *testing.T) {
	tests := []struct {
		name       string
		inject     func(h *harness)
		wantDetail string
		health     string // expected health status of the failed attempt
		identity   string
	}{
		{"deploy ends in error", func(h *harness) { must(h.t, h.sim.FailNextDeploy(h.apps["testing"])) }, "status=error", record.StatusSkipped, ""},
		{"deploy hangs", func(h *harness) { must(h.t, h.sim.HangNextDeploy(h.apps["testing"])) }, "timed out", record.StatusSkipped, ""},
		{"wrong runtime identity", func(h *harness) { must(h.t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthWrongIdentity, 0)) }, "runtime identity mismatch", record.StatusFail, deploy.IdentityMismatch},
		{"malformed runtime identity", func(h *harness) {
			must(h.t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthMalformedIdentity, 0))
		}, "runtime identity malformed", record.StatusFail, deploy.IdentityMalformed},
		{"health reports ok false", func(h *harness) { must(h.t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthOKFalse, 0)) }, "ok:false", record.StatusFail, ""},
		{"health not json", func(h *harness) { must(h.t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthNonJSON, 0)) }, "runtime identity unverifiable", record.StatusFail, deploy.IdentityUnverifiable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachEngine(t, func(h *harness) {
				good := h.mustExecute(ship("testing", "art-1"))
				tc.inject(h)
				req := ship("testing", "art-2")
				req.TimeoutSeconds, req.HealthTimeoutSeconds = 60, 20
				res, err := h.exec.Execute(h.ctx, req)
				if !errors.Is(err, deploy.ErrFailed) || res.Status != "failed" || !strings.Contains(res.Error, tc.wantDetail) {
					t.Fatalf("execute: err %v, result %+v; want a failure containing %q", err, res, tc.wantDetail)
				}
				d := h.deployment(res.DeploymentRecordID)
				if d.ArtifactID() != "art-2" || (d.Deploy.Status == record.StatusPass) != (tc.health == record.StatusFail) {
					t.Errorf("failed attempt recorded as %+v", d.Deploy)
				}
				if d.DestinationHealth.Status != tc.health || res.Health.Identity != tc.identity {
					t.Errorf("health = %+v / %+v, want %s %s", d.DestinationHealth, res.Health, tc.health, tc.identity)
				}
				inv, err := h.store.InventoryGet(h.ctx, "shop", "testing")
				if err != nil || inv.ArtifactID() != "art-1" || inv.DeploymentRecordID != good.DeploymentRecordID {
					t.Errorf("inventory moved off the running artifact: %+v %v", inv, err)
				}
				tuple, _ := h.store.ReleaseTupleGet(h.ctx, "shop", "testing")
				if tuple.ArtifactID != "art-1" {
					t.Errorf("tuple moved to %s", tuple.ArtifactID)
				}
			})
		})
	}
}

// TestShipIgnoresForeignDeploy: a deploy someone else ran, finishing
// "done" while ours is still queued, is not mistaken for ours — ours then
// fails, and the failure is what gets recorded.
func TestShipIgnoresForeignDeploy(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.mustExecute(ship("testing", "art-1"))
		app := h.apps["testing"]
		var foreign string
		h.exec = deploy.New(deploy.Config{Store: h.store, Now: h.clock.now, PollInterval: time.Second,
			Client: func(context.Context) (*dokploy.Client, error) { return h.client, nil },
			Sleep: func(ctx context.Context, d time.Duration) error {
				if foreign == "" { // first poll: ours is queued, the foreign one lands
					var err error
					foreign, err = h.sim.InjectForeignDeploy(app, "autodeploy webhook")
					must(t, err)
				}
				return h.clock.sleep(ctx, d)
			}})
		must(t, h.sim.FailNextDeploy(app))
		res, err := h.exec.Execute(h.ctx, ship("testing", "art-2"))
		if !errors.Is(err, deploy.ErrFailed) || foreign == "" || res.Deploy.DeploymentID == foreign || res.Deploy.DeploymentID == "" {
			t.Fatalf("err %v, foreign %q, result %+v", err, foreign, res)
		}
		ds, err := h.client.Deployments(h.ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.DeploymentID == res.Deploy.DeploymentID && (!strings.Contains(d.Title, res.DeploymentRecordID) || d.Status != dokploy.StatusError) {
				t.Errorf("recorded deployment is %+v, not ours", d)
			}
		}
		if h.deployment(res.DeploymentRecordID).Deploy.Status != record.StatusFail || h.inventoryArtifact("testing") != "art-1" {
			t.Error("the foreign success was taken for ours")
		}
	})
}

// TestShipWaitsOutStartingHealth: a workload answering 503 while it
// starts passes once it is up, within the health timeout.
func TestShipWaitsOutStartingHealth(t *testing.T) {
	eachEngine(t, func(h *harness) {
		must(t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthStarting, 10*time.Second))
		res := h.mustExecute(ship("testing", "art-1"))
		if res.Health.Status != record.StatusPass || res.Health.Attempts < 5 {
			t.Errorf("health = %+v, want a pass after several attempts", res.Health)
		}
	})
}

func TestShipRetriesTransientReads(t *testing.T) {
	eachEngine(t, func(h *harness) {
		calls := len(h.sim.Requests())
		h.sim.FailNextRequests(2)
		res := h.mustExecute(ship("testing", "art-1"))
		if res.Status != "ok" {
			t.Fatalf("result = %+v", res)
		}
		// The first read failed twice with a 5xx and was sent a third time.
		reqs := h.sim.Requests()[calls:]
		if len(reqs) < 3 || reqs[0] != reqs[1] || reqs[1] != reqs[2] || reqs[0].Method != "GET" {
			t.Errorf("first requests = %+v, want one GET sent three times", reqs[:min(3, len(reqs))])
		}
	})
}

func TestShipRevokedKeyWritesNothingHalfway(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.mustExecute(ship("testing", "art-1"))
		before := mustLive(t, h.sim, h.apps["testing"])
		calls := len(h.sim.Requests())
		h.sim.RevokeKey()
		res, err := h.exec.Execute(h.ctx, ship("testing", "art-2"))
		if !errors.Is(err, deploy.ErrFailed) || !strings.Contains(res.Error, "401") {
			t.Fatalf("err %v, result %+v", err, res)
		}
		if strings.Contains(err.Error(), simKey) || strings.Contains(res.Error, simKey) {
			t.Error("the API key leaked into the error")
		}
		if after := mustLive(t, h.sim, h.apps["testing"]); after != before {
			t.Error("the live target changed")
		}
		for _, r := range h.sim.Requests()[calls:] {
			if r.Method == "POST" {
				t.Errorf("a write reached Dokploy after the key was revoked: %s", r.Path)
			}
		}
		d := h.deployment(res.DeploymentRecordID)
		if d.Deploy.Status != record.StatusFail || h.inventoryArtifact("testing") != "art-1" {
			t.Errorf("deployment %+v, inventory %s", d.Deploy, h.inventoryArtifact("testing"))
		}
	})
}

func TestShipRefusals(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.put(func(tx store.Tx) error {
			tr, err := tx.DokployTargetGet(h.ctx, "shop", "prod")
			if err != nil {
				return err
			}
			tr.Env = map[string]string{targets.EnvAddonRepositories: "acme/addons@main"}
			return tx.DokployTargetPut(h.ctx, tr)
		})
		noHealth := ship("testing", "art-1")
		noHealth.HealthURLs = nil
		h.put(func(tx store.Tx) error {
			tr, err := tx.DokployTargetGet(h.ctx, "shop", "testing")
			if err != nil {
				return err
			}
			tr.Domains = nil
			return tx.DokployTargetPut(h.ctx, tr)
		})
		other := ship("testing", "art-1")
		other.Context = "elsewhere"
		tests := []struct {
			name string
			req  deploy.Request
			want string
		}{
			{"missing manifest", ship("testing", "art-9"), "artifact manifest art-9 is not stored"},
			{"untracked lane", other, "no Dokploy target record"},
			{"mutable addon refs", ship("prod", "art-1"), "pins addon repositories to mutable refs (addons in ODOO_ADDON_REPOSITORIES)"},
			{"no health URL", noHealth, "no health URL"},
		}
		calls := len(h.sim.Requests())
		for _, tc := range tests {
			res, err := h.exec.Execute(h.ctx, tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, deploy.ErrFailed) {
				t.Errorf("%s: err %v, result %+v; want refusal %q", tc.name, err, res, tc.want)
			}
		}
		if n := len(h.sim.Requests()) - calls; n != 0 {
			t.Errorf("refusals made %d provider calls", n)
		}
		if ds, _ := h.store.DeploymentList(h.ctx, store.DeploymentListParams{}); len(ds) != 0 {
			t.Errorf("refusals recorded %d deployments", len(ds))
		}
	})
}

func TestDryRunCallsNothing(t *testing.T) {
	eachEngine(t, func(h *harness) {
		calls := len(h.sim.Requests())
		req := ship("testing", "art-1")
		req.DryRun = true
		res, err := h.exec.Execute(h.ctx, req)
		if err != nil || res.Status != "dry_run" || res.ImageReference != "ghcr.io/acme/shop@sha256:11111111" {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		want := []string{"DOCKER_IMAGE_REFERENCE", "LAUNCHPLANE_ARTIFACT_ID", "LAUNCHPLANE_DEPLOYMENT_RECORD_ID", "LAUNCHPLANE_RUNTIME_IDENTITY_JSON", "LAUNCHPLANE_SOURCE_GIT_REF"}
		if diff := cmp.Diff(want, res.EnvKeys); diff != "" {
			t.Errorf("env keys (-want +got):\n%s", diff)
		}
		if n := len(h.sim.Requests()) - calls; n != 0 {
			t.Errorf("dry run made %d provider calls", n)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
