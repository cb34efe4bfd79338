package productview

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// EnvironmentSummary is the summary of one product environment (a lane of the
// product profile, records.md §4.2). TrustState is the lane's provenance
// freshness.
type EnvironmentSummary struct {
	Product          string                  `json:"product"`
	Environment      string                  `json:"environment"`
	Context          string                  `json:"context"`
	BaseURL          string                  `json:"base_url"`
	HealthURL        string                  `json:"health_url"`
	TrustState       string                  `json:"trust_state"`
	Provenance       evidence.DataProvenance `json:"provenance"`
	Warnings         []string                `json:"warnings"`
	Current          *CurrentRelease         `json:"current"`
	AvailableActions []ProductAction         `json:"available_actions"`
}

// EnvironmentDetail is one environment in full: the summary plus the
// lane's latest evidence, tracked target, runtime settings and managed
// secrets (records.md §4.2 "detail adds").
type EnvironmentDetail struct {
	EnvironmentSummary
	LaneEvidence
	LaneConfig
}

// Product is one product's read model: its profile's identity, every
// environment's summary, its preview settings and the product-level
// (preview) actions. TrustState combines the environments' trust states.
type Product struct {
	Product            string               `json:"product"`
	DisplayName        string               `json:"display_name"`
	Repository         string               `json:"repository"`
	DriverID           string               `json:"driver_id"`
	TrustState         string               `json:"trust_state"`
	Environments       []EnvironmentSummary `json:"environments"`
	Preview            PreviewSummary       `json:"preview"`
	HistoricalContexts []string             `json:"historical_contexts"`
	AvailableActions   []ProductAction      `json:"available_actions"`
	Warnings           []string             `json:"warnings"`
	UpdatedAt          string               `json:"updated_at"`
	Source             string               `json:"source"`
}

// PreviewSummary is the product's preview settings and its live previews
// (not destroyed), newest first, each with its provenance.
type PreviewSummary struct {
	Enabled  bool            `json:"enabled"`
	Context  string          `json:"context"`
	Previews []PreviewStatus `json:"previews"`
}

// PreviewStatus is one live preview.
type PreviewStatus struct {
	PreviewID      string                  `json:"preview_id"`
	AnchorRepo     string                  `json:"anchor_repo"`
	AnchorPRNumber int                     `json:"anchor_pr_number"`
	State          string                  `json:"state"`
	CanonicalURL   string                  `json:"canonical_url"`
	UpdatedAt      string                  `json:"updated_at"`
	Provenance     evidence.DataProvenance `json:"provenance"`
}

// maxPreviews bounds the previews a product summary lists.
const maxPreviews = 20

