package dokploysim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// schedule is a schedule row (§4.6). Every column keeps the exact value
// submitted, because Launchplane reads the row back and compares it field
// by field (§10).
type schedule struct {
	ScheduleID     string  `json:"scheduleId"`
	Name           string  `json:"name"`
	Description    *string `json:"description"`
	CronExpression string  `json:"cronExpression"`
	AppName        string  `json:"appName"`
	ServiceName    *string `json:"serviceName"`
	ShellType      string  `json:"shellType"`
	ScheduleType   string  `json:"scheduleType"`
	Command        string  `json:"command"`
	Script         *string `json:"script"`
	ApplicationID  *string `json:"applicationId"`
	ComposeID      *string `json:"composeId"`
	ServerID       *string `json:"serverId"`
	OrganizationID *string `json:"organizationId"`
	Enabled        bool    `json:"enabled"`
	Timezone       *string `json:"timezone"`
	CreatedAt      string  `json:"createdAt"`

	deployments []*deployment // insertion (oldest-first) order
	faults      []runOutcome  // consumed one per run
}

// ErrUnknownSchedule is returned by schedule fault methods given an id that
// names no schedule.
var ErrUnknownSchedule = errors.New("unknown schedule")

// runOutcome is how a schedule run ends.
type runOutcome int

const (
	runDone runOutcome = iota
	// runError is a command that exits 1.
	runError
	// runStale answers the run as done but leaves its deployment row
	// "running" for good, like a run whose status update was lost; it is
	// what Launchplane's "refuse while a run is running" check trips on.
	runStale
)

// scheduleRun is a schedule run in flight: schedule.runManually blocks
// until the sim clock reaches finishAt.
type scheduleRun struct {
	sched   *schedule
	dep     *deployment
	outcome runOutcome
	failMsg string // the error a failed run reports
	// startedAt is the row's createdAt, which stamp may have nudged past
	// the clock; finishedAt is never earlier.
	startedAt time.Time
	finishAt  time.Time
	finished  bool
	// aborted is set by Restart: the caller's connection is dropped.
	aborted bool
}

// Messages of a failed run.
const (
	remoteCommandFailed = "Remote command failed with exit code 1"
	supersededMessage   = "Superseded by a new run of this schedule."
)

// scheduleFields are the inputs of schedule.create; schedule.update takes
// them again, plus scheduleId (the whole schema applies, §4.6).
func scheduleFields() []field {
	ns := func(name string) field { return field{name: name, kind: kString, nullable: true} }
	return []field{
		{name: "name", kind: kString, required: true},
		{name: "cronExpression", kind: kString, required: true},
		{name: "command", kind: kString, required: true},
		{name: "appName", kind: kString},
		{name: "shellType", kind: kString, check: oneOf("bash", "sh")},
		{name: "scheduleType", kind: kString, check: oneOf(scheduleTypes...)},
		ns("script"),
		ns("applicationId"),
		ns("composeId"),
		ns("serverId"),
		ns("serviceName"),
		{name: "enabled", kind: kBool},
		ns("timezone"),
		ns("description"),
	}
}

var scheduleTypes = []string{"application", "compose", "server", "dokploy-server"}

func (s *Sim) scheduleOf(id string) (*schedule, *apiError) {
	for _, sc := range s.schedules {
		if sc.ScheduleID == id {
			return sc, nil
		}
	}
	return nil, notFound("Schedule not found")
}

// checkScheduleRefs answers an applicationId or composeId naming nothing
// the way Postgres does: a foreign-key violation, a plain Error, so 500.
func (s *Sim) checkScheduleRefs(sc *schedule) *apiError {
	if id := sc.ApplicationID; id != nil {
		if t := s.targets[*id]; t == nil || t.app == nil {
			return newError("INTERNAL_SERVER_ERROR", `insert or update on table "schedule" violates foreign key constraint "schedule_applicationId_application_applicationId_fk"`)
		}
	}
	if id := sc.ComposeID; id != nil {
		if t := s.targets[*id]; t == nil || t.compose == nil {
			return newError("INTERNAL_SERVER_ERROR", `insert or update on table "schedule" violates foreign key constraint "schedule_composeId_compose_composeId_fk"`)
		}
	}
	return nil
}

