package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/productconfig"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// Product-config actions (service.md §8.2), on the top-level (product, context).
const (
	ActionProductConfigPlan  = "product_config.plan"
	ActionProductConfigApply = "product_config.apply"
	productConfigPath        = "/v1/product-config/apply"
)

// productConfigEnvelope is the bundle plus mode, reason and plan_id.
type productConfigEnvelope struct {
	SchemaVersion int                         `json:"schema_version"`
	Product       string                      `json:"product"`
	Context       string                      `json:"context"`
	Instance      string                      `json:"instance"`
	RuntimeEnv    json.RawMessage             `json:"runtime_env,omitempty"`
	Secrets       []productconfig.SecretInput `json:"secrets"`
	Mode          string                      `json:"mode"`
	Reason        string                      `json:"reason"`
	PlanID        string                      `json:"plan_id"`
	SourceLabel   string                      `json:"source_label"`
}

func (a *API) registerProductConfig() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "post-product-config-apply", Method: http.MethodPost, Path: productConfigPath,
		Summary: "Plan or apply a product-config bundle (runtime environment and managed secrets)",
		Description: "Body: {\"schema_version\": 1, \"product\", \"context\", \"instance\", \"runtime_env\": {...}, \"secrets\": [{name, binding_key, value, integration?, scope?, context?, instance?}], " +
			"\"mode\": \"dry-run\"|\"apply\", \"reason\" (required for local operators and admins), \"plan_id\" (optional on apply), \"source_label\"}. " +
			"Authorized as product_config.plan (dry-run) or product_config.apply on the top-level product and context. Every check, " +
			"key safety included, runs before any write; a dry-run returns plan_id and inputs_digest, and an apply citing plan_id is " +
			"refused (409 product_config_plan_stale) when the plan expired or an input changed. Owner agents must dry-run the same payload " +
			"before applying. Responses carry key names, actions and counts; never values. An apply's Idempotency-Key is looked up, the bundle " +
			"checked and written and the response stored in one transaction.",
		Tags:          []string{"runtime"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postProductConfig)
}

func (a *API) postProductConfig(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	if id.Type == authn.TypeTerminalAgent {
		return nil, newError(ctx, http.StatusForbidden, CodeAuthorizationDenied, "Terminal agents may not change product config.")
	}
	env := productConfigEnvelope{SchemaVersion: 1}
	if err := decodeEnvelope(ctx, in.RawBody, &env); err != nil {
		return nil, a.fail(ctx, err)
	}
	env.Mode, env.Reason, env.PlanID = strings.TrimSpace(env.Mode), strings.TrimSpace(env.Reason), strings.TrimSpace(env.PlanID)
	env.Product, env.Context = strings.TrimSpace(env.Product), strings.TrimSpace(env.Context)
	switch {
	case env.Mode != productconfig.ModeDryRun && env.Mode != productconfig.ModeApply:
		return nil, invalid(ctx, "Request payload failed validation: mode must be dry-run or apply.")
	case env.Product == "" || env.Context == "":
		return nil, invalid(ctx, "Request payload failed validation: product and context are required.")
	case env.PlanID != "" && env.Mode != productconfig.ModeApply:
		return nil, invalid(ctx, "Request payload failed validation: plan_id goes with mode apply.")
	}
	owner := ownerAgent(id)
	if owner && env.Reason == "" {
		return nil, newError(ctx, http.StatusBadRequest, CodeReasonRequired, "Local operator and local admin writes require a reason.")
	}
	action := ActionProductConfigPlan
	if env.Mode == productconfig.ModeApply {
		action = ActionProductConfigApply
	}
	if err := a.check(ctx, id, action, env.Product, env.Context); err != nil {
		return nil, err
	}
	if a.deps.Store == nil {
		return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Product config requires the SQL store.")
	}
	bundle := productconfig.Bundle{SchemaVersion: env.SchemaVersion, Product: env.Product, Context: env.Context,
		Instance: env.Instance, RuntimeEnv: env.RuntimeEnv, Secrets: env.Secrets}
	svc := productconfig.New(productconfig.Config{Store: a.deps.Store, Ring: a.deps.SecretKeys,
		KeySafety: productconfig.PolicyChecker{}, Now: a.deps.Now, Tracked: targets.TrackedRoutes(a.deps.Store)})
	sourceLabel := strings.TrimSpace(env.SourceLabel)
	if sourceLabel == "" {
		sourceLabel = "service:product-config"
	}
	opt := productconfig.Options{Actor: id.Actor(), SourceLabel: sourceLabel, Identity: idempotencyScope(id), PlanID: env.PlanID}
	if env.Mode == productconfig.ModeDryRun {
		// Dry runs are never stored for Idempotency-Key, as on every route.
		res, err := svc.Plan(ctx, bundle, opt)
		if err != nil {
			return nil, a.productConfigError(ctx, err)
		}
		return &acceptedOutput{Status: http.StatusAccepted,
			Body: Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: map[string]string{}, Result: res}}, nil
	}
	if owner {
		if err := svc.RequireDryRun(ctx, opt.Identity, bundle); err != nil {
			return nil, a.productConfigError(ctx, err)
		}
	}
	// The Idempotency-Key is looked up, the bundle planned, checked and
	// written, and the response stored, all in one transaction: a retry of a
	// plan-bound apply replays instead of going stale on its own change. The
	// stored request fingerprint must not be a bare hash of secret values.
	keyed, err := keyedSecretValues(in.RawBody, a.deps.SecretKeys)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	fingerprinted := *in
	fingerprinted.RawBody = keyed
	return a.accept(ctx, productConfigPath, id, &fingerprinted, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
		res, err := svc.ApplyTx(ctx, tx, bundle, opt)
		if err != nil {
			return nil, nil, a.productConfigError(ctx, err)
		}
		return nil, res, nil
	})
}

