package evidence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

var fixedNow = time.Date(2026, 4, 16, 9, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	ctx   context.Context
	store *sqlstore.Store
	svc   *evidence.Service
}

// eachEngine runs fn against a fresh store on every engine.
func eachEngine(t *testing.T, fn func(e *env)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{Now: func() time.Time { return fixedNow }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			fn(&env{t: t, ctx: context.Background(), store: s, svc: evidence.New(s, func() time.Time { return fixedNow })})
		})
	}
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) deploy(d record.Deployment) evidence.DeploymentResult {
	e.t.Helper()
	res, err := e.svc.IngestDeployment(e.ctx, d)
	e.must(err)
	return res
}

func (e *env) inventoryDeployment(context, instance string) string {
	e.t.Helper()
	inv, err := e.store.InventoryGet(e.ctx, context, instance)
	if errors.Is(err, store.ErrNotFound) {
		return "(none)"
	}
	e.must(err)
	return inv.DeploymentRecordID
}

// counts is the number of stored rows per family plus ledger entries.
func (e *env) counts() map[string]int {
	e.t.Helper()
	c := map[string]int{}
	for table, name := range map[string]string{
		"launchplane_artifact_manifests": "artifacts", "launchplane_backup_gates": "gates",
		"launchplane_deployments": "deployments", "launchplane_promotions": "promotions",
		"launchplane_inventory": "inventory", "launchplane_release_tuples": "tuples",
		"launchplane_evidence_ledger": "ledger", "launchplane_preview_records": "previews",
		"launchplane_preview_generations": "generations", "launchplane_idempotency_records": "idempotency",
	} {
		var n int
		e.must(e.store.DB().QueryRowContext(e.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
		c[name] = n
	}
	return c
}

func TestDeploymentRefreshesInventory(t *testing.T) {
	eachEngine(t, func(e *env) {
		d := recordtest.Deployment("dep-1", "cm", "testing", "art-1", "2026-04-16T08:00:00Z")
		res := e.deploy(d)
		want := evidence.DeploymentResult{
			DeploymentRecordID: "dep-1", InventoryRecordID: "cm-testing",
			Inventory: evidence.Outcome{Action: evidence.ActionUpdated, RecordID: "cm-testing"},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		inv, err := e.store.InventoryGet(e.ctx, "cm", "testing")
		e.must(err)
		if diff := cmp.Diff(record.InventoryFromDeployment(d, "2026-04-16T09:00:00Z"), inv); diff != "" {
			t.Errorf("inventory (-want +got):\n%s", diff)
		}
		report, err := e.store.VerifyLedger(e.ctx)
		e.must(err)
		if !report.OK() || report.Entries != 2 {
			t.Errorf("deployment + inventory should be two ledger entries in one chain: %+v", report)
		}
	})
}

func TestInventoryOrderingAndFailures(t *testing.T) {
	newer := recordtest.Deployment("dep-new", "cm", "prod", "art-2", "2026-04-16T08:30:00Z")
	older := recordtest.Deployment("dep-old", "cm", "prod", "art-1", "2026-04-16T08:00:00Z")
	failed := recordtest.Deployment("dep-fail", "cm", "prod", "art-3", "2026-04-16T08:45:00Z")
	failed.Deploy.Status = record.StatusFail
	pending := recordtest.Deployment("dep-pending", "cm", "prod", "art-4", "2026-04-16T08:50:00Z")
	pending.Deploy.Status = record.StatusPending
	timeless := recordtest.Deployment("dep-timeless", "cm", "prod", "art-5", "")
	tests := []struct {
		name       string
		sequence   []record.Deployment
		wantLane   string
		wantAction []string
	}{
		{"in order", []record.Deployment{older, newer}, "dep-new", []string{"updated", "updated"}},
		{"older arrives late", []record.Deployment{newer, older}, "dep-new", []string{"updated", "unchanged"}},
		{"failed deploy keeps running artifact", []record.Deployment{newer, failed}, "dep-new", []string{"updated", "unchanged"}},
		{"pending deploy keeps running artifact", []record.Deployment{newer, pending}, "dep-new", []string{"updated", "unchanged"}},
		{"failed first deploy creates no inventory", []record.Deployment{failed}, "(none)", []string{"unchanged"}},
		{"timeless evidence follows arrival order", []record.Deployment{newer, timeless}, "dep-timeless", []string{"updated", "updated"}},
		{"re-sent current deployment refreshes", []record.Deployment{newer, newer}, "dep-new", []string{"updated", "updated"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachEngine(t, func(e *env) {
				var actions []string
				for _, d := range tc.sequence {
					actions = append(actions, e.deploy(d).Inventory.Action)
				}
				if diff := cmp.Diff(tc.wantAction, actions); diff != "" {
					t.Errorf("inventory actions (-want +got):\n%s", diff)
				}
				if got := e.inventoryDeployment("cm", "prod"); got != tc.wantLane {
					t.Errorf("lane runs %s, want %s", got, tc.wantLane)
				}
				for _, d := range tc.sequence {
					if _, err := e.store.DeploymentGet(e.ctx, d.RecordID); err != nil {
						t.Errorf("deployment %s was not stored: %v", d.RecordID, err)
					}
				}
			})
		})
	}
}

func TestFailedDeploymentKeepsRunningArtifactProtected(t *testing.T) {
	eachEngine(t, func(e *env) {
		_, err := e.svc.IngestArtifact(e.ctx, recordtest.Manifest("art-1"))
		e.must(err)
		e.deploy(recordtest.Deployment("dep-1", "cm", "prod", "art-1", "2026-04-16T08:00:00Z"))
		failed := recordtest.Deployment("dep-2", "cm", "prod", "art-2", "2026-04-16T08:30:00Z")
		failed.Deploy.Status = record.StatusFail
		e.deploy(failed)

		set, err := e.svc.ProtectedArtifacts(e.ctx, "cm")
		e.must(err)
		if diff := cmp.Diff([]string{"art-1"}, set.ArtifactIDs); diff != "" {
			t.Errorf("protected artifacts (-want +got):\n%s", diff)
		}
		m := recordtest.Manifest("art-1")
		wantRefs := []string{m.Image.Repository + ":art-1", m.Image.Repository + "@" + m.Image.Digest}
		if diff := cmp.Diff(wantRefs, set.ImageReferences); diff != "" {
			t.Errorf("protected references (-want +got):\n%s", diff)
		}
		if len(set.Warnings) != 0 {
			t.Errorf("unexpected warnings: %v", set.Warnings)
		}
	})
}

func TestProtectedArtifactsFromTuplesAndWarnings(t *testing.T) {
	eachEngine(t, func(e *env) {
		// Lane with a live artifact but no manifest, a lane without any
		// artifact identity, and a tuple whose artifact is no longer live.
		e.deploy(recordtest.Deployment("dep-1", "cm", "testing", "art-live", "2026-04-16T08:00:00Z"))
		e.deploy(recordtest.Deployment("dep-2", "cm", "dev", "", "2026-04-16T08:00:00Z"))
		e.must(e.store.Update(e.ctx, func(tx store.Tx) error {
			return tx.ReleaseTuplePut(e.ctx, recordtest.ShipTuple("cm", "prod", "art-old", "2026-04-16T07:00:00Z"))
		}))
		e.deploy(recordtest.Deployment("dep-3", "opw", "prod", "art-other", "2026-04-16T08:00:00Z"))

		set, err := e.svc.ProtectedArtifacts(e.ctx, "cm")
		e.must(err)
		if diff := cmp.Diff([]string{"art-live", "art-old"}, set.ArtifactIDs); diff != "" {
			t.Errorf("artifact ids (-want +got):\n%s", diff)
		}
		tuple := recordtest.ShipTuple("cm", "prod", "art-old", "2026-04-16T07:00:00Z")
		if diff := cmp.Diff([]string{tuple.ImageRepository + "@" + tuple.ImageDigest}, set.ImageReferences); diff != "" {
			t.Errorf("image references (-want +got):\n%s", diff)
		}
		if len(set.Warnings) != 3 {
			t.Errorf("want warnings for the manifest-less live artifact, the identity-less lane and the manifest-less tuple, got %q", set.Warnings)
		}
		all, err := e.svc.ProtectedArtifacts(e.ctx, "")
		e.must(err)
		if diff := cmp.Diff([]string{"art-live", "art-old", "art-other"}, all.ArtifactIDs); diff != "" {
			t.Errorf("all contexts (-want +got):\n%s", diff)
		}
	})
}

// seedTestingLane ships art-1 to cm/testing and mints its tuple.
func seedTestingLane(e *env) {
	e.t.Helper()
	_, err := e.svc.IngestArtifact(e.ctx, recordtest.Manifest("art-1"))
	e.must(err)
	e.deploy(recordtest.Deployment("dep-testing", "cm", "testing", "art-1", "2026-04-16T08:00:00Z"))
	_, err = e.svc.TupleFromDeployment(e.ctx, "dep-testing")
	e.must(err)
}

func TestPromotionLinkageAndTupleMinting(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedTestingLane(e)
		e.deploy(recordtest.Deployment("dep-prod", "cm", "prod", "art-1", "2026-04-16T08:30:00Z"))
		p := recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "dep-prod")
		res, err := e.svc.IngestPromotion(e.ctx, p)
		e.must(err)
		want := evidence.PromotionResult{
			PromotionRecordID: "promo-1", DeploymentRecordID: "dep-prod", InventoryRecordID: "cm-prod",
			Inventory:    evidence.Outcome{Action: evidence.ActionUpdated, RecordID: "cm-prod"},
			ReleaseTuple: evidence.Outcome{Action: evidence.ActionMinted, RecordID: "cm-prod-art-1"},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("result (-want +got):\n%s", diff)
		}
		inv, err := e.store.InventoryGet(e.ctx, "cm", "prod")
		e.must(err)
		if inv.PromotionRecordID != "promo-1" || inv.PromotedFromInstance != "testing" || inv.DeploymentRecordID != "dep-prod" {
			t.Errorf("inventory lacks promotion provenance: %+v", inv)
		}
		source, err := e.store.ReleaseTupleGet(e.ctx, "cm", "testing")
		e.must(err)
		got, err := e.store.ReleaseTupleGet(e.ctx, "cm", "prod")
		e.must(err)
		wantTuple := record.ReleaseTuple{
			SchemaVersion: 1, Context: "cm", Channel: "prod", TupleID: "cm-prod-art-1", ArtifactID: "art-1",
			RepoSHAs: source.RepoSHAs, ImageRepository: source.ImageRepository, ImageDigest: source.ImageDigest,
			DeploymentRecordID: "dep-prod", PromotionRecordID: "promo-1", PromotedFromChannel: "testing",
			Provenance: record.ProvenancePromotion, MintedAt: "2026-04-16T09:00:00Z",
		}
		if diff := cmp.Diff(wantTuple, got); diff != "" {
			t.Errorf("prod tuple (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]string{"tenant-cm": recordtest.SHA, "shared-addons": recordtest.SHA2}, got.RepoSHAs); diff != "" {
			t.Errorf("repo shas (-want +got):\n%s", diff)
		}
	})
}

func TestPromotionLinkageMismatchesWriteNothing(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(p *record.Promotion)
		wantField string
	}{
		{"missing deployment", func(p *record.Promotion) { p.DeploymentRecordID = "dep-nope" }, "deployment_record_id"},
		{"context mismatch", func(p *record.Promotion) { p.Context = "opw" }, "context"},
		{"instance mismatch", func(p *record.Promotion) { p.ToInstance = "staging" }, "to_instance"},
		{"artifact mismatch", func(p *record.Promotion) { p.ArtifactIdentity.ArtifactID = "art-9" }, "artifact_identity.artifact_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachEngine(t, func(e *env) {
				seedTestingLane(e)
				e.deploy(recordtest.Deployment("dep-prod", "cm", "prod", "art-1", "2026-04-16T08:30:00Z"))
				before := e.counts()
				p := recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "dep-prod")
				tc.mutate(&p)
				_, err := e.svc.IngestPromotion(e.ctx, p)
				assertFieldError(t, err, tc.wantField)
				if diff := cmp.Diff(before, e.counts()); diff != "" {
					t.Errorf("rejected promotion changed stored rows (-before +after):\n%s", diff)
				}
			})
		})
	}
}

