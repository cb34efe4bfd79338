package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Where the policy in force came from, as Active.Source reports it.
const (
	// SourceDB: an active record written by a grant, removal or import.
	SourceDB = "db"
	// SourceBootstrapSeeded: the active record is the bootstrap policy that
	// Seed wrote into an empty store.
	SourceBootstrapSeeded = "bootstrap_seeded_store"
)

// Active is the policy in force and the record it came from.
type Active struct {
	Policy Policy
	Record record.AuthzPolicyRecord
	Source string
}

// Authority reads and writes policy records in a store.
//
// By default it holds no cache: Active reads the newest active record on
// every call, so a record written by any replica rules the very next
// request everywhere. The service sets a short TTL (WithCacheTTL): a write
// through this Authority drops the cache at once, and a write by another
// replica is seen within the TTL. Profiles showed the per-request read and
// decode as a fifth of evidence-ingest CPU.
type Authority struct {
	store store.Store
	now   func() time.Time
	ttl   time.Duration

	mu       sync.Mutex
	cached   Active
	cachedAt time.Time // monotonic reading of when cached was loaded
}

// NewAuthority returns an Authority over s whose records are stamped by
// now (time.Now when nil).
func NewAuthority(s store.Store, now func() time.Time) *Authority {
	if now == nil {
		now = time.Now
	}
	return &Authority{store: s, now: now}
}

// WithCacheTTL makes Active reuse the policy it read for up to ttl.
func (a *Authority) WithCacheTTL(ttl time.Duration) *Authority {
	a.ttl = ttl
	return a
}

// Active returns the newest active policy, or ErrNoPolicy. A stored record
// whose hash does not match its body, or whose body is not a valid policy,
// is an error: never silently skipped in favour of an older one.
func (a *Authority) Active(ctx context.Context) (Active, error) {
	if a.ttl > 0 {
		a.mu.Lock()
		// The cache age uses the monotonic clock, not the injected one:
		// it is a freshness bound, not a recorded time.
		if !a.cachedAt.IsZero() && time.Since(a.cachedAt) < a.ttl {
			act := a.cached
			a.mu.Unlock()
			return act, nil
		}
		a.mu.Unlock()
	}
	act, err := ReadActive(ctx, a.store)
	if err != nil || a.ttl <= 0 {
		return act, err
	}
	a.mu.Lock()
	a.cached, a.cachedAt = act, time.Now()
	a.mu.Unlock()
	return act, nil
}

// Forget drops the cached policy. Writes through this Authority call it;
// callers call it again once their write transaction has committed, so a
// read that raced the commit cannot keep the old policy for a whole TTL.
func (a *Authority) Forget() {
	a.mu.Lock()
	a.cachedAt = time.Time{}
	a.mu.Unlock()
}

// Allowed answers whether p may perform action on (product, context)
// under the policy in force now (ErrNoPolicy when there is none).
func (a *Authority) Allowed(ctx context.Context, p Principal, action, product, context string) (bool, error) {
	act, err := a.Active(ctx)
	if err != nil {
		return false, err
	}
	return Allows(act.Policy, p, action, product, context), nil
}

// Explain is Allowed with the full decision and the policy that made it.
func (a *Authority) Explain(ctx context.Context, p Principal, action, product, context string) (Decision, Active, error) {
	act, err := a.Active(ctx)
	if err != nil {
		return Decision{}, Active{}, err
	}
	return Explain(act.Policy, p, action, product, context), act, nil
}

// ReadActive is Active for any reader, such as a transaction that is
// about to write the policy's successor.
func ReadActive(ctx context.Context, r store.Reader) (Active, error) {
	recs, err := r.AuthzPolicyList(ctx, store.AuthzPolicyListParams{Status: record.PolicyActive, Limit: 1})
	if err != nil {
		return Active{}, fmt.Errorf("read active authz policy: %w", err)
	}
	if len(recs) == 0 {
		return Active{}, ErrNoPolicy
	}
	rec := recs[0]
	p, err := DecodePolicyJSON(rec.Policy)
	if err != nil {
		return Active{}, fmt.Errorf("decode authz policy record %s: %w", rec.RecordID, err)
	}
	source := SourceDB
	if strings.HasPrefix(rec.Source, BootstrapLabelPrefix) {
		source = SourceBootstrapSeeded
	}
	return Active{Policy: p, Record: rec, Source: source}, nil
}