// scheduleCreate stores the submitted values verbatim, with the column
// defaults (shellType bash, scheduleType application, enabled true) and a
// generated schedule-… appName when none is given. A dokploy-server
// schedule belongs to the caller's organization (v0.29.7+).
func (s *Sim) scheduleCreate(in input) (any, *apiError) {
	sc := &schedule{ShellType: "bash", ScheduleType: "application", Enabled: true}
	if err := overlay(sc, in, "scheduleId"); err != nil {
		return nil, typeError(err)
	}
	if sc.AppName == "" {
		sc.AppName = s.rewriteAppName(nil, "schedule")
	}
	if ae := s.checkScheduleRefs(sc); ae != nil {
		return nil, ae
	}
	sc.OrganizationID = nil
	if sc.ScheduleType == "dokploy-server" {
		sc.OrganizationID = ptr(s.cfg.OrganizationID)
	}
	sc.ScheduleID = s.newID("sch")
	sc.CreatedAt = s.stamp(s.cfg.Now())
	s.schedules = append(s.schedules, sc)
	return sc, nil
}

// scheduleUpdate sets the given columns; keys left out keep their value.
func (s *Sim) scheduleUpdate(in input) (any, *apiError) {
	sc, err := s.scheduleOf(in.str("scheduleId"))
	if err != nil {
		return nil, err
	}
	next := *sc
	if e := overlay(&next, in, "scheduleId"); e != nil {
		return nil, typeError(e)
	}
	if ae := s.checkScheduleRefs(&next); ae != nil {
		return nil, ae
	}
	next.ScheduleID, next.CreatedAt, next.OrganizationID = sc.ScheduleID, sc.CreatedAt, sc.OrganizationID
	if next.ScheduleType == "dokploy-server" && next.OrganizationID == nil {
		next.OrganizationID = ptr(s.cfg.OrganizationID)
	}
	next.deployments, next.faults = sc.deployments, sc.faults
	*sc = next
	return sc, nil
}

// scheduleDelete removes a schedule and, by cascade, its deployments.
func (s *Sim) scheduleDelete(in input) (any, *apiError) {
	sc, err := s.scheduleOf(in.str("scheduleId"))
	if err != nil {
		return nil, err
	}
	for i, x := range s.schedules {
		if x == sc {
			s.schedules = append(s.schedules[:i], s.schedules[i+1:]...)
			break
		}
	}
	return true, nil
}

// scheduleList answers schedule.list: the schedules whose column for the
// given type equals id, oldest first, each with its relations and its
// deployments newest first. The filter is on the owner column, not on
// scheduleType itself, as Dokploy's is; for dokploy-server the id is
// ignored and the caller's organization is the filter (v0.29.7+).
func (s *Sim) scheduleList(in input) (any, *apiError) {
	id, typ := in.str("id"), in.str("scheduleType")
	out := []map[string]any{}
	for _, sc := range s.schedules {
		var match bool
		switch typ {
		case "application":
			match = deref(sc.ApplicationID) == id && sc.ApplicationID != nil
		case "compose":
			match = deref(sc.ComposeID) == id && sc.ComposeID != nil
		case "server":
			match = deref(sc.ServerID) == id && sc.ServerID != nil
		case "dokploy-server":
			match = deref(sc.OrganizationID) == s.cfg.OrganizationID
		}
		if !match {
			continue
		}
		row, err := rowMap(sc)
		if err != nil {
			return nil, newError("INTERNAL_SERVER_ERROR", err.Error())
		}
		row["application"], row["compose"], row["server"] = nil, nil, nil
		if t := s.targetOf(sc.ApplicationID); t != nil && t.app != nil {
			row["application"] = map[string]any{"applicationId": t.app.ApplicationID, "appName": t.app.AppName, "name": t.app.Name, "serverId": t.app.ServerID}
		}
		if t := s.targetOf(sc.ComposeID); t != nil && t.compose != nil {
			row["compose"] = map[string]any{"composeId": t.compose.ComposeID, "appName": t.compose.AppName, "name": t.compose.Name, "serverId": t.compose.ServerID}
		}
		if sc.ServerID != nil {
			// The simulator keeps no server rows; the id is all it knows.
			row["server"] = map[string]any{"serverId": *sc.ServerID}
		}
		row["deployments"] = newestFirstRows(sc.deployments)
		out = append(out, row)
	}
	return out, nil
}

