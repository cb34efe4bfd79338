// Package productview composes the operator read models of records.md
// §4.1–4.2: the lane summary (what runs, which evidence says so, how fresh
// it is, the tracked target and the configuration a lane has), the product
// environment model, per-key configuration status and product activity.
//
// Everything here is computed on read, never stored, and safe to show:
// runtime settings and managed secrets appear as key names, counts and
// metadata only, and a tracked target's provider id never leaves this
// package (only whether one is recorded). The available actions come from
// the product's driver descriptor, filtered by upstream's composition rules,
// and are evaluated for the caller by an ActionAuthorizer the surface
// supplies, so the service shows per-caller permissions while the CLI,
// which has no caller identity, says so.
package productview

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ErrEnvironmentNotFound means the product has no lane for the requested
// environment; it wraps store.ErrNotFound.
var ErrEnvironmentNotFound = fmt.Errorf("product environment not found: %w", store.ErrNotFound)

// Service reads the product read models from a store. Freshness is judged
// with the evidence service's injected clock.
type Service struct {
	store    store.Reader
	evidence *evidence.Service
	registry *driver.Registry
}

// New returns a Service reading r; ev supplies lane status and the clock.
func New(r store.Reader, ev *evidence.Service) *Service {
	return &Service{store: r, evidence: ev, registry: driver.Builtin()}
}

// ActionAccess is one caller's access to one action.
type ActionAccess struct {
	Allowed        bool
	DisabledReason string
	// Implemented is false while the action's route answers 501.
	Implemented bool
}

// ActionAuthorizer evaluates act for the caller on (product, context).
// A nil ActionAuthorizer means there is no caller to evaluate (the CLI).
type ActionAuthorizer func(ctx context.Context, act driver.ActionDescriptor, product, context string) ActionAccess

// Disabled reasons this package words itself.
const (
	ReasonNotEvaluated   = "Not evaluated: this read has no caller identity (the CLI reads the store directly); ask the service for the caller's actions."
	ReasonNotImplemented = "This action is not implemented in this build."
)

// ProductAction is a driver action offered on a product or environment, with the
// caller's access to it. allowed/disabled_reason/implemented are the driver
// views' fields; enabled and disabled_reasons are upstream's product-view
// names for the same decision (enabled = allowed and implemented).
type ProductAction struct {
	driver.ActionDescriptor
	// Context is the context the action is authorized (and run) against.
	Context         string   `json:"context"`
	Allowed         bool     `json:"allowed"`
	DisabledReason  string   `json:"disabled_reason,omitempty"`
	Implemented     bool     `json:"implemented"`
	Enabled         bool     `json:"enabled"`
	DisabledReasons []string `json:"disabled_reasons"`
}

func evaluate(ctx context.Context, auth ActionAuthorizer, act driver.ActionDescriptor, product, context string) ProductAction {
	out := ProductAction{ActionDescriptor: act, Context: context, DisabledReasons: []string{}}
	if auth == nil {
		out.DisabledReason = ReasonNotEvaluated
		out.DisabledReasons = append(out.DisabledReasons, ReasonNotEvaluated)
		return out
	}
	acc := auth(ctx, act, product, context)
	out.Allowed, out.DisabledReason, out.Implemented = acc.Allowed, acc.DisabledReason, acc.Implemented
	if acc.DisabledReason != "" {
		out.DisabledReasons = append(out.DisabledReasons, acc.DisabledReason)
	}
	if !acc.Implemented {
		out.DisabledReasons = append(out.DisabledReasons, ReasonNotImplemented)
	}
	out.Enabled = acc.Allowed && acc.Implemented
	return out
}

// profile reads a product's profile.
func (s *Service) profile(ctx context.Context, product string) (record.ProductProfile, error) {
	product = strings.TrimSpace(product)
	if product == "" {
		return record.ProductProfile{}, fmt.Errorf("read product: product is required: %w", record.ErrInvalid)
	}
	p, err := products.Get(ctx, s.store, product)
	if err != nil {
		return record.ProductProfile{}, fmt.Errorf("read product %s: %w", product, err)
	}
	return p, nil
}

// Lane resolves a product's environment to its lane; an unknown product
// or environment is store.ErrNotFound. Surfaces call it to learn the lane
// context an environment read authorizes against before reading more.
func (s *Service) Lane(ctx context.Context, product, environment string) (record.ProductLaneProfile, error) {
	p, err := s.profile(ctx, product)
	if err != nil {
		return record.ProductLaneProfile{}, err
	}
	return laneOf(p, environment)
}

func laneOf(p record.ProductProfile, environment string) (record.ProductLaneProfile, error) {
	lane, err := products.LaneFor(p, strings.TrimSpace(environment))
	if errors.Is(err, store.ErrNotFound) {
		return record.ProductLaneProfile{}, fmt.Errorf("product %s has no environment %q: %w", p.Product, environment, ErrEnvironmentNotFound)
	}
	return lane, err
}
