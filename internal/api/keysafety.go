package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Runtime key-safety error codes (service.md §1.2, §8.2): product-config
// and live-target routes answer 400 with these when the check cannot run
// (no active policy) or fails.
const (
	CodeRuntimeKeySafetyUnavailable = "runtime_key_safety_unavailable"
	CodeRuntimeKeySafetyFailed      = "runtime_key_safety_failed"
)

// ActionRuntimeKeySafetyWrite authorizes policy writes on launchplane/launchplane.
const ActionRuntimeKeySafetyWrite = "runtime_key_safety.write"

const keySafetyApplyPath = "/v1/runtime-key-safety/policies/apply"

// Key-safety route modes (product-config spelling).
const (
	keySafetyModeDryRun = "dry-run"
	keySafetyModeApply  = "apply"
)

// keySafetyEnvelope is upstream's body {schema_version, product,
// source_label, rules} plus mode (default apply, as upstream always
// applies) and reason.
type keySafetyEnvelope struct {
	SchemaVersion int                              `json:"schema_version"`
	Product       string                           `json:"product"`
	Mode          string                           `json:"mode"`
	Reason        string                           `json:"reason"`
	SourceLabel   string                           `json:"source_label"`
	Rules         []record.RuntimeSecretSafetyRule `json:"rules" lp:"required"`
}

// keySafetyResult describes the policy by metadata and binding keys only.
type keySafetyResult struct {
	Mode                   string            `json:"mode"`
	Changed                bool              `json:"changed"`
	RuntimeKeySafetyPolicy keysafety.Summary `json:"runtime_key_safety_policy"`
	PreviousPolicyRecordID string            `json:"previous_policy_record_id"`
	PreviousPolicySHA256   string            `json:"previous_policy_sha256"`
	RequestedBindingKeys   []string          `json:"requested_binding_keys"`
}

func (a *API) registerKeySafety() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "post-runtime-key-safety-policy-apply", Method: http.MethodPost, Path: keySafetyApplyPath,
		Summary: "Merge rules into the runtime key-safety policy (runtime_key_safety.write)",
		Description: "Body: {\"schema_version\": 1, \"product\": \"launchplane\", \"mode\": \"dry-run\"|\"apply\" (default apply), " +
			"\"reason\" (required for local operators and admins), \"source_label\", \"rules\": [{\"binding_key\", \"secret_class\": " +
			"prod_only|testing|preview|non_prod|shared_safe, \"allowed_contexts\": [], \"allowed_instances\": [], \"description\"}]}. " +
			"Authorized as runtime_key_safety.write on launchplane/launchplane. Rules merge into the active policy by binding_key; " +
			"a dry run reports the result and writes nothing; apply writes a new active version unless the policy hash is unchanged.",
		Tags:          []string{"runtime-key-safety"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postKeySafetyPolicy)
}

func (a *API) postKeySafetyPolicy(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	env := keySafetyEnvelope{SchemaVersion: 1}
	if err := decodeEnvelope(ctx, in.RawBody, &env); err != nil {
		return nil, a.fail(ctx, err)
	}
	if env.SchemaVersion != 1 {
		return nil, invalid(ctx, "schema_version must be 1.")
	}
	if strings.TrimSpace(env.Product) != authz.ProductLaunchplane {
		return nil, invalid(ctx, "product must be launchplane.")
	}
	mode := strings.TrimSpace(env.Mode)
	if mode == "" {
		mode = keySafetyModeApply
	}
	if mode != keySafetyModeDryRun && mode != keySafetyModeApply {
		return nil, invalid(ctx, "mode must be dry-run or apply.")
	}
	if err := record.ValidateRuntimeSecretSafetyRules(env.Rules); err != nil {
		return nil, a.fail(ctx, err)
	}
	if strings.TrimSpace(env.Reason) == "" && ownerAgent(id) {
		return nil, newError(ctx, http.StatusBadRequest, CodeReasonRequired, "Local operator and local admin writes require a reason.")
	}
	if err := a.checkQuiet(ctx, id, ActionRuntimeKeySafetyWrite, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
		return nil, err
	}
	if a.deps.Store == nil {
		return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Runtime key-safety policy writes require the SQL store.")
	}
	requested := make([]string, 0, len(env.Rules))
	for _, r := range env.Rules {
		requested = append(requested, r.BindingKey)
	}
	slices.Sort(requested)
	report := func(p keysafety.Plan) (map[string]string, any) {
		res := keySafetyResult{Mode: mode, Changed: p.Changed, RuntimeKeySafetyPolicy: keysafety.Summarize(p.Next),
			PreviousPolicyRecordID: p.Previous.RecordID, RequestedBindingKeys: requested}
		if p.HasPrevious {
			res.PreviousPolicySHA256, _ = p.Previous.PolicySHA256()
		}
		records := map[string]string{}
		if mode == keySafetyModeApply {
			records["runtime_key_safety_policy_record_id"] = p.Next.RecordID
		}
		return records, res
	}
	if mode == keySafetyModeDryRun {
		// Stateless: no transaction, no idempotency record.
		p, err := keysafety.PlanApply(ctx, a.deps.Store, env.Rules, env.SourceLabel, a.deps.Now())
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		records, result := report(p)
		return &acceptedOutput{Status: http.StatusAccepted, Body: Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: whitelist(records), Result: result}}, nil
	}
	return a.accept(ctx, keySafetyApplyPath, id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
		p, err := keysafety.ApplyTx(ctx, tx, env.Rules, env.SourceLabel, a.deps.Now())
		if err != nil {
			return nil, nil, err
		}
		records, result := report(p)
		return records, result, nil
	})
}

// keySafetyError maps a key-safety check to the route error product-config
// and live-target routes return (service.md §8.2): no active policy → 400
// runtime_key_safety_unavailable; a failing result → 400
// runtime_key_safety_failed naming the finding codes. It returns nil for a
// passing result and passes other errors through fail.
func (a *API) keySafetyError(ctx context.Context, res keysafety.Result, err error) error {
	switch {
	case errors.Is(err, keysafety.ErrNoPolicy):
		return newError(ctx, http.StatusBadRequest, CodeRuntimeKeySafetyUnavailable, "No active runtime key-safety policy; secrets cannot be checked.")
	case err != nil:
		return a.fail(ctx, err)
	case res.Status == keysafety.StatusPass:
		return nil
	}
	var codes []string
	for _, f := range res.Findings {
		if !slices.Contains(codes, f.Code) {
			codes = append(codes, f.Code)
		}
	}
	slices.Sort(codes)
	return newError(ctx, http.StatusBadRequest, CodeRuntimeKeySafetyFailed,
		"Runtime key-safety check failed ("+strconv.Itoa(len(res.Findings))+" findings): "+strings.Join(codes, ", ")+".")
}
