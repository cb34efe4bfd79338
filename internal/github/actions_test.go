package github_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/githubsim"
)

func TestNewRequiresToken(t *testing.T) {
	for _, tok := range []string{"", "   "} {
		_, err := github.New(github.Config{Token: tok, BaseURL: "http://127.0.0.1:1"})
		if !errors.Is(err, github.ErrNoToken) {
			t.Errorf("New(token %q) = %v, want ErrNoToken", tok, err)
		}
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{
		"ftp://api.example.com",
		"http://user:" + testToken + "@api.example.com",
		"https://api.example.com/?x=1",
		"https://api.example.com/#frag",
		"https:///nohost",
		"::not a url",
	} {
		_, err := github.New(github.Config{Token: testToken, BaseURL: u})
		if err == nil {
			t.Errorf("New(base %q) succeeded", u)
			continue
		}
		assertNoToken(t, err)
	}
}

func TestDispatchWorkflow(t *testing.T) {
	f := newFixture(t, githubsim.Config{RunDelay: 3 * time.Second})
	ctx := context.Background()
	err := f.gh.DispatchWorkflow(ctx, testRepo, "promote.yml", "main", map[string]any{"dry_run": "true"})
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := f.sim.Runs(testRepo, "promote.yml")
	if len(runs) != 0 {
		t.Fatalf("run visible before RunDelay: %+v", runs)
	}
	f.clock.Advance(3 * time.Second)
	runs, _ = f.sim.Runs(testRepo, "promote.yml")
	want := []githubsim.RunView{{
		ID: runs[0].ID, Branch: "main", Event: "workflow_dispatch", Status: "queued",
		CreatedAt: epoch.Add(3 * time.Second), Inputs: map[string]any{"dry_run": "true", "bump": "patch"},
	}}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
}

func TestDispatchWorkflowErrors(t *testing.T) {
	tests := []struct {
		name     string
		repo, wf string
		ref      string
		inputs   map[string]any
		setup    func(*fixture)
		check    func(error) bool
		wantMsg  string
		wantCode int
	}{
		{name: "unknown repo", repo: "acme/nope", wf: "promote.yml", ref: "main", inputs: map[string]any{"dry_run": "true"},
			check: github.IsNotFound, wantCode: 404, wantMsg: "Not Found"},
		{name: "unknown workflow", repo: testRepo, wf: "nope.yml", ref: "main", inputs: map[string]any{"dry_run": "true"},
			check: github.IsNotFound, wantCode: 404, wantMsg: "Not Found"},
		{name: "bad ref", repo: testRepo, wf: "promote.yml", ref: "no-such-branch", inputs: map[string]any{"dry_run": "true"},
			check: github.IsValidation, wantCode: 422, wantMsg: "No ref found for: no-such-branch"},
		{name: "unknown input", repo: testRepo, wf: "promote.yml", ref: "main", inputs: map[string]any{"dry_run": "true", "force": "yes"},
			check: github.IsValidation, wantCode: 422, wantMsg: `Unexpected inputs provided: ["force"]`},
		{name: "missing required input", repo: testRepo, wf: "promote.yml", ref: "main",
			check: github.IsValidation, wantCode: 422, wantMsg: "Required input 'dry_run' not provided"},
		{name: "revoked token", repo: testRepo, wf: "promote.yml", ref: "main", inputs: map[string]any{"dry_run": "true"},
			setup: func(f *fixture) { f.sim.RevokeToken() }, check: github.IsUnauthorized, wantCode: 401, wantMsg: "Bad credentials"},
		{name: "rate limited", repo: testRepo, wf: "promote.yml", ref: "main", inputs: map[string]any{"dry_run": "true"},
			setup: func(f *fixture) { f.sim.RateLimitNextRequests(1) }, check: github.IsRateLimited, wantCode: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, githubsim.Config{})
			if tt.setup != nil {
				tt.setup(f)
			}
			err := f.gh.DispatchWorkflow(context.Background(), tt.repo, tt.wf, tt.ref, tt.inputs)
			assertNoToken(t, err)
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			var apiErr *github.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %T is not an *APIError", err)
			}
			if apiErr.Status != tt.wantCode || (tt.wantMsg != "" && apiErr.Message != tt.wantMsg) {
				t.Errorf("got status %d message %q, want %d %q", apiErr.Status, apiErr.Message, tt.wantCode, tt.wantMsg)
			}
			if apiErr.Method != "POST" || apiErr.Path != "/repos/"+tt.repo+"/actions/workflows/"+tt.wf+"/dispatches" {
				t.Errorf("call = %s %s", apiErr.Method, apiErr.Path)
			}
			if n := count(f.requests(), "POST "); n != 1 {
				t.Errorf("%d dispatch requests, want 1", n)
			}
			runs, _ := f.sim.Runs(testRepo, "promote.yml")
			if len(runs) != 0 {
				t.Errorf("a refused dispatch started runs: %+v", runs)
			}
		})
	}
}

func TestDispatchRateLimitCarriesReset(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.RateLimitNextRequests(1)
	err := f.gh.DispatchWorkflow(context.Background(), testRepo, "promote.yml", "main", map[string]any{"dry_run": "true"})
	var apiErr *github.APIError
	if !errors.As(err, &apiErr) || !apiErr.RateLimited {
		t.Fatalf("err = %v", err)
	}
	if want := epoch.Add(time.Hour); !apiErr.RateLimitReset.Equal(want) {
		t.Errorf("reset = %s, want %s", apiErr.RateLimitReset, want)
	}
}

