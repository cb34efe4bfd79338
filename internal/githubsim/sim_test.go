package githubsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const token = "ghs_simTestToken"

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	sim   *Sim
	srv   *httptest.Server
	clock *clock
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	clk := &clock{t: epoch}
	cfg.Token = token
	cfg.Now = clk.Now
	s := New(cfg)
	if err := s.AddRepo("acme/shop"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddWorkflow("acme/shop", Workflow{File: "promote.yml", Name: "Promote",
		Inputs: map[string]Input{"dry_run": {Required: true}, "bump": {Default: "patch"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddWorkflow("acme/shop", Workflow{File: "ci.yml", NoDispatchTrigger: true}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &env{sim: s, srv: srv, clock: clk}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	list   []any
	raw    string
}

func (e *env) do(t *testing.T, method, path, auth, body string) answer {
	t.Helper()
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rdr)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(data)}
	if len(data) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &a.body); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
	}
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &a.list); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
	}
	return a
}

const bearer = "Bearer " + token

func TestAuthGate(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		name, auth string
		status     int
		message    string
	}{
		{"missing", "", 401, "Requires authentication"},
		{"wrong", "Bearer ghs_wrong", 401, "Bad credentials"},
		{"basic", "Basic " + token, 401, "Bad credentials"},
		{"bearer", bearer, 200, ""},
		{"token form", "token " + token, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs", tt.auth, "")
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if tt.message != "" {
				want := map[string]any{"message": tt.message, "documentation_url": "https://docs.github.com/rest", "status": "401"}
				if diff := cmp.Diff(want, a.body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
		})
	}
	e.sim.RevokeToken()
	if a := e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs", bearer, ""); a.status != 401 {
		t.Errorf("after revoke: status %d", a.status)
	}
}

func TestNotFoundShapes(t *testing.T) {
	e := newEnv(t, Config{})
	for _, path := range []string{
		"/repos/acme/nope/actions/workflows/promote.yml/runs",
		"/repos/acme/shop/actions/workflows/nope.yml/runs",
		"/repos/acme/shop/issues/7/labels",
		"/repos/acme/shop/unknown/route",
		"/user",
	} {
		a := e.do(t, "GET", path, bearer, "")
		if a.status != 404 || a.body["message"] != "Not Found" || a.body["status"] != "404" {
			t.Errorf("GET %s: %d %s", path, a.status, a.raw)
		}
	}
}

func TestDispatchValidation(t *testing.T) {
	e := newEnv(t, Config{})
	path := "/repos/acme/shop/actions/workflows/promote.yml/dispatches"
	tests := []struct {
		name, path, body string
		status           int
		message          string
	}{
		{"bad json", path, `{"ref":`, 400, "Problems parsing JSON"},
		{"no ref", path, `{"inputs":{"dry_run":"true"}}`, 422, "Invalid request.\n\n\"ref\" wasn't supplied."},
		{"unknown ref", path, `{"ref":"feature","inputs":{"dry_run":"true"}}`, 422, "No ref found for: feature"},
		{"unknown inputs", path, `{"ref":"main","inputs":{"dry_run":"true","b":"1","a":"2"}}`, 422, `Unexpected inputs provided: ["a","b"]`},
		{"missing input", path, `{"ref":"main"}`, 422, "Required input 'dry_run' not provided"},
		{"object input", path, `{"ref":"main","inputs":{"dry_run":{"x":1}}}`, 422, "Invalid request.\n\nFor 'properties/dry_run', {\"x\":1} is not a string."},
		{"no trigger", "/repos/acme/shop/actions/workflows/ci.yml/dispatches", `{"ref":"main"}`, 422, "Workflow does not have 'workflow_dispatch' trigger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(t, "POST", tt.path, bearer, tt.body)
			if a.status != tt.status || a.body["message"] != tt.message {
				t.Errorf("got %d %q, want %d %q", a.status, a.body["message"], tt.status, tt.message)
			}
		})
	}
	runs, _ := e.sim.Runs("acme/shop", "promote.yml")
	if len(runs) != 0 {
		t.Errorf("refused dispatches made runs: %+v", runs)
	}
}

