package record_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

// TestApplyGeneration pins upstream's preview linkage transitions
// (records.md §3.6) on whole records.
func TestApplyGeneration(t *testing.T) {
	const (
		t0 = "2026-04-16T08:00:00Z"
		t1 = "2026-04-16T08:01:00Z"
		t2 = "2026-04-16T08:02:00Z"
		t3 = "2026-04-16T08:03:00Z"
	)
	base := recordtest.Preview("cm", "tenant-cm", 7, t0)
	old := recordtest.PreviewGeneration(base, 1, record.GenerationReady, t0)
	serving := base
	serving.State = record.PreviewActive
	serving.ActiveGenerationID, serving.ServingGenerationID, serving.LatestGenerationID = old.GenerationID, old.GenerationID, old.GenerationID
	serving.LatestManifestFingerprint = old.ResolvedManifestFingerprint
	destroyed := serving
	destroyed.State = record.PreviewDestroyed
	destroyed.ActiveGenerationID, destroyed.ServingGenerationID = "", ""
	destroyed.DestroyedAt, destroyed.DestroyReason = t1, "pull_request_closed"

	gen := func(state string, change func(*record.PreviewGeneration)) record.PreviewGeneration {
		g := recordtest.PreviewGeneration(base, 2, state, t1)
		g.ReadyAt, g.FinishedAt, g.FailedAt = "", "", ""
		change(&g)
		return g
	}
	g2 := record.GenerationID(base.PreviewID, 2)
	fp2 := "manifest-" + base.PreviewID + "-2"
	expect := func(from record.Preview, change func(*record.Preview)) record.Preview {
		from.ActiveGenerationID, from.LatestGenerationID, from.LatestManifestFingerprint = g2, g2, fp2
		change(&from)
		return from
	}
	none := func(*record.PreviewGeneration) {}

	tests := []struct {
		name    string
		preview record.Preview
		gen     record.PreviewGeneration
		want    record.Preview
	}{
		{"requested on a new preview stays pending", base, gen(record.GenerationResolving, none),
			expect(base, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewPending, t1 })},
		{"requested while an older generation serves is active", serving, gen(record.GenerationVerifying, none),
			expect(serving, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewActive, t1 })},
		{"every non-terminal state is a request", serving, gen(record.GenerationSuperseded, none),
			expect(serving, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewActive, t1 })},
		{"requested on a destroyed preview revives it", destroyed, gen(record.GenerationBuilding, none),
			expect(destroyed, func(p *record.Preview) {
				p.State, p.UpdatedAt, p.DestroyedAt, p.DestroyReason = record.PreviewPending, t1, "", ""
			})},
		{"ready serves the generation", base, gen(record.GenerationReady, func(g *record.PreviewGeneration) { g.ReadyAt, g.FinishedAt = t2, t3 }),
			expect(base, func(p *record.Preview) { p.State, p.UpdatedAt, p.ServingGenerationID = record.PreviewActive, t2, g2 })},
		{"ready without ready_at uses finished_at", serving, gen(record.GenerationReady, func(g *record.PreviewGeneration) { g.FinishedAt = t3 }),
			expect(serving, func(p *record.Preview) { p.State, p.UpdatedAt, p.ServingGenerationID = record.PreviewActive, t3, g2 })},
		{"ready with neither uses requested_at", base, gen(record.GenerationReady, none),
			expect(base, func(p *record.Preview) { p.State, p.UpdatedAt, p.ServingGenerationID = record.PreviewActive, t1, g2 })},
		{"ready on a destroyed preview clears the destroyed fields", destroyed, gen(record.GenerationReady, func(g *record.PreviewGeneration) { g.ReadyAt = t2 }),
			expect(destroyed, func(p *record.Preview) {
				p.State, p.UpdatedAt, p.ServingGenerationID, p.DestroyedAt, p.DestroyReason = record.PreviewActive, t2, g2, "", ""
			})},
		{"failed keeps the older generation serving", serving, gen(record.GenerationFailed, func(g *record.PreviewGeneration) { g.FailedAt, g.FinishedAt = t2, t3 }),
			expect(serving, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewFailed, t2 })},
		{"failed without failed_at uses finished_at", base, gen(record.GenerationFailed, func(g *record.PreviewGeneration) { g.FinishedAt = t3 }),
			expect(base, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewFailed, t3 })},
		{"failed with neither uses requested_at", base, gen(record.GenerationFailed, none),
			expect(base, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewFailed, t1 })},
		{"failed leaves destroyed fields alone", destroyed, gen(record.GenerationFailed, func(g *record.PreviewGeneration) { g.FailedAt = t2 }),
			expect(destroyed, func(p *record.Preview) { p.State, p.UpdatedAt = record.PreviewFailed, t2 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := record.ApplyGeneration(tt.preview, tt.gen)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ApplyGeneration mismatch (-want +got):\n%s", diff)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("transitioned preview is invalid: %v", err)
			}
		})
	}
}

func TestPreviewFromInput(t *testing.T) {
	const (
		t0 = "2026-04-16T08:00:00Z"
		t1 = "2026-04-16T08:01:00Z"
		t2 = "2026-04-16T08:02:00Z"
	)
	input := func(change func(*record.PreviewInput)) record.PreviewInput {
		in := record.PreviewInput{
			SchemaVersion: 1, Context: "cm", AnchorRepo: "tenant-cm", AnchorPRNumber: 7,
			AnchorPRURL: recordtest.PRURL("tenant-cm", 7), State: record.PreviewPending,
		}
		change(&in)
		return in
	}
	fresh := func(change func(*record.Preview)) record.Preview {
		p := record.Preview{
			SchemaVersion: 1, PreviewID: "preview-cm-tenant-cm-pr-7", Context: "cm", AnchorRepo: "tenant-cm",
			AnchorPRNumber: 7, AnchorPRURL: recordtest.PRURL("tenant-cm", 7), PreviewLabel: "cm/tenant-cm/pr-7",
			CanonicalURL: "https://previews.example.test/previews/cm/tenant-cm/pr-7", State: record.PreviewPending,
		}
		change(&p)
		return p
	}
	stored := recordtest.Preview("cm", "tenant-cm", 7, t0)
	stored.State = record.PreviewFailed
	stored.CanonicalURL = "https://pr-7.old.example.test"
	stored.PausedAt = t0
	stored.ActiveGenerationID, stored.ServingGenerationID, stored.LatestGenerationID = "g2", "g1", "g2"
	stored.LatestManifestFingerprint = "m2"
	stored.DestroyReason = "earlier"

	tests := []struct {
		name     string
		existing *record.Preview
		in       record.PreviewInput
		baseURL  string
		want     record.Preview
	}{
		{"new preview, every timestamp given", nil, input(func(in *record.PreviewInput) {
			in.CreatedAt, in.UpdatedAt, in.EligibleAt = t0, t1, t2
		}), recordtest.PreviewBaseURL, fresh(func(p *record.Preview) { p.CreatedAt, p.UpdatedAt, p.EligibleAt = t0, t1, t2 })},
		{"new preview, created_at from updated_at", nil, input(func(in *record.PreviewInput) {
			in.UpdatedAt, in.EligibleAt = t1, t2
		}), recordtest.PreviewBaseURL, fresh(func(p *record.Preview) { p.CreatedAt, p.UpdatedAt, p.EligibleAt = t1, t1, t2 })},
		{"new preview, created_at from eligible_at", nil, input(func(in *record.PreviewInput) {
			in.EligibleAt = t2
		}), recordtest.PreviewBaseURL, fresh(func(p *record.Preview) { p.CreatedAt, p.UpdatedAt, p.EligibleAt = t2, t2, t2 })},
		{"new preview, explicit canonical URL needs no base URL", nil, input(func(in *record.PreviewInput) {
			in.CreatedAt, in.CanonicalURL = t0, "https://pr-7.preview.example.test"
		}), "", fresh(func(p *record.Preview) {
			p.CreatedAt, p.UpdatedAt, p.EligibleAt, p.CanonicalURL = t0, t0, t0, "https://pr-7.preview.example.test"
		})},
		{"new preview takes the input's state and pointers", nil, input(func(in *record.PreviewInput) {
			in.CreatedAt, in.State, in.ServingGenerationID, in.LatestManifestFingerprint = t0, record.PreviewActive, "g0", "m0"
			in.DestroyAfter = t2
		}), recordtest.PreviewBaseURL + "/", fresh(func(p *record.Preview) {
			p.CreatedAt, p.UpdatedAt, p.EligibleAt, p.State = t0, t0, t0, record.PreviewActive
			p.ServingGenerationID, p.LatestManifestFingerprint, p.DestroyAfter = "g0", "m0", t2
		})},
		{"existing preview keeps identity, state and pointers", &stored, input(func(in *record.PreviewInput) {
			in.CreatedAt, in.State, in.ServingGenerationID = t2, record.PreviewActive, "other"
			in.DestroyReason, in.LatestManifestFingerprint = "input reason", "input-m"
			in.AnchorPRURL = "https://github.com/example-org/tenant-cm/pull/7/"
		}), "", func() record.Preview {
			p := stored
			p.AnchorPRURL = "https://github.com/example-org/tenant-cm/pull/7/"
			return p
		}()},
		{"existing preview refreshes the set optional fields", &stored, input(func(in *record.PreviewInput) {
			in.CanonicalURL, in.UpdatedAt, in.EligibleAt, in.PausedAt, in.DestroyAfter = "https://pr-7.new.example.test", t2, t1, t1, t2
		}), "", func() record.Preview {
			p := stored
			p.CanonicalURL, p.UpdatedAt, p.EligibleAt, p.PausedAt, p.DestroyAfter = "https://pr-7.new.example.test", t2, t1, t1, t2
			return p
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := stored
			got, err := record.PreviewFromInput(tt.existing, tt.in, tt.baseURL)
			if err != nil {
				t.Fatalf("PreviewFromInput: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PreviewFromInput mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, stored); diff != "" {
				t.Errorf("PreviewFromInput changed the stored preview (-before +after):\n%s", diff)
			}
		})
	}
}

func TestPreviewFromInputRejects(t *testing.T) {
	valid := recordtest.PreviewInput("cm", "tenant-cm", 7, "2026-04-16T08:00:00Z")
	other := recordtest.Preview("cm", "tenant-cm", 8, "2026-04-16T08:00:00Z")
	tests := []struct {
		name       string
		existing   *record.Preview
		in         func(*record.PreviewInput)
		baseURL    string
		wantFields []string // nil: an ErrInvalid error without field problems
	}{
		{"new preview without any timestamp", nil, func(in *record.PreviewInput) {
			in.CreatedAt, in.UpdatedAt, in.EligibleAt = "", "", ""
		}, recordtest.PreviewBaseURL, []string{"created_at"}},
		{"new preview without URL or base URL", nil, func(in *record.PreviewInput) { in.CanonicalURL = "" }, " ", []string{"canonical_url"}},
		{"new preview missing both", nil, func(in *record.PreviewInput) {
			in.CanonicalURL, in.CreatedAt, in.UpdatedAt, in.EligibleAt = "", "", "", ""
		}, "", []string{"created_at", "canonical_url"}},
		{"invalid input", nil, func(in *record.PreviewInput) { in.AnchorPRNumber = 0 }, recordtest.PreviewBaseURL, []string{"anchor_pr_number"}},
		{"stored preview of another pull request", &other, func(*record.PreviewInput) {}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.in(&in)
			got, err := record.PreviewFromInput(tt.existing, in, tt.baseURL)
			if !errors.Is(err, record.ErrInvalid) {
				t.Fatalf("PreviewFromInput error = %v, want one wrapping ErrInvalid", err)
			}
			if tt.wantFields != nil {
				_, fields := validationProblems(t, err)
				if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
					t.Errorf("problem fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
				}
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("PreviewFromInput returned a non-zero preview with its error: %+v", got)
			}
		})
	}
}

