package dokploysim_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploysim"
)

type scheduleRow struct {
	ScheduleID     string          `json:"scheduleId"`
	Name           string          `json:"name"`
	CronExpression string          `json:"cronExpression"`
	AppName        string          `json:"appName"`
	ShellType      string          `json:"shellType"`
	ScheduleType   string          `json:"scheduleType"`
	Command        string          `json:"command"`
	Script         *string         `json:"script"`
	ApplicationID  *string         `json:"applicationId"`
	ServerID       *string         `json:"serverId"`
	OrganizationID *string         `json:"organizationId"`
	Enabled        bool            `json:"enabled"`
	Timezone       *string         `json:"timezone"`
	Application    map[string]any  `json:"application"`
	Deployments    []deploymentRow `json:"deployments"`
}

func (h *harness) createSchedule(body map[string]any) scheduleRow {
	h.t.Helper()
	var row scheduleRow
	mustOK(h.t, h.post("/api/schedule.create", body), &row)
	return row
}

func (h *harness) schedules(id, typ string) []scheduleRow {
	h.t.Helper()
	var rows []scheduleRow
	mustOK(h.t, h.get("/api/schedule.list?id="+id+"&scheduleType="+typ), &rows)
	return rows
}

func (h *harness) scheduleDeployments(scheduleID string) []deploymentRow {
	h.t.Helper()
	var rows []deploymentRow
	mustOK(h.t, h.get("/api/deployment.allByType?type=schedule&id="+scheduleID), &rows)
	return rows
}

// appCommand is Launchplane's one-off application command schedule (§10).
func appCommand(appID, name string) map[string]any {
	return map[string]any{
		"name": name, "cronExpression": "0 0 31 2 *", "scheduleType": "application", "shellType": "sh",
		"command": "bin/migrate", "applicationId": appID, "enabled": false, "timezone": "UTC",
		"userId": "legacy-owner-is-stripped",
	}
}

