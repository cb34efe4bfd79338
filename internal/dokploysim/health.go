package dokploysim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// HealthMode is how the simulated workload of a resource answers its
// health endpoint (/__sim/app/{id}/...), reference §12.4 item 9.
type HealthMode string

// Health modes.
const (
	// HealthHealthy answers 200 {"ok":true,"runtime_identity":...} with
	// the live LAUNCHPLANE_RUNTIME_IDENTITY_JSON (parsed; the raw string
	// when it is not valid JSON; omitted when the live env has none).
	HealthHealthy HealthMode = "healthy"
	// HealthStarting answers 503 for a window of sim-clock time after the
	// live deploy finished, then behaves as healthy.
	HealthStarting HealthMode = "starting"
	// HealthOKFalse answers 200 {"ok":false,...}.
	HealthOKFalse HealthMode = "ok-false"
	// HealthNonJSON answers 200 with an HTML page.
	HealthNonJSON HealthMode = "non-json"
	// HealthWrongIdentity answers healthy with a different artifact_id.
	HealthWrongIdentity HealthMode = "wrong-identity"
	// HealthMalformedIdentity answers healthy with runtime_identity set to
	// a string that is not JSON.
	HealthMalformedIdentity HealthMode = "malformed-identity"
	// HealthSlow sleeps a real duration before answering as healthy, so a
	// client's request timeout fires.
	HealthSlow HealthMode = "slow"
	// HealthStaleIdentity answers healthy, but with the identity of the
	// previous live snapshot for a window of sim-clock time after the
	// current one went live, as a rolling update's old replica does; then
	// with the current one. With no previous snapshot (the first deploy)
	// there is no old replica, so the current identity is served at once.
	HealthStaleIdentity HealthMode = "stale-identity"
)

// Defaults for the duration of SetHealthMode when it is zero.
const (
	defaultStartingWindow = 30 * time.Second
	defaultStaleWindow    = 30 * time.Second
	defaultSlowDelay      = 10 * time.Second
)

type healthSetting struct {
	mode HealthMode
	d    time.Duration
}

// ErrUnknownHealthMode is returned for a mode outside the HealthMode set.
var ErrUnknownHealthMode = fmt.Errorf("unknown health mode")

// SetHealthMode sets how id's workload answers its health endpoint. d is
// the starting or stale window in sim-clock time (HealthStarting,
// HealthStaleIdentity; counted from the end of the deploy that made the
// current snapshot live) or the real delay (HealthSlow); zero means 30s,
// 30s and 10s. Other modes ignore d.
func (s *Sim) SetHealthMode(id string, mode HealthMode, d time.Duration) error {
	switch mode {
	case HealthHealthy, HealthStarting, HealthOKFalse, HealthNonJSON, HealthWrongIdentity, HealthMalformedIdentity, HealthSlow, HealthStaleIdentity:
	default:
		return fmt.Errorf("set health mode %q: %w", mode, ErrUnknownHealthMode)
	}
	if d <= 0 && mode == HealthStarting {
		d = defaultStartingWindow
	}
	if d <= 0 && mode == HealthStaleIdentity {
		d = defaultStaleWindow
	}
	if d <= 0 && mode == HealthSlow {
		d = defaultSlowDelay
	}
	s.lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil {
		return fmt.Errorf("set health mode %q: %w", id, ErrUnknownTarget)
	}
	t.health = healthSetting{mode: mode, d: d}
	return nil
}

// AppPath is the path prefix under which the workload of id answers, e.g.
// AppPath(id)+"/api/health".
func AppPath(id string) string { return "/__sim/app/" + id }

// serveApp answers GET /__sim/app/{id}/<any path> as the resource's
// running workload would: 404 for an unknown id (no router), 502 while
// nothing is live (the proxy has no backend), else per the health mode.
func (s *Sim) serveApp(w http.ResponseWriter, r *http.Request, rest string) {
	id, _, _ := strings.Cut(rest, "/")
	s.lock()
	t := s.targets[id]
	var (
		live, prev *snapshot
		liveAt     time.Time
		setting    healthSetting
		now        = s.cfg.Now()
	)
	if t != nil {
		live, prev, liveAt, setting = t.live, t.prevLive, t.liveAt, t.health
	}
	s.mu.Unlock()

	switch {
	case t == nil:
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	case live == nil:
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return
	}
	if setting.mode == HealthSlow {
		timer := time.NewTimer(setting.d)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-timer.C:
		}
	}
	if setting.mode == HealthStarting && now.Before(liveAt.Add(setting.d)) {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	if setting.mode == HealthNonJSON {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<!doctype html><html><body><h1>It works</h1></body></html>\n"))
		return
	}
	body := map[string]any{"ok": setting.mode != HealthOKFalse}
	serving := live
	if setting.mode == HealthStaleIdentity && prev != nil && now.Before(liveAt.Add(setting.d)) {
		serving = prev
	}
	raw, has := envValue(serving.env, runtimeIdentityKey)
	switch setting.mode {
	case HealthWrongIdentity:
		body["runtime_identity"] = wrongIdentity(raw)
	case HealthMalformedIdentity:
		body["runtime_identity"] = malformed(raw)
	default:
		if has {
			var v any
			if err := json.Unmarshal([]byte(raw), &v); err == nil {
				body["runtime_identity"] = v
			} else {
				body["runtime_identity"] = raw
			}
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// wrongIdentity is the live identity with artifact_id changed for good.
func wrongIdentity(raw string) map[string]any {
	v := map[string]any{}
	_ = json.Unmarshal([]byte(raw), &v)
	if v == nil {
		v = map[string]any{}
	}
	a, _ := v["artifact_id"].(string)
	v["artifact_id"] = a + "-not-the-deployed-artifact"
	return v
}

// malformed cuts the identity JSON short, so it no longer parses.
func malformed(raw string) string {
	cut := raw[:len(raw)/2]
	if json.Valid([]byte(cut)) {
		return `{"artifact_id":`
	}
	return cut
}
