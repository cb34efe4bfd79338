package github

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gh "github.com/google/go-github/v75/github"
)

// Run is a workflow run, with the fields Launchplane reads.
type Run struct {
	ID         int64
	WorkflowID int64
	Name       string
	// HeadBranch is the branch (or tag) the run was started on.
	HeadBranch string
	HeadSHA    string
	// Event is what started the run, e.g. "workflow_dispatch".
	Event string
	// Status is queued, in_progress, completed, waiting, requested or
	// pending; Conclusion is set once completed (success, failure, …).
	Status     string
	Conclusion string
	RunNumber  int
	RunAttempt int
	HTMLURL    string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RunFilter narrows WorkflowRuns. Zero fields do not filter.
type RunFilter struct {
	// Event is e.g. "workflow_dispatch".
	Event string
	// Branch is the head branch; a "refs/heads/" or "refs/tags/" prefix is
	// stripped, as GitHub reports short names.
	Branch string
	// Status is a run status or conclusion, e.g. "queued" or "success".
	Status string
	// CreatedFrom keeps runs created at or after it (second precision,
	// GitHub's created=>=… search qualifier).
	CreatedFrom time.Time
	// PerPage is 1..100; zero means GitHub's default (30).
	PerPage int
	// Page is 1-based; zero means the first page.
	Page int
}

// DispatchWorkflow triggers workflowID (a file name such as "promote.yml" or
// a numeric id) on ref with inputs. GitHub answers 204 and no run id: use
// ObserveDispatchedRun to learn which run it started. It is never retried:
// a transient error means the dispatch may or may not have happened.
func (c *Client) DispatchWorkflow(ctx context.Context, repo, workflowID, ref string, inputs map[string]any) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return fmt.Errorf("dispatch workflow: %w", err)
	}
	if err := checkWorkflowID(workflowID); err != nil {
		return fmt.Errorf("dispatch workflow: %w", err)
	}
	if ref == "" {
		return fmt.Errorf("dispatch workflow: %w: ref is empty", ErrInvalidInput)
	}
	req := gh.CreateWorkflowDispatchEventRequest{Ref: ref, Inputs: inputs}
	cl := call{http.MethodPost, "/repos/" + owner + "/" + name + "/actions/workflows/" + workflowID + "/dispatches"}
	return c.write(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
		return c.gh.Actions.CreateWorkflowDispatchEventByFileName(ctx, owner, name, workflowID, req)
	})
}

// WorkflowRuns lists one page of workflowID's runs, newest first.
func (c *Client) WorkflowRuns(ctx context.Context, repo, workflowID string, filter RunFilter) ([]Run, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, fmt.Errorf("list workflow runs: %w", err)
	}
	if err := checkWorkflowID(workflowID); err != nil {
		return nil, fmt.Errorf("list workflow runs: %w", err)
	}
	if filter.PerPage < 0 || filter.PerPage > 100 || filter.Page < 0 {
		return nil, fmt.Errorf("list workflow runs: %w: per_page must be 1..100 and page positive", ErrInvalidInput)
	}
	opts := &gh.ListWorkflowRunsOptions{
		Event:       filter.Event,
		Branch:      refBranch(filter.Branch),
		Status:      filter.Status,
		ListOptions: gh.ListOptions{PerPage: filter.PerPage, Page: filter.Page},
	}
	if !filter.CreatedFrom.IsZero() {
		opts.Created = ">=" + filter.CreatedFrom.UTC().Format(time.RFC3339)
	}
	var out *gh.WorkflowRuns
	cl := call{http.MethodGet, "/repos/" + owner + "/" + name + "/actions/workflows/" + workflowID + "/runs"}
	err = c.read(ctx, cl, func(ctx context.Context) (*gh.Response, error) {
		var resp *gh.Response
		var err error
		out, resp, err = c.gh.Actions.ListWorkflowRunsByFileName(ctx, owner, name, workflowID, opts)
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	runs := make([]Run, 0, len(out.WorkflowRuns))
	for _, r := range out.WorkflowRuns {
		if r != nil {
			runs = append(runs, runFrom(r))
		}
	}
	return runs, nil
}

func runFrom(r *gh.WorkflowRun) Run {
	return Run{
		ID:         r.GetID(),
		WorkflowID: r.GetWorkflowID(),
		Name:       r.GetName(),
		HeadBranch: r.GetHeadBranch(),
		HeadSHA:    r.GetHeadSHA(),
		Event:      r.GetEvent(),
		Status:     r.GetStatus(),
		Conclusion: r.GetConclusion(),
		RunNumber:  r.GetRunNumber(),
		RunAttempt: r.GetRunAttempt(),
		HTMLURL:    r.GetHTMLURL(),
		CreatedAt:  r.GetCreatedAt().UTC(),
		UpdatedAt:  r.GetUpdatedAt().UTC(),
	}
}
