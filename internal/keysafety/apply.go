package keysafety

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// DefaultSource labels policy versions written by the service route.
const DefaultSource = "service:runtime-key-safety-policy"

// LockKey serializes policy read-modify-writes across writers and replicas.
const LockKey = "runtime_key_safety_policy"

// MergeRules merges requested rules into existing ones by binding key, as
// upstream does: a new key, or a key whose secret class changes, takes the
// requested rule as given; for an unchanged class the allowed contexts and
// instances become the sorted union (an empty list on either side means
// "all" and stays empty) and a blank requested description keeps the old
// one. The result is sorted by binding key. Rules must be validated.
func MergeRules(existing, requested []record.RuntimeSecretSafetyRule) []record.RuntimeSecretSafetyRule {
	byKey := map[string]record.RuntimeSecretSafetyRule{}
	for _, r := range existing {
		byKey[r.BindingKey] = r
	}
	for _, r := range requested {
		old, ok := byKey[r.BindingKey]
		if !ok || old.SecretClass != r.SecretClass {
			byKey[r.BindingKey] = r
			continue
		}
		merged := r
		merged.AllowedContexts = mergeScope(old.AllowedContexts, r.AllowedContexts)
		merged.AllowedInstances = mergeScope(old.AllowedInstances, r.AllowedInstances)
		if merged.Description == "" {
			merged.Description = old.Description
		}
		byKey[r.BindingKey] = merged
	}
	out := make([]record.RuntimeSecretSafetyRule, 0, len(byKey))
	for _, r := range byKey {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b record.RuntimeSecretSafetyRule) int { return strings.Compare(a.BindingKey, b.BindingKey) })
	return out
}

func mergeScope(a, b []string) []string {
	if len(a) == 0 || len(b) == 0 {
		return []string{}
	}
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// Plan is what an apply would do: the policy in force (zero when none), the
// next version and whether it differs.
type Plan struct {
	Previous    record.RuntimeKeySafetyPolicy
	HasPrevious bool
	Next        record.RuntimeKeySafetyPolicy
	Changed     bool
}

// PlanApply reads the active policy from r and merges rules into it
// without writing. With no change, Next is the active record itself.
func PlanApply(ctx context.Context, r store.Reader, rules []record.RuntimeSecretSafetyRule, source string, now time.Time) (Plan, error) {
	rules = slices.Clone(rules)
	if err := record.ValidateRuntimeSecretSafetyRules(rules); err != nil {
		return Plan{}, err
	}
	source = strings.TrimSpace(source)
	if source == "" {
		source = DefaultSource
	}
	var p Plan
	prev, err := Active(ctx, r)
	switch {
	case err == nil:
		p.Previous, p.HasPrevious = prev, true
	case !errors.Is(err, ErrNoPolicy):
		return Plan{}, err
	}
	at := now.UTC().Truncate(time.Second)
	if p.HasPrevious {
		// Second-precision timestamps order versions: a write within the
		// same second as the newest still sorts after it.
		if newest, err := record.ParseTime(prev.UpdatedAt); err == nil && !at.After(newest) {
			at = newest.Truncate(time.Second).Add(time.Second)
		}
	}
	next := record.RuntimeKeySafetyPolicy{
		SchemaVersion: 1, Status: record.PolicyActive, Source: source,
		UpdatedAt: record.FormatTime(at), Rules: MergeRules(p.Previous.Rules, rules),
	}
	next.RecordID = "pending"
	if err := next.Validate(); err != nil {
		return Plan{}, err
	}
	sha, err := next.PolicySHA256()
	if err != nil {
		return Plan{}, err
	}
	if p.HasPrevious {
		if prevSHA, err := prev.PolicySHA256(); err == nil && prevSHA == sha {
			p.Next = prev
			return p, nil
		}
	}
	next.RecordID = RecordID(next.UpdatedAt, sha)
	p.Next, p.Changed = next, true
	return p, nil
}

// RecordID is runtime-key-safety-policy-<updated_at without - and :>-<sha[:12]>.
func RecordID(updatedAt, sha string) string {
	return "runtime-key-safety-policy-" + strings.NewReplacer("-", "", ":", "").Replace(updatedAt) + "-" + sha[:min(12, len(sha))]
}

// ApplyTx merges rules into the active policy inside tx, under the policy
// lock, and writes the result as a new active version unless its hash
// equals the active one's (then nothing is written).
func ApplyTx(ctx context.Context, tx store.Tx, rules []record.RuntimeSecretSafetyRule, source string, now time.Time) (Plan, error) {
	if err := tx.Lock(ctx, LockKey); err != nil {
		return Plan{}, err
	}
	p, err := PlanApply(ctx, tx, rules, source, now)
	if err != nil {
		return Plan{}, err
	}
	if p.Changed {
		if err := tx.KeySafetyPolicyPut(ctx, p.Next); err != nil {
			return Plan{}, fmt.Errorf("write runtime key-safety policy: %w", err)
		}
	}
	return p, nil
}

// Apply is ApplyTx in its own transaction. It returns the policy in force
// afterwards and whether a new version was written.
func Apply(ctx context.Context, s store.Store, rules []record.RuntimeSecretSafetyRule, source string, now time.Time) (record.RuntimeKeySafetyPolicy, bool, error) {
	var p Plan
	err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		p, err = ApplyTx(ctx, tx, rules, source, now)
		return err
	})
	if err != nil {
		return record.RuntimeKeySafetyPolicy{}, false, fmt.Errorf("apply runtime key-safety policy: %w", err)
	}
	return p.Next, p.Changed, nil
}

// Summary describes a policy version by metadata and keys only.
type Summary struct {
	RecordID     string   `json:"record_id"`
	Status       string   `json:"status"`
	Source       string   `json:"source"`
	UpdatedAt    string   `json:"updated_at"`
	PolicySHA256 string   `json:"policy_sha256"`
	RuleCount    int      `json:"rule_count"`
	BindingKeys  []string `json:"binding_keys"`
}

// Summarize builds a policy's Summary.
func Summarize(p record.RuntimeKeySafetyPolicy) Summary {
	sha, _ := p.PolicySHA256()
	keys := make([]string, 0, len(p.Rules))
	for _, r := range p.Rules {
		keys = append(keys, r.BindingKey)
	}
	return Summary{RecordID: p.RecordID, Status: p.Status, Source: p.Source, UpdatedAt: p.UpdatedAt,
		PolicySHA256: sha, RuleCount: len(p.Rules), BindingKeys: keys}
}
