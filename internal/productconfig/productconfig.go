// Package productconfig plans and applies product-config bundles
// (records.md §6.1, service.md §8.2): one reviewed change of a product
// lane's non-secret runtime environment and its managed secrets.
//
// Every rule — schema, scopes, scalars, secret-shaped keys, secret routes,
// the master key, decrypt-compare against stored secrets and the runtime
// key-safety policy — is checked before anything is written. Apply then
// writes the secrets through secrets.Service and the runtime record last
// through runtimeenv.Service, all in one transaction that locks what it
// writes before it reads. Results and errors carry key names, actions and
// counts only, never values.
//
// Bound plans: a dry-run stores a plan (plan_id, inputs_digest over
// everything it read, a 15-minute lifetime); an apply citing the plan_id is
// refused when the plan expired or any input changed since, naming what
// changed. An apply without a plan_id keeps upstream's behaviour.
package productconfig

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// Defaults.
const (
	// DefaultPlanTTL is how long a bound plan may be cited.
	DefaultPlanTTL = 15 * time.Minute
	// DefaultMarkerTTL is how long an owner agent's dry-run satisfies the
	// dry-run-before-apply rule (service.md §8.2 suggests 24 h).
	DefaultMarkerTTL = 24 * time.Hour
)

// Modes.
const (
	ModeDryRun = "dry-run"
	ModeApply  = "apply"
)

// Sentinel errors; callers map them to exit codes and HTTP codes.
var (
	// ErrSecretConfiguration: the bundle has secrets and no master key is
	// configured (wraps crypto.ErrNoKey too).
	ErrSecretConfiguration = errors.New("secret configuration required")
	// ErrKeySafetyUnavailable: no active key-safety policy, or no checker.
	ErrKeySafetyUnavailable = errors.New("runtime key-safety policy unavailable")
	// ErrKeySafetyFailed: the policy refuses a binding for this target.
	ErrKeySafetyFailed = errors.New("runtime key-safety check failed")
	// ErrPlanStale: the cited plan expired, belongs to another bundle, or
	// an input changed since it was made.
	ErrPlanStale = errors.New("product-config plan is stale")
	// ErrPlanNotFound: the cited plan_id is unknown.
	ErrPlanNotFound = errors.New("product-config plan not found")
	// ErrDryRunRequired: an owner agent applies without its own matching dry-run.
	ErrDryRunRequired = errors.New("a matching dry-run by the same identity is required before apply")
)

// KeySafety evaluates the runtime key-safety policy for a target and the
// binding keys a bundle delivers, with planned the bindings the bundle is
// about to write (PolicyChecker adapts internal/keysafety). A missing
// policy must be an error wrapping ErrKeySafetyUnavailable.
type KeySafety interface {
	Check(ctx context.Context, r store.Reader, t Target, bindingKeys []string, planned []record.SecretBinding) (KeySafetyResult, error)
}

// Target is what key safety evaluates against.
type Target struct {
	Context          string
	Instance         string
	EnvironmentClass string
}

// KeySafetyResult is a key-safety verdict: "pass" or "fail" with findings.
type KeySafetyResult struct {
	Status   string
	Findings []Finding
}

// Finding is one key-safety finding. It names a binding key, never a value.
type Finding struct {
	Code       string `json:"code"`
	BindingKey string `json:"binding_key"`
	Detail     string `json:"detail"`
}

// KeySafetyError carries the findings of a failed check.
type KeySafetyError struct{ Findings []Finding }

func (e *KeySafetyError) Error() string {
	parts := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		parts[i] = f.Code + " (" + f.BindingKey + ")"
	}
	return ErrKeySafetyFailed.Error() + ": " + strings.Join(parts, ", ")
}

// Unwrap makes errors.Is(err, ErrKeySafetyFailed) true.
func (e *KeySafetyError) Unwrap() error { return ErrKeySafetyFailed }

// Codes lists the finding codes, sorted and unique (safe to show callers).
func (e *KeySafetyError) Codes() []string {
	var out []string
	for _, f := range e.Findings {
		if !slices.Contains(out, f.Code) {
			out = append(out, f.Code)
		}
	}
	slices.Sort(out)
	return out
}

// StaleError says which inputs changed since a plan (labels, never values).
type StaleError struct {
	PlanID string
	Reason string
}

func (e *StaleError) Error() string { return "plan " + e.PlanID + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrPlanStale) true.
func (e *StaleError) Unwrap() error { return ErrPlanStale }

// EnvironmentClass derives a target's environment class from its instance
// name until product profiles carry one: prod → prod, testing → testing,
// preview* → preview, dev and local → dev, anything else → unknown (which
// the key-safety policy refuses for classified secrets).
func EnvironmentClass(instance string) string {
	i := strings.ToLower(strings.TrimSpace(instance))
	switch {
	case i == "prod":
		return "prod"
	case i == "testing":
		return "testing"
	case strings.HasPrefix(i, "preview"):
		return "preview"
	case i == "dev" || i == "local":
		return "dev"
	}
	return "unknown"
}

// Config builds a Service.
type Config struct {
	Store store.Store
	// Ring may be nil: a bundle with secrets is then refused with
	// ErrSecretConfiguration before anything is read or written.
	Ring *crypto.KeyRing
	// KeySafety nil fails closed for every bundle with runtime secrets;
	// PolicyChecker{} is the production checker.
	KeySafety KeySafety
	// PolicyDigest returns the hash of the active key-safety policy ("" when
	// none); nil reads the newest active policy record.
	PolicyDigest func(ctx context.Context, r store.Reader) (string, error)
	// Tracked names the tracked live targets a runtime route feeds
	// (the Dokploy target authority fills it; nil means none).
	Tracked   runtimeenv.TrackedTargets
	Now       func() time.Time
	Rand      io.Reader
	PlanTTL   time.Duration
	MarkerTTL time.Duration
}

// Service plans and applies bundles.
type Service struct {
	cfg     Config
	secrets *secrets.Service
	runtime *runtimeenv.Service
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.PlanTTL <= 0 {
		cfg.PlanTTL = DefaultPlanTTL
	}
	if cfg.MarkerTTL <= 0 {
		cfg.MarkerTTL = DefaultMarkerTTL
	}
	if cfg.PolicyDigest == nil {
		cfg.PolicyDigest = activePolicyDigest
	}
	return &Service{
		cfg:     cfg,
		secrets: secrets.New(cfg.Store, cfg.Ring, cfg.Now, cfg.Rand),
		runtime: runtimeenv.New(cfg.Store, cfg.Now, cfg.Tracked),
	}
}

// Options are the caller-supplied parts of a run.
type Options struct {
	Actor       string
	SourceLabel string
	// Identity names the caller for plans and dry-run markers
	// ("local_operator|subject|label", "cli|actor", ...).
	Identity string
	// PlanID, on apply, binds the apply to a dry-run's plan.
	PlanID string
}

// Result is the product-config output shape (records.md §6, service.md
// §8.2). It holds key names, actions, ids and counts; never a value.
type Result struct {
	Status             string        `json:"status"`
	Mode               string        `json:"mode"`
	Product            string        `json:"product"`
	Context            string        `json:"context"`
	Instance           string        `json:"instance"`
	Actor              string        `json:"actor"`
	SourceLabel        string        `json:"source_label"`
	PlanID             string        `json:"plan_id,omitempty"`
	PlanExpiresAt      string        `json:"plan_expires_at,omitempty"`
	InputsDigest       string        `json:"inputs_digest"`
	RuntimeEnvironment RuntimeResult `json:"runtime_environment"`
	Secrets            []SecretPlan  `json:"secrets"`
	Summary            Summary       `json:"summary"`
	KeySafety          *KeySafetyOut `json:"key_safety,omitempty"`
	NextActions        []NextAction  `json:"next_actions"`
}

// RuntimeResult plans or reports the runtime record.
type RuntimeResult struct {
	Action             string   `json:"action"`
	Scope              string   `json:"scope"`
	Context            string   `json:"context"`
	Instance           string   `json:"instance"`
	Keys               []string `json:"keys"`
	ChangedKeys        []string `json:"changed_keys"`
	UnchangedKeys      []string `json:"unchanged_keys"`
	EnvValueCountAfter int      `json:"env_value_count_after"`
	Record             any      `json:"record,omitempty"`
}

// SecretPlan plans or reports one secret.
type SecretPlan struct {
	Action      string `json:"action"`
	Scope       string `json:"scope"`
	Integration string `json:"integration"`
	Name        string `json:"name"`
	BindingKey  string `json:"binding_key"`
	Context     string `json:"context"`
	Instance    string `json:"instance"`
	SecretID    string `json:"secret_id"`
	VersionID   string `json:"version_id,omitempty"`
}

// Summary counts the change.
type Summary struct {
	RuntimeChangedKeyCount int `json:"runtime_changed_key_count"`
	SecretChangeCount      int `json:"secret_change_count"`
}

// KeySafetyOut reports the key-safety evaluation.
type KeySafetyOut struct {
	Status           string `json:"status"`
	EnvironmentClass string `json:"environment_class"`
	BindingKeyCount  int    `json:"binding_key_count"`
}

// NextAction is a follow-up the caller must take (service.md §8.2).
type NextAction struct {
	Kind        string         `json:"kind"`
	Target      map[string]any `json:"target"`
	ChangedKeys []string       `json:"changed_keys"`
	DryRun      map[string]any `json:"dry_run"`
	Apply       map[string]any `json:"apply"`
	Instruction string         `json:"instruction"`
}

// computed is a full plan: the result to report, the validated bundle and
// the digests of everything read.
type computed struct {
	result      Result
	bundle      normalized
	fingerprint string
	inputs      map[string]string
	digest      string
}

// fingerprint is the payload fingerprint of a bundle: SHA-256 over its
// canonical JSON with every secret value replaced by its keyed fingerprint
// (crypto.KeyRing.Fingerprint — a bare hash of a low-entropy secret could
// be guessed offline from the stored plan), and the mode left out. It is
// what plans and dry-run markers are matched on.
func (s *Service) fingerprint(n normalized) (string, error) {
	type secretFP struct {
		Scope, Integration, Name, BindingKey, Context, Instance, Description, ValueFingerprint string
	}
	fp := struct {
		Product, Context, Instance string
		Route                      routeKey
		Env                        map[string]any
		Secrets                    []secretFP
	}{Product: n.Product, Context: n.Context, Instance: n.Instance, Route: n.Route, Env: n.Env}
	for _, sec := range n.Secrets {
		valueFP, err := s.cfg.Ring.Fingerprint([]byte(sec.Value.Reveal()))
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrSecretConfiguration, err)
		}
		fp.Secrets = append(fp.Secrets, secretFP{sec.Scope, sec.Integration, sec.Name, sec.BindingKey, sec.Context, sec.Instance, sec.Description, valueFP})
	}
	b, err := canonical.JSON(fp)
	if err != nil {
		return "", err
	}
	return canonical.SHA256(b), nil
}

func (s *Service) stamp() string { return record.FormatTime(s.cfg.Now()) }

// validate normalizes b and checks that a key is there for its secrets;
// it reads nothing.
func (s *Service) validate(b Bundle) (normalized, error) {
	n, err := b.normalize(s.stamp())
	if err != nil {
		return normalized{}, err
	}
	if len(n.Secrets) > 0 && (s.cfg.Ring == nil || s.cfg.Ring.ActiveKeyID() == "") {
		return normalized{}, fmt.Errorf("%w: the bundle has %d secret(s): %w", ErrSecretConfiguration, len(n.Secrets), crypto.ErrNoKey)
	}
	return n, nil
}

