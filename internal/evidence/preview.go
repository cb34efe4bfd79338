package evidence

import (
	"context"

	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// PreviewGenerationResult is the outcome of preview generation evidence.
type PreviewGenerationResult struct {
	PreviewID    string `json:"preview_id"`
	GenerationID string `json:"generation_id"`
	// Transition names the preview state change the generation caused.
	Transition string `json:"transition"`
	State      string `json:"state"`
}

// IngestPreviewGenerationTx upserts the preview, stores the generation and
// moves the preview's state and generation pointers, in the caller's
// transaction. baseURL is the context's preview base URL ("" when unknown:
// the evidence must then carry canonical_url).
func (s *Service) IngestPreviewGenerationTx(ctx context.Context, tx store.Tx, ev record.PreviewGenerationEvidence, baseURL string) (PreviewGenerationResult, error) {
	id := record.PreviewID(ev.Preview.Context, ev.Preview.AnchorRepo, ev.Preview.AnchorPRNumber)
	if err := tx.Lock(ctx, "preview:"+id); err != nil {
		return PreviewGenerationResult{}, err
	}
	existing, err := optional(tx.PreviewGet(ctx, id))
	if err != nil {
		return PreviewGenerationResult{}, err
	}
	generations, err := tx.PreviewGenerationList(ctx, store.PreviewGenerationListParams{PreviewID: id})
	if err != nil {
		return PreviewGenerationResult{}, err
	}
	out, err := record.ApplyGenerationEvidence(existing, generations, ev.Preview, ev.Generation, baseURL)
	if err != nil {
		return PreviewGenerationResult{}, err
	}
	if err := tx.PreviewPut(ctx, out.Preview); err != nil {
		return PreviewGenerationResult{}, err
	}
	if err := tx.PreviewGenerationPut(ctx, out.Generation); err != nil {
		return PreviewGenerationResult{}, err
	}
	return PreviewGenerationResult{PreviewID: out.Preview.PreviewID, GenerationID: out.Generation.GenerationID, Transition: out.Transition, State: out.Preview.State}, nil
}

// PreviewDestroyedResult is the outcome of preview destroyed evidence.
type PreviewDestroyedResult struct {
	PreviewID  string `json:"preview_id"`
	Transition string `json:"transition"`
}

// IngestPreviewDestroyedTx moves an existing preview to destroyed. It never
// creates a preview: evidence about an unknown one is refused.
func (s *Service) IngestPreviewDestroyedTx(ctx context.Context, tx store.Tx, ev record.PreviewDestroyedEvidence) (PreviewDestroyedResult, error) {
	in := ev.Destroy
	id := record.PreviewID(in.Context, in.AnchorRepo, in.AnchorPRNumber)
	if err := tx.Lock(ctx, "preview:"+id); err != nil {
		return PreviewDestroyedResult{}, err
	}
	existing, err := optional(tx.PreviewGet(ctx, id))
	if err != nil {
		return PreviewDestroyedResult{}, err
	}
	p, err := record.DestroyPreview(existing, in)
	if err != nil {
		return PreviewDestroyedResult{}, err
	}
	if err := tx.PreviewPut(ctx, p); err != nil {
		return PreviewDestroyedResult{}, err
	}
	return PreviewDestroyedResult{PreviewID: p.PreviewID, Transition: record.TransitionDestroyed}, nil
}

// PreviewHistory is a preview and its generations, newest first.
type PreviewHistory struct {
	Preview     record.Preview             `json:"preview"`
	Generations []record.PreviewGeneration `json:"generations"`
}

// PreviewHistory reads a preview and every generation it has had.
func (s *Service) PreviewHistory(ctx context.Context, previewID string) (PreviewHistory, error) {
	p, err := s.store.PreviewGet(ctx, previewID)
	if err != nil {
		return PreviewHistory{}, fmt.Errorf("read preview history: %w", err)
	}
	gens, err := s.store.PreviewGenerationList(ctx, store.PreviewGenerationListParams{PreviewID: previewID})
	if err != nil {
		return PreviewHistory{}, fmt.Errorf("read preview history: %w", err)
	}
	return PreviewHistory{Preview: p, Generations: gens}, nil
}
