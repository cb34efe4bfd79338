// Package genericweb is the generic-web driver, the base every product
// driver builds on: deploy an exact artifact to a product lane, promote
// testing to prod behind a backup gate with source and destination health
// evidence, and dispatch the product's own prod-promotion workflow.
//
// Handlers follow the driver contract (internal/driver): validation and
// refusals are errors before any mutation (400/409/503); once the provider
// has been called the outcome is a 202 result whose *_status says what
// happened, with the evidence written either way.
package genericweb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// DriverID is the generic-web driver's id.
const DriverID = "generic-web"

// Route paths this package serves.
const (
	RouteDeploy            = "/v1/drivers/generic-web/deploy"
	RouteProdPromotion     = "/v1/drivers/generic-web/prod-promotion"
	RouteProdPromotionFlow = "/v1/drivers/generic-web/prod-promotion-workflow"
)

// Config wires the driver.
type Config struct {
	Store    store.Store
	Executor *deploy.Executor
	// ContextSecret resolves one runtime value of a context (runtime
	// records plus the managed-secret overlay), e.g. GITHUB_TOKEN; "" when
	// the context's records do not expose it.
	ContextSecret func(ctx context.Context, context, key string) (string, error)
	// GitHub builds a client for a token.
	GitHub func(token string) (*github.Client, error)
	Now    func() time.Time
	// ObservePoll is the workflow-run poll period (default 1s).
	ObservePoll time.Duration
}

// Handlers returns the driver's handlers by route path, for
// driver.PendingHandlers' map.
func Handlers(cfg Config) map[string]driver.Handler {
	if cfg.ObservePoll == 0 {
		cfg.ObservePoll = time.Second
	}
	d := &drv{cfg: cfg}
	return map[string]driver.Handler{
		RouteDeploy:            driver.HandlerFunc(d.deploy),
		RouteProdPromotion:     driver.HandlerFunc(d.prodPromotion),
		RouteProdPromotionFlow: driver.HandlerFunc(d.workflow),
	}
}

type drv struct{ cfg Config }

// profileLane reads the product's profile and its lane for instance,
// authorizing the caller on the lane's context before anything about the
// profile is revealed: an unknown product or lane is answered only to a
// caller allowed on the product.
func (d *drv) profileLane(ctx context.Context, call driver.Call, product, instance string) (record.ProductProfile, record.ProductLaneProfile, error) {
	profile, err := products.Get(ctx, d.cfg.Store, product)
	if errors.Is(err, store.ErrNotFound) {
		if err := call.Caller.Authorize(ctx, product, product); err != nil {
			return profile, record.ProductLaneProfile{}, err
		}
		return profile, record.ProductLaneProfile{}, driver.Refuse(driver.RefusedInvalid, "product_not_found", fmt.Sprintf("No product profile for %q.", product))
	}
	if err != nil {
		return profile, record.ProductLaneProfile{}, err
	}
	lane, err := products.LaneFor(profile, instance)
	if err != nil {
		if err := call.Caller.Authorize(ctx, product, product); err != nil {
			return profile, record.ProductLaneProfile{}, err
		}
		return profile, record.ProductLaneProfile{}, driver.Refuse(driver.RefusedInvalid, "product_lane_not_found", fmt.Sprintf("Product %q has no %q lane.", product, instance))
	}
	if err := call.Caller.Authorize(ctx, product, lane.Context); err != nil {
		return profile, lane, err
	}
	if err := driver.CheckCompatible(profile.DriverID, DriverID); err != nil {
		return profile, lane, err
	}
	return profile, lane, nil
}

// healthURLs is a lane's health URL (products.LaneHealthURL), as a list:
// none when the lane has neither a health URL nor a base URL.
func healthURLs(profile record.ProductProfile, lane record.ProductLaneProfile) []string {
	if u := products.LaneHealthURL(profile, lane); u != "" {
		return []string{u}
	}
	return []string{}
}

