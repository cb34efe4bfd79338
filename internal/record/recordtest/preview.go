package recordtest

import (
	"strconv"

	"github.com/launchplane/launchplane/internal/record"
)

// PreviewBaseURL is the preview base URL the preview builders derive from.
const PreviewBaseURL = "https://previews.example.test"

// PRURL is the GitHub URL of pull request n of anchorRepo under example-org.
func PRURL(anchorRepo string, n int) string {
	return "https://github.com/example-org/" + anchorRepo + "/pull/" + itoa(n)
}

// Preview returns a pending preview for pull request n of anchorRepo in
// context, created (and last updated) at createdAt, with no generations.
func Preview(context, anchorRepo string, n int, createdAt string) record.Preview {
	url, err := record.PreviewCanonicalURL(PreviewBaseURL, context, anchorRepo, n)
	mustValid(err)
	p := record.Preview{
		SchemaVersion:  1,
		PreviewID:      record.PreviewID(context, anchorRepo, n),
		Context:        context,
		AnchorRepo:     anchorRepo,
		AnchorPRNumber: n,
		AnchorPRURL:    PRURL(anchorRepo, n),
		PreviewLabel:   record.PreviewLabel(context, anchorRepo, n),
		CanonicalURL:   url,
		State:          record.PreviewPending,
		CreatedAt:      createdAt,
		UpdatedAt:      createdAt,
		EligibleAt:     createdAt,
	}
	mustValid(p.Validate())
	return p
}

// PreviewGeneration returns generation sequence of preview p in state,
// requested at requestedAt, with the minted generation id and an anchor-only
// source map. A ready generation is ready and finished at requestedAt with
// every status pass; a failed one failed then with deploy status fail.
func PreviewGeneration(p record.Preview, sequence int, state, requestedAt string) record.PreviewGeneration {
	g := record.PreviewGeneration{
		SchemaVersion:               1,
		GenerationID:                record.GenerationID(p.PreviewID, sequence),
		PreviewID:                   p.PreviewID,
		Sequence:                    sequence,
		State:                       state,
		RequestedReason:             "external_preview_refresh",
		RequestedAt:                 requestedAt,
		ResolvedManifestFingerprint: "manifest-" + p.PreviewID + "-" + itoa(sequence),
		ArtifactID:                  "ghcr.io/example-org/" + p.AnchorRepo + ":pr-" + itoa(p.AnchorPRNumber),
		SourceMap:                   []record.PreviewSource{{Repo: p.AnchorRepo, GitSHA: SHA, Selection: record.SourceAnchor}},
		AnchorSummary: record.PullRequestSummary{
			Repo:     p.AnchorRepo,
			PRNumber: p.AnchorPRNumber,
			HeadSHA:  SHA,
			PRURL:    p.AnchorPRURL,
		},
		CompanionSummaries:  []record.PullRequestSummary{},
		DeployStatus:        record.StatusPending,
		VerifyStatus:        record.StatusPending,
		OverallHealthStatus: record.StatusPending,
	}
	switch state {
	case record.GenerationReady:
		g.ReadyAt, g.FinishedAt = requestedAt, requestedAt
		g.DeployStatus, g.VerifyStatus, g.OverallHealthStatus = record.StatusPass, record.StatusPass, record.StatusPass
	case record.GenerationFailed:
		g.FailedAt, g.FinishedAt = requestedAt, requestedAt
		g.DeployStatus, g.VerifyStatus, g.OverallHealthStatus = record.StatusFail, record.StatusSkipped, record.StatusFail
		g.FailureStage, g.FailureSummary = "deploy", "Preview provisioning failed."
	}
	mustValid(g.Validate())
	return g
}

// PreviewInput returns the preview part of generation evidence for pull
// request n of anchorRepo in context, stamped at at, with an explicit
// canonical URL (as product drivers send it).
func PreviewInput(context, anchorRepo string, n int, at string) record.PreviewInput {
	in := record.PreviewInput{
		SchemaVersion:  1,
		Context:        context,
		AnchorRepo:     anchorRepo,
		AnchorPRNumber: n,
		AnchorPRURL:    PRURL(anchorRepo, n),
		CanonicalURL:   "https://pr-" + itoa(n) + ".preview.example.test",
		State:          record.PreviewPending,
		CreatedAt:      at,
		UpdatedAt:      at,
		EligibleAt:     at,
	}
	mustValid(in.Validate())
	return in
}

// PreviewGenerationInput returns the generation part of generation evidence
// matching PreviewInput(context, anchorRepo, n, ...), in state and requested
// at requestedAt, leaving sequence and generation_id to Launchplane.
func PreviewGenerationInput(context, anchorRepo string, n int, state, requestedAt string) record.PreviewGenerationInput {
	in := record.PreviewGenerationInput{
		SchemaVersion:               1,
		Context:                     context,
		AnchorRepo:                  anchorRepo,
		AnchorPRNumber:              n,
		AnchorPRURL:                 PRURL(anchorRepo, n),
		AnchorHeadSHA:               SHA,
		State:                       state,
		RequestedReason:             "external_preview_refresh",
		RequestedAt:                 requestedAt,
		ResolvedManifestFingerprint: "manifest-" + anchorRepo + "-pr-" + itoa(n),
		SourceMap:                   []record.PreviewSource{},
		CompanionSummaries:          []record.PullRequestSummary{},
		DeployStatus:                record.StatusPending,
		VerifyStatus:                record.StatusPending,
		OverallHealthStatus:         record.StatusPending,
	}
	mustValid(in.Validate())
	return in
}

func itoa(n int) string { return strconv.Itoa(n) }
