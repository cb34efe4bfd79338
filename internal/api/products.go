package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/productview"
	"github.com/launchplane/launchplane/internal/store"
)

// ActionProductEnvironmentRead guards every product read model route
// (service.md §2.2): the list on launchplane/launchplane, a product and its
// activity and environment list on <product>/launchplane, one environment
// and its config status on <product>/<lane context>.
const (
	ActionProductEnvironmentRead = "product_environment.read"
	productsPath                 = "/v1/products"
)

type productInput struct {
	Product string `path:"product" doc:"Product key"`
}

type productActivityInput struct {
	Product string `path:"product" doc:"Product key"`
	Limit   int    `query:"limit" minimum:"0" maximum:"200" doc:"At most this many events, newest first (default 50, at most 200)"`
}

type productEnvironmentInput struct {
	Product     string `path:"product" doc:"Product key"`
	Environment string `path:"environment" doc:"Environment (the lane instance), e.g. testing or prod"`
}

// ProductsBody is the body of GET /v1/products.
type ProductsBody struct {
	Status   string                `json:"status"`
	TraceID  string                `json:"trace_id"`
	Products []productview.Product `json:"products"`
}

// ProductBody is the body of GET /v1/products/{product}.
type ProductBody struct {
	Status  string              `json:"status"`
	TraceID string              `json:"trace_id"`
	Product productview.Product `json:"product"`
}

// ProductActivityBody is the body of GET /v1/products/{product}/activity.
type ProductActivityBody struct {
	Status   string               `json:"status"`
	TraceID  string               `json:"trace_id"`
	Activity productview.Activity `json:"activity"`
}

// ProductEnvironmentsBody is the body of GET /v1/products/{product}/environments.
type ProductEnvironmentsBody struct {
	Status       string                           `json:"status"`
	TraceID      string                           `json:"trace_id"`
	Product      string                           `json:"product"`
	Environments []productview.EnvironmentSummary `json:"environments"`
}

// ProductEnvironmentBody is the body of GET /v1/products/{product}/environments/{environment}.
type ProductEnvironmentBody struct {
	Status      string                        `json:"status"`
	TraceID     string                        `json:"trace_id"`
	Environment productview.EnvironmentDetail `json:"environment"`
}

// ProductConfigStatusBody is the body of GET .../environments/{environment}/config-status.
type ProductConfigStatusBody struct {
	Status       string                   `json:"status"`
	TraceID      string                   `json:"trace_id"`
	ConfigStatus productview.ConfigStatus `json:"config_status"`
}

