package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/productconfig"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
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
			"before applying. Responses carry key names, actions and counts; never values. An apply's Idempotency-Key response is stored after the " +
			"write commits, in its own transaction: a retry replays it, a concurrent duplicate re-runs the (idempotent) bundle.",
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
	// Look the Idempotency-Key up before the bundle is planned: a retry of
	// an apply citing a plan must replay, not be refused as stale because
	// of the change its own first attempt made. The response is stored
	// after the bundle commits.
	key := strings.TrimSpace(in.IdempotencyKey)
	if !validIdempotencyKey(key) {
		return nil, invalid(ctx, "Idempotency-Key must be at most %d printable ASCII characters without spaces.", MaxIdempotencyKeyLength)
	}
	if env.Mode == productconfig.ModeDryRun {
		key = "" // dry runs are never stored, as on every route
	}
	var fingerprint string
	if key != "" {
		if fingerprint, err = requestFingerprint(ctx, in.RawBody); err != nil {
			return nil, err
		}
		out, err := findReplay(ctx, a.deps.Store, productConfigPath, id, key, fingerprint)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if out != nil {
			return out, nil
		}
	}
	bundle := productconfig.Bundle{SchemaVersion: env.SchemaVersion, Product: env.Product, Context: env.Context,
		Instance: env.Instance, RuntimeEnv: env.RuntimeEnv, Secrets: env.Secrets}
	svc := productconfig.New(productconfig.Config{Store: a.deps.Store, Ring: a.deps.SecretKeys,
		KeySafety: productconfig.PolicyChecker{}, Now: a.deps.Now})
	sourceLabel := strings.TrimSpace(env.SourceLabel)
	if sourceLabel == "" {
		sourceLabel = "service:product-config"
	}
	opt := productconfig.Options{Actor: id.Actor(), SourceLabel: sourceLabel, Identity: idempotencyScope(id), PlanID: env.PlanID}
	var res productconfig.Result
	if env.Mode == productconfig.ModeDryRun {
		res, err = svc.Plan(ctx, bundle, opt)
	} else {
		if owner {
			if err := svc.RequireDryRun(ctx, opt.Identity, bundle); err != nil {
				return nil, a.productConfigError(ctx, err)
			}
		}
		res, err = svc.Apply(ctx, bundle, opt)
	}
	if err != nil {
		return nil, a.productConfigError(ctx, err)
	}
	body := Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: map[string]string{}, Result: res}
	out := &acceptedOutput{Status: http.StatusAccepted, Body: body}
	if key == "" {
		return out, nil
	}
	rec, err := a.idempotencyRecord(productConfigPath, id, key, fingerprint, body)
	if err == nil {
		err = a.deps.Store.Update(ctx, func(tx store.Tx) error { return tx.IdempotencyPut(ctx, rec) })
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		// A concurrent duplicate stored its response first; it applied the
		// same bundle, so this response is equally true. Replay the stored
		// one so every retry sees a single original trace id.
		if prev, err := findReplay(ctx, a.deps.Store, productConfigPath, id, key, fingerprint); err == nil && prev != nil {
			return prev, nil
		}
	case err != nil:
		// The bundle is committed; only the replay record is missing, and a
		// retry re-applies the same bundle as a no-op. Report the success.
		a.log.WarnContext(ctx, "store idempotency record", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
	}
	return out, nil
}

// productConfigError maps the product-config refusals to their codes;
// messages name rules, finding codes and input labels, never values.
func (a *API) productConfigError(ctx context.Context, err error) error {
	var kse *productconfig.KeySafetyError
	var stale *productconfig.StaleError
	switch {
	case errors.Is(err, productconfig.ErrSecretConfiguration), errors.Is(err, crypto.ErrNoKey):
		return newError(ctx, http.StatusServiceUnavailable, CodeSecretConfigurationRequired, "No secret encryption key is configured; bundles with secrets cannot be applied.")
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
