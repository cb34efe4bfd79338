package onboarding_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/onboarding"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// A second product's manifest claiming web's lanes must not take over
// web's tracked targets: the profile write refuses the lanes (a conflict),
// and nothing of the manifest is written, dry run or not.
func TestManifestClaimingAnotherProductsLaneWritesNothing(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			svc := onboarding.New(s, time.Now)
			if _, err := svc.Apply(ctx, decode(t, Manifest), onboarding.Options{}); err != nil {
				t.Fatal(err)
			}
			before := counts(t, s)
			evil := strings.NewReplacer(`"product": "web"`, `"product": "evil"`, `"app-web-testing"`, `"app-evil-testing"`,
				`"web-preview"`, `"evil-preview"`).Replace(Manifest)
			for _, dry := range []bool{true, false} {
				_, err := svc.Apply(ctx, decode(t, evil), onboarding.Options{DryRun: dry})
				if !errors.Is(err, products.ErrLaneClaimed) || !errors.Is(err, store.ErrConflict) {
					t.Fatalf("dry run %v: err = %v, want ErrLaneClaimed (a store.ErrConflict)", dry, err)
				}
				if !strings.Contains(err.Error(), "product web") {
					t.Errorf("error does not name the owner: %v", err)
				}
			}
			if diff := cmp.Diff(before, counts(t, s)); diff != "" {
				t.Errorf("rows changed (-before +after):\n%s", diff)
			}
			id, err := s.DokployTargetIDGet(ctx, "web", "testing")
			if err != nil || id.TargetID != "app-web-testing" {
				t.Errorf("web/testing target id = %q, %v", id.TargetID, err)
			}
			if _, err := s.ProductProfileGet(ctx, "evil"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("evil profile stored: %v", err)
			}
		})
	}
}

// A stored historical context the manifest now uses as a lane context is
// current again: the merge must not keep it as historical.
func TestHistoricalContextBecomingALaneIsDropped(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			svc := onboarding.New(s, time.Now)
			first := strings.Replace(Manifest, `"source_label": "ops:onboarding"`,
				`"source_label": "ops:onboarding", "historical_contexts": ["web-next", "web-old"]`, 1)
			if _, err := svc.Apply(ctx, decode(t, first), onboarding.Options{}); err != nil {
				t.Fatal(err)
			}
			// The testing lane moves to web-next; the manifest names no
			// historical context, so the stored ones are merged in.
			second := strings.NewReplacer(
				`{"instance": "testing", "context": "web"`, `{"instance": "testing", "context": "web-next"`,
				`{"context": "web", "instance": "testing"`, `{"context": "web-next", "instance": "testing"`,
				`"app-web-testing"`, `"app-web-next-testing"`).Replace(Manifest)
			res, err := svc.Apply(ctx, decode(t, second), onboarding.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"web-old"}, res.ProductProfile.HistoricalContexts); diff != "" {
				t.Errorf("result historical contexts (-want +got):\n%s", diff)
			}
			p, err := s.ProductProfileGet(ctx, "web")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"web-old"}, p.HistoricalContexts); diff != "" {
				t.Errorf("stored historical contexts (-want +got):\n%s", diff)
			}
		})
	}
}

// A manifest may write context-scoped records under its product key only
// while no other product's lanes or previews live in that context.
func TestProductKeyContextHeldByAnotherProduct(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, engine)
			svc := onboarding.New(s, time.Now)
			if _, err := svc.Apply(ctx, decode(t, Manifest), onboarding.Options{}); err != nil {
				t.Fatal(err)
			}
			before := counts(t, s)
			// Product "web-preview" runs in context "wp", but its records
			// at context "web-preview" would reach web's previews.
			intruder := `{
  "product": "web-preview", "display_name": "WP", "repository": "acme/wp", "driver_id": "generic-web",
  "image_repository": "ghcr.io/acme/wp", "runtime_port": 8080, "health_path": "/healthz",
  "lanes": [{"instance": "testing", "context": "wp", "base_url": "https://wp.example"}],
  "runtime_environments": [{"scope": "context", "context": "web-preview", "env": {"APP_MODE": "x"}}],
  "source_label": "ops:onboarding"
}`
			_, err := svc.Apply(ctx, decode(t, intruder), onboarding.Options{})
			if !errors.Is(err, products.ErrLaneClaimed) || !strings.Contains(err.Error(), "product web") {
				t.Fatalf("err = %v, want ErrLaneClaimed naming web", err)
			}
			if diff := cmp.Diff(before, counts(t, s)); diff != "" {
				t.Errorf("rows changed (-before +after):\n%s", diff)
			}
		})
	}
}
