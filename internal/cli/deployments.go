package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) deploymentsCommand() *cobra.Command {
	write := a.writeCommand("Store deployment evidence and refresh the lane inventory (local rehearsal)", func(ctx context.Context, svc *evidence.Service, raw []byte) (any, error) {
		d, err := record.DecodeDeployment(raw)
		if err != nil {
			return nil, err
		}
		return svc.IngestDeployment(ctx, d)
	})
	show := a.showCommand("Print one deployment record", func(ctx context.Context, s *sqlstore.Store, id string) (any, error) {
		return s.DeploymentGet(ctx, id)
	})
	var p store.DeploymentListParams
	list := a.readCommand("list", "List deployments, newest first", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		deps, err := s.DeploymentList(ctx, p)
		return map[string]any{"deployments": deps}, err
	})
	list.Flags().StringVar(&p.Context, "context", "", "filter by context")
	list.Flags().StringVar(&p.Instance, "instance", "", "filter by instance")
	list.Flags().IntVar(&p.Limit, "limit", 20, "maximum number of records (0 for all)")
	return group("deployments", "Write and inspect deployment records", write, show, list)
}
