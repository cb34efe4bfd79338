package record_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

// minPreview holds only the fields upstream's preview record requires.
const minPreview = `{"preview_id":"preview-verireel-testing-verireel-pr-123","context":"verireel-testing",` +
	`"anchor_repo":"verireel","anchor_pr_number":123,"anchor_pr_url":"https://github.com/example-org/verireel/pull/123",` +
	`"preview_label":"verireel-testing/verireel/pr-123","canonical_url":"https://pr-123.preview.example.com",` +
	`"state":"pending","created_at":"2026-04-16T08:02:00Z","updated_at":"2026-04-16T08:10:00Z","eligible_at":"2026-04-16T08:02:00Z"}`

func wantMinPreview() record.Preview {
	return record.Preview{
		SchemaVersion:  1,
		PreviewID:      "preview-verireel-testing-verireel-pr-123",
		Context:        "verireel-testing",
		AnchorRepo:     "verireel",
		AnchorPRNumber: 123,
		AnchorPRURL:    "https://github.com/example-org/verireel/pull/123",
		PreviewLabel:   "verireel-testing/verireel/pr-123",
		CanonicalURL:   "https://pr-123.preview.example.com",
		State:          record.PreviewPending,
		CreatedAt:      "2026-04-16T08:02:00Z",
		UpdatedAt:      "2026-04-16T08:10:00Z",
		EligibleAt:     "2026-04-16T08:02:00Z",
	}
}

func decPreview(b []byte) (any, error) { return record.DecodePreview(b) }

// replaceField swaps the value of a top-level member of a minimal body.
func replaceField(body, key, oldValue, newValue string) string {
	old := `"` + key + `":` + oldValue
	if !strings.Contains(body, old) {
		panic("replaceField: " + old + " not in body")
	}
	return strings.Replace(body, old, `"`+key+`":`+newValue, 1)
}

