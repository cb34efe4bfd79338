package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/productview"
	"github.com/launchplane/launchplane/internal/store"
)

// Driver error codes (service.md §1.2).
const (
	CodeProductDriverMismatch       = "product_driver_mismatch"
	CodeDriverActionNotImplemented  = "driver_action_not_implemented"
	driverReadAction                = "driver.read"
	disabledReasonTerminalAgent     = "This identity may only read (GET); driver actions are POST routes."
	disabledReasonPolicyUnavailable = "Authorization could not be evaluated for this action."
)

// DriverProfileSource lists the product profiles that own a context
// (their lane contexts, or their preview context when previews are
// enabled), for the driver views.
type DriverProfileSource interface {
	ProfilesForContext(ctx context.Context, context string) ([]driver.Profile, error)
}

// StoreDriverProfiles reads the product profiles owning a context from
// the store: profiles with a lane there, or with previews enabled there.
type StoreDriverProfiles struct{ Reader store.Reader }

// ProfilesForContext lists the owning profiles, ordered by product.
func (s StoreDriverProfiles) ProfilesForContext(ctx context.Context, context string) ([]driver.Profile, error) {
	all, err := products.List(ctx, s.Reader, "")
	if err != nil {
		return nil, fmt.Errorf("list product profiles for context %s: %w", context, err)
	}
	var out []driver.Profile
	for _, p := range all {
		if dp := driver.ProfileFrom(p); slices.Contains(dp.Contexts, context) {
			out = append(out, dp)
		}
	}
	slices.SortFunc(out, func(a, b driver.Profile) int { return strings.Compare(a.Product, b.Product) })
	return out, nil
}

// NewChecked is New for service start-up: it returns the driver router
// table's error (a duplicate route, a driver route without an authz
// action, a POST route without a handler, a handler for an undescribed
// route) instead of panicking on it.
func NewChecked(deps Deps) (*API, error) {
	if _, err := driverRouter(deps); err != nil {
		return nil, fmt.Errorf("start api: %w", err)
	}
	return New(deps), nil
}

// driverRouter builds the router table from the built-in registry and
// deps.DriverHandlers. With no handlers configured every driver route is
// pending (501); once handlers are configured the map must cover every
// route, with driver.NotImplemented() for the pending ones.
func driverRouter(deps Deps) (*driver.Router, error) {
	reg := driver.Builtin()
	handlers := deps.DriverHandlers
	if handlers == nil {
		handlers = driver.PendingHandlers(reg)
	}
	return driver.NewRouter(reg, handlers)
}

// DriverList is the body of GET /v1/drivers.
type DriverList struct {
	Status  string              `json:"status"`
	TraceID string              `json:"trace_id"`
	Drivers []driver.Descriptor `json:"drivers"`
	// NotImplementedRoutes lists the described POST routes that answer
	// 501 driver_action_not_implemented in this build.
	NotImplementedRoutes []string `json:"not_implemented_routes"`
}

// DriverOne is the body of GET /v1/drivers/{id}.
type DriverOne struct {
	Status  string            `json:"status"`
	TraceID string            `json:"trace_id"`
	Driver  driver.Descriptor `json:"driver"`
}

// DriverContextView is one context's (or lane's) drivers with what the
// caller may do there.
type DriverContextView struct {
	Context  string       `json:"context"`
	Instance string       `json:"instance"`
	Drivers  []DriverView `json:"drivers"`
}

// DriverView is one driver serving the context, for one product.
type DriverView struct {
	DriverID         string                   `json:"driver_id"`
	Product          string                   `json:"product"`
	Descriptor       driver.Descriptor        `json:"descriptor"`
	AvailableActions []AvailableAction        `json:"available_actions"`
	LaneSummary      *productview.LaneSummary `json:"lane_summary,omitempty"`
	// PreviewSummaries are the context's live previews, for drivers that
	// manage previews (empty otherwise).
	PreviewSummaries []productview.PreviewStatus `json:"preview_summaries"`
}

