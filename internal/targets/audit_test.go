package targets_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/targets"
)

// pairAndRow seeds a complete Dokploy pair for a route and, when edit is
// non-nil, an explicit row: the projection changed by edit.
func pairAndRow(t *testing.T, c, i, id string, edit func(*record.ProviderTarget)) []func(context.Context, store.Tx) error {
	tg, tid := dokployTarget(c, i), targetID(c, i, id)
	writes := []func(context.Context, store.Tx) error{putTarget(tg), putID(tid)}
	if edit != nil {
		row := projected(t, tg, tid)
		edit(&row)
		writes = append(writes, putRow(row))
	}
	return writes
}

func same(*record.ProviderTarget) {}

// foreignRow is an explicit row of a provider Launchplane does not audit.
func foreignRow(c, i string) record.ProviderTarget {
	return record.ProviderTarget{SchemaVersion: 1, Context: c, Instance: i, ProviderID: "render", TargetCategory: "service",
		TargetID: "srv-" + c + i, DisplayName: c, ProviderTargetType: "web_service", UpdatedAt: "2026-04-01T00:00:00Z"}
}

// orphanRow is an explicit dokploy row with no Dokploy records behind it.
func orphanRow(c, i, id string) record.ProviderTarget {
	return record.ProviderTarget{SchemaVersion: 1, Context: c, Instance: i, ProviderID: "dokploy", TargetCategory: "compose",
		TargetID: id, DisplayName: c, ProviderTargetType: "compose", UpdatedAt: "2026-04-01T00:00:00Z"}
}

// line is the part of a finding or item the tables compare.
type line struct{ Route, Status, Severity string }

func findingLines(fs []targets.Finding) []line {
	out := []line{}
	for _, f := range fs {
		out = append(out, line{f.Context + "/" + f.Instance, f.Status, f.Severity})
	}
	return out
}

func itemLines(items []targets.BackfillItem) []line {
	out := []line{}
	for _, it := range items {
		out = append(out, line{it.Context + "/" + it.Instance, it.Status, it.Severity})
	}
	return out
}

// auditFleet holds one route per audit status.
func auditFleet(t *testing.T) []func(context.Context, store.Tx) error {
	var w []func(context.Context, store.Tx) error
	w = append(w, pairAndRow(t, "a", "testing", "a-t", same)...)
	w = append(w, pairAndRow(t, "a", "prod", "a-p", nil)...)
	w = append(w, putTarget(dokployTarget("b", "testing")), putID(targetID("b", "prod", "b-p")))
	w = append(w, putRow(orphanRow("c", "testing", "c-t")), putRow(foreignRow("c", "prod")))
	w = append(w, pairAndRow(t, "d", "testing", "d-t", func(p *record.ProviderTarget) { p.TargetID = "d-t-elsewhere" })...)
	w = append(w, pairAndRow(t, "d", "prod", "d-p", func(p *record.ProviderTarget) {
		p.TargetCategory, p.DisplayName, p.ProviderTargetType = "application", "other", "application"
		p.ProviderEvidence = map[string]string{"project_name": "other"}
		p.SourceLabel, p.UpdatedAt = "ignored", "2030-01-01T00:00:00Z" // never compared
	})...)
	return w
}

func TestAuditReportsEveryStatus(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		ctx := context.Background()
		seed(t, s, auditFleet(t)...)
		before := snap(t, s)
		rep, err := svc.Audit(ctx, targets.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		wantLines := []line{
			{"a/prod", "missing_provider_target", "blocked"},
			{"a/testing", "complete", "ok"},
			{"b/prod", "missing_dokploy_target", "blocked"},
			{"b/testing", "missing_target_id", "blocked"},
			{"c/prod", "future_provider", "warning"},
			{"c/testing", "missing_dokploy_pair", "blocked"},
			{"d/prod", "category_mismatch", "blocked"},
			{"d/prod", "display_name_mismatch", "blocked"},
			{"d/prod", "provider_target_type_mismatch", "blocked"},
			{"d/prod", "provider_evidence_mismatch", "blocked"},
			{"d/testing", "identity_mismatch", "blocked"},
		}
		if diff := cmp.Diff(wantLines, findingLines(rep.Findings)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		wantHead := targets.Report{Status: "blocked", InspectedRouteCount: 8, BlockedCount: 9, WarningCount: 1, Counts: map[string]int{
			"missing_provider_target": 1, "complete": 1, "missing_dokploy_target": 1, "missing_target_id": 1, "future_provider": 1,
			"missing_dokploy_pair": 1, "category_mismatch": 1, "display_name_mismatch": 1, "provider_target_type_mismatch": 1,
			"provider_evidence_mismatch": 1, "identity_mismatch": 1,
		}}
		rep.Findings = nil
		if diff := cmp.Diff(wantHead, rep); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("audit wrote (-before +after):\n%s", diff)
		}
	})
}

