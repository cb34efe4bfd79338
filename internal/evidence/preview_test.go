package evidence_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store"
)

func generationEvidence(state, at string) record.PreviewGenerationEvidence {
	return record.PreviewGenerationEvidence{
		SchemaVersion: 1, Product: "verireel",
		Preview:    recordtest.PreviewInput("verireel-testing", "verireel", 123, at),
		Generation: recordtest.PreviewGenerationInput("verireel-testing", "verireel", 123, state, at),
	}
}

func TestPreviewGenerationAndDestroyedEvidence(t *testing.T) {
	eachEngine(t, func(e *env) {
		var results []evidence.PreviewGenerationResult
		for _, ev := range []record.PreviewGenerationEvidence{
			generationEvidence(record.GenerationBuilding, "2026-04-16T08:00:00Z"),
			generationEvidence(record.GenerationReady, "2026-04-16T08:10:00Z"),
		} {
			var res evidence.PreviewGenerationResult
			e.must(e.store.Update(e.ctx, func(tx store.Tx) error {
				var err error
				res, err = e.svc.IngestPreviewGenerationTx(e.ctx, tx, ev, recordtest.PreviewBaseURL)
				return err
			}))
			results = append(results, res)
		}
		id := record.PreviewID("verireel-testing", "verireel", 123)
		if results[0].PreviewID != id || results[1].GenerationID == results[0].GenerationID {
			t.Fatalf("unexpected results: %+v", results)
		}
		history, err := e.svc.PreviewHistory(e.ctx, id)
		e.must(err)
		if len(history.Generations) != 2 || history.Generations[0].Sequence != 2 {
			t.Fatalf("want two generations, newest first: %+v", history.Generations)
		}
		if history.Preview.LatestGenerationID != results[1].GenerationID || history.Preview.State != results[1].State {
			t.Errorf("preview does not point at its latest generation: %+v", history.Preview)
		}

		destroy := record.PreviewDestroyedEvidence{SchemaVersion: 1, Product: "verireel", Destroy: record.PreviewDestroyInput{
			SchemaVersion: 1, Context: "verireel-testing", AnchorRepo: "verireel", AnchorPRNumber: 123,
			DestroyedAt: "2026-04-16T09:04:00Z", DestroyReason: "external_preview_cleanup_completed",
		}}
		var dres evidence.PreviewDestroyedResult
		e.must(e.store.Update(e.ctx, func(tx store.Tx) error {
			var err error
			dres, err = e.svc.IngestPreviewDestroyedTx(e.ctx, tx, destroy)
			return err
		}))
		if diff := cmp.Diff(evidence.PreviewDestroyedResult{PreviewID: id, Transition: record.TransitionDestroyed}, dres); diff != "" {
			t.Errorf("destroyed result (-want +got):\n%s", diff)
		}
		p, err := e.store.PreviewGet(e.ctx, id)
		e.must(err)
		if p.State != record.PreviewDestroyed || p.DestroyReason != "external_preview_cleanup_completed" {
			t.Errorf("preview not destroyed: %+v", p)
		}

		// Destroyed evidence never creates a preview.
		unknown := destroy
		unknown.Destroy.AnchorPRNumber = 999
		before := e.counts()
		err = e.store.Update(e.ctx, func(tx store.Tx) error {
			_, err := e.svc.IngestPreviewDestroyedTx(e.ctx, tx, unknown)
			return err
		})
		if !errors.Is(err, record.ErrInvalid) {
			t.Errorf("destroying an unknown preview: got %v, want ErrInvalid", err)
		}
		if diff := cmp.Diff(before, e.counts()); diff != "" {
			t.Errorf("refused evidence changed rows (-before +after):\n%s", diff)
		}
	})
}
