// Package runtimeenv is the authority for non-secret runtime configuration:
// runtime-environment records per global, context or instance route, their
// merge, unset, relabel and compare-and-swap delete rules, and resolution
// of the effective environment of a context and instance.
//
// Nothing here returns a value except Resolve: every mutation reports key
// names and counts only, so its results are safe to print and log.
package runtimeenv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrRefused marks a mutation the rules decline: emptying a record,
// deleting one a tracked target depends on, or deleting one that changed
// after it was read.
var ErrRefused = errors.New("refused")

// TrackedTarget is a tracked provider target a runtime record feeds.
type TrackedTarget struct {
	Context    string
	Instance   string
	TargetType string
	TargetName string
}

// String names the target's route, context/instance.
func (t TrackedTarget) String() string { return t.Context + "/" + t.Instance }

// TrackedTargets lists the tracked provider targets whose environment a
// route's record feeds. Deleting such a record needs explicit consent. The
// target authority (internal/targets) fills this seam; nil means no target
// is tracked.
type TrackedTargets func(ctx context.Context, route Route) ([]TrackedTarget, error)

// Overlay returns the managed-secret values for a context and instance,
// keyed by binding key. Resolve applies it last, so secrets win.
type Overlay func(ctx context.Context, context, instance string) (map[string]string, error)

// TargetEnv returns the env of the tracked provider target for a context and
// instance, or nil when none is tracked. The Dokploy target authority fills
// this seam; Resolve skips the layer when the func itself is nil.
type TargetEnv func(ctx context.Context, context, instance string) (map[string]any, error)

// Layers supplies the resolution layers that live outside runtime-environment
// records. Either field may be nil: a nil Target skips the tracked-target
// layer (no target authority), a nil Secrets skips the managed-secret overlay.
type Layers struct {
	Target  TargetEnv
	Secrets Overlay
}

// Service applies the runtime-environment rules against a store.
type Service struct {
	store   store.Store
	now     func() time.Time
	tracked TrackedTargets
}

// New returns a Service on s stamping times from now. tracked may be nil.
func New(s store.Store, now func() time.Time, tracked TrackedTargets) *Service {
	return &Service{store: s, now: now, tracked: tracked}
}

// Route names one runtime-environment record.
type Route struct {
	Scope    string `json:"scope"`
	Context  string `json:"context"`
	Instance string `json:"instance"`
}

// check trims the route and applies the scope table.
func (r Route) check() (Route, error) {
	scope, ctx, inst, err := record.CheckRuntimeEnvRoute(r.Scope, r.Context, r.Instance)
	return Route{scope, ctx, inst}, err
}

func (r Route) lockKey() string {
	return "runtime-env:" + url.PathEscape(r.Scope) + "/" + url.PathEscape(r.Context) + "/" + url.PathEscape(r.Instance)
}