// Seed writes bootstrap as the first active record when the store has
// none, and returns the policy in force either way (seeded reports which).
// Once any active record exists the bootstrap policy no longer matters.
// The check is repeated inside the write transaction under the policy lock,
// so replicas starting together seed exactly once.
func (a *Authority) Seed(ctx context.Context, bootstrap Policy, label string) (act Active, seeded bool, err error) {
	if !strings.HasPrefix(label, BootstrapLabelPrefix) {
		return Active{}, false, fmt.Errorf("seed authz policy: source label %q must start with %q", label, BootstrapLabelPrefix)
	}
	if act, err := a.Active(ctx); !errors.Is(err, ErrNoPolicy) {
		return act, false, err
	}
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if err := LockPolicy(ctx, tx); err != nil {
			return err
		}
		cur, err := ReadActive(ctx, tx)
		if !errors.Is(err, ErrNoPolicy) {
			act = cur
			return err
		}
		audit, err := json.Marshal(map[string]any{"operation": "bootstrap_seed"})
		if err != nil {
			return err
		}
		rec, err := a.Write(ctx, tx, bootstrap, label, audit)
		if err != nil {
			return err
		}
		act, seeded = Active{Policy: bootstrap, Record: rec, Source: SourceBootstrapSeeded}, true
		return nil
	})
	if err != nil {
		return Active{}, false, fmt.Errorf("seed authz policy: %w", err)
	}
	return act, seeded, nil
}

// LockPolicy serializes policy read-modify-writes (seed, import, grants,
// removals) across writers and replicas. Call it in the write transaction
// before ReadActive, so two concurrent grants cannot both build on the same
// version and lose one rule.
func LockPolicy(ctx context.Context, tx store.Tx) error {
	return tx.Lock(ctx, "authz_policy")
}

// Write stores policy as a new active record in tx; see WriteAudited.
func (a *Authority) Write(ctx context.Context, tx store.Tx, policy Policy, source string, audit json.RawMessage) (record.AuthzPolicyRecord, error) {
	return a.WriteAudited(ctx, tx, policy, source, func(record.AuthzPolicyRecord) (json.RawMessage, error) { return audit, nil })
}

// WriteAudited stores policy as a new active record in tx and returns it.
// audit receives the record before it is written (id, hash and time set)
// so the audit block can name the new record; it may return nil for none.
//
// The record id is launchplane-authz-policy-<ts>-<sha[:12]>, ts being
// updated_at without '-' and ':'. updated_at is the clock's time, but
// always at least one second after the current newest active record's:
// timestamps have second precision and the newest record rules, so two
// writes within one second must still order as written.
func (a *Authority) WriteAudited(ctx context.Context, tx store.Tx, policy Policy, source string, audit func(record.AuthzPolicyRecord) (json.RawMessage, error)) (record.AuthzPolicyRecord, error) {
	if strings.TrimSpace(source) == "" {
		return record.AuthzPolicyRecord{}, errors.New("write authz policy: source is required")
	}
	if err := LockPolicy(ctx, tx); err != nil {
		return record.AuthzPolicyRecord{}, err
	}
	// Dropped before the commit: a reader that refills the cache from the
	// old record meanwhile is refreshed within the TTL at worst.
	defer a.Forget()
	if err := policy.Validate(); err != nil {
		return record.AuthzPolicyRecord{}, fmt.Errorf("write authz policy: %w", err)
	}
	body, err := canonical.JSON(policy)
	if err != nil {
		return record.AuthzPolicyRecord{}, fmt.Errorf("write authz policy: %w", err)
	}
	sha, err := record.PolicySHA256(body)
	if err != nil {
		return record.AuthzPolicyRecord{}, fmt.Errorf("write authz policy: %w", err)
	}
	at, err := a.stamp(ctx, tx)
	if err != nil {
		return record.AuthzPolicyRecord{}, err
	}
	updatedAt := record.FormatTime(at)
	rec := record.AuthzPolicyRecord{
		RecordID:     RecordID(updatedAt, sha),
		Status:       record.PolicyActive,
		Source:       strings.TrimSpace(source),
		UpdatedAt:    updatedAt,
		PolicySHA256: sha,
		Policy:       body,
	}
	if rec.Audit, err = audit(rec); err != nil {
		return record.AuthzPolicyRecord{}, fmt.Errorf("write authz policy: build audit: %w", err)
	}
	if err := tx.AuthzPolicyPut(ctx, rec); err != nil {
		return record.AuthzPolicyRecord{}, fmt.Errorf("write authz policy: %w", err)
	}
	return rec, nil
}

