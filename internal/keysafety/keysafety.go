// Package keysafety evaluates the runtime key-safety policy (records.md
// §2.3): before product config delivers managed secrets to a lane, every
// binding key the lane needs must resolve to exactly one configured
// managed-secret binding whose policy rule allows the lane's environment
// class, context and instance. Without an active policy the check fails
// closed (ErrNoPolicy).
//
// Class-vs-environment matrix (upstream's):
//
//	environment  allowed secret classes
//	prod         prod_only, shared_safe
//	testing      testing, non_prod, shared_safe
//	preview      preview, non_prod, shared_safe
//	dev          non_prod, shared_safe
//	unknown      none (and an unknown_environment_class finding)
//
// Binding resolution mirrors the secret overlay's precedence: among the
// runtime_environment bindings for a key, an exact (context, instance)
// binding outranks a context-only one, which outranks a global one;
// bindings for other lanes never apply. At the most specific rank present:
// no binding → binding_missing; none configured → binding_disabled (a
// disabled specific binding never silently falls back to a broader one);
// more than one configured → ambiguous_binding. Only a key that resolves
// to one configured binding is checked against its rule: no rule →
// unclassified_binding; otherwise secret_class_not_allowed,
// context_not_allowed and instance_not_allowed as they apply.
package keysafety

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrNoPolicy means there is no active runtime key-safety policy.
var ErrNoPolicy = errors.New("no active runtime key-safety policy")

// Evaluation statuses.
const (
	StatusPass = "pass"
	StatusFail = "fail"
)

// Environment classes of a target.
const (
	EnvProd    = "prod"
	EnvTesting = "testing"
	EnvPreview = "preview"
	EnvDev     = "dev"
	EnvUnknown = "unknown"
)

// Finding codes.
const (
	CodeAmbiguousBinding        = "ambiguous_binding"
	CodeBindingDisabled         = "binding_disabled"
	CodeBindingMissing          = "binding_missing"
	CodeContextNotAllowed       = "context_not_allowed"
	CodeInstanceNotAllowed      = "instance_not_allowed"
	CodeSecretClassNotAllowed   = "secret_class_not_allowed"
	CodeUnclassifiedBinding     = "unclassified_binding"
	CodeUnknownEnvironmentClass = "unknown_environment_class"
)

// allowedClasses is the class-vs-environment matrix.
var allowedClasses = map[string][]string{
	EnvProd:    {record.SecretClassProdOnly, record.SecretClassSharedSafe},
	EnvTesting: {record.SecretClassTesting, record.SecretClassNonProd, record.SecretClassSharedSafe},
	EnvPreview: {record.SecretClassPreview, record.SecretClassNonProd, record.SecretClassSharedSafe},
	EnvDev:     {record.SecretClassNonProd, record.SecretClassSharedSafe},
	EnvUnknown: {},
}

// ClassAllowed reports whether secretClass may be delivered to a lane of
// environmentClass.
func ClassAllowed(secretClass, environmentClass string) bool {
	return slices.Contains(allowedClasses[environmentClass], secretClass)
}

// Target is the lane secrets would be delivered to.
type Target struct {
	Context          string `json:"context"`
	Instance         string `json:"instance"`
	EnvironmentClass string `json:"environment_class"`
}

// Finding is one reason a check failed. Details name keys, classes,
// contexts and instances; never values.
type Finding struct {
	Code       string `json:"code"`
	BindingKey string `json:"binding_key"`
	Detail     string `json:"detail"`
}

// Result is an evaluation: pass if and only if there are no findings.
type Result struct {
	Status   string    `json:"status"`
	Findings []Finding `json:"findings"`
	// CheckedBindingKeys are the trimmed, de-duplicated, sorted keys.
	CheckedBindingKeys []string `json:"checked_binding_keys"`
	// PolicyRecordID and PolicySHA256 name the policy evaluated.
	PolicyRecordID string `json:"policy_record_id"`
	PolicySHA256   string `json:"policy_sha256"`
}

// Evaluate checks that every binding key target needs is safe to deliver
// under policy, given the managed secret bindings in the store (bindings of
// other integrations are ignored). Blank keys are ignored. It is pure.
// Findings are sorted by binding key (target-wide findings first), then code.
func Evaluate(policy record.RuntimeKeySafetyPolicy, target Target, bindingKeys []string, bindings []record.SecretBinding) Result {
	target = Target{Context: strings.TrimSpace(target.Context), Instance: strings.TrimSpace(target.Instance),
		EnvironmentClass: strings.TrimSpace(target.EnvironmentClass)}
	res := Result{PolicyRecordID: policy.RecordID, Findings: []Finding{}}
	res.PolicySHA256, _ = policy.PolicySHA256()
	if _, known := allowedClasses[target.EnvironmentClass]; !known || target.EnvironmentClass == EnvUnknown {
		res.Findings = append(res.Findings, Finding{Code: CodeUnknownEnvironmentClass,
			Detail: fmt.Sprintf("Target environment class %q is not one of prod, testing, preview, dev; no secret class is allowed.", target.EnvironmentClass)})
		target.EnvironmentClass = EnvUnknown
	}
	rules := map[string]record.RuntimeSecretSafetyRule{}
	for _, r := range policy.Rules {
		rules[r.BindingKey] = r
	}
	keys := []string{}
	for _, k := range bindingKeys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	res.CheckedBindingKeys = keys
	for _, key := range keys {
		res.Findings = append(res.Findings, evaluateKey(target, key, rules, bindings)...)
	}
	slices.SortStableFunc(res.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.BindingKey, b.BindingKey), cmp.Compare(a.Code, b.Code))
	})
	res.Status = StatusPass
	if len(res.Findings) > 0 {
		res.Status = StatusFail
	}
	return res
}