// compute plans the validated bundle n against r. Nothing is written.
func (s *Service) compute(ctx context.Context, r store.Reader, n normalized, opt Options, mode string) (computed, error) {
	c := computed{bundle: n, inputs: map[string]string{}}
	var err error
	if c.fingerprint, err = s.fingerprint(n); err != nil {
		return computed{}, err
	}
	c.inputs["bundle"] = c.fingerprint
	res := Result{Mode: mode, Product: n.Product, Context: n.Context, Instance: n.Instance,
		Actor: opt.Actor, SourceLabel: opt.SourceLabel, Secrets: []SecretPlan{}, NextActions: []NextAction{}}

	// Runtime record.
	rt := RuntimeResult{Action: "skipped", Scope: n.Route.Scope, Context: n.Route.Context, Instance: n.Route.Instance,
		Keys: []string{}, ChangedKeys: []string{}, UnchangedKeys: []string{}}
	current, err := r.RuntimeEnvGet(ctx, n.Route.Scope, n.Route.Context, n.Route.Instance)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return computed{}, err
	}
	label := "runtime record " + n.Route.display()
	c.inputs[label] = "absent"
	if found {
		cj, err := canonical.JSON(current)
		if err != nil {
			return computed{}, err
		}
		c.inputs[label] = canonical.SHA256(cj)
		rt.EnvValueCountAfter = len(current.Env)
	}
	if n.Env != nil {
		for _, k := range sortedKeys(n.Env) {
			rt.Keys = append(rt.Keys, k)
			old, ok := current.Env[k]
			if found && ok && sameScalar(old, n.Env[k]) {
				rt.UnchangedKeys = append(rt.UnchangedKeys, k)
				continue
			}
			rt.ChangedKeys = append(rt.ChangedKeys, k)
			if !ok {
				rt.EnvValueCountAfter++
			}
		}
		switch {
		case !found:
			rt.Action = "created"
		case len(rt.ChangedKeys) > 0:
			rt.Action = "updated"
		default:
			rt.Action = "unchanged"
		}
	}
	res.RuntimeEnvironment = rt
	res.Summary.RuntimeChangedKeyCount = len(rt.ChangedKeys)

	// Secrets: decrypt-compare against the current versions.
	var bindingKeys []string
	var planned []record.SecretBinding
	for _, in := range n.Secrets {
		sp := SecretPlan{Scope: in.Scope, Integration: in.Integration, Name: in.Name, BindingKey: in.BindingKey,
			Context: in.Context, Instance: in.Instance, SecretID: record.SecretID(in.Integration, in.Name, in.Context, in.Instance)}
		label := fmt.Sprintf("secret %s/%s (%s %s)", in.Integration, in.Name, in.Scope, routeKey{Context: in.Context, Instance: in.Instance}.display())
		existing, err := r.SecretFind(ctx, in.Scope, in.Integration, in.Name, in.Context, in.Instance)
		switch {
		case errors.Is(err, store.ErrNotFound):
			sp.Action = secrets.ActionCreated
			c.inputs[label] = "absent"
		case err != nil:
			return computed{}, err
		default:
			c.inputs[label] = existing.Status + ":" + existing.CurrentVersionID
			same, err := s.currentEquals(ctx, r, existing, in.Value)
			if err != nil {
				return computed{}, fmt.Errorf("compare secret %s: %w", sp.SecretID, err)
			}
			sp.Action = secrets.ActionRotated
			if same && existing.Status == record.SecretStatusConfigured {
				sp.Action = secrets.ActionUnchanged
			}
			sp.VersionID = existing.CurrentVersionID
		}
		if sp.Action != secrets.ActionUnchanged {
			res.Summary.SecretChangeCount++
		}
		res.Secrets = append(res.Secrets, sp)
		// Key safety governs what reaches the runtime environment.
		if in.Integration == record.IntegrationRuntimeEnvironment {
			bindingKeys = append(bindingKeys, in.BindingKey)
			planned = append(planned, record.SecretBinding{BindingID: record.SecretBindingID(sp.SecretID, in.BindingKey),
				SecretID: sp.SecretID, Integration: in.Integration, BindingKey: in.BindingKey, BindingType: record.SecretBindingTypeEnv,
				Context: in.Context, Instance: in.Instance, Status: record.SecretStatusConfigured})
		}
	}

	// Key safety, before any write; fail closed.
	policy, err := s.cfg.PolicyDigest(ctx, r)
	if err != nil {
		return computed{}, fmt.Errorf("read key-safety policy: %w", err)
	}
	c.inputs["key-safety policy"] = policy
	if c.inputs["key-safety policy"] == "" {
		c.inputs["key-safety policy"] = "none"
	}
	if len(bindingKeys) > 0 {
		if s.cfg.KeySafety == nil {
			return computed{}, fmt.Errorf("%w: no key-safety checker is configured", ErrKeySafetyUnavailable)
		}
		t := Target{Context: n.Context, Instance: n.Instance, EnvironmentClass: EnvironmentClass(n.Instance)}
		ks, err := s.cfg.KeySafety.Check(ctx, r, t, bindingKeys, planned)
		if err != nil {
			return computed{}, err
		}
		if ks.Status != "pass" {
			return computed{}, &KeySafetyError{Findings: ks.Findings}
		}
		res.KeySafety = &KeySafetyOut{Status: ks.Status, EnvironmentClass: t.EnvironmentClass, BindingKeyCount: len(bindingKeys)}
	}

	// Tracked live targets the runtime change affects.
	if len(rt.ChangedKeys) > 0 && s.cfg.Tracked != nil {
		targets, err := s.cfg.Tracked(ctx, runtimeenv.Route{Scope: n.Route.Scope, Context: n.Route.Context, Instance: n.Route.Instance})
		if err != nil {
			return computed{}, err
		}
		for _, t := range targets {
			res.NextActions = append(res.NextActions, liveTargetAction(t, rt.ChangedKeys))
		}
	}

	digestJSON, err := canonical.JSON(c.inputs)
	if err != nil {
		return computed{}, err
	}
	c.digest = canonical.SHA256(digestJSON)
	res.InputsDigest = c.digest
	c.result = res
	return c, nil
}