// keyedSecretValues returns raw with every secrets[].value replaced by its
// keyed fingerprint (crypto.KeyRing.Fingerprint), or by "" without a key
// ring, whose applies fail before anything is stored. The Idempotency-Key
// request fingerprint is taken over the result, so the stored hash cannot be
// brute-forced back into a low-entropy secret.
func keyedSecretValues(raw []byte, ring *crypto.KeyRing) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("fingerprint request: %w", record.ErrInvalid)
	}
	list, _ := body["secrets"].([]any)
	for _, item := range list {
		sec, ok := item.(map[string]any)
		if !ok {
			continue
		}
		value, ok := sec["value"].(string)
		if !ok {
			continue
		}
		sec["value"] = ""
		if ring != nil && ring.ActiveKeyID() != "" {
			fp, err := ring.Fingerprint([]byte(value))
			if err != nil {
				return nil, err
			}
			sec["value"] = "hmac-sha256:" + fp
		}
	}
	return json.Marshal(body)
}

// productConfigError maps the product-config refusals to their codes;
// messages name rules, finding codes and input labels, never values.
func (a *API) productConfigError(ctx context.Context, err error) error {
	var kse *productconfig.KeySafetyError
	var stale *productconfig.StaleError
	switch {
	case errors.Is(err, productconfig.ErrSecretConfiguration), errors.Is(err, crypto.ErrNoKey):
		return newError(ctx, http.StatusServiceUnavailable, CodeSecretConfigurationRequired, "No secret encryption key is configured; bundles with secrets cannot be applied.")
	case errors.Is(err, crypto.ErrDecrypt):
		// Logged with the secret and version ids (never values) for the operator.
		a.log.ErrorContext(ctx, "product config", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
		return newError(ctx, http.StatusServiceUnavailable, CodeSecretConfigurationRequired,
			"A stored secret could not be decrypted with the configured keys; check the key ring. Nothing was written.")
	case errors.Is(err, productconfig.ErrKeySafetyUnavailable):
		return newError(ctx, http.StatusBadRequest, CodeRuntimeKeySafetyUnavailable, "No active runtime key-safety policy; secrets cannot be checked.")
	case errors.As(err, &kse):
		return newError(ctx, http.StatusBadRequest, CodeRuntimeKeySafetyFailed, "Runtime key-safety check failed: "+strings.Join(kse.Codes(), ", ")+".")
	case errors.Is(err, productconfig.ErrDryRunRequired):
		return newError(ctx, http.StatusBadRequest, CodeLocalOperatorDryRunRequired, "Apply requires a prior dry-run of the same payload by the same identity.")
	case errors.As(err, &stale):
		return newError(ctx, http.StatusConflict, CodeProductConfigPlanStale, "Plan "+stale.PlanID+" is stale: "+stale.Reason+".")
	case errors.Is(err, productconfig.ErrPlanNotFound):
		return newError(ctx, http.StatusNotFound, CodeNotFound, "Plan not found.")
	}
	return a.fail(ctx, err)
}
