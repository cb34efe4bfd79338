package githubsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type dispatchFault int

const (
	faultDrop dispatchFault = iota + 1
	faultDouble
)

// DropNextDispatch makes the next accepted dispatch answer 204 and start no
// run, as when GitHub swallows a dispatch. An observer must time out.
func (s *Sim) DropNextDispatch() { s.addDispatchFault(faultDrop) }

// DoubleNextDispatch makes the next accepted dispatch start two runs at
// once, indistinguishable to an observer.
func (s *Sim) DoubleNextDispatch() { s.addDispatchFault(faultDouble) }

func (s *Sim) addDispatchFault(f dispatchFault) {
	s.lock()
	defer s.mu.Unlock()
	s.dispatchFx = append(s.dispatchFx, f)
}

// ForeignRun describes a run someone else started.
type ForeignRun struct {
	// Branch is the head branch; empty means the default branch.
	Branch string
	// Event is what started it; empty means "workflow_dispatch".
	Event string
	// CreatedAt is its creation time; zero means now.
	CreatedAt time.Time
}

// InjectRun adds a run of workflowID (file name or id) that Launchplane did
// not start — another branch, another event, or one created before a
// dispatch — and returns its id. It is visible at once.
func (s *Sim) InjectRun(fullName, workflowID string, fr ForeignRun) (int64, error) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repos[strings.ToLower(fullName)]
	if rp == nil {
		return 0, fmt.Errorf("inject run: %w", ErrUnknownRepo)
	}
	wf := rp.workflow(workflowID)
	if wf == nil {
		return 0, fmt.Errorf("inject run: %w", ErrUnknownWorkflow)
	}
	if fr.Branch == "" {
		fr.Branch = rp.branches[0]
	}
	if fr.Event == "" {
		fr.Event = "workflow_dispatch"
	}
	if fr.CreatedAt.IsZero() {
		fr.CreatedAt = s.cfg.Now()
	}
	return s.addRun(rp, wf, fr.Branch, fr.Event, fr.CreatedAt, nil).id, nil
}

// SetRunStatus sets a run's status and conclusion (empty while not
// completed).
func (s *Sim) SetRunStatus(runID int64, status, conclusion string) error {
	s.lock()
	defer s.mu.Unlock()
	for _, rp := range s.repos {
		for _, wf := range rp.workflows {
			for _, rn := range wf.runs {
				if rn.id == runID {
					rn.status, rn.conclusion = status, conclusion
					rn.updatedAt = s.cfg.Now().UTC()
					rn.doneAt = time.Time{}
					return nil
				}
			}
		}
	}
	return fmt.Errorf("set run status %d: %w", runID, ErrUnknownRun)
}

// FailNextRequests makes the next n API requests answer 502 before
// authentication, with no side effects.
func (s *Sim) FailNextRequests(n int) {
	s.lock()
	defer s.mu.Unlock()
	s.fail5xx = n
}

// RateLimitNextRequests makes the next n authenticated API requests answer
// GitHub's primary rate limit: 403 with x-ratelimit-remaining: 0 and a
// reset an hour ahead on the simulator's clock. They have no side effects.
func (s *Sim) RateLimitNextRequests(n int) {
	s.lock()
	defer s.mu.Unlock()
	s.rateLimited = n
}

// RevokeToken makes every later API call answer 401 Bad credentials.
func (s *Sim) RevokeToken() {
	s.lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// controlRequest is the body of every /__sim/ POST.
type controlRequest struct {
	Repo      string           `json:"repo"`
	Branches  []string         `json:"branches"`
	Workflow  string           `json:"workflow"`
	Name      string           `json:"name"`
	Inputs    map[string]Input `json:"inputs"`
	Branch    string           `json:"branch"`
	Event     string           `json:"event"`
	CreatedAt time.Time        `json:"created_at"`
	Count     int              `json:"count"`
}

// serveControl serves the test-only surface (no token needed):
//
//	POST /__sim/repos                    {"repo","branches"}
//	POST /__sim/workflows                {"repo","workflow","name","inputs"} → {"id"}
//	POST /__sim/faults/dispatch-drop
//	POST /__sim/faults/dispatch-double
//	POST /__sim/faults/foreign-run       {"repo","workflow","branch","event","created_at"} → {"id"}
//	POST /__sim/faults/transient-5xx     {"count"}
//	POST /__sim/faults/rate-limit        {"count"}
//	POST /__sim/faults/revoke-token
func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
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
	case "repos":
		err = s.AddRepo(req.Repo, req.Branches...)
	case "workflows":
		var id int64
		id, err = s.AddWorkflow(req.Repo, Workflow{File: req.Workflow, Name: req.Name, Inputs: req.Inputs})
		out = map[string]int64{"id": id}
	case "faults/dispatch-drop":
		s.DropNextDispatch()
	case "faults/dispatch-double":
		s.DoubleNextDispatch()
	case "faults/foreign-run":
		var id int64
		id, err = s.InjectRun(req.Repo, req.Workflow, ForeignRun{Branch: req.Branch, Event: req.Event, CreatedAt: req.CreatedAt})
		out = map[string]int64{"id": id}
	case "faults/transient-5xx":
		s.FailNextRequests(req.Count)
	case "faults/rate-limit":
		s.RateLimitNextRequests(req.Count)
	case "faults/revoke-token":
		s.RevokeToken()
	default:
		http.NotFound(w, r)
		return
	}
	switch {
	case errors.Is(err, ErrUnknownRepo), errors.Is(err, ErrUnknownWorkflow):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