func (a *API) registerProducts() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "list-products", Method: http.MethodGet, Path: productsPath,
		Summary:     "Every product's read model (product_environment.read on launchplane/launchplane)",
		Description: "Products ordered by key, each with its environments' summaries (trust state, provenance, warnings) and the caller's available actions.",
		Tags:        []string{"products"},
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body ProductsBody }, error) {
		id, err := a.productReader(ctx, authz.ProductLaunchplane, authz.ContextLaunchplane)
		if err != nil {
			return nil, err
		}
		ps, err := a.productViews().Products(ctx, a.actionAuthorizer(id))
		if err != nil {
			return nil, a.failProduct(ctx, err)
		}
		return &struct{ Body ProductsBody }{Body: ProductsBody{Status: "ok", TraceID: TraceID(ctx), Products: ps}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-product", Method: http.MethodGet, Path: productsPath + "/{product}",
		Summary:     "One product's read model (product_environment.read on <product>/launchplane)",
		Description: "Authorized on the product named in the path before anything is read.",
		Tags:        []string{"products"},
	}, func(ctx context.Context, in *productInput) (*struct{ Body ProductBody }, error) {
		product := strings.TrimSpace(in.Product)
		id, err := a.productReader(ctx, product, authz.ContextLaunchplane)
		if err != nil {
			return nil, err
		}
		p, err := a.productViews().Product(ctx, product, a.actionAuthorizer(id))
		if err != nil {
			return nil, a.failProduct(ctx, err)
		}
		return &struct{ Body ProductBody }{Body: ProductBody{Status: "ok", TraceID: TraceID(ctx), Product: p}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-product-activity", Method: http.MethodGet, Path: productsPath + "/{product}/activity",
		Summary: "A product's recent events across its lane, preview and historical contexts (product_environment.read on <product>/launchplane)",
		Description: "Deployments, promotions, backup gates, previews and authorization policy versions, newest first. " +
			"Events from the profile's historical_contexts are included and marked historical.",
		Tags: []string{"products"},
	}, func(ctx context.Context, in *productActivityInput) (*struct{ Body ProductActivityBody }, error) {
		product := strings.TrimSpace(in.Product)
		if _, err := a.productReader(ctx, product, authz.ContextLaunchplane); err != nil {
			return nil, err
		}
		act, err := a.productViews().Activity(ctx, product, in.Limit)
		if err != nil {
			return nil, a.failProduct(ctx, err)
		}
		return &struct{ Body ProductActivityBody }{Body: ProductActivityBody{Status: "ok", TraceID: TraceID(ctx), Activity: act}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "list-product-environments", Method: http.MethodGet, Path: productsPath + "/{product}/environments",
		Summary: "A product's environment summaries (product_environment.read on <product>/launchplane)",
		Tags:    []string{"products"},
	}, func(ctx context.Context, in *productInput) (*struct{ Body ProductEnvironmentsBody }, error) {
		product := strings.TrimSpace(in.Product)
		id, err := a.productReader(ctx, product, authz.ContextLaunchplane)
		if err != nil {
			return nil, err
		}
		envs, err := a.productViews().Environments(ctx, product, a.actionAuthorizer(id))
		if err != nil {
			return nil, a.failProduct(ctx, err)
		}
		return &struct{ Body ProductEnvironmentsBody }{Body: ProductEnvironmentsBody{Status: "ok", TraceID: TraceID(ctx), Product: product, Environments: envs}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-product-environment", Method: http.MethodGet, Path: productsPath + "/{product}/environments/{environment}",
		Summary: "One product environment in full (product_environment.read on <product>/<lane context>)",
		Description: "The profile is read first to find the lane context (an unknown product or environment is 404), then the caller is authorized on it. " +
			"Runtime settings are key names and counts, managed secrets binding metadata, and the tracked target says only whether a target id is recorded.",
		Tags: []string{"products"},
	}, func(ctx context.Context, in *productEnvironmentInput) (*struct{ Body ProductEnvironmentBody }, error) {
		id, err := a.environmentReader(ctx, in.Product, in.Environment)
		if err != nil {
			return nil, err
		}
		env, err := a.productViews().EnvironmentDetail(ctx, strings.TrimSpace(in.Product), strings.TrimSpace(in.Environment), a.actionAuthorizer(id))
		if err != nil {
			return nil, a.failProduct(ctx, err)
		}
		return &struct{ Body ProductEnvironmentBody }{Body: ProductEnvironmentBody{Status: "ok", TraceID: TraceID(ctx), Environment: env}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-product-environment-config-status", Method: http.MethodGet, Path: productsPath + "/{product}/environments/{environment}/config-status",
		Summary:     "Configured / missing / disabled for every expected key of an environment (product_environment.read on <product>/<lane context>)",
		Description: "Keys come from the profile's expected_config for the lane; values are never read or returned.",
		Tags:        []string{"products"},
	}, func(ctx context.Context, in *productEnvironmentInput) (*struct{ Body ProductConfigStatusBody }, error) {
		if _, err := a.environmentReader(ctx, in.Product, in.Environment); err != nil {
			return nil, err
		}
		st, err := a.productViews().ConfigStatus(ctx, strings.TrimSpace(in.Product), strings.TrimSpace(in.Environment))
		if err != nil {
			return nil, a.failProduct(ctx, err)
		}
		return &struct{ Body ProductConfigStatusBody }{Body: ProductConfigStatusBody{Status: "ok", TraceID: TraceID(ctx), ConfigStatus: st}}, nil
	})
}

func (a *API) productViews() *productview.Service {
	return productview.New(a.deps.Store, a.deps.Evidence)
}

// productReader authenticates the caller, checks product_environment.read
// on (product, context) and requires the SQL store.
func (a *API) productReader(ctx context.Context, product, context string) (authn.Identity, error) {
	id, err := a.authenticate(ctx, http.MethodGet)
	if err != nil {
		return authn.Identity{}, err
	}
	if err := a.check(ctx, id, ActionProductEnvironmentRead, product, context); err != nil {
		return authn.Identity{}, err
	}
	if err := a.requireProductStore(ctx); err != nil {
		return authn.Identity{}, err
	}
	return id, nil
}

// environmentReader authenticates the caller, reads the lane of the
// environment (404 before any authorization, as for stored-record reads)
// and checks product_environment.read on (product, lane context).
func (a *API) environmentReader(ctx context.Context, product, environment string) (authn.Identity, error) {
	id, err := a.authenticate(ctx, http.MethodGet)
	if err != nil {
		return authn.Identity{}, err
	}
	if err := a.requireProductStore(ctx); err != nil {
		return authn.Identity{}, err
	}
	product = strings.TrimSpace(product)
	lane, err := a.productViews().Lane(ctx, product, environment)
	if err != nil {
		return authn.Identity{}, a.failProduct(ctx, err)
	}
	if err := a.check(ctx, id, ActionProductEnvironmentRead, product, lane.Context); err != nil {
		return authn.Identity{}, err
	}
	return id, nil
}

// actionAuthorizer evaluates product-view actions for the caller with the
// driver views' availableAction, so both views word permissions alike.
func (a *API) actionAuthorizer(id authn.Identity) productview.ActionAuthorizer {
	return func(ctx context.Context, act driver.ActionDescriptor, product, context string) productview.ActionAccess {
		av := a.availableAction(ctx, id, act, product, context)
		return productview.ActionAccess{Allowed: av.Allowed, DisabledReason: av.DisabledReason, Implemented: av.Implemented}
	}
}

func (a *API) requireProductStore(ctx context.Context) error {
	if a.deps.Store == nil || a.deps.Evidence == nil {
		return newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Product read models require the SQL store.")
	}
	return nil
}

// failProduct names what was not found, then defers to fail.
func (a *API) failProduct(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, productview.ErrEnvironmentNotFound):
		return newError(ctx, http.StatusNotFound, CodeNotFound, "Product environment not found.")
	case errors.Is(err, store.ErrNotFound):
		return newError(ctx, http.StatusNotFound, CodeNotFound, "Product not found.")
	}
	return a.fail(ctx, err)
}
