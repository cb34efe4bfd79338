package record_test

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

func FuzzDecodePreview(f *testing.F) {
	f.Add([]byte(minPreview))
	f.Add([]byte(with(replaceField(minPreview, "state", `"pending"`, `"destroyed"`),
		`"destroyed_at":"2026-04-16T09:04:00Z","destroy_reason":"pull_request_closed","latest_generation_id":"g1"`)))
	f.Add([]byte(`{"preview_id":"preview-pr-1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodePreview)
	})
}

func FuzzDecodePreviewGeneration(f *testing.F) {
	f.Add([]byte(minGeneration))
	f.Add([]byte(with(minGeneration, `"source_map":[{"repo":"verireel","git_sha":"6b3c9d7","selection":"anchor"}],`+
		`"companion_summaries":[{"repo":"shared","pr_number":9,"head_sha":"abc","pr_url":"u"}],"runtime_identity":`+minRuntimeIdentity)))
	f.Add([]byte(`{"sequence":-1,"anchor_summary":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodePreviewGeneration)
	})
}

func FuzzDecodePreviewGenerationEvidence(f *testing.F) {
	f.Add([]byte(seedGenerationEvidence))
	f.Add([]byte(`{"product":"p","preview":{"context":"a"},"generation":{"context":"b","sequence":null}}`))
	f.Add([]byte(`{"product":"p","preview":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodePreviewGenerationEvidence)
	})
}

func FuzzDecodePreviewDestroyedEvidence(f *testing.F) {
	f.Add([]byte(seedDestroyedEvidence))
	f.Add([]byte(`{"product":"verireel","destroy":{"anchor_pr_number":0}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRoundTrip(t, data, record.DecodePreviewDestroyedEvidence)
	})
}

// FuzzApplyGenerationEvidence: for any evidence body the decoder accepts,
// the ingest either refuses with a validation error or yields valid records
// that point at each other, and replaying the same evidence onto its own
// result changes nothing.
func FuzzApplyGenerationEvidence(f *testing.F) {
	f.Add([]byte(seedGenerationEvidence))
	f.Add([]byte(`{"product":"p","preview":{"context":"C","anchor_repo":"r","anchor_pr_number":2,"anchor_pr_url":"u",` +
		`"state":"destroyed","destroyed_at":"2026-04-16T09:04:00Z"},"generation":{"context":"C","anchor_repo":"r",` +
		`"anchor_pr_number":2,"anchor_pr_url":"u","anchor_head_sha":"h","sequence":7,"state":"failed",` +
		`"requested_reason":"x","requested_at":"2026-04-16T08:00:00Z","resolved_manifest_fingerprint":"m"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := record.DecodePreviewGenerationEvidence(data)
		if err != nil {
			return
		}
		first, err := record.ApplyGenerationEvidence(nil, nil, ev.Preview, ev.Generation, "https://previews.example.test")
		if err != nil {
			var ve *record.ValidationError
			if !errors.Is(err, record.ErrInvalid) || !errors.As(err, &ve) {
				t.Fatalf("ApplyGenerationEvidence error %T (%v) is not a *record.ValidationError", err, err)
			}
			return
		}
		p, g := first.Preview, first.Generation
		if err := p.Validate(); err != nil {
			t.Fatalf("outcome preview is invalid: %v", err)
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("outcome generation is invalid: %v", err)
		}
		if p.PreviewID != g.PreviewID || p.LatestGenerationID != g.GenerationID || p.ActiveGenerationID != g.GenerationID ||
			p.LatestManifestFingerprint != g.ResolvedManifestFingerprint || first.Transition != g.State {
			t.Fatalf("outcome records do not point at each other: %+v", first)
		}
		again, err := record.ApplyGenerationEvidence(&p, []record.PreviewGeneration{g}, ev.Preview, ev.Generation, "")
		if err != nil {
			t.Fatalf("replay onto the first outcome failed: %v", err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("replay changed the outcome (-first +replay):\n%s", diff)
		}
	})
}

var nonSlugRun = regexp.MustCompile(`[^a-z0-9]+`)

// referenceSlug restates upstream's Python slug independently of idSlug:
// full-case lowering (İ becomes i + U+0307), then a regexp replace.
func referenceSlug(s string) string {
	var lowered strings.Builder
	for _, r := range s {
		if r == '\u0130' {
			lowered.WriteString("i\u0307")
			continue
		}
		lowered.WriteRune(unicode.ToLower(r))
	}
	return strings.Trim(nonSlugRun.ReplaceAllString(lowered.String(), "-"), "-")
}

func FuzzPreviewID(f *testing.F) {
	f.Add("verireel-testing", "verireel", 123)
	f.Add("CM", "Tenant_CM", 7)
	f.Add("\u212Aube", "\u0130x", 1)
	f.Add("--", "..", 0)
	f.Fuzz(func(t *testing.T, context, anchorRepo string, n int) {
		got := record.PreviewID(context, anchorRepo, n)
		want := "preview-" + referenceSlug(context+"-"+anchorRepo+"-pr-"+strconv.Itoa(n))
		if got != want {
			t.Fatalf("PreviewID(%q, %q, %d) = %q, want %q", context, anchorRepo, n, got, want)
		}
		slug := strings.TrimPrefix(got, "preview-")
		if strings.Contains(slug, "--") || strings.HasPrefix(slug, "-") || strings.HasSuffix(slug, "-") {
			t.Fatalf("PreviewID(%q, %q, %d) = %q has a stray dash", context, anchorRepo, n, got)
		}
	})
}