func TestPromotionTupleRefusals(t *testing.T) {
	tests := []struct {
		name       string
		seedSource bool
		promotion  func() record.Promotion
		deployment record.Deployment
		wantInv    string
		wantTuple  string
	}{
		{
			name:       "no linkage stores promotion only",
			seedSource: true,
			promotion:  func() record.Promotion { return recordtest.Promotion("p", "cm", "testing", "prod", "art-1", "") },
			deployment: recordtest.Deployment("dep-prod", "cm", "prod", "art-1", "2026-04-16T08:30:00Z"),
			wantInv:    "skipped", wantTuple: "skipped",
		},
		{
			name:       "source lane has no tuple",
			seedSource: false,
			promotion: func() record.Promotion {
				return recordtest.Promotion("p", "cm", "testing", "prod", "art-1", "dep-prod")
			},
			deployment: recordtest.Deployment("dep-prod", "cm", "prod", "art-1", "2026-04-16T08:30:00Z"),
			wantInv:    "updated", wantTuple: "skipped",
		},
		{
			name:       "source tuple is for another artifact",
			seedSource: true,
			promotion: func() record.Promotion {
				return recordtest.Promotion("p", "cm", "testing", "prod", "art-2", "dep-prod")
			},
			deployment: recordtest.Deployment("dep-prod", "cm", "prod", "art-2", "2026-04-16T08:30:00Z"),
			wantInv:    "updated", wantTuple: "skipped",
		},
		{
			name:       "unstable channel",
			seedSource: true,
			promotion: func() record.Promotion {
				return recordtest.Promotion("p", "cm", "testing", "preview", "art-1", "dep-prod")
			},
			deployment: recordtest.Deployment("dep-prod", "cm", "preview", "art-1", "2026-04-16T08:30:00Z"),
			wantInv:    "updated", wantTuple: "skipped",
		},
		{
			name:       "failed promotion",
			seedSource: true,
			promotion: func() record.Promotion {
				p := recordtest.Promotion("p", "cm", "testing", "prod", "art-1", "dep-prod")
				p.Deploy.Status = record.StatusFail
				return p
			},
			deployment: recordtest.Deployment("dep-prod", "cm", "prod", "art-1", "2026-04-16T08:30:00Z"),
			wantInv:    "unchanged", wantTuple: "skipped",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachEngine(t, func(e *env) {
				if tc.seedSource {
					seedTestingLane(e)
				}
				d := tc.deployment
				// Record the deployment without touching inventory, as an
				// executor would before its promotion evidence arrives.
				e.must(e.store.Update(e.ctx, func(tx store.Tx) error { return tx.DeploymentPut(e.ctx, d) }))
				res, err := e.svc.IngestPromotion(e.ctx, tc.promotion())
				e.must(err)
				if res.Inventory.Action != tc.wantInv || res.ReleaseTuple.Action != tc.wantTuple {
					t.Errorf("got inventory %+v, tuple %+v; want %s, %s", res.Inventory, res.ReleaseTuple, tc.wantInv, tc.wantTuple)
				}
				if res.ReleaseTuple.Reason == "" {
					t.Error("a skipped tuple must say why")
				}
				tuples, err := e.store.ReleaseTupleList(e.ctx, store.ReleaseTupleListParams{})
				e.must(err)
				for _, rt := range tuples {
					if rt.Provenance == record.ProvenancePromotion {
						t.Errorf("a tuple was minted by the promotion: %+v", rt)
					}
				}
				if _, err := e.store.PromotionGet(e.ctx, "p"); err != nil {
					t.Errorf("promotion evidence was not stored: %v", err)
				}
			})
		})
	}
}

func TestExplicitTupleCommandsRefuse(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedTestingLane(e)
		// A newer testing deployment moves the lane on; minting for the old
		// one would move the tuple backwards.
		e.deploy(recordtest.Deployment("dep-testing-2", "cm", "testing", "art-2", "2026-04-16T08:40:00Z"))
		if _, err := e.svc.TupleFromDeployment(e.ctx, "dep-testing"); !errors.Is(err, evidence.ErrRefused) {
			t.Errorf("minting for a superseded deployment: got %v, want ErrRefused", err)
		}
		// No manifest stored for art-2.
		if _, err := e.svc.TupleFromDeployment(e.ctx, "dep-testing-2"); !errors.Is(err, evidence.ErrRefused) {
			t.Errorf("minting without a manifest: got %v, want ErrRefused", err)
		}
		e.deploy(recordtest.Deployment("dep-dev", "cm", "dev", "art-1", "2026-04-16T08:40:00Z"))
		if _, err := e.svc.TupleFromDeployment(e.ctx, "dep-dev"); !errors.Is(err, evidence.ErrRefused) {
			t.Errorf("minting for dev: got %v, want ErrRefused", err)
		}
		_, err := e.svc.IngestPromotion(e.ctx, recordtest.Promotion("p-unlinked", "cm", "testing", "prod", "art-1", ""))
		e.must(err)
		if _, err := e.svc.TupleFromPromotion(e.ctx, "p-unlinked"); !errors.Is(err, evidence.ErrRefused) {
			t.Errorf("minting without linkage: got %v, want ErrRefused", err)
		}
		if _, err := e.svc.InventoryFromPromotion(e.ctx, "p-unlinked"); !errors.Is(err, evidence.ErrRefused) {
			t.Errorf("inventory without linkage: got %v, want ErrRefused", err)
		}
		if _, err := e.svc.TupleFromPromotion(e.ctx, "p-missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing promotion: got %v, want ErrNotFound", err)
		}
	})
}