// refusal turns an execution refusal into the driver's 400/409, keeping
// its message (record ids and names only).
func refusal(err error) error {
	switch {
	case errors.Is(err, targets.ErrLaneBusy):
		return driver.Refuse(driver.RefusedConflict, "lane_busy", err.Error())
	case errors.Is(err, targets.ErrStale):
		return driver.Refuse(driver.RefusedConflict, "provider_target_stale", err.Error())
	case errors.Is(err, crypto.ErrNoKey), errors.Is(err, crypto.ErrDecrypt):
		return driver.Refuse(driver.RefusedUnavailable, "secret_configuration_required", "Managed secrets cannot be opened: the service has no usable key ring (LAUNCHPLANE_MASTER_ENCRYPTION_KEY or LAUNCHPLANE_SECRET_KEYS_JSON).")
	case errors.Is(err, targets.ErrNoCredentials):
		return driver.Refuse(driver.RefusedUnavailable, "dokploy_credentials_missing", "Dokploy credentials are not configured (managed secrets DOKPLOY_HOST and DOKPLOY_TOKEN, integration dokploy).")
	case errors.Is(err, deploy.ErrRefused), errors.Is(err, record.ErrInvalid):
		return driver.Refuse(driver.RefusedInvalid, "invalid_request", err.Error())
	}
	return err
}

// decode strictly decodes a route envelope into v (defaults already set)
// and checks the schema version and that the outer product names the
// inner one.
func decode(route string, body []byte, v interface{ envelope() (int, string, string) }) error {
	if err := record.DecodeStrict(route, body, v); err != nil {
		return err
	}
	version, outer, inner := v.envelope()
	var problems []string
	if version != 1 {
		problems = append(problems, fmt.Sprintf("schema_version must be 1 (got %d)", version))
	}
	if strings.TrimSpace(inner) == "" {
		problems = append(problems, "product is required")
	} else if strings.TrimSpace(outer) != strings.TrimSpace(inner) {
		problems = append(problems, "the envelope product must equal the request's product")
	}
	if len(problems) > 0 {
		return driver.Refuse(driver.RefusedInvalid, "invalid_request", "Invalid "+route+" request: "+strings.Join(problems, "; ")+".")
	}
	return nil
}

// Options are the deployment-specific settings of Wire.
type Options struct {
	// GitHubAPIURL is the GitHub REST root; empty means api.github.com.
	GitHubAPIURL string
	// Dokploy carries transport settings for the Dokploy client (its URL
	// and key always come from managed secrets).
	Dokploy dokploy.Config
}

// Wire is the production Config over a store: executions through the
// deploy layer with Dokploy credentials from managed secrets, runtime
// values resolved from a context's records and managed-secret overlay.
func Wire(s store.Store, ring *crypto.KeyRing, now func() time.Time, opts Options) Config {
	sec := secrets.New(s, ring, now, nil)
	env := runtimeenv.New(s, now, targets.TrackedRoutes(s))
	layers := runtimeenv.Layers{Target: targets.TargetEnv(s), Secrets: sec.Overlay}
	return Config{
		Store: s, Now: now,
		Executor: deploy.New(deploy.Config{Store: s, Now: now, Client: func(ctx context.Context) (*dokploy.Client, error) {
			return targets.DokployClient(ctx, sec.Integration, opts.Dokploy)
		}}),
		ContextSecret: func(ctx context.Context, contextName, key string) (string, error) {
			res, err := env.Resolve(ctx, contextName, "", layers)
			if errors.Is(err, store.ErrNotFound) {
				return "", nil
			}
			if err != nil {
				return "", fmt.Errorf("resolve runtime values of %s: %w", contextName, err)
			}
			values, _ := res.Env(true)
			v, _ := values[key].(string)
			return v, nil
		},
		GitHub: func(token string) (*github.Client, error) {
			return github.New(github.Config{Token: token, BaseURL: opts.GitHubAPIURL, Now: now})
		},
	}
}
