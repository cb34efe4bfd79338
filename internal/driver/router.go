package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
)

// ErrNotImplemented means a described driver route has no handler in this
// build yet (HTTP 501 driver_action_not_implemented).
var ErrNotImplemented = errors.New("driver action not implemented")

// ContextLaunchplane is the context a not-yet-implemented route authorizes
// against when its request names no context (see NotImplemented).
const ContextLaunchplane = "launchplane"

// Route is one row of the router table: a driver route and the action it
// performs. A handler reads its authz action from here (through
// Caller.Authorize), never from a list of its own.
type Route struct {
	Method      string `json:"method"`
	Path        string `json:"route_path"`
	DriverID    string `json:"driver_id"`
	ActionID    string `json:"action_id"`
	AuthzAction string `json:"authz_action"`
	Safety      Safety `json:"safety"`
	Scope       Scope  `json:"scope"`
	// Alias is true for a compatibility path of another action's route.
	Alias bool `json:"alias,omitempty"`
	// Implemented is false while the route answers 501.
	Implemented bool `json:"implemented"`
	// Label and Description come from the action, for route docs.
	Label       string `json:"-"`
	Description string `json:"-"`
	Input       string `json:"-"`
	Output      string `json:"-"`

	handler Handler
}

// Handler executes one driver route. It decodes call.Body strictly,
// validates it, resolves the product and context the request acts on,
// calls call.Caller.Authorize with them (before any lookup that could leak
// or any mutation), then does the work.
//
// Errors: a *record.ValidationError or record.ErrInvalid is a 400, a
// *MismatchError a 403 product_driver_mismatch, store.ErrNotFound a 404,
// ErrNotImplemented a 501; the error Caller.Authorize returned is passed
// through unchanged. Provider failures are not errors: they are an Outcome
// whose result says the step failed (HTTP 202), per service.md §5.9.
type Handler interface {
	Serve(ctx context.Context, call Call) (Outcome, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, call Call) (Outcome, error)

// Serve calls f.
func (f HandlerFunc) Serve(ctx context.Context, call Call) (Outcome, error) { return f(ctx, call) }

// Call is one request to a driver route.
type Call struct {
	Route Route
	// Body is the raw JSON request body (at most the API's body limit).
	Body []byte
	// IdempotencyKey is the trimmed Idempotency-Key header, "" when absent.
	IdempotencyKey string
	Caller         Caller
}

// Caller is the authenticated caller of a driver route.
type Caller interface {
	// Authorize checks the route's authz action for (product, context)
	// and returns the API's rejection when the policy denies it.
	Authorize(ctx context.Context, product, context string) error
	// Actor is the audit actor string of the caller (service.md §3.5).
	Actor() string
	// Browser reports a human's browser session (as opposed to a
	// workflow or an owner terminal); some actions are dry-run only there.
	Browser() bool
}

// Outcome is what a handler reports: the durable record ids (the API
// keeps only the whitelisted keys) and the serialized result. It is
// answered as 202 {status:"accepted", trace_id, records, result}.
type Outcome struct {
	Records map[string]string
	Result  any
	// DryRun marks an outcome that changed nothing; it is never stored
	// under an Idempotency-Key.
	DryRun bool
}

// NotImplementedError is a described route that has no handler yet.
type NotImplementedError struct {
	Route Route
}

func (e *NotImplementedError) Error() string {
	return fmt.Sprintf("%s %s (%s.%s) is described but not implemented in this build",
		e.Route.Method, e.Route.Path, e.Route.DriverID, e.Route.ActionID)
}

// Is makes errors.Is(err, ErrNotImplemented) hold.
func (e *NotImplementedError) Is(target error) bool { return target == ErrNotImplemented }

type notImplemented struct{}

// NotImplemented is the handler of a described route whose driver is not
// built yet. It still applies the route's authorization first, so a
// caller without the route's authz action gets 403, not 501: it reads
// the envelope's product and the context named by the request (top-level
// "context", or "context" inside the one inner request object) and,
// when the request names no context (its handler would take it from the
// product profile), authorizes against context "launchplane".
func NotImplemented() Handler { return notImplemented{} }

func (notImplemented) Serve(ctx context.Context, call Call) (Outcome, error) {
	product, scope, err := envelopeScope(call.Body)
	if err != nil {
		return Outcome{}, err
	}
	if err := call.Caller.Authorize(ctx, product, scope); err != nil {
		return Outcome{}, err
	}
	return Outcome{}, &NotImplementedError{Route: call.Route}
}

// envelopeScope reads the product and context of a driver envelope
// without knowing its inner shape.
func envelopeScope(body []byte) (product, context string, err error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil || env == nil {
		return "", "", &record.ValidationError{Record: "request", Problems: []record.FieldProblem{{Field: "request", Message: "must be a JSON object"}}}
	}
	str := func(raw json.RawMessage) string {
		var s string
		_ = json.Unmarshal(raw, &s)
		return strings.TrimSpace(s)
	}
	product = str(env["product"])
	if product == "" {
		return "", "", &record.ValidationError{Record: "request", Problems: []record.FieldProblem{{Field: "product", Message: "is required"}}}
	}
	context = str(env["context"])
	if context == "" {
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var inner map[string]json.RawMessage
			if json.Unmarshal(env[k], &inner) == nil && inner != nil {
				if c := str(inner["context"]); c != "" {
					context = c
					break
				}
			}
		}
	}
	if context == "" {
		context = ContextLaunchplane
	}
	return product, context, nil
}

