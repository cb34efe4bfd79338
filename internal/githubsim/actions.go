package githubsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pendingRun is a dispatch whose run is not visible yet.
type pendingRun struct {
	repo   *repo
	wf     *workflow
	branch string
	at     time.Time
	count  int
	inputs map[string]any
}

// advance materializes due dispatches and completes due runs. It is called
// with s.mu held.
func (s *Sim) advance(now time.Time) {
	keep := s.pending[:0]
	for _, p := range s.pending {
		if p.at.After(now) {
			keep = append(keep, p)
			continue
		}
		for range p.count {
			s.addRun(p.repo, p.wf, p.branch, "workflow_dispatch", p.at, p.inputs)
		}
	}
	s.pending = keep
	for _, rp := range s.repos {
		for _, wf := range rp.workflows {
			for _, rn := range wf.runs {
				if !rn.doneAt.IsZero() && rn.status != "completed" && !rn.doneAt.After(now) {
					rn.status, rn.conclusion, rn.updatedAt = "completed", "success", rn.doneAt
				}
			}
		}
	}
}

// addRun is called with s.mu held.
func (s *Sim) addRun(rp *repo, wf *workflow, branch, event string, at time.Time, inputs map[string]any) *run {
	s.runSeq++
	wf.runSeq++
	at = at.UTC().Truncate(time.Second)
	rn := &run{
		id: s.runSeq, number: wf.runSeq, branch: branch, sha: rp.headSHA(branch), event: event,
		status: "queued", createdAt: at, updatedAt: at, inputs: inputs,
	}
	if s.cfg.RunDuration > 0 {
		rn.doneAt = at.Add(s.cfg.RunDuration)
	}
	wf.runs = append(wf.runs, rn)
	return rn
}

type dispatchBody struct {
	Ref    *string        `json:"ref"`
	Inputs map[string]any `json:"inputs"`
}

func (s *Sim) dispatch(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsDispatch)
	if rp == nil {
		return
	}
	wf := rp.workflow(r.PathValue("workflow"))
	if wf == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsDispatch)
		return
	}
	var body dispatchBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", docsDispatch)
		return
	}
	if wf.spec.NoDispatchTrigger {
		writeError(w, http.StatusUnprocessableEntity, "Workflow does not have 'workflow_dispatch' trigger", docsDispatch)
		return
	}
	if body.Ref == nil || *body.Ref == "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied.", docsDispatch)
		return
	}
	branch, ok := rp.resolveRef(*body.Ref)
	if !ok {
		writeError(w, http.StatusUnprocessableEntity, "No ref found for: "+*body.Ref, docsDispatch)
		return
	}
	var unexpected []string
	for k, v := range body.Inputs {
		if _, ok := wf.spec.Inputs[k]; !ok {
			unexpected = append(unexpected, k)
			continue
		}
		switch v.(type) {
		case string, bool, float64:
		default:
			writeError(w, http.StatusUnprocessableEntity,
				fmt.Sprintf("Invalid request.\n\nFor 'properties/%s', %s is not a string.", k, compact(v)), docsDispatch)
			return
		}
	}
	if len(unexpected) > 0 {
		sort.Strings(unexpected)
		list, _ := json.Marshal(unexpected)
		writeError(w, http.StatusUnprocessableEntity, "Unexpected inputs provided: "+string(list), docsDispatch)
		return
	}
	names := make([]string, 0, len(wf.spec.Inputs))
	for k := range wf.spec.Inputs {
		names = append(names, k)
	}
	sort.Strings(names)
	inputs := map[string]any{}
	for _, k := range names {
		in := wf.spec.Inputs[k]
		v, given := body.Inputs[k]
		switch {
		case given:
			inputs[k] = v
		case in.Default != "":
			inputs[k] = in.Default
		case in.Required:
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Required input '%s' not provided", k), docsDispatch)
			return
		}
	}

	count := 1
	if len(s.dispatchFx) > 0 {
		switch s.dispatchFx[0] {
		case faultDrop:
			count = 0
		case faultDouble:
			count = 2
		}
		s.dispatchFx = s.dispatchFx[1:]
	}
	now := s.cfg.Now()
	s.pending = append(s.pending, &pendingRun{repo: rp, wf: wf, branch: branch, at: now.Add(s.cfg.RunDelay), count: count, inputs: inputs})
	s.advance(now)
	w.WriteHeader(http.StatusNoContent)
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *Sim) listRuns(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsRuns)
	if rp == nil {
		return
	}
	wf := rp.workflow(r.PathValue("workflow"))
	if wf == nil {
		writeError(w, http.StatusNotFound, "Not Found", docsRuns)
		return
	}
	q := r.URL.Query()
	created, err := parseCreated(q.Get("created"))
	if err != nil {
		writeValidation(w, docsRuns, fieldError{Resource: "WorkflowRun", Code: "invalid", Field: "created"})
		return
	}
	var matched []*run
	for _, rn := range wf.runs {
		if ev := q.Get("event"); ev != "" && rn.event != ev {
			continue
		}
		if b := q.Get("branch"); b != "" && rn.branch != b {
			continue
		}
		if st := q.Get("status"); st != "" && rn.status != st && rn.conclusion != st {
			continue
		}
		if sha := q.Get("head_sha"); sha != "" && rn.sha != sha {
			continue
		}
		if !created(rn.createdAt) {
			continue
		}
		matched = append(matched, rn)
	}
	// Newest first, as GitHub lists them.
	slices.SortStableFunc(matched, func(a, b *run) int {
		if c := b.createdAt.Compare(a.createdAt); c != 0 {
			return c
		}
		return int(b.id - a.id)
	})
	from, to := paginate(w, r, len(matched))
	out := make([]map[string]any, 0, to-from)
	for _, rn := range matched[from:to] {
		out = append(out, s.runJSON(r, rp, wf, rn))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(matched), "workflow_runs": out})
}

