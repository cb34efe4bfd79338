package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Product-profile actions (service.md §2.2, §2.5, §4.6). Lists authorize
// on launchplane/launchplane; one profile and writes on <product>/launchplane.
const (
	ActionProductProfileRead  = "product_profile.read"
	ActionProductProfileWrite = "product_profile.write"
	productProfilesPath       = "/v1/product-profiles"
)

type productProfilesInput struct {
	DriverID string `query:"driver_id" doc:"Only profiles of this driver (generic-web, odoo, verireel, ...)"`
}

type productProfileInput struct {
	Product string `path:"product" doc:"Product key"`
}

// ProductProfiles is the body of GET /v1/product-profiles.
type ProductProfiles struct {
	Status   string                  `json:"status"`
	TraceID  string                  `json:"trace_id"`
	Profiles []record.ProductProfile `json:"profiles"`
}

// ProductProfileBody is the body of GET /v1/product-profiles/{product}.
type ProductProfileBody struct {
	Status  string                `json:"status"`
	TraceID string                `json:"trace_id"`
	Profile record.ProductProfile `json:"profile"`
}

type productProfilesOutput struct{ Body ProductProfiles }

type productProfileOutput struct{ Body ProductProfileBody }

func (a *API) registerProductProfiles() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "list-product-profiles", Method: http.MethodGet, Path: productProfilesPath,
		Summary:     "Product profiles, newest first (product_profile.read on launchplane/launchplane)",
		Description: "driver_id keeps one driver's profiles. A denied workflow gets authz diagnostics (its claims and the policy hash).",
		Tags:        []string{"product-profiles"},
	}, func(ctx context.Context, in *productProfilesInput) (*productProfilesOutput, error) {
		if err := a.authorize(ctx, http.MethodGet, ActionProductProfileRead, authz.ProductLaunchplane, authz.ContextLaunchplane); err != nil {
			return nil, err
		}
		if err := a.requireProfileStore(ctx); err != nil {
			return nil, err
		}
		ps, err := products.List(ctx, a.deps.Store, in.DriverID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		return &productProfilesOutput{Body: ProductProfiles{Status: "ok", TraceID: TraceID(ctx), Profiles: ps}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "get-product-profile", Method: http.MethodGet, Path: productProfilesPath + "/{product}",
		Summary:     "One product profile (product_profile.read on <product>/launchplane)",
		Description: "Authorized on the product named in the path before the profile is read, so a denied caller cannot learn whether it exists.",
		Tags:        []string{"product-profiles"},
	}, func(ctx context.Context, in *productProfileInput) (*productProfileOutput, error) {
		product := strings.TrimSpace(in.Product)
		if err := a.authorize(ctx, http.MethodGet, ActionProductProfileRead, product, authz.ContextLaunchplane); err != nil {
			return nil, err
		}
		if err := a.requireProfileStore(ctx); err != nil {
			return nil, err
		}
		p, err := products.Get(ctx, a.deps.Store, product)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		return &productProfileOutput{Body: ProductProfileBody{Status: "ok", TraceID: TraceID(ctx), Profile: p}}, nil
	})

	huma.Register(a.huma, huma.Operation{
		OperationID: "post-product-profile", Method: http.MethodPost, Path: productProfilesPath,
		Summary: "Create or replace a whole product profile (product_profile.write on <product>/launchplane)",
		Description: "Body: the full product profile record of records.md §2.3 (product, display_name, repository, driver_id, " +
			"image{repository}, runtime_port, health_path, lanes[], historical_contexts[], preview{}, promotion_workflow{}, " +
			"expected_config{}, source). Unknown fields are refused; absent fields take their defaults, so the write replaces the " +
			"whole profile. updated_at in the body is ignored: the service stamps the write time. A blank source becomes \"" +
			products.SourceService + "\". The record rules and the write contract (enabled health checks must have something to " +
			"probe) are checked before anything is written; a refusal is 400 invalid_request naming the fields, with nothing " +
			"written. records: {product_profile}; result: {action: created|updated|unchanged, product, profile}. Idempotency-Key " +
			"replays the first response.",
		Tags:          []string{"product-profiles"},
		DefaultStatus: http.StatusAccepted, SkipValidateBody: true, MaxBodyBytes: MaxBodyBytes,
	}, a.postProductProfile)
}

func (a *API) postProductProfile(ctx context.Context, in *writeInput) (*acceptedOutput, error) {
	id, err := a.authenticate(ctx, http.MethodPost)
	if err != nil {
		return nil, err
	}
	if len(in.RawBody) == 0 {
		return nil, invalid(ctx, "Request body is required.")
	}
	p, err := products.DecodeInput(in.RawBody, products.SourceService)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	p, err = products.Prepare(products.UpsertInput{Profile: p}, a.deps.Now())
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if err := a.check(ctx, id, ActionProductProfileWrite, p.Product, authz.ContextLaunchplane); err != nil {
		return nil, err
	}
	if err := a.requireProfileStore(ctx); err != nil {
		return nil, err
	}
	return a.accept(ctx, productProfilesPath, id, in, func(ctx context.Context, tx store.Tx) (map[string]string, any, error) {
		res, err := products.UpsertTx(ctx, tx, p)
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{"product_profile": res.Product}, res, nil
	})
}

// requireProfileStore answers 503 database_required when the API runs without
// its SQL store.
func (a *API) requireProfileStore(ctx context.Context) error {
	if a.deps.Store == nil {
		return newError(ctx, http.StatusServiceUnavailable, CodeDatabaseRequired, "Product profiles require the SQL store.")
	}
	return nil
}
