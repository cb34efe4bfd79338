package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/liveruntime"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// Live-target runtime actions (service.md §8.1), on the top-level (product, context).
const (
	ActionLiveTargetRuntimePlan  = "live_target_runtime.plan"
	ActionLiveTargetRuntimeApply = "live_target_runtime.apply"
	liveTargetRuntimePath        = "/v1/live-target-runtime/apply"
)

// liveRuntimeEnvelope is upstream's body plus reason (owner agents).
type liveRuntimeEnvelope struct {
	Product              string `json:"product"`
	Context              string `json:"context"`
	Instance             string `json:"instance"`
	Mode                 string `json:"mode"`
	Deploy               bool   `json:"deploy"`
	NoCache              bool   `json:"no_cache"`
	DeployTimeoutSeconds int    `json:"deploy_timeout_seconds"`
	Reason               string `json:"reason"`
}

func (a *API) registerLiveRuntime() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "post-live-target-runtime-apply", Method: http.MethodPost, Path: liveTargetRuntimePath,
		Summary: "Dry-run or apply the lane's runtime environment to its live Dokploy target",
		Description: "Body: {\"product\", \"context\", \"instance\", \"mode\": \"dry-run\"|\"apply\", \"deploy\", \"no_cache\", \"deploy_timeout_seconds\", " +
			"\"reason\" (required for local operators and admins)}; the deploy options go with apply only. Authorized as " +
			"live_target_runtime.plan (dry-run) or live_target_runtime.apply on the top-level product and context. Resolves the " +
			"runtime records, tracked target env and managed-secret overlay of the tracked target, compares them with the live " +
			"Dokploy env by key and, on apply, merges them in (unrelated live keys kept), reads back and verifies every key. " +
			"Responses carry key names and counts only, never values. An apply's Idempotency-Key replays the first response.",
		Tags:          []string{"runtime"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postLiveRuntime)
}

func (a *API) postLiveRuntime(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	if id.Type == authn.TypeTerminalAgent {
		return nil, newError(ctx, http.StatusForbidden, CodeAuthorizationDenied, "Terminal agents may not change live targets.")
	}
	var env liveRuntimeEnvelope
	if err := decodeEnvelope(ctx, in.RawBody, &env); err != nil {
		return nil, a.fail(ctx, err)
	}
	env.Product, env.Context, env.Instance = strings.TrimSpace(env.Product), strings.TrimSpace(env.Context), strings.TrimSpace(env.Instance)
	env.Mode, env.Reason = strings.TrimSpace(env.Mode), strings.TrimSpace(env.Reason)
	switch {
	case env.Mode != liveruntime.ModeDryRun && env.Mode != liveruntime.ModeApply:
		return nil, invalid(ctx, "Request payload failed validation: mode must be dry-run or apply.")
	case env.Product == "" || env.Context == "" || env.Instance == "":
		return nil, invalid(ctx, "Request payload failed validation: product, context and instance are required.")
	case env.Mode != liveruntime.ModeApply && (env.Deploy || env.NoCache || env.DeployTimeoutSeconds != 0):
		return nil, invalid(ctx, "Request payload failed validation: deploy, no_cache and deploy_timeout_seconds go with mode apply.")
	}
	if ownerAgent(id) && env.Reason == "" {
		return nil, newError(ctx, http.StatusBadRequest, CodeReasonRequired, "Local operator and local admin writes require a reason.")
	}
	action := ActionLiveTargetRuntimePlan
	if env.Mode == liveruntime.ModeApply {
		action = ActionLiveTargetRuntimeApply
	}
	if err := a.check(ctx, id, action, env.Product, env.Context); err != nil {
		return nil, err
	}
	key := strings.TrimSpace(in.IdempotencyKey)
	if !validIdempotencyKey(key) {
		return nil, invalid(ctx, "Idempotency-Key must be at most %d printable ASCII characters without spaces.", MaxIdempotencyKeyLength)
	}
	if env.Mode == liveruntime.ModeDryRun {
		key = "" // dry-runs are never stored
	}
	if a.deps.Store == nil {
		return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Live-target runtime sync requires the SQL store.")
	}
	var fingerprint string
	if key != "" {
		if fingerprint, err = requestFingerprint(ctx, in.RawBody); err != nil {
			return nil, err
		}
		if out, err := findReplay(ctx, a.deps.Store, liveTargetRuntimePath, id, key, fingerprint); err != nil || out != nil {
			return out, a.failOrNil(ctx, err)
		}
	}
	svc := liveruntime.New(liveruntime.Wire(a.deps.Store, a.deps.SecretKeys, a.deps.Now, dokploy.Config{}))
	// The product the caller was authorized for must own the lane.
	req := liveruntime.Request{Product: env.Product, Context: env.Context, Instance: env.Instance, Mode: env.Mode,
		Deploy: env.Deploy, NoCache: env.NoCache, TimeoutSeconds: env.DeployTimeoutSeconds}
	accepted := func(res liveruntime.Result) Accepted {
		return Accepted{Status: "accepted", TraceID: TraceID(ctx), Result: res,
			Records: whitelist(map[string]string{"target_id": res.TrackedTarget.TargetID, "target_type": res.TrackedTarget.TargetType})}
	}
	// An apply runs under its lane reservation, and the Idempotency-Key is
	// checked again once the lane is held and stored before it is freed:
	// a concurrent duplicate is lane_busy while the first runs and a replay
	// after, never a second write or deploy. (The provider calls cannot
	// share a database transaction, so the response is stored after them.)
	var replayed *acceptedOutput
	var hooks liveruntime.Hooks
	if key != "" {
		hooks.Reserved = func(ctx context.Context) error {
			out, err := findReplay(ctx, a.deps.Store, liveTargetRuntimePath, id, key, fingerprint)
			if err == nil && out != nil {
				replayed, err = out, errReplayedUnderLane
			}
			return err
		}
		hooks.Done = func(ctx context.Context, res liveruntime.Result) error {
			rec, err := a.idempotencyRecord(liveTargetRuntimePath, id, key, fingerprint, accepted(res))
			if err != nil {
				return err
			}
			err = a.deps.Store.Update(ctx, func(tx store.Tx) error { return tx.IdempotencyPut(ctx, rec) })
			if errors.Is(err, store.ErrConflict) {
				// Only a holder that outlived its reservation gets here.
				out, ferr := findReplay(ctx, a.deps.Store, liveTargetRuntimePath, id, key, fingerprint)
				if ferr != nil || out != nil {
					replayed = out
					return ferr
				}
			}
			return err
		}
	}
	res, err := svc.RunWith(ctx, req, hooks)
	if replayed != nil && (err == nil || errors.Is(err, errReplayedUnderLane)) {
		return replayed, nil
	}
	if err != nil {
		return nil, a.liveRuntimeError(ctx, err)
	}
	return &acceptedOutput{Status: http.StatusAccepted, Body: accepted(res)}, nil
}

