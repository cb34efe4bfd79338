package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// Provider-target operation actions (service.md §4.6), on
// launchplane/launchplane: audit and backfill-dry-run need the audit grant,
// backfill-apply the backfill grant.
const (
	ActionProviderTargetAudit    = "provider_target.audit"
	ActionProviderTargetBackfill = "provider_target.backfill"
	providerTargetOpsPath        = "/v1/provider-targets/operations"
)

// Provider-target operation modes (service.md §1.4 spelling).
const (
	providerTargetModeAudit          = "audit"
	providerTargetModeBackfillDryRun = "backfill-dry-run"
	providerTargetModeBackfillApply  = "backfill-apply"
)

// ProviderTargetBackfillConfirmation is the exact phrase a backfill-apply
// must carry in "confirmation": applying is a deliberate act, typed by
// the operator who reviewed the dry run.
const ProviderTargetBackfillConfirmation = "backfill provider targets"

// CodeIdempotencyKeyRequired rejects an apply sent without Idempotency-Key
// (service.md §1.2, §1.3).
const CodeIdempotencyKeyRequired = "idempotency_key_required"

// providerTargetOpsEnvelope is upstream's body {mode, product, provider_id,
// context, instance, reason} plus the apply confirmation phrase.
type providerTargetOpsEnvelope struct {
	Mode         string `json:"mode"`
	Product      string `json:"product"`
	ProviderID   string `json:"provider_id"`
	Context      string `json:"context"`
	Instance     string `json:"instance"`
	Reason       string `json:"reason"`
	Confirmation string `json:"confirmation"`
}

// providerTargetOpsResult is the route's result (service.md §8.3): the
// request, the report's summary counts and the full report.
type providerTargetOpsResult struct {
	Mode                string `json:"mode"`
	ProviderID          string `json:"provider_id"`
	Context             string `json:"context"`
	Instance            string `json:"instance"`
	OperationStatus     string `json:"operation_status"`
	BlockedCount        int    `json:"blocked_count"`
	WarningCount        int    `json:"warning_count"`
	InspectedRouteCount int    `json:"inspected_route_count"`
	Reason              string `json:"reason"`
	Report              any    `json:"report"`
}

func (a *API) registerProviderTargets() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "post-provider-target-operations", Method: http.MethodPost, Path: providerTargetOpsPath,
		Summary: "Audit or backfill the provider-target row of one route (provider_target.audit / provider_target.backfill)",
		Description: "Body: {\"mode\": \"audit\"|\"backfill-dry-run\"|\"backfill-apply\", \"product\": \"launchplane\" (optional), " +
			"\"provider_id\": \"dokploy\", \"context\", \"instance\", \"reason\", \"confirmation\"}. One route per request. " +
			"audit and backfill-dry-run are read-only and authorized as provider_target.audit; backfill-apply is authorized as " +
			"provider_target.backfill (both on launchplane/launchplane) and needs a reason (400 reason_required), an Idempotency-Key " +
			"(400 idempotency_key_required) and confirmation \"" + ProviderTargetBackfillConfirmation + "\". Apply creates the row only " +
			"when nothing blocks, never overwrites an existing row, and is idempotent. Owner agents need a reason in every mode. " +
			"result: {mode, provider_id, context, instance, operation_status (ok|blocked; apply: applied|blocked), blocked_count, " +
			"warning_count, inspected_route_count, reason, report}.",
		Tags:          []string{"provider-targets"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postProviderTargetOps)
}

func (a *API) postProviderTargetOps(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	var env providerTargetOpsEnvelope
	if err := decodeEnvelope(ctx, in.RawBody, &env); err != nil {
		return nil, a.fail(ctx, err)
	}
	for _, s := range []*string{&env.Mode, &env.Product, &env.ProviderID, &env.Context, &env.Instance, &env.Reason} {
		*s = strings.TrimSpace(*s)
	}
	apply := env.Mode == providerTargetModeBackfillApply
	switch {
	case env.Mode != providerTargetModeAudit && env.Mode != providerTargetModeBackfillDryRun && !apply:
		return nil, invalid(ctx, "Request payload failed validation: mode must be audit, backfill-dry-run or backfill-apply.")
	case env.Product != "" && env.Product != authz.ProductLaunchplane:
		return nil, invalid(ctx, "Request payload failed validation: product must be launchplane.")
	case env.ProviderID == "" || env.Context == "" || env.Instance == "":
		return nil, invalid(ctx, "Request payload failed validation: provider_id, context and instance are required (one route per request).")
	case env.Reason == "" && (apply || ownerAgent(id)):
		return nil, newError(ctx, http.StatusBadRequest, CodeReasonRequired, "backfill-apply and owner-agent requests require a reason.")
	case apply && env.Confirmation != ProviderTargetBackfillConfirmation:
		return nil, invalid(ctx, "Request payload failed validation: backfill-apply needs confirmation %q.", ProviderTargetBackfillConfirmation)
	case apply && strings.TrimSpace(in.IdempotencyKey) == "":
		return nil, newError(ctx, http.StatusBadRequest, CodeIdempotencyKeyRequired, "backfill-apply requires an Idempotency-Key header.")
	}
	action := ActionProviderTargetAudit
	if apply {
		action = ActionProviderTargetBackfill
	}
	if err := a.check(ctx, id, action, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
		return nil, err
	}
	if a.deps.Store == nil {
		return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Provider-target operations require the SQL store.")
	}
	filter := targets.Filter{Context: env.Context, Instance: env.Instance, ProviderID: env.ProviderID}
	result := func(status string, rep targets.Report, full any) providerTargetOpsResult {
		return providerTargetOpsResult{Mode: env.Mode, ProviderID: strings.ToLower(env.ProviderID), Context: env.Context, Instance: env.Instance,
			OperationStatus: status, BlockedCount: rep.BlockedCount, WarningCount: rep.WarningCount,
			InspectedRouteCount: rep.InspectedRouteCount, Reason: env.Reason, Report: full}
	}
	svc := targets.New(a.deps.Store, a.deps.Now)
	if !apply {
		// Read-only modes are never stored for Idempotency-Key.
		var res providerTargetOpsResult
		if env.Mode == providerTargetModeAudit {
			rep, err := svc.Audit(ctx, filter)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			res = result(rep.Status, rep, rep)
		} else {
			rep, err := svc.Backfill(ctx, filter, false)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			res = result(rep.Status, rep.Report, rep)
		}
		return &acceptedOutput{Status: http.StatusAccepted,
			Body: Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: map[string]string{}, Result: res}}, nil
	}
	// The idempotency lookup, the plan, the creates and the stored response
	// share one transaction. A create that loses a race rolls it all back
	// (ErrBackfillConflict wraps store.ErrConflict) and accept retries once,
	// which re-plans and reports the conflict.
	return a.accept(ctx, providerTargetOpsPath, id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
		rep, err := targets.BackfillApplyTx(ctx, tx, filter)
		if err != nil {
			return nil, nil, err
		}
		status := targets.ReportBlocked
		records := map[string]string{}
		if rep.Applied {
			status = "applied"
			for _, it := range rep.Items {
				if it.Status == targets.BackfillCreated {
					records["target_id"] = it.Projected.TargetID
				}
			}
		}
		return records, result(status, rep.Report, rep), nil
	})
}