func TestDecodePreview(t *testing.T) {
	full := wantMinPreview()
	full.State = record.PreviewDestroyed
	full.PausedAt = "2026-04-16T08:20:00Z"
	full.DestroyAfter = "2026-04-23T08:02:00Z"
	full.DestroyedAt = "2026-04-16T09:04:00Z"
	full.DestroyReason = "external_preview_cleanup_completed"
	full.LatestGenerationID = "preview-verireel-testing-verireel-pr-123-generation-0002"
	full.LatestManifestFingerprint = "verireel-preview-manifest-pr-123-6b3c9d7"

	explicitVersion := wantMinPreview()
	explicitVersion.SchemaVersion = 3

	tests := []struct {
		name string
		body string
		want record.Preview
	}{
		{"minimal", minPreview, wantMinPreview()},
		{"explicit schema_version", with(minPreview, `"schema_version":3`), explicitVersion},
		{"every optional field, padded", replaceField(with(minPreview,
			`"paused_at":" 2026-04-16T08:20:00Z ","destroy_after":"2026-04-23T08:02:00Z",`+
				`"destroyed_at":"2026-04-16T09:04:00Z","destroy_reason":" external_preview_cleanup_completed ",`+
				`"active_generation_id":" ","serving_generation_id":"",`+
				`"latest_generation_id":" preview-verireel-testing-verireel-pr-123-generation-0002 ",`+
				`"latest_manifest_fingerprint":"verireel-preview-manifest-pr-123-6b3c9d7\n"`),
			"state", `"pending"`, `"destroyed"`), full},
		{"padded required strings", `{"preview_id":" preview-verireel-testing-verireel-pr-123 ","context":" verireel-testing ",` +
			`"anchor_repo":"\tverireel","anchor_pr_number":123,"anchor_pr_url":" https://github.com/example-org/verireel/pull/123 ",` +
			`"preview_label":" verireel-testing/verireel/pr-123 ","canonical_url":" https://pr-123.preview.example.com ",` +
			`"state":"pending","created_at":" 2026-04-16T08:02:00Z","updated_at":"2026-04-16T08:10:00Z ","eligible_at":"2026-04-16T08:02:00Z"}`,
			wantMinPreview()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.DecodePreview([]byte(tt.body))
			if err != nil {
				t.Fatalf("DecodePreview: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded preview mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodePreviewRejects(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantFields []string
	}{
		{"empty object", `{}`, []string{"preview_id", "context", "anchor_repo", "anchor_pr_number", "anchor_pr_url",
			"preview_label", "canonical_url", "state", "created_at", "updated_at", "eligible_at"}},
		{"unknown field", with(minPreview, `"preview_url":"x"`), []string{"preview_url"}},
		{"case-variant key", strings.Replace(minPreview, `"state"`, `"State"`, 1), []string{"State"}},
		{"null required string", replaceField(minPreview, "canonical_url", `"https://pr-123.preview.example.com"`, `null`), []string{"canonical_url"}},
		{"null optional string", with(minPreview, `"paused_at":null`), []string{"paused_at"}},
		{"schema_version 0", with(minPreview, `"schema_version":0`), []string{"schema_version"}},
		{"blank preview_id", replaceField(minPreview, "preview_id", `"preview-verireel-testing-verireel-pr-123"`, `" "`), []string{"preview_id"}},
		{"preview_id off the rule", replaceField(minPreview, "preview_id", `"preview-verireel-testing-verireel-pr-123"`, `"preview-verireel-pr-123"`), []string{"preview_id"}},
		{"preview_label off the rule", replaceField(minPreview, "preview_label", `"verireel-testing/verireel/pr-123"`, `"verireel/pr-123"`), []string{"preview_label"}},
		{"blank context", replaceField(minPreview, "context", `"verireel-testing"`, `""`), []string{"context"}},
		{"blank anchor_repo", replaceField(minPreview, "anchor_repo", `"verireel"`, `"  "`), []string{"anchor_repo"}},
		{"anchor_pr_number 0", replaceField(minPreview, "anchor_pr_number", `123`, `0`), []string{"anchor_pr_number"}},
		{"anchor_pr_number negative", replaceField(minPreview, "anchor_pr_number", `123`, `-123`), []string{"anchor_pr_number"}},
		{"anchor_pr_number a string", replaceField(minPreview, "anchor_pr_number", `123`, `"123"`), []string{"anchor_pr_number"}},
		{"anchor_pr_number fractional", replaceField(minPreview, "anchor_pr_number", `123`, `123.5`), []string{"anchor_pr_number"}},
		{"blank anchor_pr_url", replaceField(minPreview, "anchor_pr_url", `"https://github.com/example-org/verireel/pull/123"`, `""`), []string{"anchor_pr_url"}},
		{"blank canonical_url", replaceField(minPreview, "canonical_url", `"https://pr-123.preview.example.com"`, `"\t"`), []string{"canonical_url"}},
		{"unknown state", replaceField(minPreview, "state", `"pending"`, `"ready"`), []string{"state"}},
		{"state in upper case", replaceField(minPreview, "state", `"pending"`, `"PENDING"`), []string{"state"}},
		{"created_at not a timestamp", replaceField(minPreview, "created_at", `"2026-04-16T08:02:00Z"`, `"yesterday"`), []string{"created_at"}},
		{"blank updated_at", replaceField(minPreview, "updated_at", `"2026-04-16T08:10:00Z"`, `" "`), []string{"updated_at"}},
		{"eligible_at not a timestamp", replaceField(minPreview, "eligible_at", `"2026-04-16T08:02:00Z"`, `"2026-13-01T00:00:00Z"`), []string{"eligible_at"}},
		{"paused_at not a timestamp", with(minPreview, `"paused_at":"soon"`), []string{"paused_at"}},
		{"destroy_after not a timestamp", with(minPreview, `"destroy_after":"7d"`), []string{"destroy_after"}},
		{"destroyed_at not a timestamp", with(minPreview, `"destroyed_at":"2026-04-16"`), []string{"destroyed_at"}},
		{"destroyed without when or why", replaceField(minPreview, "state", `"pending"`, `"destroyed"`), []string{"destroyed_at", "destroy_reason"}},
		{"destroyed without reason", with(replaceField(minPreview, "state", `"pending"`, `"destroyed"`),
			`"destroyed_at":"2026-04-16T09:04:00Z","destroy_reason":"  "`), []string{"destroy_reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.DecodePreview([]byte(tt.body))
			rec, fields := validationProblems(t, err)
			if rec != "preview" {
				t.Errorf("record = %q, want preview", rec)
			}
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("DecodePreview returned a non-zero record with its error: %+v", got)
			}
		})
	}
}

func TestPreviewID(t *testing.T) {
	// Expected values computed with upstream's Python rule:
	// re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-").
	tests := []struct {
		context, anchorRepo string
		n                   int
		want                string
	}{
		{"verireel-testing", "verireel", 123, "preview-verireel-testing-verireel-pr-123"},
		{"CM", "Tenant_CM", 7, "preview-cm-tenant-cm-pr-7"},
		{"a--b", "c..d", 1, "preview-a-b-c-d-pr-1"},
		{"-x-", "_y_", 2, "preview-x-y-pr-2"},
		{"café", "repo", 3, "preview-caf-repo-pr-3"},
		{"\u212Aube", "r", 1, "preview-kube-r-pr-1"}, // Kelvin sign lowers to ASCII k
		{"\u0130x", "r", 1, "preview-i-x-r-pr-1"},    // İ lowers to i + combining dot
		{"!!!", "???", 9, "preview-pr-9"},
		{"Ω", "ω", 10000, "preview-pr-10000"},
		{"a-b", "c", 1, "preview-a-b-c-pr-1"},
		{"a", "b-c", 1, "preview-a-b-c-pr-1"}, // lossy, as upstream's
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := record.PreviewID(tt.context, tt.anchorRepo, tt.n); got != tt.want {
				t.Errorf("PreviewID(%q, %q, %d) = %q, want %q", tt.context, tt.anchorRepo, tt.n, got, tt.want)
			}
		})
	}
}

