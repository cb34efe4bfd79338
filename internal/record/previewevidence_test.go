package record_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

// The seed's VeriReel handoff payloads (operations.md), verbatim.
const (
	seedPreviewInput = `{"context":"verireel-testing","anchor_repo":"verireel","anchor_pr_number":123,` +
		`"anchor_pr_url":"https://github.com/example-org/verireel/pull/123","canonical_url":"https://pr-123.preview.example.com",` +
		`"state":"active","updated_at":"2026-04-16T08:10:00Z","eligible_at":"2026-04-16T08:10:00Z"}`
	seedGenerationInput = `{"context":"verireel-testing","anchor_repo":"verireel","anchor_pr_number":123,` +
		`"anchor_pr_url":"https://github.com/example-org/verireel/pull/123",` +
		`"anchor_head_sha":"6b3c9d7e8f901234567890abcdef1234567890ab","state":"ready",` +
		`"requested_reason":"external_preview_refresh","requested_at":"2026-04-16T08:02:00Z",` +
		`"ready_at":"2026-04-16T08:10:00Z","finished_at":"2026-04-16T08:10:00Z",` +
		`"resolved_manifest_fingerprint":"verireel-preview-manifest-pr-123-6b3c9d7",` +
		`"artifact_id":"ghcr.io/example-org/verireel-app:pr-123-6b3c9d7",` +
		`"deploy_status":"pass","verify_status":"pass","overall_health_status":"pass"}`
	seedDestroyInput = `{"context":"verireel-testing","anchor_repo":"verireel","anchor_pr_number":123,` +
		`"destroyed_at":"2026-04-16T09:04:00Z","destroy_reason":"external_preview_cleanup_completed"}`

	seedGenerationEvidence = `{"product":"verireel","preview":` + seedPreviewInput + `,"generation":` + seedGenerationInput + `}`
	seedDestroyedEvidence  = `{"product":"verireel","destroy":` + seedDestroyInput + `}`
)

const (
	seedPRURL       = "https://github.com/example-org/verireel/pull/123"
	seedHeadSHA     = "6b3c9d7e8f901234567890abcdef1234567890ab"
	seedPreviewID   = "preview-verireel-testing-verireel-pr-123"
	seedFingerprint = "verireel-preview-manifest-pr-123-6b3c9d7"
)

func wantSeedPreviewInput() record.PreviewInput {
	return record.PreviewInput{
		SchemaVersion:  1,
		Context:        "verireel-testing",
		AnchorRepo:     "verireel",
		AnchorPRNumber: 123,
		AnchorPRURL:    seedPRURL,
		CanonicalURL:   "https://pr-123.preview.example.com",
		State:          record.PreviewActive,
		UpdatedAt:      "2026-04-16T08:10:00Z",
		EligibleAt:     "2026-04-16T08:10:00Z",
	}
}

func wantSeedGenerationInput() record.PreviewGenerationInput {
	return record.PreviewGenerationInput{
		SchemaVersion:               1,
		Context:                     "verireel-testing",
		AnchorRepo:                  "verireel",
		AnchorPRNumber:              123,
		AnchorPRURL:                 seedPRURL,
		AnchorHeadSHA:               seedHeadSHA,
		State:                       record.GenerationReady,
		RequestedReason:             "external_preview_refresh",
		RequestedAt:                 "2026-04-16T08:02:00Z",
		ReadyAt:                     "2026-04-16T08:10:00Z",
		FinishedAt:                  "2026-04-16T08:10:00Z",
		ResolvedManifestFingerprint: seedFingerprint,
		ArtifactID:                  "ghcr.io/example-org/verireel-app:pr-123-6b3c9d7",
		SourceMap:                   []record.PreviewSource{},
		CompanionSummaries:          []record.PullRequestSummary{},
		DeployStatus:                record.StatusPass,
		VerifyStatus:                record.StatusPass,
		OverallHealthStatus:         record.StatusPass,
	}
}

func wantSeedDestroyInput() record.PreviewDestroyInput {
	return record.PreviewDestroyInput{
		SchemaVersion:  1,
		Context:        "verireel-testing",
		AnchorRepo:     "verireel",
		AnchorPRNumber: 123,
		DestroyedAt:    "2026-04-16T09:04:00Z",
		DestroyReason:  "external_preview_cleanup_completed",
	}
}

func intPtr(n int) *int { return &n }