func TestAuditMismatchNamesFields(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		seed(t, s, auditFleet(t)...)
		rep, err := svc.Audit(context.Background(), targets.Filter{Context: "d", Instance: "testing"})
		if err != nil {
			t.Fatal(err)
		}
		want := []targets.Finding{{Context: "d", Instance: "testing", ProviderID: "dokploy", Status: "identity_mismatch", Severity: "blocked",
			Message: "target_id of the explicit row differs from the Dokploy projection", Field: "target_id", Expected: "d-t", Actual: "d-t-elsewhere"}}
		if diff := cmp.Diff(want, rep.Findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
}

func TestAuditFilters(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		seed(t, s, auditFleet(t)...)
		tests := []struct {
			name      string
			filter    targets.Filter
			want      []line
			inspected int
		}{
			{"context", targets.Filter{Context: "a"}, []line{{"a/prod", "missing_provider_target", "blocked"}, {"a/testing", "complete", "ok"}}, 2},
			{"route", targets.Filter{Context: "a", Instance: "testing"}, []line{{"a/testing", "complete", "ok"}}, 1},
			{"instance", targets.Filter{Instance: "testing", Context: "c"}, []line{{"c/testing", "missing_dokploy_pair", "blocked"}}, 1},
			{"other provider", targets.Filter{ProviderID: " Render "}, []line{{"c/prod", "future_provider", "warning"}}, 1},
			{"dokploy matches either half or a dokploy row", targets.Filter{ProviderID: "dokploy", Context: "c"},
				[]line{{"c/testing", "missing_dokploy_pair", "blocked"}}, 1},
			{"dokploy half only", targets.Filter{ProviderID: "dokploy", Context: "b"},
				[]line{{"b/prod", "missing_dokploy_target", "blocked"}, {"b/testing", "missing_target_id", "blocked"}}, 2},
			{"no match", targets.Filter{Context: "zz"}, []line{{"zz/", "no_matching_routes", "blocked"}}, 0},
			{"unknown provider", targets.Filter{ProviderID: "heroku", Context: "a"}, []line{{"a/", "no_matching_routes", "blocked"}}, 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rep, err := svc.Audit(context.Background(), tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, findingLines(rep.Findings)); diff != "" {
					t.Errorf("findings (-want +got):\n%s", diff)
				}
				if rep.InspectedRouteCount != tc.inspected {
					t.Errorf("inspected %d, want %d", rep.InspectedRouteCount, tc.inspected)
				}
			})
		}
	})
}

