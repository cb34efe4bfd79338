package productview

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Config-status values: per key, and for the environment as a whole.
const (
	ConfigConfigured = "configured"
	ConfigMissing    = "missing"
	ConfigDisabled   = "disabled"
	ConfigComplete   = "complete"
	ConfigIncomplete = "incomplete"
)

// Config key kinds.
const (
	KindRuntimeEnvironment = "runtime_environment"
	KindManagedSecret      = "managed_secret"
)

// ConfigStatus says, for every key the product's expected_config declares
// for one environment, whether the lane has it (records.md §4.2, service.md
// §2.2 config-status). It names keys and where they are configured; it
// never carries a value.
type ConfigStatus struct {
	Product     string      `json:"product"`
	Environment string      `json:"environment"`
	Context     string      `json:"context"`
	Status      string      `json:"status"`
	Keys        []ConfigKey `json:"keys"`
	Summary     ConfigCount `json:"summary"`
}

// ConfigKey is one expected key's state. Source says which layer provides
// a configured runtime key (global, context, instance or target) or which
// binding scope provides a secret (global, context or instance).
type ConfigKey struct {
	Key       string `json:"key"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Source    string `json:"source"`
	BindingID string `json:"binding_id,omitempty"`
}

// ConfigCount counts the keys by status.
type ConfigCount struct {
	Configured int `json:"configured"`
	Missing    int `json:"missing"`
	Disabled   int `json:"disabled"`
}

// ConfigStatus reads the expected-key status of one environment.
//
// A runtime key is configured when a runtime-environment record of the
// lane (global, context or instance) or the lane's tracked target declares
// it, else missing. A secret binding key is configured when some
// runtime_environment binding for it (instance, context or global) is
// configured and its secret is too, the most specific such binding being
// the source (the secret resolution delivers); disabled when bindings
// exist but none delivers; missing when none exists or the most specific
// binding's secret is.
func (s *Service) ConfigStatus(ctx context.Context, product, environment string) (ConfigStatus, error) {
	p, err := s.profile(ctx, product)
	if err != nil {
		return ConfigStatus{}, err
	}
	lane, err := laneOf(p, environment)
	if err != nil {
		return ConfigStatus{}, err
	}
	expected, err := products.ExpectedKeys(p, lane.Context, lane.Instance)
	if err != nil {
		return ConfigStatus{}, err
	}
	cfg, err := s.laneConfig(ctx, lane.Context, lane.Instance)
	if err != nil {
		return ConfigStatus{}, err
	}
	out := ConfigStatus{Product: p.Product, Environment: lane.Instance, Context: lane.Context, Keys: []ConfigKey{}}
	for _, key := range expected.RuntimeKeys {
		k := ConfigKey{Key: key, Kind: KindRuntimeEnvironment, Status: ConfigMissing}
		// Later layers win in resolution, so the last layer naming the key
		// is the one that provides it.
		for _, rs := range cfg.RuntimeSettings {
			if slices.Contains(rs.EnvKeys, key) {
				k.Status, k.Source = ConfigConfigured, rs.Scope
			}
		}
		if slices.Contains(cfg.targetEnvKeys, key) {
			k.Status, k.Source = ConfigConfigured, "target"
		}
		out.Keys = append(out.Keys, k)
	}
	for _, key := range expected.SecretBindingKeys {
		k, err := s.secretKeyStatus(ctx, cfg.bindings, key)
		if err != nil {
			return ConfigStatus{}, err
		}
		out.Keys = append(out.Keys, k)
	}
	for _, k := range out.Keys {
		switch k.Status {
		case ConfigConfigured:
			out.Summary.Configured++
		case ConfigDisabled:
			out.Summary.Disabled++
		default:
			out.Summary.Missing++
		}
	}
	out.Status = ConfigComplete
	if out.Summary.Missing+out.Summary.Disabled > 0 {
		out.Status = ConfigIncomplete
	}
	return out, nil
}

// secretKeyStatus follows resolution (records.md §5.2): the most specific
// configured secret with a configured binding is delivered, so a disabled
// binding at a narrower scope (an onboarding placeholder) does not hide a
// configured one at a wider scope. Only when no binding delivers the key
// does the most specific binding say why: disabled, or missing when its
// secret is.
func (s *Service) secretKeyStatus(ctx context.Context, bindings []record.SecretBinding, key string) (ConfigKey, error) {
	k := ConfigKey{Key: key, Kind: KindManagedSecret, Status: ConfigMissing}
	rank := func(b record.SecretBinding) int {
		switch {
		case b.Instance != "":
			return 2
		case b.Context != "":
			return 1
		}
		return 0
	}
	var candidates []record.SecretBinding
	for _, b := range bindings {
		if b.Integration == record.SecretIntegrationRuntimeEnv && b.BindingKey == key {
			candidates = append(candidates, b)
		}
	}
	if len(candidates) == 0 {
		return k, nil
	}
	// Most specific first; at one scope a configured binding first.
	configured := func(b record.SecretBinding) int {
		if b.Status == record.SecretStatusConfigured {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(candidates, func(a, b record.SecretBinding) int {
		return cmp.Or(cmp.Compare(rank(b), rank(a)), cmp.Compare(configured(b), configured(a)))
	})
	scope := func(b record.SecretBinding) string { return []string{"global", "context", "instance"}[rank(b)] }
	// Why the most specific binding does not deliver, should none do.
	k.BindingID, k.Source, k.Status = candidates[0].BindingID, scope(candidates[0]), ConfigDisabled
	for i, b := range candidates {
		if b.Status != record.SecretStatusConfigured {
			continue
		}
		secret, err := s.store.SecretGet(ctx, b.SecretID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if i == 0 {
				k.Status = ConfigMissing
			}
		case err != nil:
			return ConfigKey{}, fmt.Errorf("read secret of binding %s: %w", b.BindingID, err)
		case secret.Status == record.SecretStatusConfigured:
			k.BindingID, k.Source, k.Status = b.BindingID, scope(b), ConfigConfigured
			return k, nil
		}
	}
	return k, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
