// Package storetest is the conformance suite every store.Store engine must
// pass. Engines call Run with a function that opens a fresh, migrated store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store"
)

// Opener returns a fresh, empty, migrated store owned by t.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"NotFound", testNotFound},
		{"ArtifactImmutable", testArtifactImmutable},
		{"UpsertReplacesCurrentState", testUpsert},
		{"DeploymentListFiltersAndOrders", testDeploymentList},
		{"PromotionAndGateLists", testPromotionAndGateLists},
		{"InvalidRecordWritesNothing", testInvalidWritesNothing},
		{"FailedTransactionRollsBack", testRollback},
		{"LedgerChainsEveryWrite", testLedgerChains},
		{"ConcurrentWritersKeepOneChain", testConcurrentWriters},
		{"AuthzPolicyVersions", testAuthzPolicies},
		{"IdempotencyRecords", testIdempotency},
		{"Previews", testPreviews},
		{"HistoryIdentityIsFixed", testHistoryIdentity},
		{"PanicRollsBack", testPanicRollsBack},
		{"RuntimeEnvironments", testRuntimeEnvironments},
		{"Secrets", testSecrets},
		{"Targets", testTargets},
		{"LaneReservations", testLaneReservations},
		{"ProductProfiles", testProductProfiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

func put(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := recordtest.Manifest("art-1")
	g := recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z")
	d := recordtest.Deployment("dep-1", "cm", "testing", "art-1", "2026-04-16T08:10:00Z")
	p := recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "dep-2")
	inv := record.InventoryFromDeployment(d, "2026-04-16T08:11:00Z")
	rt := recordtest.ShipTuple("cm", "testing", "art-1", "2026-04-16T08:12:00Z")
	put(t, s, func(tx store.Tx) error {
		if _, err := tx.ArtifactPut(ctx, m); err != nil {
			return err
		}
		return errors.Join(tx.BackupGatePut(ctx, g), tx.DeploymentPut(ctx, d), tx.PromotionPut(ctx, p),
			tx.InventoryPut(ctx, inv), tx.ReleaseTuplePut(ctx, rt))
	})
	check := func(name string, want, got any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
	gm, err := s.ArtifactGet(ctx, "art-1")
	check("artifact", m, gm, err)
	gg, err := s.BackupGateGet(ctx, "gate-1")
	check("backup gate", g, gg, err)
	gd, err := s.DeploymentGet(ctx, "dep-1")
	check("deployment", d, gd, err)
	gp, err := s.PromotionGet(ctx, "promo-1")
	check("promotion", p, gp, err)
	gi, err := s.InventoryGet(ctx, "cm", "testing")
	check("inventory", inv, gi, err)
	gt, err := s.ReleaseTupleGet(ctx, "cm", "testing")
	check("release tuple", rt, gt, err)
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["artifact"] = s.ArtifactGet(ctx, "missing")
	_, errs["backup gate"] = s.BackupGateGet(ctx, "missing")
	_, errs["deployment"] = s.DeploymentGet(ctx, "missing")
	_, errs["promotion"] = s.PromotionGet(ctx, "missing")
	_, errs["inventory"] = s.InventoryGet(ctx, "cm", "missing")
	_, errs["release tuple"] = s.ReleaseTupleGet(ctx, "cm", "missing")
	for name, err := range errs {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: got %v, want store.ErrNotFound", name, err)
		}
	}
}

func testArtifactImmutable(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := recordtest.Manifest("art-1")
	var created []bool
	for range 2 {
		put(t, s, func(tx store.Tx) error {
			c, err := tx.ArtifactPut(ctx, m)
			created = append(created, c)
			return err
		})
	}
	if diff := cmp.Diff([]bool{true, false}, created); diff != "" {
		t.Errorf("created flags (-want +got):\n%s", diff)
	}
	changed := m
	changed.SourceCommit = recordtest.SHA2
	err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.ArtifactPut(ctx, changed)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("rewriting a manifest: got %v, want store.ErrConflict", err)
	}
	got, err := s.ArtifactGet(ctx, "art-1")
	if err != nil || got.SourceCommit != recordtest.SHA {
		t.Fatalf("manifest after refused rewrite: %+v, %v", got.SourceCommit, err)
	}
	report, err := s.VerifyLedger(ctx)
	if err != nil || report.Entries != 1 {
		t.Fatalf("an unchanged re-put must not append to the ledger: entries=%d err=%v", report.Entries, err)
	}
}

