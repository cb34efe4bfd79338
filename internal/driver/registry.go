package driver

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// ErrUnknownDriver means no descriptor has the requested driver id.
var ErrUnknownDriver = errors.New("unknown driver")

// Registry is an immutable set of validated descriptors.
type Registry struct {
	drivers []Descriptor
}

// NewRegistry validates descriptors together: each on its own, unique
// driver ids, base drivers that exist and are base drivers themselves (one
// level of inheritance), and capability action references that resolve to
// the driver's own or inherited actions.
func NewRegistry(descriptors ...Descriptor) (*Registry, error) {
	r := &Registry{}
	ids := map[string]bool{}
	var errs []error
	for _, d := range descriptors {
		if err := d.Validate(); err != nil {
			errs = append(errs, err)
		}
		if ids[d.DriverID] {
			errs = append(errs, fmt.Errorf("driver %q is registered twice", d.DriverID))
		}
		ids[d.DriverID] = true
		r.drivers = append(r.drivers, d.clone())
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, d := range r.drivers {
		if d.BaseDriverID == "" {
			continue
		}
		base, ok := r.Get(d.BaseDriverID)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("driver %q: base driver %q is not registered", d.DriverID, d.BaseDriverID))
			continue
		case base.BaseDriverID != "":
			errs = append(errs, fmt.Errorf("driver %q: base driver %q must not have a base driver itself", d.DriverID, d.BaseDriverID))
			continue
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, d := range r.drivers {
		effective, _ := r.EffectiveActions(d.DriverID)
		for _, c := range d.Capabilities {
			for _, id := range c.Actions {
				if !slices.ContainsFunc(effective, func(a ActionDescriptor) bool { return a.ActionID == id }) {
					errs = append(errs, fmt.Errorf("driver %q: capability %s names unknown action %q", d.DriverID, c.CapabilityID, id))
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// Builtin is the static registry of Launchplane's drivers: generic-web
// (the base driver), odoo and verireel. It is built fresh on every call so
// no caller can change another's copy; its descriptors are checked by the
// package tests, so an invalid one is a programming error and panics.
func Builtin() *Registry {
	r, err := NewRegistry(genericWeb(), odoo(), verireel())
	if err != nil {
		panic("driver: builtin registry: " + err.Error())
	}
	return r
}

// List returns every descriptor, in registry order.
func (r *Registry) List() []Descriptor {
	out := make([]Descriptor, len(r.drivers))
	for i, d := range r.drivers {
		out[i] = d.clone()
	}
	return out
}

// Get returns the descriptor with the given driver id.
func (r *Registry) Get(driverID string) (Descriptor, bool) {
	id := strings.TrimSpace(driverID)
	for _, d := range r.drivers {
		if d.DriverID == id {
			return d.clone(), true
		}
	}
	return Descriptor{}, false
}

// EffectiveActions returns the driver's actions with its base driver's
// inherited ones first; an own action replaces an inherited one with the
// same action id.
func (r *Registry) EffectiveActions(driverID string) ([]ActionDescriptor, error) {
	d, ok := r.Get(driverID)
	if !ok {
		return nil, fmt.Errorf("effective actions of %q: %w", driverID, ErrUnknownDriver)
	}
	var out []ActionDescriptor
	if d.BaseDriverID != "" {
		base, ok := r.Get(d.BaseDriverID)
		if !ok {
			return nil, fmt.Errorf("effective actions of %q: base %q: %w", driverID, d.BaseDriverID, ErrUnknownDriver)
		}
		for _, a := range base.Actions {
			if _, own := d.Action(a.ActionID); !own {
				out = append(out, a)
			}
		}
	}
	return append(out, cloneActions(d.Actions)...), nil
}

// MatchesContext reports whether one of the driver's context patterns
// (shell globs) matches context.
func (d Descriptor) MatchesContext(context string) bool {
	for _, p := range d.ContextPatterns {
		if ok, err := path.Match(p, strings.TrimSpace(context)); err == nil && ok {
			return true
		}
	}
	return false
}

// Profile is what the driver views need of a product profile: the
// product, its driver and the contexts it owns (lane contexts plus the
// preview context when previews are enabled).
type Profile struct {
	Product     string
	DisplayName string
	DriverID    string
	Contexts    []string
}

// Match is one driver serving a context: either through its own context
// patterns (Product is the descriptor's product) or through a product
// profile that owns the context.
type Match struct {
	Descriptor Descriptor
	Product    string
	// Profile is true when a product profile contributed the match.
	Profile bool
}

// Matches lists the drivers serving context: descriptors whose context
// patterns match it, then one entry per product profile owning it (in the
// order given). A profile naming an unregistered driver is skipped and
// reported in unknown, so a view can say so instead of failing.
func (r *Registry) Matches(context string, profiles []Profile) (matches []Match, unknown []string) {
	context = strings.TrimSpace(context)
	seen := map[[2]string]bool{}
	for _, d := range r.drivers {
		if d.MatchesContext(context) {
			seen[[2]string{d.DriverID, d.Product}] = true
			matches = append(matches, Match{Descriptor: d.clone(), Product: d.Product})
		}
	}
	for _, p := range profiles {
		if !slices.Contains(p.Contexts, context) {
			continue
		}
		d, ok := r.Get(p.DriverID)
		if !ok {
			unknown = append(unknown, p.Product)
			continue
		}
		key := [2]string{d.DriverID, p.Product}
		if seen[key] {
			continue
		}
		seen[key] = true
		matches = append(matches, Match{Descriptor: d, Product: p.Product, Profile: true})
	}
	return matches, unknown
}