// AvailableAction is a driver action (own or inherited) with the caller's
// authorization for it on (product, context): Allowed, or why not.
// Implemented is false while the route answers 501.
type AvailableAction struct {
	driver.ActionDescriptor
	Allowed        bool   `json:"allowed"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	Implemented    bool   `json:"implemented"`
}

// DriverViewBody is the body of the driver-view routes.
type DriverViewBody struct {
	Status  string            `json:"status"`
	TraceID string            `json:"trace_id"`
	View    DriverContextView `json:"view"`
}

type driverIDInput struct {
	ID string `path:"id" doc:"Driver id, e.g. generic-web"`
}

func (a *API) registerDrivers() {
	router, err := driverRouter(a.deps)
	if err != nil {
		// Configuration code builds the handler map; the service starts
		// through NewChecked, which reports this as an error instead.
		panic("api: " + err.Error())
	}
	a.drivers = router
	if pending := router.NotImplemented(); len(pending) > 0 {
		paths := make([]string, len(pending))
		for i, r := range pending {
			paths[i] = r.Path
		}
		a.log.Debug("driver routes not implemented in this build", slog.Int("count", len(paths)), slog.Any("routes", paths))
	}

	huma.Register(a.huma, huma.Operation{
		OperationID: "list-drivers", Method: http.MethodGet, Path: "/v1/drivers",
		Summary: "Every driver descriptor (driver.read on launchplane/launchplane)", Tags: []string{"drivers"},
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body DriverList }, error) {
		if err := a.authorize(ctx, http.MethodGet, driverReadAction, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
			return nil, err
		}
		out := &struct{ Body DriverList }{Body: DriverList{Status: "ok", TraceID: TraceID(ctx), Drivers: driver.Builtin().List(), NotImplementedRoutes: []string{}}}
		for _, r := range a.drivers.NotImplemented() {
			out.Body.NotImplementedRoutes = append(out.Body.NotImplementedRoutes, r.Path)
		}
		return out, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-driver", Method: http.MethodGet, Path: "/v1/drivers/{id}",
		Summary: "One driver descriptor; unknown id is 404 (driver.read on launchplane/launchplane)", Tags: []string{"drivers"},
	}, func(ctx context.Context, in *driverIDInput) (*struct{ Body DriverOne }, error) {
		if err := a.authorize(ctx, http.MethodGet, driverReadAction, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
			return nil, err
		}
		d, ok := driver.Builtin().Get(in.ID)
		if !ok {
			return nil, newError(ctx, http.StatusNotFound, CodeNotFound, "Driver not found.")
		}
		return &struct{ Body DriverOne }{Body: DriverOne{Status: "ok", TraceID: TraceID(ctx), Driver: d}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-context-driver-view", Method: http.MethodGet, Path: "/v1/contexts/{context}/driver-view",
		Summary: "The drivers serving a context and the actions the caller may take there (driver.read on launchplane/<context>)",
		Tags:    []string{"drivers"},
	}, func(ctx context.Context, in *contextInput) (*struct{ Body DriverViewBody }, error) {
		return a.driverView(ctx, in.Context, "")
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-lane-driver-view", Method: http.MethodGet, Path: "/v1/contexts/{context}/instances/{instance}/driver-view",
		Summary: "The drivers serving a lane, the caller's actions and the lane summary (driver.read on launchplane/<context>)",
		Tags:    []string{"drivers"},
	}, func(ctx context.Context, in *laneInput) (*struct{ Body DriverViewBody }, error) {
		return a.driverView(ctx, in.Context, in.Instance)
	})

	for _, r := range router.Routes() {
		if r.Method != http.MethodPost {
			continue
		}
		desc := r.Description + " Body: " + r.Input + ". Result: " + r.Output + "."
		if !r.Implemented {
			desc += " Not implemented in this build: after authorization it answers 501 driver_action_not_implemented."
		}
		huma.Register(a.huma, huma.Operation{
			OperationID: "post-driver-" + r.DriverID + "-" + strings.ReplaceAll(r.ActionID, "_", "-"),
			Method:      http.MethodPost, Path: r.Path,
			Summary:       r.Label + " (" + r.AuthzAction + ")",
			Description:   desc,
			Tags:          []string{"drivers"},
			DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
		}, a.postDriver(r))
	}
}

// postDriver serves one row of the router table. The handler authorizes
// through driverCaller, which is bound to the row's authz action, so the
// table is the only list of which action guards which route.
func (a *API) postDriver(route driver.Route) func(context.Context, *writeInput) (*acceptedOutput, error) {
	return func(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
		id, err := a.authenticate(ctx, http.MethodPost)
		if err != nil {
			return nil, err
		}
		key := strings.TrimSpace(in.IdempotencyKey)
		if !validIdempotencyKey(key) {
			return nil, invalid(ctx, "Idempotency-Key must be at most %d printable ASCII characters without spaces.", MaxIdempotencyKeyLength)
		}
		keyed := &keyReservation{api: a, route: route.Path, id: id, key: key}
		if key != "" {
			if keyed.finger, err = requestFingerprint(ctx, in.RawBody); err != nil {
				return nil, err
			}
		}
		caller := &driverCaller{api: a, id: id, action: route.AuthzAction, keyed: keyed}
		defer func() {
			// A panicking handler must not leave its key reserved.
			if r := recover(); r != nil {
				keyed.finish(ctx, nil)
				panic(r)
			}
		}()
		out, err := a.drivers.Serve(ctx, route, driver.Call{Body: in.RawBody, IdempotencyKey: key, Caller: caller})
		if errors.Is(err, errReplayed) {
			return keyed.replay, nil
		}
		if err != nil {
			keyed.finish(ctx, nil)
			if errors.Is(err, errKeyInProgress) {
				return nil, newError(ctx, http.StatusConflict, CodeConflict, "A request with this Idempotency-Key is still running; retry it later to get its response.")
			}
			return nil, a.failDriver(ctx, err)
		}
		body := Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: whitelist(out.Records), Result: out.Result}
		if out.DryRun {
			keyed.finish(ctx, nil)
		} else {
			keyed.finish(ctx, &body)
		}
		return &acceptedOutput{Status: http.StatusAccepted, Body: body}, nil
	}
}

// driverCaller is the authenticated caller of one driver route; it can
// only ask for the route's own authz action.
type driverCaller struct {
	api    *API
	id     authn.Identity
	action string
	keyed  *keyReservation
}

// Authorize checks the route's action and, once it allows the caller,
// takes the request's Idempotency-Key (replaying an answered one): the
// handler contract puts Authorize before any mutation, so the key is held
// before anything happens and is never replayed to a caller who would now
// be denied.
func (c *driverCaller) Authorize(ctx context.Context, product, context string) error {
	if err := c.api.check(ctx, c.id, c.action, strings.TrimSpace(product), strings.TrimSpace(context)); err != nil {
		return err
	}
	return c.keyed.reserve(ctx)
}

func (c *driverCaller) Actor() string { return c.id.Actor() }

func (c *driverCaller) Browser() bool { return c.id.Type == authn.TypeGitHubHuman }

// failDriver maps the driver errors, then defers to fail.
func (a *API) failDriver(ctx context.Context, err error) error {
	var ni *driver.NotImplementedError
	var mm *driver.MismatchError
	var refused *driver.RefusedError
	switch {
	case errors.As(err, &refused):
		status := map[string]int{driver.RefusedForbidden: http.StatusForbidden, driver.RefusedConflict: http.StatusConflict,
			driver.RefusedUnavailable: http.StatusServiceUnavailable}[refused.Kind]
		if status == 0 {
			status = http.StatusBadRequest
		}
		return newError(ctx, status, refused.Code, refused.Message)
	case errors.As(err, &ni):
		return newError(ctx, http.StatusNotImplemented, CodeDriverActionNotImplemented, ni.Error()+".")
	case errors.Is(err, driver.ErrNotImplemented):
		return newError(ctx, http.StatusNotImplemented, CodeDriverActionNotImplemented, "This driver action is not implemented in this build.")
	case errors.As(err, &mm):
		return newError(ctx, http.StatusForbidden, CodeProductDriverMismatch, mm.Error())
	case errors.Is(err, driver.ErrProductDriverMismatch):
		return newError(ctx, http.StatusForbidden, CodeProductDriverMismatch, "The product's driver does not fit this route.")
	}
	return a.fail(ctx, err)
}

// driverView composes a context's (or lane's) driver view. The request
// needs driver.read on launchplane/<context>; each action is then
// evaluated for the caller without failing the request.
func (a *API) driverView(ctx context.Context, context, instance string) (*struct{ Body DriverViewBody }, error) {
	context, instance = strings.TrimSpace(context), strings.TrimSpace(instance)
	id, err := a.authenticate(ctx, http.MethodGet)
	if err != nil {
		return nil, err
	}
	if err := a.check(ctx, id, driverReadAction, authz.ProductLaunchplane, context); err != nil {
		return nil, err
	}
	source := a.deps.DriverProfiles
	if source == nil && a.deps.Store != nil {
		source = StoreDriverProfiles{Reader: a.deps.Store}
	}
	var profiles []driver.Profile
	if source != nil {
		if profiles, err = source.ProfilesForContext(ctx, context); err != nil {
			return nil, a.fail(ctx, err)
		}
	}
	reg := driver.Builtin()
	matches, unknown := reg.Matches(context, profiles)
	if len(unknown) > 0 {
		a.log.WarnContext(ctx, "product profiles name unregistered drivers", slog.String("trace_id", TraceID(ctx)), slog.Any("products", unknown))
	}
	view := DriverContextView{Context: context, Instance: instance, Drivers: []DriverView{}}
	// The sanitized lane read model: raw evidence records carry provider
	// target ids, which views never show.
	var lane *productview.LaneSummary
	if instance != "" && a.deps.Evidence != nil && a.deps.Store != nil && len(matches) > 0 {
		st, err := productview.New(a.deps.Store, a.deps.Evidence).LaneSummary(ctx, context, instance)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		lane = &st
	}
	for _, m := range matches {
		actions, err := reg.EffectiveActions(m.Descriptor.DriverID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		dv := DriverView{DriverID: m.Descriptor.DriverID, Product: m.Product, Descriptor: m.Descriptor,
			AvailableActions: make([]AvailableAction, 0, len(actions)), LaneSummary: lane, PreviewSummaries: []productview.PreviewStatus{}}
		if m.Descriptor.HasPreviews() && a.deps.Store != nil && a.deps.Evidence != nil {
			if dv.PreviewSummaries, err = productview.New(a.deps.Store, a.deps.Evidence).Previews(ctx, context); err != nil {
				return nil, a.fail(ctx, err)
			}
		}
		for _, act := range actions {
			dv.AvailableActions = append(dv.AvailableActions, a.availableAction(ctx, id, act, m.Product, context))
		}
		view.Drivers = append(view.Drivers, dv)
	}
	return &struct{ Body DriverViewBody }{Body: DriverViewBody{Status: "ok", TraceID: TraceID(ctx), View: view}}, nil
}

// availableAction evaluates one action for the caller. A policy error
// disables the action rather than failing the view.
func (a *API) availableAction(ctx context.Context, id authn.Identity, act driver.ActionDescriptor, product, context string) AvailableAction {
	out := AvailableAction{ActionDescriptor: act}
	if r, ok := a.drivers.Lookup(act.Method, act.RoutePath); ok {
		out.Implemented = act.Method != http.MethodPost || r.Implemented
	}
	if id.Type == authn.TypeTerminalAgent && act.Method != http.MethodGet {
		out.DisabledReason = disabledReasonTerminalAgent
		return out
	}
	if ex, ok := a.deps.Authz.(explainer); ok {
		d, err := ex.Explain(ctx, id, act.AuthzAction, product, context)
		if err != nil {
			out.DisabledReason = disabledReasonPolicyUnavailable
			return out
		}
		out.Allowed = d.Allowed
		if !d.Allowed {
			out.DisabledReason = disabledReason(d, act.AuthzAction, product, context)
		}
		return out
	}
	allowed, err := a.deps.Authz.Allowed(ctx, id, act.AuthzAction, product, context)
	switch {
	case err != nil:
		out.DisabledReason = disabledReasonPolicyUnavailable
	case !allowed:
		out.DisabledReason = noRuleReason(act.AuthzAction, product, context)
	default:
		out.Allowed = true
	}
	return out
}

// disabledReason words a denial for the caller: which action on which
// product and context, and the class of reason; never policy patterns.
func disabledReason(d authz.Decision, action, product, context string) string {
	switch d.Reason {
	case authz.ReasonReadOnlySafety:
		return "Read-only sessions may only use read and safe_write actions; " + action + " is " + d.SafetyClass + "."
	case authz.ReasonInvalidPrincipal:
		return "The caller's identity lacks the claims authorization needs."
	}
	return noRuleReason(action, product, context)
}

func noRuleReason(action, product, context string) string {
	return "No authorization rule grants " + action + " on " + product + "/" + context + "."
}

// explainer is an Authorizer that can explain a decision.
type explainer interface {
	Explain(ctx context.Context, id authn.Identity, action, product, context string) (authz.Decision, error)
}

// Explain is Allowed with the reason, for views that show why an action
// is disabled.
func (p PolicyAuthorizer) Explain(ctx context.Context, id authn.Identity, action, product, context string) (authz.Decision, error) {
	d, _, err := p.Authority.Explain(ctx, Principal(id), action, product, context)
	if errors.Is(err, authz.ErrNoPolicy) {
		return authz.Decision{}, ErrPolicyUnavailable
	}
	return d, err
}
