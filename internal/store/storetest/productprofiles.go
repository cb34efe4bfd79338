package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

func productProfile(product, driver, updatedAt string) record.ProductProfile {
	lane := record.NewProductLane("prod", product)
	lane.BaseURL = "https://" + product + ".example"
	lane.HealthMonitoring.Checks = []record.ProductLaneHealthCheck{{Name: "public-ingress", Kind: record.HealthCheckPublicHTTP, Enabled: true}}
	p := record.ProductProfile{
		SchemaVersion: 1, Product: product, DisplayName: product, Repository: "acme/" + product, DriverID: driver,
		Image: record.ProductImageProfile{Repository: "ghcr.io/acme/" + product}, RuntimePort: 8080, HealthPath: "/healthz",
		Lanes: []record.ProductLaneProfile{lane}, Preview: record.DefaultPreviewProfile(),
		PromotionWorkflow: record.DefaultPromotionWorkflow(), UpdatedAt: updatedAt, Source: "test",
	}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// testProductProfiles covers the product-profile family: round trip,
// whole-profile replacement, the driver filter and newest-first order,
// refusal of invalid profiles, and ledger coverage.
func testProductProfiles(t *testing.T, s store.Store) {
	ctx := context.Background()
	web := productProfile("web", "generic-web", "2026-04-16T08:00:00Z")
	cm := productProfile("cm", "odoo", "2026-04-16T09:00:00Z")
	shop := productProfile("shop", "generic-web", "2026-04-16T10:00:00+02:00") // 08:00Z: product breaks the tie
	put(t, s, func(tx store.Tx) error {
		return errors.Join(tx.ProductProfilePut(ctx, web), tx.ProductProfilePut(ctx, cm), tx.ProductProfilePut(ctx, shop))
	})
	got, err := s.ProductProfileGet(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(web, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := s.ProductProfileGet(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing profile: got %v, want ErrNotFound", err)
	}
	name := func(p record.ProductProfile) string { return p.Product }
	for _, tc := range []struct {
		driver string
		want   []string
	}{
		{"", []string{"cm", "shop", "web"}},
		{"generic-web", []string{"shop", "web"}},
		{"odoo", []string{"cm"}},
		{"verireel", []string{}},
	} {
		list, err := s.ProductProfileList(ctx, store.ProductProfileListParams{DriverID: tc.driver})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, ids(list, name)); diff != "" {
			t.Errorf("list driver %q (-want +got):\n%s", tc.driver, diff)
		}
	}

	// A put replaces the whole profile, promoted columns included.
	moved := web
	moved.DriverID, moved.DisplayName, moved.Lanes, moved.UpdatedAt = "verireel", "Web 2", []record.ProductLaneProfile{}, "2026-04-16T11:00:00Z"
	put(t, s, func(tx store.Tx) error { return tx.ProductProfilePut(ctx, moved) })
	if got, err := s.ProductProfileGet(ctx, "web"); err != nil || !cmp.Equal(moved, got) {
		t.Errorf("after replace: %+v, %v", got, err)
	}
	if list, err := s.ProductProfileList(ctx, store.ProductProfileListParams{DriverID: "generic-web"}); err != nil || len(list) != 1 {
		t.Errorf("driver filter after replace: %v, %v", ids(list, name), err)
	}

	bad := cm
	bad.Repository = "not-a-repo"
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.ProductProfilePut(ctx, bad) }); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("invalid profile: got %v, want ErrInvalid", err)
	}
	if got, err := s.ProductProfileGet(ctx, "cm"); err != nil || got.Repository != "acme/cm" {
		t.Errorf("refused write changed the row: %+v, %v", got.Repository, err)
	}
	if rep, err := s.VerifyLedger(ctx); err != nil || !rep.OK() || rep.Entries != 4 {
		t.Errorf("ledger after profile writes: %+v, %v", rep, err)
	}
}