func TestPreviewLabelAndURL(t *testing.T) {
	if got, want := record.PreviewLabel("verireel-testing", "verireel", 123), "verireel-testing/verireel/pr-123"; got != want {
		t.Errorf("PreviewLabel = %q, want %q", got, want)
	}
	if got, want := record.PreviewRoutePath("cm", "tenant-cm", 7), "/previews/cm/tenant-cm/pr-7"; got != want {
		t.Errorf("PreviewRoutePath = %q, want %q", got, want)
	}
	tests := []struct {
		base, want string
	}{
		{"https://previews.example.test", "https://previews.example.test/previews/cm/tenant-cm/pr-7"},
		{" https://previews.example.test// ", "https://previews.example.test/previews/cm/tenant-cm/pr-7"},
	}
	for _, tt := range tests {
		got, err := record.PreviewCanonicalURL(tt.base, "cm", "tenant-cm", 7)
		if err != nil || got != tt.want {
			t.Errorf("PreviewCanonicalURL(%q) = %q, %v; want %q, nil", tt.base, got, err, tt.want)
		}
	}
	for _, base := range []string{"", "  ", "/"} {
		got, err := record.PreviewCanonicalURL(base, "cm", "tenant-cm", 7)
		if !errors.Is(err, record.ErrInvalid) || got != "" {
			t.Errorf("PreviewCanonicalURL(%q) = %q, %v; want \"\" and an ErrInvalid error", base, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), record.PreviewBaseURLKey) {
			t.Errorf("PreviewCanonicalURL(%q) error %q does not name %s", base, err, record.PreviewBaseURLKey)
		}
	}
}

// TestPreviewFixturesRoundTrip: what recordtest builds, serialized as the
// stores serialize it, decodes back unchanged through both decoders.
func TestPreviewFixturesRoundTrip(t *testing.T) {
	p := recordtest.Preview("cm", "tenant-cm", 7, "2026-04-16T08:10:00Z")
	ready := recordtest.PreviewGeneration(p, 1, record.GenerationReady, "2026-04-16T08:12:00Z")
	withIdentity := recordtest.PreviewGeneration(p, 2, record.GenerationFailed, "2026-04-16T08:14:00Z")
	withIdentity.RuntimeIdentity = &record.RuntimeIdentity{
		SchemaVersion: 1, Context: "cm", Instance: "pr-7", EnvironmentKind: "preview",
		DeploymentRecordID: "deployment-1", ArtifactID: "artifact-1", SourceGitRef: recordtest.SHA,
	}
	tests := []struct {
		name   string
		value  any
		decode func([]byte) (any, error)
		stored func([]byte) (any, error)
	}{
		{"preview", p, decPreview, func(b []byte) (any, error) { return record.DecodeStored[record.Preview](b) }},
		{"ready generation", ready, decGeneration, func(b []byte) (any, error) { return record.DecodeStored[record.PreviewGeneration](b) }},
		{"generation with runtime identity", withIdentity, decGeneration, func(b []byte) (any, error) { return record.DecodeStored[record.PreviewGeneration](b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.value)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			for name, decode := range map[string]func([]byte) (any, error){"strict": tt.decode, "stored": tt.stored} {
				got, err := decode(data)
				if err != nil {
					t.Fatalf("%s decode %s: %v", name, data, err)
				}
				if diff := cmp.Diff(tt.value, got); diff != "" {
					t.Errorf("%s round trip mismatch (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}