func (s *Sim) getRun(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	rp := s.repoFor(w, r, docsRuns)
	if rp == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("run"), 10, 64)
	for _, wf := range rp.workflows {
		for _, rn := range wf.runs {
			if rn.id == id {
				writeJSON(w, http.StatusOK, s.runJSON(r, rp, wf, rn))
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", docsRuns)
}

// runJSON renders GitHub's workflow run object (the fields clients read,
// plus enough of the rest to look like the real thing).
func (s *Sim) runJSON(r *http.Request, rp *repo, wf *workflow, rn *run) map[string]any {
	api := apiBase(r) + "/repos/" + rp.fullName()
	runURL := api + "/actions/runs/" + strconv.FormatInt(rn.id, 10)
	var conclusion any
	if rn.conclusion != "" {
		conclusion = rn.conclusion
	}
	actor := s.userJSON(s.cfg.Actor)
	return map[string]any{
		"id":                   rn.id,
		"name":                 wf.spec.Name,
		"node_id":              fmt.Sprintf("WFR_sim%d", rn.id),
		"head_branch":          rn.branch,
		"head_sha":             rn.sha,
		"path":                 wf.path(),
		"display_title":        wf.spec.Name,
		"run_number":           rn.number,
		"event":                rn.event,
		"status":               rn.status,
		"conclusion":           conclusion,
		"workflow_id":          wf.id,
		"check_suite_id":       rn.id + 1,
		"url":                  runURL,
		"html_url":             s.cfg.WebURL + "/" + rp.fullName() + "/actions/runs/" + strconv.FormatInt(rn.id, 10),
		"pull_requests":        []any{},
		"created_at":           formatTime(rn.createdAt),
		"updated_at":           formatTime(rn.updatedAt),
		"run_attempt":          1,
		"run_started_at":       formatTime(rn.createdAt),
		"jobs_url":             runURL + "/jobs",
		"logs_url":             runURL + "/logs",
		"cancel_url":           runURL + "/cancel",
		"rerun_url":            runURL + "/rerun",
		"workflow_url":         api + "/actions/workflows/" + strconv.FormatInt(wf.id, 10),
		"actor":                actor,
		"triggering_actor":     actor,
		"repository":           s.repoJSON(rp),
		"head_repository":      s.repoJSON(rp),
		"head_commit":          map[string]any{"id": rn.sha, "tree_id": rn.sha, "message": "sim commit", "timestamp": formatTime(rn.createdAt)},
		"referenced_workflows": []any{},
	}
}

func (s *Sim) repoJSON(rp *repo) map[string]any {
	return map[string]any{
		"id":        rp.id,
		"node_id":   fmt.Sprintf("R_sim%d", rp.id),
		"name":      rp.name,
		"full_name": rp.fullName(),
		"private":   true,
		"owner":     s.userJSON(rp.owner),
		"html_url":  s.cfg.WebURL + "/" + rp.fullName(),
	}
}

func (s *Sim) userJSON(login string) map[string]any {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") || strings.HasSuffix(login, "-bot") {
		typ = "Bot"
	}
	return map[string]any{"login": login, "id": 1, "type": typ, "html_url": s.cfg.WebURL + "/" + login}
}

// parseCreated implements the created= search qualifier forms GitHub
// documents: >=T, >T, <=T, <T, A..B (either side may be *), and a bare
// date (that whole UTC day) or time.
func parseCreated(q string) (func(time.Time) bool, error) {
	if q == "" {
		return func(time.Time) bool { return true }, nil
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		rest, ok := strings.CutPrefix(q, op)
		if !ok {
			continue
		}
		t, _, err := parseWhen(rest)
		if err != nil {
			return nil, err
		}
		switch op {
		case ">=":
			return func(x time.Time) bool { return !x.Before(t) }, nil
		case "<=":
			return func(x time.Time) bool { return !x.After(t) }, nil
		case ">":
			return func(x time.Time) bool { return x.After(t) }, nil
		default:
			return func(x time.Time) bool { return x.Before(t) }, nil
		}
	}
	if a, b, ok := strings.Cut(q, ".."); ok {
		var lo, hi time.Time
		var err error
		if a != "*" {
			if lo, _, err = parseWhen(a); err != nil {
				return nil, err
			}
		}
		if b != "*" {
			var day bool
			if hi, day, err = parseWhen(b); err != nil {
				return nil, err
			}
			if day {
				hi = hi.Add(24*time.Hour - time.Second)
			}
		}
		return func(x time.Time) bool {
			return (lo.IsZero() || !x.Before(lo)) && (hi.IsZero() || !x.After(hi))
		}, nil
	}
	t, day, err := parseWhen(q)
	if err != nil {
		return nil, err
	}
	if day {
		return func(x time.Time) bool { return !x.Before(t) && x.Before(t.Add(24*time.Hour)) }, nil
	}
	return func(x time.Time) bool { return x.Equal(t) }, nil
}

// parseWhen parses a date or date-time; day reports a bare date.
func parseWhen(s string) (t time.Time, day bool, err error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), false, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t, false, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("parse created %q", s)
}
