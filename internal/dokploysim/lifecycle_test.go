package dokploysim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploysim"
)

func TestSaveBuildType(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	id := h.dockerApp("img:1", "")
	r := h.post("/api/application.saveBuildType", map[string]any{
		"applicationId": id, "buildType": "dockerfile", "dockerfile": "deploy/Dockerfile",
		"dockerContextPath": nil, "dockerBuildStage": "runtime", "herokuVersion": nil, "railpackVersion": nil,
	})
	if r.status != 200 || string(r.body) != "true" {
		t.Fatalf("saveBuildType = %d %s", r.status, r.body)
	}
	var app map[string]any
	mustOK(t, h.get("/api/application.one?applicationId="+id), &app)
	got := map[string]any{}
	for _, k := range []string{"buildType", "dockerfile", "dockerContextPath", "dockerBuildStage", "herokuVersion", "railpackVersion", "publishDirectory"} {
		got[k] = app[k]
	}
	want := map[string]any{
		"buildType": "dockerfile", "dockerfile": "deploy/Dockerfile", "dockerContextPath": nil,
		"dockerBuildStage": "runtime", "herokuVersion": nil, "railpackVersion": nil, "publishDirectory": nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}

	tests := []struct {
		name      string
		body      map[string]any
		status    int
		wantField string
		wantMsg   string
	}{
		{"missing nullable key", map[string]any{"applicationId": id, "buildType": "static", "dockerfile": nil,
			"dockerContextPath": nil, "dockerBuildStage": nil, "herokuVersion": nil},
			400, "railpackVersion", "Invalid input: expected nonoptional, received undefined"},
		{"unknown build type", map[string]any{"applicationId": id, "buildType": "docker", "dockerfile": nil,
			"dockerContextPath": nil, "dockerBuildStage": nil, "herokuVersion": nil, "railpackVersion": nil},
			400, "buildType", `Invalid option: expected one of "dockerfile"|"heroku_buildpacks"|"paketo_buildpacks"|"nixpacks"|"static"|"railpack"`},
		{"unknown application", map[string]any{"applicationId": "nope", "buildType": "static", "dockerfile": nil,
			"dockerContextPath": nil, "dockerBuildStage": nil, "herokuVersion": nil, "railpackVersion": nil},
			404, "", "Application not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.post("/api/application.saveBuildType", tt.body)
			var body struct {
				Message string `json:"message"`
				Data    struct {
					ZodError *struct {
						FieldErrors map[string][]string `json:"fieldErrors"`
					} `json:"zodError"`
				} `json:"data"`
			}
			mustDecode(t, r.body, &body)
			if r.status != tt.status {
				t.Fatalf("status = %d, body %s", r.status, r.body)
			}
			if tt.wantField == "" {
				if body.Message != tt.wantMsg {
					t.Errorf("message = %q, want %q", body.Message, tt.wantMsg)
				}
				return
			}
			want := map[string][]string{tt.wantField: {tt.wantMsg}}
			if diff := cmp.Diff(want, body.Data.ZodError.FieldErrors); diff != "" {
				t.Errorf("fieldErrors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplicationDelete(t *testing.T) {
	h := newHarness(t, dokploysim.Config{QueueDelay: time.Second})
	id := h.dockerApp("img:1", "")
	mustOK(t, h.post("/api/domain.create", map[string]any{"host": "web.example.com", "applicationId": id}), nil)
	h.deploy(id) // still queued when the application goes
	var deleted map[string]any
	mustOK(t, h.post("/api/application.delete", map[string]any{"applicationId": id}), &deleted)
	if deleted["applicationId"] != id || len(deleted["domains"].([]any)) != 1 || deleted["environment"] == nil {
		t.Errorf("deleted row = %v", deleted)
	}
	if r := h.get("/api/application.one?applicationId=" + id); r.status != 404 {
		t.Errorf("read after delete = %d", r.status)
	}
	if r := h.post("/api/application.delete", map[string]any{"applicationId": id}); r.status != 404 ||
		!strings.Contains(string(r.body), `"Application not found"`) {
		t.Errorf("second delete = %d %s", r.status, r.body)
	}
	var projects []struct {
		Environments []struct {
			Applications []any `json:"applications"`
		} `json:"environments"`
	}
	mustOK(t, h.get("/api/project.all"), &projects)
	if n := len(projects[0].Environments[0].Applications); n != 0 {
		t.Errorf("project.all still lists %d applications", n)
	}
	// The dropped job does not hold up the next application's deploy.
	other := h.dockerApp("img:2", "")
	h.deploy(other)
	h.clock.Advance(time.Second)
	if rows := h.deployments(other); len(rows) != 1 || rows[0].Status != "done" {
		t.Errorf("next deploy = %+v", rows)
	}
}

func TestComposeDelete(t *testing.T) {
	h := newHarness(t, dokploysim.Config{QueueDelay: time.Second})
	var c map[string]any
	mustOK(t, h.post("/api/compose.create", map[string]any{"name": "odoo", "environmentId": h.sim.DefaultEnvironmentID()}), &c)
	id := c["composeId"].(string)
	mustOK(t, h.post("/api/compose.deploy", map[string]any{"composeId": id}), nil)
	// deleteVolumes may be left out (errata 2).
	var deleted map[string]any
	mustOK(t, h.post("/api/compose.delete", map[string]any{"composeId": id}), &deleted)
	if deleted["composeId"] != id || deleted["deployments"] == nil {
		t.Errorf("deleted row = %v", deleted)
	}
	h.clock.Advance(time.Hour)
	if r := h.get("/api/compose.one?composeId=" + id); r.status != 404 {
		t.Errorf("read after delete = %d", r.status)
	}
	if r := h.get("/api/deployment.allByType?type=compose&id=" + id); string(r.body) != "[]" {
		t.Errorf("rows of a deleted compose = %s", r.body)
	}
	if r := h.post("/api/compose.delete", map[string]any{"composeId": id, "deleteVolumes": true}); r.status != 404 ||
		!strings.Contains(string(r.body), `"Compose not found"`) {
		t.Errorf("unknown compose = %d %s", r.status, r.body)
	}
}

// TestHealthStaleIdentity: after a redeploy the old replica answers with
// the previous identity for the window, then the new one does.
func TestHealthStaleIdentity(t *testing.T) {
	h := newHarness(t, dokploysim.Config{BuildDuration: time.Second})
	id := h.dockerApp("img:1", `LAUNCHPLANE_RUNTIME_IDENTITY_JSON={"artifact_id":"a1"}`)
	if err := h.sim.SetHealthMode(id, dokploysim.HealthStaleIdentity, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	health := func() string { return string(h.get(dokploysim.AppPath(id) + "/health").body) }
	h.deploy(id)
	h.clock.Advance(time.Second)
	if got := health(); got != `{"ok":true,"runtime_identity":{"artifact_id":"a1"}}` {
		t.Errorf("first deploy (no old replica) = %s", got)
	}

	h.saveEnv(id, `LAUNCHPLANE_RUNTIME_IDENTITY_JSON={"artifact_id":"a2"}`)
	h.deploy(id)
	h.clock.Advance(time.Second) // done at +1s
	tests := []struct {
		after time.Duration
		want  string
	}{
		{0, `{"ok":true,"runtime_identity":{"artifact_id":"a1"}}`},
		{9 * time.Second, `{"ok":true,"runtime_identity":{"artifact_id":"a1"}}`},
		{time.Second, `{"ok":true,"runtime_identity":{"artifact_id":"a2"}}`},
	}
	for _, tt := range tests {
		h.clock.Advance(tt.after)
		if got := health(); got != tt.want {
			t.Errorf("after +%v: %s, want %s", tt.after, got, tt.want)
		}
	}
	if r := h.do(http.MethodPost, "/__sim/health-mode", map[string]string{"id": id, "mode": "stale-identity", "duration": "5s"}, nil); r.status != 200 {
		t.Errorf("control route = %d %s", r.status, r.body)
	}
}
