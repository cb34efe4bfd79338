package products

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Lookup errors. Each wraps a store sentinel so surfaces map it without
// knowing this package: not owned → not found, ambiguous → conflict.
var (
	// ErrLaneNotFound: the profile has no lane for the instance or route
	// (upstream's product_lane_not_found).
	ErrLaneNotFound = fmt.Errorf("product profile does not own the lane: %w", store.ErrNotFound)
	// ErrNoProduct: no profile owns the context or lane.
	ErrNoProduct = fmt.Errorf("no product profile owns it: %w", store.ErrNotFound)
	// ErrAmbiguous: more than one profile owns the context or lane with the
	// same precedence, so no answer is safe.
	ErrAmbiguous = fmt.Errorf("more than one product profile owns it: %w", store.ErrConflict)
)

// How a profile owns a context, strongest first (see ProductForContext).
const (
	OwnedByLane       = "lane"
	OwnedByPreview    = "preview"
	OwnedByHistorical = "historical"
)

// LaneFor returns the profile's lane for instance (ErrLaneNotFound when it
// has none). A profile has at most one lane per instance.
func LaneFor(p record.ProductProfile, instance string) (record.ProductLaneProfile, error) {
	if l, ok := p.Lane(strings.TrimSpace(instance)); ok {
		return l, nil
	}
	return record.ProductLaneProfile{}, fmt.Errorf("product %s has no %q lane: %w", p.Product, instance, ErrLaneNotFound)
}

// LaneForRoute returns the profile's lane for exactly (context, instance).
func LaneForRoute(p record.ProductProfile, contextName, instance string) (record.ProductLaneProfile, error) {
	for _, l := range p.Lanes {
		if l.Context == contextName && l.Instance == instance {
			return l, nil
		}
	}
	return record.ProductLaneProfile{}, fmt.Errorf("product %s has no lane %s/%s: %w", p.Product, contextName, instance, ErrLaneNotFound)
}

// Ownership says whether and how p owns contextName: "" when it does not.
func Ownership(p record.ProductProfile, contextName string) string {
	switch {
	case contextName == "":
		return ""
	case slices.ContainsFunc(p.Lanes, func(l record.ProductLaneProfile) bool { return l.Context == contextName }):
		return OwnedByLane
	case p.Preview.Context == contextName:
		return OwnedByPreview
	case slices.Contains(p.HistoricalContexts, contextName):
		return OwnedByHistorical
	}
	return ""
}

