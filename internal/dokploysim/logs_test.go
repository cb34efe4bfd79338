package dokploysim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploysim"
)

// errBody is the tRPC error shape, reduced to what the tests compare.
type errBody struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	Data    struct {
		Path     string `json:"path"`
		ZodError *struct {
			FieldErrors map[string][]string `json:"fieldErrors"`
		} `json:"zodError"`
	} `json:"data"`
}

func decodeErr(t *testing.T, r response) errBody {
	t.Helper()
	var e errBody
	mustDecode(t, r.body, &e)
	return e
}

func (h *harness) logs(path string, q url.Values) response {
	h.t.Helper()
	return h.get(path + "?" + q.Encode())
}

func TestApplicationReadLogs(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")

	// Nothing was deployed: no container, a 500 with Dokploy's message.
	r := h.logs("/api/application.readLogs", url.Values{"applicationId": {id}})
	var app struct {
		AppName string `json:"appName"`
	}
	mustOK(t, h.get("/api/application.one?applicationId="+id), &app)
	if e := decodeErr(t, r); r.status != 500 || e.Code != "INTERNAL_SERVER_ERROR" || e.Message != "No container or service found for: "+app.AppName {
		t.Fatalf("logs before deploy = %d %s", r.status, r.body)
	}
	if err := h.sim.AppendLog(id, "too early"); err == nil {
		t.Error("AppendLog before any deploy succeeded")
	}

	h.deploy(id)
	h.deployments(id) // the deploy finishes on the next read
	h.clock.Advance(10 * time.Minute)
	if err := h.sim.AppendLog(id, "GET /health 200\nDB_PASSWORD=hunter2"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	mustOK(t, h.do(http.MethodPost, "/__sim/logs", map[string]string{"id": id, "line": "Authorization: Bearer abc.def"}, nil), nil)

	var all string
	mustOK(t, h.logs("/api/application.readLogs", url.Values{"applicationId": {id}}), &all)
	want := "2026-08-21T12:00:00.000000000Z Starting " + app.AppName + " from img:1\n" +
		"2026-08-21T12:00:00.000000000Z Listening on port 3000\n" +
		"2026-08-21T12:10:00.000000000Z GET /health 200\n" +
		"2026-08-21T12:10:00.000000000Z DB_PASSWORD=hunter2\n" +
		"2026-08-21T12:11:00.000000000Z Authorization: Bearer abc.def\n"
	if diff := cmp.Diff(want, all); diff != "" {
		t.Fatalf("logs (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		q    url.Values
		want string
	}{
		{"tail", url.Values{"tail": {"2"}}, "2026-08-21T12:10:00.000000000Z DB_PASSWORD=hunter2\n2026-08-21T12:11:00.000000000Z Authorization: Bearer abc.def\n"},
		{"since", url.Values{"since": {"30s"}}, "2026-08-21T12:11:00.000000000Z Authorization: Bearer abc.def\n"},
		{"since all", url.Values{"since": {"all"}, "tail": {"1"}}, "2026-08-21T12:11:00.000000000Z Authorization: Bearer abc.def\n"},
		{"search is a case-insensitive substring", url.Values{"search": {"db_password"}}, "2026-08-21T12:10:00.000000000Z DB_PASSWORD=hunter2\n"},
		{"tail before search", url.Values{"tail": {"1"}, "search": {"bearer"}}, "2026-08-21T12:11:00.000000000Z Authorization: Bearer abc.def\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Set("applicationId", id)
			var got string
			mustOK(t, h.logs("/api/application.readLogs", tt.q), &got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("logs (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("search without a match is an error", func(t *testing.T) {
		r := h.logs("/api/application.readLogs", url.Values{"applicationId": {id}, "search": {"nothing here"}})
		if e := decodeErr(t, r); r.status != 500 || !strings.HasPrefix(e.Message, "Command failed: docker container logs") {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	validation := []struct {
		name  string
		q     url.Values
		field string
		msg   string
	}{
		{"since format", url.Values{"since": {"10 minutes"}}, "since", "Invalid since format"},
		{"search charset", url.Values{"search": {"a|b"}}, "search", "Invalid string: must match pattern /^[a-zA-Z0-9 ._-]{0,500}$/"},
		{"tail too big", url.Values{"tail": {"10001"}}, "tail", "Too big: expected number to be <=10000"},
		{"tail too small", url.Values{"tail": {"0"}}, "tail", "Too small: expected number to be >=1"},
		{"tail not a number", url.Values{"tail": {"many"}}, "tail", "Invalid input: expected number, received string"},
	}
	for _, tt := range validation {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Set("applicationId", id)
			r := h.logs("/api/application.readLogs", tt.q)
			e := decodeErr(t, r)
			if r.status != 400 || e.Message != "Input validation failed" || e.Data.ZodError == nil {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			if diff := cmp.Diff(map[string][]string{tt.field: {tt.msg}}, e.Data.ZodError.FieldErrors); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedeployRestartsTheContainer(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	h.deploy(id)
	h.deployments(id)
	if err := h.sim.AppendLog(id, "old container line"); err != nil {
		t.Fatal(err)
	}
	h.deploy(id)
	h.deployments(id)
	var got string
	mustOK(t, h.logs("/api/application.readLogs", url.Values{"applicationId": {id}, "search": {"Listening"}}), &got)
	if strings.Count(got, "\n") != 1 {
		t.Errorf("logs after redeploy = %q, want only the new container's startup", got)
	}
	if r := h.logs("/api/application.readLogs", url.Values{"applicationId": {id}, "search": {"old container"}}); r.status != 500 {
		t.Errorf("old container's line survived a redeploy: %d %s", r.status, r.body)
	}
}

func TestComposeLogsAndContainers(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	var c struct {
		ComposeID string `json:"composeId"`
		AppName   string `json:"appName"`
	}
	mustOK(t, h.post("/api/compose.create", map[string]any{"name": "odoo", "environmentId": h.sim.DefaultEnvironmentID()}), &c)
	file := "services:\n  database:\n    image: postgres\n  web:\n    image: odoo\n    environment:\n      X: 1\nvolumes:\n  data:\n"
	mustOK(t, h.post("/api/compose.update", map[string]any{"composeId": c.ComposeID, "sourceType": "raw", "composeFile": file}), nil)

	var containers []map[string]string
	q := url.Values{"appName": {c.AppName}, "appType": {"docker-compose"}}
	mustOK(t, h.get("/api/docker.getContainersByAppNameMatch?"+q.Encode()), &containers)
	if len(containers) != 0 {
		t.Fatalf("containers before deploy = %v", containers)
	}
	mustOK(t, h.post("/api/compose.deploy", map[string]any{"composeId": c.ComposeID}), nil)
	h.clock.Advance(5 * time.Second)
	mustOK(t, h.get("/api/docker.getContainersByAppNameMatch?"+q.Encode()), &containers)
	var names []string
	for _, ct := range containers {
		names = append(names, ct["name"])
		if len(ct["containerId"]) != 12 || ct["state"] != "running" || ct["status"] != "Up 5 seconds" {
			t.Errorf("container row %v", ct)
		}
	}
	if diff := cmp.Diff([]string{c.AppName + "-database-1", c.AppName + "-web-1"}, names); diff != "" {
		t.Fatalf("containers (-want +got):\n%s", diff)
	}
	web := containers[1]["containerId"]

	if err := h.sim.AppendLog(c.ComposeID, "odoo: SECRET_KEY=abc"); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.AppendServiceLog(c.ComposeID, "database", "db ready"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{web, c.AppName + "-web"} {
		var got string
		mustOK(t, h.logs("/api/compose.readLogs", url.Values{"composeId": {c.ComposeID}, "containerId": {ref}}), &got)
		if !strings.Contains(got, "odoo: SECRET_KEY=abc") || strings.Contains(got, "db ready") {
			t.Errorf("web logs by %q = %q", ref, got)
		}
	}
	r := h.logs("/api/compose.readLogs", url.Values{"composeId": {c.ComposeID}, "containerId": {"nope"}})
	if e := decodeErr(t, r); r.status != 500 || e.Message != "No container or service found for: nope" {
		t.Errorf("unknown container = %d %s", r.status, r.body)
	}
	r = h.logs("/api/compose.readLogs", url.Values{"composeId": {c.ComposeID}})
	if e := decodeErr(t, r); r.status != 400 || e.Data.ZodError.FieldErrors["containerId"] == nil {
		t.Errorf("missing containerId = %d %s", r.status, r.body)
	}
	r = h.logs("/api/compose.readLogs", url.Values{"composeId": {c.ComposeID}, "containerId": {"a/b"}})
	if e := decodeErr(t, r); r.status != 400 || e.Data.ZodError.FieldErrors["containerId"][0] != "Invalid container id." {
		t.Errorf("bad containerId = %d %s", r.status, r.body)
	}
	r = h.logs("/api/compose.readLogs", url.Values{"composeId": {"nope"}, "containerId": {web}})
	if r.status != 404 {
		t.Errorf("unknown compose = %d %s", r.status, r.body)
	}
}

func TestDeploymentLogsAndAllByType(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	if err := h.sim.FailNextDeploy(id); err != nil {
		t.Fatal(err)
	}
	h.deploy(id)
	h.deploy(id)
	rows := h.deployments(id)

	var byType []map[string]any
	mustOK(t, h.get("/api/deployment.allByType?id="+id+"&type=application"), &byType)
	if len(byType) != 2 || byType[0]["deploymentId"] != rows[0].DeploymentID || byType[0]["status"] != "done" {
		t.Fatalf("allByType = %v", byType)
	}
	if v, ok := byType[0]["rollback"]; !ok || v != nil {
		t.Errorf("allByType row has no rollback:null: %v", byType[0])
	}
	for _, q := range []string{"id=" + id + "&type=compose", "id=nope&type=application", "id=" + id + "&type=schedule"} {
		mustOK(t, h.get("/api/deployment.allByType?"+q), &byType)
		if len(byType) != 0 {
			t.Errorf("allByType?%s = %v, want []", q, byType)
		}
	}
	if r := h.get("/api/deployment.allByType?id=" + id + "&type=bogus"); r.status != 400 {
		t.Errorf("unknown type = %d", r.status)
	}

	var logs string
	mustOK(t, h.get("/api/deployment.readLogs?deploymentId="+rows[1].DeploymentID), &logs)
	if !strings.HasPrefix(logs, "Initializing deployment\n") || !strings.HasSuffix(logs, "Error occurred ❌, check the logs for details.\n") {
		t.Errorf("failed deployment log = %q", logs)
	}
	mustOK(t, h.get("/api/deployment.readLogs?tail=1&deploymentId="+rows[0].DeploymentID), &logs)
	if logs != "Deployment done ✅\n" {
		t.Errorf("tail=1 = %q", logs)
	}
	if r := h.get("/api/deployment.readLogs?deploymentId=nope"); r.status != 404 || decodeErr(t, r).Message != "Deployment not found" {
		t.Errorf("unknown deployment = %d %s", r.status, r.body)
	}
}

func TestDomains(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	app := h.dockerApp("img:1", "")
	var d map[string]any
	mustOK(t, h.post("/api/domain.create", map[string]any{"host": "web.example.com", "applicationId": app, "https": true}), &d)
	domainID := d["domainId"].(string)
	want := map[string]any{
		"domainId": domainID, "host": "web.example.com", "https": true, "port": 3000.0, "path": "/", "internalPath": "/",
		"stripPath": false, "serviceName": nil, "domainType": "application", "uniqueConfigKey": 1.0, "createdAt": d["createdAt"],
		"composeId": nil, "applicationId": app, "previewDeploymentId": nil, "certificateType": "none", "customCertResolver": nil,
		"customEntrypoint": nil, "middlewares": []any{}, "forwardAuthEnabled": false, "enabled": true,
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Fatalf("created domain (-want +got):\n%s", diff)
	}

	var list []map[string]any
	mustOK(t, h.get("/api/domain.byApplicationId?applicationId="+app), &list)
	if len(list) != 1 || list[0]["domainId"] != domainID || list[0]["application"].(map[string]any)["applicationId"] != app {
		t.Fatalf("byApplicationId = %v", list)
	}
	var one map[string]any
	mustOK(t, h.get("/api/application.one?applicationId="+app), &one)
	if ds := one["domains"].([]any); len(ds) != 1 {
		t.Errorf("application.one domains = %v", ds)
	}

	// update drops owner ids, keeps unspecified columns.
	mustOK(t, h.post("/api/domain.update", map[string]any{"domainId": domainID, "host": "www.example.com", "port": 8069, "applicationId": "other", "enabled": false}), &d)
	if d["host"] != "www.example.com" || d["port"] != 8069.0 || d["applicationId"] != app || d["enabled"] != false || d["https"] != true {
		t.Errorf("updated = %v", d)
	}

	var c map[string]any
	mustOK(t, h.post("/api/compose.create", map[string]any{"name": "odoo", "environmentId": h.sim.DefaultEnvironmentID()}), &c)
	cid := c["composeId"].(string)
	mustOK(t, h.post("/api/domain.create", map[string]any{"host": "odoo.example.com", "composeId": cid, "serviceName": "web", "domainType": "compose", "port": 8069}), &d)
	mustOK(t, h.get("/api/domain.byComposeId?composeId="+cid), &list)
	if len(list) != 1 || list[0]["compose"].(map[string]any)["composeId"] != cid || list[0]["serviceName"] != "web" {
		t.Errorf("byComposeId = %v", list)
	}

	rejects := []struct {
		name   string
		body   map[string]any
		status int
		field  string
		msg    string
	}{
		{"host with port", map[string]any{"host": "web.example.com:443", "applicationId": app}, 400, "host", "Invalid hostname"},
		{"host with underscore", map[string]any{"host": "my_app.example.com", "applicationId": app}, 400, "host", "Invalid hostname"},
		{"host with spaces", map[string]any{"host": " web.example.com", "applicationId": app}, 400, "host", "Domain name cannot have leading or trailing spaces"},
		{"empty host", map[string]any{"host": "", "applicationId": app}, 400, "host", "Add a hostname"},
		{"missing host", map[string]any{"applicationId": app}, 400, "host", "Invalid input: expected string, received undefined"},
		{"empty path", map[string]any{"host": "a.example.com", "path": "", "applicationId": app}, 400, "path", "Too small: expected string to have >=1 characters"},
		{"port zero", map[string]any{"host": "a.example.com", "port": 0, "applicationId": app}, 400, "port", "Port must be at least 1"},
		{"port too big", map[string]any{"host": "a.example.com", "port": 70000, "applicationId": app}, 400, "port", "Port must be 65535 or below"},
		{"bad certificate type", map[string]any{"host": "a.example.com", "certificateType": "acme", "applicationId": app}, 400, "certificateType", `Invalid option: expected one of "letsencrypt"|"none"|"custom"`},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			r := h.post("/api/domain.create", tt.body)
			e := decodeErr(t, r)
			if r.status != tt.status || e.Data.ZodError == nil {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			if diff := cmp.Diff(map[string][]string{tt.field: {tt.msg}}, e.Data.ZodError.FieldErrors); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
	// Not enforced by v0.30 (errata 3): https without a certificate type,
	// custom without a resolver, stripPath on "/".
	mustOK(t, h.post("/api/domain.create", map[string]any{"host": "lax.example.com", "applicationId": app, "https": true, "certificateType": "custom", "stripPath": true}), nil)
	// Past validation every failure is a 400 with the underlying message.
	if r := h.post("/api/domain.create", map[string]any{"host": "x.example.com", "applicationId": "nope"}); r.status != 400 || decodeErr(t, r).Message != "Application not found" {
		t.Errorf("unknown application = %d %s", r.status, r.body)
	}
	if r := h.post("/api/domain.update", map[string]any{"host": "x.example.com"}); r.status != 400 ||
		decodeErr(t, r).Data.ZodError.FieldErrors["domainId"][0] != "Invalid input: expected nonoptional, received undefined" {
		t.Errorf("update without domainId = %d %s", r.status, r.body)
	}
	if r := h.post("/api/domain.update", map[string]any{"domainId": "nope", "host": "x.example.com"}); r.status != 404 {
		t.Errorf("update unknown = %d %s", r.status, r.body)
	}

	mustOK(t, h.post("/api/domain.delete", map[string]any{"domainId": domainID}), &d)
	if d["domainId"] != domainID {
		t.Errorf("delete returned %v", d)
	}
	if r := h.post("/api/domain.delete", map[string]any{"domainId": domainID}); r.status != 404 || decodeErr(t, r).Message != "Domain not found" {
		t.Errorf("second delete = %d %s", r.status, r.body)
	}
}

func TestHealthModes(t *testing.T) {
	const identity = `{"artifact_id":"a1","context":"acme"}`
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "LAUNCHPLANE_RUNTIME_IDENTITY_JSON="+identity)
	health := func() response { return h.get(dokploysim.AppPath(id) + "/web/health") }

	if r := h.get(dokploysim.AppPath("nope") + "/"); r.status != 404 {
		t.Errorf("unknown id = %d", r.status)
	}
	h.deploy(id)
	h.deployments(id)

	tests := []struct {
		mode   string
		status int
		body   string
	}{
		{"healthy", 200, `{"ok":true,"runtime_identity":{"artifact_id":"a1","context":"acme"}}`},
		{"ok-false", 200, `{"ok":false,"runtime_identity":{"artifact_id":"a1","context":"acme"}}`},
		{"non-json", 200, "<!doctype html><html><body><h1>It works</h1></body></html>\n"},
		{"wrong-identity", 200, `{"ok":true,"runtime_identity":{"artifact_id":"a1-not-the-deployed-artifact","context":"acme"}}`},
		{"malformed-identity", 200, `{"ok":true,"runtime_identity":"{\"artifact_id\":\"a1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			mustOK(t, h.do(http.MethodPost, "/__sim/health-mode", map[string]string{"id": id, "mode": tt.mode}, nil), nil)
			r := health()
			if r.status != tt.status || string(r.body) != tt.body {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}

	t.Run("starting", func(t *testing.T) {
		if err := h.sim.SetHealthMode(id, dokploysim.HealthStarting, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		if r := health(); r.status != 503 {
			t.Errorf("inside the window = %d", r.status)
		}
		h.clock.Advance(20 * time.Second)
		if r := health(); r.status != 200 {
			t.Errorf("after the window = %d %s", r.status, r.body)
		}
	})
	t.Run("slow", func(t *testing.T) {
		if err := h.sim.SetHealthMode(id, dokploysim.HealthSlow, 300*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Timeout: 50 * time.Millisecond}
		if _, err := client.Get(h.srv.URL + dokploysim.AppPath(id) + "/"); err == nil {
			t.Error("a slow health answer beat a 50ms client timeout")
		}
		start := time.Now()
		if r := health(); r.status != 200 || time.Since(start) < 300*time.Millisecond {
			t.Errorf("slow = %d after %v", r.status, time.Since(start))
		}
	})
	t.Run("no identity in the live env", func(t *testing.T) {
		other := h.dockerApp("img:2", "A=1")
		h.deploy(other)
		h.deployments(other)
		if r := h.get(dokploysim.AppPath(other) + "/"); string(r.body) != `{"ok":true}` {
			t.Errorf("got %s", r.body)
		}
	})
	t.Run("identity that is not JSON reaches the client raw", func(t *testing.T) {
		other := h.dockerApp("img:2", "LAUNCHPLANE_RUNTIME_IDENTITY_JSON={oops")
		h.deploy(other)
		h.deployments(other)
		if r := h.get(dokploysim.AppPath(other) + "/"); string(r.body) != `{"ok":true,"runtime_identity":"{oops"}` {
			t.Errorf("got %s", r.body)
		}
	})
	t.Run("errors", func(t *testing.T) {
		if r := h.do(http.MethodPost, "/__sim/health-mode", map[string]string{"id": id, "mode": "sleepy"}, nil); r.status != 400 {
			t.Errorf("unknown mode = %d", r.status)
		}
		if r := h.do(http.MethodPost, "/__sim/health-mode", map[string]string{"id": "nope", "mode": "healthy"}, nil); r.status != 404 {
			t.Errorf("unknown id = %d", r.status)
		}
	})
}

func TestLostQueueAndRestart(t *testing.T) {
	t.Run("lost deploy never creates a row", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{QueueDelay: time.Second})
		id := h.dockerApp("img:1", "")
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/deploy-lost", map[string]string{"id": id}, nil), nil)
		h.deploy(id)
		h.clock.Advance(time.Hour)
		if rows := h.deployments(id); len(rows) != 0 {
			t.Errorf("rows = %+v, want none", rows)
		}
		h.deploy(id) // the fault is consumed
		h.clock.Advance(time.Second)
		if rows := h.deployments(id); len(rows) != 1 {
			t.Errorf("rows after the next deploy = %+v", rows)
		}
	})
	t.Run("restart cancels running rows and drops the queue", func(t *testing.T) {
		h := newHarness(t, dokploysim.Config{QueueDelay: time.Second, BuildDuration: 10 * time.Second})
		id := h.dockerApp("img:1", "")
		h.deploy(id)
		h.deploy(id)
		h.clock.Advance(2 * time.Second)
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/restart", nil, nil), nil)
		h.clock.Advance(time.Hour)
		rows := h.deployments(id)
		if len(rows) != 1 || rows[0].Status != "cancelled" {
			t.Fatalf("rows = %+v, want one cancelled", rows)
		}
		var app map[string]any
		mustOK(t, h.get("/api/application.one?applicationId="+id), &app)
		if app["applicationStatus"] != "idle" {
			t.Errorf("applicationStatus = %v, want idle", app["applicationStatus"])
		}
		h.deploy(id)
		h.clock.Advance(11 * time.Second)
		if rows := h.deployments(id); len(rows) != 2 || rows[0].Status != "done" {
			t.Errorf("a deploy after the restart: %+v", rows)
		}
	})
}