func TestLaneStatusFreshness(t *testing.T) {
	eachEngine(t, func(e *env) {
		st, err := e.svc.LaneStatus(e.ctx, "cm", "prod")
		e.must(err)
		if st.Provenance.FreshnessStatus != evidence.FreshnessMissing || st.Inventory != nil {
			t.Errorf("empty lane: %+v", st)
		}
		d := recordtest.Deployment("dep-1", "cm", "prod", "art-1", "2026-04-16T08:55:00Z")
		d.DestinationHealth = record.HealthcheckEvidence{Verified: true, URLs: []string{"https://cm.example/health"}, TimeoutSeconds: ptr(30), Status: record.StatusPass}
		e.deploy(d)
		st, err = e.svc.LaneStatus(e.ctx, "cm", "prod")
		e.must(err)
		want := evidence.Provenance{SourceKind: "inventory", SourceRecordID: "cm-prod", RecordedAt: "2026-04-16T09:00:00Z", FreshnessStatus: evidence.FreshnessVerified, StaleAfter: "2026-04-16T09:30:00Z"}
		if diff := cmp.Diff(want, st.Provenance); diff != "" {
			t.Errorf("provenance (-want +got):\n%s", diff)
		}
		if st.LatestDeployment == nil || st.LatestDeployment.RecordID != "dep-1" {
			t.Errorf("latest deployment: %+v", st.LatestDeployment)
		}
		later := evidence.New(e.store, func() time.Time { return fixedNow.Add(time.Hour) })
		st, err = later.LaneStatus(e.ctx, "cm", "prod")
		e.must(err)
		if st.Provenance.FreshnessStatus != evidence.FreshnessStale {
			t.Errorf("an hour later the lane should be stale: %+v", st.Provenance)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func assertFieldError(t *testing.T, err error, field string) {
	t.Helper()
	var ve *record.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, record.ErrInvalid) {
		t.Fatalf("got %v, want a record.ValidationError", err)
	}
	for _, p := range ve.Problems {
		if p.Field == field {
			return
		}
	}
	t.Fatalf("error %q does not name field %s", err, field)
}

func TestResentDeploymentKeepsPromotionLink(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedTestingLane(e)
		prod := recordtest.Deployment("dep-prod", "cm", "prod", "art-1", "2026-04-16T08:30:00Z")
		e.deploy(prod)
		_, err := e.svc.IngestPromotion(e.ctx, recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "dep-prod"))
		e.must(err)
		prod.DestinationHealth = record.HealthcheckEvidence{Verified: true, URLs: []string{"https://cm.example/health"}, TimeoutSeconds: ptr(30), Status: record.StatusPass}
		if res := e.deploy(prod); res.Inventory.Action != evidence.ActionUpdated {
			t.Fatalf("re-sent deployment did not refresh inventory: %+v", res.Inventory)
		}
		inv, err := e.store.InventoryGet(e.ctx, "cm", "prod")
		e.must(err)
		if inv.PromotionRecordID != "promo-1" || inv.PromotedFromInstance != "testing" || !inv.DestinationHealth.Verified {
			t.Errorf("re-sent evidence lost the promotion link or the correction: %+v", inv)
		}
	})
}