func (s *Sim) targetOf(id *string) *target {
	if id == nil {
		return nil
	}
	return s.targets[*id]
}

// deferred is a procedure result that must be computed without the state
// lock, because it waits: serveAPI calls it after unlocking and renders
// what it returns with the lock held again.
type deferred func(ctx context.Context) (any, *apiError)

// abortConn is a deferred result that drops the caller's connection.
type abortConn struct{}

// runPoll is how often a blocked runManually looks at the clock again.
const runPoll = 2 * time.Millisecond

// scheduleRunManually runs a schedule synchronously (§12.3): any run of
// it still "running" is superseded, a "Schedule" row is created running,
// and the call returns when JobDuration of sim-clock time has passed —
// in the v0.30 shape {status, deploymentId, logPath}, 200 even when the
// command failed, or, in legacy mode, true or a 500.
func (s *Sim) scheduleRunManually(in input) (any, *apiError) {
	sc, err := s.scheduleOf(in.str("scheduleId"))
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	for _, d := range sc.deployments {
		if d.Status == "running" {
			d.Status = "error"
			d.ErrorMessage = ptr(supersededMessage)
			d.FinishedAt = ptr(s.stamp(now))
			d.logs = append(d.logs, supersededMessage)
		}
	}
	for _, r := range s.runs {
		if r.sched == sc {
			r.outcome, r.failMsg = runError, supersededMessage
		}
	}
	if n := len(sc.deployments); n >= maxHistory {
		sc.deployments = append([]*deployment(nil), sc.deployments[n-maxHistory:]...)
	}
	created := s.stamp(now)
	id := sc.ScheduleID
	dep := &deployment{
		DeploymentID: s.newID("dep"),
		Title:        "Schedule",
		Description:  ptr("Schedule"),
		Status:       "running",
		LogPath:      "/etc/dokploy/schedules/" + sc.AppName + "/" + sc.AppName + "-" + created + ".log",
		ScheduleID:   &id,
		CreatedAt:    created,
		StartedAt:    ptr(created),
	}
	sc.deployments = append(sc.deployments, dep)
	run := &scheduleRun{sched: sc, dep: dep, startedAt: s.lastStamp, finishAt: now.Add(s.cfg.JobDuration)}
	if msg := s.containerMissing(sc); msg != "" {
		run.outcome, run.failMsg = runError, msg
		dep.logs = append(dep.logs, msg)
	} else {
		if len(sc.faults) > 0 {
			run.outcome, sc.faults = sc.faults[0], sc.faults[1:]
		}
		if run.outcome == runError {
			run.failMsg = remoteCommandFailed
		}
		dep.logs = append(dep.logs, s.runStartLines(sc)...)
	}
	if !run.finishAt.After(now) {
		s.finishRun(run)
		return s.runResult(run)
	}
	s.runs = append(s.runs, run)
	return deferred(func(ctx context.Context) (any, *apiError) {
		tick := time.NewTicker(runPoll)
		defer tick.Stop()
		for {
			s.lock()
			finished, aborted := run.finished, run.aborted
			var out any
			var ae *apiError
			if finished {
				out, ae = s.runResult(run)
			}
			s.mu.Unlock()
			switch {
			case aborted:
				return abortConn{}, nil
			case finished:
				return out, ae
			}
			select {
			case <-ctx.Done():
				// The caller gave up; the command runs on regardless.
				return abortConn{}, nil
			case <-tick.C:
			}
		}
	}), nil
}

