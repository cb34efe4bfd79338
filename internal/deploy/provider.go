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

// Env keys Launchplane owns on a target.
const (
	EnvImageReference     = "DOCKER_IMAGE_REFERENCE"
	EnvRuntimeIdentity    = "LAUNCHPLANE_RUNTIME_IDENTITY_JSON"
	EnvDeploymentRecordID = "LAUNCHPLANE_DEPLOYMENT_RECORD_ID"
	EnvArtifactID         = "LAUNCHPLANE_ARTIFACT_ID"
	EnvSourceGitRef       = "LAUNCHPLANE_SOURCE_GIT_REF"
	// EnvAddonRepositories lists addon repositories as repo@ref; artifact
	// execution refuses refs that are not exact commits.
	EnvAddonRepositories = "ODOO_ADDON_REPOSITORIES"
)

// target is one tracked Dokploy application or compose stack, seen through
// the few operations execution needs.
type target struct {
	client *dokploy.Client
	kind   string // record.TargetApplication or record.TargetCompose
	id     string
}

func newTarget(c *dokploy.Client, tr targets.Tracked) target {
	return target{client: c, kind: tr.Target.TargetType, id: tr.TargetID()}
}

// liveEnv reads the target's current env text.
func (t target) liveEnv(ctx context.Context) (string, error) {
	if t.kind == record.TargetApplication {
		app, err := t.client.Application(ctx, t.id)
		if err != nil {
			return "", err
		}
		return deref(app.Env), nil
	}
	c, err := t.client.Compose(ctx, t.id)
	if err != nil {
		return "", err
	}
	return deref(c.Env), nil
}

// apply points the target at image and writes env keys, keeping every
// other live key and, for applications, the registry credentials and
// build settings Dokploy would otherwise reset.
func (t target) apply(ctx context.Context, image string, set map[string]string) error {
	if t.kind != record.TargetApplication {
		c, err := t.client.Compose(ctx, t.id)
		if err != nil {
			return err
		}
		return t.client.UpdateComposeEnv(ctx, t.id, dokploy.MergeEnv(deref(c.Env), set))
	}
	app, err := t.client.Application(ctx, t.id)
	if err != nil {
		return err
	}
	if err := t.client.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{
		ApplicationID: t.id, DockerImage: &image, Username: app.Username, Password: app.Password, RegistryURL: app.RegistryURL,
	}); err != nil {
		return err
	}
	env := dokploy.MergeEnv(deref(app.Env), set)
	return t.client.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{
		ApplicationID: t.id, Env: &env, BuildArgs: app.BuildArgs, BuildSecrets: app.BuildSecrets, CreateEnvFile: app.CreateEnvFile,
	})
}

// deployments lists the target's deployment rows, newest first.
func (t target) deployments(ctx context.Context) ([]dokploy.Deployment, error) {
	var ds []dokploy.Deployment
	if t.kind == record.TargetApplication {
		var err error
		if ds, err = t.client.Deployments(ctx, t.id); err != nil {
			return nil, err
		}
	} else {
		c, err := t.client.Compose(ctx, t.id)
		if err != nil {
			return nil, err
		}
		ds = c.Deployments
	}
	// Array order is not trusted: newest first by createdAt, then id.
	slices.SortFunc(ds, func(a, b dokploy.Deployment) int {
		if c := strings.Compare(b.CreatedAt, a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.DeploymentID, a.DeploymentID)
	})
	return ds, nil
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

// latestOurs returns the newest deployment titled title, if any.
func latestOurs(ds []dokploy.Deployment, title string) (dokploy.Deployment, bool) {
	for _, d := range ds {
		if d.Title == title {
			return d, true
		}
	}
	return dokploy.Deployment{}, false
}

// wait polls until the deployment titled title — not an older one, not a
// foreign one that slipped in — reaches a final status, or timeout passes.
// A queued deploy has no row yet; unknown statuses keep polling.
func (e *Executor) wait(ctx context.Context, t target, title, beforeKey string, timeout time.Duration) waitOutcome {
	deadline := e.cfg.Now().Add(timeout)
	var seen string
	for {
		ds, err := t.deployments(ctx)
		if err != nil {
			return waitOutcome{deploymentID: seen, status: record.StatusFail, detail: fmt.Sprintf("read deployments: %v", err)}
		}
		if d, ok := latestOurs(ds, title); ok && d.DeploymentID != beforeKey {
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
			return waitOutcome{deploymentID: seen, status: record.StatusFail, detail: detail}
		}
		if err := e.cfg.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return waitOutcome{deploymentID: seen, status: record.StatusFail, detail: "wait interrupted: " + err.Error()}
		}
	}
}

// mutableAddonRefs returns the addon repository entries of env whose ref is
// not an exact commit.
func mutableAddonRefs(env map[string]string) []string {
	var bad []string
	for _, entry := range strings.FieldsFunc(env[EnvAddonRepositories], func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		_, ref, ok := strings.Cut(entry, "@")
		if !ok || !record.IsExactSHA(ref) {
			bad = append(bad, entry)
		}
	}
	return bad
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