func TestGenerationFromInput(t *testing.T) {
	const at = "2026-04-16T08:00:00Z"
	p := recordtest.Preview("cm", "tenant-cm", 7, at)
	identity := &record.RuntimeIdentity{SchemaVersion: 1, Context: "cm", Instance: "pr-7", EnvironmentKind: "preview",
		DeploymentRecordID: "deployment-1", ArtifactID: "artifact-1", SourceGitRef: recordtest.SHA}
	otherIdentity := *identity
	otherIdentity.DeploymentRecordID = "deployment-2"

	input := func(change func(*record.PreviewGenerationInput)) record.PreviewGenerationInput {
		in := recordtest.PreviewGenerationInput("cm", "tenant-cm", 7, record.GenerationVerifying, at)
		change(&in)
		return in
	}
	// fromInput is the generation an input yields with the given id and sequence.
	fromInput := func(in record.PreviewGenerationInput, id string, seq int, change func(*record.PreviewGeneration)) record.PreviewGeneration {
		g := record.PreviewGeneration{
			SchemaVersion: 1, GenerationID: id, PreviewID: p.PreviewID, Sequence: seq, State: in.State,
			RequestedReason: in.RequestedReason, RequestedAt: in.RequestedAt, StartedAt: in.StartedAt, ReadyAt: in.ReadyAt,
			FinishedAt: in.FinishedAt, SupersededAt: in.SupersededAt, FailedAt: in.FailedAt, ExpiresAt: in.ExpiresAt,
			ResolvedManifestFingerprint: in.ResolvedManifestFingerprint, ArtifactID: in.ArtifactID,
			BaselineReleaseTupleID: in.BaselineReleaseTupleID, SourceMap: in.SourceMap,
			AnchorSummary:      record.PullRequestSummary{Repo: "tenant-cm", PRNumber: 7, HeadSHA: recordtest.SHA, PRURL: recordtest.PRURL("tenant-cm", 7)},
			CompanionSummaries: in.CompanionSummaries, DeployStatus: in.DeployStatus, VerifyStatus: in.VerifyStatus,
			OverallHealthStatus: in.OverallHealthStatus, FailureStage: in.FailureStage, FailureSummary: in.FailureSummary,
			RuntimeIdentity: in.RuntimeIdentity,
		}
		if change != nil {
			change(&g)
		}
		return g
	}
	none := func(*record.PreviewGenerationInput) {}
	plain := input(none)
	// stored1 is what plain produced as the first generation, with an identity.
	stored1 := fromInput(plain, record.GenerationID(p.PreviewID, 1), 1, func(g *record.PreviewGeneration) { g.RuntimeIdentity = identity })
	stored5 := recordtest.PreviewGeneration(p, 5, record.GenerationReady, at)
	custom := recordtest.PreviewGeneration(p, 2, record.GenerationVerifying, at)
	custom.GenerationID = p.PreviewID + "-odoo-0123"

	withEvidence := input(func(in *record.PreviewGenerationInput) {
		in.SourceMap = []record.PreviewSource{{Repo: "tenant-cm", GitSHA: recordtest.SHA, Selection: record.SourceAnchor}}
		in.CompanionSummaries = []record.PullRequestSummary{{Repo: "shared", PRNumber: 3, HeadSHA: recordtest.SHA2, PRURL: recordtest.PRURL("shared", 3)}}
		in.ArtifactID, in.BaselineReleaseTupleID = "artifact-1", "cm-testing-artifact-0"
	})
	ready := input(func(in *record.PreviewGenerationInput) {
		in.State, in.ReadyAt, in.FinishedAt = record.GenerationReady, "2026-04-16T08:05:00Z", "2026-04-16T08:05:00Z"
		in.GenerationID = stored1.GenerationID
		in.Sequence = intPtr(9) // ignored: the stored generation's sequence wins
	})

	tests := []struct {
		name   string
		stored []record.PreviewGeneration
		in     record.PreviewGenerationInput
		want   record.PreviewGeneration
	}{
		{"first generation", nil, plain, fromInput(plain, record.GenerationID(p.PreviewID, 1), 1, nil)},
		{"the next sequence after the highest", []record.PreviewGeneration{stored5, custom}, plain,
			fromInput(plain, record.GenerationID(p.PreviewID, 6), 6, nil)},
		{"evidence fields carried over", nil, withEvidence, fromInput(withEvidence, record.GenerationID(p.PreviewID, 1), 1, nil)},
		{"input sequence", []record.PreviewGeneration{stored5}, input(func(in *record.PreviewGenerationInput) { in.Sequence = intPtr(3) }),
			fromInput(plain, record.GenerationID(p.PreviewID, 3), 3, nil)},
		{"input generation id not stored yet", []record.PreviewGeneration{stored5},
			input(func(in *record.PreviewGenerationInput) { in.GenerationID = "caller-chosen" }),
			fromInput(plain, "caller-chosen", 6, nil)},
		{"input generation id and sequence not stored yet", nil,
			input(func(in *record.PreviewGenerationInput) { in.GenerationID, in.Sequence = "caller-chosen", intPtr(4) }),
			fromInput(plain, "caller-chosen", 4, nil)},
		{"verification rewrites the stored generation by id", []record.PreviewGeneration{stored1, stored5}, ready,
			fromInput(ready, stored1.GenerationID, 1, func(g *record.PreviewGeneration) { g.RuntimeIdentity = identity })},
		{"input runtime identity wins over the stored one", []record.PreviewGeneration{stored1},
			input(func(in *record.PreviewGenerationInput) {
				in.GenerationID, in.RuntimeIdentity = stored1.GenerationID, &otherIdentity
			}),
			fromInput(plain, stored1.GenerationID, 1, func(g *record.PreviewGeneration) { g.RuntimeIdentity = &otherIdentity })},
		{"replayed evidence without an id reuses the generation", []record.PreviewGeneration{stored5, stored1}, plain,
			fromInput(plain, stored1.GenerationID, 1, func(g *record.PreviewGeneration) { g.RuntimeIdentity = identity })},
		{"replay with the same sequence reuses the generation", []record.PreviewGeneration{stored1},
			input(func(in *record.PreviewGenerationInput) { in.Sequence = intPtr(1) }),
			fromInput(plain, stored1.GenerationID, 1, func(g *record.PreviewGeneration) { g.RuntimeIdentity = identity })},
		{"same evidence under another sequence is a new generation", []record.PreviewGeneration{stored1},
			input(func(in *record.PreviewGenerationInput) { in.Sequence = intPtr(2) }),
			fromInput(plain, record.GenerationID(p.PreviewID, 2), 2, nil)},
		{"one changed field is a new generation", []record.PreviewGeneration{stored1},
			input(func(in *record.PreviewGenerationInput) { in.FailureSummary = "x" }),
			fromInput(plain, record.GenerationID(p.PreviewID, 2), 2, func(g *record.PreviewGeneration) { g.FailureSummary = "x" })},
		{"a changed head SHA is a new generation", []record.PreviewGeneration{stored1},
			input(func(in *record.PreviewGenerationInput) { in.AnchorHeadSHA = recordtest.SHA2 }),
			fromInput(plain, record.GenerationID(p.PreviewID, 2), 2, func(g *record.PreviewGeneration) { g.AnchorSummary.HeadSHA = recordtest.SHA2 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.GenerationFromInput(p, tt.stored, tt.in)
			if err != nil {
				t.Fatalf("GenerationFromInput: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GenerationFromInput mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("result shares no memory with the input or the stored generation", func(t *testing.T) {
		got, err := record.GenerationFromInput(p, []record.PreviewGeneration{stored1}, withEvidence)
		if err != nil {
			t.Fatal(err)
		}
		got.SourceMap[0].Repo = "changed"
		if withEvidence.SourceMap[0].Repo == "changed" {
			t.Error("the generation's source_map aliases the input's")
		}
		got2, err := record.GenerationFromInput(p, []record.PreviewGeneration{stored1}, plain)
		if err != nil {
			t.Fatal(err)
		}
		got2.RuntimeIdentity.Instance = "changed"
		if stored1.RuntimeIdentity.Instance == "changed" {
			t.Error("the generation's runtime identity aliases the stored one")
		}
		fromIn := plain
		fromIn.RuntimeIdentity = &otherIdentity
		got3, err := record.GenerationFromInput(p, nil, fromIn)
		if err != nil {
			t.Fatal(err)
		}
		got3.RuntimeIdentity.Instance = "changed"
		if otherIdentity.Instance == "changed" {
			t.Error("the generation's runtime identity aliases the input's")
		}
	})
}

func TestGenerationFromInputRejects(t *testing.T) {
	p := recordtest.Preview("cm", "tenant-cm", 7, "2026-04-16T08:00:00Z")
	other := recordtest.Preview("cm", "tenant-cm", 8, "2026-04-16T08:00:00Z")
	foreign := recordtest.PreviewGeneration(other, 1, record.GenerationReady, "2026-04-16T08:00:00Z")
	in := recordtest.PreviewGenerationInput("cm", "tenant-cm", 7, record.GenerationReady, "2026-04-16T08:00:00Z")

	if _, err := record.GenerationFromInput(p, []record.PreviewGeneration{foreign}, in); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("a stored generation of another preview: error = %v, want ErrInvalid", err)
	}
	taken := recordtest.PreviewGeneration(p, 2, record.GenerationReady, "2026-04-16T08:00:00Z")
	custom := recordtest.PreviewGeneration(p, 3, record.GenerationReady, "2026-04-16T08:00:00Z")
	custom.GenerationID = "custom-3"
	clashes := []struct {
		name   string
		id     string
		seq    int
		stored record.PreviewGeneration
	}{
		{"caller-chosen id on a minted generation's sequence", "caller-chosen", 2, taken},
		{"minted id on a caller-chosen generation's sequence", "", 3, custom},
	}
	for _, tc := range clashes {
		clash := in
		clash.GenerationID, clash.Sequence = tc.id, intPtr(tc.seq)
		if _, err := record.GenerationFromInput(p, []record.PreviewGeneration{tc.stored}, clash); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", tc.name, err)
		}
	}
	minted := in
	minted.Sequence = intPtr(2) // same sequence, minted id: rewrites generation 2
	if g, err := record.GenerationFromInput(p, []record.PreviewGeneration{taken}, minted); err != nil || g.GenerationID != taken.GenerationID {
		t.Errorf("minted id on a stored sequence = %q, %v; want %q rewritten", g.GenerationID, err, taken.GenerationID)
	}

	bad := in
	bad.State = "done"
	_, err := record.GenerationFromInput(p, nil, bad)
	if _, fields := validationProblems(t, err); !cmp.Equal(fields, []string{"state"}) {
		t.Errorf("invalid input: problem fields = %v, want [state]", fields)
	}
}

func TestApplyGenerationEvidence(t *testing.T) {
	decoded, err := record.DecodePreviewGenerationEvidence([]byte(seedGenerationEvidence))
	if err != nil {
		t.Fatal(err)
	}
	gen1 := record.PreviewGeneration{
		SchemaVersion: 1, GenerationID: seedPreviewID + "-generation-0001", PreviewID: seedPreviewID, Sequence: 1,
		State: record.GenerationReady, RequestedReason: "external_preview_refresh", RequestedAt: "2026-04-16T08:02:00Z",
		ReadyAt: "2026-04-16T08:10:00Z", FinishedAt: "2026-04-16T08:10:00Z", ResolvedManifestFingerprint: seedFingerprint,
		ArtifactID: "ghcr.io/example-org/verireel-app:pr-123-6b3c9d7", SourceMap: []record.PreviewSource{},
		AnchorSummary:      record.PullRequestSummary{Repo: "verireel", PRNumber: 123, HeadSHA: seedHeadSHA, PRURL: seedPRURL},
		CompanionSummaries: []record.PullRequestSummary{},
		DeployStatus:       record.StatusPass, VerifyStatus: record.StatusPass, OverallHealthStatus: record.StatusPass,
	}
	preview1 := record.Preview{
		SchemaVersion: 1, PreviewID: seedPreviewID, Context: "verireel-testing", AnchorRepo: "verireel",
		AnchorPRNumber: 123, AnchorPRURL: seedPRURL, PreviewLabel: "verireel-testing/verireel/pr-123",
		CanonicalURL: "https://pr-123.preview.example.com", State: record.PreviewActive,
		CreatedAt: "2026-04-16T08:10:00Z", UpdatedAt: "2026-04-16T08:10:00Z", EligibleAt: "2026-04-16T08:10:00Z",
		ActiveGenerationID: gen1.GenerationID, ServingGenerationID: gen1.GenerationID, LatestGenerationID: gen1.GenerationID,
		LatestManifestFingerprint: seedFingerprint,
	}

	t.Run("seed payload on a new preview", func(t *testing.T) {
		got, err := record.ApplyGenerationEvidence(nil, nil, decoded.Preview, decoded.Generation, "")
		if err != nil {
			t.Fatalf("ApplyGenerationEvidence: %v", err)
		}
		want := record.GenerationEvidenceOutcome{Preview: preview1, Generation: gen1, Transition: "ready"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("outcome mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("a failed refresh keeps the ready generation serving", func(t *testing.T) {
		failed := decoded.Generation
		failed.State, failed.RequestedAt = record.GenerationFailed, "2026-04-16T09:00:00Z"
		failed.ReadyAt, failed.FinishedAt, failed.FailedAt = "", "2026-04-16T09:05:00Z", "2026-04-16T09:05:00Z"
		failed.ResolvedManifestFingerprint = "verireel-preview-manifest-pr-123-aaaaaaa"
		failed.DeployStatus, failed.VerifyStatus, failed.OverallHealthStatus = record.StatusFail, record.StatusSkipped, record.StatusFail
		refresh := decoded.Preview
		refresh.UpdatedAt = "2026-04-16T09:05:00Z"

		got, err := record.ApplyGenerationEvidence(&preview1, []record.PreviewGeneration{gen1}, refresh, failed, "")
		if err != nil {
			t.Fatalf("ApplyGenerationEvidence: %v", err)
		}
		gen2ID := seedPreviewID + "-generation-0002"
		wantPreview := preview1
		wantPreview.State, wantPreview.UpdatedAt = record.PreviewFailed, "2026-04-16T09:05:00Z"
		wantPreview.ActiveGenerationID, wantPreview.LatestGenerationID = gen2ID, gen2ID
		wantPreview.LatestManifestFingerprint = "verireel-preview-manifest-pr-123-aaaaaaa"
		if diff := cmp.Diff(wantPreview, got.Preview); diff != "" {
			t.Errorf("preview mismatch (-want +got):\n%s", diff)
		}
		if got.Generation.GenerationID != gen2ID || got.Generation.Sequence != 2 || got.Transition != "failed" {
			t.Errorf("generation %s sequence %d transition %q; want %s, 2, failed",
				got.Generation.GenerationID, got.Generation.Sequence, got.Transition, gen2ID)
		}
	})

	t.Run("replaying the seed payload rewrites the same generation", func(t *testing.T) {
		got, err := record.ApplyGenerationEvidence(&preview1, []record.PreviewGeneration{gen1}, decoded.Preview, decoded.Generation, "")
		if err != nil {
			t.Fatalf("ApplyGenerationEvidence: %v", err)
		}
		want := record.GenerationEvidenceOutcome{Preview: preview1, Generation: gen1, Transition: "ready"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("outcome mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("a verifying generation on a new preview without a URL derives one", func(t *testing.T) {
		p := recordtest.PreviewInput("cm", "tenant-cm", 7, "2026-04-16T08:00:00Z")
		p.CanonicalURL = ""
		g := recordtest.PreviewGenerationInput("cm", "tenant-cm", 7, record.GenerationVerifying, "2026-04-16T08:01:00Z")
		got, err := record.ApplyGenerationEvidence(nil, nil, p, g, recordtest.PreviewBaseURL)
		if err != nil {
			t.Fatalf("ApplyGenerationEvidence: %v", err)
		}
		if got.Preview.CanonicalURL != "https://previews.example.test/previews/cm/tenant-cm/pr-7" ||
			got.Preview.State != record.PreviewPending || got.Preview.ServingGenerationID != "" || got.Transition != "verifying" {
			t.Errorf("outcome = %+v; want a pending preview at the derived URL, nothing serving, transition verifying", got)
		}
	})

	rejects := []struct {
		name       string
		change     func(*record.PreviewInput, *record.PreviewGenerationInput)
		wantFields []string
	}{
		{"parts disagree", func(_ *record.PreviewInput, g *record.PreviewGenerationInput) { g.AnchorPRNumber = 124 },
			[]string{"generation.anchor_pr_number"}},
		{"invalid preview part", func(p *record.PreviewInput, _ *record.PreviewGenerationInput) { p.State = "x" }, []string{"state"}},
		{"invalid generation part", func(_ *record.PreviewInput, g *record.PreviewGenerationInput) { g.RequestedAt = "" },
			[]string{"requested_at"}},
		{"new preview with no way to a URL", func(p *record.PreviewInput, _ *record.PreviewGenerationInput) { p.CanonicalURL = "" },
			[]string{"canonical_url"}},
	}
	for _, tt := range rejects {
		t.Run("rejects/"+tt.name, func(t *testing.T) {
			p, g := decoded.Preview, decoded.Generation
			tt.change(&p, &g)
			got, err := record.ApplyGenerationEvidence(nil, nil, p, g, "")
			_, fields := validationProblems(t, err)
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("ApplyGenerationEvidence returned a non-zero outcome with its error: %+v", got)
			}
		})
	}
}

func TestDestroyPreview(t *testing.T) {
	const t0, t1 = "2026-04-16T08:00:00Z", "2026-04-16T08:30:00Z"
	p := recordtest.Preview("verireel-testing", "verireel", 123, t0)
	g := recordtest.PreviewGeneration(p, 1, record.GenerationReady, t0)
	active := record.ApplyGeneration(p, g)
	in, err := record.DecodePreviewDestroyInput([]byte(seedDestroyInput))
	if err != nil {
		t.Fatal(err)
	}

	destroyed := active
	destroyed.State = record.PreviewDestroyed
	destroyed.UpdatedAt, destroyed.DestroyedAt = "2026-04-16T09:04:00Z", "2026-04-16T09:04:00Z"
	destroyed.DestroyReason = "external_preview_cleanup_completed"
	destroyed.ActiveGenerationID, destroyed.ServingGenerationID = "", ""

	redestroyedIn := in
	redestroyedIn.DestroyedAt, redestroyedIn.DestroyReason = "2026-04-16T10:00:00Z", "external_preview_janitor_cleanup_completed"
	redestroyed := destroyed
	redestroyed.UpdatedAt, redestroyed.DestroyedAt = "2026-04-16T10:00:00Z", "2026-04-16T10:00:00Z"
	redestroyed.DestroyReason = "external_preview_janitor_cleanup_completed"

	tests := []struct {
		name     string
		existing record.Preview
		in       record.PreviewDestroyInput
		want     record.Preview
	}{
		{"active preview: pointers cleared, latest kept", active, in, destroyed},
		{"already destroyed: the new time and reason win", destroyed, redestroyedIn, redestroyed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			existing := tt.existing
			got, err := record.DestroyPreview(&existing, tt.in)
			if err != nil {
				t.Fatalf("DestroyPreview: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DestroyPreview mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.existing, existing); diff != "" {
				t.Errorf("DestroyPreview changed its argument (-before +after):\n%s", diff)
			}
			if got.LatestGenerationID != g.GenerationID {
				t.Errorf("latest_generation_id = %q, want %q kept as history", got.LatestGenerationID, g.GenerationID)
			}
		})
	}

	t.Run("missing preview", func(t *testing.T) {
		got, err := record.DestroyPreview(nil, in)
		if !errors.Is(err, record.ErrPreviewMissing) || !errors.Is(err, record.ErrInvalid) {
			t.Fatalf("DestroyPreview(nil) error = %v, want ErrPreviewMissing wrapping ErrInvalid", err)
		}
		if !strings.Contains(err.Error(), "verireel-testing/verireel/pr-123") {
			t.Errorf("error %q does not name the pull request", err)
		}
		if !reflect.ValueOf(got).IsZero() {
			t.Errorf("DestroyPreview returned a non-zero preview with its error: %+v", got)
		}
	})

	t.Run("stored preview of another pull request", func(t *testing.T) {
		other := recordtest.Preview("verireel-testing", "verireel", 124, t0)
		_, err := record.DestroyPreview(&other, in)
		if !errors.Is(err, record.ErrInvalid) || errors.Is(err, record.ErrPreviewMissing) {
			t.Errorf("error = %v, want ErrInvalid but not ErrPreviewMissing", err)
		}
	})

	t.Run("invalid input", func(t *testing.T) {
		bad := in
		bad.DestroyReason = " "
		_, err := record.DestroyPreview(&active, bad)
		if _, fields := validationProblems(t, err); !cmp.Equal(fields, []string{"destroy_reason"}) {
			t.Errorf("problem fields = %v, want [destroy_reason]", fields)
		}
	})

	t.Run("ApplyPreviewDestroyed requires when and why", func(t *testing.T) {
		for _, tc := range []struct {
			at, reason string
			want       []string
		}{
			{"", "r", []string{"destroyed_at"}},
			{"not a time", "r", []string{"destroyed_at"}},
			{t1, "\t", []string{"destroy_reason"}},
			{" ", "", []string{"destroyed_at", "destroy_reason"}},
		} {
			got, err := record.ApplyPreviewDestroyed(active, tc.at, tc.reason)
			if _, fields := validationProblems(t, err); !cmp.Equal(fields, tc.want) {
				t.Errorf("ApplyPreviewDestroyed(%q, %q) fields = %v, want %v", tc.at, tc.reason, fields, tc.want)
			}
			if !reflect.ValueOf(got).IsZero() {
				t.Errorf("ApplyPreviewDestroyed returned a non-zero preview with its error")
			}
		}
		got, err := record.ApplyPreviewDestroyed(active, " "+t1+" ", " lifecycle_cleanup ")
		if err != nil {
			t.Fatalf("ApplyPreviewDestroyed: %v", err)
		}
		if got.DestroyedAt != t1 || got.UpdatedAt != t1 || got.DestroyReason != "lifecycle_cleanup" {
			t.Errorf("ApplyPreviewDestroyed did not trim: %+v", got)
		}
	})
}
