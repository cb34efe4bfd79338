package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) backupGatesCommand() *cobra.Command {
	write := a.writeCommand("Store a backup gate record (local rehearsal)", func(ctx context.Context, svc *evidence.Service, raw []byte) (any, error) {
		g, err := record.DecodeBackupGate(raw)
		if err != nil {
			return nil, err
		}
		if err := svc.IngestBackupGate(ctx, g); err != nil {
			return nil, err
		}
		return map[string]string{"backup_gate_record_id": g.RecordID}, nil
	})
	show := a.showCommand("Print one backup gate record", func(ctx context.Context, s *sqlstore.Store, id string) (any, error) {
		return s.BackupGateGet(ctx, id)
	})
	var p store.BackupGateListParams
	list := a.readCommand("list", "List backup gates, newest first", func(ctx context.Context, _ *evidence.Service, s *sqlstore.Store) (any, error) {
		gates, err := s.BackupGateList(ctx, p)
		return map[string]any{"backup_gates": gates}, err
	})
	list.Flags().StringVar(&p.Context, "context", "", "filter by context")
	list.Flags().StringVar(&p.Instance, "instance", "", "filter by instance")
	list.Flags().IntVar(&p.Limit, "limit", 20, "maximum number of records (0 for all)")
	return group("backup-gates", "Write and inspect backup gate records", write, show, list)
}