// errReplayedUnderLane ends an apply whose Idempotency-Key was stored by
// the duplicate that held the lane before it.
var errReplayedUnderLane = errors.New("idempotency key replayed under the lane")

// failOrNil is fail for a non-nil error.
func (a *API) failOrNil(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return a.fail(ctx, err)
}

// liveRuntimeStatus maps a liveruntime refusal code to its HTTP status:
// caller and configuration problems are 4xx, a provider that fails or does
// not keep what it was given is 502, a missing capability is 5xx.
func liveRuntimeStatus(code string) int {
	switch code {
	case liveruntime.CodeTrackedTargetNotFound:
		return http.StatusNotFound
	case liveruntime.CodeProviderTargetStale, liveruntime.CodeLaneBusy:
		return http.StatusConflict
	case liveruntime.CodeProductLaneNotFound:
		return http.StatusForbidden
	case liveruntime.CodeInvalidRequest, liveruntime.CodeRuntimeEnvironmentEmpty, liveruntime.CodeRuntimeEnvironmentUnavailable,
		liveruntime.CodeRuntimeSecretValuesMissing, liveruntime.CodeRuntimeKeySafetyUnavailable, liveruntime.CodeRuntimeKeySafetyFailed:
		return http.StatusBadRequest
	case liveruntime.CodeDokployTargetReadFailed, liveruntime.CodeDokployTargetWriteFailed,
		liveruntime.CodeDokployTargetVerificationFailed, liveruntime.CodeDokployDeployFailed:
		return http.StatusBadGateway
	case liveruntime.CodeDokployCredentialsMissing:
		return http.StatusServiceUnavailable
	case liveruntime.CodeDeployUnavailable:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// liveRuntimeError answers a liveruntime refusal with its code and safe
// message; the cause (which may quote the provider) goes to the log only.
func (a *API) liveRuntimeError(ctx context.Context, err error) error {
	if errors.Is(err, crypto.ErrNoKey) || errors.Is(err, crypto.ErrDecrypt) {
		a.log.ErrorContext(ctx, "live target runtime", slog.String("trace_id", TraceID(ctx)), slog.String("error", err.Error()))
		return newError(ctx, http.StatusServiceUnavailable, CodeSecretConfigurationRequired,
			"Managed secrets could not be opened with the configured keys; nothing was changed.")
	}
	var e *liveruntime.Error
	if !errors.As(err, &e) {
		return a.fail(ctx, err)
	}
	status := liveRuntimeStatus(e.Code)
	if e.Err != nil {
		a.log.WarnContext(ctx, "live target runtime refused", slog.String("trace_id", TraceID(ctx)), slog.String("code", e.Code), slog.String("error", e.Err.Error()))
	}
	return newError(ctx, status, e.Code, e.Message)
}
