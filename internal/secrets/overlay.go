package secrets

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// Overlay resolves the runtime_environment secrets that apply to (context,
// instance) into env key → plaintext (records.md §5.2 layer 5). Secrets
// apply when configured and global, context-scoped to this context, or
// context_instance-scoped to this context and instance. They are applied
// in order of scope rank (global < context < context_instance), then
// updated_at, then secret_id, each writing the value under the binding
// key of its newest configured binding, so the most specific secret wins.
//
// The signature matches the runtime-environment resolver's overlay hook.
// A missing key ring is an error only when some secret applies.
func (s *Service) Overlay(ctx context.Context, context, instance string) (map[string]string, error) {
	return s.resolve(ctx, record.IntegrationRuntimeEnvironment, context, instance)
}

// Integration resolves the global secrets of one integration (for example
// dokploy's DOKPLOY_HOST and DOKPLOY_TOKEN) into binding key → plaintext.
// Callers check for the keys they need; a missing one is their hard error.
func (s *Service) Integration(ctx context.Context, integration string) (map[string]string, error) {
	return s.resolve(ctx, integration, "", "")
}

func (s *Service) resolve(ctx context.Context, integration, context, instance string) (map[string]string, error) {
	context, instance = strings.TrimSpace(context), strings.TrimSpace(instance)
	if instance != "" && context == "" {
		return nil, fmt.Errorf("resolve secret overlay: an instance needs a context: %w", record.ErrInvalid)
	}
	all, err := s.store.SecretList(ctx, store.SecretListParams{Integration: integration, Status: record.SecretStatusConfigured})
	if err != nil {
		return nil, fmt.Errorf("resolve secret overlay: %w", err)
	}
	var apply []record.SecretRecord
	for _, sec := range all {
		switch {
		case sec.Scope == record.SecretScopeGlobal,
			sec.Scope == record.SecretScopeContext && context != "" && sec.Context == context,
			sec.Scope == record.SecretScopeContextInstance && context != "" && instance != "" && sec.Context == context && sec.Instance == instance:
			apply = append(apply, sec)
		}
	}
	slices.SortFunc(apply, func(a, b record.SecretRecord) int {
		return cmp.Or(cmp.Compare(record.SecretScopeRank(a.Scope), record.SecretScopeRank(b.Scope)),
			cmp.Compare(sortKey(a.UpdatedAt), sortKey(b.UpdatedAt)), cmp.Compare(a.SecretID, b.SecretID))
	})
	out := map[string]string{}
	if len(apply) == 0 {
		return out, nil
	}
	if err := s.requireRing("resolve secret overlay"); err != nil {
		return nil, err
	}
	for _, sec := range apply {
		bindings, err := s.store.SecretBindingList(ctx, store.SecretBindingListParams{SecretID: sec.SecretID, Status: record.SecretStatusConfigured, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("resolve secret overlay: %w", err)
		}
		if len(bindings) == 0 {
			continue
		}
		v, err := s.store.SecretVersionGet(ctx, sec.CurrentVersionID)
		if err != nil {
			return nil, fmt.Errorf("resolve secret overlay: secret %s: %w", sec.SecretID, err)
		}
		plaintext, err := crypto.Open(s.ring, v.SecretID, v.VersionID, v.Sealed())
		if err != nil {
			return nil, fmt.Errorf("resolve secret overlay: secret %s: %w", sec.SecretID, err)
		}
		out[bindings[0].BindingKey] = string(plaintext)
		clear(plaintext)
	}
	return out, nil
}

// sortKey orders timestamps whatever offset they were written with.
func sortKey(ts string) string {
	t, err := record.ParseTime(ts)
	if err != nil {
		return ts
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}
