package products

import (
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrLaneClaimed: a profile write claims a lane, or a preview context,
// that another product's profile already holds. Two owners would make
// ProductForLane ambiguous (blocking the first product's deploys) and let
// the second product's onboarding rewrite the first's tracked targets.
var ErrLaneClaimed = fmt.Errorf("another product profile already holds it: %w", store.ErrConflict)

// checkClaims refuses p when one of its lanes (context and instance) is a
// lane of another product in others, or sits in a context where another
// product has lanes, when its enabled preview context is
// a lane context of another product, or when one of its lane contexts is
// another product's enabled preview context. others may include p's own
// stored profile; it is skipped. The error names the lane or context and
// the other product (names, not secrets).
func checkClaims(p record.ProductProfile, others []record.ProductProfile) error {
	for _, o := range others {
		if o.Product == p.Product {
			continue
		}
		for _, l := range p.Lanes {
			if _, err := LaneForRoute(o, l.Context, l.Instance); err == nil {
				return fmt.Errorf("product %s: lane %s/%s is a lane of product %s: %w", p.Product, l.Context, l.Instance, o.Product, ErrLaneClaimed)
			}
			// A context belongs to one product: context-scoped runtime
			// records and secrets reach every lane in it.
			if Ownership(o, l.Context) == OwnedByLane {
				return fmt.Errorf("product %s: context %s (lane %s) holds lanes of product %s: %w", p.Product, l.Context, l.Instance, o.Product, ErrLaneClaimed)
			}
			if o.Preview.Enabled && o.Preview.Context != "" && o.Preview.Context == l.Context {
				return fmt.Errorf("product %s: lane %s/%s is in the preview context of product %s: %w", p.Product, l.Context, l.Instance, o.Product, ErrLaneClaimed)
			}
		}
		if p.Preview.Enabled && p.Preview.Context != "" && Ownership(o, p.Preview.Context) == OwnedByLane {
			return fmt.Errorf("product %s: preview context %s is a lane context of product %s: %w", p.Product, p.Preview.Context, o.Product, ErrLaneClaimed)
		}
		if p.Preview.Context != "" && p.Preview.Context == o.Preview.Context {
			return fmt.Errorf("product %s: preview context %s is the preview context of product %s: %w", p.Product, p.Preview.Context, o.Product, ErrLaneClaimed)
		}
	}
	return nil
}
