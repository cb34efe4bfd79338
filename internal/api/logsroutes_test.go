package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets/targetstest"
)

const (
	logsSimKey   = "dokploy-api-token-LOGS-7f3a-never-echoed"
	logsWorkflow = "acme/ops/.github/workflows/logs.yml@refs/heads/main"
	logsPolicy   = testPolicy + `
[[github_actions]]
repository = "acme/ops"
workflow_refs = ["acme/ops/.github/workflows/logs.yml@refs/heads/main"]
products = ["launchplane"]
contexts = ["cm"]
actions = ["target_logs.read"]
`
)

type logsHarness struct {
	*harness
	sim    *dokploysim.Sim
	simURL string
	ring   *crypto.KeyRing
	appID  string
}

// newLogsHarness serves the API with a key ring over a store holding a
// tracked application target for cm/testing on a simulator.
func newLogsHarness(t *testing.T, url string, withKey bool) *logsHarness {
	t.Helper()
	ring := newKeyRing(t, "logs-route-passphrase")
	o := harnessOptions{Policy: logsPolicy}
	if withKey {
		o.Ring = ring
	}
	h := newHarnessWith(t, url, o)
	sim := dokploysim.New(dokploysim.Config{APIKey: logsSimKey})
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	appID := targetstest.DeployedApp(t, simSrv.URL, logsSimKey, sim)
	return &logsHarness{harness: h, sim: sim, simURL: simSrv.URL, ring: ring, appID: appID}
}

func (h *logsHarness) track(ctxName, instance, id string) {
	h.t.Helper()
	targetstest.Track(h.t, h.store, record.DokployTarget{Context: ctxName, Instance: instance, TargetName: ctxName + "-web",
		Env: map[string]string{"SESSION_SECRET": "target-env-value-never-echoed"}, UpdatedAt: "2026-08-01T00:00:00Z"}, id)
}

func (h *logsHarness) credentials() {
	h.t.Helper()
	targetstest.PutDokployCredentials(h.t, h.store, h.ring, h.simURL, logsSimKey)
}

