package liveruntime

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// liveTarget is one read of a tracked target's Dokploy application or
// compose: its env text plus the row needed to write it back.
type liveTarget struct {
	env     string
	app     *dokploy.Application
	compose *dokploy.Compose
}

func readTarget(ctx context.Context, c *dokploy.Client, tr targets.Tracked) (liveTarget, error) {
	switch tr.Target.TargetType {
	case record.TargetApplication:
		a, err := c.Application(ctx, tr.TargetID())
		if err != nil {
			return liveTarget{}, err
		}
		return liveTarget{env: deref(a.Env), app: a}, nil
	case record.TargetCompose:
		cm, err := c.Compose(ctx, tr.TargetID())
		if err != nil {
			return liveTarget{}, err
		}
		return liveTarget{env: deref(cm.Env), compose: cm}, nil
	}
	return liveTarget{}, fmt.Errorf("read target: unsupported target type %q", tr.Target.TargetType)
}

// writeEnv replaces the target's env text. application.saveEnvironment
// replaces buildArgs, buildSecrets and createEnvFile too, so the values
// just read are sent back unchanged.
func (t liveTarget) writeEnv(ctx context.Context, c *dokploy.Client, env string) error {
	if t.app != nil {
		return c.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: t.app.ApplicationID, Env: &env,
			BuildArgs: t.app.BuildArgs, BuildSecrets: t.app.BuildSecrets, CreateEnvFile: t.app.CreateEnvFile})
	}
	return c.UpdateComposeEnv(ctx, t.compose.ComposeID, env)
}

// write re-fetches the target, merges desired into its env (every other
// line kept), writes it, reads it back and verifies every desired key.
func (s *Service) write(ctx context.Context, c *dokploy.Client, tr targets.Tracked, desired map[string]string) (*Verification, error) {
	cur, err := readTarget(ctx, c, tr)
	if err != nil {
		return nil, newError(CodeDokployTargetReadFailed, "Could not re-read the live Dokploy target before writing.", err)
	}
	if err := cur.writeEnv(ctx, c, dokploy.MergeEnv(cur.env, desired)); err != nil {
		return nil, newError(CodeDokployTargetWriteFailed, "Could not write the live Dokploy target env.", err)
	}
	back, err := readTarget(ctx, c, tr)
	if err != nil {
		return nil, newError(CodeDokployTargetReadFailed, "The env was written but could not be read back for verification.", err)
	}
	v := verify(desired, dokploy.ParseEnv(back.env))
	if v.Status != VerificationPassed {
		parts := []string{}
		for _, p := range []string{keyList("missing", v.MissingKeys), keyList("different", v.DifferentKeys)} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		e := newError(CodeDokployTargetVerificationFailed,
			fmt.Sprintf("Dokploy did not persist %d of %d desired keys (%s).", len(v.MissingKeys)+len(v.DifferentKeys), len(desired), strings.Join(parts, "; ")), nil)
		e.MissingKeys, e.DifferentKeys = v.MissingKeys, v.DifferentKeys
		return nil, e
	}
	return &v, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Wire is the production Config over a store: the runtime records, the
// tracked target's env and the managed-secret overlay (opened with ring)
// make the desired env, the Dokploy client comes from the managed dokploy
// secrets, and a deploy is deploy.Executor.Redeploy (trigger, then wait for
// that deployment; no evidence, since the image does not change). base
// carries Dokploy transport settings only. ExpectedKeys stays nil until
// product profiles exist.
func Wire(s store.Store, ring *crypto.KeyRing, now func() time.Time, base dokploy.Config) Config {
	sec := secrets.New(s, ring, now, nil)
	env := runtimeenv.New(s, now, targets.TrackedRoutes(s))
	layers := runtimeenv.Layers{Target: targets.TargetEnv(s), Secrets: sec.Overlay}
	client := func(ctx context.Context) (*dokploy.Client, error) {
		return targets.DokployClient(ctx, sec.Integration, base)
	}
	exec := deploy.New(deploy.Config{Store: s, Client: client, Now: now})
	return Config{
		Store: s,
		Resolve: func(ctx context.Context, context, instance string) (runtimeenv.Resolution, error) {
			return env.Resolve(ctx, context, instance, layers)
		},
		Dokploy: client,
		Deploy: func(ctx context.Context, tr targets.Tracked, noCache bool, timeout time.Duration) (DeployResult, error) {
			out, err := exec.Redeploy(ctx, tr, noCache, timeout, "live-target-runtime")
			return DeployResult{DeploymentID: out.DeploymentID, Status: out.Status, Detail: out.Detail}, err
		},
	}
}
