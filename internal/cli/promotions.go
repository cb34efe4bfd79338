package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) promotionsCommand() *cobra.Command {
	write := a.writeCommand("Store promotion evidence; with deployment linkage also refresh inventory and mint the tuple (local rehearsal)", func(ctx context.Context, svc *evidence.Service, raw []byte) (any, error) {
		p, err := record.DecodePromotion(raw)
		if err != nil {
			return nil, err
		}
		return svc.IngestPromotion(ctx, p)
	})
	show := a.showCommand("Print one promotion record", func(ctx context.Context, s *sqlstore.Store, id string) (any, error) {
		return s.PromotionGet(ctx, id)
	})
	var p store.PromotionListParams
	list := a.readCommand("list", "List promotions, newest first", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		promos, err := s.PromotionList(ctx, p)
		return map[string]any{"promotions": promos}, err
	})
	list.Flags().StringVar(&p.Context, "context", "", "filter by context")
	list.Flags().StringVar(&p.FromInstance, "from-instance", "", "filter by source instance")
	list.Flags().StringVar(&p.ToInstance, "to-instance", "", "filter by destination instance")
	list.Flags().IntVar(&p.Limit, "limit", 20, "maximum number of records (0 for all)")
	return group("promotions", "Write and inspect promotion records", write, show, list)
}