func TestAuditEmptyStoreIsClean(t *testing.T) {
	eachEngine(t, func(t *testing.T, _ *sqlstore.Store, svc *targets.Service) {
		rep, err := svc.Audit(context.Background(), targets.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := targets.Report{Status: "ok", Counts: map[string]int{}, Findings: []targets.Finding{}}
		if diff := cmp.Diff(want, rep); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
	})
}

// cleanFleet has no blockers: one route to create, one that exists (its
// label and time differ, which backfill ignores), one incomplete pair and
// one foreign row.
func cleanFleet(t *testing.T) []func(context.Context, store.Tx) error {
	var w []func(context.Context, store.Tx) error
	w = append(w, pairAndRow(t, "a", "testing", "a-t", nil)...)
	w = append(w, pairAndRow(t, "a", "prod", "a-p", func(p *record.ProviderTarget) {
		p.SourceLabel, p.UpdatedAt = "hand-written", "2025-01-01T00:00:00Z"
	})...)
	w = append(w, putTarget(dokployTarget("b", "testing")), putRow(foreignRow("c", "prod")))
	return w
}

func TestBackfillDryRunThenApplyIsIdempotent(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		ctx := context.Background()
		seed(t, s, cleanFleet(t)...)
		existing, err := s.ProviderTargetGet(ctx, "a", "prod")
		if err != nil {
			t.Fatal(err)
		}

		before := snap(t, s)
		dry, err := svc.Backfill(ctx, targets.Filter{}, false)
		if err != nil {
			t.Fatal(err)
		}
		want := []line{
			{"a/prod", "skipped-exists", "ok"},
			{"a/testing", "would-create", "ok"},
			{"b/testing", "skipped-incomplete", "warning"},
			{"c/prod", "unsupported-provider", "warning"},
		}
		if diff := cmp.Diff(want, itemLines(dry.Items)); diff != "" {
			t.Errorf("dry-run items (-want +got):\n%s", diff)
		}
		if dry.Applied || dry.Mode != "dry-run" || dry.Status != "ok" || dry.WarningCount != 2 || dry.InspectedRouteCount != 4 {
			t.Errorf("dry-run report: %+v", dry.Report)
		}
		if diff := cmp.Diff(want, findingLines(dry.Findings)); diff != "" {
			t.Errorf("dry-run findings mirror items (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("dry run wrote (-before +after):\n%s", diff)
		}
		// Items carry the physical and projected records.
		created := dry.Items[1]
		if created.Physical != nil || created.Projected == nil || created.Projected.TargetID != "a-t" {
			t.Errorf("would-create item: %+v", created)
		}
		if it := dry.Items[0]; it.Physical == nil || it.Physical.SourceLabel != "hand-written" || it.Projected.SourceLabel != "seed" {
			t.Errorf("skipped-exists item: %+v", it)
		}

		applied, err := svc.Backfill(ctx, targets.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		want[1].Status = "created"
		if diff := cmp.Diff(want, itemLines(applied.Items)); diff != "" {
			t.Errorf("apply items (-want +got):\n%s", diff)
		}
		if !applied.Applied || applied.Mode != "apply" || applied.Counts["created"] != 1 {
			t.Errorf("apply report: %+v", applied.Report)
		}
		row, err := s.ProviderTargetGet(ctx, "a", "testing")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(*applied.Items[1].Projected, row); diff != "" {
			t.Errorf("created row (-projected +stored):\n%s", diff)
		}
		if aud, err := svc.Audit(ctx, targets.Filter{Context: "a"}); err != nil || aud.Status != "ok" {
			t.Errorf("audit after apply: %+v %v", aud, err)
		}

		// Second apply: everything exists, nothing is written, and the
		// hand-written matching row is never churned.
		before = snap(t, s)
		again, err := svc.Backfill(ctx, targets.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		want[1].Status = "skipped-exists"
		if diff := cmp.Diff(want, itemLines(again.Items)); diff != "" {
			t.Errorf("second apply items (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("second apply wrote (-before +after):\n%s", diff)
		}
		if got, _ := s.ProviderTargetGet(ctx, "a", "prod"); !cmp.Equal(existing, got) {
			t.Errorf("matching row rewritten: %s", cmp.Diff(existing, got))
		}
	})
}

func TestBackfillApplyIsAllOrNothing(t *testing.T) {
	blockers := map[string]struct {
		writes func(t *testing.T) []func(context.Context, store.Tx) error
		want   line
	}{
		"row differs from projection": {
			func(t *testing.T) []func(context.Context, store.Tx) error {
				return pairAndRow(t, "d", "testing", "d-t", func(p *record.ProviderTarget) { p.DisplayName = "other" })
			},
			line{"d/testing", "skipped-conflict", "blocked"},
		},
		"row with an incomplete pair": {
			func(t *testing.T) []func(context.Context, store.Tx) error {
				tg, id := dokployTarget("d", "testing"), targetID("d", "testing", "d-t")
				return []func(context.Context, store.Tx) error{putTarget(tg), putRow(projected(t, tg, id))}
			},
			line{"d/testing", "skipped-incomplete", "blocked"},
		},
		"target id bound to another route": {
			func(t *testing.T) []func(context.Context, store.Tx) error {
				return append(pairAndRow(t, "z", "prod", "shared", same), pairAndRow(t, "d", "testing", "shared", nil)...)
			},
			line{"d/testing", "skipped-conflict", "blocked"},
		},
	}
	for name, tc := range blockers {
		t.Run(name, func(t *testing.T) {
			eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
				seed(t, s, cleanFleet(t)...)
				seed(t, s, tc.writes(t)...)
				before := snap(t, s)
				rep, err := svc.Backfill(context.Background(), targets.Filter{Context: "d"}, false)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]line{tc.want}, itemLines(rep.Items)); diff != "" {
					t.Errorf("filtered dry run (-want +got):\n%s", diff)
				}
				rep, err = svc.Backfill(context.Background(), targets.Filter{}, true)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Applied || rep.Status != "blocked" || rep.BlockedCount != 1 || rep.Counts["would-create"] != 1 {
					t.Errorf("blocked apply: %+v", rep.Report)
				}
				if diff := cmp.Diff(before, snap(t, s)); diff != "" {
					t.Errorf("blocked apply wrote (-before +after):\n%s", diff)
				}
			})
		})
	}
}

