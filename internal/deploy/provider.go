package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/targets"
)

// target is one tracked Dokploy application or compose stack, seen through
// the few operations execution needs.
type target struct {
	client  *dokploy.Client
	tracked targets.Tracked
	kind    string // record.TargetApplication or record.TargetCompose
	id      string
}

func newTarget(c *dokploy.Client, tr targets.Tracked) target {
	return target{client: c, tracked: tr, kind: tr.Target.TargetType, id: tr.TargetID()}
}

// apply points the target at image and merges set into its env, keeping
// every other live key and, for applications, the registry credentials and
// build settings Dokploy would otherwise reset. It first refuses a live
// target an artifact deploy cannot drive (ErrRefused, nothing written).
func (t target) apply(ctx context.Context, image string, set map[string]string) error {
	live, err := targets.ReadLive(ctx, t.client, t.tracked)
	if err != nil {
		return err
	}
	if blockers := live.ExecutionBlockers(); len(blockers) > 0 {
		return refusedf("the live %s %s is not ready for artifact execution: %s", t.kind, t.id, strings.Join(blockers, "; "))
	}
	if live.App != nil {
		if err := t.client.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{
			ApplicationID: t.id, DockerImage: &image, Username: live.App.Username, Password: live.App.Password, RegistryURL: live.App.RegistryURL,
		}); err != nil {
			return err
		}
	}
	return live.WriteEnv(ctx, t.client, dokploy.MergeEnv(live.Env, set))
}

// deployments lists the target's deployment rows, newest first. renames
// reports a git-sourced compose, whose rows Dokploy retitles after the
// commit when they complete.
func (t target) deployments(ctx context.Context) (ds []dokploy.Deployment, renames bool, err error) {
	if t.kind == record.TargetApplication {
		if ds, err = t.client.Deployments(ctx, t.id); err != nil {
			return nil, false, err
		}
	} else {
		c, err := t.client.Compose(ctx, t.id)
		if err != nil {
			return nil, false, err
		}
		ds, renames = c.Deployments, dokploy.IsGitSource(c.SourceType)
	}
	// Array order is not trusted: newest first by createdAt, then id.
	slices.SortFunc(ds, func(a, b dokploy.Deployment) int {
		if c := strings.Compare(b.CreatedAt, a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.DeploymentID, a.DeploymentID)
	})
	return ds, renames, nil
}

// existing is the set of deployment ids a target had before a trigger.
type existing map[string]bool

// snapshot records the target's deployment ids before a trigger.
func (t target) snapshot(ctx context.Context) (existing, error) {
	ds, _, err := t.deployments(ctx)
	if err != nil {
		return nil, err
	}
	ids := existing{}
	for _, d := range ds {
		ids[d.DeploymentID] = true
	}
	return ids, nil
}

// trigger enqueues a deploy (a redeploy when noCache) titled title.
func (t target) trigger(ctx context.Context, title string, noCache bool) error {
	const description = "Launchplane execution"
	switch {
	case t.kind != record.TargetApplication:
		_, err := t.client.DeployCompose(ctx, t.id, title, description)
		return err
	case noCache:
		return t.client.RedeployApplication(ctx, t.id, title, description)
	default:
		return t.client.DeployApplication(ctx, t.id, title, description)
	}
}

// deployMode names how the deploy was triggered, for the evidence.
func deployMode(kind string, noCache bool) string {
	mode := "dokploy-" + kind + "-deploy"
	if noCache {
		mode = "dokploy-" + kind + "-redeploy"
	}
	return mode
}

// waitOutcome is the end of one deployment.
type waitOutcome struct {
	deploymentID string
	status       string // pass or fail
	detail       string
}

// ours picks the deployment to follow. A new row (not there before the
// trigger) with our title always wins; once seen, that row is followed by
// id, because Dokploy renames a git-sourced deployment after its commit
// when it completes. For a target that renames rows, a deploy can finish —
// and be renamed — before any poll sees it: then, and only then, a new
// row that has already finished is taken, if it is the only one. That is
// the one case where a foreign deploy finishing in the same window could
// be taken for ours; a running row without our title never is.
func ours(ds []dokploy.Deployment, seen, title string, before existing, renames bool) (dokploy.Deployment, bool) {
	for _, d := range ds {
		if seen != "" && d.DeploymentID == seen {
			return d, true
		}
	}
	for _, d := range ds {
		if d.Title == title && !before[d.DeploymentID] {
			return d, true
		}
	}
	if !renames || seen != "" {
		return dokploy.Deployment{}, false
	}
	var finished []dokploy.Deployment
	for _, d := range ds {
		if !before[d.DeploymentID] && d.Title != title && (d.Status == dokploy.StatusDone || d.Status == dokploy.StatusError || d.Status == dokploy.StatusCancelled) {
			finished = append(finished, d)
		}
	}
	if len(finished) == 1 {
		return finished[0], true
	}
	return dokploy.Deployment{}, false
}

// wait polls until our deployment — titled title, not one that existed
// before the trigger, not a foreign one that slipped in — reaches a final
// status, or timeout passes. A queued deploy has no row yet; unknown
// statuses keep polling.
func (e *Executor) wait(ctx context.Context, t target, title string, before existing, timeout time.Duration) waitOutcome {
	deadline := e.cfg.Now().Add(timeout)
	var seen, lastErr string
	for {
		ds, renames, err := t.deployments(ctx)
		if err != nil {
			// A failed read says nothing about the deploy: keep polling,
			// and report the last read error if the deadline passes.
			lastErr = fmt.Sprintf("; last read error: %v", err)
		} else if d, ok := ours(ds, seen, title, before, renames); ok {
			seen = d.DeploymentID
			switch d.Status {
			case dokploy.StatusDone:
				return waitOutcome{deploymentID: d.DeploymentID, status: record.StatusPass}
			case dokploy.StatusError, dokploy.StatusCancelled:
				return waitOutcome{deploymentID: d.DeploymentID, status: record.StatusFail,
					detail: fmt.Sprintf("Dokploy %s deployment failed: deployment=%s status=%s", t.kind, d.DeploymentID, d.Status)}
			}
		}
		if !e.cfg.Now().Before(deadline) {
			detail := fmt.Sprintf("timed out after %s waiting for Dokploy deployment status", timeout)
			if seen == "" {
				detail += " (the deployment never appeared)"
			}
			detail += lastErr
			return waitOutcome{deploymentID: seen, status: record.StatusFail, detail: detail}
		}
		if err := e.cfg.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return waitOutcome{deploymentID: seen, status: record.StatusFail, detail: "wait interrupted: " + err.Error()}
		}
	}
}
