package record

import (
	"fmt"
	"strconv"
	"strings"
)

// Preview states: the lifecycle of one pull request's preview environment.
const (
	PreviewPending         = "pending"
	PreviewActive          = "active"
	PreviewFailed          = "failed"
	PreviewPaused          = "paused"
	PreviewTeardownPending = "teardown_pending"
	PreviewDestroyed       = "destroyed"
)

var previewStates = []string{
	PreviewPending, PreviewActive, PreviewFailed, PreviewPaused, PreviewTeardownPending, PreviewDestroyed,
}

// PreviewBaseURLKey is the runtime-environment key a preview's canonical URL
// is derived from when the evidence carries no explicit URL.
const PreviewBaseURLKey = "LAUNCHPLANE_PREVIEW_BASE_URL"

// Preview is the current state of one pull request's preview environment.
// There is one per (context, anchor repo, PR); it is updated in place and
// never deleted, so a destroyed preview stays readable.
type Preview struct {
	SchemaVersion             int    `json:"schema_version"`
	PreviewID                 string `json:"preview_id"`
	Context                   string `json:"context"`
	AnchorRepo                string `json:"anchor_repo"`
	AnchorPRNumber            int    `json:"anchor_pr_number"`
	AnchorPRURL               string `json:"anchor_pr_url"`
	PreviewLabel              string `json:"preview_label"`
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

// DecodePreview strictly decodes and validates a preview record.
func DecodePreview(data []byte) (Preview, error) { return decode[Preview](data, true) }

func (*Preview) kind() string { return "preview" }

func (p *Preview) setDefaults() { *p = Preview{SchemaVersion: 1} }

// Validate normalizes p in place and checks every invariant.
func (p *Preview) Validate() error {
	c := newChecker("preview")
	c.schemaVersion("schema_version", p.SchemaVersion)
	c.required("preview_id", &p.PreviewID)
	c.required("context", &p.Context)
	c.required("anchor_repo", &p.AnchorRepo)
	checkPRNumber(c, "anchor_pr_number", p.AnchorPRNumber)
	// The id and label are derived from the key; a record whose id does not
	// follow from it could not be found again by pull request.
	keyed := p.Context != "" && p.AnchorRepo != "" && p.AnchorPRNumber >= 1
	if want := PreviewID(p.Context, p.AnchorRepo, p.AnchorPRNumber); keyed && p.PreviewID != "" && p.PreviewID != want {
		c.add("preview_id", "must be %q for this context, anchor_repo and anchor_pr_number", want)
	}
	c.required("anchor_pr_url", &p.AnchorPRURL)
	c.required("preview_label", &p.PreviewLabel)
	if want := PreviewLabel(p.Context, p.AnchorRepo, p.AnchorPRNumber); keyed && p.PreviewLabel != "" && p.PreviewLabel != want {
		c.add("preview_label", "must be %q for this context, anchor_repo and anchor_pr_number", want)
	}
	c.required("canonical_url", &p.CanonicalURL)
	c.oneOf("state", p.State, previewStates...)
	c.timestamp("created_at", &p.CreatedAt, true)
	c.timestamp("updated_at", &p.UpdatedAt, true)
	c.timestamp("eligible_at", &p.EligibleAt, true)
	c.timestamp("paused_at", &p.PausedAt, false)
	c.timestamp("destroy_after", &p.DestroyAfter, false)
	c.timestamp("destroyed_at", &p.DestroyedAt, false)
	p.DestroyReason = trim(p.DestroyReason)
	if p.State == PreviewDestroyed {
		// The only way upstream reaches destroyed is the destroyed
		// transition, which demands both; a record without them could not
		// say when or why the environment went away.
		if p.DestroyedAt == "" {
			c.add("destroyed_at", "is required when state is destroyed")
		}
		if p.DestroyReason == "" {
			c.add("destroy_reason", "is required when state is destroyed")
		}
	}
	p.ActiveGenerationID = trim(p.ActiveGenerationID)
	p.ServingGenerationID = trim(p.ServingGenerationID)
	p.LatestGenerationID = trim(p.LatestGenerationID)
	p.LatestManifestFingerprint = trim(p.LatestManifestFingerprint)
	return c.err()
}

func checkPRNumber(c *checker, field string, n int) {
	if n < 1 {
		c.add(field, "must be at least 1 (got %d)", n)
	}
}

// PreviewID is upstream's preview id: "preview-" followed by the slug of
// "<context>-<anchor_repo>-pr-<n>". The slug is lossy (context "a-b" with
// repo "c" and context "a" with repo "b-c" share an id), as upstream's is.
func PreviewID(context, anchorRepo string, prNumber int) string {
	return "preview-" + idSlug(context+"-"+anchorRepo+"-pr-"+strconv.Itoa(prNumber))
}

// PreviewLabel is the human label of a preview: "<context>/<anchor_repo>/pr-<n>".
func PreviewLabel(context, anchorRepo string, prNumber int) string {
	return context + "/" + anchorRepo + "/pr-" + strconv.Itoa(prNumber)
}

// PreviewRoutePath is the path a preview is served under below the base URL.
func PreviewRoutePath(context, anchorRepo string, prNumber int) string {
	return "/previews/" + context + "/" + anchorRepo + "/pr-" + strconv.Itoa(prNumber)
}

// PreviewCanonicalURL derives a preview's URL from the preview base URL
// (PreviewBaseURLKey); a blank base URL is an error, never a guess.
func PreviewCanonicalURL(baseURL, context, anchorRepo string, prNumber int) (string, error) {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if base == "" {
		return "", fmt.Errorf("derive preview canonical URL: %s is not set: %w", PreviewBaseURLKey, ErrInvalid)
	}
	return base + PreviewRoutePath(context, anchorRepo, prNumber), nil
}

// idSlug is upstream's slug(): lower-case, every run of characters other
// than a-z and 0-9 becomes one "-", and leading and trailing "-" go.
//
// Python's str.lower uses full case mapping, which differs from Go's
// per-rune mapping in one way that matters here: U+0130 (İ) lowers to
// "i" plus a combining dot, so it yields "i-" rather than "i".
func idSlug(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingDash := false
	emit := func(r rune) {
		if pendingDash && b.Len() > 0 {
			b.WriteByte('-')
		}
		pendingDash = false
		b.WriteRune(r)
	}
	for _, r := range s {
		if r == '\u0130' {
			emit('i')
			pendingDash = true
			continue
		}
		r = toLowerRune(r)
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			emit(r)
			continue
		}
		pendingDash = true
	}
	return b.String()
}

// toLowerRune lowers r; only results in a-z matter to idSlug, and the only
// non-ASCII rune that lowers into that range is U+212A (Kelvin sign).
func toLowerRune(r rune) rune {
	switch {
	case 'A' <= r && r <= 'Z':
		return r + ('a' - 'A')
	case r == '\u212A':
		return 'k'
	default:
		return r
	}
}
