package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

// writeCommand builds "<group> write --input-file F": decode strictly, then
// apply the evidence rules in one transaction. Rehearsal only.
func (a *app) writeCommand(short string, apply func(ctx context.Context, svc *evidence.Service, raw []byte) (any, error)) *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "write --input-file FILE",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, rehearsalOnly, func(ctx context.Context, svc *evidence.Service, _ *sqlstore.Store) error {
				raw, err := a.readInput(input)
				if err != nil {
					return err
				}
				res, err := apply(ctx, svc, raw)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	cmd.Flags().StringVar(&input, "input-file", "", "record JSON file ('-' for stdin)")
	cmd.MarkFlagRequired("input-file")
	return cmd
}

// showCommand builds "<group> show --record-id ID".
func (a *app) showCommand(short string, get func(ctx context.Context, s *sqlstore.Store, id string) (any, error)) *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   "show --record-id ID",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, authority, func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) error {
				v, err := get(ctx, s, id)
				if err != nil {
					return err
				}
				return a.printJSON(v)
			})
		},
	}
	cmd.Flags().StringVar(&id, "record-id", "", "record id")
	cmd.MarkFlagRequired("record-id")
	return cmd
}

// readCommand builds a read-only command whose flags are bound by the caller.
func (a *app) readCommand(use, short string, read func(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) (any, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, authority, func(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) error {
				v, err := read(ctx, svc, s)
				if err != nil {
					return err
				}
				return a.printJSON(v)
			})
		},
	}
}

// deriveCommand builds a "write-from-<record> --record-id ID" command that
// re-derives state from a stored record. Rehearsal only.
func (a *app) deriveCommand(use, short string, derive func(ctx context.Context, svc *evidence.Service, id string) (any, error)) *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   use + " --record-id ID",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withService(cmd, rehearsalOnly, func(ctx context.Context, svc *evidence.Service, _ *sqlstore.Store) error {
				res, err := derive(ctx, svc, id)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	cmd.Flags().StringVar(&id, "record-id", "", "stored record id")
	cmd.MarkFlagRequired("record-id")
	return cmd
}