func TestBackfillSameTargetIDOnTwoRoutes(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		seed(t, s, append(pairAndRow(t, "g", "testing", "dup", nil), pairAndRow(t, "g", "prod", "dup", nil)...)...)
		rep, err := svc.Backfill(context.Background(), targets.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		want := []line{{"g/prod", "skipped-conflict", "blocked"}, {"g/testing", "skipped-conflict", "blocked"}}
		if diff := cmp.Diff(want, itemLines(rep.Items)); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if rep.Applied || len(snap(t, s).Rows) != 0 {
			t.Errorf("applied %v, rows %+v", rep.Applied, snap(t, s).Rows)
		}
	})
}

func TestBackfillNoMatchingRoutes(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		seed(t, s, cleanFleet(t)...)
		before := snap(t, s)
		rep, err := svc.Backfill(context.Background(), targets.Filter{Context: "nope", ProviderID: "dokploy"}, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]line{{"nope/", "no_matching_routes", "blocked"}}, itemLines(rep.Items)); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if rep.Applied || rep.InspectedRouteCount != 0 || rep.Status != "blocked" {
			t.Errorf("report: %+v", rep.Report)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("wrote (-before +after):\n%s", diff)
		}
	})
}

// racingStore makes one route's create-if-absent lose a race: a racer's
// row lands in the same transaction just before it.
type racingStore struct {
	*sqlstore.Store
	context, instance string
}

func (r racingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return r.Store.Update(ctx, func(tx store.Tx) error { return fn(racingTx{tx, r}) })
}

type racingTx struct {
	store.Tx
	race racingStore
}

func (r racingTx) ProviderTargetCreate(ctx context.Context, p record.ProviderTarget) error {
	if p.Context == r.race.context && p.Instance == r.race.instance {
		racer := p
		racer.TargetID = "racer"
		if err := r.Tx.ProviderTargetPut(ctx, racer); err != nil {
			return err
		}
	}
	return r.Tx.ProviderTargetCreate(ctx, p)
}

func TestBackfillWriteTimeConflictRollsBack(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, _ *targets.Service) {
		// a/testing sorts before z/testing, so its row is created first
		// and must roll back with the lost race.
		seed(t, s, cleanFleet(t)...)
		seed(t, s, pairAndRow(t, "z", "testing", "z-t", nil)...)
		before := snap(t, s)
		c := &clock{t: time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
		svc := targets.New(racingStore{Store: s, context: "z", instance: "testing"}, c.now)
		rep, err := svc.Backfill(context.Background(), targets.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		want := []line{
			{"a/prod", "skipped-exists", "ok"},
			{"a/testing", "would-create", "ok"},
			{"b/testing", "skipped-incomplete", "warning"},
			{"c/prod", "unsupported-provider", "warning"},
			{"z/testing", "skipped-conflict", "blocked"},
		}
		if diff := cmp.Diff(want, itemLines(rep.Items)); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if rep.Applied || rep.Status != "blocked" || rep.BlockedCount != 1 {
			t.Errorf("report: %+v", rep.Report)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("rolled-back apply wrote (-before +after):\n%s", diff)
		}
	})
}
