package record

import (
	"fmt"
	"time"
)

// Preview generation states.
const (
	GenerationResolving  = "resolving"
	GenerationBuilding   = "building"
	GenerationDeploying  = "deploying"
	GenerationVerifying  = "verifying"
	GenerationReady      = "ready"
	GenerationFailed     = "failed"
	GenerationSuperseded = "superseded"
)

var generationStates = []string{
	GenerationResolving, GenerationBuilding, GenerationDeploying, GenerationVerifying,
	GenerationReady, GenerationFailed, GenerationSuperseded,
}

// How a repository's source was chosen for a preview generation.
const (
	SourceAnchor    = "anchor"
	SourceCompanion = "companion"
	SourceBaseline  = "baseline"
)

// PreviewSource is one repository pinned to a SHA in a generation's inputs.
type PreviewSource struct {
	Repo      string `json:"repo"`
	GitSHA    string `json:"git_sha"`
	Selection string `json:"selection"`
}

func (s *PreviewSource) check(c *checker, field string) {
	c.required(field+".repo", &s.Repo)
	c.required(field+".git_sha", &s.GitSHA)
	c.oneOf(field+".selection", s.Selection, SourceAnchor, SourceCompanion, SourceBaseline)
}

// PullRequestSummary pins one pull request (anchor or companion) to its head.
type PullRequestSummary struct {
	Repo     string `json:"repo"`
	PRNumber int    `json:"pr_number"`
	HeadSHA  string `json:"head_sha"`
	PRURL    string `json:"pr_url"`
}

func (s *PullRequestSummary) check(c *checker, field string) {
	c.required(field+".repo", &s.Repo)
	checkPRNumber(c, field+".pr_number", s.PRNumber)
	c.required(field+".head_sha", &s.HeadSHA)
	c.required(field+".pr_url", &s.PRURL)
}

// PreviewGeneration is one attempt to build and serve a preview from an
// exact set of inputs. It is written once per attempt; verification rewrites
// the same generation (same id and sequence) to ready or failed.
type PreviewGeneration struct {
	SchemaVersion               int                  `json:"schema_version"`
	GenerationID                string               `json:"generation_id"`
	PreviewID                   string               `json:"preview_id"`
	Sequence                    int                  `json:"sequence"`
	State                       string               `json:"state"`
	RequestedReason             string               `json:"requested_reason"`
	RequestedAt                 string               `json:"requested_at"`
	StartedAt                   string               `json:"started_at"`
	ReadyAt                     string               `json:"ready_at"`
	FinishedAt                  string               `json:"finished_at"`
	SupersededAt                string               `json:"superseded_at"`
	FailedAt                    string               `json:"failed_at"`
	ExpiresAt                   string               `json:"expires_at"`
	ResolvedManifestFingerprint string               `json:"resolved_manifest_fingerprint"`
	ArtifactID                  string               `json:"artifact_id"`
	BaselineReleaseTupleID      string               `json:"baseline_release_tuple_id"`
	SourceMap                   []PreviewSource      `json:"source_map"`
	AnchorSummary               PullRequestSummary   `json:"anchor_summary"`
	CompanionSummaries          []PullRequestSummary `json:"companion_summaries"`
	DeployStatus                Status               `json:"deploy_status"`
	VerifyStatus                Status               `json:"verify_status"`
	OverallHealthStatus         Status               `json:"overall_health_status"`
	FailureStage                string               `json:"failure_stage"`
	FailureSummary              string               `json:"failure_summary"`
	RuntimeIdentity             *RuntimeIdentity     `json:"runtime_identity"`
}

// DecodePreviewGeneration strictly decodes and validates a preview generation.
func DecodePreviewGeneration(data []byte) (PreviewGeneration, error) {
	return decode[PreviewGeneration](data, true)
}

func (*PreviewGeneration) kind() string { return "preview generation" }

func (g *PreviewGeneration) setDefaults() {
	*g = PreviewGeneration{
		SchemaVersion:       1,
		DeployStatus:        StatusPending,
		VerifyStatus:        StatusPending,
		OverallHealthStatus: StatusPending,
	}
}

// Validate normalizes g in place and checks every invariant.
//
// The generation id is not held to GenerationID: upstream accepts a
// caller-chosen id (its Odoo driver keys generations by plan), so only the
// ids Launchplane mints follow the numbered rule.
func (g *PreviewGeneration) Validate() error {
	c := newChecker("preview generation")
	c.schemaVersion("schema_version", g.SchemaVersion)
	c.required("generation_id", &g.GenerationID)
	c.required("preview_id", &g.PreviewID)
	if g.Sequence < 1 {
		c.add("sequence", "must be at least 1 (got %d)", g.Sequence)
	}
	c.oneOf("state", g.State, generationStates...)
	c.required("requested_reason", &g.RequestedReason)
	c.timestamp("requested_at", &g.RequestedAt, true)
	g.checkTimestamps(c)
	c.required("resolved_manifest_fingerprint", &g.ResolvedManifestFingerprint)
	g.ArtifactID = trim(g.ArtifactID)
	g.BaselineReleaseTupleID = trim(g.BaselineReleaseTupleID)
	g.SourceMap = nonNil(g.SourceMap)
	for i := range g.SourceMap {
		g.SourceMap[i].check(c, indexed("source_map", i, ""))
	}
	g.AnchorSummary.check(c, "anchor_summary")
	g.CompanionSummaries = nonNil(g.CompanionSummaries)
	for i := range g.CompanionSummaries {
		g.CompanionSummaries[i].check(c, indexed("companion_summaries", i, ""))
	}
	c.oneOf("deploy_status", g.DeployStatus, allStatuses...)
	c.oneOf("verify_status", g.VerifyStatus, allStatuses...)
	c.oneOf("overall_health_status", g.OverallHealthStatus, allStatuses...)
	g.FailureStage = trim(g.FailureStage)
	if g.RuntimeIdentity != nil {
		g.RuntimeIdentity.check(c, "runtime_identity")
	}
	return c.err()
}

func (g *PreviewGeneration) checkTimestamps(c *checker) {
	c.timestamp("started_at", &g.StartedAt, false)
	c.timestamp("ready_at", &g.ReadyAt, false)
	c.timestamp("finished_at", &g.FinishedAt, false)
	c.timestamp("superseded_at", &g.SupersededAt, false)
	c.timestamp("failed_at", &g.FailedAt, false)
	c.timestamp("expires_at", &g.ExpiresAt, false)
}

// GenerationID is the id Launchplane mints for a preview's n-th generation:
// "<preview_id>-generation-<n>", n zero-padded to four digits.
func GenerationID(previewID string, sequence int) string {
	return fmt.Sprintf("%s-generation-%04d", previewID, sequence)
}

// NextGenerationSequence is one past the highest sequence among a preview's
// generations, or 1 when it has none.
func NextGenerationSequence(generations []PreviewGeneration) int {
	highest := 0
	for _, g := range generations {
		highest = max(highest, g.Sequence)
	}
	return highest + 1
}

// EvidenceTime is when the generation last produced evidence: finished,
// else ready, else requested (the preview freshness rule). ok is false when
// none of them parses.
func (g *PreviewGeneration) EvidenceTime() (t time.Time, ok bool) {
	for _, s := range []string{g.FinishedAt, g.ReadyAt, g.RequestedAt} {
		if s == "" {
			continue
		}
		if t, err := ParseTime(s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