// Router is the table of driver routes built from a registry.
type Router struct {
	routes []Route
	index  map[string]int
}

// NewRouter builds the route table from every descriptor action and route
// alias. It fails on a duplicate method and path, on a driver route
// without an authz action, on a POST route without a handler, and on a
// handler for a path no descriptor describes (a typo would otherwise
// leave the real route unhandled). Use NotImplemented() for the routes of
// drivers not built yet; they are listed by Router.NotImplemented.
func NewRouter(reg *Registry, handlers map[string]Handler) (*Router, error) {
	if reg == nil {
		return nil, errors.New("build driver router: no registry")
	}
	rt := &Router{index: map[string]int{}}
	var errs []error
	used := map[string]bool{}
	add := func(r Route) {
		key := r.Method + " " + r.Path
		if i, dup := rt.index[key]; dup {
			prev := rt.routes[i]
			errs = append(errs, fmt.Errorf("route %s is declared twice: %s.%s and %s.%s", key, prev.DriverID, prev.ActionID, r.DriverID, r.ActionID))
			return
		}
		if strings.HasPrefix(r.Path, RoutePrefix) && strings.TrimSpace(r.AuthzAction) == "" {
			errs = append(errs, fmt.Errorf("route %s (%s.%s) has no authz_action", key, r.DriverID, r.ActionID))
			return
		}
		if r.Method == "POST" {
			h, ok := handlers[r.Path]
			if !ok || h == nil {
				errs = append(errs, fmt.Errorf("route %s (%s.%s) has no handler", key, r.DriverID, r.ActionID))
				return
			}
			used[r.Path] = true
			r.handler = h
			_, pending := h.(notImplemented)
			r.Implemented = !pending
		}
		rt.index[key] = len(rt.routes)
		rt.routes = append(rt.routes, r)
	}
	for _, d := range reg.drivers {
		for _, a := range d.Actions {
			add(Route{Method: a.Method, Path: a.RoutePath, DriverID: d.DriverID, ActionID: a.ActionID, AuthzAction: a.AuthzAction,
				Safety: a.Safety, Scope: a.Scope, Label: a.Label, Description: a.Description,
				Input: a.InputSchema.Description, Output: a.OutputSchema.Description})
		}
		for _, al := range d.RouteAliases {
			a, _ := d.Action(al.ActionID)
			add(Route{Method: al.Method, Path: al.RoutePath, DriverID: d.DriverID, ActionID: al.ActionID, AuthzAction: al.AuthzAction,
				Safety: a.Safety, Scope: a.Scope, Alias: true, Label: a.Label, Description: a.Description,
				Input: a.InputSchema.Description, Output: a.OutputSchema.Description})
		}
	}
	paths := make([]string, 0, len(handlers))
	for p := range handlers {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if !used[p] {
			errs = append(errs, fmt.Errorf("handler for %s matches no described POST route", p))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("build driver router: %w", errors.Join(errs...))
	}
	return rt, nil
}

// Routes returns the table in registry order.
func (rt *Router) Routes() []Route {
	return append([]Route{}, rt.routes...)
}

// Lookup returns the route for a method and path.
func (rt *Router) Lookup(method, path string) (Route, bool) {
	i, ok := rt.index[method+" "+path]
	if !ok {
		return Route{}, false
	}
	return rt.routes[i], true
}

// NotImplemented lists the POST routes that answer 501 for now.
func (rt *Router) NotImplemented() []Route {
	var out []Route
	for _, r := range rt.routes {
		if r.Method == "POST" && !r.Implemented {
			out = append(out, r)
		}
	}
	return out
}

// Serve runs the route's handler for call (call.Route is set here).
func (rt *Router) Serve(ctx context.Context, r Route, call Call) (Outcome, error) {
	i, ok := rt.index[r.Method+" "+r.Path]
	if !ok {
		return Outcome{}, fmt.Errorf("serve %s %s: no such driver route", r.Method, r.Path)
	}
	call.Route = rt.routes[i]
	return rt.routes[i].handler.Serve(ctx, call)
}

// PendingHandlers maps every POST route of reg to NotImplemented(); a
// caller copies its built handlers over it, so drivers not built yet are
// declared pending explicitly rather than by omission.
func PendingHandlers(reg *Registry) map[string]Handler {
	out := map[string]Handler{}
	for _, d := range reg.drivers {
		for _, a := range d.Actions {
			if a.Method == "POST" {
				out[a.RoutePath] = NotImplemented()
			}
		}
		for _, al := range d.RouteAliases {
			if al.Method == "POST" {
				out[al.RoutePath] = NotImplemented()
			}
		}
	}
	return out
}
