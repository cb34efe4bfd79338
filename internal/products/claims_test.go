package products_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// A profile may not claim a lane, or a preview context, another product
// holds: two owners make ProductForLane ambiguous (the first product's
// deploys answer 409) and let the second product's onboarding rewrite the
// first's tracked targets. The refusal writes nothing.
func TestUpsertRefusesAnotherProductsLanes(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := products.New(s, time.Now)
		web := decodeWeb(t) // lanes web/testing, web/prod; preview web-preview
		if _, err := svc.Upsert(ctx, products.UpsertInput{Profile: web}); err != nil {
			t.Fatal(err)
		}
		shop := decodeWeb(t)
		shop.Product, shop.Repository, shop.HistoricalContexts = "shop", "acme/shop", []string{"web"} // historical evidence may be shared
		shop.Lanes[0].Context, shop.Lanes[1].Context, shop.Preview.Context = "shop", "shop", "shop-preview"
		if _, err := svc.Upsert(ctx, products.UpsertInput{Profile: shop}); err != nil {
			t.Fatal(err)
		}
		stored, _ := products.Get(ctx, s, "web")
		before, _ := s.VerifyLedger(ctx)

		for name, tc := range map[string]struct {
			product string
			edit    func(p *record.ProductProfile)
			names   []string
		}{
			"new product, another's lane": {"evil", func(p *record.ProductProfile) {
				p.Lanes = p.Lanes[1:] // web/prod
				p.Preview.Context = "evil-preview"
			}, []string{"web/prod", "product web"}},
			"existing product, another's lane": {"shop", func(p *record.ProductProfile) {
				p.Lanes[0].Context, p.Lanes[1].Context, p.Preview.Context = "shop", "web", "shop-preview"
			}, []string{"web/prod", "product web"}},
			"preview in another's lane context": {"evil", func(p *record.ProductProfile) {
				p.Lanes[0].Context, p.Lanes[1].Context, p.Preview.Context = "evil", "evil", "shop"
			}, []string{"shop", "product shop"}},
			"another's preview context": {"evil", func(p *record.ProductProfile) {
				p.Lanes[0].Context, p.Lanes[1].Context, p.Preview.Context = "evil", "evil", "web-preview"
			}, []string{"web-preview", "product web"}},
			"lane in another's preview context": {"evil", func(p *record.ProductProfile) {
				p.Lanes[0].Context, p.Lanes[1].Context, p.Preview.Context = "web-preview", "evil", "evil-preview"
			}, []string{"web-preview/testing", "product web"}},
		} {
			t.Run(name, func(t *testing.T) {
				p := decodeWeb(t)
				p.Product, p.Repository, p.HistoricalContexts = tc.product, "acme/"+tc.product, nil
				tc.edit(&p)
				_, err := svc.Upsert(ctx, products.UpsertInput{Profile: p})
				if !errors.Is(err, products.ErrLaneClaimed) || !errors.Is(err, store.ErrConflict) {
					t.Fatalf("err = %v, want ErrLaneClaimed (a store.ErrConflict)", err)
				}
				for _, n := range tc.names {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("error %q does not name %q", err, n)
					}
				}
			})
		}

		after, _ := s.VerifyLedger(ctx)
		if after.Entries != before.Entries {
			t.Errorf("refused upserts wrote %d ledger entries", after.Entries-before.Entries)
		}
		if _, err := products.Get(ctx, s, "evil"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused product stored: %v", err)
		}
		if got, _ := products.Get(ctx, s, "shop"); got.Lanes[1].Context != "shop" {
			t.Errorf("refused update changed shop: %+v", got.Lanes)
		}
		if got, _ := products.Get(ctx, s, "web"); !cmp.Equal(stored, got) {
			t.Errorf("web changed: %s", cmp.Diff(stored, got))
		}
		if p, _, err := products.ProductForLane(ctx, s, "web", "prod"); err != nil || p.Product != "web" {
			t.Errorf("web/prod owner: %s, %v", p.Product, err)
		}
		// The owner itself may rewrite its lanes.
		web.DisplayName = "Web Shop"
		if res, err := svc.Upsert(ctx, products.UpsertInput{Profile: web}); err != nil || res.Action != products.ActionUpdated {
			t.Errorf("owner's own update: %+v, %v", res.Action, err)
		}
	})
}

// TestUpsertRefusesAnotherProductsContext: a context belongs to one
// product, so a lane in a context where another product has a lane is
// refused even on a different instance.
func TestUpsertRefusesAnotherProductsContext(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := products.New(s, time.Now)
		web := decodeWeb(t)
		web.Lanes = web.Lanes[:1] // web/testing only
		if _, err := svc.Upsert(ctx, products.UpsertInput{Profile: web}); err != nil {
			t.Fatal(err)
		}
		other := decodeWeb(t)
		other.Product, other.Repository, other.Preview.Context = "other", "acme/other", "other-preview"
		other.Lanes = other.Lanes[1:] // web/prod: another instance of web's context
		_, err := svc.Upsert(ctx, products.UpsertInput{Profile: other})
		if !errors.Is(err, products.ErrLaneClaimed) || !strings.Contains(err.Error(), "context web") {
			t.Fatalf("err = %v, want ErrLaneClaimed naming context web", err)
		}
		if _, err := products.Get(ctx, s, "other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused product stored: %v", err)
		}
	})
}

// Concurrent writes of two products claiming one lane: exactly one wins,
// whatever the interleaving (one lock serializes every profile write).
func TestConcurrentClaimsOneWins(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			url := engine.URL(t)
			s := openStore(t, url)
			for round := range 10 {
				var wg sync.WaitGroup
				errs := make([]error, 2)
				start := make(chan struct{})
				for i, name := range []string{"a", "b"} {
					p := decodeWeb(t)
					p.Product, p.Repository = name+string(rune('0'+round)), "acme/"+name
					lane := "lane-" + string(rune('0'+round))
					p.Lanes[0].Context, p.Lanes[1].Context = lane, lane
					p.Preview.Context, p.HistoricalContexts = p.Product+"-preview", nil
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, errs[i] = products.New(s, time.Now).Upsert(ctx, products.UpsertInput{Profile: p})
					}()
				}
				close(start)
				wg.Wait()
				ok := 0
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case !errors.Is(err, store.ErrConflict):
						t.Errorf("round %d: %v", round, err)
					}
				}
				if ok != 1 {
					t.Fatalf("round %d: %d writes succeeded (%v), want exactly 1", round, ok, errs)
				}
			}
		})
	}
}

func TestLaneHealthURL(t *testing.T) {
	for _, tc := range []struct {
		name, healthPath, baseURL, healthURL, want string
	}{
		{"health_url wins", "/healthz", "https://web.example", "https://web.example/ready", "https://web.example/ready"},
		{"base plus health_path", "/healthz", "https://web.example/", "", "https://web.example/healthz"},
		{"default path", "", "https://web.example", "", "https://web.example/api/health"},
		{"nothing to probe", "/healthz", "", "", ""},
	} {
		p := record.ProductProfile{HealthPath: tc.healthPath}
		l := record.ProductLaneProfile{BaseURL: tc.baseURL, HealthURL: tc.healthURL}
		if got := products.LaneHealthURL(p, l); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
