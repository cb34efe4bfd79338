package github

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Outcome says how an observation after a dispatch ended without a run.
type Outcome string

// Observation outcomes. The dispatch itself succeeded in each case; the
// caller records an empty run with this status.
const (
	// OutcomeNoRun: no new run appeared before the timeout.
	OutcomeNoRun Outcome = "no_new_run"
	// OutcomeAmbiguous: two or more new runs appeared, so which one the
	// dispatch started cannot be told.
	OutcomeAmbiguous Outcome = "ambiguous_new_runs"
	// OutcomeReadFailed: listing runs failed with a non-transient error.
	OutcomeReadFailed Outcome = "observe_failed"
)

// Sentinels matched by errors.Is on an *ObserveError.
var (
	ErrNoRunObserved  = errors.New("github: no new workflow run observed")
	ErrAmbiguousRuns  = errors.New("github: more than one new workflow run observed")
	ErrObserveFailed  = errors.New("github: workflow runs could not be read after dispatch")
	defaultPoll       = time.Second
	observePerPage    = 100
	observeEventQuery = "workflow_dispatch"
)

// ObserveError reports that a dispatch was accepted but its run could not be
// identified. The workflow may well be running: do not dispatch again.
type ObserveError struct {
	Outcome Outcome
	// RunIDs are the new runs seen, oldest first (two or more when
	// ambiguous).
	RunIDs []int64
	// Waited is how long the observation ran on the client's clock.
	Waited time.Duration
	// Err is the last read error, if any (after a timeout it is the last
	// transient one; for OutcomeReadFailed the one that stopped it).
	Err error
}

// Error implements error.
func (e *ObserveError) Error() string {
	var b strings.Builder
	switch e.Outcome {
	case OutcomeAmbiguous:
		ids := make([]string, len(e.RunIDs))
		for i, id := range e.RunIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		fmt.Fprintf(&b, "observe dispatched run: %d new runs (%s), cannot tell which one the dispatch started", len(e.RunIDs), strings.Join(ids, ", "))
	case OutcomeReadFailed:
		b.WriteString("observe dispatched run: list runs failed")
	default:
		fmt.Fprintf(&b, "observe dispatched run: no new run after %s", e.Waited)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the outcome's sentinel and the last read error.
func (e *ObserveError) Unwrap() []error {
	var sentinel error
	switch e.Outcome {
	case OutcomeAmbiguous:
		sentinel = ErrAmbiguousRuns
	case OutcomeReadFailed:
		sentinel = ErrObserveFailed
	default:
		sentinel = ErrNoRunObserved
	}
	if e.Err == nil {
		return []error{sentinel}
	}
	return []error{sentinel, e.Err}
}

// ObserveDispatchedRun dispatches workflowID on ref with inputs and returns
// the one run that dispatch started.
//
// GitHub's dispatch answer names no run, so the run is identified by
// elimination: a workflow_dispatch run on ref's branch, created at or after
// since (truncated to the second, as created_at is; zero means the client's
// now), and absent from the listing taken just before the dispatch. The
// runs are polled every poll (zero means 1s) for up to timeout, at least
// once. Exactly one such run is the answer; none by the deadline, or two or
// more at any poll, is an *ObserveError (OutcomeNoRun, OutcomeAmbiguous):
// the dispatch happened but its run is unknown.
//
// Any other error means the dispatch did not happen (the listing before it
// failed, or GitHub refused it) — or, when it wraps ErrTransient, that its
// effect is unknown.
func (c *Client) ObserveDispatchedRun(ctx context.Context, repo, workflowID, ref string, inputs map[string]any, since time.Time, poll, timeout time.Duration) (Run, error) {
	if poll <= 0 {
		poll = defaultPoll
	}
	if timeout < 0 {
		timeout = 0
	}
	if ref == "" {
		return Run{}, fmt.Errorf("observe dispatched run: %w: ref is empty", ErrInvalidInput)
	}
	if since.IsZero() {
		since = c.now()
	}
	since = since.UTC().Truncate(time.Second)
	branch := refBranch(ref)
	filter := RunFilter{Event: observeEventQuery, Branch: branch, CreatedFrom: since, PerPage: observePerPage}

	// Runs already there in since's second are not ours.
	before, err := c.WorkflowRuns(ctx, repo, workflowID, filter)
	if err != nil {
		return Run{}, fmt.Errorf("list runs before dispatch: %w", err)
	}
	seen := make(map[int64]bool, len(before))
	for _, r := range before {
		seen[r.ID] = true
	}

	if err := c.DispatchWorkflow(ctx, repo, workflowID, ref, inputs); err != nil {
		return Run{}, err
	}

	start := c.now()
	deadline := start.Add(timeout)
	var lastErr error
	for {
		runs, err := c.WorkflowRuns(ctx, repo, workflowID, filter)
		switch {
		case ctx.Err() != nil:
			return Run{}, &ObserveError{Outcome: OutcomeNoRun, Waited: c.now().Sub(start), Err: ctx.Err()}
		case err != nil && !errors.Is(err, ErrTransient):
			return Run{}, &ObserveError{Outcome: OutcomeReadFailed, Waited: c.now().Sub(start), Err: err}
		case err != nil:
			lastErr = err
		default:
			fresh := newRuns(runs, seen, branch, since)
			if len(fresh) == 1 {
				return fresh[0], nil
			}
			if len(fresh) > 1 {
				ids := make([]int64, len(fresh))
				for i, r := range fresh {
					ids[len(fresh)-1-i] = r.ID
				}
				return Run{}, &ObserveError{Outcome: OutcomeAmbiguous, RunIDs: ids, Waited: c.now().Sub(start)}
			}
		}
		now := c.now()
		if !now.Before(deadline) {
			return Run{}, &ObserveError{Outcome: OutcomeNoRun, Waited: now.Sub(start), Err: lastErr}
		}
		if err := c.sleep(ctx, min(poll, deadline.Sub(now))); err != nil {
			return Run{}, &ObserveError{Outcome: OutcomeNoRun, Waited: c.now().Sub(start), Err: err}
		}
	}
}

// newRuns keeps the runs the dispatch may have started. The server-side
// filters are applied again because a listing is only as good as the
// server's search index, and a run from elsewhere must never be mistaken
// for ours.
func newRuns(runs []Run, seen map[int64]bool, branch string, since time.Time) []Run {
	var out []Run
	for _, r := range runs {
		if seen[r.ID] || r.Event != observeEventQuery || r.HeadBranch != branch || r.CreatedAt.Before(since) {
			continue
		}
		out = append(out, r)
	}
	return out
}
