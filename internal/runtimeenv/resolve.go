package runtimeenv

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Resolution layers, in the order they apply.
const (
	LayerGlobal        = "global"
	LayerContext       = "context"
	LayerInstance      = "instance"
	LayerTrackedTarget = "tracked_target"
	LayerManagedSecret = "managed_secret"
)

// RedactedValue replaces a value Resolution.Env withholds.
const RedactedValue = "<redacted>"

// Resolution is the effective runtime environment of a context (and
// instance). It holds plaintext values: print it only through Env.
type Resolution struct {
	Context  string
	Instance string
	// Values are the merged values, later layers winning.
	Values map[string]any
	// Sources names the layer each key's value came from.
	Sources map[string]string
}

// Resolve merges global, then context, then instance records, then the
// tracked target's env, then the managed-secret overlay, later layers
// winning; layers.Target and layers.Secrets are skipped when nil.
// It fails closed: no stored record at all, a context that has neither a
// context record nor any instance record, or a named instance without an
// instance record, are errors. instance may be empty for a context-level
// resolution.
func (s *Service) Resolve(ctx context.Context, contextName, instance string, layers Layers) (Resolution, error) {
	contextName, instance = strings.TrimSpace(contextName), strings.TrimSpace(instance)
	if contextName == "" {
		return Resolution{}, fmt.Errorf("resolve runtime environment: context is required: %w", record.ErrInvalid)
	}
	fail := func(err error) (Resolution, error) {
		where := contextName
		if instance != "" {
			where += "/" + instance
		}
		return Resolution{}, fmt.Errorf("resolve runtime environment %s: %w", where, err)
	}
	all, err := s.store.RuntimeEnvList(ctx, store.RuntimeEnvListParams{})
	if err != nil {
		return fail(err)
	}
	if len(all) == 0 {
		return fail(fmt.Errorf("no runtime-environment records are stored (write them with environments put): %w", store.ErrNotFound))
	}
	var global, ctxRec, instRec *record.RuntimeEnvironment
	contextKnown := false
	for i := range all {
		r := &all[i]
		switch {
		case r.Scope == record.ScopeGlobal:
			global = r
		case r.Scope == record.ScopeContext && r.Context == contextName:
			ctxRec, contextKnown = r, true
		case r.Scope == record.ScopeInstance && r.Context == contextName:
			contextKnown = true
			if r.Instance == instance {
				instRec = r
			}
		}
	}
	if !contextKnown {
		return fail(fmt.Errorf("context %q has no runtime-environment definition: %w", contextName, store.ErrNotFound))
	}
	if instance != "" && instRec == nil {
		return fail(fmt.Errorf("instance %q of context %q has no runtime-environment definition: %w", instance, contextName, store.ErrNotFound))
	}
	res := Resolution{Context: contextName, Instance: instance, Values: map[string]any{}, Sources: map[string]string{}}
	for _, layer := range []struct {
		name string
		rec  *record.RuntimeEnvironment
	}{{LayerGlobal, global}, {LayerContext, ctxRec}, {LayerInstance, instRec}} {
		if layer.rec == nil {
			continue
		}
		for k, v := range layer.rec.Env {
			res.Values[k] = v
			res.Sources[k] = layer.name
		}
	}
	if layers.Target != nil && instance != "" {
		env, err := layers.Target(ctx, contextName, instance)
		if err != nil {
			return fail(fmt.Errorf("tracked target env: %w", err))
		}
		for k, v := range env {
			res.Values[k] = v
			res.Sources[k] = LayerTrackedTarget
		}
	}
	if layers.Secrets != nil {
		secrets, err := layers.Secrets(ctx, contextName, instance)
		if err != nil {
			return fail(fmt.Errorf("managed-secret overlay: %w", err))
		}
		for k, v := range secrets {
			res.Values[k] = v
			res.Sources[k] = LayerManagedSecret
		}
	}
	return res, nil
}

// Keys returns the resolved key names, sorted.
func (r Resolution) Keys() []string {
	keys := make([]string, 0, len(r.Values))
	for k := range r.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Sensitive reports whether key's value is withheld by default: every
// secret-shaped key and every value from the managed-secret overlay
// (stricter than upstream, which redacts by key shape only).
func (r Resolution) Sensitive(key string) bool {
	return record.IsSecretShapedKey(key) || r.Sources[key] == LayerManagedSecret
}

// Env returns the values to print: sensitive values are RedactedValue
// unless includeSecretValues (trusted shells only).
func (r Resolution) Env(includeSecretValues bool) (env map[string]any, redacted []string) {
	env = make(map[string]any, len(r.Values))
	redacted = []string{}
	for _, k := range r.Keys() {
		if r.Sensitive(k) && !includeSecretValues {
			env[k] = RedactedValue
			redacted = append(redacted, k)
			continue
		}
		env[k] = r.Values[k]
	}
	return env, redacted
}