func TestDispatchCreatesRunAfterDelay(t *testing.T) {
	e := newEnv(t, Config{RunDelay: 5 * time.Second, RunDuration: time.Minute})
	a := e.do(t, "POST", "/repos/acme/shop/actions/workflows/promote.yml/dispatches", bearer,
		`{"ref":"refs/heads/main","inputs":{"dry_run":true}}`)
	if a.status != 204 || a.raw != "" {
		t.Fatalf("dispatch: %d %q", a.status, a.raw)
	}
	list := func() []any {
		a := e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs?event=workflow_dispatch&branch=main", bearer, "")
		return a.body["workflow_runs"].([]any)
	}
	if n := len(list()); n != 0 {
		t.Fatalf("%d runs before the delay", n)
	}
	e.clock.Advance(5 * time.Second)
	runs := list()
	if len(runs) != 1 {
		t.Fatalf("%d runs after the delay", len(runs))
	}
	run := runs[0].(map[string]any)
	id := run["id"].(float64)
	for k, want := range map[string]any{
		"head_branch": "main", "event": "workflow_dispatch", "status": "queued", "conclusion": nil,
		"created_at": "2026-03-01T12:00:05Z", "name": "Promote", "path": ".github/workflows/promote.yml",
		"run_number": float64(1), "run_attempt": float64(1),
	} {
		if run[k] != want {
			t.Errorf("%s = %v, want %v", k, run[k], want)
		}
	}
	if got := run["html_url"]; !strings.HasPrefix(got.(string), "https://github.com/acme/shop/actions/runs/") {
		t.Errorf("html_url = %v", got)
	}
	e.clock.Advance(time.Minute)
	run = list()[0].(map[string]any)
	if run["status"] != "completed" || run["conclusion"] != "success" || run["id"] != id {
		t.Errorf("after RunDuration: %v %v", run["status"], run["conclusion"])
	}
}

