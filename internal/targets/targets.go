// Package targets is the tracked provider-target authority: it resolves the
// Dokploy target of a stable lane (route metadata plus live target id),
// keeps the provider-neutral target row in step with it, and feeds the
// target layer of runtime-environment resolution.
package targets

import (
	"context"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrNotTracked means a lane has no complete tracked target. It wraps
// store.ErrNotFound so surfaces map it to a not-found answer.
var ErrNotTracked = fmt.Errorf("no tracked target: %w", store.ErrNotFound)

// ErrStale means the provider-target row of a route no longer matches its
// Dokploy records; mutations and execution stop until it is reconciled.
var ErrStale = errors.New("stale provider target")

// Tracked is a resolved tracked route.
type Tracked struct {
	Target record.DokployTarget
	ID     record.DokployTargetID
}

// TargetID is the live Dokploy id of the route's application or compose.
func (t Tracked) TargetID() string { return t.ID.TargetID }

// Resolve reads the tracked Dokploy target of (context, instance). Both
// halves must exist, and an explicit provider-target row, when present,
// must still match them.
func Resolve(ctx context.Context, r store.Reader, context, instance string) (Tracked, error) {
	t, err := r.DokployTargetGet(ctx, context, instance)
	if errors.Is(err, store.ErrNotFound) {
		return Tracked{}, fmt.Errorf("resolve target %s/%s: no Dokploy target record (add one with launchplane dokploy-targets put): %w", context, instance, ErrNotTracked)
	}
	if err != nil {
		return Tracked{}, fmt.Errorf("resolve target %s/%s: %w", context, instance, err)
	}
	id, err := r.DokployTargetIDGet(ctx, context, instance)
	if errors.Is(err, store.ErrNotFound) {
		return Tracked{}, fmt.Errorf("resolve target %s/%s: the Dokploy target has no target-id record: %w", context, instance, ErrNotTracked)
	}
	if err != nil {
		return Tracked{}, fmt.Errorf("resolve target %s/%s: %w", context, instance, err)
	}
	tr := Tracked{Target: t, ID: id}
	if err := checkRow(ctx, r, tr); err != nil {
		return Tracked{}, err
	}
	return tr, nil
}

// checkRow refuses a route whose explicit provider-target row disagrees
// with the Dokploy pair. A missing row is not an error here: the audit
// reports it, and it is never synthesized on read.
func checkRow(ctx context.Context, r store.Reader, tr Tracked) error {
	row, err := r.ProviderTargetGet(ctx, tr.Target.Context, tr.Target.Instance)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read provider target %s/%s: %w", tr.Target.Context, tr.Target.Instance, err)
	}
	want, _ := record.ProjectProviderTarget(tr.Target, tr.ID)
	if !row.SameTarget(want) {
		return fmt.Errorf("provider target %s/%s no longer matches its Dokploy records (run launchplane storage provider-target-audit): %w",
			tr.Target.Context, tr.Target.Instance, ErrStale)
	}
	return nil
}

// TargetEnv is the runtimeenv.TargetEnv layer: the tracked target's env, or
// nil when the lane has no complete tracked target.
func TargetEnv(r store.Reader) runtimeenv.TargetEnv {
	return func(ctx context.Context, context, instance string) (map[string]any, error) {
		tr, err := Resolve(ctx, r, context, instance)
		if errors.Is(err, ErrNotTracked) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(tr.Target.Env))
		for k, v := range tr.Target.Env {
			out[k] = v
		}
		return out, nil
	}
}

// TrackedRoutes is the runtimeenv.TrackedTargets seam: the tracked targets
// a runtime-environment route feeds. A global record feeds every target, a
// context record its context's targets, an instance record its own.
func TrackedRoutes(r store.Reader) runtimeenv.TrackedTargets {
	return func(ctx context.Context, route runtimeenv.Route) ([]runtimeenv.TrackedTarget, error) {
		p := store.TargetListParams{Context: route.Context, Instance: route.Instance}
		list, err := r.DokployTargetList(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("list tracked targets: %w", err)
		}
		out := []runtimeenv.TrackedTarget{}
		for _, t := range list {
			name := t.TargetName
			if name == "" {
				name = t.Instance
			}
			out = append(out, runtimeenv.TrackedTarget{Context: t.Context, Instance: t.Instance, TargetType: t.TargetType, TargetName: name})
		}
		return out, nil
	}
}
