package record

// PreviewInput is the preview part of generation evidence (upstream's
// preview mutation request). Only the keys and anchor_pr_url are required;
// the rest fills a new preview or refreshes an existing one.
type PreviewInput struct {
	SchemaVersion             int    `json:"schema_version"`
	Context                   string `json:"context"`
	AnchorRepo                string `json:"anchor_repo"`
	AnchorPRNumber            int    `json:"anchor_pr_number"`
	AnchorPRURL               string `json:"anchor_pr_url"`
	CanonicalURL              string `json:"canonical_url"`
	State                     string `json:"state"`
	CreatedAt                 string `json:"created_at"`
	UpdatedAt                 string `json:"updated_at"`
	EligibleAt                string `json:"eligible_at"`
	PausedAt                  string `json:"paused_at"`
	DestroyAfter              string `json:"destroy_after"`
	DestroyedAt               string `json:"destroyed_at"`
	DestroyReason             string `json:"destroy_reason"`
	ActiveGenerationID        string `json:"active_generation_id"`
	ServingGenerationID       string `json:"serving_generation_id"`
	LatestGenerationID        string `json:"latest_generation_id"`
	LatestManifestFingerprint string `json:"latest_manifest_fingerprint"`
}

// DecodePreviewInput strictly decodes and validates the preview part of
// generation evidence on its own (the CLI reads it from its own file).
func DecodePreviewInput(data []byte) (PreviewInput, error) { return decode[PreviewInput](data, true) }

func (*PreviewInput) kind() string { return "preview input" }

func (in *PreviewInput) setDefaults() { *in = PreviewInput{SchemaVersion: 1, State: PreviewPending} }

// Validate normalizes in in place and checks every invariant.
func (in *PreviewInput) Validate() error {
	c := newChecker("preview input")
	in.check(c, "")
	return c.err()
}

func (in *PreviewInput) check(c *checker, prefix string) {
	f := func(name string) string { return join(prefix, name) }
	c.schemaVersion(f("schema_version"), in.SchemaVersion)
	c.required(f("context"), &in.Context)
	c.required(f("anchor_repo"), &in.AnchorRepo)
	checkPRNumber(c, f("anchor_pr_number"), in.AnchorPRNumber)
	c.required(f("anchor_pr_url"), &in.AnchorPRURL)
	in.CanonicalURL = trim(in.CanonicalURL)
	c.oneOf(f("state"), in.State, previewStates...)
	c.timestamp(f("created_at"), &in.CreatedAt, false)
	c.timestamp(f("updated_at"), &in.UpdatedAt, false)
	c.timestamp(f("eligible_at"), &in.EligibleAt, false)
	c.timestamp(f("paused_at"), &in.PausedAt, false)
	c.timestamp(f("destroy_after"), &in.DestroyAfter, false)
	c.timestamp(f("destroyed_at"), &in.DestroyedAt, false)
	in.DestroyReason = trim(in.DestroyReason)
	in.ActiveGenerationID = trim(in.ActiveGenerationID)
	in.ServingGenerationID = trim(in.ServingGenerationID)
	in.LatestGenerationID = trim(in.LatestGenerationID)
	in.LatestManifestFingerprint = trim(in.LatestManifestFingerprint)
}

// PreviewGenerationInput is the generation part of generation evidence
// (upstream's generation mutation request). It names the preview by its
// keys rather than by id, and may leave sequence and generation_id for
// Launchplane to assign.
type PreviewGenerationInput struct {
	SchemaVersion               int                  `json:"schema_version"`
	Context                     string               `json:"context"`
	AnchorRepo                  string               `json:"anchor_repo"`
	AnchorPRNumber              int                  `json:"anchor_pr_number"`
	AnchorPRURL                 string               `json:"anchor_pr_url"`
	AnchorHeadSHA               string               `json:"anchor_head_sha"`
	Sequence                    *int                 `json:"sequence"`
	GenerationID                string               `json:"generation_id"`
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
	CompanionSummaries          []PullRequestSummary `json:"companion_summaries"`
	DeployStatus                Status               `json:"deploy_status"`
	VerifyStatus                Status               `json:"verify_status"`
	OverallHealthStatus         Status               `json:"overall_health_status"`
	FailureStage                string               `json:"failure_stage"`
	FailureSummary              string               `json:"failure_summary"`
	RuntimeIdentity             *RuntimeIdentity     `json:"runtime_identity"`
}

// DecodePreviewGenerationInput strictly decodes and validates the generation
// part of generation evidence on its own.
func DecodePreviewGenerationInput(data []byte) (PreviewGenerationInput, error) {
	return decode[PreviewGenerationInput](data, true)
}