func TestDispatchIsNeverRetried(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.FailNextRequests(1)
	err := f.gh.DispatchWorkflow(context.Background(), testRepo, "promote.yml", "main", map[string]any{"dry_run": "true"})
	if !errors.Is(err, github.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	var apiErr *github.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 {
		t.Fatalf("err = %v, want a 502 APIError", err)
	}
	want := []string{"POST /repos/acme/shop/actions/workflows/promote.yml/dispatches 502"}
	if diff := cmp.Diff(want, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestInvalidInputMakesNoRequest(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	calls := map[string]func() error{
		"repo without owner": func() error { return f.gh.DispatchWorkflow(ctx, "shop", "promote.yml", "main", nil) },
		"repo with path":     func() error { return f.gh.DispatchWorkflow(ctx, "acme/shop/../x", "promote.yml", "main", nil) },
		"dot-dot repo":       func() error { return f.gh.DispatchWorkflow(ctx, "acme/..", "promote.yml", "main", nil) },
		"workflow path": func() error {
			return f.gh.DispatchWorkflow(ctx, testRepo, "../../issues", "main", nil)
		},
		"empty ref": func() error { return f.gh.DispatchWorkflow(ctx, testRepo, "promote.yml", "", nil) },
		"runs per_page": func() error {
			_, err := f.gh.WorkflowRuns(ctx, testRepo, "promote.yml", github.RunFilter{PerPage: 101})
			return err
		},
		"labels number": func() error { _, err := f.gh.PullRequestLabels(ctx, testRepo, 0); return err },
		"comment id":    func() error { _, err := f.gh.UpdateIssueComment(ctx, testRepo, -1, "x"); return err },
		"issue title":   func() error { _, err := f.gh.CreateIssue(ctx, testRepo, github.NewIssue{}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, github.ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("requests were made: %v", got)
	}
}

func TestWorkflowRunsFilters(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	inject := func(branch, event string, at time.Time) int64 {
		id, err := f.sim.InjectRun(testRepo, "promote.yml", githubsim.ForeignRun{Branch: branch, Event: event, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	old := inject("main", "workflow_dispatch", epoch.Add(-time.Hour))
	other := inject("release", "workflow_dispatch", epoch)
	push := inject("main", "push", epoch)
	mine := inject("main", "workflow_dispatch", epoch.Add(time.Second))
	newer := inject("main", "workflow_dispatch", epoch.Add(2*time.Second))

	ids := func(runs []github.Run) []int64 {
		var out []int64
		for _, r := range runs {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		name   string
		filter github.RunFilter
		want   []int64
	}{
		{"all, newest first", github.RunFilter{}, []int64{newer, mine, push, other, old}},
		{"event", github.RunFilter{Event: "push"}, []int64{push}},
		{"branch ref", github.RunFilter{Branch: "refs/heads/release"}, []int64{other}},
		{"created from", github.RunFilter{Event: "workflow_dispatch", Branch: "main", CreatedFrom: epoch}, []int64{newer, mine}},
		{"page", github.RunFilter{PerPage: 2, Page: 2}, []int64{push, other}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := f.gh.WorkflowRuns(ctx, testRepo, "promote.yml", tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(runs)); diff != "" {
				t.Errorf("run ids (-want +got):\n%s", diff)
			}
		})
	}

	runs, err := f.gh.WorkflowRuns(ctx, testRepo, "promote.yml", github.RunFilter{Branch: "main", Event: "workflow_dispatch", PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := github.Run{
		ID: newer, WorkflowID: runs[0].WorkflowID, Name: "Promote", HeadBranch: "main", HeadSHA: runs[0].HeadSHA,
		Event: "workflow_dispatch", Status: "queued", RunNumber: 5, RunAttempt: 1,
		HTMLURL:   "https://github.com/acme/shop/actions/runs/" + strconv.FormatInt(newer, 10),
		CreatedAt: epoch.Add(2 * time.Second), UpdatedAt: epoch.Add(2 * time.Second),
	}
	if diff := cmp.Diff(want, runs[0]); diff != "" {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	if runs[0].WorkflowID == 0 || len(runs[0].HeadSHA) != 40 {
		t.Errorf("workflow id %d, head sha %q", runs[0].WorkflowID, runs[0].HeadSHA)
	}
}

func TestWorkflowRunsRetriesTransientReads(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.FailNextRequests(2)
	if _, err := f.gh.WorkflowRuns(context.Background(), testRepo, "promote.yml", github.RunFilter{}); err != nil {
		t.Fatalf("err = %v, want success on the third attempt", err)
	}
	want := []string{
		"GET /repos/acme/shop/actions/workflows/promote.yml/runs 502",
		"GET /repos/acme/shop/actions/workflows/promote.yml/runs 502",
		"GET /repos/acme/shop/actions/workflows/promote.yml/runs 200",
	}
	if diff := cmp.Diff(want, f.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestWorkflowRunsRetriesAreBounded(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.FailNextRequests(10)
	_, err := f.gh.WorkflowRuns(context.Background(), testRepo, "promote.yml", github.RunFilter{})
	if !errors.Is(err, github.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	assertNoToken(t, err)
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (1 + 2 retries)", n)
	}
}

func TestReadsAreNotRetriedOnClientErrors(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.RateLimitNextRequests(5)
	_, err := f.gh.WorkflowRuns(context.Background(), testRepo, "promote.yml", github.RunFilter{})
	if !github.IsRateLimited(err) {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1: a rate limit is not retried", n)
	}
}