func liveTargetAction(t runtimeenv.TrackedTarget, changed []string) NextAction {
	endpoint := "/v1/live-target-runtime/apply"
	return NextAction{
		Kind:        "live_target_runtime_apply",
		Target:      map[string]any{"context": t.Context, "instance": t.Instance, "target_type": t.TargetType, "target_name": t.TargetName},
		ChangedKeys: changed,
		DryRun:      map[string]any{"method": "POST", "endpoint": endpoint, "mode": ModeDryRun},
		Apply:       map[string]any{"method": "POST", "endpoint": endpoint, "mode": ModeApply},
		Instruction: "The records changed but the live target still runs the old environment: dry-run, then apply the live-target runtime sync. Redeploying the same image does not sync it.",
	}
}

// currentEquals decrypts a secret's current version and compares it with
// value in constant time. The plaintext never leaves this function.
func (s *Service) currentEquals(ctx context.Context, r store.Reader, rec record.SecretRecord, value crypto.Redacted) (bool, error) {
	v, err := r.SecretVersionGet(ctx, rec.CurrentVersionID)
	if err != nil {
		return false, err
	}
	plaintext, err := crypto.Open(s.cfg.Ring, v.SecretID, v.VersionID, v.Sealed())
	if err != nil {
		return false, fmt.Errorf("current version %s: %w", v.VersionID, err)
	}
	defer clear(plaintext)
	return subtle.ConstantTimeCompare(plaintext, []byte(value.Reveal())) == 1, nil
}

// Plan runs every validation, plans b against the store and records a
// bound plan (which also serves as an owner agent's dry-run marker).
func (s *Service) Plan(ctx context.Context, b Bundle, opt Options) (Result, error) {
	n, err := s.validate(b)
	if err != nil {
		return Result{}, err
	}
	c, err := s.compute(ctx, s.cfg.Store, n, opt, ModeDryRun)
	if err != nil {
		return Result{}, err
	}
	now := s.cfg.Now()
	planID, err := newPlanID(s.cfg.Rand)
	if err != nil {
		return Result{}, err
	}
	identity := opt.Identity
	if identity == "" {
		identity = "unknown"
	}
	plan := record.ProductConfigPlan{PlanID: planID, Product: c.bundle.Product, Context: c.bundle.Context, Instance: c.bundle.Instance,
		Identity: identity, PayloadFingerprint: c.fingerprint, InputsDigest: c.digest, Inputs: c.inputs,
		CreatedAt: record.FormatTime(now), ExpiresAt: record.FormatTime(now.Add(s.cfg.PlanTTL))}
	if err := s.cfg.Store.Update(ctx, func(tx store.Tx) error { return tx.ProductConfigPlanPut(ctx, plan) }); err != nil {
		return Result{}, fmt.Errorf("record product-config plan: %w", err)
	}
	res := c.result
	res.Status, res.PlanID, res.PlanExpiresAt = "dry_run", planID, plan.ExpiresAt
	return res, nil
}

func newPlanID(r io.Reader) (string, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("plan id: %w", err)
	}
	return "product-config-plan-" + hex.EncodeToString(b[:]), nil
}

// RequireDryRun enforces the owner-agent rule: identity must have made a
// dry-run of this very payload within the marker lifetime.
func (s *Service) RequireDryRun(ctx context.Context, identity string, b Bundle) error {
	n, err := b.normalize(s.stamp())
	if err != nil {
		return err
	}
	fp, err := s.fingerprint(n)
	if err != nil {
		return err
	}
	plan, err := s.cfg.Store.ProductConfigPlanFind(ctx, identity, fp)
	if errors.Is(err, store.ErrNotFound) {
		return ErrDryRunRequired
	}
	if err != nil {
		return err
	}
	created, err := record.ParseTime(plan.CreatedAt)
	if err != nil || s.cfg.Now().Sub(created) > s.cfg.MarkerTTL {
		return fmt.Errorf("%w (the last one is older than %s)", ErrDryRunRequired, s.cfg.MarkerTTL)
	}
	return nil
}

// Apply re-runs every validation and, only when all pass, writes the
// secrets and then the runtime record, all in one transaction (ApplyTx):
// a failure at any point writes nothing at all. With opt.PlanID the apply
// is refused when the plan expired, was made for another bundle, or any
// input changed since.
func (s *Service) Apply(ctx context.Context, b Bundle, opt Options) (Result, error) {
	var res Result
	err := s.cfg.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		res, err = s.ApplyTx(ctx, tx, b, opt)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// ApplyTx is Apply inside the caller's transaction. It validates, then
// locks every record it may write (the secret tuples in sorted order, then
// the runtime route) before it reads them, so the plan check, the key-safety
// check and the writes all see one state that no other writer can change
// before the transaction commits.
func (s *Service) ApplyTx(ctx context.Context, tx store.Tx, b Bundle, opt Options) (Result, error) {
	n, err := s.validate(b)
	if err != nil {
		return Result{}, err
	}
	ins := make([]secrets.PutInput, len(n.Secrets))
	for i, in := range n.Secrets {
		ins[i] = secrets.PutInput{Scope: in.Scope, Integration: in.Integration, Name: in.Name,
			Context: in.Context, Instance: in.Instance, BindingKey: in.BindingKey, Value: in.Value,
			Description: in.Description, Actor: opt.Actor, Source: "product-config"}
	}
	route := runtimeenv.Route{Scope: n.Route.Scope, Context: n.Route.Context, Instance: n.Route.Instance}
	if err := s.secrets.LockTx(ctx, tx, ins); err != nil {
		return Result{}, fmt.Errorf("lock secrets: %w", err)
	}
	if err := s.runtime.LockTx(ctx, tx, route); err != nil {
		return Result{}, fmt.Errorf("lock runtime record: %w", err)
	}
	c, err := s.compute(ctx, tx, n, opt, ModeApply)
	if err != nil {
		return Result{}, err
	}
	if opt.PlanID != "" {
		if err := s.checkPlan(ctx, tx, opt.PlanID, c); err != nil {
			return Result{}, err
		}
	}
	res := c.result
	puts, err := s.secrets.PutAllTx(ctx, tx, ins)
	if err != nil {
		return Result{}, fmt.Errorf("apply secrets: %w", err)
	}
	res.Summary.SecretChangeCount = 0
	for i, put := range puts {
		res.Secrets[i].Action, res.Secrets[i].VersionID = put.Action, put.VersionID
		if put.Action != secrets.ActionUnchanged {
			res.Summary.SecretChangeCount++
		}
	}
	if len(res.RuntimeEnvironment.ChangedKeys) > 0 {
		put, err := s.runtime.PutTx(ctx, tx, route, n.Env, opt.SourceLabel)
		if err != nil {
			return Result{}, fmt.Errorf("apply runtime record: %w", err)
		}
		res.RuntimeEnvironment.Record = put.Summary
		res.RuntimeEnvironment.EnvValueCountAfter = put.EnvValueCount
	}
	res.Status = "ok"
	if len(res.NextActions) > 0 {
		res.Status = "records_applied_live_sync_required"
	}
	return res, nil
}

// checkPlan refuses an apply whose plan no longer describes the world.
func (s *Service) checkPlan(ctx context.Context, r store.Reader, planID string, c computed) error {
	plan, err := r.ProductConfigPlanGet(ctx, planID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("plan %s: %w", planID, ErrPlanNotFound)
	}
	if err != nil {
		return err
	}
	expires, err := record.ParseTime(plan.ExpiresAt)
	if err != nil {
		return err
	}
	if !s.cfg.Now().Before(expires) {
		return &StaleError{PlanID: planID, Reason: "expired at " + plan.ExpiresAt + "; run a new dry-run"}
	}
	if plan.Product != c.bundle.Product || plan.Context != c.bundle.Context || plan.Instance != c.bundle.Instance ||
		plan.PayloadFingerprint != c.fingerprint {
		return &StaleError{PlanID: planID, Reason: "the bundle differs from the one the plan was made for"}
	}
	if plan.InputsDigest == c.digest {
		return nil
	}
	var changed []string
	for label := range unionKeys(plan.Inputs, c.inputs) {
		if plan.Inputs[label] != c.inputs[label] {
			changed = append(changed, label)
		}
	}
	sort.Strings(changed)
	return &StaleError{PlanID: planID, Reason: strings.Join(changed, ", ") + " changed since the plan; run a new dry-run"}
}

func unionKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sameScalar compares two normalized scalars by their canonical JSON.
func sameScalar(a, b any) bool {
	x, errA := canonical.JSON(a)
	y, errB := canonical.JSON(b)
	return errA == nil && errB == nil && string(x) == string(y)
}