// Products lists every product's read model, ordered by product.
func (s *Service) Products(ctx context.Context, auth ActionAuthorizer) ([]Product, error) {
	all, err := s.store.ProductProfileList(ctx, store.ProductProfileListParams{})
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	slices.SortFunc(all, func(a, b record.ProductProfile) int { return strings.Compare(a.Product, b.Product) })
	out := make([]Product, 0, len(all))
	for _, p := range all {
		v, err := s.product(ctx, p, auth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Product reads one product's read model.
func (s *Service) Product(ctx context.Context, product string, auth ActionAuthorizer) (Product, error) {
	p, err := s.profile(ctx, product)
	if err != nil {
		return Product{}, err
	}
	return s.product(ctx, p, auth)
}

func (s *Service) product(ctx context.Context, p record.ProductProfile, auth ActionAuthorizer) (Product, error) {
	envs, err := s.environments(ctx, p, auth)
	if err != nil {
		return Product{}, err
	}
	out := Product{Product: p.Product, DisplayName: p.DisplayName, Repository: p.Repository, DriverID: p.DriverID,
		Environments: envs, HistoricalContexts: append([]string{}, p.HistoricalContexts...),
		AvailableActions: []ProductAction{}, Warnings: []string{}, UpdatedAt: p.UpdatedAt, Source: p.Source,
		Preview: PreviewSummary{Enabled: p.Preview.Enabled, Context: p.Preview.Context, Previews: []PreviewStatus{}}}
	trust := make([]string, 0, len(envs))
	for _, e := range envs {
		trust = append(trust, e.TrustState)
	}
	out.TrustState = evidence.CombineTrust(trust...)
	if len(envs) == 0 {
		out.Warnings = append(out.Warnings, "The product profile has no lanes.")
	}
	if _, ok := s.registry.Get(p.DriverID); !ok {
		out.Warnings = append(out.Warnings, "The product profile names driver "+p.DriverID+", which is not registered; no actions are offered.")
	}
	if p.Preview.Enabled {
		if out.Preview.Previews, err = s.Previews(ctx, p.Preview.Context); err != nil {
			return Product{}, err
		}
	}
	for _, act := range productActions(s.registry, p) {
		out.AvailableActions = append(out.AvailableActions, evaluate(ctx, auth, act, p.Product, p.Preview.Context))
	}
	return out, nil
}

// Previews lists the live (not destroyed) previews of a context, newest
// first, each with its provenance.
func (s *Service) Previews(ctx context.Context, contextName string) ([]PreviewStatus, error) {
	list, err := s.store.PreviewList(ctx, store.PreviewListParams{Context: contextName})
	if err != nil {
		return nil, fmt.Errorf("list previews: %w", err)
	}
	out := []PreviewStatus{}
	for _, p := range list {
		if p.State == record.PreviewDestroyed {
			continue
		}
		if len(out) == maxPreviews {
			break
		}
		var latest *record.PreviewGeneration
		if p.LatestGenerationID != "" {
			g, err := s.store.PreviewGenerationGet(ctx, p.LatestGenerationID)
			if err == nil {
				latest = &g
			} else if !isNotFound(err) {
				return nil, fmt.Errorf("read preview generation: %w", err)
			}
		}
		out = append(out, PreviewStatus{PreviewID: p.PreviewID, AnchorRepo: p.AnchorRepo, AnchorPRNumber: p.AnchorPRNumber,
			State: p.State, CanonicalURL: p.CanonicalURL, UpdatedAt: p.UpdatedAt, Provenance: s.evidence.PreviewProvenance(p, latest)})
	}
	return out, nil
}

// Environments lists a product's environment summaries in profile order.
func (s *Service) Environments(ctx context.Context, product string, auth ActionAuthorizer) ([]EnvironmentSummary, error) {
	p, err := s.profile(ctx, product)
	if err != nil {
		return nil, err
	}
	return s.environments(ctx, p, auth)
}

func (s *Service) environments(ctx context.Context, p record.ProductProfile, auth ActionAuthorizer) ([]EnvironmentSummary, error) {
	out := make([]EnvironmentSummary, 0, len(p.Lanes))
	for _, lane := range p.Lanes {
		d, err := s.environment(ctx, p, lane, auth)
		if err != nil {
			return nil, err
		}
		out = append(out, d.EnvironmentSummary)
	}
	return out, nil
}

// EnvironmentDetail reads one environment in full.
func (s *Service) EnvironmentDetail(ctx context.Context, product, environment string, auth ActionAuthorizer) (EnvironmentDetail, error) {
	p, err := s.profile(ctx, product)
	if err != nil {
		return EnvironmentDetail{}, err
	}
	lane, err := laneOf(p, environment)
	if err != nil {
		return EnvironmentDetail{}, err
	}
	return s.environment(ctx, p, lane, auth)
}

func (s *Service) environment(ctx context.Context, p record.ProductProfile, lane record.ProductLaneProfile, auth ActionAuthorizer) (EnvironmentDetail, error) {
	sum, err := s.LaneSummary(ctx, lane.Context, lane.Instance)
	if err != nil {
		return EnvironmentDetail{}, fmt.Errorf("read environment %s/%s: %w", p.Product, lane.Instance, err)
	}
	env := EnvironmentSummary{Product: p.Product, Environment: lane.Instance, Context: lane.Context, BaseURL: lane.BaseURL,
		HealthURL: products.LaneHealthURL(p, lane), TrustState: sum.Provenance.FreshnessStatus, Provenance: sum.Provenance,
		Warnings: sum.Warnings, Current: sum.Current, AvailableActions: []ProductAction{}}
	for _, act := range environmentActions(s.registry, p, lane) {
		env.AvailableActions = append(env.AvailableActions, evaluate(ctx, auth, act, p.Product, lane.Context))
	}
	return EnvironmentDetail{EnvironmentSummary: env, LaneEvidence: sum.LaneEvidence, LaneConfig: sum.LaneConfig}, nil
}

// Upstream's composition rules (service.md §2.2 "How the read models are
// composed"), applied to the driver's operator-visible actions:
//   - preview actions are product-level and shown only when previews are
//     enabled, against the preview context;
//   - prod actions are shown only on the prod lane (so only when the
//     profile has one), testing_ actions only on the testing lane;
//   - generic-web promotion is shown only when the testing and prod lanes
//     share a context (it promotes within one context).

func environmentActions(reg *driver.Registry, p record.ProductProfile, lane record.ProductLaneProfile) []driver.ActionDescriptor {
	acts, err := reg.EffectiveActions(p.DriverID)
	if err != nil {
		return nil // unregistered driver: the product warns, nothing is offered
	}
	var out []driver.ActionDescriptor
	for _, a := range acts {
		switch {
		case !a.OperatorVisible || isPreviewAction(a):
		case isProdAction(a) && lane.Instance != "prod":
		case strings.HasPrefix(a.ActionID, "testing_") && lane.Instance != "testing":
		case isGenericWebPromotion(a) && !sharedPromotionContext(p):
		default:
			out = append(out, a)
		}
	}
	return out
}

func productActions(reg *driver.Registry, p record.ProductProfile) []driver.ActionDescriptor {
	if !p.Preview.Enabled {
		return nil
	}
	acts, err := reg.EffectiveActions(p.DriverID)
	if err != nil {
		return nil
	}
	var out []driver.ActionDescriptor
	for _, a := range acts {
		if a.OperatorVisible && isPreviewAction(a) {
			out = append(out, a)
		}
	}
	return out
}

func isPreviewAction(a driver.ActionDescriptor) bool {
	return a.Scope == driver.ScopePreview || strings.HasPrefix(a.ActionID, "preview_")
}

func isProdAction(a driver.ActionDescriptor) bool {
	return slices.Contains(strings.Split(a.ActionID, "_"), "prod")
}

func isGenericWebPromotion(a driver.ActionDescriptor) bool {
	return strings.HasPrefix(a.RoutePath, driver.RoutePrefix+"generic-web/prod-promotion")
}

func sharedPromotionContext(p record.ProductProfile) bool {
	testing, okT := p.Lane("testing")
	prod, okP := p.Lane("prod")
	return okT && okP && testing.Context == prod.Context
}
