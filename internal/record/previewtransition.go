package record

import (
	"fmt"
	"slices"
)

// TransitionDestroyed names the destroyed transition in ingest results; a
// generation ingest names its transition after the generation's state.
const TransitionDestroyed = "destroyed"

// ErrPreviewMissing marks evidence about a preview Launchplane has no record
// of. It is a kind of ErrInvalid: upstream answers such a request with 400,
// and the destroyed route never creates a preview.
var ErrPreviewMissing = fmt.Errorf("no such preview: %w", ErrInvalid)

// GenerationEvidenceOutcome is what one generation-evidence ingest writes:
// the upserted and transitioned preview and the generation, plus the name of
// the transition (the generation's state).
type GenerationEvidenceOutcome struct {
	Preview    Preview
	Generation PreviewGeneration
	Transition string
}

// ApplyGenerationEvidence computes the records one generation-evidence
// ingest writes. existing is the stored preview for the input's pull
// request (nil when there is none), generations are that preview's stored
// generations, and baseURL is the context's preview base URL ("" when
// unset; needed only when a new preview has no canonical_url). It does no
// I/O; the caller writes both records in one transaction.
func ApplyGenerationEvidence(existing *Preview, generations []PreviewGeneration, preview PreviewInput, generation PreviewGenerationInput, baseURL string) (GenerationEvidenceOutcome, error) {
	if err := preview.Validate(); err != nil {
		return GenerationEvidenceOutcome{}, err
	}
	if err := generation.Validate(); err != nil {
		return GenerationEvidenceOutcome{}, err
	}
	if err := CheckPreviewGenerationAgreement(preview, generation); err != nil {
		return GenerationEvidenceOutcome{}, err
	}
	p, err := PreviewFromInput(existing, preview, baseURL)
	if err != nil {
		return GenerationEvidenceOutcome{}, err
	}
	g, err := GenerationFromInput(p, generations, generation)
	if err != nil {
		return GenerationEvidenceOutcome{}, err
	}
	p = ApplyGeneration(p, g)
	if err := p.Validate(); err != nil {
		return GenerationEvidenceOutcome{}, err
	}
	return GenerationEvidenceOutcome{Preview: p, Generation: g, Transition: g.State}, nil
}

// PreviewFromInput is the preview a generation ingest upserts before its
// transition. A new preview is built from the input: created_at falls back
// to updated_at then eligible_at, and the canonical URL to one derived from
// baseURL. An existing preview keeps its identity, state, generation
// pointers and destroyed fields; the input refreshes only anchor_pr_url and,
// when set, canonical_url, updated_at, eligible_at, paused_at and
// destroy_after. The result is not validated (a new preview may carry an
// input state only its transition makes whole); validate it before writing
// it without a transition.
func PreviewFromInput(existing *Preview, in PreviewInput, baseURL string) (Preview, error) {
	if err := in.Validate(); err != nil {
		return Preview{}, err
	}
	if existing != nil {
		return refreshPreview(*existing, in)
	}
	c := newChecker("preview")
	created := firstNonBlank(in.CreatedAt, in.UpdatedAt, in.EligibleAt)
	if created == "" {
		c.add("created_at", "is required when no preview is stored for this pull request")
	}
	canonicalURL := in.CanonicalURL
	if canonicalURL == "" {
		derived, err := PreviewCanonicalURL(baseURL, in.Context, in.AnchorRepo, in.AnchorPRNumber)
		if err != nil {
			c.add("canonical_url", "is required when no preview is stored and %s is not set", PreviewBaseURLKey)
		}
		canonicalURL = derived
	}
	if err := c.err(); err != nil {
		return Preview{}, err
	}
	p := Preview{
		SchemaVersion:             1,
		PreviewID:                 PreviewID(in.Context, in.AnchorRepo, in.AnchorPRNumber),
		Context:                   in.Context,
		AnchorRepo:                in.AnchorRepo,
		AnchorPRNumber:            in.AnchorPRNumber,
		AnchorPRURL:               in.AnchorPRURL,
		PreviewLabel:              PreviewLabel(in.Context, in.AnchorRepo, in.AnchorPRNumber),
		CanonicalURL:              canonicalURL,
		State:                     in.State,
		CreatedAt:                 created,
		UpdatedAt:                 firstNonBlank(in.UpdatedAt, created),
		EligibleAt:                firstNonBlank(in.EligibleAt, created),
		PausedAt:                  in.PausedAt,
		DestroyAfter:              in.DestroyAfter,
		DestroyedAt:               in.DestroyedAt,
		DestroyReason:             in.DestroyReason,
		ActiveGenerationID:        in.ActiveGenerationID,
		ServingGenerationID:       in.ServingGenerationID,
		LatestGenerationID:        in.LatestGenerationID,
		LatestManifestFingerprint: in.LatestManifestFingerprint,
	}
	return p, nil
}

