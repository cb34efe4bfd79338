package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) artifactsCommand() *cobra.Command {
	ingest := func(use, short string, need access) *cobra.Command {
		var input string
		cmd := &cobra.Command{
			Use:   use + " --input-file FILE",
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				raw, err := a.readInput(input)
				if err != nil {
					return err
				}
				m, err := record.DecodeArtifactManifest(raw)
				if err != nil {
					return err
				}
				return a.withService(cmd, need, func(ctx context.Context, svc *evidence.Service, _ *sqlstore.Store) error {
					res, err := svc.IngestArtifact(ctx, m)
					if err != nil {
						return err
					}
					return a.printOK(res)
				})
			},
		}
		cmd.Flags().StringVar(&input, "input-file", "", "artifact manifest JSON file ('-' for stdin)")
		cmd.MarkFlagRequired("input-file")
		return cmd
	}

	var showID string
	show := &cobra.Command{
		Use:   "show --artifact-id ID",
		Short: "Print one stored artifact manifest",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, authority, func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) error {
				m, err := s.ArtifactGet(ctx, showID)
				if err != nil {
					return err
				}
				return a.printJSON(m)
			})
		},
	}
	show.Flags().StringVar(&showID, "artifact-id", "", "artifact id")
	show.MarkFlagRequired("artifact-id")

	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List stored artifact manifests, newest id first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, authority, func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) error {
				ms, err := s.ArtifactList(ctx, store.ArtifactListParams{Limit: limit})
				if err != nil {
					return err
				}
				return a.printJSON(map[string]any{"artifacts": ms})
			})
		},
	}
	list.Flags().IntVar(&limit, "limit", 20, "maximum number of manifests (0 for all)")

	var protectedContext string
	protected := &cobra.Command{
		Use:   "protected [--context C]",
		Short: "Print the artifacts registry cleanup must keep (exit 1 when warnings say it must fail closed)",
		Long: `Print the protected artifact set: every artifact a stable lane runs now
(its inventory) or is pinned to (its release tuple), with image references
and digests. Registry cleanup must delete nothing in this set, and must not
run at all for a scope while the set carries warnings (a live artifact
without a stored manifest, or a lane with no artifact identity). The set is
printed either way; warnings make the exit status 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, authority, func(ctx context.Context, svc *evidence.Service, _ *sqlstore.Store) error {
				set, err := svc.ProtectedArtifacts(ctx, protectedContext)
				if err != nil {
					return err
				}
				if err := a.printJSON(set); err != nil {
					return err
				}
				if len(set.Warnings) > 0 {
					return reportedError{"protected artifact set has warnings; registry cleanup must fail closed for this scope"}
				}
				return nil
			})
		},
	}
	protected.Flags().StringVar(&protectedContext, "context", "", "limit to one context")

	return group("artifacts", "Write, ingest and inspect artifact manifests; print the protected set",
		ingest("write", "Store an artifact manifest in the local rehearsal database", rehearsalOnly),
		ingest("ingest", "Store an artifact manifest handed off by a build (immutable; identical re-ingest is a no-op)", authority),
		show, list, protected,
	)
}
