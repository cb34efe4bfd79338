package liveruntime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/productconfig"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// desiredEnv is what a sync writes: the lane's desired env (key → env-text
// value), the keys the managed-secret overlay delivers (key safety checks
// them) and the resolved keys left out because only execution writes them.
type desiredEnv struct {
	values     map[string]string
	secretKeys []string
	skipped    []string
}

// desired resolves the lane's desired env, scoped to what the owning
// product profile's expected_config declares for the lane (service.md §8.1
// step 3) when Config.ExpectedKeys is set, as Wire sets it. Keys only
// execution owns (targets.ExecutionOwned) are dropped, whichever layer
// sets them: a sync that wrote DOCKER_IMAGE_REFERENCE, then deployed, would
// run an image no deployment record names.
func (s *Service) desired(ctx context.Context, req Request) (desiredEnv, error) {
	where := req.Context + "/" + req.Instance
	// The profile is read first: a lane no profile owns is refused before
	// any managed secret is opened.
	var exp *ExpectedConfig
	if s.cfg.ExpectedKeys != nil {
		e, err := s.cfg.ExpectedKeys(ctx, req.Product, req.Context, req.Instance)
		if errors.Is(err, ErrProductLaneNotFound) {
			msg := "No product profile owns " + where + "; its expected_config decides what syncs, so nothing is synced."
			if req.Product != "" {
				msg = "The product profile " + req.Product + " does not own " + where + "; nothing is synced."
			}
			return desiredEnv{}, newError(CodeProductLaneNotFound, msg, err)
		}
		if err != nil {
			return desiredEnv{}, fmt.Errorf("read expected config: %w", err)
		}
		if len(e.RuntimeKeys)+len(e.SecretBindingKeys) == 0 {
			return desiredEnv{}, newError(CodeRuntimeEnvironmentEmpty,
				"The product profile's expected_config declares no runtime keys or runtime_environment secret bindings for "+where+"; nothing would sync.", nil)
		}
		exp = &e
	}
	res, err := s.cfg.Resolve(ctx, req.Context, req.Instance)
	if err != nil {
		return desiredEnv{}, newError(CodeRuntimeEnvironmentUnavailable, "Could not resolve the runtime environment of "+where+".", err)
	}
	keys := res.Keys()
	var secretKeys []string
	for _, k := range keys {
		if res.Sources[k] == runtimeenv.LayerManagedSecret {
			secretKeys = append(secretKeys, k)
		}
	}
	if exp != nil {
		var missing []string
		for _, k := range exp.SecretBindingKeys {
			if res.Sources[k] != runtimeenv.LayerManagedSecret {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			e := newError(CodeRuntimeSecretValuesMissing, "Expected managed secrets do not resolve for "+where+": "+strings.Join(missing, ", ")+".", nil)
			e.MissingKeys = missing
			return desiredEnv{}, e
		}
		// Resolved keys the profile does not expect stay off the target:
		// a record written for another product sharing the context, or a
		// leftover, must not reach this product's process.
		want := append(slices.Clone(exp.RuntimeKeys), exp.SecretBindingKeys...)
		keys = slices.DeleteFunc(keys, func(k string) bool { return !slices.Contains(want, k) })
		secretKeys = slices.DeleteFunc(secretKeys, func(k string) bool { return !slices.Contains(exp.SecretBindingKeys, k) })
	}
	skipped := []string{}
	keys = slices.DeleteFunc(keys, func(k string) bool {
		if targets.ExecutionOwned(k) {
			skipped = append(skipped, k)
			return true
		}
		return false
	})
	secretKeys = slices.DeleteFunc(secretKeys, targets.ExecutionOwned)
	slices.Sort(skipped)
	if len(keys) == 0 {
		msg := "The runtime environment of " + where + " has no keys to sync."
		if len(skipped) > 0 {
			msg = "The runtime environment of " + where + " has no keys to sync besides execution-owned ones (" + strings.Join(skipped, ", ") + "), which only a deploy writes."
		}
		return desiredEnv{}, newError(CodeRuntimeEnvironmentEmpty, msg, nil)
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v := envText(res.Values[k])
		if strings.ContainsAny(v, "\r\n") {
			// Dokploy's env is line-based: such a value cannot round-trip.
			return desiredEnv{}, newError(CodeRuntimeEnvironmentUnavailable, "The value of "+k+" spans several lines; a Dokploy env line cannot hold it.", nil)
		}
		out[k] = v
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	return desiredEnv{values: out, secretKeys: secretKeys, skipped: skipped}, nil
}

// envText renders a runtime value the way it reaches a process: strings
// verbatim, numbers in their stored literal form, booleans as true/false.
func envText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// delta compares desired with the parsed live env by key.
func delta(desired, live map[string]string) Delta {
	d := Delta{DesiredKeyCount: len(desired), LiveKeyCount: len(live), MissingKeys: []string{}, DifferentKeys: []string{}, SkippedExecutionKeys: []string{}}
	for k, v := range desired {
		lv, ok := live[k]
		switch {
		case !ok:
			d.MissingKeys = append(d.MissingKeys, k)
		case lv != v:
			d.DifferentKeys = append(d.DifferentKeys, k)
		default:
			d.UnchangedKeyCount++
		}
	}
	slices.Sort(d.MissingKeys)
	slices.Sort(d.DifferentKeys)
	d.ChangedKeys = append(slices.Clone(d.MissingKeys), d.DifferentKeys...)
	slices.Sort(d.ChangedKeys)
	return d
}

// verify checks that every desired key reads back with its desired value.
func verify(desired, live map[string]string) Verification {
	d := delta(desired, live)
	v := Verification{Status: VerificationPassed, MissingKeys: d.MissingKeys, DifferentKeys: d.DifferentKeys, VerifiedKeyCount: d.UnchangedKeyCount}
	if len(d.ChangedKeys) > 0 {
		v.Status = VerificationFailed
	}
	return v
}

// keySafety runs the runtime key-safety check over the keys the managed
// secret overlay delivers (service.md §8.1 step 5). When required, a
// missing policy or a failing verdict refuses; otherwise they are reported.
// run false reports the check as skipped (an apply with nothing to do).
func (s *Service) keySafety(ctx context.Context, req Request, keys []string, required, run bool) (KeySafetyOut, error) {
	t := keysafety.Target{Context: req.Context, Instance: req.Instance, EnvironmentClass: productconfig.EnvironmentClass(req.Instance)}
	out := KeySafetyOut{Required: required, Status: KeySafetySkipped, Target: t, CheckedBindingKeys: keys, Findings: []keysafety.Finding{}}
	if !run {
		return out, nil
	}
	policy, err := keysafety.Active(ctx, s.cfg.Store)
	if errors.Is(err, keysafety.ErrNoPolicy) {
		if required {
			return KeySafetyOut{}, newError(CodeRuntimeKeySafetyUnavailable, "No active runtime key-safety policy; the live target cannot be changed.", err)
		}
		out.Status = KeySafetyUnavailable
		return out, nil
	}
	if err != nil {
		return KeySafetyOut{}, fmt.Errorf("check runtime key safety: %w", err)
	}
	out.PolicyRecordID = policy.RecordID
	if out.PolicySHA256, err = policy.PolicySHA256(); err != nil {
		return KeySafetyOut{}, fmt.Errorf("check runtime key safety: %w", err)
	}
	if len(keys) == 0 {
		// Nothing secret is delivered; the policy exists, which is all an
		// apply requires. (Evaluating would flag the environment class of
		// a lane that receives no secret at all.)
		out.Status = keysafety.StatusPass
		return out, nil
	}
	bindings, err := s.cfg.Store.SecretBindingList(ctx, store.SecretBindingListParams{Integration: record.IntegrationRuntimeEnvironment})
	if err != nil {
		return KeySafetyOut{}, fmt.Errorf("check runtime key safety: %w", err)
	}
	r := keysafety.Evaluate(policy, t, keys, bindings)
	out.Status, out.Findings, out.CheckedBindingKeys = r.Status, r.Findings, r.CheckedBindingKeys
	if r.Status != keysafety.StatusPass && required {
		e := newError(CodeRuntimeKeySafetyFailed, "", nil)
		e.Findings = r.Findings
		e.Message = "Runtime key-safety check failed: " + strings.Join(e.FindingCodes(), ", ") + "."
		return KeySafetyOut{}, e
	}
	return out, nil
}