func (r Route) String() string {
	parts := []string{r.Scope}
	for _, p := range []string{r.Context, r.Instance} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// Summary describes a record by key names and count; it never holds values.
type Summary struct {
	Scope         string   `json:"scope"`
	Context       string   `json:"context"`
	Instance      string   `json:"instance"`
	UpdatedAt     string   `json:"updated_at"`
	SourceLabel   string   `json:"source_label"`
	EnvKeys       []string `json:"env_keys"`
	EnvValueCount int      `json:"env_value_count"`
}

// Summarize describes r without its values.
func Summarize(r record.RuntimeEnvironment) Summary {
	keys := r.EnvKeys()
	return Summary{Scope: r.Scope, Context: r.Context, Instance: r.Instance, UpdatedAt: r.UpdatedAt,
		SourceLabel: r.SourceLabel, EnvKeys: keys, EnvValueCount: len(keys)}
}

func (s *Service) stamp() string { return record.FormatTime(s.now()) }

// PutResult is the outcome of Put.
type PutResult struct {
	Summary
	// Action is "created" or "updated".
	Action string `json:"action"`
	// SetKeys are the keys this put wrote, sorted.
	SetKeys []string `json:"set_keys"`
}

// Put merges set into the route's record (creating it when absent). An
// empty sourceLabel keeps the stored label. Secret-shaped keys, non-scalar
// values and route errors are refused before anything is written.
func (s *Service) Put(ctx context.Context, route Route, set map[string]any, sourceLabel string) (PutResult, error) {
	probe, err := s.preparePut(route, set, sourceLabel)
	if err != nil {
		return PutResult{}, err
	}
	var res PutResult
	err = s.store.Update(ctx, func(tx store.Tx) error {
		res, err = putProbe(ctx, tx, probe)
		return err
	})
	if err != nil {
		return PutResult{}, fmt.Errorf("put runtime environment %s: %w", routeOf(probe), err)
	}
	return res, nil
}

// PutTx is Put inside the caller's transaction, so the merge can commit
// together with other records.
func (s *Service) PutTx(ctx context.Context, tx store.Tx, route Route, set map[string]any, sourceLabel string) (PutResult, error) {
	probe, err := s.preparePut(route, set, sourceLabel)
	if err != nil {
		return PutResult{}, err
	}
	res, err := putProbe(ctx, tx, probe)
	if err != nil {
		return PutResult{}, fmt.Errorf("put runtime environment %s: %w", routeOf(probe), err)
	}
	return res, nil
}

// LockTx takes the route's record lock in tx, so a caller can read the
// record it is about to merge into with nobody else changing it first.
func (s *Service) LockTx(ctx context.Context, tx store.Tx, route Route) error {
	route, err := route.check()
	if err != nil {
		return err
	}
	return tx.Lock(ctx, route.lockKey())
}

// preparePut checks the route and validates the new keys on their own, so
// a refusal names only what the caller sent. The result holds just them.
func (s *Service) preparePut(route Route, set map[string]any, sourceLabel string) (record.RuntimeEnvironment, error) {
	route, err := route.check()
	if err != nil {
		return record.RuntimeEnvironment{}, err
	}
	if len(set) == 0 {
		return record.RuntimeEnvironment{}, fmt.Errorf("put runtime environment %s: no keys to set: %w", route, record.ErrInvalid)
	}
	probe := record.RuntimeEnvironment{Scope: route.Scope, Context: route.Context, Instance: route.Instance, Env: clone(set), UpdatedAt: s.stamp(), SourceLabel: sourceLabel}
	if err := probe.Validate(); err != nil {
		return record.RuntimeEnvironment{}, err
	}
	return probe, nil
}

// putProbe merges a prepared probe into its route's stored record.
func putProbe(ctx context.Context, tx store.Tx, probe record.RuntimeEnvironment) (PutResult, error) {
	route := routeOf(probe)
	if err := tx.Lock(ctx, route.lockKey()); err != nil {
		return PutResult{}, err
	}
	rec, err := tx.RuntimeEnvGet(ctx, route.Scope, route.Context, route.Instance)
	res := PutResult{Action: "updated"}
	switch {
	case errors.Is(err, store.ErrNotFound):
		res.Action = "created"
		rec = record.RuntimeEnvironment{Scope: route.Scope, Context: route.Context, Instance: route.Instance, Env: map[string]any{}}
	case err != nil:
		return PutResult{}, err
	}
	for k, v := range probe.Env {
		rec.Env[k] = v
	}
	rec.UpdatedAt = probe.UpdatedAt
	if probe.SourceLabel != "" {
		rec.SourceLabel = probe.SourceLabel
	}
	if err := rec.Validate(); err != nil {
		return PutResult{}, err
	}
	res.Summary = Summarize(rec)
	res.SetKeys = probe.EnvKeys()
	return res, tx.RuntimeEnvPut(ctx, rec)
}

// UnsetResult is the outcome of Unset.
type UnsetResult struct {
	Summary
	RemovedKeys []string `json:"removed_keys"`
	MissingKeys []string `json:"missing_keys"`
}

// Unset removes keys from the route's record. It refuses to leave the
// record empty (delete-record removes a whole record) and writes nothing
// when none of the keys is stored.
func (s *Service) Unset(ctx context.Context, route Route, keys []string) (UnsetResult, error) {
	route, err := route.check()
	if err != nil {
		return UnsetResult{}, err
	}
	if len(keys) == 0 {
		return UnsetResult{}, fmt.Errorf("unset runtime environment %s: no keys named: %w", route, record.ErrInvalid)
	}
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return UnsetResult{}, fmt.Errorf("unset runtime environment %s: key names must not be blank: %w", route, record.ErrInvalid)
		}
	}
	res := UnsetResult{RemovedKeys: []string{}, MissingKeys: []string{}}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, route.lockKey()); err != nil {
			return err
		}
		rec, err := tx.RuntimeEnvGet(ctx, route.Scope, route.Context, route.Instance)
		if err != nil {
			return err
		}
		for _, k := range keys {
			k = strings.TrimSpace(k)
			if _, ok := rec.Env[k]; ok {
				delete(rec.Env, k)
				if !slices.Contains(res.RemovedKeys, k) {
					res.RemovedKeys = append(res.RemovedKeys, k)
				}
			} else if !slices.Contains(res.MissingKeys, k) && !slices.Contains(res.RemovedKeys, k) {
				res.MissingKeys = append(res.MissingKeys, k)
			}
		}
		slices.Sort(res.RemovedKeys)
		slices.Sort(res.MissingKeys)
		if len(rec.Env) == 0 {
			return fmt.Errorf("unsetting %s would leave the record empty; use environments delete-record to remove the whole record: %w",
				strings.Join(res.RemovedKeys, ", "), ErrRefused)
		}
		if len(res.RemovedKeys) > 0 {
			rec.UpdatedAt = s.stamp()
		}
		res.Summary = Summarize(rec)
		if len(res.RemovedKeys) == 0 {
			return nil
		}
		return tx.RuntimeEnvPut(ctx, rec)
	})
	if err != nil {
		return UnsetResult{}, fmt.Errorf("unset runtime environment %s: %w", route, err)
	}
	return res, nil
}