// containerMissing is the error of a run whose target has nothing running
// to exec into, or "" when it can run. Application wording is Dokploy's;
// compose wording is the simulator's analogue.
func (s *Sim) containerMissing(sc *schedule) string {
	switch sc.ScheduleType {
	case "application":
		t := s.targetOf(sc.ApplicationID)
		if t == nil || t.app == nil {
			return "Application not found"
		}
		if t.live == nil {
			return fmt.Sprintf("Container not found for application '%s', make sure the service is running", t.app.AppName)
		}
	case "compose":
		t := s.targetOf(sc.ComposeID)
		if t == nil || t.compose == nil {
			return "Compose not found"
		}
		if t.live == nil {
			return fmt.Sprintf("Container not found for compose '%s' service '%s', make sure the service is running", t.compose.AppName, deref(sc.ServiceName))
		}
	}
	return ""
}

// runStartLines is the first part of a run's log: what Dokploy executes.
func (s *Sim) runStartLines(sc *schedule) []string {
	switch sc.ScheduleType {
	case "application", "compose":
		name := ""
		if t := s.targetOf(sc.ApplicationID); t != nil {
			name = t.appName()
		} else if t := s.targetOf(sc.ComposeID); t != nil {
			name = t.appName()
		}
		return []string{fmt.Sprintf("docker exec %s %s -c %q", name, sc.ShellType, sc.Command)}
	}
	return []string{fmt.Sprintf("%s /etc/dokploy/schedules/%s/script.sh", sc.ShellType, sc.AppName)}
}

// advanceRuns finishes the runs whose time has come.
func (s *Sim) advanceRuns(now time.Time) {
	kept := s.runs[:0]
	for _, r := range s.runs {
		if r.finishAt.After(now) {
			kept = append(kept, r)
			continue
		}
		s.finishRun(r)
	}
	clear(s.runs[len(kept):])
	s.runs = kept
}

func (s *Sim) finishRun(r *scheduleRun) {
	r.finished = true
	dep := r.dep
	if dep.Status != "running" {
		return // superseded meanwhile
	}
	switch r.outcome {
	case runStale:
		return
	case runError:
		dep.Status = "error"
		if !slices.Contains(dep.logs, r.failMsg) {
			dep.logs = append(dep.logs, r.failMsg)
		}
		dep.logs = append(dep.logs, "Error occurred ❌, check the logs for details.")
	default:
		dep.Status = "done"
		dep.logs = append(dep.logs, "Schedule done ✅")
	}
	dep.FinishedAt = ptr(formatTime(later(r.finishAt, r.startedAt)))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// runResult is runManually's answer for a finished run.
func (s *Sim) runResult(r *scheduleRun) (any, *apiError) {
	failed := r.outcome == runError
	if s.legacyRuns {
		if failed {
			return nil, newError("INTERNAL_SERVER_ERROR", r.failMsg)
		}
		return true, nil
	}
	status := "done"
	if failed {
		status = "error"
	}
	return map[string]any{"status": status, "deploymentId": r.dep.DeploymentID, "logPath": r.dep.LogPath}, nil
}

// FailNextScheduleRun makes the next run of schedule id fail: its row ends
// "error", and runManually answers {"status":"error",…} (or, in legacy
// mode, 500 "Remote command failed with exit code 1").
func (s *Sim) FailNextScheduleRun(id string) error { return s.addRunFault(id, runError) }

// StaleNextScheduleRun makes the next run of schedule id answer as done
// while its deployment row stays "running" for good — a stale lock that the
// next run supersedes.
func (s *Sim) StaleNextScheduleRun(id string) error { return s.addRunFault(id, runStale) }

func (s *Sim) addRunFault(id string, o runOutcome) error {
	s.lock()
	defer s.mu.Unlock()
	sc, _ := s.scheduleOf(id)
	if sc == nil {
		return fmt.Errorf("add schedule fault %q: %w", id, ErrUnknownSchedule)
	}
	sc.faults = append(sc.faults, o)
	return nil
}

// SetLegacyScheduleRuns switches schedule.runManually to the ≤v0.29 shape:
// true on success, and a failed command as 500 with its message ("Remote
// command failed with exit code 1", or the container-not-found error).
func (s *Sim) SetLegacyScheduleRuns(on bool) {
	s.lock()
	defer s.mu.Unlock()
	s.legacyRuns = on
}

// newestFirstRows returns rows (kept oldest first) newest first.
func newestFirstRows(rows []*deployment) []*deployment {
	out := make([]*deployment, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		out = append(out, rows[i])
	}
	return out
}
