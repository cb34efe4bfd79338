package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

type previewHistoryOutput struct {
	Body struct {
		Status      string                     `json:"status"`
		TraceID     string                     `json:"trace_id"`
		Preview     record.Preview             `json:"preview"`
		Generations []record.PreviewGeneration `json:"generations"`
	}
}

func (a *API) registerPreviews() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "post-preview-generation-evidence", Method: http.MethodPost, Path: "/v1/evidence/previews/generations",
		Summary:       "Record a preview generation: upsert the preview, add the generation, move the preview's state",
		Description:   "Body: {\"schema_version\": 1, \"product\", \"preview\": {...}, \"generation\": {...}}; context, anchor_repo, anchor_pr_number and anchor_pr_url must agree between the parts. Authorized as preview_generation.write on (product, preview context).",
		Tags:          []string{"evidence"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
		id, err := a.authenticate(ctx, http.MethodPost)
		if err != nil {
			return nil, err
		}
		ev, err := record.DecodePreviewGenerationEvidence(nonEmpty(in.RawBody))
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "preview_generation.write", ev.Product, ev.Preview.Context); err != nil {
			return nil, err
		}
		return a.accept(ctx, "/v1/evidence/previews/generations", id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
			res, err := a.deps.Evidence.IngestPreviewGenerationTx(ctx, tx, ev, "")
			return map[string]string{"preview_id": res.PreviewID, "generation_id": res.GenerationID, "transition": res.Transition}, res, err
		})
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "post-preview-destroyed-evidence", Method: http.MethodPost, Path: "/v1/evidence/previews/destroyed",
		Summary:       "Record that an existing preview was torn down (never creates one)",
		Description:   "Body: {\"schema_version\": 1, \"product\", \"destroy\": {context, anchor_repo, anchor_pr_number, destroyed_at, destroy_reason}}. Authorized as preview_destroyed.write on (product, context).",
		Tags:          []string{"evidence"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
		id, err := a.authenticate(ctx, http.MethodPost)
		if err != nil {
			return nil, err
		}
		ev, err := record.DecodePreviewDestroyedEvidence(nonEmpty(in.RawBody))
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "preview_destroyed.write", ev.Product, ev.Destroy.Context); err != nil {
			return nil, err
		}
		return a.accept(ctx, "/v1/evidence/previews/destroyed", id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
			res, err := a.deps.Evidence.IngestPreviewDestroyedTx(ctx, tx, ev)
			return map[string]string{"preview_id": res.PreviewID, "transition": res.Transition}, res, err
		})
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-preview", Method: http.MethodGet, Path: "/v1/previews/{id}",
		Summary: "One preview record (preview.read on launchplane/<record context>)", Tags: []string{"records"},
	}, func(ctx context.Context, in *idInput) (*recordOutput[record.Preview], error) {
		id, err := a.authenticate(ctx, http.MethodGet)
		if err != nil {
			return nil, err
		}
		p, err := a.deps.Store.PreviewGet(ctx, in.ID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "preview.read", "launchplane", p.Context); err != nil {
			return nil, err
		}
		return okRecord(ctx, p), nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-preview-history", Method: http.MethodGet, Path: "/v1/previews/{id}/history",
		Summary: "A preview and its generations, newest first (preview.read)", Tags: []string{"records"},
	}, func(ctx context.Context, in *idInput) (*previewHistoryOutput, error) {
		id, err := a.authenticate(ctx, http.MethodGet)
		if err != nil {
			return nil, err
		}
		h, err := a.deps.Evidence.PreviewHistory(ctx, in.ID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		if err := a.check(ctx, id, "preview.read", "launchplane", h.Preview.Context); err != nil {
			return nil, err
		}
		out := &previewHistoryOutput{}
		out.Body.Status, out.Body.TraceID, out.Body.Preview, out.Body.Generations = "ok", TraceID(ctx), h.Preview, h.Generations
		return out, nil
	})
}

// nonEmpty turns an empty body into one the strict decoder reports clearly.
func nonEmpty(raw []byte) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	return raw
}
