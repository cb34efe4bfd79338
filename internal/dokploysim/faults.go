package dokploysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrUnknownTarget is returned by fault methods given an id that names no
// application or compose.
var ErrUnknownTarget = errors.New("unknown application or compose")

// FailNextDeploy makes the next deploy of the application or compose id end
// with status "error"; its live copy stays as it was.
func (s *Sim) FailNextDeploy(id string) error { return s.addFault(id, outcomeError) }

// HangNextDeploy makes the next deploy of id stay "running" forever. Like
// Dokploy's single build worker, it then blocks every later deploy.
func (s *Sim) HangNextDeploy(id string) error { return s.addFault(id, outcomeHang) }

func (s *Sim) addFault(id string, o outcome) error {
	s.lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil {
		return fmt.Errorf("add fault %q: %w", id, ErrUnknownTarget)
	}
	t.faults = append(t.faults, o)
	return nil
}

// FailNextRequests makes the next n /api requests (health excluded) answer
// 500 INTERNAL_SERVER_ERROR before the auth gate, with no side effects.
func (s *Sim) FailNextRequests(n int) {
	s.lock()
	defer s.mu.Unlock()
	s.fail5xx = n
}

// RevokeKey makes every later /api call answer 401, as a revoked or
// rotated key does.
func (s *Sim) RevokeKey() {
	s.lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// InjectForeignDeploy records a deployment of id that someone else (an
// autodeploy webhook, another operator) ran to completion just now, with
// the given title. It ships the resource's current spec, so it also
// becomes live. It returns the new deployment id.
func (s *Sim) InjectForeignDeploy(id, title string) (string, error) {
	s.lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil {
		return "", fmt.Errorf("inject foreign deploy %q: %w", id, ErrUnknownTarget)
	}
	if n := len(t.deployments); n >= maxHistory {
		t.deployments = append([]*deployment(nil), t.deployments[n-maxHistory:]...)
	}
	now := s.cfg.Now()
	dep := s.newDeployment(t, title, nil, now)
	dep.Status = "done"
	dep.FinishedAt = ptr(dep.CreatedAt)
	dep.logs = []string{"Initializing deployment", "Build " + title, "Deployment done ✅"}
	t.deployments = append(t.deployments, dep)
	s.goLive(t, t.current(), now)
	return dep.DeploymentID, nil
}

// LiveEnv returns the env of id's last "done" deploy, and false if it has
// never finished one.
func (s *Sim) LiveEnv(id string) (string, bool) {
	s.lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil || t.live == nil {
		return "", false
	}
	return t.live.env, true
}

// LiveImage returns the docker image of application id's last "done"
// deploy, and false if it has never finished one.
func (s *Sim) LiveImage(id string) (string, bool) {
	s.lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil || t.live == nil {
		return "", false
	}
	return t.live.image, true
}

// runtimeIdentityKey is the env key Launchplane writes its runtime
// identity into.
const runtimeIdentityKey = "LAUNCHPLANE_RUNTIME_IDENTITY_JSON"

// LoseNextDeploy makes the next deploy of id vanish from the queue: the
// call succeeds but no deployment row ever appears, as when Dokploy
// restarts with the job still queued. A poller must time out.
func (s *Sim) LoseNextDeploy(id string) error { return s.addFault(id, outcomeLost) }

// Restart simulates a Dokploy restart: the in-memory queue is lost
// (queued and running jobs alike), every deployment row still "running"
// becomes "cancelled", and a resource whose status was "running" goes back
// to "idle". Live workloads keep running. Schedule runs in flight die with
// the process: their callers' connections drop, and their rows, like every
// running schedule row, stay "running" — except those of dokploy-server
// schedules, which are cancelled (§8).
func (s *Sim) Restart() {
	s.lock()
	defer s.mu.Unlock()
	s.queue = deployQueue{freeAt: s.cfg.Now()}
	for _, r := range s.runs {
		r.aborted = true
	}
	s.runs = nil
	for _, sc := range s.schedules {
		if sc.ScheduleType != "dokploy-server" {
			continue
		}
		for _, d := range sc.deployments {
			if d.Status == "running" {
				d.Status = "cancelled"
			}
		}
	}
	for _, t := range s.targets {
		for _, d := range t.deployments {
			if d.Status == "running" {
				d.Status = "cancelled"
			}
		}
		if t.app != nil && t.app.ApplicationStatus == "running" || t.compose != nil && t.compose.ComposeStatus == "running" {
			t.setStatus("idle")
		}
	}
}

// controlRequest is the body of every /__sim/ POST.
type controlRequest struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Count    int    `json:"count"`
	Line     string `json:"line"`
	Service  string `json:"service"`
	Mode     string `json:"mode"`
	Duration string `json:"duration"`
	Enabled  bool   `json:"enabled"`
}

