package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) releaseTuplesCommand() *cobra.Command {
	var listContext string
	list := a.readCommand("list", "List current release tuples", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		tuples, err := s.ReleaseTupleList(ctx, store.ReleaseTupleListParams{Context: listContext})
		return map[string]any{"release_tuples": tuples}, err
	})
	list.Flags().StringVar(&listContext, "context", "", "filter by context")

	var lane struct{ context, channel string }
	show := a.readCommand("show --context C --channel testing|prod", "Print one lane's current release tuple", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		return s.ReleaseTupleGet(ctx, lane.context, lane.channel)
	})
	show.Flags().StringVar(&lane.context, "context", "", "context")
	show.Flags().StringVar(&lane.channel, "channel", "", "stable channel: testing or prod")
	show.MarkFlagRequired("context")
	show.MarkFlagRequired("channel")

	fromPromotion := a.deriveCommand("write-from-promotion", "Mint the destination tuple of a stored, deployment-linked promotion (local rehearsal)",
		func(ctx context.Context, svc *evidence.Service, id string) (any, error) {
			t, err := svc.TupleFromPromotion(ctx, id)
			return map[string]any{"release_tuple": t}, err
		})
	fromDeployment := a.deriveCommand("write-from-deployment", "Mint a ship tuple from a stored, waited, passing testing/prod deployment (local rehearsal)",
		func(ctx context.Context, svc *evidence.Service, id string) (any, error) {
			t, err := svc.TupleFromDeployment(ctx, id)
			return map[string]any{"release_tuple": t}, err
		})

	var outputFile string
	export := &cobra.Command{
		Use:   "export-catalog [--output-file F]",
		Short: "Render every stored tuple as catalog TOML (to stdout, or a file whose path is printed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, authority, func(ctx context.Context, svc *evidence.Service, _ *sqlstore.Store) error {
				toml, err := svc.ExportCatalog(ctx)
				if err != nil {
					return err
				}
				if outputFile == "" {
					_, err = fmt.Fprint(a.env.Stdout, toml)
					return err
				}
				if err := os.WriteFile(outputFile, []byte(toml), 0o644); err != nil {
					return fmt.Errorf("write catalog: %w", err)
				}
				_, err = fmt.Fprintln(a.env.Stdout, outputFile)
				return err
			})
		},
	}
	export.Flags().StringVar(&outputFile, "output-file", "", "write the TOML here and print the path")

	return group("release-tuples", "Inspect, mint and export release tuples", list, show, fromPromotion, fromDeployment, export)
}
