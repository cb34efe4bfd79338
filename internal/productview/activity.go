package productview

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Activity limits.
const (
	DefaultActivityLimit = 50
	MaxActivityLimit     = 200
)

// Activity event kinds.
const (
	EventDeployment  = "deployment"
	EventPromotion   = "promotion"
	EventBackupGate  = "backup_gate"
	EventPreview     = "preview"
	EventAuthzPolicy = "authz_policy"
)

// Activity is a product's recent events across its current lane contexts,
// its preview context and its historical_contexts (records.md §4.2), so
// evidence from before a context cutover stays visible.
type Activity struct {
	Product            string          `json:"product"`
	Contexts           []string        `json:"contexts"`
	HistoricalContexts []string        `json:"historical_contexts"`
	Events             []ActivityEvent `json:"events"`
}

// ActivityEvent is one record in a product's activity. Historical is true
// for events from a historical context. Authz policy versions are
// platform-wide events (context "launchplane").
type ActivityEvent struct {
	Kind       string `json:"kind"`
	RecordID   string `json:"record_id"`
	Context    string `json:"context"`
	Instance   string `json:"instance"`
	Status     string `json:"status"`
	OccurredAt string `json:"occurred_at"`
	Summary    string `json:"summary"`
	Historical bool   `json:"historical"`
}

// Activity reads a product's newest events, at most limit (0 means
// DefaultActivityLimit; larger than MaxActivityLimit is capped).
func (s *Service) Activity(ctx context.Context, product string, limit int) (Activity, error) {
	p, err := s.profile(ctx, product)
	if err != nil {
		return Activity{}, err
	}
	if limit <= 0 {
		limit = DefaultActivityLimit
	}
	limit = min(limit, MaxActivityLimit)
	out := Activity{Product: p.Product, Contexts: products.Contexts(p),
		HistoricalContexts: append([]string{}, p.HistoricalContexts...), Events: []ActivityEvent{}}
	for _, c := range out.Contexts {
		historical := products.Ownership(p, c) == products.OwnedByHistorical
		events, err := s.contextEvents(ctx, c, limit)
		if err != nil {
			return Activity{}, fmt.Errorf("read activity of %s: %w", p.Product, err)
		}
		for _, e := range events {
			e.Historical = historical
			out.Events = append(out.Events, e)
		}
	}
	policies, err := s.store.AuthzPolicyList(ctx, store.AuthzPolicyListParams{Limit: limit})
	if err != nil {
		return Activity{}, fmt.Errorf("read activity of %s: %w", p.Product, err)
	}
	for _, pol := range policies {
		out.Events = append(out.Events, ActivityEvent{Kind: EventAuthzPolicy, RecordID: pol.RecordID, Context: "launchplane",
			Status: pol.Status, OccurredAt: pol.UpdatedAt, Summary: "Authorization policy version from " + pol.Source + "."})
	}
	slices.SortStableFunc(out.Events, func(a, b ActivityEvent) int {
		ta, tb := eventTime(a.OccurredAt), eventTime(b.OccurredAt)
		if c := tb.Compare(ta); c != 0 {
			return c // newest first; unparsable times sort last
		}
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.RecordID, b.RecordID))
	})
	if len(out.Events) > limit {
		out.Events = out.Events[:limit]
	}
	return out, nil
}

func eventTime(s string) time.Time {
	t, err := record.ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *Service) contextEvents(ctx context.Context, c string, limit int) ([]ActivityEvent, error) {
	var out []ActivityEvent
	deps, err := s.store.DeploymentList(ctx, store.DeploymentListParams{Context: c, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		out = append(out, ActivityEvent{Kind: EventDeployment, RecordID: d.RecordID, Context: d.Context, Instance: d.Instance,
			Status: d.Deploy.Status, OccurredAt: cmp.Or(d.Deploy.FinishedAt, d.Deploy.StartedAt),
			Summary: "Deployed " + d.ArtifactID() + " to " + d.Instance + "."})
	}
	promos, err := s.store.PromotionList(ctx, store.PromotionListParams{Context: c, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, p := range promos {
		out = append(out, ActivityEvent{Kind: EventPromotion, RecordID: p.RecordID, Context: p.Context, Instance: p.ToInstance,
			Status: p.Deploy.Status, OccurredAt: cmp.Or(p.Deploy.FinishedAt, p.Deploy.StartedAt),
			Summary: "Promoted " + p.ArtifactID() + " from " + p.FromInstance + " to " + p.ToInstance + "."})
	}
	gates, err := s.store.BackupGateList(ctx, store.BackupGateListParams{Context: c, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, g := range gates {
		out = append(out, ActivityEvent{Kind: EventBackupGate, RecordID: g.RecordID, Context: g.Context, Instance: g.Instance,
			Status: g.Status, OccurredAt: g.CreatedAt, Summary: "Backup gate from " + g.Source + "."})
	}
	previews, err := s.store.PreviewList(ctx, store.PreviewListParams{Context: c, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, p := range previews {
		out = append(out, ActivityEvent{Kind: EventPreview, RecordID: p.PreviewID, Context: p.Context,
			Status: p.State, OccurredAt: p.UpdatedAt, Summary: fmt.Sprintf("Preview of %s#%d is %s.", p.AnchorRepo, p.AnchorPRNumber, p.State)})
	}
	return out, nil
}
