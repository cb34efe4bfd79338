package genericweb_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/driver/genericweb"
	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/githubsim"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	simKey  = "dokploy-key-genericweb-test"
	ghToken = "ghp_genericweb_test_token"
	repo    = "acme/web"
)

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

// caller is the authenticated caller a driver route hands its handler.
type caller struct {
	deny    bool
	browser bool
	asked   []string
}

var errDenied = errors.New("denied")

func (c *caller) Authorize(_ context.Context, product, context string) error {
	c.asked = append(c.asked, product+"/"+context)
	if c.deny {
		return errDenied
	}
	return nil
}
func (c *caller) Actor() string { return "test" }
func (c *caller) Browser() bool { return c.browser }

type harness struct {
	t        *testing.T
	ctx      context.Context
	store    store.Store
	sim      *dokploysim.Sim
	gh       *githubsim.Sim
	clock    *clock
	apps     map[string]string
	handlers map[string]driver.Handler
	token    string // what ContextSecret answers for GITHUB_TOKEN
}

func eachEngine(t *testing.T, fn func(h *harness)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(newHarness(t, engine.URL(t))) })
	}
}

func newHarness(t *testing.T, url string) *harness {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	s, err := sqlstore.OpenMigrated(ctx, url, sqlstore.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sim := dokploysim.New(dokploysim.Config{APIKey: simKey, Now: clk.now, QueueDelay: time.Second, BuildDuration: 2 * time.Second})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	gh := githubsim.New(githubsim.Config{Token: ghToken, Now: clk.now, RunDelay: 2 * time.Second})
	ghSrv := httptest.NewServer(gh)
	t.Cleanup(ghSrv.Close)
	must(t, gh.AddRepo(repo, "main"))
	_, err = gh.AddWorkflow(repo, githubsim.Workflow{File: "promote-prod.yml", Inputs: map[string]githubsim.Input{"dry_run": {}, "bump": {}}})
	must(t, err)

	h := &harness{t: t, ctx: ctx, store: s, sim: sim, gh: gh, clock: clk, apps: map[string]string{}, token: ghToken}
	lanes := []map[string]any{}
	for _, lane := range record.TrackedLanes {
		app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web-" + lane, EnvironmentID: sim.DefaultEnvironmentID()})
		must(t, err)
		h.apps[lane] = app.ApplicationID
		base := srv.URL + dokploysim.AppPath(app.ApplicationID)
		lanes = append(lanes, map[string]any{"instance": lane, "context": "web", "base_url": base})
		must(t, s.Update(ctx, func(tx store.Tx) error {
			if err := tx.DokployTargetPut(ctx, record.DokployTarget{SchemaVersion: 1, Context: "web", Instance: lane, TargetType: record.TargetApplication,
				TargetName: "web-" + lane, SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/api/health",
				UpdatedAt: "2026-11-27T08:00:00Z", SourceLabel: "test"}); err != nil {
				return err
			}
			return tx.DokployTargetIDPut(ctx, record.DokployTargetID{SchemaVersion: 1, Context: "web", Instance: lane, TargetID: app.ApplicationID, UpdatedAt: "2026-11-27T08:00:00Z", SourceLabel: "test"})
		}))
	}
	profile, err := json.Marshal(map[string]any{"product": "web", "display_name": "Web", "repository": repo, "driver_id": "generic-web",
		"image": map[string]any{"repository": "ghcr.io/acme/web"}, "runtime_port": 8080, "health_path": "/api/health", "lanes": lanes})
	must(t, err)
	p, err := products.DecodeInput(profile, "test")
	must(t, err)
	_, err = products.New(s, clk.now).Upsert(ctx, products.UpsertInput{Profile: p})
	must(t, err)
	for _, id := range []string{"art-1", "art-2"} {
		must(t, s.Update(ctx, func(tx store.Tx) error {
			_, err := tx.ArtifactPut(ctx, record.ArtifactManifest{SchemaVersion: 1, ArtifactID: id, SourceCommit: strings.Repeat(id[4:], 40),
				Image: record.ImageReference{Repository: "ghcr.io/acme/web", Digest: "sha256:" + strings.Repeat(id[4:], 64)}})
			return err
		}))
	}
	exec := deploy.New(deploy.Config{Store: s, Now: clk.now, Sleep: clk.sleep, PollInterval: time.Second, HealthInterval: time.Second,
		Client: func(context.Context) (*dokploy.Client, error) { return client, nil }})
	h.handlers = genericweb.Handlers(genericweb.Config{
		Store: s, Executor: exec, Now: clk.now,
		ContextSecret: func(_ context.Context, contextName, key string) (string, error) {
			if contextName == "web" && key == genericweb.KeyGitHubToken {
				return h.token, nil
			}
			return "", nil
		},
		GitHub: func(token string) (*github.Client, error) {
			return github.New(github.Config{Token: token, BaseURL: ghSrv.URL + "/", Now: clk.now, Sleep: clk.sleep, Backoff: func(int) time.Duration { return 0 }})
		},
	})
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h *harness) call(route string, body any, c *caller) (driver.Outcome, error) {
	h.t.Helper()
	raw, err := json.Marshal(body)
	must(h.t, err)
	return h.handlers[route].Serve(h.ctx, driver.Call{Body: raw, Caller: c})
}

func (h *harness) deploy(instance, artifact string) genericweb.DeployResult {
	h.t.Helper()
	out, err := h.call(genericweb.RouteDeploy, map[string]any{"schema_version": 1, "product": "web",
		"deploy": map[string]any{"product": "web", "instance": instance, "artifact_id": artifact}}, &caller{})
	must(h.t, err)
	h.clock.sleep(h.ctx, time.Second)
	return out.Result.(genericweb.DeployResult)
}

func (h *harness) gate(id, instance, status string) {
	h.t.Helper()
	must(h.t, h.store.Update(h.ctx, func(tx store.Tx) error {
		return tx.BackupGatePut(h.ctx, record.BackupGate{SchemaVersion: 1, RecordID: id, Context: "web", Instance: instance,
			CreatedAt: "2026-11-27T08:30:00Z", Source: "test", Required: true, Status: status, Evidence: map[string]string{"snapshot": id}})
	}))
}

func promotion(gate string, extra map[string]any) map[string]any {
	p := map[string]any{"product": "web", "artifact_id": "art-1", "backup_record_id": gate}
	for k, v := range extra {
		p[k] = v
	}
	return map[string]any{"schema_version": 1, "product": "web", "promotion": p}
}

// postsSince counts the Dokploy mutations made after the first n requests.
func (h *harness) postsSince(n int) int {
	posts := 0
	for _, r := range h.sim.Requests()[n:] {
		if r.Method == http.MethodPost {
			posts++
		}
	}
	return posts
}

func (h *harness) inventory(instance string) string {
	inv, err := h.store.InventoryGet(h.ctx, "web", instance)
	if errors.Is(err, store.ErrNotFound) {
		return "(none)"
	}
	must(h.t, err)
	return inv.ArtifactID()
}

func TestDeploy(t *testing.T) {
	eachEngine(t, func(h *harness) {
		c := &caller{}
		res := h.deploy("testing", "art-1")
		if res.DeployStatus != record.StatusPass || res.Context != "web" || res.TargetType != record.TargetApplication || res.ProviderID != "dokploy" {
			t.Fatalf("deploy = %+v", res)
		}
		if h.inventory("testing") != "art-1" {
			t.Error("testing inventory did not move")
		}
		if d, err := h.store.DeploymentGet(h.ctx, res.DeploymentRecordID); err != nil || d.RuntimeIdentity == nil || d.RuntimeIdentity.Product != "web" {
			t.Errorf("runtime identity does not name the owning product: %+v, %v", d.RuntimeIdentity, err)
		}
		// Authorization comes first and uses the lane's context.
		c.deny = true
		if _, err := h.call(genericweb.RouteDeploy, map[string]any{"schema_version": 1, "product": "web",
			"deploy": map[string]any{"product": "web", "instance": "testing", "artifact_id": "art-2"}}, c); !errors.Is(err, errDenied) || c.asked[0] != "web/web" {
			t.Errorf("denied caller: %v, asked %v", err, c.asked)
		}
		// A lane without a tracked target still records the failed deploy,
		// under the fallback target <product>-<instance>.
		api, err := products.DecodeInput([]byte(`{"product":"api","display_name":"API","repository":"acme/api","driver_id":"generic-web",
			"lanes":[{"instance":"testing","context":"api"}]}`), "test")
		must(t, err)
		_, err = products.New(h.store, h.clock.now).Upsert(h.ctx, products.UpsertInput{Profile: api})
		must(t, err)
		out, err := h.call(genericweb.RouteDeploy, map[string]any{"schema_version": 1, "product": "api",
			"deploy": map[string]any{"product": "api", "instance": "testing", "artifact_id": "art-1"}}, &caller{})
		must(t, err)
		failed := out.Result.(genericweb.DeployResult)
		if failed.DeployStatus != record.StatusFail || failed.TargetName != "api-testing" || !strings.Contains(failed.ErrorMessage, "no Dokploy target record") {
			t.Errorf("untracked deploy = %+v", failed)
		}
		d, err := h.store.DeploymentGet(h.ctx, failed.DeploymentRecordID)
		if err != nil || d.Deploy.Status != record.StatusFail || d.Deploy.TargetName != "api-testing" {
			t.Errorf("untracked deployment record = %+v, %v", d.Deploy, err)
		}
		// A lane the profile does not have is a 400 naming it.
		_, err = h.call(genericweb.RouteDeploy, map[string]any{"schema_version": 1, "product": "api",
			"deploy": map[string]any{"product": "api", "instance": "prod", "artifact_id": "art-1"}}, &caller{})
		var refused *driver.RefusedError
		if !errors.As(err, &refused) || refused.Code != "product_lane_not_found" {
			t.Errorf("unknown lane: %v", err)
		}
	})
}

func TestProdPromotion(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.deploy("testing", "art-1")
		h.gate("gate-prod", "prod", record.StatusPass)
		h.gate("gate-failed", "prod", record.StatusFail)
		h.gate("gate-testing", "testing", record.StatusPass)

		// Gate refusals: 400 before any provider call, nothing written.
		calls := len(h.sim.Requests())
		for _, tc := range []struct{ gate, want string }{
			{"gate-missing", "is not stored"}, {"gate-failed", `status "fail"`}, {"gate-testing", "not the destination"}, {"", "backup_record_id is required"},
		} {
			_, err := h.call(genericweb.RouteProdPromotion, promotion(tc.gate, nil), &caller{})
			var refused *driver.RefusedError
			if !errors.As(err, &refused) || refused.Kind != driver.RefusedInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("gate %q: %v, want a 400 refusal %q", tc.gate, err, tc.want)
			}
		}
		// Dry run: every check, no write, no provider call.
		out, err := h.call(genericweb.RouteProdPromotion, promotion("gate-prod", map[string]any{"dry_run": true}), &caller{})
		must(t, err)
		dry := out.Result.(genericweb.PromotionResult)
		if !out.DryRun || dry.PromotionStatus != record.StatusPending || dry.Target.TargetName != "web-prod" {
			t.Errorf("dry run = %+v", dry)
		}
		if n := len(h.sim.Requests()) - calls; n != 0 {
			t.Errorf("refusals and the dry run made %d provider calls", n)
		}
		if ps, _ := h.store.PromotionList(h.ctx, store.PromotionListParams{}); len(ps) != 0 {
			t.Errorf("refusals and the dry run wrote %d promotions", len(ps))
		}

		// A browser session may dry-run but not run a promotion.
		browser := &caller{browser: true}
		if out, err := h.call(genericweb.RouteProdPromotion, promotion("gate-prod", map[string]any{"dry_run": true}), browser); err != nil || !out.DryRun {
			t.Errorf("browser dry run: %+v, %v", out, err)
		}
		_, err = h.call(genericweb.RouteProdPromotion, promotion("gate-prod", nil), browser)
		var forbidden *driver.RefusedError
		if !errors.As(err, &forbidden) || forbidden.Kind != driver.RefusedForbidden {
			t.Errorf("browser live promotion: %v, want a 403 refusal", err)
		}
		if n := len(h.sim.Requests()) - calls; n != 0 {
			t.Errorf("the browser's refused promotion made %d provider calls", n)
		}

		// Pass path.
		out, err = h.call(genericweb.RouteProdPromotion, promotion("gate-prod", nil), &caller{})
		must(t, err)
		res := out.Result.(genericweb.PromotionResult)
		if res.PromotionStatus != record.StatusPass || res.SourceHealthStatus != record.StatusPass || res.DestinationHealthStatus != record.StatusPass {
			t.Fatalf("promotion = %+v", res)
		}
		promo, err := h.store.PromotionGet(h.ctx, res.PromotionRecordID)
		if err != nil || promo.SourceHealth.Status != record.StatusPass || promo.DeploymentRecordID != res.DeploymentRecordID {
			t.Errorf("promotion record = %+v, %v", promo, err)
		}
		if h.inventory("prod") != "art-1" {
			t.Error("prod inventory did not move")
		}
	})
}

func TestProdPromotionHealthFailures(t *testing.T) {
	eachEngine(t, func(h *harness) {
		h.deploy("testing", "art-1")
		h.gate("gate-prod", "prod", record.StatusPass)

		// The source lane is down: a failed promotion, no prod write.
		must(t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthOKFalse, 0))
		calls := len(h.sim.Requests())
		out, err := h.call(genericweb.RouteProdPromotion, promotion("gate-prod", map[string]any{"health_timeout_seconds": 5}), &caller{})
		must(t, err)
		res := out.Result.(genericweb.PromotionResult)
		if res.PromotionStatus != record.StatusFail || res.SourceHealthStatus != record.StatusFail || res.DestinationHealthStatus != record.StatusSkipped {
			t.Errorf("source failure = %+v", res)
		}
		if n := h.postsSince(calls); n != 0 {
			t.Errorf("a source-health failure made %d Dokploy mutations", n)
		}
		promo, err := h.store.PromotionGet(h.ctx, res.PromotionRecordID)
		if err != nil || promo.Deploy.Status != record.StatusFail || promo.SourceHealth.Status != record.StatusFail {
			t.Errorf("recorded source failure = %+v, %v", promo, err)
		}
		must(t, h.sim.SetHealthMode(h.apps["testing"], dokploysim.HealthHealthy, 0))

		// The destination answers with the wrong identity: deployed, health
		// failed, prod inventory untouched.
		h.clock.sleep(h.ctx, time.Second)
		must(t, h.sim.SetHealthMode(h.apps["prod"], dokploysim.HealthWrongIdentity, 0))
		out, err = h.call(genericweb.RouteProdPromotion, promotion("gate-prod", map[string]any{"health_timeout_seconds": 5}), &caller{})
		must(t, err)
		res = out.Result.(genericweb.PromotionResult)
		if res.PromotionStatus != record.StatusFail || res.DeploymentStatus != record.StatusPass || res.DestinationHealthStatus != record.StatusFail {
			t.Errorf("destination failure = %+v", res)
		}
		if h.inventory("prod") != "(none)" {
			t.Error("a destination-health failure moved prod inventory")
		}
	})
}