func TestTargetLogsRoute(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newLogsHarness(t, engine.URL(t), true)
			tok := h.token("acme/ops", logsWorkflow)
			path := "/v1/contexts/cm/instances/testing/logs"
			var seen strings.Builder
			get := func(p, bearer string) response {
				t.Helper()
				r := h.do("GET", p, bearer, nil)
				seen.WriteString(r.raw)
				return r
			}

			if r := get(path, tok); r.status != 404 || errorCode(r) != "tracked_target_not_found" {
				t.Errorf("untracked: %d %s", r.status, r.raw)
			}
			h.track("cm", "testing", h.appID)
			if r := get(path, tok); r.status != 503 || errorCode(r) != "target_logs_unavailable" || !strings.Contains(r.raw, "DOKPLOY_HOST and DOKPLOY_TOKEN") {
				t.Errorf("no credentials: %d %s", r.status, r.raw)
			}
			h.credentials()
			if err := h.sim.AppendLog(h.appID, "DB_PASSWORD=hunter2\nAuthorization: Bearer abc.def\nGET /web/health 200"); err != nil {
				t.Fatal(err)
			}

			r := get(path+"?lines=3", tok)
			if r.status != 200 {
				t.Fatalf("read: %d %s", r.status, r.raw)
			}
			var body struct {
				Status  string `json:"status"`
				TraceID string `json:"trace_id"`
				Context string `json:"context"`
				Target  struct {
					TargetID string `json:"target_id"`
				} `json:"target"`
				Request struct {
					LineCount int `json:"line_count"`
				} `json:"request"`
				Logs struct {
					LineCount int      `json:"line_count"`
					Lines     []string `json:"lines"`
					Redacted  bool     `json:"redacted"`
				} `json:"logs"`
			}
			if err := json.Unmarshal([]byte(r.raw), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != "ok" || !strings.HasPrefix(body.TraceID, "launchplane_req_") || body.Context != "cm" || body.Target.TargetID != h.appID ||
				body.Request.LineCount != 3 || body.Logs.LineCount != 3 || !body.Logs.Redacted {
				t.Errorf("body: %s", r.raw)
			}
			if len(body.Logs.Lines) != 3 || !strings.HasSuffix(body.Logs.Lines[0], "DB_PASSWORD=[redacted]") ||
				!strings.HasSuffix(body.Logs.Lines[1], "Authorization: Bearer [redacted]") {
				t.Errorf("lines: %q", body.Logs.Lines)
			}
			if r := get(path+"?search=health&since=1h", tok); r.status != 200 || !strings.Contains(r.raw, "GET /web/health 200") || strings.Contains(r.raw, "redacted]\"") {
				t.Errorf("search: %d %s", r.status, r.raw)
			}
			if r := get(path+"?search=nothing", tok); r.status != 200 || !strings.Contains(r.raw, `"lines":[]`) {
				t.Errorf("search without a match: %d %s", r.status, r.raw)
			}

			for _, q := range []string{"lines=0", "lines=1001", "lines=ten", "since=yesterday", "search=a%7Cb"} {
				if r := get(path+"?"+q, tok); r.status != 400 || errorCode(r) != "invalid_request" {
					t.Errorf("?%s: %d %s", q, r.status, r.raw)
				}
			}
			if r := get(path, ""); r.status != 401 {
				t.Errorf("no token: %d", r.status)
			}
			if r := get(path, h.token("acme/web", workflowRef)); r.status != 403 || errorCode(r) != "authorization_denied" {
				t.Errorf("caller without target_logs.read: %d %s", r.status, r.raw)
			}
			if r := get("/v1/contexts/opw/instances/testing/logs", tok); r.status != 403 {
				t.Errorf("context outside the grant: %d %s", r.status, r.raw)
			}
			// A tracked target that was never deployed, and a revoked token.
			h.track("cm", "prod", "no-such-app")
			if r := get("/v1/contexts/cm/instances/prod/logs", tok); r.status != 503 || errorCode(r) != "target_logs_unavailable" ||
				!strings.Contains(r.raw, "target-inspect") {
				t.Errorf("unknown target id: %d %s", r.status, r.raw)
			}
			h.sim.RevokeKey()
			if r := get(path, tok); r.status != 503 || !strings.Contains(r.raw, "refused the configured token") {
				t.Errorf("revoked token: %d %s", r.status, r.raw)
			}

			for _, leak := range []string{logsSimKey, "hunter2", "abc.def", "target-env-value-never-echoed", h.simURL} {
				if strings.Contains(seen.String(), leak) {
					t.Errorf("responses leak %q", leak)
				}
			}
		})
	}
}

func TestTargetLogsRouteWithoutKey(t *testing.T) {
	h := newLogsHarness(t, sqltest.SQLiteURL(t), false)
	h.track("cm", "testing", h.appID)
	h.credentials()
	r := h.do("GET", "/v1/contexts/cm/instances/testing/logs", h.token("acme/ops", logsWorkflow), nil)
	if r.status != 503 || errorCode(r) != "secret_configuration_required" || strings.Contains(r.raw, logsSimKey) {
		t.Errorf("no key ring: %d %s", r.status, r.raw)
	}
}

// TestTargetLogsRouteWithoutStore: a service started without the SQL store
// answers 503 database_required (after authorization), not a panic.
func TestTargetLogsRouteWithoutStore(t *testing.T) {
	// The policy lives in a store; the API itself has none.
	h := newHarnessWith(t, sqltest.SQLiteURL(t), harnessOptions{Policy: logsPolicy, NoStore: true})
	path := "/v1/contexts/cm/instances/testing/logs"
	if r := h.do("GET", path, h.token("acme/ops", logsWorkflow), nil); r.status != http.StatusServiceUnavailable || errorCode(r) != "database_required" {
		t.Fatalf("without a store: %d %s", r.status, r.raw)
	}
	if r := h.do("GET", path, "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("unauthenticated without a store: %d %s", r.status, r.raw)
	}
}