func refreshPreview(p Preview, in PreviewInput) (Preview, error) {
	if p.Context != in.Context || p.AnchorRepo != in.AnchorRepo || p.AnchorPRNumber != in.AnchorPRNumber {
		return Preview{}, fmt.Errorf("refresh preview %s: stored preview is %s, not the input's %s: %w",
			p.PreviewID, p.PreviewLabel, PreviewLabel(in.Context, in.AnchorRepo, in.AnchorPRNumber), ErrInvalid)
	}
	p.AnchorPRURL = in.AnchorPRURL
	p.CanonicalURL = firstNonBlank(in.CanonicalURL, p.CanonicalURL)
	p.UpdatedAt = firstNonBlank(in.UpdatedAt, p.UpdatedAt)
	p.EligibleAt = firstNonBlank(in.EligibleAt, p.EligibleAt)
	p.PausedAt = firstNonBlank(in.PausedAt, p.PausedAt)
	p.DestroyAfter = firstNonBlank(in.DestroyAfter, p.DestroyAfter)
	return p, nil
}

// GenerationFromInput is the generation a generation ingest writes for
// preview. A generation already stored is reused (its id and sequence)
// when the input names its generation_id or, without one, repeats it field
// for field, so replayed evidence rewrites rather than duplicates. A new
// generation takes the input's sequence or the next one, and the input's
// generation_id or the minted GenerationID; a sequence another stored
// generation already holds is refused. The stored runtime identity is kept
// when the input carries none.
func GenerationFromInput(preview Preview, generations []PreviewGeneration, in PreviewGenerationInput) (PreviewGeneration, error) {
	if err := in.Validate(); err != nil {
		return PreviewGeneration{}, err
	}
	for _, g := range generations {
		if g.PreviewID != preview.PreviewID {
			return PreviewGeneration{}, fmt.Errorf("build preview generation: stored generation %s belongs to %s, not %s: %w",
				g.GenerationID, g.PreviewID, preview.PreviewID, ErrInvalid)
		}
	}
	var match *PreviewGeneration
	for i := range generations {
		g := &generations[i]
		var same bool
		if in.GenerationID != "" {
			same = g.GenerationID == in.GenerationID
		} else {
			same = sameGeneration(g, &in)
		}
		if same {
			match = g
			break
		}
	}
	var sequence int
	var id string
	switch {
	case match != nil:
		sequence, id = match.Sequence, match.GenerationID
	case in.Sequence != nil:
		sequence = *in.Sequence
	default:
		sequence = NextGenerationSequence(generations)
	}
	if id == "" {
		id = firstNonBlank(in.GenerationID, GenerationID(preview.PreviewID, sequence))
		// A preview's sequences are unique (the store enforces it); only a
		// caller-chosen id or sequence can collide, and then it is refused
		// rather than left to the store.
		for _, g := range generations {
			if g.Sequence == sequence && g.GenerationID != id {
				return PreviewGeneration{}, fmt.Errorf("build preview generation %s: sequence %d already belongs to %s: %w",
					id, sequence, g.GenerationID, ErrInvalid)
			}
		}
	}
	identity := copyRuntimeIdentity(in.RuntimeIdentity)
	if identity == nil && match != nil {
		identity = copyRuntimeIdentity(match.RuntimeIdentity)
	}
	g := PreviewGeneration{
		SchemaVersion:               1,
		GenerationID:                id,
		PreviewID:                   preview.PreviewID,
		Sequence:                    sequence,
		State:                       in.State,
		RequestedReason:             in.RequestedReason,
		RequestedAt:                 in.RequestedAt,
		StartedAt:                   in.StartedAt,
		ReadyAt:                     in.ReadyAt,
		FinishedAt:                  in.FinishedAt,
		SupersededAt:                in.SupersededAt,
		FailedAt:                    in.FailedAt,
		ExpiresAt:                   in.ExpiresAt,
		ResolvedManifestFingerprint: in.ResolvedManifestFingerprint,
		ArtifactID:                  in.ArtifactID,
		BaselineReleaseTupleID:      in.BaselineReleaseTupleID,
		SourceMap:                   slices.Clone(in.SourceMap),
		AnchorSummary:               in.anchorSummary(),
		CompanionSummaries:          slices.Clone(in.CompanionSummaries),
		DeployStatus:                in.DeployStatus,
		VerifyStatus:                in.VerifyStatus,
		OverallHealthStatus:         in.OverallHealthStatus,
		FailureStage:                in.FailureStage,
		FailureSummary:              in.FailureSummary,
		RuntimeIdentity:             identity,
	}
	if err := g.Validate(); err != nil {
		return PreviewGeneration{}, err
	}
	return g, nil
}

