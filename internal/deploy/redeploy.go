package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/targets"
)

// Redeploy triggers a deploy of a tracked target as it is configured now
// (for example after a live runtime env change) and waits for that
// deployment, with the same title tagging and foreign-deploy safety as an
// execution. It writes no evidence: the image does not change, so there is
// no new artifact to record. A failed or timed-out deploy is an error
// wrapping ErrFailed, with the outcome returned alongside.
func (e *Executor) Redeploy(ctx context.Context, tr targets.Tracked, noCache bool, timeout time.Duration, reason string) (DeployOutcome, error) {
	if timeout <= 0 {
		timeout = seconds(0, tr.Target.DeployTimeoutSeconds, DefaultDeployTimeoutSeconds)
	}
	client, err := e.cfg.Client(ctx)
	if err != nil {
		return DeployOutcome{}, fmt.Errorf("redeploy %s/%s: %w", tr.Target.Context, tr.Target.Instance, err)
	}
	t := newTarget(client, tr)
	out := DeployOutcome{Mode: deployMode(t.kind, noCache), Status: record.StatusFail}
	title := fmt.Sprintf("Launchplane %s %s", reason, record.FormatTime(e.cfg.Now()))
	before, err := t.snapshot(ctx)
	if err != nil {
		out.Detail = fmt.Sprintf("read deployments before deploy: %v", err)
		return out, fmt.Errorf("redeploy %s/%s: %s: %w", tr.Target.Context, tr.Target.Instance, out.Detail, ErrFailed)
	}
	if err := t.trigger(ctx, title, noCache); err != nil {
		out.Detail = fmt.Sprintf("trigger deploy (effect unknown if the request timed out): %v", err)
		return out, fmt.Errorf("redeploy %s/%s: %s: %w", tr.Target.Context, tr.Target.Instance, out.Detail, ErrFailed)
	}
	w := e.wait(ctx, t, title, before, timeout)
	out.DeploymentID, out.Status, out.Detail = w.deploymentID, w.status, w.detail
	if w.status != record.StatusPass {
		return out, fmt.Errorf("redeploy %s/%s: %s: %w", tr.Target.Context, tr.Target.Instance, w.detail, ErrFailed)
	}
	return out, nil
}
