package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// testTargets covers the tracked-target families: round trips and route
// order, refusal of untracked lanes, and the provider-target identity rules
// (create-if-absent, one route per provider target id).
func testTargets(t *testing.T, s store.Store) {
	ctx := context.Background()
	target := record.DokployTarget{
		SchemaVersion: 1, Context: "cm", Instance: "testing", ProjectName: "cm", TargetType: "application",
		TargetName: "cm-testing", SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/health",
		Env: map[string]string{"A": "1"}, UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "test",
	}
	id := record.DokployTargetID{SchemaVersion: 1, Context: "cm", Instance: "testing", TargetID: "app-1", UpdatedAt: "2026-04-16T09:00:00Z", SourceLabel: "test"}
	prodID := id
	prodID.Instance, prodID.TargetID = "prod", "app-2"
	put(t, s, func(tx store.Tx) error {
		if err := tx.DokployTargetPut(ctx, target); err != nil {
			return err
		}
		if err := tx.DokployTargetIDPut(ctx, prodID); err != nil {
			return err
		}
		return tx.DokployTargetIDPut(ctx, id)
	})
	got, err := s.DokployTargetGet(ctx, "cm", "testing")
	if err != nil {
		t.Fatal(err)
	}
	want := target
	want.WatchPaths, want.Domains, want.Policies.Shopify.ProtectedStoreKeys = []string{}, []string{}, []string{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("target round trip (-want +got):\n%s", diff)
	}
	ids, err := s.DokployTargetIDList(ctx, store.TargetListParams{Context: "cm"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"prod", "testing"}, []string{ids[0].Instance, ids[1].Instance}); diff != "" {
		t.Errorf("target ids in route order (-want +got):\n%s", diff)
	}

	preview := target
	preview.Instance = "pr-12"
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DokployTargetPut(ctx, preview) }); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("untracked lane: got %v, want ErrInvalid", err)
	}

	projected, ok := record.ProjectProviderTarget(target, id)
	if !ok {
		t.Fatal("projection refused a matching pair")
	}
	if projected.UpdatedAt != id.UpdatedAt || projected.ProviderEvidence["project_name"] != "cm" || projected.DisplayName != "cm-testing" {
		t.Errorf("projection = %+v", projected)
	}
	put(t, s, func(tx store.Tx) error { return tx.ProviderTargetCreate(ctx, projected) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.ProviderTargetCreate(ctx, projected) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second create: got %v, want ErrConflict", err)
	}
	// The same target id on another route is refused, on create and on put.
	stolen := projected
	stolen.Instance = "prod"
	for name, write := range map[string]func(store.Tx) error{
		"create": func(tx store.Tx) error { return tx.ProviderTargetCreate(ctx, stolen) },
		"put":    func(tx store.Tx) error { return tx.ProviderTargetPut(ctx, stolen) },
	} {
		if err := s.Update(ctx, write); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s with a bound target id: got %v, want ErrConflict", name, err)
		}
	}
	if _, err := s.ProviderTargetGet(ctx, "cm", "prod"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused write left a row: %v", err)
	}
	// Re-putting the route's own row is allowed.
	projected.DisplayName = "renamed"
	put(t, s, func(tx store.Tx) error { return tx.ProviderTargetPut(ctx, projected) })
	rows, err := s.ProviderTargetList(ctx, store.TargetListParams{ProviderID: "dokploy"})
	if err != nil || len(rows) != 1 || rows[0].DisplayName != "renamed" {
		t.Errorf("provider targets = %+v, %v", rows, err)
	}
	if rep, err := s.VerifyLedger(ctx); err != nil || !rep.OK() {
		t.Errorf("ledger after target writes: %+v, %v", rep, err)
	}
}

// testLaneReservations: one holder at a time per lane, expiry takeover,
// release only by the holder.
func testLaneReservations(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := store.LaneReservation{Context: "cm", Instance: "prod", Holder: "h1", Operation: "ship", AcquiredAt: "2026-11-27T09:00:00Z", ExpiresAt: "2026-11-27T09:15:00Z"}
	reserve := func(r store.LaneReservation, now string) error {
		return s.Update(ctx, func(tx store.Tx) error { return tx.LaneReserve(ctx, r, now) })
	}
	if err := reserve(r, "2026-11-27T09:00:00Z"); err != nil {
		t.Fatal(err)
	}
	other := r
	other.Holder, other.Operation = "h2", "promote"
	if err := reserve(other, "2026-11-27T09:10:00Z"); !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "ship holds it") {
		t.Errorf("second holder: %v, want ErrConflict naming the holder's operation", err)
	}
	other.Instance = "testing"
	if err := reserve(other, "2026-11-27T09:10:00Z"); err != nil {
		t.Errorf("another lane: %v", err)
	}
	other.Instance = "prod"
	// The wrong holder's release does nothing; after expiry anyone may take it.
	put(t, s, func(tx store.Tx) error { return tx.LaneRelease(ctx, "cm", "prod", "h2") })
	if err := reserve(other, "2026-11-27T09:14:59Z"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("released by a non-holder: %v", err)
	}
	if err := reserve(other, "2026-11-27T09:15:01Z"); err != nil {
		t.Errorf("expired reservation not taken over: %v", err)
	}
	put(t, s, func(tx store.Tx) error { return tx.LaneRelease(ctx, "cm", "prod", "h2") })
	if err := reserve(r, "2026-11-27T09:16:00Z"); err != nil {
		t.Errorf("released lane: %v", err)
	}
}