func TestProdPromotionWorkflow(t *testing.T) {
	body := func(extra map[string]any) map[string]any {
		w := map[string]any{"product": "web", "context": "web", "observe_timeout_seconds": 10}
		for k, v := range extra {
			w[k] = v
		}
		return map[string]any{"schema_version": 1, "product": "web", "workflow": w}
	}
	eachEngine(t, func(h *harness) {
		out, err := h.call(genericweb.RouteProdPromotionFlow, body(nil), &caller{})
		must(t, err)
		res := out.Result.(genericweb.WorkflowResult)
		if res.DispatchStatus != "dispatched" || res.ObserveStatus != "observed" || res.RunID == 0 || res.Bump != "patch" || !res.DryRun {
			t.Fatalf("one new run = %+v", res)
		}
		runs, err := h.gh.Runs(repo, "promote-prod.yml")
		must(t, err)
		if len(runs) != 1 {
			t.Errorf("%d runs after one dispatch", len(runs))
		}

		h.gh.DropNextDispatch()
		out, err = h.call(genericweb.RouteProdPromotionFlow, body(map[string]any{"dry_run": false, "bump": "minor"}), &caller{})
		must(t, err)
		if res := out.Result.(genericweb.WorkflowResult); res.RunID != 0 || res.ObserveStatus != "no_new_run" || res.DispatchStatus != "dispatched" {
			t.Errorf("zero new runs = %+v", res)
		}
		h.gh.DoubleNextDispatch()
		out, err = h.call(genericweb.RouteProdPromotionFlow, body(nil), &caller{})
		must(t, err)
		if res := out.Result.(genericweb.WorkflowResult); res.RunID != 0 || res.ObserveStatus != "ambiguous_new_runs" {
			t.Errorf("two new runs = %+v", res)
		}

		// No GITHUB_TOKEN: a clear failure, nothing dispatched.
		h.token = ""
		before := len(h.gh.Requests())
		_, err = h.call(genericweb.RouteProdPromotionFlow, body(nil), &caller{})
		var refused *driver.RefusedError
		if !errors.As(err, &refused) || refused.Code != "github_token_missing" || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
			t.Errorf("missing token: %v", err)
		}
		if n := len(h.gh.Requests()) - before; n != 0 {
			t.Errorf("a missing token still made %d GitHub requests", n)
		}
	})
}

