package github_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/githubsim"
)

var promoteInputs = map[string]any{"dry_run": "false", "bump": "minor"}

func observe(f *fixture, ref string, timeout time.Duration) (github.Run, error) {
	return f.gh.ObserveDispatchedRun(context.Background(), testRepo, "promote.yml", ref, promoteInputs,
		f.clock.Now(), time.Second, timeout)
}

func TestObserveExactlyOneNewRun(t *testing.T) {
	f := newFixture(t, githubsim.Config{RunDelay: 4 * time.Second})
	run, err := observe(f, "main", 12*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := f.sim.Runs(testRepo, "promote.yml")
	if len(runs) != 1 || runs[0].ID != run.ID {
		t.Fatalf("observed %d, simulator has %+v", run.ID, runs)
	}
	if diff := cmp.Diff(map[string]any{"dry_run": "false", "bump": "minor"}, runs[0].Inputs); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	if run.HeadBranch != "main" || run.Event != "workflow_dispatch" || run.Status != "queued" || run.HTMLURL == "" {
		t.Errorf("run = %+v", run)
	}
	if !run.CreatedAt.Equal(epoch.Add(4 * time.Second)) {
		t.Errorf("created_at = %s", run.CreatedAt)
	}
	// One listing before the dispatch, the dispatch, then a poll a second
	// until the run shows up four seconds later.
	reqs := f.requests()
	if count(reqs, "POST ") != 1 || count(reqs, "GET ") != 1+5 {
		t.Errorf("requests = %v", reqs)
	}
}

func TestObserveRefIsAFullRef(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	run, err := observe(f, "refs/heads/release", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if run.HeadBranch != "release" {
		t.Errorf("head branch = %q", run.HeadBranch)
	}
}

func TestObserveNoNewRun(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.DropNextDispatch()
	_, err := observe(f, "main", 5*time.Second)
	var oe *github.ObserveError
	if !errors.As(err, &oe) || !errors.Is(err, github.ErrNoRunObserved) {
		t.Fatalf("err = %v, want an ObserveError for no run", err)
	}
	if oe.Outcome != github.OutcomeNoRun || oe.Waited != 5*time.Second || len(oe.RunIDs) != 0 {
		t.Errorf("observe error = %+v", oe)
	}
	if got := f.clock.Now(); !got.Equal(epoch.Add(5 * time.Second)) {
		t.Errorf("clock at %s: the observation must stop at its timeout", got)
	}
	if n := count(f.requests(), "POST "); n != 1 {
		t.Errorf("%d dispatches, want 1: observation never re-dispatches", n)
	}
}

func TestObserveZeroTimeoutPollsOnce(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	run, err := observe(f, "main", 0)
	if err != nil {
		t.Fatal(err)
	}
	if run.ID == 0 {
		t.Fatal("no run")
	}
	if n := count(f.requests(), "GET "); n != 2 {
		t.Errorf("%d listings, want 2 (before and once after)", n)
	}
}

func TestObserveAmbiguousNewRuns(t *testing.T) {
	f := newFixture(t, githubsim.Config{RunDelay: time.Second})
	f.sim.DoubleNextDispatch()
	_, err := observe(f, "main", 10*time.Second)
	var oe *github.ObserveError
	if !errors.As(err, &oe) || !errors.Is(err, github.ErrAmbiguousRuns) {
		t.Fatalf("err = %v, want an ObserveError for ambiguous runs", err)
	}
	runs, _ := f.sim.Runs(testRepo, "promote.yml")
	want := []int64{runs[0].ID, runs[1].ID}
	if oe.Outcome != github.OutcomeAmbiguous {
		t.Errorf("outcome = %q", oe.Outcome)
	}
	if diff := cmp.Diff(want, oe.RunIDs); diff != "" {
		t.Errorf("run ids (-want +got):\n%s", diff)
	}
	if oe.Waited != time.Second {
		t.Errorf("waited %s: ambiguity is final, it should not wait out the timeout", oe.Waited)
	}
}

func TestObserveForeignRunAlongsideOurs(t *testing.T) {
	// A run someone else starts on the same branch as ours, visible in the
	// same listing, cannot be told from ours: that is ambiguity, never a
	// guess.
	f := newFixture(t, githubsim.Config{})
	c := newClientWithHook(t, f, afterDispatch(func() {
		if _, err := f.sim.InjectRun(testRepo, "promote.yml", githubsim.ForeignRun{}); err != nil {
			t.Error(err)
		}
	}))
	_, err := c.ObserveDispatchedRun(context.Background(), testRepo, "promote.yml", "main", promoteInputs, epoch, time.Second, 10*time.Second)
	if !errors.Is(err, github.ErrAmbiguousRuns) {
		t.Fatalf("err = %v, want ambiguous", err)
	}
}

func TestObserveIgnoresForeignAndOlderRuns(t *testing.T) {
	f := newFixture(t, githubsim.Config{RunDelay: 3 * time.Second})
	inject := func(fr githubsim.ForeignRun) {
		t.Helper()
		if _, err := f.sim.InjectRun(testRepo, "promote.yml", fr); err != nil {
			t.Fatal(err)
		}
	}
	// Before the dispatch: one from an hour ago, and one in since's own
	// second (it passes created>=since, so only the pre-dispatch listing
	// rules it out).
	inject(githubsim.ForeignRun{CreatedAt: epoch.Add(-time.Hour)})
	inject(githubsim.ForeignRun{CreatedAt: epoch})
	f.clock.Advance(400 * time.Millisecond)
	since := f.clock.Now()
	// After the dispatch, runs that are not ours: another branch, another
	// event, and one stamped before the dispatch (a late listing).
	c := newClientWithHook(t, f, afterDispatch(func() {
		inject(githubsim.ForeignRun{Branch: "release"})
		inject(githubsim.ForeignRun{Event: "push"})
		inject(githubsim.ForeignRun{CreatedAt: epoch.Add(-10 * time.Second)})
	}))
	run, err := c.ObserveDispatchedRun(context.Background(), testRepo, "promote.yml", "main", promoteInputs,
		since, time.Second, 12*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := f.sim.Runs(testRepo, "promote.yml")
	if len(runs) != 6 {
		t.Fatalf("simulator has %d runs, want 6", len(runs))
	}
	var ours githubsim.RunView
	for _, r := range runs {
		if r.Inputs != nil {
			ours = r
		}
	}
	if run.ID != ours.ID {
		t.Errorf("observed run %d, want the dispatched run %d", run.ID, ours.ID)
	}
}

func TestObserveRetriesTransientPollsAndNeverRedispatches(t *testing.T) {
	f := newFixture(t, githubsim.Config{RunDelay: 2 * time.Second})
	// The listing before the dispatch is retried through one 502.
	f.sim.FailNextRequests(1)
	run, err := observe(f, "main", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if run.ID == 0 {
		t.Fatal("no run")
	}
	reqs := f.requests()
	if reqs[0] != "GET /repos/acme/shop/actions/workflows/promote.yml/runs 502" {
		t.Errorf("first request = %q", reqs[0])
	}
	if n := count(reqs, "POST "); n != 1 {
		t.Errorf("%d dispatches, want 1", n)
	}
}

func TestObserveTransientPollFailuresUntilTimeout(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	c := newClientWithHook(t, f, afterDispatch(func() { f.sim.FailNextRequests(1000) }))
	_, err := c.ObserveDispatchedRun(context.Background(), testRepo, "promote.yml", "main", promoteInputs, epoch, time.Second, 3*time.Second)
	var oe *github.ObserveError
	if !errors.As(err, &oe) || oe.Outcome != github.OutcomeNoRun {
		t.Fatalf("err = %v, want no_new_run after the timeout", err)
	}
	if !errors.Is(err, github.ErrTransient) || !errors.Is(err, github.ErrNoRunObserved) {
		t.Errorf("err = %v, want it to carry the last transient read error", err)
	}
	if n := count(f.requests(), "POST "); n != 1 {
		t.Errorf("%d dispatches, want 1", n)
	}
}

func TestObserveFailingListingStopsBeforeDispatch(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	f.sim.FailNextRequests(1000)
	_, err := observe(f, "main", 3*time.Second)
	if !errors.Is(err, github.ErrTransient) || errors.As(err, new(*github.ObserveError)) {
		t.Fatalf("err = %v, want the listing's transient error", err)
	}
	if n := count(f.requests(), "POST "); n != 0 {
		t.Errorf("%d dispatches, want none", n)
	}
}

func TestObserveDispatchRefused(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	_, err := observe(f, "nope", 5*time.Second)
	if !github.IsValidation(err) || errors.As(err, new(*github.ObserveError)) {
		t.Fatalf("err = %v, want the dispatch's 422, not an observation outcome", err)
	}
}

func TestObserveReadFailureAfterDispatch(t *testing.T) {
	f := newFixture(t, githubsim.Config{RunDelay: 5 * time.Second})
	// Revoke the token between the dispatch and the first poll.
	c := newClientWithHook(t, f, afterDispatch(f.sim.RevokeToken))
	_, err := c.ObserveDispatchedRun(context.Background(), testRepo, "promote.yml", "main", promoteInputs, epoch, time.Second, 10*time.Second)
	var oe *github.ObserveError
	if !errors.As(err, &oe) || oe.Outcome != github.OutcomeReadFailed || !github.IsUnauthorized(err) {
		t.Fatalf("err = %v, want an observe_failed wrapping a 401", err)
	}
	assertNoToken(t, err)
}
