package record_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
)

const mintedAt = "2026-04-16T08:10:00Z"

// manifestWith returns a valid manifest whose addon sources are replaced.
func manifestWith(sourceCommit string, addons ...record.AddonSource) record.ArtifactManifest {
	m := recordtest.Manifest("artifact-cm-1")
	m.SourceCommit = sourceCommit
	m.AddonSources = addons
	return m
}

func TestRepoSHAsFromManifest(t *testing.T) {
	const (
		sha3 = "fedcba9876543210fedcba9876543210fedcba98"
		up   = "ABCDEF0123456789ABCDEF0123456789ABCDEF01"
	)
	tests := []struct {
		name    string
		context string
		m       record.ArtifactManifest
		want    map[string]string
	}{
		{"tenant only", "cm", manifestWith(recordtest.SHA),
			map[string]string{"tenant-cm": recordtest.SHA}},
		{"odoo- prefix and .git suffix removed", "cm",
			manifestWith(recordtest.SHA, record.AddonSource{Repository: "github.com/acme/odoo-shared-addons.git", Ref: recordtest.SHA2}),
			map[string]string{"tenant-cm": recordtest.SHA, "shared-addons": recordtest.SHA2}},
		{"last path segment of a URL", "opw",
			manifestWith(recordtest.SHA,
				record.AddonSource{Repository: "https://github.com/acme/enterprise", Ref: recordtest.SHA2},
				record.AddonSource{Repository: "git@github.com:acme/odoo-web-addons.git", Ref: sha3}),
			map[string]string{"tenant-opw": recordtest.SHA, "enterprise": recordtest.SHA2, "web-addons": sha3}},
		{"trailing slash ignored", "cm",
			manifestWith(recordtest.SHA, record.AddonSource{Repository: "github.com/acme/odoo-helpdesk/", Ref: recordtest.SHA2}),
			map[string]string{"tenant-cm": recordtest.SHA, "helpdesk": recordtest.SHA2}},
		{"odoo- removed only as a leading prefix, once", "cm",
			manifestWith(recordtest.SHA,
				record.AddonSource{Repository: "github.com/acme/my-odoo-tools.git", Ref: recordtest.SHA2},
				record.AddonSource{Repository: "github.com/acme/odoo-odoo-compat.git", Ref: sha3}),
			map[string]string{"tenant-cm": recordtest.SHA, "my-odoo-tools": recordtest.SHA2, "odoo-compat": sha3}},
		{"short and upper-case SHAs", "cm",
			manifestWith("abcdef1", record.AddonSource{Repository: "github.com/acme/odoo-shared", Ref: up}),
			map[string]string{"tenant-cm": "abcdef1", "shared": up}},
		{"same repository twice with the same SHA", "cm",
			manifestWith(recordtest.SHA,
				record.AddonSource{Repository: "github.com/acme/odoo-shared.git", Ref: recordtest.SHA2},
				record.AddonSource{Repository: "github.com/fork/shared", Ref: recordtest.SHA2}),
			map[string]string{"tenant-cm": recordtest.SHA, "shared": recordtest.SHA2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.RepoSHAsFromManifest(tt.context, tt.m)
			if err != nil {
				t.Fatalf("RepoSHAsFromManifest: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("repo_shas mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRepoSHAsFromManifestRejects(t *testing.T) {
	tests := []struct {
		name string
		m    record.ArtifactManifest
		// wantInError is a detail the error message must carry.
		wantInError string
	}{
		{"branch source_commit", manifestWith("main"), `"main"`},
		{"remote branch addon ref", manifestWith(recordtest.SHA,
			record.AddonSource{Repository: "github.com/acme/odoo-shared.git", Ref: "origin/testing"}), `"origin/testing"`},
		{"tag addon ref", manifestWith(recordtest.SHA,
			record.AddonSource{Repository: "github.com/acme/odoo-shared.git", Ref: "v1.2.3"}), `"v1.2.3"`},
		{"six-character SHA", manifestWith("abcdef"), `"abcdef"`},
		{"41-character SHA", manifestWith(recordtest.SHA + "0"), recordtest.SHA + "0"},
		{"non-hex SHA", manifestWith("abcdefg"), `"abcdefg"`},
		{"SHA with surrounding space", manifestWith(" " + recordtest.SHA), recordtest.SHA},
		{"empty source_commit", manifestWith(""), "source_commit"},
		{"one addon repo at two SHAs", manifestWith(recordtest.SHA,
			record.AddonSource{Repository: "github.com/acme/odoo-shared.git", Ref: recordtest.SHA2},
			record.AddonSource{Repository: "github.com/fork/shared", Ref: "fedcba9876543210fedcba9876543210fedcba98"}), `"shared"`},
		{"addon collides with the tenant repo", manifestWith(recordtest.SHA,
			record.AddonSource{Repository: "github.com/acme/tenant-cm.git", Ref: recordtest.SHA2}), `"tenant-cm"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.RepoSHAsFromManifest("cm", tt.m)
			if err == nil {
				t.Fatalf("RepoSHAsFromManifest = %v, want an error", got)
			}
			if !errors.Is(err, record.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false, want true", err)
			}
			if got != nil {
				t.Errorf("RepoSHAsFromManifest returned %v with its error, want nil", got)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not mention %s", err, tt.wantInError)
			}
		})
	}
}

func TestShipTuple(t *testing.T) {
	m := recordtest.Manifest("artifact-cm-1")
	for _, channel := range []string{record.ChannelTesting, record.ChannelProd} {
		t.Run(channel, func(t *testing.T) {
			got, err := record.ShipTuple("cm", channel, "deployment-1", m, mintedAt)
			if err != nil {
				t.Fatalf("ShipTuple: %v", err)
			}
			want := record.ReleaseTuple{
				SchemaVersion:      1,
				Context:            "cm",
				Channel:            channel,
				TupleID:            "cm-" + channel + "-artifact-cm-1",
				ArtifactID:         "artifact-cm-1",
				RepoSHAs:           map[string]string{"tenant-cm": recordtest.SHA, "shared-addons": recordtest.SHA2},
				ImageRepository:    m.Image.Repository,
				ImageDigest:        m.Image.Digest,
				DeploymentRecordID: "deployment-1",
				Provenance:         record.ProvenanceShip,
				MintedAt:           mintedAt,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ShipTuple mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShipTupleRejects(t *testing.T) {
	valid := recordtest.Manifest("artifact-cm-1")
	tests := []struct {
		name     string
		channel  string
		m        record.ArtifactManifest
		mintedAt string
	}{
		{"dev channel", "dev", valid, mintedAt},
		{"preview channel", "preview", valid, mintedAt},
		{"pr channel", "pr-12", valid, mintedAt},
		{"empty channel", "", valid, mintedAt},
		{"channel differs in case", "Prod", valid, mintedAt},
		{"channel with space", " testing", valid, mintedAt},
		{"branch source commit", "testing", manifestWith("main"), mintedAt},
		{"branch addon ref", "prod", manifestWith(recordtest.SHA,
			record.AddonSource{Repository: "github.com/acme/odoo-shared.git", Ref: "origin/testing"}), mintedAt},
		{"missing minted_at", "testing", valid, ""},
		{"bad minted_at", "testing", valid, "yesterday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.ShipTuple("cm", tt.channel, "deployment-1", tt.m, tt.mintedAt)
			if err == nil {
				t.Fatalf("ShipTuple = %+v, want an error", got)
			}
			if !errors.Is(err, record.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false, want true", err)
			}
		})
	}
}

func TestPromotedTuple(t *testing.T) {
	source := recordtest.ShipTuple("cm", record.ChannelTesting, "artifact-cm-1", "2026-04-15T10:00:00Z")
	sourceBefore := source
	sourceBefore.RepoSHAs = map[string]string{"tenant-cm": recordtest.SHA, "shared-addons": recordtest.SHA2}

	got, err := record.PromotedTuple(source, record.ChannelProd, "promotion-1", "deployment-2", mintedAt)
	if err != nil {
		t.Fatalf("PromotedTuple: %v", err)
	}
	want := record.ReleaseTuple{
		SchemaVersion:       1,
		Context:             "cm",
		Channel:             record.ChannelProd,
		TupleID:             "cm-prod-artifact-cm-1",
		ArtifactID:          "artifact-cm-1",
		RepoSHAs:            map[string]string{"tenant-cm": recordtest.SHA, "shared-addons": recordtest.SHA2},
		ImageRepository:     source.ImageRepository,
		ImageDigest:         source.ImageDigest,
		DeploymentRecordID:  "deployment-2",
		PromotionRecordID:   "promotion-1",
		PromotedFromChannel: record.ChannelTesting,
		Provenance:          record.ProvenancePromotion,
		MintedAt:            mintedAt,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("PromotedTuple mismatch (-want +got):\n%s", diff)
	}

	t.Run("mutating the copy leaves the source alone", func(t *testing.T) {
		got.RepoSHAs["tenant-cm"] = "abcdef1"
		got.RepoSHAs["extra"] = "abcdef2"
		delete(got.RepoSHAs, "shared-addons")
		if diff := cmp.Diff(sourceBefore, source); diff != "" {
			t.Errorf("source tuple changed (-before +after):\n%s", diff)
		}
	})
	t.Run("mutating the source leaves the copy alone", func(t *testing.T) {
		fresh, err := record.PromotedTuple(source, record.ChannelProd, "promotion-1", "deployment-2", mintedAt)
		if err != nil {
			t.Fatalf("PromotedTuple: %v", err)
		}
		source.RepoSHAs["tenant-cm"] = "abcdef3"
		if diff := cmp.Diff(want.RepoSHAs, fresh.RepoSHAs); diff != "" {
			t.Errorf("promoted repo_shas changed with the source (-want +got):\n%s", diff)
		}
	})
}

func TestPromotedTupleRejects(t *testing.T) {
	valid := recordtest.ShipTuple("cm", record.ChannelTesting, "artifact-cm-1", mintedAt)
	withChannel := func(ch string) record.ReleaseTuple {
		r := valid
		r.Channel = ch
		return r
	}
	withSHAs := func(shas map[string]string) record.ReleaseTuple {
		r := valid
		r.RepoSHAs = shas
		return r
	}
	tests := []struct {
		name     string
		source   record.ReleaseTuple
		to       string
		mintedAt string
	}{
		{"to dev", valid, "dev", mintedAt},
		{"to preview", valid, "preview", mintedAt},
		{"to pr channel", valid, "pr-12", mintedAt},
		{"from preview", withChannel("preview"), record.ChannelProd, mintedAt},
		{"from empty channel", withChannel(""), record.ChannelProd, mintedAt},
		{"source without repo_shas", withSHAs(nil), record.ChannelProd, mintedAt},
		{"source with a branch ref", withSHAs(map[string]string{"tenant-cm": "main"}), record.ChannelProd, mintedAt},
		{"bad minted_at", valid, record.ChannelProd, "later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := record.PromotedTuple(tt.source, tt.to, "promotion-1", "deployment-2", tt.mintedAt)
			if err == nil {
				t.Fatalf("PromotedTuple = %+v, want an error", got)
			}
			if !errors.Is(err, record.ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false, want true", err)
			}
		})
	}
}

func TestReleaseTupleValidate(t *testing.T) {
	base := func() record.ReleaseTuple {
		return record.ReleaseTuple{
			SchemaVersion: 1,
			Context:       "cm",
			Channel:       record.ChannelTesting,
			TupleID:       "cm-testing-artifact-cm-1",
			ArtifactID:    "artifact-cm-1",
			RepoSHAs:      map[string]string{"tenant-cm": recordtest.SHA},
			Provenance:    record.ProvenanceShip,
			MintedAt:      mintedAt,
		}
	}
	tests := []struct {
		name       string
		mutate     func(*record.ReleaseTuple)
		wantFields []string // nil means valid
	}{
		{"valid ship", func(*record.ReleaseTuple) {}, nil},
		{"valid promotion", func(r *record.ReleaseTuple) {
			r.Channel, r.TupleID = record.ChannelProd, "cm-prod-artifact-cm-1"
			r.Provenance, r.PromotedFromChannel = record.ProvenancePromotion, record.ChannelTesting
		}, nil},
		{"seven-character SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = "abcdef1" }, nil},
		{"upper-case SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = strings.ToUpper(recordtest.SHA) }, nil},
		{"tuple_id for another channel", func(r *record.ReleaseTuple) { r.TupleID = "cm-prod-artifact-cm-1" }, []string{"tuple_id"}},
		{"tuple_id for another artifact", func(r *record.ReleaseTuple) { r.TupleID = "cm-testing-artifact-cm-2" }, []string{"tuple_id"}},
		{"tuple_id for another context", func(r *record.ReleaseTuple) { r.TupleID = "opw-testing-artifact-cm-1" }, []string{"tuple_id"}},
		{"tuple_id without separators", func(r *record.ReleaseTuple) { r.TupleID = "cmtestingartifact-cm-1" }, []string{"tuple_id"}},
		{"blank tuple_id", func(r *record.ReleaseTuple) { r.TupleID = " " }, []string{"tuple_id"}},
		{"nil repo_shas", func(r *record.ReleaseTuple) { r.RepoSHAs = nil }, []string{"repo_shas"}},
		{"empty repo_shas", func(r *record.ReleaseTuple) { r.RepoSHAs = map[string]string{} }, []string{"repo_shas"}},
		{"branch name SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = "main" }, []string{"repo_shas.tenant-cm"}},
		{"remote branch SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["shared"] = "origin/testing" }, []string{"repo_shas.shared"}},
		{"six-character SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = "abcdef" }, []string{"repo_shas.tenant-cm"}},
		{"41-character SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = recordtest.SHA + "a" }, []string{"repo_shas.tenant-cm"}},
		{"non-hex SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = "abcdefg" }, []string{"repo_shas.tenant-cm"}},
		{"SHA with trailing newline", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = recordtest.SHA + "\n" }, []string{"repo_shas.tenant-cm"}},
		{"empty SHA", func(r *record.ReleaseTuple) { r.RepoSHAs["tenant-cm"] = "" }, []string{"repo_shas.tenant-cm"}},
		{"blank repository name", func(r *record.ReleaseTuple) { r.RepoSHAs[" "] = recordtest.SHA2 }, []string{"repo_shas"}},
		{"promotion without promoted_from_channel", func(r *record.ReleaseTuple) { r.Provenance = record.ProvenancePromotion }, []string{"promoted_from_channel"}},
		{"promotion with blank promoted_from_channel", func(r *record.ReleaseTuple) {
			r.Provenance, r.PromotedFromChannel = record.ProvenancePromotion, "  "
		}, []string{"promoted_from_channel"}},
		{"promotion from an unstable channel", func(r *record.ReleaseTuple) {
			r.Provenance, r.PromotedFromChannel = record.ProvenancePromotion, "dev"
		}, []string{"promoted_from_channel"}},
		{"unknown provenance", func(r *record.ReleaseTuple) { r.Provenance = "manual" }, []string{"provenance"}},
		{"missing provenance", func(r *record.ReleaseTuple) { r.Provenance = "" }, []string{"provenance"}},
		{"dev channel", func(r *record.ReleaseTuple) { r.Channel, r.TupleID = "dev", "cm-dev-artifact-cm-1" }, []string{"channel"}},
		{"pr channel", func(r *record.ReleaseTuple) { r.Channel, r.TupleID = "pr-12", "cm-pr-12-artifact-cm-1" }, []string{"channel"}},
		{"missing minted_at", func(r *record.ReleaseTuple) { r.MintedAt = "" }, []string{"minted_at"}},
		{"bad minted_at", func(r *record.ReleaseTuple) { r.MintedAt = "16/04/2026" }, []string{"minted_at"}},
		{"schema_version 0", func(r *record.ReleaseTuple) { r.SchemaVersion = 0 }, []string{"schema_version"}},
		{"blank context", func(r *record.ReleaseTuple) { r.Context = " " }, []string{"context", "tuple_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.mutate(&r)
			err := r.Validate()
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			_, fields := validationProblems(t, err)
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("problem fields mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestDecodeReleaseTuple(t *testing.T) {
	body := `{"schema_version":1,"context":" cm ","channel":" prod ","tuple_id":" cm-prod-artifact-cm-1 ",` +
		`"artifact_id":" artifact-cm-1 ","repo_shas":{"tenant-cm":"` + recordtest.SHA + `","shared":"abcdef1"},` +
		`"image_repository":" ghcr.io/acme/web ","image_digest":" sha256:abc ",` +
		`"deployment_record_id":" deployment-2 ","promotion_record_id":" promotion-1 ",` +
		`"promoted_from_channel":" testing ","provenance":"promotion","minted_at":" 2026-04-16T08:10:00Z "}`
	want := record.ReleaseTuple{
		SchemaVersion:       1,
		Context:             "cm",
		Channel:             "prod",
		TupleID:             "cm-prod-artifact-cm-1",
		ArtifactID:          "artifact-cm-1",
		RepoSHAs:            map[string]string{"tenant-cm": recordtest.SHA, "shared": "abcdef1"},
		ImageRepository:     "ghcr.io/acme/web",
		ImageDigest:         "sha256:abc",
		DeploymentRecordID:  "deployment-2",
		PromotionRecordID:   "promotion-1",
		PromotedFromChannel: "testing",
		Provenance:          record.ProvenancePromotion,
		MintedAt:            mintedAt,
	}
	got, err := record.DecodeReleaseTuple([]byte(body))
	if err != nil {
		t.Fatalf("DecodeReleaseTuple: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeReleaseTuple mismatch (-want +got):\n%s", diff)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-04-16T08:10:00Z", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T10:10:00+02:00", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T03:40:00-04:30", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T08:10:00+00:00", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T08:10:00.5Z", time.Date(2026, 4, 16, 8, 10, 0, 500_000_000, time.UTC)},
		{"2026-04-16T08:10:00.123456789Z", time.Date(2026, 4, 16, 8, 10, 0, 123_456_789, time.UTC)},
		{"2026-04-16T09:10:00.25+01:00", time.Date(2026, 4, 16, 8, 10, 0, 250_000_000, time.UTC)},
		{"2026-04-16T08:10:00", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T08:10:00.123456", time.Date(2026, 4, 16, 8, 10, 0, 123_456_000, time.UTC)},
		{"2024-02-29T23:59:59Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		// The other ISO 8601 forms Python's isoformat/fromisoformat use.
		{"2026-04-16T08:10Z", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T10:10:00+0200", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T08:10:00+0000", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16 08:10:00", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16 08:10:00+00:00", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16t08:10:00z", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
		{"2026-04-16T08:10", time.Date(2026, 4, 16, 8, 10, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := record.ParseTime(tt.in)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTime(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) location = %v, want UTC", tt.in, got.Location())
			}
		})
	}
}

func TestParseTimeRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"garbage",
		"now",
		"1713255000",
		"2026-04-16",
		"08:10:00",
		"2026-04-16T08:10:00 UTC",
		"2026-13-01T00:00:00Z",
		"2026-02-30T00:00:00Z",
		"2026-04-16T25:00:00Z",
		"2026-04-16T08:10:00.Z",
		"16/04/2026 08:10:00",
		" 2026-04-16T08:10:00Z",
		"2026-04-16T08:10:00Zjunk",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := record.ParseTime(in)
			if err == nil {
				t.Fatalf("ParseTime(%q) = %v, want an error", in, got)
			}
			if !got.IsZero() {
				t.Errorf("ParseTime(%q) returned %v with its error, want the zero time", in, got)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	in := time.Date(2026, 4, 16, 10, 10, 0, 999_000_000, time.FixedZone("CEST", 2*60*60))
	if diff := cmp.Diff("2026-04-16T08:10:00Z", record.FormatTime(in)); diff != "" {
		t.Errorf("FormatTime mismatch (-want +got):\n%s", diff)
	}
	back, err := record.ParseTime(record.FormatTime(in))
	if err != nil {
		t.Fatalf("ParseTime(FormatTime): %v", err)
	}
	if diff := cmp.Diff(in.Truncate(time.Second).UTC(), back); diff != "" {
		t.Errorf("ParseTime(FormatTime) mismatch (-want +got):\n%s", diff)
	}
}