// TestWireResolvesGitHubToken: the production wiring takes the workflow
// token from the context's runtime records and managed-secret overlay —
// and without it dispatches nothing.
func TestWireResolvesGitHubToken(t *testing.T) {
	eachEngine(t, func(h *harness) {
		ring, err := crypto.NewMasterKeyRing("wire-test-passphrase")
		must(t, err)
		ghSrv := httptest.NewServer(h.gh)
		t.Cleanup(ghSrv.Close)
		handlers := genericweb.Handlers(genericweb.Wire(h.store, ring, h.clock.now, genericweb.Options{GitHubAPIURL: ghSrv.URL + "/"}))
		body, err := json.Marshal(map[string]any{"schema_version": 1, "product": "web",
			"workflow": map[string]any{"product": "web", "context": "web", "observe_timeout_seconds": 0}})
		must(t, err)
		serve := func() (driver.Outcome, error) {
			return handlers[genericweb.RouteProdPromotionFlow].Serve(h.ctx, driver.Call{Body: body, Caller: &caller{}})
		}
		before := len(h.gh.Requests())
		_, err = serve()
		var refused *driver.RefusedError
		if !errors.As(err, &refused) || refused.Code != "github_token_missing" {
			t.Fatalf("no token: %v", err)
		}
		if n := len(h.gh.Requests()) - before; n != 0 {
			t.Errorf("a missing token made %d GitHub requests", n)
		}
		// The context's runtime record plus a managed GITHUB_TOKEN.
		_, err = runtimeenv.New(h.store, h.clock.now, nil).Put(h.ctx, runtimeenv.Route{Scope: "context", Context: "web"}, map[string]any{"APP_MODE": "prod"}, "test")
		must(t, err)
		_, err = secrets.New(h.store, ring, h.clock.now, rand.Reader).Put(h.ctx, secrets.PutInput{Scope: record.SecretScopeContext, Integration: record.IntegrationRuntimeEnvironment,
			Name: "github-token", Context: "web", BindingKey: genericweb.KeyGitHubToken, Value: crypto.Redacted(ghToken), Actor: "test", Source: "test"})
		must(t, err)
		out, err := serve()
		must(t, err)
		if res := out.Result.(genericweb.WorkflowResult); res.DispatchStatus != "dispatched" {
			t.Errorf("with the managed token: %+v", res)
		}
		if strings.Contains(fmt.Sprintf("%+v", out.Result), ghToken) {
			t.Error("the result carries the token")
		}
	})
}