// Relabel changes the route's source_label (and updated_at) only.
func (s *Service) Relabel(ctx context.Context, route Route, sourceLabel string) (Summary, error) {
	route, err := route.check()
	if err != nil {
		return Summary{}, err
	}
	sourceLabel = strings.TrimSpace(sourceLabel)
	if sourceLabel == "" {
		return Summary{}, fmt.Errorf("relabel runtime environment %s: source label must not be blank: %w", route, record.ErrInvalid)
	}
	var out Summary
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Lock(ctx, route.lockKey()); err != nil {
			return err
		}
		rec, err := tx.RuntimeEnvGet(ctx, route.Scope, route.Context, route.Instance)
		if err != nil {
			return err
		}
		rec.SourceLabel = sourceLabel
		rec.UpdatedAt = s.stamp()
		out = Summarize(rec)
		return tx.RuntimeEnvPut(ctx, rec)
	})
	if err != nil {
		return Summary{}, fmt.Errorf("relabel runtime environment %s: %w", route, err)
	}
	return out, nil
}

// List summarizes the stored records matching the filter.
func (s *Service) List(ctx context.Context, p store.RuntimeEnvListParams) ([]Summary, error) {
	recs, err := s.store.RuntimeEnvList(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(recs))
	for _, r := range recs {
		out = append(out, Summarize(r))
	}
	return out, nil
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// routeOf names a record's route.
func routeOf(r record.RuntimeEnvironment) Route {
	return Route{Scope: r.Scope, Context: r.Context, Instance: r.Instance}
}
