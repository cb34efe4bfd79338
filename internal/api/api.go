// Package api is Launchplane's /v1 HTTP surface: thin handlers that decode
// strictly, authenticate, authorize, call a domain package and encode the
// upstream envelopes. huma (on the stdlib mux) registers the routes and
// generates /v1/openapi.json; errors go through one adapter (fail).
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// MaxBodyBytes is the request body limit; larger bodies get 413.
const MaxBodyBytes = 1 << 20

// Authenticator identifies callers (internal/authn).
type Authenticator interface {
	Authenticate(ctx context.Context, method, authorization string) (authn.Identity, error)
}

// Authorizer decides whether an identity may take an action on a product
// and context. Denial is (false, nil); ErrPolicyUnavailable when no policy
// is active.
type Authorizer interface {
	Allowed(ctx context.Context, id authn.Identity, action, product, context string) (bool, error)
}

// Runtime describes the running service for GET /v1/service/runtime.
type Runtime struct {
	ServiceAudience      string
	DockerImageReference string
	// Policy reports the active policy's hash and source; nil when unknown.
	Policy func(ctx context.Context) (sha256, source string, err error)
	// BootstrapPolicySHA256 is the hash of the bootstrap policy file.
	BootstrapPolicySHA256 string
}

// Deps is everything the handlers call.
type Deps struct {
	Store    store.Store
	Evidence *evidence.Service
	Authn    Authenticator
	Authz    Authorizer
	Runtime  Runtime
	Now      func() time.Time
	Logger   *slog.Logger
	// SecretKeys opens and seals managed secrets (product-config); nil refuses bundles with secrets.
	SecretKeys *crypto.KeyRing
	// DriverHandlers serve the driver POST routes, by route path: start
	// from driver.PendingHandlers and copy the built handlers over it. Nil
	// means every driver route answers 501 driver_action_not_implemented.
	DriverHandlers map[string]driver.Handler
	// DriverProfiles lists the product profiles owning a context for the
	// driver views; nil reads them from Store (StoreDriverProfiles).
	DriverProfiles DriverProfileSource
}

// API holds the handlers' dependencies.
type API struct {
	deps Deps
	log  *slog.Logger
	huma huma.API
	mux  *http.ServeMux
	// drivers is the driver router table (registerDrivers).
	drivers *driver.Router
}

// New builds the /v1 handler.
// It panics on an invalid driver router table; service start-up uses NewChecked.
func New(deps Deps) *API {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	config := huma.DefaultConfig("Launchplane", "1")
	config.Info.Description = "Deployment control plane: durable evidence, safe promotions, exact artifacts."
	config.OpenAPIPath = "/v1/openapi"
	config.DocsPath = ""
	config.SchemasPath = ""
	config.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	config.CreateHooks = nil // no $schema links injected into bodies
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "A GitHub Actions OIDC token (audience = the service audience) or a configured owner-agent token."},
	}
	config.Security = []map[string][]string{{"bearer": {}}}
	a := &API{deps: deps, log: deps.Logger, mux: mux}
	a.huma = humago.New(mux, config)
	a.registerPlatform()
	a.registerEvidence()
	a.registerReads()
	a.registerPreviews()
	a.registerSecrets()
	a.registerAuthz()
	a.registerKeySafety()
	a.registerProductConfig()
	a.registerProviderTargets()
	a.registerTargetLogs()
	a.registerLiveRuntime()
	a.registerProductProfiles()
	a.registerProductOnboarding()
	a.registerDrivers()
	a.registerProducts()
	return a
}

// Handler returns the API wrapped in its middleware.
func (a *API) Handler() http.Handler {
	return withTrace(recoverPanics(a.log, withCredentials(notFoundJSON(a.mux))))
}

// OpenAPI returns the generated OpenAPI document.
func (a *API) OpenAPI() ([]byte, error) {
	return json.MarshalIndent(a.huma.OpenAPI(), "", "  ")
}

type traceKey struct{}

// TraceID returns the request's trace id ("" outside a request).
func TraceID(ctx context.Context) string {
	id, _ := ctx.Value(traceKey{}).(string)
	return id
}

func newTraceID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "launchplane_req_" + hex.EncodeToString(b[:])
}

// withTrace gives every request a fresh trace id, echoed in X-Trace-Id.
func withTrace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newTraceID()
		w.Header().Set("X-Trace-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), traceKey{}, id)))
	})
}

// recoverPanics turns a panic into a 500 envelope; the panic goes to the
// log with the trace id, never to the client.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "handler panic", slog.String("trace_id", TraceID(r.Context())), slog.Any("panic", v))
				writeError(w, newError(r.Context(), http.StatusInternalServerError, CodeInternal, internalMessage(r.Context())))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// notFoundJSON answers unknown paths (404) and known paths with the wrong
// method (405) with the JSON envelope instead of the mux's plain text.
func notFoundJSON(mux *http.ServeMux) http.Handler {
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allowed []string
		for _, m := range methods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) == 0 {
			writeError(w, newError(r.Context(), http.StatusNotFound, CodeNotFound, "Not found."))
			return
		}
		for _, m := range allowed {
			w.Header().Add("Allow", m)
		}
		writeError(w, newError(r.Context(), http.StatusMethodNotAllowed, CodeMethodNotAllowed, "Method not allowed."))
	})
}

func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(e)
}

// Route returns the route pattern a request matches ("GET /v1/health"), or
// "unmatched", for metrics labels that stay bounded.
func (a *API) Route(r *http.Request) string {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		return pattern
	}
	return "unmatched"
}