func TestDecodePreviewEvidenceDefaults(t *testing.T) {
	minPreviewInput := record.PreviewInput{
		SchemaVersion: 1, Context: "cm", AnchorRepo: "tenant-cm", AnchorPRNumber: 7,
		AnchorPRURL: "https://github.com/example-org/tenant-cm/pull/7", State: record.PreviewPending,
	}
	minGenerationInput := record.PreviewGenerationInput{
		SchemaVersion: 1, Context: "cm", AnchorRepo: "tenant-cm", AnchorPRNumber: 7,
		AnchorPRURL: "https://github.com/example-org/tenant-cm/pull/7", AnchorHeadSHA: "abcdef1",
		State: record.GenerationResolving, RequestedReason: "r", RequestedAt: "2026-04-16T08:02:00Z",
		ResolvedManifestFingerprint: "m", SourceMap: []record.PreviewSource{}, CompanionSummaries: []record.PullRequestSummary{},
		DeployStatus: record.StatusPending, VerifyStatus: record.StatusPending, OverallHealthStatus: record.StatusPending,
	}
	withSequence := minGenerationInput
	withSequence.Sequence = intPtr(3)
	withSequence.GenerationID = "g-3"

	const minPreviewInputBody = `{"context":"cm","anchor_repo":"tenant-cm","anchor_pr_number":7,` +
		`"anchor_pr_url":"https://github.com/example-org/tenant-cm/pull/7"}`
	const minGenerationInputBody = `{"context":"cm","anchor_repo":"tenant-cm","anchor_pr_number":7,` +
		`"anchor_pr_url":"https://github.com/example-org/tenant-cm/pull/7","anchor_head_sha":"abcdef1","state":"resolving",` +
		`"requested_reason":"r","requested_at":"2026-04-16T08:02:00Z","resolved_manifest_fingerprint":"m"}`

	tests := []struct {
		name   string
		decode func([]byte) (any, error)
		body   string
		want   any
	}{
		{"preview input/minimal", decPreviewInput, minPreviewInputBody, minPreviewInput},
		{"preview input/seed", decPreviewInput, seedPreviewInput, wantSeedPreviewInput()},
		{"generation input/minimal", decGenerationInput, minGenerationInputBody, minGenerationInput},
		{"generation input/null sequence", decGenerationInput, with(minGenerationInputBody, `"sequence":null`), minGenerationInput},
		{"generation input/sequence and id", decGenerationInput, with(minGenerationInputBody, `"sequence":3,"generation_id":" g-3 "`), withSequence},
		{"generation input/seed", decGenerationInput, seedGenerationInput, wantSeedGenerationInput()},
		{"destroy input/seed", decDestroyInput, seedDestroyInput, wantSeedDestroyInput()},
		{"generation evidence/seed", decGenerationEvidence, seedGenerationEvidence, record.PreviewGenerationEvidence{
			SchemaVersion: 1, Product: "verireel", Preview: wantSeedPreviewInput(), Generation: wantSeedGenerationInput(),
		}},
		{"generation evidence/explicit versions", decGenerationEvidence,
			`{"schema_version":1,"product":" verireel ","preview":` + with(seedPreviewInput, `"schema_version":2`) +
				`,"generation":` + seedGenerationInput + `}`,
			record.PreviewGenerationEvidence{
				SchemaVersion: 1, Product: "verireel",
				Preview:    func() record.PreviewInput { p := wantSeedPreviewInput(); p.SchemaVersion = 2; return p }(),
				Generation: wantSeedGenerationInput(),
			}},
		{"destroyed evidence/seed", decDestroyedEvidence, seedDestroyedEvidence, record.PreviewDestroyedEvidence{
			SchemaVersion: 1, Product: "verireel", Destroy: wantSeedDestroyInput(),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func decPreviewInput(b []byte) (any, error)    { return record.DecodePreviewInput(b) }
func decGenerationInput(b []byte) (any, error) { return record.DecodePreviewGenerationInput(b) }
func decDestroyInput(b []byte) (any, error)    { return record.DecodePreviewDestroyInput(b) }
func decGenerationEvidence(b []byte) (any, error) {
	return record.DecodePreviewGenerationEvidence(b)
}
func decDestroyedEvidence(b []byte) (any, error) { return record.DecodePreviewDestroyedEvidence(b) }

func TestDecodePreviewEvidenceRejects(t *testing.T) {
	evidence := func(preview, generation string) string {
		return `{"product":"verireel","preview":` + preview + `,"generation":` + generation + `}`
	}
	type result struct {
		Record string
		Fields []string
	}
	tests := []struct {
		name   string
		decode func([]byte) (any, error)
		body   string
		want   result
	}{
		{"preview input/empty", decPreviewInput, `{}`,
			result{"preview input", []string{"context", "anchor_repo", "anchor_pr_number", "anchor_pr_url"}}},
		{"preview input/unknown state", decPreviewInput, replaceField(seedPreviewInput, "state", `"active"`, `"live"`),
			result{"preview input", []string{"state"}}},
		{"preview input/bad timestamps", decPreviewInput, with(seedPreviewInput,
			`"created_at":"a","paused_at":"b","destroy_after":"c","destroyed_at":"d"`),
			result{"preview input", []string{"created_at", "paused_at", "destroy_after", "destroyed_at"}}},
		{"preview input/preview_id is not an input field", decPreviewInput, with(seedPreviewInput, `"preview_id":"p"`),
			result{"preview input", []string{"preview_id"}}},
		{"generation input/empty", decGenerationInput, `{}`,
			result{"preview generation input", []string{"context", "anchor_repo", "anchor_pr_number", "anchor_pr_url",
				"anchor_head_sha", "state", "requested_reason", "requested_at", "resolved_manifest_fingerprint"}}},
		{"generation input/sequence 0", decGenerationInput, with(seedGenerationInput, `"sequence":0`),
			result{"preview generation input", []string{"sequence"}}},
		{"generation input/anchor_summary is not an input field", decGenerationInput, with(seedGenerationInput, `"anchor_summary":{}`),
			result{"preview generation input", []string{"anchor_summary"}}},
		{"generation input/blank head sha", decGenerationInput, replaceField(seedGenerationInput, "anchor_head_sha", `"`+seedHeadSHA+`"`, `" "`),
			result{"preview generation input", []string{"anchor_head_sha"}}},
		{"generation input/bad nested parts", decGenerationInput, with(seedGenerationInput,
			`"source_map":[{"repo":"a","git_sha":"b","selection":"x"}],"companion_summaries":[{"repo":"","pr_number":1,"head_sha":"h","pr_url":"u"}],`+
				`"runtime_identity":{"context":"c"}`),
			result{"preview generation input", []string{"source_map[0].selection", "companion_summaries[0].repo",
				"runtime_identity.instance", "runtime_identity.deployment_record_id", "runtime_identity.artifact_id",
				"runtime_identity.source_git_ref"}}},
		{"destroy input/empty", decDestroyInput, `{}`,
			result{"preview destroy input", []string{"context", "anchor_repo", "anchor_pr_number", "destroyed_at", "destroy_reason"}}},
		{"destroy input/destroyed_at not a timestamp", decDestroyInput,
			replaceField(seedDestroyInput, "destroyed_at", `"2026-04-16T09:04:00Z"`, `"today"`),
			result{"preview destroy input", []string{"destroyed_at"}}},
		{"destroy input/anchor_pr_url is not a destroy field", decDestroyInput, with(seedDestroyInput, `"anchor_pr_url":"u"`),
			result{"preview destroy input", []string{"anchor_pr_url"}}},
		{"generation evidence/empty", decGenerationEvidence, `{}`,
			result{"preview generation evidence", []string{"product",
				"preview.context", "preview.anchor_repo", "preview.anchor_pr_number", "preview.anchor_pr_url",
				"generation.context", "generation.anchor_repo", "generation.anchor_pr_number", "generation.anchor_pr_url",
				"generation.anchor_head_sha", "generation.state", "generation.requested_reason", "generation.requested_at",
				"generation.resolved_manifest_fingerprint"}}},
		{"generation evidence/blank product", decGenerationEvidence, strings.Replace(seedGenerationEvidence, `"verireel"`, `" "`, 1),
			result{"preview generation evidence", []string{"product"}}},
		{"generation evidence/schema_version 0", decGenerationEvidence, with(seedGenerationEvidence, `"schema_version":0`),
			result{"preview generation evidence", []string{"schema_version"}}},
		{"generation evidence/null preview", decGenerationEvidence, `{"product":"verireel","preview":null,"generation":` + seedGenerationInput + `}`,
			result{"preview generation evidence", []string{"preview"}}},
		{"generation evidence/unknown top-level part", decGenerationEvidence, with(seedGenerationEvidence, `"destroy":{}`),
			result{"preview generation evidence", []string{"destroy"}}},
		{"generation evidence/unknown field inside a part", decGenerationEvidence, evidence(with(seedPreviewInput, `"bogus":1`), seedGenerationInput),
			result{"preview generation evidence", []string{"preview.bogus"}}},
		{"generation evidence/wrong type inside a part", decGenerationEvidence,
			evidence(seedPreviewInput, replaceField(seedGenerationInput, "anchor_pr_number", `123`, `"123"`)),
			result{"preview generation evidence", []string{"generation.anchor_pr_number"}}},
		{"generation evidence/context disagrees", decGenerationEvidence,
			evidence(seedPreviewInput, replaceField(seedGenerationInput, "context", `"verireel-testing"`, `"verireel-prod"`)),
			result{"preview generation evidence", []string{"generation.context"}}},
		{"generation evidence/anchor_repo disagrees", decGenerationEvidence,
			evidence(seedPreviewInput, replaceField(seedGenerationInput, "anchor_repo", `"verireel"`, `"verireel-app"`)),
			result{"preview generation evidence", []string{"generation.anchor_repo"}}},
		{"generation evidence/anchor_pr_number disagrees", decGenerationEvidence,
			evidence(seedPreviewInput, replaceField(seedGenerationInput, "anchor_pr_number", `123`, `124`)),
			result{"preview generation evidence", []string{"generation.anchor_pr_number"}}},
		{"generation evidence/anchor_pr_url disagrees", decGenerationEvidence,
			evidence(seedPreviewInput, replaceField(seedGenerationInput, "anchor_pr_url", `"`+seedPRURL+`"`, `"`+seedPRURL+`/"`)),
			result{"preview generation evidence", []string{"generation.anchor_pr_url"}}},
		{"generation evidence/everything disagrees", decGenerationEvidence,
			evidence(seedPreviewInput, `{"context":"a","anchor_repo":"b","anchor_pr_number":1,"anchor_pr_url":"u",`+
				`"anchor_head_sha":"h","state":"ready","requested_reason":"r","requested_at":"2026-04-16T08:02:00Z","resolved_manifest_fingerprint":"m"}`),
			result{"preview generation evidence", []string{"generation.context", "generation.anchor_repo",
				"generation.anchor_pr_number", "generation.anchor_pr_url"}}},
		{"generation evidence/a blank part is not also a disagreement", decGenerationEvidence,
			evidence(seedPreviewInput, replaceField(seedGenerationInput, "context", `"verireel-testing"`, `""`)),
			result{"preview generation evidence", []string{"generation.context"}}},
		{"destroyed evidence/empty", decDestroyedEvidence, `{}`,
			result{"preview destroyed evidence", []string{"product", "destroy.context", "destroy.anchor_repo",
				"destroy.anchor_pr_number", "destroy.destroyed_at", "destroy.destroy_reason"}}},
		{"destroyed evidence/blank reason", decDestroyedEvidence,
			`{"product":"verireel","destroy":` + replaceField(seedDestroyInput, "destroy_reason", `"external_preview_cleanup_completed"`, `"  "`) + `}`,
			result{"preview destroyed evidence", []string{"destroy.destroy_reason"}}},
		{"destroyed evidence/record instead of input", decDestroyedEvidence, `{"product":"verireel","preview":{}}`,
			result{"preview destroyed evidence", []string{"preview"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decode([]byte(tt.body))
			rec, fields := validationProblems(t, err)
			if diff := cmp.Diff(tt.want, result{rec, fields}); diff != "" {
				t.Errorf("validation error mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("decode returned a non-zero value with its error: %+v", got)
			}
		})
	}
}

func TestCheckPreviewGenerationAgreement(t *testing.T) {
	tests := []struct {
		name       string
		change     func(*record.PreviewGenerationInput)
		wantFields []string
	}{
		{"agree", func(*record.PreviewGenerationInput) {}, nil},
		{"context", func(g *record.PreviewGenerationInput) { g.Context = "other" }, []string{"generation.context"}},
		{"anchor_repo", func(g *record.PreviewGenerationInput) { g.AnchorRepo = "other" }, []string{"generation.anchor_repo"}},
		{"anchor_pr_number", func(g *record.PreviewGenerationInput) { g.AnchorPRNumber = 8 }, []string{"generation.anchor_pr_number"}},
		{"anchor_pr_url", func(g *record.PreviewGenerationInput) { g.AnchorPRURL += "#x" }, []string{"generation.anchor_pr_url"}},
		{"case matters", func(g *record.PreviewGenerationInput) { g.AnchorRepo = "Tenant-CM" }, []string{"generation.anchor_repo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recordtest.PreviewInput("cm", "tenant-cm", 7, "2026-04-16T08:10:00Z")
			g := recordtest.PreviewGenerationInput("cm", "tenant-cm", 7, record.GenerationReady, "2026-04-16T08:10:00Z")
			tt.change(&g)
			err := record.CheckPreviewGenerationAgreement(p, g)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("CheckPreviewGenerationAgreement = %v, want nil", err)
				}
				return
			}
			_, fields := validationProblems(t, err)
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
