package record_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

const (
	minAnchorSummary = `"anchor_summary":{"repo":"verireel","pr_number":123,` +
		`"head_sha":"6b3c9d7e8f901234567890abcdef1234567890ab","pr_url":"https://github.com/example-org/verireel/pull/123"}`
	// minGeneration holds only the fields upstream's generation record requires.
	minGeneration = `{"generation_id":"preview-verireel-testing-verireel-pr-123-generation-0001",` +
		`"preview_id":"preview-verireel-testing-verireel-pr-123","sequence":1,"state":"verifying",` +
		`"requested_reason":"external_preview_refresh","requested_at":"2026-04-16T08:02:00Z",` +
		`"resolved_manifest_fingerprint":"verireel-preview-manifest-pr-123-6b3c9d7",` + minAnchorSummary + `}`
	minRuntimeIdentity = `{"context":"verireel-testing","instance":"pr-123","deployment_record_id":"deployment-1",` +
		`"artifact_id":"artifact-1","source_git_ref":"6b3c9d7"}`
)

func wantMinGeneration() record.PreviewGeneration {
	return record.PreviewGeneration{
		SchemaVersion:               1,
		GenerationID:                "preview-verireel-testing-verireel-pr-123-generation-0001",
		PreviewID:                   "preview-verireel-testing-verireel-pr-123",
		Sequence:                    1,
		State:                       record.GenerationVerifying,
		RequestedReason:             "external_preview_refresh",
		RequestedAt:                 "2026-04-16T08:02:00Z",
		ResolvedManifestFingerprint: "verireel-preview-manifest-pr-123-6b3c9d7",
		SourceMap:                   []record.PreviewSource{},
		AnchorSummary: record.PullRequestSummary{
			Repo:     "verireel",
			PRNumber: 123,
			HeadSHA:  "6b3c9d7e8f901234567890abcdef1234567890ab",
			PRURL:    "https://github.com/example-org/verireel/pull/123",
		},
		CompanionSummaries:  []record.PullRequestSummary{},
		DeployStatus:        record.StatusPending,
		VerifyStatus:        record.StatusPending,
		OverallHealthStatus: record.StatusPending,
	}
}

func decGeneration(b []byte) (any, error) { return record.DecodePreviewGeneration(b) }