func testUpsert(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := record.InventoryFromDeployment(recordtest.Deployment("dep-1", "cm", "prod", "art-1", ""), "2026-04-16T08:00:00Z")
	second := record.InventoryFromDeployment(recordtest.Deployment("dep-2", "cm", "prod", "art-2", ""), "2026-04-16T09:00:00Z")
	put(t, s, func(tx store.Tx) error { return tx.InventoryPut(ctx, first) })
	put(t, s, func(tx store.Tx) error { return tx.InventoryPut(ctx, second) })
	got, err := s.InventoryList(ctx, store.InventoryListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]record.Inventory{second}, got); diff != "" {
		t.Errorf("inventory after upsert (-want +got):\n%s", diff)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func testDeploymentList(t *testing.T, s store.Store) {
	ctx := context.Background()
	deps := []record.Deployment{
		recordtest.Deployment("dep-a", "cm", "testing", "art-1", "2026-04-16T08:00:00Z"),
		recordtest.Deployment("dep-b", "cm", "testing", "art-2", "2026-04-16T10:00:00+02:00"), // 08:00Z too; id breaks the tie
		recordtest.Deployment("dep-c", "cm", "testing", "art-3", "2026-04-16T09:30:00Z"),
		recordtest.Deployment("dep-d", "cm", "prod", "art-1", "2026-04-16T11:00:00Z"),
		recordtest.Deployment("dep-e", "opw", "testing", "art-9", "2026-04-16T12:00:00Z"),
		recordtest.Deployment("dep-f", "cm", "testing", "art-0", ""),
	}
	put(t, s, func(tx store.Tx) error {
		for _, d := range deps {
			if err := tx.DeploymentPut(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	depID := func(d record.Deployment) string { return d.RecordID }
	tests := []struct {
		params store.DeploymentListParams
		want   []string
	}{
		{store.DeploymentListParams{}, []string{"dep-e", "dep-d", "dep-c", "dep-b", "dep-a", "dep-f"}},
		{store.DeploymentListParams{Context: "cm", Instance: "testing"}, []string{"dep-c", "dep-b", "dep-a", "dep-f"}},
		{store.DeploymentListParams{Context: "cm", Instance: "testing", Limit: 1}, []string{"dep-c"}},
		{store.DeploymentListParams{Instance: "prod"}, []string{"dep-d"}},
		{store.DeploymentListParams{Context: "nope"}, []string{}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%+v", tc.params), func(t *testing.T) {
			got, err := s.DeploymentList(ctx, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(got, depID)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func testPromotionAndGateLists(t *testing.T, s store.Store) {
	ctx := context.Background()
	p1 := recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "")
	p1.Deploy.FinishedAt = "2026-04-16T08:00:00Z"
	p2 := recordtest.Promotion("promo-2", "cm", "testing", "prod", "art-2", "")
	p2.Deploy.FinishedAt = "2026-04-16T09:00:00Z"
	p3 := recordtest.Promotion("promo-3", "cm", "dev", "testing", "art-2", "")
	gates := []record.BackupGate{
		recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z"),
		recordtest.BackupGate("gate-2", "cm", "prod", "2026-04-16T09:00:00Z"),
		recordtest.BackupGate("gate-3", "cm", "testing", "2026-04-16T10:00:00Z"),
	}
	put(t, s, func(tx store.Tx) error {
		for _, p := range []record.Promotion{p1, p2, p3} {
			if err := tx.PromotionPut(ctx, p); err != nil {
				return err
			}
		}
		for _, g := range gates {
			if err := tx.BackupGatePut(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
	promos, err := s.PromotionList(ctx, store.PromotionListParams{Context: "cm", ToInstance: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"promo-2", "promo-1"}, ids(promos, func(p record.Promotion) string { return p.RecordID })); diff != "" {
		t.Errorf("promotions (-want +got):\n%s", diff)
	}
	promos, err = s.PromotionList(ctx, store.PromotionListParams{FromInstance: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"promo-3"}, ids(promos, func(p record.Promotion) string { return p.RecordID })); diff != "" {
		t.Errorf("promotions from dev (-want +got):\n%s", diff)
	}
	got, err := s.BackupGateList(ctx, store.BackupGateListParams{Context: "cm", Instance: "prod", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"gate-2"}, ids(got, func(g record.BackupGate) string { return g.RecordID })); diff != "" {
		t.Errorf("latest prod gate (-want +got):\n%s", diff)
	}
}

func testInvalidWritesNothing(t *testing.T, s store.Store) {
	ctx := context.Background()
	bad := recordtest.Deployment("dep-1", "cm", "testing", "art-1", "")
	bad.Context = "  "
	err := s.Update(ctx, func(tx store.Tx) error { return tx.DeploymentPut(ctx, bad) })
	if !errors.Is(err, record.ErrInvalid) {
		t.Fatalf("got %v, want record.ErrInvalid", err)
	}
	if got, _ := s.DeploymentList(ctx, store.DeploymentListParams{}); len(got) != 0 {
		t.Errorf("invalid deployment was stored: %d rows", len(got))
	}
}

func testRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeploymentPut(ctx, recordtest.Deployment("dep-1", "cm", "testing", "art-1", "")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the callback's error", err)
	}
	if _, err := s.DeploymentGet(ctx, "dep-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rolled-back deployment is readable: %v", err)
	}
	report, err := s.VerifyLedger(ctx)
	if err != nil || report.Entries != 0 {
		t.Errorf("rolled-back write left ledger entries: %+v, %v", report, err)
	}
}

func testLedgerChains(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, func(tx store.Tx) error {
		return tx.DeploymentPut(ctx, recordtest.Deployment("dep-1", "cm", "testing", "art-1", ""))
	})
	put(t, s, func(tx store.Tx) error {
		d := recordtest.Deployment("dep-2", "cm", "testing", "art-2", "")
		return errors.Join(tx.DeploymentPut(ctx, d), tx.InventoryPut(ctx, record.InventoryFromDeployment(d, "2026-04-16T08:00:00Z")))
	})
	report, err := s.VerifyLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Entries != 3 || report.Records != 3 || report.HeadSeq != 3 || len(report.HeadHash) != 64 {
		t.Errorf("unexpected report: %+v", report)
	}
}

func testConcurrentWriters(t *testing.T, s store.Store) {
	ctx := context.Background()
	const writers, perWriter = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				d := recordtest.Deployment(fmt.Sprintf("dep-%d-%d", w, i), "cm", fmt.Sprintf("lane-%d", w), "art-1", "")
				errs <- s.Update(ctx, func(tx store.Tx) error {
					return errors.Join(tx.DeploymentPut(ctx, d), tx.InventoryPut(ctx, record.InventoryFromDeployment(d, "2026-04-16T08:00:00Z")))
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	report, err := s.VerifyLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Entries != 2*writers*perWriter || report.HeadSeq != 2*writers*perWriter {
		t.Errorf("chain after %d concurrent writers is not whole: %+v", writers, report)
	}
}

func policyRecord(t *testing.T, id, status, updatedAt, body string) record.AuthzPolicyRecord {
	t.Helper()
	sha, err := record.PolicySHA256([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return record.AuthzPolicyRecord{RecordID: id, Status: status, Source: "test", UpdatedAt: updatedAt, PolicySHA256: sha, Policy: []byte(body)}
}

func testAuthzPolicies(t *testing.T, s store.Store) {
	ctx := context.Background()
	records := []record.AuthzPolicyRecord{
		policyRecord(t, "policy-a", record.PolicyActive, "2026-04-16T08:00:00Z", `{"schema_version":1}`),
		policyRecord(t, "policy-b", record.PolicyActive, "2026-04-16T09:00:00Z", `{"schema_version":1,"github_actions":[]}`),
		policyRecord(t, "policy-c", record.PolicySuperseded, "2026-04-16T10:00:00Z", `{"schema_version":1}`),
		// Same time as policy-b: the larger record id wins the tie.
		policyRecord(t, "policy-b2", record.PolicyActive, "2026-04-16T09:00:00Z", `{"schema_version":1}`),
	}
	put(t, s, func(tx store.Tx) error {
		for _, r := range records {
			if err := tx.AuthzPolicyPut(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	active, err := s.AuthzPolicyList(ctx, store.AuthzPolicyListParams{Status: record.PolicyActive, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]record.AuthzPolicyRecord{records[3]}, active); diff != "" {
		t.Errorf("active policy (-want +got):\n%s", diff)
	}
	bad := policyRecord(t, "policy-x", record.PolicyActive, "2026-04-16T08:00:00Z", `{"schema_version":1}`)
	bad.Policy = []byte(`{"schema_version":2}`)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.AuthzPolicyPut(ctx, bad) })
	if !errors.Is(err, record.ErrInvalid) {
		t.Errorf("a policy whose hash does not match must be refused, got %v", err)
	}
	report, err := s.VerifyLedger(ctx)
	if err != nil || !report.OK() || report.Entries != 4 {
		t.Errorf("policy versions must be ledgered: %+v, %v", report, err)
	}
}

func idempotencyRecord(traceID, key, fingerprint string) record.IdempotencyRecord {
	return record.IdempotencyRecord{
		RecordID: record.IdempotencyRecordID(traceID), Scope: "acme/web|wf|sub", RoutePath: "/v1/evidence/deployments",
		IdempotencyKey: key, RequestFingerprint: fingerprint, ResponseStatusCode: 202, ResponseTraceID: traceID,
		RecordedAt: "2026-04-16T08:00:00Z", ResponsePayload: []byte(`{"status":"accepted"}`),
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := idempotencyRecord("trace-1", "key-1", "fp-1")
	put(t, s, func(tx store.Tx) error { return tx.IdempotencyPut(ctx, first) })
	got, err := s.IdempotencyFind(ctx, first.Scope, first.RoutePath, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("stored record (-want +got):\n%s", diff)
	}
	if _, err := s.IdempotencyFind(ctx, first.Scope, first.RoutePath, "key-2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key: got %v, want ErrNotFound", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.IdempotencyPut(ctx, idempotencyRecord("trace-2", "key-1", "fp-2")) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("second record for one key: got %v, want ErrConflict", err)
	}
	report, err := s.VerifyLedger(ctx)
	if err != nil || !report.OK() || report.Entries != 0 {
		t.Errorf("idempotency records are not ledgered: %+v, %v", report, err)
	}
}

func testPreviews(t *testing.T, s store.Store) {
	ctx := context.Background()
	p12 := recordtest.Preview("verireel-testing", "verireel", 12, "2026-04-16T08:00:00Z")
	p13 := recordtest.Preview("verireel-testing", "verireel", 13, "2026-04-16T09:00:00Z")
	other := recordtest.Preview("cm-testing", "cm", 12, "2026-04-16T10:00:00Z")
	g1 := recordtest.PreviewGeneration(p12, 1, record.GenerationFailed, "2026-04-16T08:05:00Z")
	g2 := recordtest.PreviewGeneration(p12, 2, record.GenerationReady, "2026-04-16T08:30:00Z")
	put(t, s, func(tx store.Tx) error {
		return errors.Join(tx.PreviewPut(ctx, p12), tx.PreviewPut(ctx, p13), tx.PreviewPut(ctx, other),
			tx.PreviewGenerationPut(ctx, g1), tx.PreviewGenerationPut(ctx, g2))
	})
	got, err := s.PreviewGet(ctx, p12.PreviewID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p12, got); diff != "" {
		t.Errorf("preview round trip (-want +got):\n%s", diff)
	}
	previewID := func(p record.Preview) string { return p.PreviewID }
	list, err := s.PreviewList(ctx, store.PreviewListParams{Context: "verireel-testing"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{p13.PreviewID, p12.PreviewID}, ids(list, previewID)); diff != "" {
		t.Errorf("previews of a context, newest first (-want +got):\n%s", diff)
	}
	list, err = s.PreviewList(ctx, store.PreviewListParams{AnchorPRNumber: 12})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{other.PreviewID, p12.PreviewID}, ids(list, previewID)); diff != "" {
		t.Errorf("previews of PR 12 (-want +got):\n%s", diff)
	}
	gens, err := s.PreviewGenerationList(ctx, store.PreviewGenerationListParams{PreviewID: p12.PreviewID})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]record.PreviewGeneration{g2, g1}, gens); diff != "" {
		t.Errorf("generations, newest sequence first (-want +got):\n%s", diff)
	}
	dup := recordtest.PreviewGeneration(p12, 2, record.GenerationReady, "2026-04-16T08:40:00Z")
	dup.GenerationID = "another-id"
	err = s.Update(ctx, func(tx store.Tx) error { return tx.PreviewGenerationPut(ctx, dup) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("two generations with one sequence: got %v, want ErrConflict", err)
	}
}

func testHistoryIdentity(t *testing.T, s store.Store) {
	ctx := context.Background()
	d := recordtest.Deployment("dep-1", "cm", "testing", "art-1", "2026-04-16T08:00:00Z")
	put(t, s, func(tx store.Tx) error { return tx.DeploymentPut(ctx, d) })
	// Same event re-sent with new evidence: allowed.
	d.Deploy.Status = record.StatusFail
	put(t, s, func(tx store.Tx) error { return tx.DeploymentPut(ctx, d) })
	moved := []func(tx store.Tx) error{
		func(tx store.Tx) error { m := d; m.Instance = "prod"; return tx.DeploymentPut(ctx, m) },
		func(tx store.Tx) error {
			m := d
			m.ArtifactIdentity = &record.ArtifactIdentity{ArtifactID: "art-9", ManifestVersion: 1}
			return tx.DeploymentPut(ctx, m)
		},
		func(tx store.Tx) error {
			g := recordtest.BackupGate("gate-1", "cm", "prod", "2026-04-16T08:00:00Z")
			if err := tx.BackupGatePut(ctx, g); err != nil {
				return err
			}
			g.Context = "opw"
			return tx.BackupGatePut(ctx, g)
		},
		func(tx store.Tx) error {
			p := recordtest.Promotion("promo-1", "cm", "testing", "prod", "art-1", "")
			if err := tx.PromotionPut(ctx, p); err != nil {
				return err
			}
			p.ToInstance = "staging"
			return tx.PromotionPut(ctx, p)
		},
	}
	for i, fn := range moved {
		if err := s.Update(ctx, fn); !errors.Is(err, store.ErrConflict) {
			t.Errorf("identity change %d: got %v, want ErrConflict", i, err)
		}
	}
	got, err := s.DeploymentGet(ctx, "dep-1")
	if err != nil || got.Instance != "testing" || got.ArtifactID() != "art-1" || got.Deploy.Status != record.StatusFail {
		t.Errorf("deployment after refused moves: %+v, %v", got, err)
	}
}

func testPanicRollsBack(t *testing.T, s store.Store) {
	ctx := context.Background()
	func() {
		defer func() { _ = recover() }()
		_ = s.Update(ctx, func(tx store.Tx) error {
			if err := tx.DeploymentPut(ctx, recordtest.Deployment("dep-1", "cm", "testing", "art-1", "")); err != nil {
				return err
			}
			panic("handler bug")
		})
	}()
	// The panicked transaction must not hold the write lock or leave rows.
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx store.Tx) error {
			return tx.DeploymentPut(ctx, recordtest.Deployment("dep-2", "cm", "testing", "art-1", ""))
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write after a panicked transaction: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("write after a panicked transaction is blocked: the transaction was not rolled back")
	}
	if _, err := s.DeploymentGet(ctx, "dep-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("panicked write is visible: %v", err)
	}
}
