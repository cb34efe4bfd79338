package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/productview"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) inventoryCommand() *cobra.Command {
	fromDeployment := a.deriveCommand("write-from-deployment", "Refresh a lane's inventory from a stored deployment (local rehearsal)",
		func(ctx context.Context, svc *evidence.Service, id string) (any, error) {
			out, err := svc.InventoryFromDeployment(ctx, id)
			return map[string]any{"inventory": out}, err
		})
	fromPromotion := a.deriveCommand("write-from-promotion", "Refresh the destination inventory from a stored, deployment-linked promotion (local rehearsal)",
		func(ctx context.Context, svc *evidence.Service, id string) (any, error) {
			out, err := svc.InventoryFromPromotion(ctx, id)
			return map[string]any{"inventory": out}, err
		})

	var lane struct{ context, instance string }
	show := a.readCommand("show --context C --instance I", "Print one lane's inventory record", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		return s.InventoryGet(ctx, lane.context, lane.instance)
	})
	status := a.readCommand("status --context C --instance I", "Print one lane's inventory, tuple, latest evidence, freshness and lane summary", func(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) (any, error) {
		st, err := svc.LaneStatus(ctx, lane.context, lane.instance)
		if err != nil {
			return nil, err
		}
		sum, err := productview.New(s, svc).LaneSummary(ctx, lane.context, lane.instance)
		return struct {
			evidence.LaneStatus
			LaneSummary productview.LaneSummary `json:"lane_summary"`
		}{st, sum}, err
	})
	for _, cmd := range []*cobra.Command{show, status} {
		cmd.Flags().StringVar(&lane.context, "context", "", "lane context")
		cmd.Flags().StringVar(&lane.instance, "instance", "", "lane instance")
		cmd.MarkFlagRequired("context")
		cmd.MarkFlagRequired("instance")
	}

	var listContext string
	list := a.readCommand("list", "List every lane's inventory record", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		invs, err := s.InventoryList(ctx, store.InventoryListParams{Context: listContext})
		return map[string]any{"inventory": invs}, err
	})
	list.Flags().StringVar(&listContext, "context", "", "filter by context")

	var overviewContext string
	overview := a.readCommand("overview", "Summarize what runs in every lane, with each lane's summary", func(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) (any, error) {
		lanes, err := svc.Overview(ctx, overviewContext)
		if err != nil {
			return nil, err
		}
		summaries := make([]productview.LaneSummary, 0, len(lanes))
		for _, l := range lanes {
			sum, err := productview.New(s, svc).LaneSummary(ctx, l.Context, l.Instance)
			if err != nil {
				return nil, err
			}
			summaries = append(summaries, sum)
		}
		return map[string]any{"lanes": lanes, "lane_summaries": summaries}, nil
	})
	overview.Flags().StringVar(&overviewContext, "context", "", "filter by context")

	return group("inventory", "Inspect what runs where; re-derive inventory from stored evidence",
		fromDeployment, fromPromotion, show, list, overview, status)
}