// stamp picks updated_at for a new record: now, or one second past the
// newest active record when the clock has not moved beyond it.
func (a *Authority) stamp(ctx context.Context, tx store.Reader) (time.Time, error) {
	at := a.now().UTC().Truncate(time.Second)
	recs, err := tx.AuthzPolicyList(ctx, store.AuthzPolicyListParams{Status: record.PolicyActive, Limit: 1})
	if err != nil {
		return time.Time{}, fmt.Errorf("write authz policy: read newest record: %w", err)
	}
	if len(recs) == 1 {
		newest, err := record.ParseTime(recs[0].UpdatedAt)
		if err != nil {
			return time.Time{}, fmt.Errorf("write authz policy: newest record %s: %w", recs[0].RecordID, err)
		}
		if !at.After(newest) {
			at = newest.UTC().Truncate(time.Second).Add(time.Second)
		}
	}
	return at, nil
}

// RecordID builds a policy record id from its updated_at and policy hash.
func RecordID(updatedAt, policySHA256 string) string {
	ts := strings.NewReplacer("-", "", ":", "", "+00:00", "Z").Replace(updatedAt)
	sha := policySHA256
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return "launchplane-authz-policy-" + ts + "-" + sha
}

// Import writes policy as the new active record, labelled sourceLabel,
// unless the active policy already has the same hash (changed=false and
// the current record). It is how operators replace policy from a TOML file.
func (a *Authority) Import(ctx context.Context, policy Policy, sourceLabel string) (rec record.AuthzPolicyRecord, changed bool, err error) {
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if err := LockPolicy(ctx, tx); err != nil {
			return err
		}
		prev, err := ReadActive(ctx, tx)
		if err != nil && !errors.Is(err, ErrNoPolicy) {
			return err
		}
		body, err := canonical.JSON(policy)
		if err != nil {
			return err
		}
		sha, err := record.PolicySHA256(body)
		if err != nil {
			return err
		}
		if prev.Record.PolicySHA256 == sha {
			rec = prev.Record
			return nil
		}
		rec, err = a.WriteAudited(ctx, tx, policy, sourceLabel, func(next record.AuthzPolicyRecord) (json.RawMessage, error) {
			return json.Marshal(map[string]any{
				"operation":                 "import",
				"changed":                   true,
				"previous_policy_record_id": prev.Record.RecordID,
				"previous_policy_sha256":    prev.Record.PolicySHA256,
				"new_policy_record_id":      next.RecordID,
				"new_policy_sha256":         next.PolicySHA256,
				"updated_at":                next.UpdatedAt,
			})
		})
		changed = err == nil
		return err
	})
	if err != nil {
		return record.AuthzPolicyRecord{}, false, fmt.Errorf("import authz policy: %w", err)
	}
	return rec, changed, nil
}

// Diagnostics is the authz block a denial response may carry: who asked
// (identity fields only, never a token) and which policy said no.
type Diagnostics struct {
	Identity     map[string]string `json:"identity"`
	PolicySource string            `json:"policy_source"`
	PolicySHA256 string            `json:"policy_sha256"`
}

// Diagnostics describes a denial of p under the active policy.
func (a Active) Diagnostics(p Principal) Diagnostics {
	id := map[string]string{"type": p.Type}
	switch p.Type {
	case TypeGitHubActions:
		for k, v := range map[string]string{
			"repository": p.Repository, "workflow_ref": p.WorkflowRef, "job_workflow_ref": p.JobWorkflowRef,
			"event_name": p.EventName, "ref": p.Ref, "ref_type": p.RefType, "environment": p.Environment, "subject": p.Subject,
		} {
			id[k] = v
		}
	case TypeGitHubHuman:
		id["login"], id["role"] = p.Login, p.Role
	default:
		id["subject"], id["token_label"] = p.Subject, p.TokenLabel
	}
	return Diagnostics{Identity: id, PolicySource: a.Source, PolicySHA256: a.Record.PolicySHA256}
}
