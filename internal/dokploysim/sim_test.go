package dokploysim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploysim"
)

const testKey = "test-key"

// fakeClock is a hand-advanced clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	t     *testing.T
	sim   *dokploysim.Sim
	srv   *httptest.Server
	clock *fakeClock
}

func newHarness(t *testing.T, cfg dokploysim.Config) *harness {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)}
	cfg.APIKey = testKey
	cfg.Now = clock.Now
	sim := dokploysim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: sim, srv: srv, clock: clock}
}

type response struct {
	status      int
	contentType string
	body        []byte
}

func (h *harness) do(method, path string, body any, header map[string]string) response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), body: b}
}

func authJSON() map[string]string {
	return map[string]string{"x-api-key": testKey, "Content-Type": "application/json"}
}

func (h *harness) get(path string) response {
	h.t.Helper()
	return h.do(http.MethodGet, path, nil, map[string]string{"x-api-key": testKey})
}

func (h *harness) post(path string, body any) response {
	h.t.Helper()
	return h.do(http.MethodPost, path, body, authJSON())
}

// mustOK fails the test unless r is a 200 and decodes its body into v.
func mustOK(t *testing.T, r response, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

type deploymentRow struct {
	DeploymentID string  `json:"deploymentId"`
	Title        string  `json:"title"`
	Status       string  `json:"status"`
	CreatedAt    string  `json:"createdAt"`
	FinishedAt   *string `json:"finishedAt"`
}

func (h *harness) deployments(appID string) []deploymentRow {
	h.t.Helper()
	var rows []deploymentRow
	mustOK(h.t, h.get("/api/deployment.all?applicationId="+appID), &rows)
	return rows
}

// dockerApp creates an application and points it at image with env.
func (h *harness) dockerApp(image, env string) string {
	h.t.Helper()
	var created struct {
		ApplicationID string `json:"applicationId"`
		AppName       string `json:"appName"`
	}
	mustOK(h.t, h.post("/api/application.create", map[string]any{
		"name": "web", "environmentId": h.sim.DefaultEnvironmentID(), "appName": "Web",
	}), &created)
	id := created.ApplicationID
	mustOK(h.t, h.post("/api/application.saveDockerProvider", map[string]any{
		"applicationId": id, "dockerImage": image, "username": nil, "password": nil, "registryUrl": nil,
	}), nil)
	h.saveEnv(id, env)
	return id
}

func (h *harness) saveEnv(id, env string) {
	h.t.Helper()
	mustOK(h.t, h.post("/api/application.saveEnvironment", map[string]any{
		"applicationId": id, "env": env, "buildArgs": nil, "buildSecrets": nil, "createEnvFile": true,
	}), nil)
}

func (h *harness) deploy(id string) {
	h.t.Helper()
	r := h.post("/api/application.deploy", map[string]any{"applicationId": id, "title": "lp-op-1"})
	if r.status != http.StatusOK || len(r.body) != 0 {
		h.t.Fatalf("deploy = %d %q, want 200 with an empty body", r.status, r.body)
	}
}

func TestHealthNeedsNoAuth(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	r := h.do(http.MethodGet, "/api/health", nil, nil)
	if r.status != http.StatusOK || string(r.body) != `{"ok":true}` {
		t.Fatalf("health = %d %s", r.status, r.body)
	}
}

func TestAuthGate(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
	}{
		{"missing key", http.MethodGet, "/api/project.all", nil},
		{"empty key", http.MethodGet, "/api/project.all", map[string]string{"x-api-key": ""}},
		{"wrong key", http.MethodGet, "/api/project.all", map[string]string{"x-api-key": "nope"}},
		{"bearer is not accepted", http.MethodGet, "/api/project.all", map[string]string{"Authorization": "Bearer " + testKey}},
		{"unknown path", http.MethodGet, "/api/nothing.here", nil},
		{"wrong method", http.MethodPost, "/api/project.all", map[string]string{"Content-Type": "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, nil, tt.header)
			got := []any{r.status, r.contentType, string(r.body)}
			want := []any{401, "application/json; charset=utf-8", `{"message":"Unauthorized"}`}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoutingErrors(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	notFound := `{"message":"Not found","code":"NOT_FOUND","data":{"code":"NOT_FOUND","httpStatus":404,"zodError":null}}`
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantBody   string
	}{
		{"query via POST", http.MethodPost, "/api/project.all", authJSON(), 404, notFound},
		{"mutation via GET", http.MethodGet, "/api/application.deploy", map[string]string{"x-api-key": testKey}, 404, notFound},
		{"unknown procedure", http.MethodGet, "/api/application.nope", map[string]string{"x-api-key": testKey}, 404, notFound},
		{"missing content type", http.MethodPost, "/api/application.deploy", map[string]string{"x-api-key": testKey}, 415,
			`{"message":"Unsupported content-type \"\"","code":"UNSUPPORTED_MEDIA_TYPE","data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415,"path":"application.deploy","zodError":null}}`},
		{"content type is case sensitive", http.MethodPost, "/api/application.deploy",
			map[string]string{"x-api-key": testKey, "Content-Type": "Application/JSON"}, 415,
			`{"message":"Unsupported content-type \"Application/JSON\"","code":"UNSUPPORTED_MEDIA_TYPE","data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415,"path":"application.deploy","zodError":null}}`},
		{"unknown application", http.MethodGet, "/api/APPLICATION.ONE?applicationId=missing", map[string]string{"x-api-key": testKey}, 404,
			`{"message":"Application not found","code":"NOT_FOUND","data":{"code":"NOT_FOUND","httpStatus":404,"path":"application.one","zodError":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, nil, tt.header)
			if r.status != tt.wantStatus {
				t.Errorf("status = %d, want %d", r.status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, string(r.body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMalformedJSONBeforeAuth(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/application.deploy", strings.NewReader("{nope"))
	req.Header.Set("Content-Type", "application/json")
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 400 || string(b) != "Invalid JSON" {
		t.Fatalf("got %d %q, want 400 Invalid JSON", res.StatusCode, b)
	}
}

func TestValidation(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	r := h.get("/api/application.one")
	if r.status != 400 {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	var got map[string]any
	mustDecode(t, r.body, &got)
	want := map[string]any{
		"message": "Input validation failed",
		"code":    "BAD_REQUEST",
		"data": map[string]any{
			"code": "BAD_REQUEST", "httpStatus": 400.0, "path": "application.one",
			"zodError": map[string]any{
				"formErrors":  []any{},
				"fieldErrors": map[string]any{"applicationId": []any{"Invalid input: expected string, received undefined"}},
			},
		},
		"issues": []any{map[string]any{
			"code": "invalid_type", "expected": "string", "path": []any{"applicationId"},
			"message": "Invalid input: expected string, received undefined",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}

	// saveDockerProvider keys are nullable but must be present (errata 4).
	id := h.dockerApp("img:1", "")
	r = h.post("/api/application.saveDockerProvider", map[string]any{
		"applicationId": id, "dockerImage": "img:2", "password": nil, "registryUrl": nil,
	})
	mustDecode(t, r.body, &got)
	wantFields := map[string]any{"username": []any{"Invalid input: expected nonoptional, received undefined"}}
	if diff := cmp.Diff(wantFields, got["data"].(map[string]any)["zodError"].(map[string]any)["fieldErrors"]); r.status != 400 || diff != "" {
		t.Errorf("status %d, fieldErrors (-want +got):\n%s", r.status, diff)
	}
}

func mustDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func TestUnknownKeysDroppedAndAppNameRewritten(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	var created map[string]any
	mustOK(t, h.post("/api/application.create", map[string]any{
		"name": "web", "environmentId": h.sim.DefaultEnvironmentID(), "appName": "My-App", "bogus": 1,
	}), &created)
	name, _ := created["appName"].(string)
	if !strings.HasPrefix(name, "my-app-") || len(name) != len("my-app-")+6 {
		t.Errorf("appName = %q, want my-app-<6>", name)
	}
	if _, ok := created["bogus"]; ok {
		t.Error("unknown key echoed back")
	}
	if created["sourceType"] != "github" || created["applicationStatus"] != "idle" || created["replicas"] != 1.0 {
		t.Errorf("defaults wrong: %v", created)
	}
	r := h.post("/api/application.create", map[string]any{
		"name": "web", "environmentId": h.sim.DefaultEnvironmentID(), "appName": "has space",
	})
	if r.status != 400 {
		t.Errorf("appName with space: status %d, want 400", r.status)
	}
}

func TestDeployLifecycle(t *testing.T) {
	h := newHarness(t, dokploysim.Config{QueueDelay: time.Second, BuildDuration: 3 * time.Second})
	id := h.dockerApp("img:1", "A=1\nLAUNCHPLANE_RUNTIME_IDENTITY_JSON={\"artifact_id\":\"a1\"}")

	var app map[string]any
	mustOK(t, h.get("/api/application.one?applicationId="+id), &app)
	if app["sourceType"] != "docker" || app["applicationStatus"] != "idle" || app["dockerImage"] != "img:1" {
		t.Fatalf("after saveDockerProvider: %v", app)
	}

	h.deploy(id)
	if rows := h.deployments(id); len(rows) != 0 {
		t.Fatalf("queued deploy has rows %v; Dokploy has none until a worker starts it", rows)
	}
	h.clock.Advance(time.Second)
	rows := h.deployments(id)
	want := []deploymentRow{{DeploymentID: rows[0].DeploymentID, Title: "lp-op-1", Status: "running", CreatedAt: "2026-08-21T12:00:01.000Z"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("running rows (-want +got):\n%s", diff)
	}
	if len(rows[0].DeploymentID) != 21 {
		t.Errorf("deploymentId %q is not 21 characters", rows[0].DeploymentID)
	}
	if _, live := h.sim.LiveImage(id); live {
		t.Error("live copy exists before the deploy finished")
	}
	if r := h.get(dokploysim.AppPath(id) + "/health"); r.status != http.StatusBadGateway {
		t.Errorf("health before done = %d %s, want 502 (nothing live)", r.status, r.body)
	}

	h.clock.Advance(3 * time.Second)
	rows = h.deployments(id)
	finished := "2026-08-21T12:00:04.000Z"
	want[0].Status, want[0].FinishedAt = "done", &finished
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("done rows (-want +got):\n%s", diff)
	}
	if img, _ := h.sim.LiveImage(id); img != "img:1" {
		t.Errorf("live image = %q, want img:1", img)
	}
	if got := string(h.get(dokploysim.AppPath(id) + "/health").body); got != `{"ok":true,"runtime_identity":{"artifact_id":"a1"}}` {
		t.Errorf("health = %s", got)
	}

	// An env change is not live until the next deploy is done.
	h.saveEnv(id, `LAUNCHPLANE_RUNTIME_IDENTITY_JSON={"artifact_id":"a2"}`)
	if got := string(h.get(dokploysim.AppPath(id) + "/health").body); got != `{"ok":true,"runtime_identity":{"artifact_id":"a1"}}` {
		t.Errorf("health after saveEnvironment without deploy = %s, want the old identity", got)
	}
	mustOK(t, h.post("/api/application.redeploy", map[string]any{"applicationId": id}), nil)
	h.clock.Advance(4 * time.Second)
	rows = h.deployments(id)
	if len(rows) != 2 || rows[0].Title != "Rebuild deployment" || rows[0].Status != "done" || rows[0].CreatedAt <= rows[1].CreatedAt {
		t.Fatalf("rows after redeploy = %+v, want newest first", rows)
	}
	if got := string(h.get(dokploysim.AppPath(id) + "/health").body); got != `{"ok":true,"runtime_identity":{"artifact_id":"a2"}}` {
		t.Errorf("health after redeploy = %s", got)
	}
	mustOK(t, h.get("/api/application.one?applicationId="+id), &app)
	if app["applicationStatus"] != "done" {
		t.Errorf("applicationStatus = %v, want done", app["applicationStatus"])
	}
}

func TestZeroDurationFinishesOnNextRead(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	h.deploy(id)
	rows := h.deployments(id)
	if len(rows) != 1 || rows[0].Status != "done" {
		t.Fatalf("rows = %+v, want one done", rows)
	}
}

func TestHistoryPrunedBeforeInsert(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	for range 13 {
		h.deploy(id)
		h.clock.Advance(time.Second)
		h.deployments(id)
	}
	if n := len(h.deployments(id)); n != 11 {
		t.Errorf("history length = %d, want 11 (pruned to 10, then the new row)", n)
	}
}

func TestUpdate(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	r := h.post("/api/application.update", map[string]any{"applicationId": id, "replicas": nil, "description": "d", "junk": true})
	if r.status != 200 || string(r.body) != "true" {
		t.Fatalf("update = %d %s", r.status, r.body)
	}
	var app map[string]any
	mustOK(t, h.get("/api/application.one?applicationId="+id), &app)
	if app["replicas"] != 0.0 || app["description"] != "d" {
		t.Errorf("after update: replicas %v description %v", app["replicas"], app["description"])
	}
	if r := h.post("/api/application.update", map[string]any{"applicationId": id}); r.status != 500 {
		t.Errorf("empty update = %d, want 500 No values to set", r.status)
	}
	if r := h.post("/api/application.update", map[string]any{"applicationId": "nope", "replicas": 2}); r.status != 400 {
		t.Errorf("unknown id update = %d, want 400", r.status)
	}
}

func TestCompose(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	var c map[string]any
	mustOK(t, h.post("/api/compose.create", map[string]any{"name": "odoo", "environmentId": h.sim.DefaultEnvironmentID()}), &c)
	id := c["composeId"].(string)
	file := "services:\n  web:\n    image: x\n"
	mustOK(t, h.post("/api/compose.update", map[string]any{
		"composeId": id, "sourceType": "raw", "composePath": "docker-compose.yml", "composeFile": file,
	}), &c)
	if c["composeFile"] != file || c["sourceType"] != "raw" {
		t.Errorf("compose.update returned %v", c)
	}
	if r := h.post("/api/compose.update", map[string]any{"composeId": "nope", "env": "A=1"}); r.status != 200 || len(r.body) != 0 {
		t.Errorf("unknown compose update = %d %q, want 200 empty", r.status, r.body)
	}
	var queued map[string]any
	mustOK(t, h.post("/api/compose.deploy", map[string]any{"composeId": id}), &queued)
	if diff := cmp.Diff(map[string]any{"success": true, "message": "Deployment queued", "composeId": id}, queued); diff != "" {
		t.Errorf("compose.deploy (-want +got):\n%s", diff)
	}
	mustOK(t, h.get("/api/compose.one?composeId="+id), &c)
	deps := c["deployments"].([]any)
	if len(deps) != 1 || deps[0].(map[string]any)["status"] != "done" || c["composeStatus"] != "done" {
		t.Errorf("compose after deploy: %v", c)
	}
}

func TestProjectAllAndSession(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	var projects []struct {
		Environments []struct {
			Applications []map[string]any `json:"applications"`
		} `json:"environments"`
	}
	mustOK(t, h.get("/api/project.all"), &projects)
	want := []map[string]any{{"applicationId": id, "name": "web", "applicationStatus": "idle"}}
	if diff := cmp.Diff(want, projects[0].Environments[0].Applications); diff != "" {
		t.Errorf("embedded applications (-want +got):\n%s", diff)
	}
	var sess struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	mustOK(t, h.get("/api/user.session"), &sess)
	if sess.User.ID == "" {
		t.Error("user.session has no user.id")
	}
}

func TestFaults(t *testing.T) {
	t.Run("deploy error keeps the old live copy", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{})
		id := h.dockerApp("img:1", "")
		h.deploy(id)
		h.deployments(id)
		mustOK(t, h.post("/api/application.saveDockerProvider", map[string]any{
			"applicationId": id, "dockerImage": "img:2", "username": nil, "password": nil, "registryUrl": nil,
		}), nil)
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/deploy-error", map[string]string{"id": id}, nil), nil)
		h.deploy(id)
		if rows := h.deployments(id); rows[0].Status != "error" {
			t.Errorf("status = %q, want error", rows[0].Status)
		}
		if img, _ := h.sim.LiveImage(id); img != "img:1" {
			t.Errorf("live image = %q, want img:1", img)
		}
	})
	t.Run("deploy hang stays running and blocks the queue", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{})
		id := h.dockerApp("img:1", "")
		if err := h.sim.HangNextDeploy(id); err != nil {
			t.Fatal(err)
		}
		h.deploy(id)
		h.deploy(id)
		h.clock.Advance(time.Hour)
		rows := h.deployments(id)
		if len(rows) != 1 || rows[0].Status != "running" {
			t.Errorf("rows = %+v, want one running", rows)
		}
	})
	t.Run("transient 5xx", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{})
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/transient-5xx", map[string]int{"count": 2}, nil), nil)
		for i := range 2 {
			if r := h.get("/api/project.all"); r.status != 500 || !strings.Contains(string(r.body), `"INTERNAL_SERVER_ERROR"`) {
				t.Errorf("request %d = %d %s, want 500", i, r.status, r.body)
			}
		}
		if r := h.get("/api/project.all"); r.status != 200 {
			t.Errorf("third request = %d, want 200", r.status)
		}
	})
	t.Run("revoked key", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{})
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/revoke-key", nil, nil), nil)
		if r := h.get("/api/project.all"); r.status != 401 || string(r.body) != `{"message":"Unauthorized"}` {
			t.Errorf("after revoke = %d %s", r.status, r.body)
		}
	})
	t.Run("foreign deploy", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{QueueDelay: time.Second})
		id := h.dockerApp("img:1", "")
		h.deploy(id)
		var foreign struct {
			DeploymentID string `json:"deploymentId"`
		}
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/foreign-deploy", map[string]string{"id": id, "title": "autodeploy"}, nil), &foreign)
		rows := h.deployments(id)
		if len(rows) != 1 || rows[0].Title != "autodeploy" || rows[0].Status != "done" || rows[0].DeploymentID != foreign.DeploymentID {
			t.Fatalf("rows = %+v, want only the foreign done row while ours is queued", rows)
		}
		h.clock.Advance(time.Second)
		rows = h.deployments(id)
		if len(rows) != 2 || rows[0].Title != "lp-op-1" {
			t.Errorf("rows = %+v, want ours newest", rows)
		}
	})
	t.Run("unknown target", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{})
		if err := h.sim.FailNextDeploy("nope"); err == nil {
			t.Error("FailNextDeploy(unknown) = nil error")
		}
	})
}

func TestRequestLog(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	h.get("/api/project.all?x=1")
	h.do(http.MethodGet, "/api/user.session", nil, nil)
	want := []dokploysim.RequestRecord{{Method: "GET", Path: "/api/project.all"}, {Method: "GET", Path: "/api/user.session"}}
	if diff := cmp.Diff(want, h.sim.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
