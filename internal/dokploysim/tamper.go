package dokploysim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// EnvTamper says how the next env write of one target is corrupted after
// Dokploy accepted it: Drop removes the lines of those keys, Set rewrites
// (or appends) those keys with other values.
type EnvTamper struct {
	Drop []string          `json:"drop"`
	Set  map[string]string `json:"set"`
}

// Tamperer wraps a Sim with a fault the Sim itself does not model: an env
// write (application.saveEnvironment, compose.update) that answers success
// while a different env ends up stored — a concurrent writer, a proxy, a
// provider bug. Read-back verification must catch it. Use it as the
// http.Handler in place of the Sim; everything else passes through.
type Tamperer struct {
	sim *Sim

	mu      sync.Mutex
	pending map[string]EnvTamper // target id → the next write's corruption
}

// NewTamperer wraps s.
func NewTamperer(s *Sim) *Tamperer {
	return &Tamperer{sim: s, pending: map[string]EnvTamper{}}
}

// TamperNextEnvWrite corrupts the next successful env write of the
// application or compose id as t says. It replaces any pending tamper of id.
func (tp *Tamperer) TamperNextEnvWrite(id string, t EnvTamper) error {
	tp.sim.lock()
	known := tp.sim.targets[id] != nil
	tp.sim.mu.Unlock()
	if !known {
		return fmt.Errorf("tamper env write %q: %w", id, ErrUnknownTarget)
	}
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.pending[id] = t
	return nil
}

// envWriteID returns the id field of an env-writing procedure, or "".
func envWriteID(path string) string {
	switch strings.ToLower(path) {
	case "/api/application.saveenvironment":
		return "applicationId"
	case "/api/compose.update":
		return "composeId"
	}
	return ""
}

// ServeHTTP serves POST /__sim/faults/env-write-tamper {"id","drop","set"}
// and otherwise hands the request to the Sim, corrupting the stored env
// afterwards when a tampered target's env write succeeded.
func (tp *Tamperer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__sim/faults/env-write-tamper" && r.Method == http.MethodPost {
		var req struct {
			ID string `json:"id"`
			EnvTamper
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "decode control request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := tp.TamperNextEnvWrite(req.ID, req.EnvTamper); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
		return
	}
	idField := envWriteID(r.URL.Path)
	if idField == "" || r.Method != http.MethodPost {
		tp.sim.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &tamperRecorder{ResponseWriter: w, status: http.StatusOK}
	tp.sim.ServeHTTP(rec, r)
	if rec.status != http.StatusOK {
		return
	}
	var in map[string]any
	if json.Unmarshal(body, &in) != nil {
		return
	}
	id, _ := in[idField].(string)
	if _, hasEnv := in["env"]; !hasEnv {
		return
	}
	tp.mu.Lock()
	t, ok := tp.pending[id]
	delete(tp.pending, id)
	tp.mu.Unlock()
	if ok {
		tp.sim.corruptEnv(id, t)
	}
}

// corruptEnv applies t to the stored env of id.
func (s *Sim) corruptEnv(id string, t EnvTamper) {
	s.lock()
	defer s.mu.Unlock()
	tg := s.targets[id]
	if tg == nil {
		return
	}
	var env **string
	if tg.app != nil {
		env = &tg.app.Env
	} else {
		env = &tg.compose.Env
	}
	next := tamperEnv(deref(*env), t)
	*env = &next
}

// tamperEnv drops and rewrites key lines of a KEY=VALUE env text.
func tamperEnv(env string, t EnvTamper) string {
	var out []string
	seen := map[string]bool{}
	for line := range strings.SplitSeq(env, "\n") {
		k, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
		k = strings.TrimSpace(k)
		if ok && slices.Contains(t.Drop, k) {
			continue
		}
		if v, set := t.Set[k]; ok && set {
			if !seen[k] {
				out = append(out, k+"="+v)
			}
			seen[k] = true
			continue
		}
		out = append(out, line)
	}
	added := []string{}
	for k := range t.Set {
		if !seen[k] {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	for _, k := range added {
		out = append(out, k+"="+t.Set[k])
	}
	return strings.Join(out, "\n")
}

type tamperRecorder struct {
	http.ResponseWriter
	status int
}

func (r *tamperRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