// rank orders a binding's route for target: 3 exact lane, 2 context, 1
// global, 0 another lane (never delivered here).
func rank(b record.SecretBinding, t Target) int {
	switch {
	case b.Context == "" && b.Instance == "":
		return 1
	case b.Context == t.Context && b.Instance == "":
		return 2
	case b.Context == t.Context && b.Instance == t.Instance:
		return 3
	}
	return 0
}

func evaluateKey(t Target, key string, rules map[string]record.RuntimeSecretSafetyRule, bindings []record.SecretBinding) []Finding {
	best := 0
	var atBest []record.SecretBinding
	for _, b := range bindings {
		if b.BindingKey != key || b.Integration != record.IntegrationRuntimeEnvironment {
			continue
		}
		switch r := rank(b, t); {
		case r == 0 || r < best:
		case r > best:
			best, atBest = r, []record.SecretBinding{b}
		default:
			atBest = append(atBest, b)
		}
	}
	if best == 0 {
		return []Finding{{Code: CodeBindingMissing, BindingKey: key,
			Detail: fmt.Sprintf("No managed secret binding %s applies to context %q, instance %q.", key, t.Context, t.Instance)}}
	}
	configured := 0
	for _, b := range atBest {
		if b.Status == record.SecretStatusConfigured {
			configured++
		}
	}
	switch {
	case configured == 0:
		return []Finding{{Code: CodeBindingDisabled, BindingKey: key,
			Detail: fmt.Sprintf("The most specific managed secret binding %s for this target is not configured.", key)}}
	case configured > 1:
		return []Finding{{Code: CodeAmbiguousBinding, BindingKey: key,
			Detail: fmt.Sprintf("%d configured managed secret bindings %s apply at the same scope.", configured, key)}}
	}
	rule, ok := rules[key]
	if !ok {
		return []Finding{{Code: CodeUnclassifiedBinding, BindingKey: key,
			Detail: fmt.Sprintf("Managed secret binding %s has no runtime key-safety rule.", key)}}
	}
	var out []Finding
	if !ClassAllowed(rule.SecretClass, t.EnvironmentClass) {
		out = append(out, Finding{Code: CodeSecretClassNotAllowed, BindingKey: key,
			Detail: fmt.Sprintf("Secret class %s is not allowed in %s environments.", rule.SecretClass, t.EnvironmentClass)})
	}
	if len(rule.AllowedContexts) > 0 && !slices.Contains(rule.AllowedContexts, t.Context) {
		out = append(out, Finding{Code: CodeContextNotAllowed, BindingKey: key,
			Detail: fmt.Sprintf("Context %q is not in the rule's allowed contexts.", t.Context)})
	}
	if len(rule.AllowedInstances) > 0 && !slices.Contains(rule.AllowedInstances, t.Instance) {
		out = append(out, Finding{Code: CodeInstanceNotAllowed, BindingKey: key,
			Detail: fmt.Sprintf("Instance %q is not in the rule's allowed instances.", t.Instance)})
	}
	return out
}

// Active returns the newest active policy, or ErrNoPolicy.
func Active(ctx context.Context, r store.Reader) (record.RuntimeKeySafetyPolicy, error) {
	recs, err := r.KeySafetyPolicyList(ctx, store.KeySafetyPolicyListParams{Status: record.PolicyActive, Limit: 1})
	if err != nil {
		return record.RuntimeKeySafetyPolicy{}, fmt.Errorf("read active runtime key-safety policy: %w", err)
	}
	if len(recs) == 0 {
		return record.RuntimeKeySafetyPolicy{}, ErrNoPolicy
	}
	return recs[0], nil
}

// Checker evaluates targets against the active policy and the stored
// bindings. The zero value is ready to use.
type Checker struct{}

// Check evaluates t under the newest active policy read from r. It returns
// an error wrapping ErrNoPolicy when there is none: callers must fail
// closed (runtime_key_safety_unavailable), and treat a fail result as
// runtime_key_safety_failed.
func (c *Checker) Check(ctx context.Context, r store.Reader, t Target, bindingKeys []string) (Result, error) {
	policy, err := Active(ctx, r)
	if err != nil {
		return Result{}, fmt.Errorf("check runtime key safety: %w", err)
	}
	bindings, err := r.SecretBindingList(ctx, store.SecretBindingListParams{Integration: record.IntegrationRuntimeEnvironment})
	if err != nil {
		return Result{}, fmt.Errorf("check runtime key safety: %w", err)
	}
	return Evaluate(policy, t, bindingKeys, bindings), nil
}
