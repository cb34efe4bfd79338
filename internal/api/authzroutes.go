package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Authz policy maintenance modes (service.md §1.4): grants default to
// apply, removals to dry_run.
const (
	modeDryRun = "dry_run"
	modeApply  = "apply"
)

// authzRoute is one grant or removal route.
type authzRoute struct {
	path, operationID, summary string
	family                     string // authz.Family*
	principalType              string // the principal type the family authorizes
	removal                    bool
	defaultSource              string
}

func (rt authzRoute) field() string {
	if rt.removal {
		return "removal"
	}
	return "grant"
}

func (rt authzRoute) defaultMode() string {
	if rt.removal {
		return modeDryRun
	}
	return modeApply
}

// authzRoutes are the six policy maintenance routes. Default source labels
// are upstream's.
var authzRoutes = []authzRoute{
	{path: "/v1/authz-policies/github-actions/grants", operationID: "post-authz-github-actions-grant",
		summary: "Grant a GitHub Actions rule", family: authz.FamilyGitHubActions, principalType: authz.TypeGitHubActions,
		defaultSource: authz.DefaultGrantSource},
	{path: "/v1/authz-policies/github-actions/removals", operationID: "post-authz-github-actions-removal",
		summary: "Remove every GitHub Actions rule exactly equal to the given one", family: authz.FamilyGitHubActions,
		principalType: authz.TypeGitHubActions, removal: true, defaultSource: "service:authz-policy-removal"},
	{path: "/v1/authz-policies/github-humans/grants", operationID: "post-authz-github-humans-grant",
		summary: "Grant a GitHub human rule", family: authz.FamilyGitHubHumans, principalType: authz.TypeGitHubHuman,
		defaultSource: "service:authz-human-policy-grant"},
	{path: "/v1/authz-policies/terminal-agents/grants", operationID: "post-authz-terminal-agents-grant",
		summary: "Grant a terminal-agent rule", family: authz.FamilyTerminalAgents, principalType: authz.TypeTerminalAgent,
		defaultSource: "service:authz-terminal-agent-policy-grant"},
	{path: "/v1/authz-policies/local-operators/grants", operationID: "post-authz-local-operators-grant",
		summary: "Grant a local-operator rule", family: authz.FamilyLocalOperators, principalType: authz.TypeLocalOperator,
		defaultSource: "service:authz-local-operator-policy-grant"},
	{path: "/v1/authz-policies/local-admins/grants", operationID: "post-authz-local-admins-grant",
		summary: "Grant a local-admin rule", family: authz.FamilyLocalAdmins, principalType: authz.TypeLocalAdmin,
		defaultSource: "service:authz-local-admin-policy-grant"},
}

// authzEnvelope is {schema_version, product, mode, reason, related_issue,
// grant|removal}; exactly one of grant and removal, by route.
type authzEnvelope struct {
	SchemaVersion int             `json:"schema_version"`
	Product       string          `json:"product"`
	Mode          string          `json:"mode"`
	Reason        string          `json:"reason"`
	RelatedIssue  string          `json:"related_issue"`
	Grant         json.RawMessage `json:"grant,omitempty"`
	Removal       json.RawMessage `json:"removal,omitempty"`
}

// actionsRuleBody, humanRuleBody and agentRuleBody are the grant and
// removal objects: a rule's selectors plus the label of the record a
// change writes.
type actionsRuleBody struct {
	Repository      string   `json:"repository"`
	WorkflowRefs    []string `json:"workflow_refs"`
	JobWorkflowRefs []string `json:"job_workflow_refs"`
	EventNames      []string `json:"event_names"`
	Refs            []string `json:"refs"`
	Environments    []string `json:"environments"`
	Products        []string `json:"products"`
	Contexts        []string `json:"contexts"`
	Actions         []string `json:"actions"`
	SourceLabel     string   `json:"source_label"`
}

type humanRuleBody struct {
	Logins        []string `json:"logins"`
	Organizations []string `json:"organizations"`
	Teams         []string `json:"teams"`
	Roles         []string `json:"roles"`
	Products      []string `json:"products"`
	Contexts      []string `json:"contexts"`
	Actions       []string `json:"actions"`
	SourceLabel   string   `json:"source_label"`
}

type agentRuleBody struct {
	Subjects    []string `json:"subjects"`
	TokenLabels []string `json:"token_labels"`
	Products    []string `json:"products"`
	Contexts    []string `json:"contexts"`
	Actions     []string `json:"actions"`
	SourceLabel string   `json:"source_label"`
}

// authzRequest is a decoded, validated grant or removal request.
type authzRequest struct {
	route        authzRoute
	mode         string
	reason       string
	relatedIssue string
	sourceLabel  string
	// rule is the normalized requested rule (stored in the record's audit);
	// summary its redacted form (shown in responses).
	rule    any
	summary any
	// edit applies the grant or removal to a policy: the edited copy,
	// whether it differs, and how many rules a removal matched.
	edit func(authz.Policy) (next authz.Policy, changed bool, matched int, err error)
}

// authzPolicyResult is result of a grant or removal. It describes policy
// records by metadata and counts only: never rule patterns or the body.
type authzPolicyResult struct {
	AuthzPolicy authz.RecordSummary `json:"authz_policy"`
	Changed     bool                `json:"changed"`
	Mode        string              `json:"mode"`
	Diff        map[string]int      `json:"diff"`
	Audit       map[string]any      `json:"audit"`
}

// explainInput is the body of POST /v1/authz/explain.
type explainInput struct {
	RawBody []byte `contentType:"application/json"`
}

type explainEnvelope struct {
	SchemaVersion int             `json:"schema_version"`
	Principal     authz.Principal `json:"principal"`
	Action        string          `json:"action"`
	Product       string          `json:"product"`
	Context       string          `json:"context"`
}

type explainOutput struct {
	Body struct {
		Status         string         `json:"status"`
		TraceID        string         `json:"trace_id"`
		Decision       authz.Decision `json:"decision"`
		PolicyRecordID string         `json:"policy_record_id"`
		PolicySHA256   string         `json:"policy_sha256"`
		PolicySource   string         `json:"policy_source"`
	}
}

func (a *API) registerAuthz() {
	for _, rt := range authzRoutes {
		huma.Register(a.huma, huma.Operation{
			OperationID: rt.operationID, Method: http.MethodPost, Path: rt.path, Summary: rt.summary,
			Description: "Body: {\"schema_version\": 1, \"product\": \"launchplane\", \"mode\": \"dry_run\"|\"apply\" (default " + rt.defaultMode() +
				"), \"reason\" (required for apply, and always for local operators and admins), \"related_issue\", \"" + rt.field() +
				"\": {...}}. Authorized as authz_policy_grant.write on launchplane/launchplane. A dry run reports the diff and writes nothing; " +
				"apply writes a new active policy record, which rules from the next request on. Responses carry record metadata, " +
				"rule counts and a redacted audit, never rule patterns.",
			Tags:          []string{"authz"},
			DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
		}, func(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
			return a.postAuthzPolicy(ctx, rt, in)
		})
	}

	huma.Register(a.huma, huma.Operation{
		OperationID: "post-authz-explain", Method: http.MethodPost, Path: "/v1/authz/explain",
		Summary: "Explain an authorization decision rule by rule under the active policy (authz_policy_grant.write)",
		Description: "Body: {\"schema_version\": 1, \"principal\": {\"type\": ..., ...}, \"action\", \"product\", \"context\"}. " +
			"An administrator's tool: the decision shows, for every rule of the principal's family, each selector's patterns and whether it matched.",
		Tags:          []string{"authz"},
		DefaultStatus: http.StatusOK, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postAuthzExplain)
}

// postAuthzPolicy runs a grant or removal: authenticate (401), decode and
// validate (400), authorize (403), then a dry run reads and reports while
// apply edits the policy inside accept's transaction, with idempotency.
func (a *API) postAuthzPolicy(ctx context.Context, rt authzRoute, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	req, err := decodeAuthzRequest(ctx, rt, in.RawBody)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if req.reason == "" && ownerAgent(id) {
		return nil, newError(ctx, http.StatusBadRequest, CodeReasonRequired, "Local operator and local admin writes require a reason.")
	}
	if err := a.checkQuiet(ctx, id, authz.ActionPolicyGrantWrite, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
		return nil, err
	}
	if a.deps.Store == nil {
		return nil, newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Authz policy maintenance requires the SQL store.")
	}
	if req.mode == modeDryRun {
		// Dry runs are stateless: no transaction, no idempotency record.
		act, err := authz.ReadActive(ctx, a.deps.Store)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		records, result, err := a.editPolicy(ctx, nil, nil, id, req, act)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		body := Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: whitelist(records), Result: result}
		return &acceptedOutput{Status: http.StatusAccepted, Body: body}, nil
	}
	authority := a.policyAuthority()
	out, err := a.accept(ctx, rt.path, id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
		// Edits of the policy serialize: each reads the newest record only
		// after the previous edit committed, so concurrent grants never
		// overwrite each other.
		if err := authz.LockPolicy(ctx, tx); err != nil {
			return nil, nil, err
		}
		act, err := authz.ReadActive(ctx, tx)
		if err != nil {
			return nil, nil, err
		}
		return a.editPolicy(ctx, tx, authority, id, req, act)
	})
	// Committed (or replayed): drop the authorizer's cached policy so the
	// next request here is authorized by the new record (hot reload).
	authority.Forget()
	return out, err
}

// policyAuthority is the Authority the authorizer reads through, so that a
// write here drops the very cache the next request is authorized from.
// Without a PolicyAuthorizer (tests with another Authorizer) a fresh,
// uncached Authority over the store does the writing.
func (a *API) policyAuthority() *authz.Authority {
	switch pa := a.deps.Authz.(type) {
	case PolicyAuthorizer:
		if pa.Authority != nil {
			return pa.Authority
		}
	case *PolicyAuthorizer:
		if pa != nil && pa.Authority != nil {
			return pa.Authority
		}
	}
	return authz.NewAuthority(a.deps.Store, a.deps.Now)
}

// editPolicy applies req to the active policy. With tx nil (a dry run) it
// only reports; otherwise a change is written through authority as a new
// active record in tx.
func (a *API) editPolicy(ctx context.Context, tx store.Tx, authority *authz.Authority, id authn.Identity, req authzRequest, act authz.Active) (map[string]string, any, error) {
	next, changed, matched, err := req.edit(act.Policy)
	if err != nil {
		return nil, nil, err
	}
	var diff map[string]int
	if req.route.removal {
		diff = authz.RemovalDiff(act.Policy, next, matched)
	} else {
		diff = authz.GrantDiff(act.Policy, next)
	}
	var audit map[string]any
	rec, pol := act.Record, act.Policy
	if changed && tx != nil {
		rec, err = authority.WriteAudited(ctx, tx, next, req.sourceLabel, func(newRec record.AuthzPolicyRecord) (json.RawMessage, error) {
			audit = a.authzAudit(ctx, id, req, act.Record, newRec, changed, matched)
			return json.Marshal(audit)
		})
		if err != nil {
			return nil, nil, err
		}
		pol = next
	} else {
		audit = a.authzAudit(ctx, id, req, act.Record, act.Record, changed, matched)
		audit["updated_at"] = record.FormatTime(a.deps.Now())
	}
	records := map[string]string{"authz_policy_record_id": rec.RecordID, "authz_policy_changed": strconv.FormatBool(changed)}
	return records, authzPolicyResult{
		AuthzPolicy: authz.Summarize(rec, pol),
		Changed:     changed,
		Mode:        req.mode,
		Diff:        diff,
		Audit:       redactAudit(audit, req),
	}, nil
}

// authzAudit is the audit block stored on the new record: who asked, why,
// for what, and the record it replaced. The response shows it redacted.
func (a *API) authzAudit(ctx context.Context, id authn.Identity, req authzRequest, prev, next record.AuthzPolicyRecord, changed bool, matched int) map[string]any {
	audit := map[string]any{
		"operation":                 req.route.field(),
		"mode":                      req.mode,
		"reason":                    req.reason,
		"related_issue":             req.relatedIssue,
		"principal_type":            req.route.principalType,
		"operator":                  operatorPayload(id),
		"previous_policy_record_id": prev.RecordID,
		"previous_policy_sha256":    prev.PolicySHA256,
		"new_policy_record_id":      next.RecordID,
		"new_policy_sha256":         next.PolicySHA256,
		"changed":                   changed,
		"trace_id":                  TraceID(ctx),
		"updated_at":                next.UpdatedAt,
	}
	if req.route.removal {
		audit["requested_removal"] = req.rule
		audit["matched_rule_count"] = matched
	} else {
		audit["requested_grant"] = req.rule
	}
	return audit
}

// redactAudit is the audit a response may show: the operator reduced to
// its type and the requested rule to its summary (service.md §2.4).
func redactAudit(audit map[string]any, req authzRequest) map[string]any {
	out := make(map[string]any, len(audit))
	for k, v := range audit {
		switch k {
		case "operator":
			out[k] = map[string]string{"type": v.(map[string]string)["type"]}
		case "requested_grant":
			out["requested_grant_summary"] = req.summary
		case "requested_removal":
			out["requested_removal_summary"] = req.summary
		default:
			out[k] = v
		}
	}
	return out
}

// operatorPayload identifies the caller in a stored audit block. It never
// holds a token; responses show only its type.
func operatorPayload(id authn.Identity) map[string]string {
	out := map[string]string{"type": string(id.Type), "actor": id.Actor()}
	switch id.Type {
	case authn.TypeGitHubActions:
		for k, v := range map[string]string{
			"repository": id.Repository, "workflow_ref": id.WorkflowRef, "job_workflow_ref": id.JobWorkflowRef,
			"event_name": id.EventName, "ref": id.Ref, "sha": id.SHA, "subject": id.Subject,
		} {
			out[k] = v
		}
	case authn.TypeGitHubHuman:
		out["login"] = id.Login
	default:
		out["subject"], out["token_label"] = id.Subject, id.TokenLabel
	}
	return out
}

// ownerAgent reports whether id is a local operator or local admin, whose
// writes always need a reason (service.md §1.5, §4.5 rule 10).
func ownerAgent(id authn.Identity) bool {
	return id.Type == authn.TypeLocalOperator || id.Type == authn.TypeLocalAdmin
}

// decodeAuthzRequest strictly decodes and validates a grant or removal
// body. Errors are *record.ValidationError or a 400 *Error; messages name
// fields, never values.
func decodeAuthzRequest(ctx context.Context, rt authzRoute, raw []byte) (authzRequest, error) {
	env := authzEnvelope{SchemaVersion: 1}
	if err := decodeEnvelope(ctx, raw, &env); err != nil {
		return authzRequest{}, err
	}
	other := "removal"
	if rt.removal {
		other = "grant"
	}
	if len(rawField(env, other)) > 0 {
		return authzRequest{}, invalid(ctx, "Request payload failed validation: %s is not accepted on this route.", other)
	}
	req := authzRequest{
		route:        rt,
		mode:         strings.TrimSpace(env.Mode),
		reason:       strings.TrimSpace(env.Reason),
		relatedIssue: strings.TrimSpace(env.RelatedIssue),
	}
	if req.mode == "" {
		req.mode = rt.defaultMode()
	}
	switch {
	case env.SchemaVersion != 1:
		return authzRequest{}, invalid(ctx, "Request payload failed validation: schema_version must be 1.")
	case strings.TrimSpace(env.Product) != authz.ProductLaunchplane:
		return authzRequest{}, invalid(ctx, "Request payload failed validation: product must be launchplane.")
	case req.mode != modeDryRun && req.mode != modeApply:
		return authzRequest{}, invalid(ctx, "Request payload failed validation: mode must be dry_run or apply.")
	case len(rawField(env, rt.field())) == 0:
		return authzRequest{}, invalid(ctx, "Request payload failed validation: %s is required.", rt.field())
	}
	if req.mode == modeApply && req.reason == "" {
		return authzRequest{}, newError(ctx, http.StatusBadRequest, CodeReasonRequired, "Authz policy apply requires a reason.")
	}
	if err := req.decodeRule(ctx, rawField(env, rt.field())); err != nil {
		return authzRequest{}, err
	}
	return req, nil
}

func rawField(env authzEnvelope, field string) json.RawMessage {
	if field == "removal" {
		return env.Removal
	}
	return env.Grant
}

// decodeRule decodes the grant or removal object of req's route family and
// sets the rule, its summary, the source label and the edit.
func (req *authzRequest) decodeRule(ctx context.Context, raw json.RawMessage) error {
	rt, field := req.route, req.route.field()
	bad := func(format string, args ...any) error {
		return invalid(ctx, "Request payload failed validation: "+field+"."+format, args...)
	}
	var source string
	switch rt.family {
	case authz.FamilyGitHubActions:
		var b actionsRuleBody
		if err := record.DecodeStrict(field, raw, &b); err != nil {
			return nested(field, err)
		}
		r := authz.GitHubActionsRule{
			Repository: b.Repository, WorkflowRefs: b.WorkflowRefs, JobWorkflowRefs: b.JobWorkflowRefs,
			EventNames: b.EventNames, Refs: b.Refs, Environments: b.Environments,
			Products: b.Products, Contexts: b.Contexts, Actions: b.Actions,
		}.Normalize()
		switch {
		case r.Repository == "":
			return bad("repository is required.")
		case !rt.removal && len(r.Actions) == 0:
			return bad("actions needs at least one action.")
		}
		req.rule, req.summary, source = r, r.Summary(), b.SourceLabel
		req.edit = func(p authz.Policy) (authz.Policy, bool, int, error) {
			if rt.removal {
				next, n, err := p.RemoveGitHubActions(r)
				return next, n > 0 && err == nil, n, err
			}
			next, changed, err := p.GrantGitHubActions(r)
			return next, changed, 0, err
		}
	case authz.FamilyGitHubHumans:
		var b humanRuleBody
		if err := record.DecodeStrict(field, raw, &b); err != nil {
			return nested(field, err)
		}
		r := authz.GitHubHumanRule{
			Logins: b.Logins, Organizations: b.Organizations, Teams: b.Teams, Roles: b.Roles,
			Products: b.Products, Contexts: b.Contexts, Actions: b.Actions,
		}.Normalize()
		switch {
		case len(r.Logins)+len(r.Organizations)+len(r.Teams) == 0:
			return bad("logins, organizations or teams needs at least one entry.")
		case !rolesKnown(r.Roles):
			return bad("roles may hold only read_only and admin.")
		case len(r.Actions) == 0:
			return bad("actions needs at least one action.")
		}
		req.rule, req.summary, source = r, r.Summary(), b.SourceLabel
		req.edit = func(p authz.Policy) (authz.Policy, bool, int, error) {
			next, changed, err := p.GrantGitHubHuman(r)
			return next, changed, 0, err
		}
	default:
		var b agentRuleBody
		if err := record.DecodeStrict(field, raw, &b); err != nil {
			return nested(field, err)
		}
		r := authz.AgentRule{
			Subjects: b.Subjects, TokenLabels: b.TokenLabels,
			Products: b.Products, Contexts: b.Contexts, Actions: b.Actions,
		}.Normalize()
		switch {
		case len(r.Subjects) == 0:
			return bad("subjects needs at least one subject.")
		case len(r.TokenLabels) == 0:
			return bad("token_labels needs at least one token label.")
		case len(r.Actions) == 0:
			return bad("actions needs at least one action.")
		}
		req.rule, req.summary, source = r, r.Summary(rt.family), b.SourceLabel
		req.edit = func(p authz.Policy) (authz.Policy, bool, int, error) {
			next, changed, err := p.GrantAgent(rt.family, r)
			return next, changed, 0, err
		}
	}
	req.sourceLabel = strings.TrimSpace(source)
	if req.sourceLabel == "" {
		req.sourceLabel = rt.defaultSource
	}
	if strings.HasPrefix(req.sourceLabel, authz.BootstrapLabelPrefix) {
		// Such a record would report itself as the seeded bootstrap policy.
		return bad("source_label must not start with %s.", authz.BootstrapLabelPrefix)
	}
	return nil
}

func rolesKnown(roles []string) bool {
	for _, r := range roles {
		if r != authz.RoleReadOnly && r != authz.RoleAdmin {
			return false
		}
	}
	return true
}

// postAuthzExplain explains a decision under the active policy. It shows
// rule patterns, so it is held to the policy administrators' action.
func (a *API) postAuthzExplain(ctx context.Context, in *explainInput) (*explainOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	env, err := decodeExplainRequest(ctx, in.RawBody)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.checkQuiet(ctx, id, authz.ActionPolicyGrantWrite, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
		return nil, err
	}
	// The newest record, uncached: an administrator diagnosing a denial
	// wants the policy as stored now.
	act, err := authz.ReadActive(ctx, a.deps.Store)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	d := authz.Explain(act.Policy, env.Principal, env.Action, env.Product, env.Context)
	out := &explainOutput{}
	out.Body.Status, out.Body.TraceID, out.Body.Decision = "ok", TraceID(ctx), d
	out.Body.PolicyRecordID, out.Body.PolicySHA256, out.Body.PolicySource = act.Record.RecordID, act.Record.PolicySHA256, act.Source
	return out, nil
}

// decodeExplainRequest strictly decodes an explain body.
func decodeExplainRequest(ctx context.Context, raw []byte) (explainEnvelope, error) {
	env := explainEnvelope{SchemaVersion: 1}
	if err := decodeEnvelope(ctx, raw, &env); err != nil {
		return explainEnvelope{}, err
	}
	env.Action, env.Product, env.Context = strings.TrimSpace(env.Action), strings.TrimSpace(env.Product), strings.TrimSpace(env.Context)
	switch {
	case env.SchemaVersion != 1:
		return explainEnvelope{}, invalid(ctx, "Request payload failed validation: schema_version must be 1.")
	case env.Principal.Type == "":
		return explainEnvelope{}, invalid(ctx, "Request payload failed validation: principal.type is required.")
	case env.Action == "" || env.Product == "" || env.Context == "":
		return explainEnvelope{}, invalid(ctx, "Request payload failed validation: action, product and context are required.")
	}
	return env, nil
}