// serveControl serves the test-only surface:
//
//	GET  /__sim/app/{id}/<any path>       the workload, per its health mode
//	POST /__sim/health-mode               {"id","mode","duration"}
//	POST /__sim/logs                      {"id","line","service"}
//	POST /__sim/faults/deploy-error       {"id"}
//	POST /__sim/faults/deploy-hang        {"id"}
//	POST /__sim/faults/deploy-lost        {"id"}
//	POST /__sim/faults/restart
//	POST /__sim/faults/transient-5xx      {"count"}
//	POST /__sim/faults/revoke-key
//	POST /__sim/faults/foreign-deploy     {"id","title"} → {"deploymentId"}
//	POST /__sim/faults/schedule-run-error {"id"} (a schedule id)
//	POST /__sim/faults/schedule-run-stale {"id"} (a schedule id)
//	POST /__sim/schedule-legacy           {"enabled"}
func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/__sim/app/"); ok {
		s.serveApp(w, r, rest)
		return
	}
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var req controlRequest
	if r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "decode control request: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	var err error
	var out any = map[string]bool{"ok": true}
	switch strings.TrimPrefix(r.URL.Path, "/__sim/") {
	case "health-mode":
		var d time.Duration
		if req.Duration != "" {
			if d, err = time.ParseDuration(req.Duration); err != nil {
				http.Error(w, "parse duration: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		err = s.SetHealthMode(req.ID, HealthMode(req.Mode), d)
	case "logs":
		err = s.AppendServiceLog(req.ID, req.Service, req.Line)
	case "faults/deploy-error":
		err = s.FailNextDeploy(req.ID)
	case "faults/deploy-hang":
		err = s.HangNextDeploy(req.ID)
	case "faults/deploy-lost":
		err = s.LoseNextDeploy(req.ID)
	case "faults/restart":
		s.Restart()
	case "faults/transient-5xx":
		s.FailNextRequests(req.Count)
	case "faults/revoke-key":
		s.RevokeKey()
	case "faults/schedule-run-error":
		err = s.FailNextScheduleRun(req.ID)
	case "faults/schedule-run-stale":
		err = s.StaleNextScheduleRun(req.ID)
	case "schedule-legacy":
		s.SetLegacyScheduleRuns(req.Enabled)
	case "faults/foreign-deploy":
		var id string
		id, err = s.InjectForeignDeploy(req.ID, req.Title)
		out = map[string]string{"deploymentId": id}
	default:
		http.NotFound(w, r)
		return
	}
	switch {
	case errors.Is(err, ErrUnknownTarget), errors.Is(err, ErrUnknownSchedule):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case errors.Is(err, ErrUnknownHealthMode):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// envValue reads key from a KEY=VALUE env text the way Launchplane parses
// it: skip blanks and comments, strip "export ", split on the first "=".
func envValue(env, key string) (string, bool) {
	for line := range strings.SplitSeq(env, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == key {
			return v, true
		}
	}
	return "", false
}