func TestRunListingFiltersAndPagination(t *testing.T) {
	e := newEnv(t, Config{})
	for i := range 5 {
		if _, err := e.sim.InjectRun("acme/shop", "promote.yml", ForeignRun{CreatedAt: epoch.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	a := e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs?per_page=2&page=1", bearer, "")
	if a.body["total_count"] != float64(5) || len(a.body["workflow_runs"].([]any)) != 2 {
		t.Fatalf("page 1: %s", a.raw)
	}
	link := a.header.Get("Link")
	if !strings.Contains(link, `page=2&per_page=2>; rel="next"`) || !strings.Contains(link, `page=3&per_page=2>; rel="last"`) {
		t.Errorf("Link = %q", link)
	}
	a = e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs?per_page=2&page=3", bearer, "")
	if len(a.body["workflow_runs"].([]any)) != 1 || strings.Contains(a.header.Get("Link"), "next") {
		t.Errorf("page 3: %s, Link %q", a.raw, a.header.Get("Link"))
	}
	a = e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs?created=nonsense", bearer, "")
	if a.status != 422 {
		t.Errorf("bad created: %d", a.status)
	}
}

func TestParseCreated(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		q    string
		in   []string
		out  []string
		fail bool
	}{
		{q: ">=2026-03-01T12:00:00Z", in: []string{"2026-03-01T12:00:00Z", "2026-03-02T00:00:00Z"}, out: []string{"2026-03-01T11:59:59Z"}},
		{q: ">2026-03-01T12:00:00Z", in: []string{"2026-03-01T12:00:01Z"}, out: []string{"2026-03-01T12:00:00Z"}},
		{q: "<=2026-03-01T12:00:00Z", in: []string{"2026-03-01T12:00:00Z"}, out: []string{"2026-03-01T12:00:01Z"}},
		{q: "<2026-03-01T12:00:00Z", in: []string{"2026-03-01T11:59:59Z"}, out: []string{"2026-03-01T12:00:00Z"}},
		{q: "2026-03-01", in: []string{"2026-03-01T00:00:00Z", "2026-03-01T23:59:59Z"}, out: []string{"2026-03-02T00:00:00Z"}},
		{q: "2026-03-01..2026-03-02", in: []string{"2026-03-02T23:59:59Z"}, out: []string{"2026-03-03T00:00:00Z", "2026-02-28T23:59:59Z"}},
		{q: "2026-03-01T10:00:00Z..*", in: []string{"2027-01-01T00:00:00Z"}, out: []string{"2026-03-01T09:59:59Z"}},
		{q: ">=2026-03-01T13:00:00+01:00", in: []string{"2026-03-01T12:00:00Z"}, out: []string{"2026-03-01T11:59:59Z"}},
		{q: ">=yesterday", fail: true},
	}
	for _, tt := range tests {
		match, err := parseCreated(tt.q)
		if tt.fail {
			if err == nil {
				t.Errorf("%q parsed", tt.q)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		for _, s := range tt.in {
			if !match(at(s)) {
				t.Errorf("%q should match %s", tt.q, s)
			}
		}
		for _, s := range tt.out {
			if match(at(s)) {
				t.Errorf("%q should not match %s", tt.q, s)
			}
		}
	}
}

func TestRateLimitHeadersAndFault(t *testing.T) {
	e := newEnv(t, Config{})
	path := "/repos/acme/shop/actions/workflows/promote.yml/runs"
	a := e.do(t, "GET", path, bearer, "")
	if a.header.Get("X-RateLimit-Limit") != "5000" || a.header.Get("X-RateLimit-Remaining") != "4999" || a.header.Get("X-RateLimit-Resource") != "core" {
		t.Errorf("rate headers: %v", a.header)
	}
	e.sim.RateLimitNextRequests(1)
	a = e.do(t, "POST", "/repos/acme/shop/actions/workflows/promote.yml/dispatches", bearer, `{"ref":"main","inputs":{"dry_run":"x"}}`)
	if a.status != 403 || a.header.Get("X-RateLimit-Remaining") != "0" ||
		a.header.Get("X-RateLimit-Reset") != "1772370000" || !strings.HasPrefix(a.body["message"].(string), "API rate limit exceeded") {
		t.Errorf("rate limited: %d %v %s", a.status, a.header, a.raw)
	}
	if runs, _ := e.sim.Runs("acme/shop", "promote.yml"); len(runs) != 0 {
		t.Errorf("a rate-limited dispatch made a run")
	}
	if a := e.do(t, "GET", path, bearer, ""); a.status != 200 {
		t.Errorf("after the fault: %d", a.status)
	}
}

func TestTransientFaultPrecedesAuthAndHasNoEffect(t *testing.T) {
	e := newEnv(t, Config{})
	e.sim.FailNextRequests(2)
	if a := e.do(t, "GET", "/repos/acme/shop/actions/workflows/promote.yml/runs", "", ""); a.status != 502 {
		t.Errorf("unauthenticated during outage: %d", a.status)
	}
	if a := e.do(t, "POST", "/repos/acme/shop/actions/workflows/promote.yml/dispatches", bearer, `{"ref":"main","inputs":{"dry_run":"x"}}`); a.status != 502 {
		t.Errorf("dispatch during outage: %d", a.status)
	}
	if runs, _ := e.sim.Runs("acme/shop", "promote.yml"); len(runs) != 0 {
		t.Errorf("a failed dispatch made a run")
	}
	want := []RequestRecord{
		{Method: "GET", Path: "/repos/acme/shop/actions/workflows/promote.yml/runs", Status: 502},
		{Method: "POST", Path: "/repos/acme/shop/actions/workflows/promote.yml/dispatches", Status: 502},
	}
	if diff := cmp.Diff(want, e.sim.Requests()); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
}

func TestDispatchFaults(t *testing.T) {
	e := newEnv(t, Config{})
	dispatch := func() {
		t.Helper()
		if a := e.do(t, "POST", "/repos/acme/shop/actions/workflows/promote.yml/dispatches", bearer, `{"ref":"main","inputs":{"dry_run":"x"}}`); a.status != 204 {
			t.Fatalf("dispatch: %d %s", a.status, a.raw)
		}
	}
	e.sim.DropNextDispatch()
	e.sim.DoubleNextDispatch()
	dispatch() // dropped
	dispatch() // doubled
	dispatch() // normal
	runs, _ := e.sim.Runs("acme/shop", "promote.yml")
	if len(runs) != 3 {
		t.Errorf("%d runs, want 0 + 2 + 1", len(runs))
	}
}

func TestIssuesAndComments(t *testing.T) {
	e := newEnv(t, Config{})
	pr, _ := e.sim.AddPullRequest("acme/shop", "PR", "preview")
	a := e.do(t, "GET", "/repos/acme/shop/issues/1/labels", bearer, "")
	if a.status != 200 || len(a.list) != 1 || a.list[0].(map[string]any)["name"] != "preview" {
		t.Errorf("labels: %d %s", a.status, a.raw)
	}
	a = e.do(t, "POST", "/repos/acme/shop/issues/1/comments", bearer, `{"body":"<!-- m -->\nhello"}`)
	if a.status != 201 || a.body["html_url"] != "https://github.com/acme/shop/pull/1#issuecomment-2000000001" ||
		a.body["user"].(map[string]any)["login"] != "launchplane-bot" {
		t.Errorf("create comment: %d %s", a.status, a.raw)
	}
	if a := e.do(t, "POST", "/repos/acme/shop/issues/1/comments", bearer, `{}`); a.status != 422 {
		t.Errorf("comment without body: %d", a.status)
	}
	a = e.do(t, "PATCH", "/repos/acme/shop/issues/comments/2000000001", bearer, `{"body":"bye"}`)
	if a.status != 200 || a.body["body"] != "bye" {
		t.Errorf("update: %d %s", a.status, a.raw)
	}
	a = e.do(t, "POST", "/repos/acme/shop/issues", bearer, `{"labels":["incident"]}`)
	want := map[string]any{
		"message": "Validation Failed", "status": "422",
		"documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
		"errors":            []any{map[string]any{"resource": "Issue", "code": "missing_field", "field": "title"}},
	}
	if diff := cmp.Diff(want, a.body); diff != "" {
		t.Errorf("issue without title (-want +got):\n%s", diff)
	}
	a = e.do(t, "POST", "/repos/acme/shop/issues", bearer, `{"title":"down","labels":["incident"]}`)
	if a.status != 201 || a.body["number"] != float64(pr+1) || a.body["pull_request"] != nil {
		t.Errorf("create issue: %d %s", a.status, a.raw)
	}
	if a := e.do(t, "DELETE", "/repos/acme/shop/issues/comments/2000000001", bearer, ""); a.status != 204 {
		t.Errorf("delete: %d", a.status)
	}
	if cs, _ := e.sim.Comments("acme/shop", 1); len(cs) != 0 {
		t.Errorf("comments after delete: %+v", cs)
	}
}

func TestControlSurface(t *testing.T) {
	e := newEnv(t, Config{})
	post := func(path, body string) answer { return e.do(t, "POST", "/__sim/"+path, "", body) }
	if a := post("repos", `{"repo":"acme/web","branches":["main"]}`); a.status != 200 {
		t.Fatalf("repos: %d %s", a.status, a.raw)
	}
	if a := post("workflows", `{"repo":"acme/web","workflow":"deploy.yml","inputs":{"env":{"required":true}}}`); a.status != 200 || a.body["id"] == nil {
		t.Fatalf("workflows: %d %s", a.status, a.raw)
	}
	if a := post("faults/foreign-run", `{"repo":"acme/web","workflow":"deploy.yml","branch":"main","created_at":"2026-03-01T11:00:00Z"}`); a.status != 200 {
		t.Fatalf("foreign-run: %d %s", a.status, a.raw)
	}
	if a := post("faults/foreign-run", `{"repo":"acme/none","workflow":"deploy.yml"}`); a.status != 404 {
		t.Errorf("foreign-run unknown repo: %d", a.status)
	}
	for _, p := range []string{"faults/dispatch-drop", "faults/dispatch-double"} {
		if a := post(p, ""); a.status != 200 {
			t.Errorf("%s: %d", p, a.status)
		}
	}
	if a := post("faults/transient-5xx", `{"count":1}`); a.status != 200 {
		t.Errorf("transient: %d", a.status)
	}
	if a := e.do(t, "GET", "/repos/acme/web/actions/workflows/deploy.yml/runs", bearer, ""); a.status != 502 {
		t.Errorf("after transient-5xx: %d", a.status)
	}
	if a := post("faults/rate-limit", `{"count":1}`); a.status != 200 {
		t.Errorf("rate-limit: %d", a.status)
	}
	if a := e.do(t, "GET", "/repos/acme/web/actions/workflows/deploy.yml/runs", bearer, ""); a.status != 403 {
		t.Errorf("after rate-limit: %d", a.status)
	}
	a := e.do(t, "GET", "/repos/acme/web/actions/workflows/deploy.yml/runs", bearer, "")
	if a.body["total_count"] != float64(1) {
		t.Errorf("runs: %s", a.raw)
	}
	if a := post("faults/revoke-token", ""); a.status != 200 {
		t.Errorf("revoke: %d", a.status)
	}
	if a := e.do(t, "GET", "/repos/acme/web/actions/workflows/deploy.yml/runs", bearer, ""); a.status != 401 {
		t.Errorf("after revoke: %d", a.status)
	}
	for _, r := range e.sim.Requests() {
		if strings.HasPrefix(r.Path, "/__sim/") {
			t.Errorf("control request logged: %+v", r)
		}
	}
}
