package dokploysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
	t.deployments = append(t.deployments, dep)
	t.live = t.current()
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

// serveControl serves the test-only surface:
//
//	GET  /__sim/health/{id}               live LAUNCHPLANE_RUNTIME_IDENTITY_JSON, or {}
//	POST /__sim/faults/deploy-error       {"id"}
//	POST /__sim/faults/deploy-hang        {"id"}
//	POST /__sim/faults/transient-5xx      {"count"}
//	POST /__sim/faults/revoke-key
//	POST /__sim/faults/foreign-deploy     {"id","title"} → {"deploymentId"}
func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/__sim/health/"); ok && r.Method == http.MethodGet {
		s.serveHealth(w, id)
		return
	}
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var req struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Count int    `json:"count"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "decode control request: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	var err error
	var out any = map[string]bool{"ok": true}
	switch strings.TrimPrefix(r.URL.Path, "/__sim/faults/") {
	case "deploy-error":
		err = s.FailNextDeploy(req.ID)
	case "deploy-hang":
		err = s.HangNextDeploy(req.ID)
	case "transient-5xx":
		s.FailNextRequests(req.Count)
	case "revoke-key":
		s.RevokeKey()
	case "foreign-deploy":
		var id string
		id, err = s.InjectForeignDeploy(req.ID, req.Title)
		out = map[string]string{"deploymentId": id}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// serveHealth answers with the live runtime identity verbatim, so a
// malformed value reaches the client as malformed JSON, as it would from
// the real workload.
func (s *Sim) serveHealth(w http.ResponseWriter, id string) {
	s.lock()
	t := s.targets[id]
	var live *snapshot
	if t != nil {
		live = t.live
	}
	s.mu.Unlock()
	if t == nil {
		http.Error(w, "unknown application", http.StatusNotFound)
		return
	}
	body := "{}"
	if live != nil {
		if v, ok := envValue(live.env, runtimeIdentityKey); ok {
			body = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
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