// Contexts lists every context p owns, lanes first, then the preview
// context, then historical contexts, without repeats: what product
// activity reads cover.
func Contexts(p record.ProductProfile) []string {
	out := []string{}
	add := func(c string) {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, l := range p.Lanes {
		add(l.Context)
	}
	add(p.Preview.Context)
	for _, c := range p.HistoricalContexts {
		add(c)
	}
	return out
}

// ProductForContext finds the one profile that owns contextName and
// returns it with its lanes in that context.
//
// The rule: a profile owns a context through a lane (current deploy and
// config authority), its preview context, or its historical_contexts
// (evidence from before a cutover). The strongest kind of ownership any
// profile has decides: if some profile has a lane there, only lane owners
// count, else only preview owners, else only historical owners. Exactly
// one profile must own the context at that level: none is ErrNoProduct,
// two or more is ErrAmbiguous (never a guess). The lanes are empty when
// the context is owned as preview or historical context.
func ProductForContext(ctx context.Context, r store.Reader, contextName string) (record.ProductProfile, []record.ProductLaneProfile, error) {
	all, err := List(ctx, r, "")
	if err != nil {
		return record.ProductProfile{}, nil, err
	}
	for _, level := range []string{OwnedByLane, OwnedByPreview, OwnedByHistorical} {
		var owners []record.ProductProfile
		for _, p := range all {
			if Ownership(p, contextName) == level {
				owners = append(owners, p)
			}
		}
		switch len(owners) {
		case 0:
			continue
		case 1:
			p := owners[0]
			lanes := []record.ProductLaneProfile{}
			for _, l := range p.Lanes {
				if l.Context == contextName {
					lanes = append(lanes, l)
				}
			}
			return p, lanes, nil
		default:
			return record.ProductProfile{}, nil, fmt.Errorf("context %q is a %s context of products %s: %w", contextName, level, productNames(owners), ErrAmbiguous)
		}
	}
	return record.ProductProfile{}, nil, fmt.Errorf("context %q: %w", contextName, ErrNoProduct)
}

// ProductForLane finds the one profile with a lane for exactly (context,
// instance) and returns it with that lane.
func ProductForLane(ctx context.Context, r store.Reader, contextName, instance string) (record.ProductProfile, record.ProductLaneProfile, error) {
	all, err := List(ctx, r, "")
	if err != nil {
		return record.ProductProfile{}, record.ProductLaneProfile{}, err
	}
	var owners []record.ProductProfile
	var lane record.ProductLaneProfile
	for _, p := range all {
		if l, err := LaneForRoute(p, contextName, instance); err == nil {
			owners, lane = append(owners, p), l
		}
	}
	switch len(owners) {
	case 0:
		return record.ProductProfile{}, record.ProductLaneProfile{}, fmt.Errorf("lane %s/%s: %w", contextName, instance, ErrNoProduct)
	case 1:
		return owners[0], lane, nil
	}
	return record.ProductProfile{}, record.ProductLaneProfile{}, fmt.Errorf("lane %s/%s belongs to products %s: %w", contextName, instance, productNames(owners), ErrAmbiguous)
}

func productNames(ps []record.ProductProfile) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Product
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Expected is the configuration expected_config declares for one lane.
type Expected struct {
	// RuntimeKeys are runtime_environment_keys that apply to the lane.
	RuntimeKeys []string `json:"runtime_keys"`
	// SecretBindingKeys are managed_secret_bindings of the
	// runtime_environment integration that apply to the lane.
	SecretBindingKeys []string `json:"secret_binding_keys"`
}

// Keys is every expected key, runtime and secret, sorted and unique.
func (e Expected) Keys() []string {
	keys := slices.Concat(e.RuntimeKeys, e.SecretBindingKeys)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// ExpectedKeys returns what p's expected_config declares for the lane
// (context, instance) (service.md §8.1 step 3). A requirement applies when
// it names the lane exactly (context and instance), names only its context,
// or names neither (global); requirements for other contexts or instances
// do not. Only runtime_environment secret bindings count. The profile must
// own the lane: ErrLaneNotFound otherwise. Keys come sorted and unique.
func ExpectedKeys(p record.ProductProfile, contextName, instance string) (Expected, error) {
	if _, err := LaneForRoute(p, contextName, instance); err != nil {
		return Expected{}, err
	}
	applies := func(c, i string) bool {
		return c == "" || (c == contextName && (i == "" || i == instance))
	}
	e := Expected{RuntimeKeys: []string{}, SecretBindingKeys: []string{}}
	for _, r := range p.ExpectedConfig.RuntimeEnvironmentKeys {
		if applies(r.Context, r.Instance) {
			e.RuntimeKeys = append(e.RuntimeKeys, r.Key)
		}
	}
	for _, b := range p.ExpectedConfig.ManagedSecretBindings {
		if b.Integration == record.SecretIntegrationRuntimeEnv && applies(b.Context, b.Instance) {
			e.SecretBindingKeys = append(e.SecretBindingKeys, b.BindingKey)
		}
	}
	slices.Sort(e.RuntimeKeys)
	slices.Sort(e.SecretBindingKeys)
	e.RuntimeKeys, e.SecretBindingKeys = slices.Compact(e.RuntimeKeys), slices.Compact(e.SecretBindingKeys)
	return e, nil
}

// DefaultHealthPath is the health path of a profile that names none.
const DefaultHealthPath = "/api/health"

// LaneHealthURL is the URL a lane's health is probed at: the lane's
// health_url, else its base_url plus the profile's health_path (default
// DefaultHealthPath), else "" when the lane has neither. The read models
// and the drivers' promotion probes share it so they never disagree.
func LaneHealthURL(p record.ProductProfile, lane record.ProductLaneProfile) string {
	if u := strings.TrimSpace(lane.HealthURL); u != "" {
		return u
	}
	base := strings.TrimSpace(lane.BaseURL)
	if base == "" {
		return ""
	}
	path := strings.TrimSpace(p.HealthPath)
	if path == "" {
		path = DefaultHealthPath
	}
	return strings.TrimRight(base, "/") + path
}
