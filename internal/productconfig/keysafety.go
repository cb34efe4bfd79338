package productconfig

import (
	"context"
	"errors"
	"fmt"

	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// PolicyChecker adapts internal/keysafety to KeySafety. It evaluates the
// active policy against the stored bindings overlaid with the bindings the
// bundle is about to write: keysafety.Checker.Check alone reads only stored
// bindings, so it would report binding_missing for every binding a bundle
// creates, and the check must run before any write.
type PolicyChecker struct{}

// Check implements KeySafety.
func (PolicyChecker) Check(ctx context.Context, r store.Reader, t Target, bindingKeys []string, planned []record.SecretBinding) (KeySafetyResult, error) {
	policy, err := keysafety.Active(ctx, r)
	if errors.Is(err, keysafety.ErrNoPolicy) {
		return KeySafetyResult{}, fmt.Errorf("%w: %w", ErrKeySafetyUnavailable, err)
	}
	if err != nil {
		return KeySafetyResult{}, err
	}
	stored, err := r.SecretBindingList(ctx, store.SecretBindingListParams{Integration: record.IntegrationRuntimeEnvironment})
	if err != nil {
		return KeySafetyResult{}, err
	}
	byID := map[string]int{}
	bindings := make([]record.SecretBinding, 0, len(stored)+len(planned))
	for _, b := range stored {
		byID[b.BindingID] = len(bindings)
		bindings = append(bindings, b)
	}
	for _, b := range planned {
		if i, ok := byID[b.BindingID]; ok {
			bindings[i] = b
			continue
		}
		bindings = append(bindings, b)
	}
	res := keysafety.Evaluate(policy, keysafety.Target{Context: t.Context, Instance: t.Instance, EnvironmentClass: t.EnvironmentClass}, bindingKeys, bindings)
	out := KeySafetyResult{Status: res.Status}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, Finding{Code: f.Code, BindingKey: f.BindingKey, Detail: f.Detail})
	}
	return out, nil
}

// activePolicyDigest is the policy_sha256 of the newest active key-safety
// policy, or "" when there is none.
func activePolicyDigest(ctx context.Context, r store.Reader) (string, error) {
	policy, err := keysafety.Active(ctx, r)
	if errors.Is(err, keysafety.ErrNoPolicy) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return policy.PolicySHA256()
}