func TestDecodePreviewGeneration(t *testing.T) {
	full := wantMinGeneration()
	full.State = record.GenerationFailed
	full.StartedAt = "2026-04-16T08:02:30Z"
	full.FinishedAt = "2026-04-16T08:10:00Z"
	full.FailedAt = "2026-04-16T08:10:00Z"
	full.ExpiresAt = "2026-04-23T08:10:00Z"
	full.ArtifactID = "ghcr.io/example-org/verireel-app:pr-123-6b3c9d7"
	full.BaselineReleaseTupleID = "verireel-testing-testing-artifact-1"
	full.SourceMap = []record.PreviewSource{
		{Repo: "verireel", GitSHA: "6b3c9d7", Selection: record.SourceAnchor},
		{Repo: "shared", GitSHA: "abcdef0", Selection: record.SourceCompanion},
		{Repo: "tenant", GitSHA: "1234567", Selection: record.SourceBaseline},
	}
	full.CompanionSummaries = []record.PullRequestSummary{{Repo: "shared", PRNumber: 9, HeadSHA: "abcdef0", PRURL: "https://github.com/example-org/shared/pull/9"}}
	full.DeployStatus, full.VerifyStatus, full.OverallHealthStatus = record.StatusFail, record.StatusSkipped, record.StatusFail
	full.FailureStage = "provision"
	full.FailureSummary = " Preview provisioning failed. "

	withIdentity := wantMinGeneration()
	withIdentity.RuntimeIdentity = &record.RuntimeIdentity{
		SchemaVersion:      1,
		Context:            "verireel-testing",
		Instance:           "pr-123",
		EnvironmentKind:    "stable",
		DeploymentRecordID: "deployment-1",
		ArtifactID:         "artifact-1",
		SourceGitRef:       "6b3c9d7",
	}
	explicitIdentity := wantMinGeneration()
	explicitIdentity.RuntimeIdentity = &record.RuntimeIdentity{
		SchemaVersion: 2, Product: "verireel", Context: "verireel-testing", Instance: "pr-123",
		EnvironmentKind: "preview", DeploymentRecordID: "deployment-1", ArtifactID: "artifact-1",
		SourceGitRef: "6b3c9d7", ImageReference: "ghcr.io/x@sha256:abc", ReleaseTupleID: "t1",
		PreviewID:           "preview-verireel-testing-verireel-pr-123",
		PreviewGenerationID: "preview-verireel-testing-verireel-pr-123-generation-0001",
		DeployedAt:          "2026-04-16T08:10:00Z",
	}
	nonMintedID := wantMinGeneration()
	nonMintedID.GenerationID = "preview-verireel-testing-verireel-pr-123-odoo-0123456789abcdef0123"

	tests := []struct {
		name string
		body string
		want record.PreviewGeneration
	}{
		{"minimal", minGeneration, wantMinGeneration()},
		{"null runtime_identity", with(minGeneration, `"runtime_identity":null`), wantMinGeneration()},
		{"runtime_identity defaults", with(minGeneration, `"runtime_identity":`+minRuntimeIdentity), withIdentity},
		{"runtime_identity explicit", with(minGeneration, `"runtime_identity":{"schema_version":2,"product":"verireel",`+
			`"context":"verireel-testing","instance":"pr-123","environment_kind":" preview ","deployment_record_id":"deployment-1",`+
			`"artifact_id":"artifact-1","source_git_ref":"6b3c9d7","image_reference":"ghcr.io/x@sha256:abc","release_tuple_id":"t1",`+
			`"preview_id":"preview-verireel-testing-verireel-pr-123",`+
			`"preview_generation_id":"preview-verireel-testing-verireel-pr-123-generation-0001","deployed_at":"2026-04-16T08:10:00Z"}`),
			explicitIdentity},
		{"generation id not minted by the numbered rule", replaceField(minGeneration, "generation_id",
			`"preview-verireel-testing-verireel-pr-123-generation-0001"`,
			`"preview-verireel-testing-verireel-pr-123-odoo-0123456789abcdef0123"`), nonMintedID},
		{"every optional field", replaceField(with(minGeneration,
			`"started_at":"2026-04-16T08:02:30Z","finished_at":" 2026-04-16T08:10:00Z","failed_at":"2026-04-16T08:10:00Z",`+
				`"expires_at":"2026-04-23T08:10:00Z","artifact_id":" ghcr.io/example-org/verireel-app:pr-123-6b3c9d7 ",`+
				`"baseline_release_tuple_id":"verireel-testing-testing-artifact-1",`+
				`"source_map":[{"repo":"verireel","git_sha":"6b3c9d7","selection":"anchor"},`+
				`{"repo":" shared","git_sha":"abcdef0 ","selection":"companion"},{"repo":"tenant","git_sha":"1234567","selection":"baseline"}],`+
				`"companion_summaries":[{"repo":"shared","pr_number":9,"head_sha":"abcdef0","pr_url":"https://github.com/example-org/shared/pull/9"}],`+
				`"deploy_status":"fail","verify_status":"skipped","overall_health_status":"fail",`+
				`"failure_stage":" provision ","failure_summary":" Preview provisioning failed. "`),
			"state", `"verifying"`, `"failed"`), full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.DecodePreviewGeneration([]byte(tt.body))
			if err != nil {
				t.Fatalf("DecodePreviewGeneration: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded generation mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodePreviewGenerationRejects(t *testing.T) {
	identityWith := func(extra string) string {
		return with(minGeneration, `"runtime_identity":`+with(minRuntimeIdentity, extra))
	}
	tests := []struct {
		name       string
		body       string
		wantFields []string
	}{
		{"empty object", `{}`, []string{"generation_id", "preview_id", "sequence", "state", "requested_reason",
			"requested_at", "resolved_manifest_fingerprint", "anchor_summary.repo", "anchor_summary.pr_number",
			"anchor_summary.head_sha", "anchor_summary.pr_url"}},
		{"unknown field", with(minGeneration, `"anchor_head_sha":"x"`), []string{"anchor_head_sha"}},
		{"unknown field in anchor_summary", strings.Replace(minGeneration, `"pr_number":123,`, `"pr_number":123,"title":"x",`, 1),
			[]string{"anchor_summary.title"}},
		{"null anchor_summary", strings.Replace(minGeneration, minAnchorSummary, `"anchor_summary":null`, 1), []string{"anchor_summary"}},
		{"null source_map", with(minGeneration, `"source_map":null`), []string{"source_map"}},
		{"schema_version 0", with(minGeneration, `"schema_version":0`), []string{"schema_version"}},
		{"blank generation_id", replaceField(minGeneration, "generation_id", `"preview-verireel-testing-verireel-pr-123-generation-0001"`, `" "`), []string{"generation_id"}},
		{"blank preview_id", replaceField(minGeneration, "preview_id", `"preview-verireel-testing-verireel-pr-123"`, `""`), []string{"preview_id"}},
		{"sequence 0", replaceField(minGeneration, "sequence", `1`, `0`), []string{"sequence"}},
		{"sequence a string", replaceField(minGeneration, "sequence", `1`, `"1"`), []string{"sequence"}},
		{"unknown state", replaceField(minGeneration, "state", `"verifying"`, `"active"`), []string{"state"}},
		{"blank requested_reason", replaceField(minGeneration, "requested_reason", `"external_preview_refresh"`, `"\n"`), []string{"requested_reason"}},
		{"requested_at not a timestamp", replaceField(minGeneration, "requested_at", `"2026-04-16T08:02:00Z"`, `"now"`), []string{"requested_at"}},
		{"bad optional timestamps", with(minGeneration, `"started_at":"a","ready_at":"b","finished_at":"c",`+
			`"superseded_at":"d","failed_at":"e","expires_at":"f"`),
			[]string{"started_at", "ready_at", "finished_at", "superseded_at", "failed_at", "expires_at"}},
		{"blank fingerprint", replaceField(minGeneration, "resolved_manifest_fingerprint", `"verireel-preview-manifest-pr-123-6b3c9d7"`, `" "`),
			[]string{"resolved_manifest_fingerprint"}},
		{"source without repo or sha", with(minGeneration, `"source_map":[{"repo":"a","git_sha":"b","selection":"anchor"},{"repo":" ","git_sha":"","selection":"anchor"}]`),
			[]string{"source_map[1].repo", "source_map[1].git_sha"}},
		{"unknown source selection", with(minGeneration, `"source_map":[{"repo":"a","git_sha":"b","selection":"pinned"}]`),
			[]string{"source_map[0].selection"}},
		{"missing source selection", with(minGeneration, `"source_map":[{"repo":"a","git_sha":"b"}]`), []string{"source_map[0].selection"}},
		{"blank anchor summary", strings.Replace(minGeneration, minAnchorSummary,
			`"anchor_summary":{"repo":"","pr_number":0,"head_sha":" ","pr_url":""}`, 1),
			[]string{"anchor_summary.repo", "anchor_summary.pr_number", "anchor_summary.head_sha", "anchor_summary.pr_url"}},
		{"bad companion summary", with(minGeneration, `"companion_summaries":[{"repo":"shared","pr_number":-1,"head_sha":"abc","pr_url":"u"}]`),
			[]string{"companion_summaries[0].pr_number"}},
		{"unknown statuses", with(minGeneration, `"deploy_status":"ok","verify_status":"","overall_health_status":"PASS"`),
			[]string{"deploy_status", "verify_status", "overall_health_status"}},
		{"runtime identity missing its required fields", with(minGeneration, `"runtime_identity":{}`),
			[]string{"runtime_identity.context", "runtime_identity.instance", "runtime_identity.deployment_record_id",
				"runtime_identity.artifact_id", "runtime_identity.source_git_ref"}},
		{"runtime identity unknown field", identityWith(`"region":"x"`), []string{"runtime_identity.region"}},
		{"runtime identity schema_version 0", identityWith(`"schema_version":0`), []string{"runtime_identity.schema_version"}},
		{"runtime identity deployed_at not a timestamp", identityWith(`"deployed_at":"later"`), []string{"runtime_identity.deployed_at"}},
		{"runtime identity null field", identityWith(`"product":null`), []string{"runtime_identity.product"}},
		{"runtime identity field of the wrong type", with(minGeneration, `"runtime_identity":{"context":5}`), []string{"runtime_identity.context"}},
		{"runtime identity an array", with(minGeneration, `"runtime_identity":[]`), []string{"runtime_identity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.DecodePreviewGeneration([]byte(tt.body))
			rec, fields := validationProblems(t, err)
			if rec != "preview generation" {
				t.Errorf("record = %q, want preview generation", rec)
			}
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("DecodePreviewGeneration returned a non-zero record with its error: %+v", got)
			}
		})
	}
}

func TestGenerationID(t *testing.T) {
	tests := []struct {
		sequence int
		want     string
	}{
		{1, "preview-cm-tenant-cm-pr-7-generation-0001"},
		{42, "preview-cm-tenant-cm-pr-7-generation-0042"},
		{9999, "preview-cm-tenant-cm-pr-7-generation-9999"},
		{12345, "preview-cm-tenant-cm-pr-7-generation-12345"},
	}
	for _, tt := range tests {
		if got := record.GenerationID("preview-cm-tenant-cm-pr-7", tt.sequence); got != tt.want {
			t.Errorf("GenerationID(%d) = %q, want %q", tt.sequence, got, tt.want)
		}
	}
}

func TestNextGenerationSequence(t *testing.T) {
	p := recordtest.Preview("cm", "tenant-cm", 7, "2026-04-16T08:10:00Z")
	gen := func(seq int) record.PreviewGeneration {
		return recordtest.PreviewGeneration(p, seq, record.GenerationReady, "2026-04-16T08:10:00Z")
	}
	tests := []struct {
		name string
		gens []record.PreviewGeneration
		want int
	}{
		{"none", nil, 1},
		{"one", []record.PreviewGeneration{gen(1)}, 2},
		{"unordered with a gap", []record.PreviewGeneration{gen(1), gen(5), gen(3)}, 6},
	}
	for _, tt := range tests {
		if got := record.NextGenerationSequence(tt.gens); got != tt.want {
			t.Errorf("%s: NextGenerationSequence = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestPreviewGenerationEvidenceTime(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name                       string
		finished, ready, requested string
		want                       time.Time
		wantOK                     bool
	}{
		{"finished wins", "2026-04-16T08:10:00Z", "2026-04-16T08:09:00Z", "2026-04-16T08:02:00Z", at("2026-04-16T08:10:00Z"), true},
		{"ready without finished", "", "2026-04-16T08:09:00Z", "2026-04-16T08:02:00Z", at("2026-04-16T08:09:00Z"), true},
		{"requested only", "", "", "2026-04-16T08:02:00+02:00", at("2026-04-16T06:02:00Z"), true},
		{"unparsable finished falls through", "garbage", "", "2026-04-16T08:02:00Z", at("2026-04-16T08:02:00Z"), true},
		{"nothing usable", "", "", "garbage", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := record.PreviewGeneration{FinishedAt: tt.finished, ReadyAt: tt.ready, RequestedAt: tt.requested}
			got, ok := g.EvidenceTime()
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("EvidenceTime() = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