// sameGeneration reports whether in repeats stored generation g: every
// evidence field equal (runtime identity aside) and, when in names a
// sequence, the same sequence.
func sameGeneration(g *PreviewGeneration, in *PreviewGenerationInput) bool {
	if in.Sequence != nil && *in.Sequence != g.Sequence {
		return false
	}
	return g.State == in.State &&
		g.RequestedReason == in.RequestedReason &&
		g.RequestedAt == in.RequestedAt &&
		g.StartedAt == in.StartedAt &&
		g.ReadyAt == in.ReadyAt &&
		g.FinishedAt == in.FinishedAt &&
		g.SupersededAt == in.SupersededAt &&
		g.FailedAt == in.FailedAt &&
		g.ExpiresAt == in.ExpiresAt &&
		g.ResolvedManifestFingerprint == in.ResolvedManifestFingerprint &&
		g.ArtifactID == in.ArtifactID &&
		g.BaselineReleaseTupleID == in.BaselineReleaseTupleID &&
		slices.Equal(g.SourceMap, in.SourceMap) &&
		slices.Equal(g.CompanionSummaries, in.CompanionSummaries) &&
		g.DeployStatus == in.DeployStatus &&
		g.VerifyStatus == in.VerifyStatus &&
		g.OverallHealthStatus == in.OverallHealthStatus &&
		g.FailureStage == in.FailureStage &&
		g.FailureSummary == in.FailureSummary &&
		g.AnchorSummary == in.anchorSummary()
}

func copyRuntimeIdentity(r *RuntimeIdentity) *RuntimeIdentity {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// ApplyGeneration moves preview p to reflect generation g:
//   - ready: active; g becomes the active, serving and latest generation;
//     updated_at is ready_at, else finished_at, else requested_at.
//   - failed: failed; g becomes active and latest, but serving is kept so
//     an older generation keeps serving; updated_at is failed_at, else
//     finished_at, else requested_at. Destroyed fields are left alone.
//   - any other state (requested): active when a generation is serving,
//     else pending; g becomes active and latest; updated_at is requested_at.
//
// ready and requested clear destroyed_at and destroy_reason (a reopened
// pull request brings a destroyed preview back). Every transition records
// g's manifest fingerprint as the latest.
func ApplyGeneration(p Preview, g PreviewGeneration) Preview {
	switch g.State {
	case GenerationReady:
		p.State = PreviewActive
		p.UpdatedAt = firstNonBlank(g.ReadyAt, g.FinishedAt, g.RequestedAt)
		p.DestroyedAt, p.DestroyReason = "", ""
		p.ServingGenerationID = g.GenerationID
	case GenerationFailed:
		p.State = PreviewFailed
		p.UpdatedAt = firstNonBlank(g.FailedAt, g.FinishedAt, g.RequestedAt)
	default:
		p.State = PreviewPending
		if p.ServingGenerationID != "" {
			p.State = PreviewActive
		}
		p.UpdatedAt = g.RequestedAt
		p.DestroyedAt, p.DestroyReason = "", ""
	}
	p.ActiveGenerationID = g.GenerationID
	p.LatestGenerationID = g.GenerationID
	p.LatestManifestFingerprint = g.ResolvedManifestFingerprint
	return p
}

// DestroyPreview applies destroyed evidence to the stored preview for its
// pull request. A missing preview is an error wrapping ErrPreviewMissing:
// the destroyed route never creates one. An already destroyed preview is
// destroyed again, taking the new time and reason, as upstream does.
func DestroyPreview(existing *Preview, in PreviewDestroyInput) (Preview, error) {
	if err := in.Validate(); err != nil {
		return Preview{}, err
	}
	label := PreviewLabel(in.Context, in.AnchorRepo, in.AnchorPRNumber)
	if existing == nil {
		return Preview{}, fmt.Errorf("destroy preview %s: %w", label, ErrPreviewMissing)
	}
	if existing.Context != in.Context || existing.AnchorRepo != in.AnchorRepo || existing.AnchorPRNumber != in.AnchorPRNumber {
		return Preview{}, fmt.Errorf("destroy preview %s: stored preview is %s: %w", label, existing.PreviewLabel, ErrInvalid)
	}
	return ApplyPreviewDestroyed(*existing, in.DestroyedAt, in.DestroyReason)
}

// ApplyPreviewDestroyed moves p to destroyed at destroyedAt for reason:
// active and serving are cleared, latest is kept as history. Call it only
// after the provider teardown has succeeded.
func ApplyPreviewDestroyed(p Preview, destroyedAt, reason string) (Preview, error) {
	destroyedAt, reason = trim(destroyedAt), trim(reason)
	c := newChecker("preview")
	c.timestamp("destroyed_at", &destroyedAt, true)
	c.required("destroy_reason", &reason)
	if err := c.err(); err != nil {
		return Preview{}, err
	}
	p.State = PreviewDestroyed
	p.UpdatedAt = destroyedAt
	p.DestroyedAt = destroyedAt
	p.DestroyReason = reason
	p.ActiveGenerationID = ""
	p.ServingGenerationID = ""
	if err := p.Validate(); err != nil {
		return Preview{}, err
	}
	return p, nil
}

func firstNonBlank(values ...string) string {
	for _, v := range values {
		if v = trim(v); v != "" {
			return v
		}
	}
	return ""
}
