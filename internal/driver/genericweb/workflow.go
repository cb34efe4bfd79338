package genericweb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// KeyGitHubToken is the runtime key holding a context's GitHub token.
const KeyGitHubToken = "GITHUB_TOKEN"

type workflowEnvelope struct {
	SchemaVersion int             `json:"schema_version"`
	Product       string          `json:"product"`
	Workflow      workflowRequest `json:"workflow"`
}

func (e *workflowEnvelope) envelope() (int, string, string) {
	return e.SchemaVersion, e.Product, e.Workflow.Product
}

type workflowRequest struct {
	Product               string `json:"product"`
	Context               string `json:"context"`
	DryRun                bool   `json:"dry_run"`
	Bump                  string `json:"bump"`
	ObserveTimeoutSeconds *int   `json:"observe_timeout_seconds"`
}

// WorkflowResult is the prod-promotion workflow dispatch result
// (service.md §5.5).
type WorkflowResult struct {
	Product        string `json:"product"`
	Context        string `json:"context"`
	Repository     string `json:"repository"`
	WorkflowID     string `json:"workflow_id"`
	Ref            string `json:"ref"`
	DryRun         bool   `json:"dry_run"`
	Bump           string `json:"bump"`
	DispatchStatus string `json:"dispatch_status"`
	RunID          int64  `json:"run_id"`
	RunURL         string `json:"run_url"`
	RunStatus      string `json:"run_status"`
	RunConclusion  string `json:"run_conclusion"`
	// ObserveStatus says how the run was identified: observed, no_new_run,
	// ambiguous_new_runs or observe_failed (the run fields are then empty).
	ObserveStatus string `json:"observe_status"`
	ErrorMessage  string `json:"error_message"`
}

// workflow dispatches the product's own prod-promotion workflow with the
// context's managed GITHUB_TOKEN and observes exactly one new run. The
// product workflow deploys prod and owns the release; Launchplane only
// starts it and reports which run started.
func (d *drv) workflow(ctx context.Context, call driver.Call) (driver.Outcome, error) {
	env := workflowEnvelope{Workflow: workflowRequest{DryRun: true}}
	if err := decode("generic-web prod-promotion-workflow", call.Body, &env); err != nil {
		return driver.Outcome{}, err
	}
	req := env.Workflow
	product, contextName := strings.TrimSpace(req.Product), strings.TrimSpace(req.Context)
	observe := 12
	if req.ObserveTimeoutSeconds != nil {
		observe = *req.ObserveTimeoutSeconds
	}
	if contextName == "" || observe < 0 || observe > 60 || !slices.Contains([]string{"", "patch", "minor", "major"}, req.Bump) {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "invalid_request",
			"Invalid prod-promotion-workflow request: context is required, observe_timeout_seconds must be 0..60, bump patch, minor or major.")
	}
	if err := call.Caller.Authorize(ctx, product, contextName); err != nil {
		return driver.Outcome{}, err
	}
	profile, err := products.Get(ctx, d.cfg.Store, product)
	if errors.Is(err, store.ErrNotFound) {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "product_not_found", fmt.Sprintf("No product profile for %q.", product))
	}
	if err != nil {
		return driver.Outcome{}, err
	}
	if err := driver.CheckCompatible(profile.DriverID, DriverID); err != nil {
		return driver.Outcome{}, err
	}
	if !slices.ContainsFunc(profile.Lanes, func(l record.ProductLaneProfile) bool { return l.Context == contextName }) {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "invalid_request", fmt.Sprintf("Context %q is not a lane context of %q.", contextName, product))
	}
	wf := profile.PromotionWorkflow
	bump := req.Bump
	if bump == "" {
		bump = wf.DefaultBump
	}
	out := WorkflowResult{Product: product, Context: contextName, Repository: profile.Repository, WorkflowID: wf.WorkflowID,
		Ref: wf.Ref, DryRun: req.DryRun, Bump: bump, RunStatus: "pending"}
	token, err := d.cfg.ContextSecret(ctx, contextName, KeyGitHubToken)
	if err != nil {
		return driver.Outcome{}, refusal(err)
	}
	if token == "" {
		return driver.Outcome{}, driver.Refuse(driver.RefusedUnavailable, "github_token_missing",
			fmt.Sprintf("The runtime records of context %q do not expose %s; store it as a managed secret (integration runtime_environment) first.", contextName, KeyGitHubToken))
	}
	gh, err := d.cfg.GitHub(token)
	if err != nil {
		return driver.Outcome{}, fmt.Errorf("configure github client: %w", err)
	}
	inputs := map[string]any{}
	if wf.DryRunInput != "" {
		inputs[wf.DryRunInput] = fmt.Sprint(req.DryRun)
	}
	if wf.BumpInput != "" && bump != "" {
		inputs[wf.BumpInput] = bump
	}
	since := d.cfg.Now().UTC().Truncate(time.Second)
	run, err := gh.ObserveDispatchedRun(ctx, profile.Repository, wf.WorkflowID, wf.Ref, inputs, since, d.cfg.ObservePoll, time.Duration(observe)*time.Second)
	var obs *github.ObserveError
	switch {
	case errors.As(err, &obs):
		// Dispatched, but its run is unknown: an empty run, and no retry.
		out.DispatchStatus, out.ObserveStatus, out.ErrorMessage = "dispatched", string(obs.Outcome), obs.Error()
	case err != nil:
		out.DispatchStatus, out.RunStatus, out.ErrorMessage = record.StatusFail, "", err.Error()
	default:
		out.DispatchStatus, out.ObserveStatus = "dispatched", "observed"
		out.RunID, out.RunURL, out.RunConclusion = run.ID, run.HTMLURL, run.Conclusion
		if run.Status != "" {
			out.RunStatus = run.Status
		}
	}
	return driver.Outcome{Result: out}, nil
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }
