package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// evidenceEnvelope is {schema_version: 1, product, <kind>: {...}}; exactly
// one record field is set per route.
type evidenceEnvelope struct {
	SchemaVersion int             `json:"schema_version"`
	Product       string          `json:"product"`
	Deployment    json.RawMessage `json:"deployment,omitempty"`
	BackupGate    json.RawMessage `json:"backup_gate,omitempty"`
	Promotion     json.RawMessage `json:"promotion,omitempty"`
}

// evidenceRoute describes one evidence ingress route.
type evidenceRoute struct {
	path, operationID, summary, body, action string
	// ingest strictly decodes the whole request body and returns the
	// product and context to authorize against and the write to run.
	ingest func(ctx context.Context, a *API, body []byte) (product, context string, run effect, err error)
}

// inEnvelope adapts a record decoder to the {schema_version, product,
// <field>} envelope the record routes share.
func inEnvelope(field string, decode func(a *API, raw json.RawMessage) (context string, run effect, err error)) func(context.Context, *API, []byte) (string, string, effect, error) {
	return func(ctx context.Context, a *API, body []byte) (string, string, effect, error) {
		var env evidenceEnvelope
		if err := decodeEnvelope(ctx, body, &env); err != nil {
			return "", "", nil, err
		}
		raw := map[string]json.RawMessage{"deployment": env.Deployment, "backup_gate": env.BackupGate, "promotion": env.Promotion}
		for name, v := range raw {
			if name != field && len(v) > 0 {
				return "", "", nil, invalid(ctx, "Request payload failed validation: %s is not accepted on this route.", name)
			}
		}
		switch {
		case env.SchemaVersion != 1:
			return "", "", nil, invalid(ctx, "Request payload failed validation: schema_version must be 1.")
		case strings.TrimSpace(env.Product) == "":
			return "", "", nil, invalid(ctx, "Request payload failed validation: product is required.")
		case len(raw[field]) == 0:
			return "", "", nil, invalid(ctx, "Request payload failed validation: %s is required.", field)
		}
		recordContext, run, err := decode(a, raw[field])
		if err != nil {
			return "", "", nil, nested(field, err)
		}
		return strings.TrimSpace(env.Product), recordContext, run, nil
	}
}

func (a *API) registerEvidence() {
	routes := []evidenceRoute{
		{
			path: "/v1/evidence/deployments", operationID: "post-deployment-evidence", action: "deployment.write",
			summary: "Record deployment evidence and refresh the lane inventory",
			body:    `{"schema_version": 1, "product": "...", "deployment": {...}}`,
			ingest: inEnvelope("deployment", func(a *API, raw json.RawMessage) (string, effect, error) {
				d, err := record.DecodeDeployment(raw)
				if err != nil {
					return "", nil, err
				}
				return d.Context, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
					res, err := a.deps.Evidence.IngestDeploymentTx(ctx, tx, d)
					return map[string]string{"deployment_record_id": res.DeploymentRecordID, "inventory_record_id": inventoryID(res.Inventory.Action, res.InventoryRecordID)}, res, err
				}, nil
			}),
		},
		{
			path: "/v1/evidence/backup-gates", operationID: "post-backup-gate-evidence", action: "backup_gate.write",
			summary: "Record backup gate evidence",
			body:    `{"schema_version": 1, "product": "...", "backup_gate": {...}}`,
			ingest: inEnvelope("backup_gate", func(a *API, raw json.RawMessage) (string, effect, error) {
				g, err := record.DecodeBackupGate(raw)
				if err != nil {
					return "", nil, err
				}
				return g.Context, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
					return map[string]string{"backup_gate_record_id": g.RecordID}, nil, a.deps.Evidence.IngestBackupGateTx(ctx, tx, g)
				}, nil
			}),
		},
		{
			path: "/v1/evidence/promotions", operationID: "post-promotion-evidence", action: "promotion.write",
			summary: "Record promotion evidence; with deployment linkage refresh inventory and mint the release tuple",
			body:    `{"schema_version": 1, "product": "...", "promotion": {...}}`,
			ingest: inEnvelope("promotion", func(a *API, raw json.RawMessage) (string, effect, error) {
				p, err := record.DecodePromotion(raw)
				if err != nil {
					return "", nil, err
				}
				return p.Context, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
					res, err := a.deps.Evidence.IngestPromotionTx(ctx, tx, p)
					ids := map[string]string{"promotion_record_id": res.PromotionRecordID, "deployment_record_id": res.DeploymentRecordID,
						"inventory_record_id": inventoryID(res.Inventory.Action, res.InventoryRecordID)}
					if res.ReleaseTuple.Action == "minted" {
						ids["release_tuple_id"] = res.ReleaseTuple.RecordID
					}
					return ids, res, err
				}, nil
			}),
		},
		{
			path: "/v1/evidence/previews/generations", operationID: "post-preview-generation-evidence", action: "preview_generation.write",
			summary: "Record a preview generation: upsert the preview, add the generation, move the preview's state",
			body:    `{"schema_version": 1, "product": "...", "preview": {...}, "generation": {...}} (context, anchor_repo, anchor_pr_number and anchor_pr_url must agree between the parts)`,
			ingest: func(ctx context.Context, a *API, body []byte) (string, string, effect, error) {
				ev, err := record.DecodePreviewGenerationEvidence(nonEmpty(body))
				if err != nil {
					return "", "", nil, err
				}
				return ev.Product, ev.Preview.Context, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
					res, err := a.deps.Evidence.IngestPreviewGenerationTx(ctx, tx, ev, "")
					return map[string]string{"preview_id": res.PreviewID, "generation_id": res.GenerationID, "transition": res.Transition}, res, err
				}, nil
			},
		},
		{
			path: "/v1/evidence/previews/destroyed", operationID: "post-preview-destroyed-evidence", action: "preview_destroyed.write",
			summary: "Record that an existing preview was torn down (never creates one)",
			body:    `{"schema_version": 1, "product": "...", "destroy": {context, anchor_repo, anchor_pr_number, destroyed_at, destroy_reason}}`,
			ingest: func(ctx context.Context, a *API, body []byte) (string, string, effect, error) {
				ev, err := record.DecodePreviewDestroyedEvidence(nonEmpty(body))
				if err != nil {
					return "", "", nil, err
				}
				return ev.Product, ev.Destroy.Context, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
					res, err := a.deps.Evidence.IngestPreviewDestroyedTx(ctx, tx, ev)
					return map[string]string{"preview_id": res.PreviewID, "transition": res.Transition}, res, err
				}, nil
			},
		},
	}
	for _, rt := range routes {
		huma.Register(a.huma, huma.Operation{
			OperationID: rt.operationID, Method: http.MethodPost, Path: rt.path, Summary: rt.summary,
			Description:   "Body: " + rt.body + ". Authorized as " + rt.action + " on (product, record context).",
			Tags:          []string{"evidence"},
			DefaultStatus: http.StatusAccepted, SkipValidateBody: true,
			MaxBodyBytes: MaxBodyBytes,
		}, func(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
			return a.postEvidence(ctx, rt, in)
		})
	}
}

// postEvidence authenticates (401), decodes and validates the body (400),
// authorizes against the record's context (403), then writes with
// idempotency. Authentication comes first so an anonymous caller learns
// nothing about what the service would accept.
func (a *API) postEvidence(ctx context.Context, rt evidenceRoute, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	if id.Type != authn.TypeGitHubActions {
		// Evidence comes from the workflows that produced it (service.md
		// §1.5); owner-agent tokens are for the routes that allow them.
		return nil, newError(ctx, http.StatusForbidden, CodeAuthorizationDenied, "Evidence routes accept GitHub Actions identities only.")
	}
	product, recordContext, run, err := rt.ingest(ctx, a, in.RawBody)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.check(ctx, id, rt.action, product, recordContext); err != nil {
		return nil, err
	}
	return a.accept(ctx, rt.path, id, in, run)
}

// inventoryID reports the inventory id only when the write changed it.
func inventoryID(action, id string) string {
	if action == "updated" {
		return id
	}
	return ""
}
