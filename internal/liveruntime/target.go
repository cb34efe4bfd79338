package liveruntime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// write re-fetches the target, merges desired into its env (every other
// line kept), writes it, reads it back and verifies every desired key.
func (s *Service) write(ctx context.Context, c *dokploy.Client, tr targets.Tracked, desired map[string]string) (*Verification, error) {
	cur, err := targets.ReadLive(ctx, c, tr)
	if err != nil {
		return nil, newError(CodeDokployTargetReadFailed, "Could not re-read the live Dokploy target before writing.", err)
	}
	if err := cur.WriteEnv(ctx, c, dokploy.MergeEnv(cur.Env, desired)); err != nil {
		return nil, newError(CodeDokployTargetWriteFailed, "Could not write the live Dokploy target env.", err)
	}
	back, err := targets.ReadLive(ctx, c, tr)
	if err != nil {
		return nil, newError(CodeDokployTargetReadFailed, "The env was written but could not be read back for verification.", err)
	}
	v := verify(desired, dokploy.ParseEnv(back.Env))
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

// Wire is the production Config over a store: the runtime records, the
// tracked target's env and the managed-secret overlay (opened with ring)
// make the desired env, the Dokploy client comes from the managed dokploy
// secrets, and a deploy is deploy.Executor.Redeploy (trigger, then wait for
// that deployment; no evidence, since the image does not change: a sync
// never writes the execution-owned keys). Each redeploy gets a title of its
// own (redeployReason), so its wait never mistakes another deployment
// started in the same second for it. The desired keys are scoped to the
// owning product profile's expected_config for the lane (expectedKeys).
// base carries Dokploy transport settings only.
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
		Now:   now,
		Resolve: func(ctx context.Context, context, instance string) (runtimeenv.Resolution, error) {
			return env.Resolve(ctx, context, instance, layers)
		},
		Dokploy:      client,
		ExpectedKeys: expectedKeys(s),
		Deploy: func(ctx context.Context, tr targets.Tracked, noCache bool, timeout time.Duration) (DeployResult, error) {
			out, err := exec.Redeploy(ctx, tr, noCache, timeout, redeployReason())
			return DeployResult{DeploymentID: out.DeploymentID, Status: out.Status, Detail: out.Detail}, err
		},
	}
}

// expectedKeys reads what the product profile owning the lane expects
// there (service.md §8.1 step 3). With a product named, that product's
// profile must own the lane; without, exactly one profile must (two are
// products.ErrAmbiguous, a conflict: never a guess). A lane no profile owns
// fails closed with ErrProductLaneNotFound: without expected_config there
// is no telling which resolved keys belong to the product.
func expectedKeys(s store.Store) func(ctx context.Context, product, context, instance string) (ExpectedConfig, error) {
	return func(ctx context.Context, product, contextName, instance string) (ExpectedConfig, error) {
		var p record.ProductProfile
		var err error
		if product != "" {
			p, err = products.Get(ctx, s, product)
		} else {
			p, _, err = products.ProductForLane(ctx, s, contextName, instance)
		}
		if err == nil {
			var e products.Expected
			if e, err = products.ExpectedKeys(p, contextName, instance); err == nil {
				return ExpectedConfig{RuntimeKeys: e.RuntimeKeys, SecretBindingKeys: e.SecretBindingKeys}, nil
			}
		}
		if errors.Is(err, store.ErrNotFound) {
			// No such profile, no profile owning the lane, or a profile
			// without it: all wrap store.ErrNotFound.
			return ExpectedConfig{}, fmt.Errorf("%w: %w", ErrProductLaneNotFound, err)
		}
		return ExpectedConfig{}, fmt.Errorf("find the product profile of %s/%s: %w", contextName, instance, err)
	}
}

// redeployReason is the redeploy title's reason: "live-target-runtime"
// plus a random suffix. The title also carries the time, but only to the
// second, and the wait finds its deployment by title.
func redeployReason() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "live-target-runtime " + hex.EncodeToString(b)
}