func TestHistoryRecordIDCannotMoveToAnotherLane(t *testing.T) {
	eachEngine(t, func(e *env) {
		e.deploy(recordtest.Deployment("dep-1", "cm", "testing", "art-1", "2026-04-16T08:00:00Z"))
		_, err := e.svc.IngestPromotion(e.ctx, recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", ""))
		e.must(err)
		e.must(e.svc.IngestBackupGate(e.ctx, recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z")))
		before := e.counts()
		moved := []error{}
		_, err = e.svc.IngestDeployment(e.ctx, recordtest.Deployment("dep-1", "cm", "prod", "art-1", "2026-04-16T09:00:00Z"))
		moved = append(moved, err)
		_, err = e.svc.IngestDeployment(e.ctx, recordtest.Deployment("dep-1", "cm", "testing", "art-9", "2026-04-16T09:00:00Z"))
		moved = append(moved, err)
		_, err = e.svc.IngestPromotion(e.ctx, recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-2", ""))
		moved = append(moved, err)
		moved = append(moved, e.svc.IngestBackupGate(e.ctx, recordtest.BackupGate("gate-1", "opw", "prod", "2026-04-16T08:00:00Z")))
		for i, err := range moved {
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("rewrite %d: got %v, want ErrConflict", i, err)
			}
		}
		if diff := cmp.Diff(before, e.counts()); diff != "" {
			t.Errorf("refused rewrites changed stored rows (-before +after):\n%s", diff)
		}
		d, err := e.store.DeploymentGet(e.ctx, "dep-1")
		e.must(err)
		if d.Instance != "testing" || d.ArtifactID() != "art-1" {
			t.Errorf("dep-1 was rewritten: %+v", d)
		}
		// The same event re-sent (a pending gate completed) is allowed.
		g := recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z")
		g.Evidence["snapshot"] = "snap-final"
		e.must(e.svc.IngestBackupGate(e.ctx, g))
	})
}

func TestLaneStatusRefusesBlankLane(t *testing.T) {
	eachEngine(t, func(e *env) {
		e.deploy(recordtest.Deployment("dep-1", "cm", "testing", "art-1", "2026-04-16T08:00:00Z"))
		for _, lane := range [][2]string{{"cm", ""}, {"", "testing"}, {" ", " "}} {
			if _, err := e.svc.LaneStatus(e.ctx, lane[0], lane[1]); !errors.Is(err, record.ErrInvalid) {
				t.Errorf("LaneStatus(%q, %q): got %v, want ErrInvalid", lane[0], lane[1], err)
			}
		}
	})
}
