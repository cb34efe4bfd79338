package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/record"
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