func (*PreviewGenerationInput) kind() string { return "preview generation input" }

func (in *PreviewGenerationInput) setDefaults() {
	*in = PreviewGenerationInput{
		SchemaVersion:       1,
		DeployStatus:        StatusPending,
		VerifyStatus:        StatusPending,
		OverallHealthStatus: StatusPending,
	}
}

// Validate normalizes in in place and checks every invariant.
func (in *PreviewGenerationInput) Validate() error {
	c := newChecker("preview generation input")
	in.check(c, "")
	return c.err()
}

func (in *PreviewGenerationInput) check(c *checker, prefix string) {
	f := func(name string) string { return join(prefix, name) }
	c.schemaVersion(f("schema_version"), in.SchemaVersion)
	c.required(f("context"), &in.Context)
	c.required(f("anchor_repo"), &in.AnchorRepo)
	checkPRNumber(c, f("anchor_pr_number"), in.AnchorPRNumber)
	c.required(f("anchor_pr_url"), &in.AnchorPRURL)
	c.required(f("anchor_head_sha"), &in.AnchorHeadSHA)
	if in.Sequence != nil && *in.Sequence < 1 {
		c.add(f("sequence"), "must be at least 1 when set (got %d)", *in.Sequence)
	}
	in.GenerationID = trim(in.GenerationID)
	c.oneOf(f("state"), in.State, generationStates...)
	c.required(f("requested_reason"), &in.RequestedReason)
	c.timestamp(f("requested_at"), &in.RequestedAt, true)
	c.timestamp(f("started_at"), &in.StartedAt, false)
	c.timestamp(f("ready_at"), &in.ReadyAt, false)
	c.timestamp(f("finished_at"), &in.FinishedAt, false)
	c.timestamp(f("superseded_at"), &in.SupersededAt, false)
	c.timestamp(f("failed_at"), &in.FailedAt, false)
	c.timestamp(f("expires_at"), &in.ExpiresAt, false)
	c.required(f("resolved_manifest_fingerprint"), &in.ResolvedManifestFingerprint)
	in.ArtifactID = trim(in.ArtifactID)
	in.BaselineReleaseTupleID = trim(in.BaselineReleaseTupleID)
	in.SourceMap = nonNil(in.SourceMap)
	for i := range in.SourceMap {
		in.SourceMap[i].check(c, indexed(f("source_map"), i, ""))
	}
	in.CompanionSummaries = nonNil(in.CompanionSummaries)
	for i := range in.CompanionSummaries {
		in.CompanionSummaries[i].check(c, indexed(f("companion_summaries"), i, ""))
	}
	c.oneOf(f("deploy_status"), in.DeployStatus, allStatuses...)
	c.oneOf(f("verify_status"), in.VerifyStatus, allStatuses...)
	c.oneOf(f("overall_health_status"), in.OverallHealthStatus, allStatuses...)
	in.FailureStage = trim(in.FailureStage)
	if in.RuntimeIdentity != nil {
		in.RuntimeIdentity.check(c, f("runtime_identity"))
	}
}

// anchorSummary is the anchor pull request the generation was built from.
func (in *PreviewGenerationInput) anchorSummary() PullRequestSummary {
	return PullRequestSummary{Repo: in.AnchorRepo, PRNumber: in.AnchorPRNumber, HeadSHA: in.AnchorHeadSHA, PRURL: in.AnchorPRURL}
}

// PreviewGenerationEvidence is the body of POST
// /v1/evidence/previews/generations: a preview and a generation of it.
type PreviewGenerationEvidence struct {
	SchemaVersion int                    `json:"schema_version"`
	Product       string                 `json:"product"`
	Preview       PreviewInput           `json:"preview"`
	Generation    PreviewGenerationInput `json:"generation"`
}

// DecodePreviewGenerationEvidence strictly decodes and validates a
// generation-evidence body, including the agreement of its two parts.
func DecodePreviewGenerationEvidence(data []byte) (PreviewGenerationEvidence, error) {
	return decode[PreviewGenerationEvidence](data, true)
}

func (*PreviewGenerationEvidence) kind() string { return "preview generation evidence" }

func (e *PreviewGenerationEvidence) setDefaults() {
	*e = PreviewGenerationEvidence{SchemaVersion: 1}
	e.Preview.setDefaults()
	e.Generation.setDefaults()
}

// Validate normalizes e in place and checks every invariant.
func (e *PreviewGenerationEvidence) Validate() error {
	c := newChecker("preview generation evidence")
	c.schemaVersion("schema_version", e.SchemaVersion)
	c.required("product", &e.Product)
	e.Preview.check(c, "preview")
	e.Generation.check(c, "generation")
	checkAgreement(c, &e.Preview, &e.Generation)
	return c.err()
}

