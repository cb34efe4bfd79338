package record_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
)

func validDokployTarget() record.DokployTarget {
	return record.DokployTarget{
		SchemaVersion: 1, Context: "cm", Instance: "prod", ProjectName: "cm", TargetType: record.TargetCompose,
		TargetName: "cm-prod", SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/web/health",
		UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "test",
	}
}

func TestDokployTargetValidation(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(*record.DokployTarget)
		wantFields []string
	}{
		{"valid", func(*record.DokployTarget) {}, nil},
		{"application", func(r *record.DokployTarget) { r.TargetType = record.TargetApplication }, nil},
		{"schema version", func(r *record.DokployTarget) { r.SchemaVersion = 0 }, []string{"schema_version"}},
		{"blank context", func(r *record.DokployTarget) { r.Context = "  " }, []string{"context"}},
		{"untracked instance", func(r *record.DokployTarget) { r.Instance = "pr-12" }, []string{"instance"}},
		{"blank instance", func(r *record.DokployTarget) { r.Instance = "" }, []string{"instance"}},
		{"target type", func(r *record.DokployTarget) { r.TargetType = "container" }, []string{"target_type"}},
		{"source git ref", func(r *record.DokployTarget) { r.SourceGitRef = " " }, []string{"source_git_ref"}},
		{"deploy timeout", func(r *record.DokployTarget) { r.DeployTimeoutSeconds = intPtr(0) }, []string{"deploy_timeout_seconds"}},
		{"healthcheck timeout", func(r *record.DokployTarget) { r.HealthcheckTimeoutSeconds = intPtr(-5) }, []string{"healthcheck_timeout_seconds"}},
		{"timeouts set", func(r *record.DokployTarget) {
			r.DeployTimeoutSeconds, r.HealthcheckTimeoutSeconds = intPtr(600), intPtr(1)
		}, nil},
		{"healthcheck path", func(r *record.DokployTarget) { r.HealthcheckPath = "health" }, []string{"healthcheck_path"}},
		{"empty healthcheck path", func(r *record.DokployTarget) { r.HealthcheckPath = "" }, nil},
		{"blank env key", func(r *record.DokployTarget) { r.Env = map[string]string{" ": "x"} }, []string{"env"}},
		{"blank domain", func(r *record.DokployTarget) { r.Domains = []string{"cm.example", " "} }, []string{"domains[1]"}},
		{"updated at missing", func(r *record.DokployTarget) { r.UpdatedAt = "" }, []string{"updated_at"}},
		{"updated at garbage", func(r *record.DokployTarget) { r.UpdatedAt = "yesterday" }, []string{"updated_at"}},
		{"several", func(r *record.DokployTarget) { r.Context, r.TargetType = "", "x" }, []string{"context", "target_type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validDokployTarget()
			tc.edit(&r)
			if diff := cmp.Diff(tc.wantFields, problemFields(r.Validate())); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDokployTargetNormalizes(t *testing.T) {
	r := validDokployTarget()
	r.Context, r.TargetName, r.Domains = " cm ", " cm-prod ", []string{" cm.example "}
	r.Policies.Shopify.ProtectedStoreKeys = []string{" store-a ", "", "store-b", "store-a", "  "}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	want := validDokployTarget()
	want.Domains, want.WatchPaths, want.Env = []string{"cm.example"}, []string{}, map[string]string{}
	want.Policies.Shopify.ProtectedStoreKeys = []string{"store-a", "store-b"}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("normalized (-want +got):\n%s", diff)
	}
}

func TestNormalizeStoreKeys(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{nil, []string{}},
		{[]string{"", " "}, []string{}},
		{[]string{"b", "a", "b"}, []string{"b", "a"}},
		{[]string{" shop.myshopify.com ", "shop.myshopify.com", "other"}, []string{"shop.myshopify.com", "other"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, record.NormalizeStoreKeys(tc.in)); diff != "" {
			t.Errorf("NormalizeStoreKeys(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestDecodeDokployTarget(t *testing.T) {
	got, err := record.DecodeDokployTarget([]byte(`{"context":"cm","instance":"testing","updated_at":"2026-04-16T08:00:00Z",
		"policies":{"shopify":{"protected_store_keys":["a"," a "]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.TargetType != "compose" || got.SourceGitRef != "origin/main" || !got.HealthcheckEnabled || got.HealthcheckPath != "/web/health" ||
		got.SchemaVersion != 1 || !cmp.Equal(got.Policies.Shopify.ProtectedStoreKeys, []string{"a"}) {
		t.Errorf("defaults and normalization: %+v", got)
	}
	for name, in := range map[string]string{
		"unknown field":        `{"context":"cm","instance":"testing","updated_at":"2026-04-16T08:00:00Z","colour":"red"}`,
		"unknown policy field": `{"context":"cm","instance":"testing","updated_at":"2026-04-16T08:00:00Z","policies":{"shopify":{"keys":[]}}}`,
		"wrong type":           `{"context":"cm","instance":"testing","updated_at":"2026-04-16T08:00:00Z","require_prod_gate":"yes"}`,
	} {
		if _, err := record.DecodeDokployTarget([]byte(in)); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

func TestDokployTargetIDValidation(t *testing.T) {
	valid := func() record.DokployTargetID {
		return record.DokployTargetID{SchemaVersion: 1, Context: "cm", Instance: "testing", TargetID: "cmp-1",
			UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "test"}
	}
	tests := []struct {
		name       string
		edit       func(*record.DokployTargetID)
		wantFields []string
	}{
		{"valid", func(*record.DokployTargetID) {}, nil},
		{"schema version", func(r *record.DokployTargetID) { r.SchemaVersion = -1 }, []string{"schema_version"}},
		{"context", func(r *record.DokployTargetID) { r.Context = "" }, []string{"context"}},
		{"instance", func(r *record.DokployTargetID) { r.Instance = "local" }, []string{"instance"}},
		{"target id", func(r *record.DokployTargetID) { r.TargetID = " " }, []string{"target_id"}},
		{"updated at", func(r *record.DokployTargetID) { r.UpdatedAt = "" }, []string{"updated_at"}},
		{"source label", func(r *record.DokployTargetID) { r.SourceLabel = "" }, []string{"source_label"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.edit(&r)
			if diff := cmp.Diff(tc.wantFields, problemFields(r.Validate())); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := record.DecodeDokployTargetID([]byte(`{"context":"cm","instance":"prod","target_id":"x","updated_at":"2026-04-16T08:00:00Z","source_label":"t","extra":1}`)); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("unknown field: %v", err)
	}
}

func validProviderTarget() record.ProviderTarget {
	return record.ProviderTarget{SchemaVersion: 1, Context: "cm", Instance: "prod", ProviderID: "dokploy", TargetCategory: "compose",
		TargetID: "cmp-1", DisplayName: "cm-prod", ProviderTargetType: "compose", UpdatedAt: "2026-04-16T08:00:00Z"}
}

func TestProviderTargetValidation(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(*record.ProviderTarget)
		wantFields []string
	}{
		{"valid", func(*record.ProviderTarget) {}, nil},
		{"any instance", func(r *record.ProviderTarget) { r.Instance = "staging" }, nil},
		{"schema version", func(r *record.ProviderTarget) { r.SchemaVersion = 0 }, []string{"schema_version"}},
		{"context", func(r *record.ProviderTarget) { r.Context = " " }, []string{"context"}},
		{"instance", func(r *record.ProviderTarget) { r.Instance = "" }, []string{"instance"}},
		{"provider id", func(r *record.ProviderTarget) { r.ProviderID = "" }, []string{"provider_id"}},
		{"category", func(r *record.ProviderTarget) { r.TargetCategory = "vm" }, []string{"target_category"}},
		{"target id", func(r *record.ProviderTarget) { r.TargetID = "" }, []string{"target_id"}},
		{"display name", func(r *record.ProviderTarget) { r.DisplayName = "" }, []string{"display_name"}},
		{"provider target type", func(r *record.ProviderTarget) { r.ProviderTargetType = " " }, []string{"provider_target_type"}},
		{"blank evidence key", func(r *record.ProviderTarget) { r.ProviderEvidence = map[string]string{"": "x"} }, []string{"provider_evidence"}},
		{"updated at", func(r *record.ProviderTarget) { r.UpdatedAt = "2026-13-01" }, []string{"updated_at"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validProviderTarget()
			tc.edit(&r)
			if diff := cmp.Diff(tc.wantFields, problemFields(r.Validate())); diff != "" {
				t.Errorf("problem fields (-want +got):\n%s", diff)
			}
		})
	}
	for _, cat := range []string{"application", "compose", "container", "service", "static", "unknown"} {
		r := validProviderTarget()
		r.TargetCategory = cat
		if err := r.Validate(); err != nil {
			t.Errorf("category %s: %v", cat, err)
		}
	}
	r := validProviderTarget()
	r.ProviderID, r.ProviderTargetType = " DokPloy ", "Compose"
	if err := r.Validate(); err != nil || r.ProviderID != "dokploy" || r.ProviderTargetType != "compose" {
		t.Errorf("lower-casing: %+v %v", r, err)
	}
}

func TestProjectProviderTarget(t *testing.T) {
	tg := validDokployTarget()
	tg.TargetType = record.TargetApplication
	id := record.DokployTargetID{SchemaVersion: 1, Context: "cm", Instance: "prod", TargetID: "app-9", UpdatedAt: "2026-04-17T00:00:00Z", SourceLabel: "id-label"}
	got, ok := record.ProjectProviderTarget(tg, id)
	if !ok {
		t.Fatal("refused a matching pair")
	}
	want := record.ProviderTarget{SchemaVersion: 1, Context: "cm", Instance: "prod", ProviderID: "dokploy", TargetCategory: "application",
		TargetID: "app-9", DisplayName: "cm-prod", ProviderTargetType: "application",
		ProviderEvidence: map[string]string{"project_name": "cm"}, UpdatedAt: "2026-04-17T00:00:00Z", SourceLabel: "test"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("projection (-want +got):\n%s", diff)
	}

	// Fallbacks: display name from the instance, label from the id record,
	// no evidence without a project name, the later time.
	tg.TargetName, tg.SourceLabel, tg.ProjectName, tg.UpdatedAt = "", "", "", "2026-04-18T00:00:00Z"
	got, _ = record.ProjectProviderTarget(tg, id)
	if got.DisplayName != "prod" || got.SourceLabel != "id-label" || len(got.ProviderEvidence) != 0 || got.UpdatedAt != "2026-04-18T00:00:00Z" {
		t.Errorf("fallbacks: %+v", got)
	}
	id.Instance = "testing"
	if _, ok := record.ProjectProviderTarget(tg, id); ok {
		t.Error("projected a pair of two routes")
	}
}

func TestProviderTargetSameTarget(t *testing.T) {
	base := validProviderTarget()
	other := base
	other.UpdatedAt, other.SourceLabel = "2030-01-01T00:00:00Z", "elsewhere"
	if !base.SameTarget(other) {
		t.Error("updated_at and source_label must not count")
	}
	for name, edit := range map[string]func(*record.ProviderTarget){
		"target id":   func(p *record.ProviderTarget) { p.TargetID = "x" },
		"provider":    func(p *record.ProviderTarget) { p.ProviderID = "render" },
		"category":    func(p *record.ProviderTarget) { p.TargetCategory = "application" },
		"display":     func(p *record.ProviderTarget) { p.DisplayName = "x" },
		"type":        func(p *record.ProviderTarget) { p.ProviderTargetType = "x" },
		"evidence":    func(p *record.ProviderTarget) { p.ProviderEvidence = map[string]string{"project_name": "x"} },
		"route moved": func(p *record.ProviderTarget) { p.Instance = "testing" },
	} {
		changed := base
		edit(&changed)
		if base.SameTarget(changed) {
			t.Errorf("%s change not noticed", name)
		}
	}
}
