package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/onboarding"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// ActionProductOnboardingApply authorizes onboarding on launchplane/launchplane
// (service.md §2.5): it writes another product's profile, targets and
// configuration, an administrative act.
const (
	ActionProductOnboardingApply = "product_onboarding.apply"
	productOnboardingPath        = "/v1/product-onboarding/apply"
)

// onboardingEnvelope is upstream's {product: "launchplane", manifest} plus
// mode (dry-run or apply, default apply).
type onboardingEnvelope struct {
	Product  string          `json:"product"`
	Mode     string          `json:"mode"`
	Manifest json.RawMessage `json:"manifest" lp:"required"`
}

func (a *API) registerProductOnboarding() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "post-product-onboarding-apply", Method: http.MethodPost, Path: productOnboardingPath,
		Summary: "Apply a product onboarding manifest (product_onboarding.apply on launchplane/launchplane)",
		Description: "Body: {\"product\": \"launchplane\", \"mode\": \"dry-run\"|\"apply\" (default apply), \"manifest\": {product, display_name, " +
			"repository, driver_id, image_repository, runtime_port, health_path, lanes[], historical_contexts[], preview{}, promotion_workflow{}, " +
			"provider_targets[], runtime_environments[], secret_bindings[], expected_config{}, updated_at, source_label}}. One apply writes the " +
			"product profile, the Dokploy target and target-id records of the tracked lanes (testing, prod) with their provider-target rows, " +
			"the runtime-environment records and disabled placeholder bindings for the expected secrets, all in one transaction after every " +
			"check passed; a refusal writes nothing. The legacy dokploy_targets shape, unknown fields, secret-shaped runtime or target env " +
			"keys and routes the product does not own are 400 invalid_request naming the fields; a stale provider-target row is 409 " +
			"provider_target_stale. Re-applying the same manifest changes nothing (every action unchanged). records: {product_profile}; " +
			"result: sanitized summaries (route names, key names, counts, actions, binding ids) — never env values, secret values or " +
			"target ids. A dry run returns the same result and writes nothing; it is never stored for Idempotency-Key.",
		Tags:          []string{"product-profiles"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postProductOnboarding)
}

func (a *API) postProductOnboarding(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	var env onboardingEnvelope
	if err := decodeEnvelope(ctx, in.RawBody, &env); err != nil {
		return nil, a.fail(ctx, err)
	}
	if strings.TrimSpace(env.Product) != authz.ProductLaunchplane {
		return nil, invalid(ctx, "Request payload failed validation: product must be launchplane.")
	}
	mode := strings.TrimSpace(env.Mode)
	if mode == "" {
		mode = onboarding.ModeApply
	}
	if mode != onboarding.ModeDryRun && mode != onboarding.ModeApply {
		return nil, invalid(ctx, "Request payload failed validation: mode must be dry-run or apply.")
	}
	m, err := onboarding.Decode(env.Manifest)
	if err != nil {
		return nil, a.fail(ctx, nested("manifest", err))
	}
	if err := m.Validate(a.deps.Now()); err != nil {
		return nil, a.fail(ctx, nested("manifest", err))
	}
	if err := a.check(ctx, id, ActionProductOnboardingApply, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
		return nil, err
	}
	if a.deps.Store == nil {
		return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Product onboarding requires the SQL store.")
	}
	svc := onboarding.New(a.deps.Store, a.deps.Now)
	records := map[string]string{"product_profile": m.Product}
	if mode == onboarding.ModeDryRun {
		// Dry runs are never stored for Idempotency-Key, as on every route.
		res, err := svc.Apply(ctx, m, onboarding.Options{DryRun: true})
		if err != nil {
			return nil, a.onboardingError(ctx, err)
		}
		return &acceptedOutput{Status: http.StatusAccepted,
			Body: Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: map[string]string{}, Result: res}}, nil
	}
	return a.accept(ctx, productOnboardingPath, id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
		res, err := svc.ApplyTx(ctx, tx, m, onboarding.Options{})
		if err != nil {
			return nil, nil, a.onboardingError(ctx, err)
		}
		return records, res, nil
	})
}

// onboardingError maps the refusals only onboarding meets; the rest go
// through fail.
func (a *API) onboardingError(ctx context.Context, err error) error {
	if errors.Is(err, targets.ErrStale) {
		return newError(ctx, http.StatusConflict, CodeProviderTargetStale,
			"A tracked target's provider-target row no longer matches its Dokploy records; run the provider-target audit. Nothing was written.")
	}
	return a.fail(ctx, nested("manifest", err))
}
