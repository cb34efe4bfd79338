package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

type recordOutput[T any] struct {
	Body struct {
		Status  string `json:"status"`
		TraceID string `json:"trace_id"`
		Record  T      `json:"record"`
	}
}

func okRecord[T any](ctx context.Context, v T) *recordOutput[T] {
	out := &recordOutput[T]{}
	out.Body.Status, out.Body.TraceID, out.Body.Record = "ok", TraceID(ctx), v
	return out
}

type idInput struct {
	ID string `path:"id" doc:"Record id"`
}

type laneInput struct {
	Context  string `path:"context"`
	Instance string `path:"instance"`
}

type contextInput struct {
	Context string `path:"context"`
}

type protectedInput struct {
	Product string `query:"product" doc:"Product whose artifacts are protected (required)"`
	Context string `query:"context" doc:"The context whose protected artifacts to list (required until product profiles exist)"`
}

// RecentOperations is the body of GET /v1/contexts/{context}/operations/recent.
type RecentOperations struct {
	Status            string              `json:"status"`
	TraceID           string              `json:"trace_id"`
	StorageBackend    string              `json:"storage_backend"`
	Inventory         []record.Inventory  `json:"inventory"`
	RecentDeployments []record.Deployment `json:"recent_deployments"`
	RecentPromotions  []record.Promotion  `json:"recent_promotions"`
}

type recentOutput struct{ Body RecentOperations }

// ProtectedArtifacts is the body of GET /v1/artifacts/protected.
type ProtectedArtifacts struct {
	Status  string `json:"status"`
	TraceID string `json:"trace_id"`
	evidence.ProtectedSet
}

type protectedOutput struct{ Body ProtectedArtifacts }

// recentLimit bounds each list in the recent-operations view.
const recentLimit = 10

func (a *API) registerReads() {
	// Stored-record reads look the record up first, so a missing record is
	// a 404 before any authorization, then authorize on its own context.
	huma.Register(a.huma, huma.Operation{
		OperationID: "get-deployment", Method: http.MethodGet, Path: "/v1/deployments/{id}",
		Summary: "One deployment record (deployment.read on launchplane/<record context>)", Tags: []string{"records"},
	}, func(ctx context.Context, in *idInput) (*recordOutput[record.Deployment], error) {
		id, err := a.authenticate(ctx, http.MethodGet)
		if err != nil {
			return nil, err
		}
		d, err := a.deps.Store.DeploymentGet(ctx, in.ID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "deployment.read", "launchplane", d.Context); err != nil {
			return nil, err
		}
		return okRecord(ctx, d), nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-promotion", Method: http.MethodGet, Path: "/v1/promotions/{id}",
		Summary: "One promotion record (promotion.read on launchplane/<record context>)", Tags: []string{"records"},
	}, func(ctx context.Context, in *idInput) (*recordOutput[record.Promotion], error) {
		id, err := a.authenticate(ctx, http.MethodGet)
		if err != nil {
			return nil, err
		}
		p, err := a.deps.Store.PromotionGet(ctx, in.ID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "promotion.read", "launchplane", p.Context); err != nil {
			return nil, err
		}
		return okRecord(ctx, p), nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-inventory", Method: http.MethodGet, Path: "/v1/inventory/{context}/{instance}",
		Summary: "What runs in one lane now (inventory.read on launchplane/<context>)", Tags: []string{"records"},
	}, func(ctx context.Context, in *laneInput) (*recordOutput[record.Inventory], error) {
		id, err := a.authenticate(ctx, http.MethodGet)
		if err != nil {
			return nil, err
		}
		inv, err := a.deps.Store.InventoryGet(ctx, in.Context, in.Instance)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "inventory.read", "launchplane", inv.Context); err != nil {
			return nil, err
		}
		return okRecord(ctx, inv), nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-recent-operations", Method: http.MethodGet, Path: "/v1/contexts/{context}/operations/recent",
		Summary: "A context's inventory and its latest deployments and promotions (operations.read)", Tags: []string{"records"},
	}, func(ctx context.Context, in *contextInput) (*recentOutput, error) {
		if err := a.authorize(ctx, http.MethodGet, "operations.read", "launchplane", in.Context); err != nil {
			return nil, err
		}
		s := a.deps.Store
		out := &recentOutput{Body: RecentOperations{Status: "ok", TraceID: TraceID(ctx), StorageBackend: s.Backend()}}
		var err error
		if out.Body.Inventory, err = s.InventoryList(ctx, store.InventoryListParams{Context: in.Context}); err != nil {
			return nil, a.fail(ctx, err)
		}
		if out.Body.RecentDeployments, err = s.DeploymentList(ctx, store.DeploymentListParams{Context: in.Context, Limit: recentLimit}); err != nil {
			return nil, a.fail(ctx, err)
		}
		if out.Body.RecentPromotions, err = s.PromotionList(ctx, store.PromotionListParams{Context: in.Context, Limit: recentLimit}); err != nil {
			return nil, a.fail(ctx, err)
		}
		return out, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-protected-artifacts", Method: http.MethodGet, Path: "/v1/artifacts/protected",
		Summary:     "Artifacts registry cleanup must keep (artifact_protection.read on product/context)",
		Description: "context is required for now: whole-product sets need product profiles, which record the contexts a product owns.",
		Tags:        []string{"records"},
	}, func(ctx context.Context, in *protectedInput) (*protectedOutput, error) {
		product, scope := strings.TrimSpace(in.Product), strings.TrimSpace(in.Context)
		if product == "" {
			return nil, invalid(ctx, "Request payload failed validation: product is required.")
		}
		if scope == "" {
			// Which contexts a product owns comes from product profiles,
			// which do not exist yet; answering for "every context" would
			// show other products' artifacts. Fail closed until then.
			return nil, invalid(ctx, "Request payload failed validation: context is required until product profiles record which contexts a product owns.")
		}
		if err := a.authorize(ctx, http.MethodGet, "artifact_protection.read", product, scope); err != nil {
			return nil, err
		}
		set, err := a.deps.Evidence.ProtectedArtifacts(ctx, scope)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		set.Product = product
		return &protectedOutput{Body: ProtectedArtifacts{Status: "ok", TraceID: TraceID(ctx), ProtectedSet: set}}, nil
	})
}
