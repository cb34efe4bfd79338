package dokploy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
)

// newSimWith is newSim with the simulator and client configs adjusted,
// and the handler optionally wrapped.
func newSimWith(t *testing.T, simMod func(*dokploysim.Config), clientMod func(*dokploy.Config), wrap func(http.Handler) http.Handler) (*dokploysim.Sim, *dokploy.Client, *simClock, string) {
	t.Helper()
	clock := &simClock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}
	cfg := dokploysim.Config{APIKey: simKey, Now: clock.now, QueueDelay: time.Second, BuildDuration: 3 * time.Second}
	if simMod != nil {
		simMod(&cfg)
	}
	sim := dokploysim.New(cfg)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ccfg := dokploy.Config{BaseURL: srv.URL, APIKey: simKey, Backoff: func(int) time.Duration { return 0 }}
	if clientMod != nil {
		clientMod(&ccfg)
	}
	c, err := dokploy.New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, clock, srv.URL
}

// oneOff is Launchplane's "run this now" application schedule (§10).
func oneOff(appID, name, command string) dokploy.ScheduleInput {
	return dokploy.ScheduleInput{
		Name: name, CronExpression: "0 0 31 2 *", Command: command, ShellType: "sh",
		ScheduleType: dokploy.ScheduleApplication, ApplicationID: &appID, Enabled: false, Timezone: ptr("UTC"),
	}
}

func latestRun(t *testing.T, c *dokploy.Client, scheduleID string) dokploy.Deployment {
	t.Helper()
	runs, err := c.DeploymentsByType(context.Background(), scheduleID, "schedule")
	if err != nil || len(runs) == 0 {
		t.Fatalf("schedule runs: %+v, %v", runs, err)
	}
	return runs[0]
}

func TestSchedulesAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, _ := newSim(t)
	app := shipApp(t, sim, c, clock)

	// Upsert creates, then rewrites the same schedule in place.
	created, err := c.UpsertSchedule(ctx, oneOff(app.ApplicationID, "migrate", "bin/migrate"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.AppName, "schedule-") || created.Enabled || created.ShellType != "sh" {
		t.Errorf("created = %+v", created)
	}
	updated, err := c.UpsertSchedule(ctx, oneOff(app.ApplicationID, "migrate", "bin/migrate --all"))
	if err != nil {
		t.Fatal(err)
	}
	if updated.ScheduleID != created.ScheduleID || updated.Command != "bin/migrate --all" {
		t.Errorf("second upsert = %+v, want the same schedule rewritten", updated)
	}
	if ss, err := c.Schedules(ctx, app.ApplicationID, dokploy.ScheduleApplication); err != nil || len(ss) != 1 {
		t.Fatalf("schedules = %+v, %v", ss, err)
	}

	// A successful run: the v0.30 shape and a "Schedule" row.
	run, err := c.RunSchedule(ctx, created.ScheduleID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	row := latestRun(t, c, created.ScheduleID)
	if run.Status != dokploy.StatusDone || run.Legacy || row.DeploymentID != run.DeploymentID ||
		row.Title != "Schedule" || row.Status != dokploy.StatusDone || row.ScheduleID != created.ScheduleID || row.LogPath != run.LogPath {
		t.Fatalf("run %+v, row %+v", run, row)
	}

	// A failing run is a 200 with status error on v0.30.
	if err := sim.FailNextScheduleRun(created.ScheduleID); err != nil {
		t.Fatal(err)
	}
	run, err = c.RunSchedule(ctx, created.ScheduleID, time.Minute)
	if err != nil || run.Status != dokploy.StatusError || latestRun(t, c, created.ScheduleID).Status != dokploy.StatusError {
		t.Errorf("failed run = %+v, %v", run, err)
	}
	// A stale run answers done but leaves its row running; Launchplane's
	// "is a run still going" check must see it.
	if err := sim.StaleNextScheduleRun(created.ScheduleID); err != nil {
		t.Fatal(err)
	}
	run, err = c.RunSchedule(ctx, created.ScheduleID, time.Minute)
	if err != nil || run.Status != dokploy.StatusDone {
		t.Fatalf("stale run = %+v, %v", run, err)
	}
	ss, err := c.Schedules(ctx, app.ApplicationID, dokploy.ScheduleApplication)
	if err != nil || len(ss[0].Deployments) != 3 || ss[0].Deployments[0].Status != dokploy.StatusRunning {
		t.Errorf("embedded runs after a stale run = %+v, %v", ss, err)
	}

	// Legacy (≤0.29): true, or a 500 that is a remote command failure and
	// is not retried.
	sim.SetLegacyScheduleRuns(true)
	if run, err := c.RunSchedule(ctx, created.ScheduleID, time.Minute); err != nil || !run.Legacy {
		t.Errorf("legacy success = %+v, %v", run, err)
	}
	if err := sim.FailNextScheduleRun(created.ScheduleID); err != nil {
		t.Fatal(err)
	}
	before := len(sim.Requests())
	_, err = c.RunSchedule(ctx, created.ScheduleID, time.Minute)
	if e := apiErr(t, err); e.Status != 500 || e.Message != "Remote command failed with exit code 1" || !dokploy.IsRemoteCommandFailed(err) {
		t.Errorf("legacy failure = %v", err)
	}
	if n := len(sim.Requests()) - before; n != 1 {
		t.Errorf("a failed run was sent %d times", n)
	}
	sim.SetLegacyScheduleRuns(false)

	// Errors: 400 naming the field, 404 for unknown ids.
	bad := oneOff(app.ApplicationID, "x", "true")
	bad.ShellType = "zsh"
	_, err = c.CreateSchedule(ctx, bad)
	if e := apiErr(t, err); e.Status != 400 || len(e.FieldErrors["shellType"]) != 1 {
		t.Errorf("shellType zsh = %v (%+v)", err, e.FieldErrors)
	}
	if _, err := c.UpdateSchedule(ctx, "no-such-schedule", oneOff(app.ApplicationID, "x", "true")); !dokploy.IsNotFound(err) {
		t.Errorf("update unknown = %v", err)
	}
	if _, err := c.RunSchedule(ctx, "no-such-schedule", time.Minute); !dokploy.IsNotFound(err) {
		t.Errorf("run unknown = %v", err)
	}
	if err := c.DeleteSchedule(ctx, "no-such-schedule"); !dokploy.IsNotFound(err) {
		t.Errorf("delete unknown = %v", err)
	}
	if _, err := c.Schedules(ctx, app.ApplicationID, "cron"); err == nil {
		t.Error("an unknown schedule type was sent")
	}

	// Delete takes the runs with it.
	if err := c.DeleteSchedule(ctx, created.ScheduleID); err != nil {
		t.Fatal(err)
	}
	if runs, err := c.DeploymentsByType(ctx, created.ScheduleID, "schedule"); err != nil || len(runs) != 0 {
		t.Errorf("runs of a deleted schedule = %+v, %v", runs, err)
	}
}

func TestScheduleWithoutRunningContainer(t *testing.T) {
	ctx := context.Background()
	sim, c, _, _ := newSim(t)
	app, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSchedule(ctx, oneOff(app.ApplicationID, "migrate", "bin/migrate"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Container not found for application '" + app.AppName + "', make sure the service is running"
	run, err := c.RunSchedule(ctx, s.ScheduleID, time.Minute)
	if err != nil || run.Status != dokploy.StatusError {
		t.Fatalf("run = %+v, %v", run, err)
	}
	if logs, err := c.DeploymentLogs(ctx, run.DeploymentID, 20); err != nil || !strings.Contains(logs, want) {
		t.Errorf("run log = %q, %v", logs, err)
	}
	sim.SetLegacyScheduleRuns(true)
	_, err = c.RunSchedule(ctx, s.ScheduleID, time.Minute)
	if e := apiErr(t, err); e.Status != 500 || e.Message != want || dokploy.IsRemoteCommandFailed(err) {
		t.Errorf("legacy = %v", err)
	}
}

func TestUpsertSchedule(t *testing.T) {
	ctx := context.Background()

	t.Run("duplicate names are refused", func(t *testing.T) {
		sim, c, clock, _ := newSim(t)
		app := shipApp(t, sim, c, clock)
		for range 2 {
			if _, err := c.CreateSchedule(ctx, oneOff(app.ApplicationID, "seed", "bin/seed")); err != nil {
				t.Fatal(err)
			}
		}
		before := len(sim.Requests())
		_, err := c.UpsertSchedule(ctx, oneOff(app.ApplicationID, "seed", "bin/seed"))
		if !errors.Is(err, dokploy.ErrDuplicateSchedule) {
			t.Errorf("err = %v, want ErrDuplicateSchedule", err)
		}
		if got := sim.Requests()[before:]; len(got) != 1 || got[0].Path != "/api/schedule.list" {
			t.Errorf("requests = %+v, want only the list", got)
		}
	})

	t.Run("host schedule matched by appName", func(t *testing.T) {
		_, c, _, _ := newSim(t)
		script := "#!/bin/bash\nset -euo pipefail\nodoo-backup-gate\n"
		in := dokploy.ScheduleInput{
			Name: "acme-prod data workflow", CronExpression: "0 0 31 2 *", Command: "data-workflow",
			AppName: "platform-acme-prod-data-workflow", ShellType: "bash", ScheduleType: dokploy.ScheduleDokployServer,
			Script: &script, Enabled: false, Timezone: ptr("UTC"),
		}
		first, err := c.UpsertSchedule(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		in.Name = "acme-prod data workflow (renamed)"
		second, err := c.UpsertSchedule(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if second.ScheduleID != first.ScheduleID || second.Name != in.Name || second.AppName != in.AppName ||
			second.Script == nil || *second.Script != script || second.OrganizationID == nil {
			t.Errorf("second = %+v, want the first rewritten", second)
		}
	})

	t.Run("read-back mismatch", func(t *testing.T) {
		// A proxy (or a Dokploy that normalises values) changes what is read back.
		normalise := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/schedule.list" {
					next.ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"timezone":"UTC"`), []byte(`"timezone":"Etc/UTC"`))
				body = bytes.ReplaceAll(body, []byte(`"enabled":false`), []byte(`"enabled":true`))
				w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
				w.WriteHeader(rec.Code)
				_, _ = io.Copy(w, bytes.NewReader(body))
			})
		}
		sim, c, clock, _ := newSimWith(t, nil, nil, normalise)
		app := shipApp(t, sim, c, clock)
		_, err := c.UpsertSchedule(ctx, oneOff(app.ApplicationID, "migrate", "bin/migrate"))
		if !errors.Is(err, dokploy.ErrScheduleMismatch) || !strings.Contains(err.Error(), "enabled, timezone") {
			t.Errorf("err = %v, want a mismatch naming enabled and timezone", err)
		}
	})

	t.Run("input checks", func(t *testing.T) {
		_, c, _, _ := newSim(t)
		tests := []struct {
			name string
			in   dokploy.ScheduleInput
		}{
			{"no command", dokploy.ScheduleInput{Name: "x", CronExpression: "x", ApplicationID: ptr("a")}},
			{"application without id", dokploy.ScheduleInput{Name: "x", CronExpression: "x", Command: "x"}},
			{"server without id", dokploy.ScheduleInput{Name: "x", CronExpression: "x", Command: "x", ScheduleType: dokploy.ScheduleServer}},
			{"unknown type", dokploy.ScheduleInput{Name: "x", CronExpression: "x", Command: "x", ScheduleType: "cron"}},
		}
		for _, tt := range tests {
			if _, err := c.UpsertSchedule(ctx, tt.in); err == nil {
				t.Errorf("%s: no error", tt.name)
			}
		}
	})
}

// TestRunScheduleUsesJobTimeout: runManually blocks for the whole job, so
// RunSchedule outlives the client's per-request timeout; a job timeout
// that is too short fails with the run still going on the server.
func TestRunScheduleUsesJobTimeout(t *testing.T) {
	ctx := context.Background()
	_, c, clock, _ := newSimWith(t,
		func(cfg *dokploysim.Config) { cfg.JobDuration = 30 * time.Second },
		func(cfg *dokploy.Config) { cfg.Timeout = 50 * time.Millisecond }, nil)
	s, err := c.CreateSchedule(ctx, dokploy.ScheduleInput{
		Name: "gate", CronExpression: "0 0 31 2 *", Command: "gate", ScheduleType: dokploy.ScheduleDokployServer,
	})
	if err != nil {
		t.Fatal(err)
	}
	waitRunning := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			runs, err := c.DeploymentsByType(ctx, s.ScheduleID, "schedule")
			if err == nil && len(runs) == n && runs[0].Status == dokploy.StatusRunning {
				return
			}
		}
		t.Fatalf("run %d never showed up running", n)
	}

	type result struct {
		run *dokploy.ScheduleRun
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := c.RunSchedule(ctx, s.ScheduleID, 10*time.Second)
		done <- result{run, err}
	}()
	waitRunning(1)
	time.Sleep(100 * time.Millisecond) // past the client's 50ms request timeout
	clock.add(30 * time.Second)
	if r := <-done; r.err != nil || r.run.Status != dokploy.StatusDone {
		t.Fatalf("run = %+v, %v", r.run, r.err)
	}

	_, err = c.RunSchedule(ctx, s.ScheduleID, 100*time.Millisecond)
	if !errors.Is(err, dokploy.ErrTransient) {
		t.Fatalf("short job timeout = %v, want a transient (effect unknown) error", err)
	}
	waitRunning(2)
	clock.add(30 * time.Second)
	if row := latestRun(t, c, s.ScheduleID); row.Status != dokploy.StatusDone {
		t.Errorf("the abandoned run = %+v, want it finished on the server", row)
	}
}

func TestBuildTypeAndDeletesAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, base := newSim(t)
	app := shipApp(t, sim, c, clock)

	in := dokploy.SaveBuildTypeInput{
		ApplicationID: app.ApplicationID, BuildType: "dockerfile", Dockerfile: ptr("Dockerfile.prod"), DockerBuildStage: ptr("runtime"),
	}
	if err := c.SaveBuildType(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := c.Application(ctx, app.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	type build struct {
		BuildType                                                      string
		Dockerfile, DockerContextPath, DockerBuildStage, HerokuVersion *string
	}
	want := build{"dockerfile", ptr("Dockerfile.prod"), nil, ptr("runtime"), nil}
	if diff := cmp.Diff(want, build{got.BuildType, got.Dockerfile, got.DockerContextPath, got.DockerBuildStage, got.HerokuVersion}); diff != "" {
		t.Errorf("build read back (-want +got):\n%s", diff)
	}
	in.BuildType = "docker"
	err = c.SaveBuildType(ctx, in)
	if e := apiErr(t, err); e.Status != 400 || len(e.FieldErrors["buildType"]) != 1 {
		t.Errorf("buildType docker = %v", err)
	}
	in.BuildType, in.ApplicationID = "static", "no-such-app"
	if err := c.SaveBuildType(ctx, in); !dokploy.IsNotFound(err) {
		t.Errorf("unknown application = %v", err)
	}

	deleted, err := c.DeleteApplication(ctx, app.ApplicationID)
	if err != nil || deleted.ApplicationID != app.ApplicationID || len(deleted.Deployments) != 1 {
		t.Fatalf("delete application = %+v, %v", deleted, err)
	}
	if _, err := c.Application(ctx, app.ApplicationID); !dokploy.IsNotFound(err) {
		t.Errorf("read after delete = %v", err)
	}
	if _, err := c.DeleteApplication(ctx, app.ApplicationID); !dokploy.IsNotFound(err) {
		t.Errorf("second delete = %v", err)
	}

	var created struct {
		ComposeID string `json:"composeId"`
	}
	rawPost(t, base, "compose.create", map[string]any{"name": "odoo", "environmentId": sim.DefaultEnvironmentID()}, &created)
	if _, err := c.DeployCompose(ctx, created.ComposeID, "op", ""); err != nil {
		t.Fatal(err)
	}
	cm, err := c.DeleteCompose(ctx, created.ComposeID, false)
	if err != nil || cm.ComposeID != created.ComposeID {
		t.Fatalf("delete compose = %+v, %v", cm, err)
	}
	clock.add(time.Hour) // the queued deploy was dropped with it
	if _, err := c.Compose(ctx, created.ComposeID); !dokploy.IsNotFound(err) {
		t.Errorf("read after delete = %v", err)
	}
	if _, err := c.DeleteCompose(ctx, created.ComposeID, true); !dokploy.IsNotFound(err) {
		t.Errorf("second delete = %v", err)
	}
}

// TestQueuedGapWhileOlderDeploymentDone is §12.4 item 2: right after a
// deploy is triggered, the newest row is the previous, finished deploy. A
// client that reads "latest = done" at once reports a false success; only
// the before-key (or a title) tells the new row apart.
func TestQueuedGapWhileOlderDeploymentDone(t *testing.T) {
	ctx := context.Background()
	sim, c, clock, _ := newSimWith(t, func(cfg *dokploysim.Config) { cfg.QueueDelay = 20 * time.Second }, nil, nil)
	app, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: sim.DefaultEnvironmentID()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: app.ApplicationID, DockerImage: ptr("img:1")}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeployApplication(ctx, app.ApplicationID, "op-1", ""); err != nil {
		t.Fatal(err)
	}
	clock.add(23 * time.Second)

	latest := func() dokploy.Deployment {
		t.Helper()
		ds, err := c.Deployments(ctx, app.ApplicationID)
		if err != nil || len(ds) == 0 {
			t.Fatalf("deployments: %+v, %v", ds, err)
		}
		// Never trust array order: newest by createdAt.
		slices.SortFunc(ds, func(a, b dokploy.Deployment) int { return strings.Compare(b.CreatedAt, a.CreatedAt) })
		return ds[0]
	}
	old := latest()
	if old.Status != dokploy.StatusDone {
		t.Fatalf("first deploy = %+v", old)
	}

	if err := c.DeployApplication(ctx, app.ApplicationID, "op-2", ""); err != nil {
		t.Fatal(err)
	}
	for _, wait := range []time.Duration{0, 10 * time.Second, 9 * time.Second} {
		clock.add(wait)
		naive := latest()
		if naive.DeploymentID != old.DeploymentID || naive.Status != dokploy.StatusDone {
			t.Fatalf("+%v into the queued gap, latest = %+v; want the old done row", wait, naive)
		}
	}
	clock.add(time.Second)
	if cur := latest(); cur.DeploymentID == old.DeploymentID || cur.Status != dokploy.StatusRunning || cur.Title != "op-2" {
		t.Fatalf("after the gap, latest = %+v", cur)
	}
	clock.add(3 * time.Second)
	if cur := latest(); cur.DeploymentID == old.DeploymentID || cur.Status != dokploy.StatusDone {
		t.Fatalf("finished = %+v", cur)
	}
}