// CheckPreviewGenerationAgreement reports whether the two parts of
// generation evidence name the same pull request: context, anchor_repo,
// anchor_pr_number and anchor_pr_url must agree. Both parts are expected to
// be normalized (Validate) already.
func CheckPreviewGenerationAgreement(p PreviewInput, g PreviewGenerationInput) error {
	c := newChecker("preview generation evidence")
	checkAgreement(c, &p, &g)
	return c.err()
}

// checkAgreement names the generation's field when it disagrees with the
// preview's. A part that is blank there already has its own problem.
func checkAgreement(c *checker, p *PreviewInput, g *PreviewGenerationInput) {
	pairs := []struct{ name, preview, generation string }{
		{"context", p.Context, g.Context},
		{"anchor_repo", p.AnchorRepo, g.AnchorRepo},
	}
	for _, pair := range pairs {
		if pair.preview != "" && pair.generation != "" && pair.preview != pair.generation {
			c.add("generation."+pair.name, "must match preview.%s (%q, got %q)", pair.name, pair.preview, pair.generation)
		}
	}
	if p.AnchorPRNumber >= 1 && g.AnchorPRNumber >= 1 && p.AnchorPRNumber != g.AnchorPRNumber {
		c.add("generation.anchor_pr_number", "must match preview.anchor_pr_number (%d, got %d)", p.AnchorPRNumber, g.AnchorPRNumber)
	}
	if p.AnchorPRURL != "" && g.AnchorPRURL != "" && p.AnchorPRURL != g.AnchorPRURL {
		c.add("generation.anchor_pr_url", "must match preview.anchor_pr_url (%q, got %q)", p.AnchorPRURL, g.AnchorPRURL)
	}
}

// PreviewDestroyInput is the destroy part of destroyed evidence: which
// preview went away, when and why.
type PreviewDestroyInput struct {
	SchemaVersion  int    `json:"schema_version"`
	Context        string `json:"context"`
	AnchorRepo     string `json:"anchor_repo"`
	AnchorPRNumber int    `json:"anchor_pr_number"`
	DestroyedAt    string `json:"destroyed_at"`
	DestroyReason  string `json:"destroy_reason"`
}

// DecodePreviewDestroyInput strictly decodes and validates the destroy part
// of destroyed evidence on its own.
func DecodePreviewDestroyInput(data []byte) (PreviewDestroyInput, error) {
	return decode[PreviewDestroyInput](data, true)
}

func (*PreviewDestroyInput) kind() string { return "preview destroy input" }

func (in *PreviewDestroyInput) setDefaults() { *in = PreviewDestroyInput{SchemaVersion: 1} }

// Validate normalizes in in place and checks every invariant.
func (in *PreviewDestroyInput) Validate() error {
	c := newChecker("preview destroy input")
	in.check(c, "")
	return c.err()
}

func (in *PreviewDestroyInput) check(c *checker, prefix string) {
	f := func(name string) string { return join(prefix, name) }
	c.schemaVersion(f("schema_version"), in.SchemaVersion)
	c.required(f("context"), &in.Context)
	c.required(f("anchor_repo"), &in.AnchorRepo)
	checkPRNumber(c, f("anchor_pr_number"), in.AnchorPRNumber)
	c.timestamp(f("destroyed_at"), &in.DestroyedAt, true)
	c.required(f("destroy_reason"), &in.DestroyReason)
}

// PreviewDestroyedEvidence is the body of POST
// /v1/evidence/previews/destroyed.
type PreviewDestroyedEvidence struct {
	SchemaVersion int                 `json:"schema_version"`
	Product       string              `json:"product"`
	Destroy       PreviewDestroyInput `json:"destroy"`
}

// DecodePreviewDestroyedEvidence strictly decodes and validates a
// destroyed-evidence body.
func DecodePreviewDestroyedEvidence(data []byte) (PreviewDestroyedEvidence, error) {
	return decode[PreviewDestroyedEvidence](data, true)
}

func (*PreviewDestroyedEvidence) kind() string { return "preview destroyed evidence" }

func (e *PreviewDestroyedEvidence) setDefaults() {
	*e = PreviewDestroyedEvidence{SchemaVersion: 1}
	e.Destroy.setDefaults()
}

// Validate normalizes e in place and checks every invariant.
func (e *PreviewDestroyedEvidence) Validate() error {
	c := newChecker("preview destroyed evidence")
	c.schemaVersion("schema_version", e.SchemaVersion)
	c.required("product", &e.Product)
	e.Destroy.check(c, "destroy")
	return c.err()
}