func TestScheduleCreateListUpdateDelete(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	appID := h.dockerApp("img:1", "")

	created := h.createSchedule(appCommand(appID, "migrate"))
	utc := "UTC"
	want := scheduleRow{
		ScheduleID: created.ScheduleID, Name: "migrate", CronExpression: "0 0 31 2 *", AppName: created.AppName,
		ShellType: "sh", ScheduleType: "application", Command: "bin/migrate", ApplicationID: &appID,
		Enabled: false, Timezone: &utc,
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("created (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(created.AppName, "schedule-") {
		t.Errorf("generated appName = %q, want schedule-…", created.AppName)
	}

	// Defaults, and an exact echo of a submitted appName (no rewrite).
	host := h.createSchedule(map[string]any{
		"name": "backup gate", "cronExpression": "0 0 31 2 *", "command": "backup-gate",
		"scheduleType": "dokploy-server", "serverId": nil, "appName": "platform-Acme-prod-data-workflow",
		"script": "#!/bin/bash\nset -eu\n",
	})
	if host.AppName != "platform-Acme-prod-data-workflow" || host.ShellType != "bash" || !host.Enabled ||
		host.Script == nil || *host.Script != "#!/bin/bash\nset -eu\n" || host.OrganizationID == nil {
		t.Errorf("host schedule = %+v", host)
	}
	second := h.createSchedule(appCommand(appID, "seed"))

	// Oldest first, filtered on the owner column, with the application relation.
	rows := h.schedules(appID, "application")
	if len(rows) != 2 || rows[0].Name != "migrate" || rows[1].Name != "seed" {
		t.Fatalf("application list = %+v", rows)
	}
	if rows[0].Application["applicationId"] != appID || rows[0].Deployments == nil {
		t.Errorf("relations: application %v, deployments %v", rows[0].Application, rows[0].Deployments)
	}
	// dokploy-server ignores the id and filters by organization.
	if rows := h.schedules("whatever-user-id", "dokploy-server"); len(rows) != 1 || rows[0].ScheduleID != host.ScheduleID {
		t.Errorf("dokploy-server list = %+v", rows)
	}
	if rows := h.schedules("other-app", "application"); len(rows) != 0 {
		t.Errorf("unrelated id = %+v", rows)
	}

	// Update needs the whole schema again; keys left out keep their value.
	r := h.post("/api/schedule.update", map[string]any{"scheduleId": second.ScheduleID, "command": "bin/seed"})
	var body map[string]any
	mustDecode(t, r.body, &body)
	fields := body["data"].(map[string]any)["zodError"].(map[string]any)["fieldErrors"].(map[string]any)
	if r.status != 400 || fields["name"] == nil || fields["cronExpression"] == nil || fields["command"] != nil {
		t.Errorf("partial update = %d %s", r.status, r.body)
	}
	var updated scheduleRow
	mustOK(t, h.post("/api/schedule.update", map[string]any{
		"scheduleId": second.ScheduleID, "name": "seed", "cronExpression": "0 0 31 2 *", "command": "bin/seed --fast",
	}), &updated)
	if updated.Command != "bin/seed --fast" || updated.ShellType != "sh" || updated.Timezone == nil || updated.AppName != second.AppName {
		t.Errorf("updated = %+v", updated)
	}
	if r := h.post("/api/schedule.update", map[string]any{
		"scheduleId": "nope", "name": "x", "cronExpression": "x", "command": "x",
	}); r.status != 404 || !strings.Contains(string(r.body), `"Schedule not found"`) {
		t.Errorf("unknown update = %d %s", r.status, r.body)
	}

	// Validation: enums, and an applicationId naming nothing (a FK error).
	if r := h.post("/api/schedule.create", map[string]any{"name": "x", "cronExpression": "x", "command": "x", "shellType": "zsh"}); r.status != 400 {
		t.Errorf("shellType zsh = %d", r.status)
	}
	if r := h.post("/api/schedule.create", appCommand("no-such-app", "x")); r.status != 500 || !strings.Contains(string(r.body), "foreign key") {
		t.Errorf("unknown application = %d %s", r.status, r.body)
	}

	// Delete answers true, takes the runs with it, and is 404 the second time.
	mustOK(t, h.post("/api/schedule.runManually", map[string]any{"scheduleId": second.ScheduleID}), nil)
	if r := h.post("/api/schedule.delete", map[string]any{"scheduleId": second.ScheduleID}); r.status != 200 || string(r.body) != "true" {
		t.Errorf("delete = %d %s", r.status, r.body)
	}
	if rows := h.scheduleDeployments(second.ScheduleID); len(rows) != 0 {
		t.Errorf("runs of a deleted schedule = %+v", rows)
	}
	if r := h.post("/api/schedule.delete", map[string]any{"scheduleId": second.ScheduleID}); r.status != 404 {
		t.Errorf("second delete = %d", r.status)
	}
	// Deleting the application cascades to its schedules.
	mustOK(t, h.post("/api/application.delete", map[string]any{"applicationId": appID}), nil)
	if rows := h.schedules(appID, "application"); len(rows) != 0 {
		t.Errorf("schedules of a deleted application = %+v", rows)
	}
}

type runResult struct {
	Status       string `json:"status"`
	DeploymentID string `json:"deploymentId"`
	LogPath      string `json:"logPath"`
}

func TestScheduleRunManually(t *testing.T) {
	h := newHarness(t, dokploysim.Config{})
	appID := h.dockerApp("img:1", "")
	sched := h.createSchedule(appCommand(appID, "migrate"))
	run := func() response {
		return h.post("/api/schedule.runManually", map[string]any{"scheduleId": sched.ScheduleID})
	}

	// No live snapshot yet: the container is not found, and v0.30 still says 200.
	var res runResult
	mustOK(t, run(), &res)
	if res.Status != "error" || res.DeploymentID == "" || !strings.HasPrefix(res.LogPath, "/etc/dokploy/schedules/") {
		t.Fatalf("run before deploy = %+v", res)
	}
	logs := h.get("/api/deployment.readLogs?deploymentId=" + res.DeploymentID)
	wantMsg := "Container not found for application '" + appName(t, h, appID) + "', make sure the service is running"
	if !strings.Contains(string(logs.body), wantMsg) {
		t.Errorf("run log %s lacks %q", logs.body, wantMsg)
	}

	h.deploy(appID)
	h.deployments(appID)
	mustOK(t, run(), &res)
	if res.Status != "done" {
		t.Fatalf("run after deploy = %+v", res)
	}
	rows := h.scheduleDeployments(sched.ScheduleID)
	if len(rows) != 2 || rows[0].DeploymentID != res.DeploymentID || rows[0].Title != "Schedule" || rows[0].Status != "done" || rows[1].Status != "error" {
		t.Fatalf("schedule rows, newest first = %+v", rows)
	}
	// Embedded in schedule.list, newest first too; not in the application's own history.
	if l := h.schedules(appID, "application"); len(l[0].Deployments) != 2 || l[0].Deployments[0].DeploymentID != res.DeploymentID {
		t.Errorf("embedded deployments = %+v", l[0].Deployments)
	}
	if n := len(h.deployments(appID)); n != 1 {
		t.Errorf("application history has %d rows, want only its deploy", n)
	}
	if r := h.post("/api/schedule.runManually", map[string]any{"scheduleId": "nope"}); r.status != 404 {
		t.Errorf("unknown schedule = %d", r.status)
	}

	t.Run("failing run", func(t *testing.T) {
		mustOK(t, h.do(http.MethodPost, "/__sim/faults/schedule-run-error", map[string]string{"id": sched.ScheduleID}, nil), nil)
		mustOK(t, run(), &res)
		if res.Status != "error" || h.scheduleDeployments(sched.ScheduleID)[0].Status != "error" {
			t.Errorf("failed run = %+v", res)
		}
		mustOK(t, run(), &res)
		if res.Status != "done" {
			t.Errorf("the fault outlived one run: %+v", res)
		}
	})
	t.Run("stale running row", func(t *testing.T) {
		if err := h.sim.StaleNextScheduleRun(sched.ScheduleID); err != nil {
			t.Fatal(err)
		}
		mustOK(t, run(), &res)
		stale := h.scheduleDeployments(sched.ScheduleID)[0]
		if res.Status != "done" || stale.Status != "running" || stale.FinishedAt != nil {
			t.Fatalf("stale run = %+v, row %+v", res, stale)
		}
		// The next run supersedes it.
		mustOK(t, run(), &res)
		rows := h.scheduleDeployments(sched.ScheduleID)
		if rows[0].Status != "done" || rows[1].DeploymentID != stale.DeploymentID || rows[1].Status != "error" {
			t.Errorf("after the next run = %+v", rows[:2])
		}
	})
	t.Run("legacy shape", func(t *testing.T) {
		mustOK(t, h.do(http.MethodPost, "/__sim/schedule-legacy", map[string]bool{"enabled": true}, nil), nil)
		defer h.sim.SetLegacyScheduleRuns(false)
		if r := run(); r.status != 200 || string(r.body) != "true" {
			t.Errorf("legacy success = %d %s", r.status, r.body)
		}
		if err := h.sim.FailNextScheduleRun(sched.ScheduleID); err != nil {
			t.Fatal(err)
		}
		r := run()
		var body map[string]any
		mustDecode(t, r.body, &body)
		if r.status != 500 || body["message"] != "Remote command failed with exit code 1" || body["code"] != "INTERNAL_SERVER_ERROR" {
			t.Errorf("legacy failure = %d %s", r.status, r.body)
		}
		if rows := h.scheduleDeployments(sched.ScheduleID); rows[0].Status != "error" {
			t.Errorf("legacy failed row = %+v", rows[0])
		}
	})
	t.Run("unknown schedule fault", func(t *testing.T) {
		if err := h.sim.FailNextScheduleRun("nope"); err == nil {
			t.Error("FailNextScheduleRun(unknown) = nil")
		}
		if r := h.do(http.MethodPost, "/__sim/faults/schedule-run-stale", map[string]string{"id": "nope"}, nil); r.status != 404 {
			t.Errorf("control route for unknown schedule = %d", r.status)
		}
	})
}

func appName(t *testing.T, h *harness, appID string) string {
	t.Helper()
	var app struct {
		AppName string `json:"appName"`
	}
	mustOK(t, h.get("/api/application.one?applicationId="+appID), &app)
	return app.AppName
}

// TestScheduleRunIsSynchronous checks that runManually blocks for
// JobDuration of sim-clock time with its row visibly running, and that a
// caller giving up does not stop the run.
func TestScheduleRunIsSynchronous(t *testing.T) {
	h := newHarness(t, dokploysim.Config{JobDuration: 30 * time.Second})
	sched := h.createSchedule(map[string]any{
		"name": "gate", "cronExpression": "0 0 31 2 *", "command": "gate", "scheduleType": "dokploy-server", "serverId": nil,
	})
	done := h.runAsync(sched.ScheduleID)

	var rows []deploymentRow
	for deadline := time.Now().Add(5 * time.Second); len(rows) == 0 && time.Now().Before(deadline); {
		rows = h.scheduleDeployments(sched.ScheduleID)
	}
	if len(rows) != 1 || rows[0].Status != "running" {
		t.Fatalf("rows while the run blocks = %+v", rows)
	}
	select {
	case a := <-done:
		t.Fatalf("runManually returned before the clock moved: %+v", a)
	case <-time.After(50 * time.Millisecond):
	}
	h.clock.Advance(30 * time.Second)
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	var res runResult
	mustOK(t, a.r, &res)
	if res.Status != "done" || res.DeploymentID != rows[0].DeploymentID {
		t.Errorf("result = %+v", res)
	}
	if rows := h.scheduleDeployments(sched.ScheduleID); rows[0].Status != "done" || *rows[0].FinishedAt != "2026-08-21T12:00:30.000Z" {
		t.Errorf("finished row = %+v", rows[0])
	}

	// A restart mid-run drops the caller and cancels the dokploy-server row.
	dropped := h.runAsync(sched.ScheduleID)
	for deadline := time.Now().Add(5 * time.Second); len(h.scheduleDeployments(sched.ScheduleID)) < 2 && time.Now().Before(deadline); {
	}
	h.sim.Restart()
	if a := <-dropped; a.err == nil {
		t.Error("a run cut by a restart answered")
	}
	if rows := h.scheduleDeployments(sched.ScheduleID); rows[0].Status != "cancelled" {
		t.Errorf("row after restart = %+v", rows[0])
	}
}

type asyncResult struct {
	r   response
	err error
}

// runAsync calls schedule.runManually from another goroutine, where the
// test must not fail; a dropped connection is reported as err.
func (h *harness) runAsync(scheduleID string) <-chan asyncResult {
	out := make(chan asyncResult, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/schedule.runManually",
			strings.NewReader(`{"scheduleId":"`+scheduleID+`"}`))
		req.Header.Set("x-api-key", testKey)
		req.Header.Set("Content-Type", "application/json")
		res, err := h.srv.Client().Do(req)
		if err != nil {
			out <- asyncResult{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		out <- asyncResult{r: response{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), body: b}, err: err}
	}()
	return out
}
