package driver

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
)

// ErrProductDriverMismatch means a product's profile does not fit the
// driver route it called (HTTP 403 product_driver_mismatch).
var ErrProductDriverMismatch = errors.New("product driver mismatch")

// MismatchError says why a product may not use a driver route. Its
// message names driver ids only, so it is safe to return to the caller.
type MismatchError struct {
	ProfileDriverID string
	RouteDriverID   string
	// Detail is set for lane-ownership mismatches.
	Detail string
}

func (e *MismatchError) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.ProfileDriverID == "" {
		return fmt.Sprintf("The product profile names no driver; this route belongs to driver %s.", e.RouteDriverID)
	}
	return fmt.Sprintf("The product profile uses driver %s, which is neither %s nor based on it.", e.ProfileDriverID, e.RouteDriverID)
}

// Is makes errors.Is(err, ErrProductDriverMismatch) hold.
func (e *MismatchError) Is(target error) bool { return target == ErrProductDriverMismatch }

// CheckCompatible applies service.md §4.5 rule 7 with the built-in
// registry: a product whose profile uses profileDriverID may call a route
// of routeDriverID when the two are equal or when the profile's driver is
// based on the route's driver (route-scoped inheritance: an odoo or
// verireel product may use generic-web routes, never the reverse).
func CheckCompatible(profileDriverID, routeDriverID string) error {
	return Builtin().CheckCompatible(profileDriverID, routeDriverID)
}

// CheckCompatible is the package function for this registry.
func (r *Registry) CheckCompatible(profileDriverID, routeDriverID string) error {
	profileDriverID, routeDriverID = strings.TrimSpace(profileDriverID), strings.TrimSpace(routeDriverID)
	if _, ok := r.Get(routeDriverID); !ok {
		return fmt.Errorf("check driver compatibility: route driver %q: %w", routeDriverID, ErrUnknownDriver)
	}
	mismatch := &MismatchError{ProfileDriverID: profileDriverID, RouteDriverID: routeDriverID}
	if profileDriverID == "" {
		return mismatch
	}
	if profileDriverID == routeDriverID {
		return nil
	}
	if d, ok := r.Get(profileDriverID); ok && d.BaseDriverID == routeDriverID {
		return nil
	}
	return mismatch
}

// CheckLaneOwned is the second half of rule 7: when a request names a
// context (and instance), the product's profile must own that lane.
// owned lists the profile's lanes as (context, instance) pairs and its
// preview context with an empty instance.
func CheckLaneOwned(product string, owned [][2]string, context, instance string) error {
	context, instance = strings.TrimSpace(context), strings.TrimSpace(instance)
	if context == "" && instance == "" {
		return nil
	}
	for _, l := range owned {
		if (context == "" || l[0] == context) && (instance == "" || l[1] == instance) {
			return nil
		}
	}
	lane := context
	if instance != "" {
		lane = strings.TrimPrefix(context+"/"+instance, "/")
	}
	return &MismatchError{Detail: fmt.Sprintf("Product %s does not own lane %s.", product, lane)}
}

// CheckProfile applies all of rule 7 to a stored product profile: its
// driver must fit the route's driver, and when the request names a
// context or instance the profile must own that lane (one of its lanes,
// or its enabled preview context).
func (r *Registry) CheckProfile(p record.ProductProfile, routeDriverID, context, instance string) error {
	if err := r.CheckCompatible(p.DriverID, routeDriverID); err != nil {
		return err
	}
	owned := make([][2]string, 0, len(p.Lanes)+1)
	for _, l := range p.Lanes {
		owned = append(owned, [2]string{l.Context, l.Instance})
	}
	if p.Preview.Enabled && p.Preview.Context != "" {
		owned = append(owned, [2]string{p.Preview.Context, ""})
	}
	return CheckLaneOwned(p.Product, owned, context, instance)
}

// ProfileFrom is the driver views' summary of a stored product profile:
// its lane contexts and, when previews are enabled, its preview context.
func ProfileFrom(p record.ProductProfile) Profile {
	out := Profile{Product: p.Product, DisplayName: p.DisplayName, DriverID: p.DriverID, Contexts: []string{}}
	add := func(c string) {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(out.Contexts, c) {
			out.Contexts = append(out.Contexts, c)
		}
	}
	for _, l := range p.Lanes {
		add(l.Context)
	}
	if p.Preview.Enabled {
		add(p.Preview.Context)
	}
	return out
}
