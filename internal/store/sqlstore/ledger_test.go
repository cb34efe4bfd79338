package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/ledger"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// seed writes three deployments, one per transaction, with inventory.
func seed(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		d := recordtest.Deployment(fmt.Sprintf("dep-%d", i), "cm", "prod", "art-1", "")
		err := s.Update(ctx, func(tx store.Tx) error {
			return errors.Join(tx.DeploymentPut(ctx, d), tx.InventoryPut(ctx, record.InventoryFromDeployment(d, "2026-04-16T08:00:00Z")))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestLedgerDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		want   ledger.Break
	}{
		{
			name:   "payload edited",
			tamper: `UPDATE launchplane_deployments SET payload = REPLACE(CAST(payload AS TEXT), '"pass"', '"fail"')` + castBack + ` WHERE record_id = 'dep-2'`,
			want:   ledger.Break{Seq: 3, Family: "deployment", RecordKey: "dep-2", Problem: "stored payload does not match its latest ledger entry"},
		},
		{
			name:   "entry payload hash rewritten",
			tamper: `UPDATE launchplane_evidence_ledger SET payload_sha256 = 'ff' WHERE seq = 2`,
			want:   ledger.Break{Seq: 2, Family: "inventory", RecordKey: "cm/prod", Problem: "entry_hash does not match the entry's contents"},
		},
		{
			name:   "entry removed",
			tamper: `DELETE FROM launchplane_evidence_ledger WHERE seq = 4`,
			want:   ledger.Break{Seq: 5, Family: "deployment", RecordKey: "dep-3", Problem: "sequence gap: expected seq 4, found 5"},
		},
		{
			name:   "promoted column edited",
			tamper: `UPDATE launchplane_deployments SET deploy_finished_at = '9999-12-31T00:00:00.000000000Z' WHERE record_id = 'dep-1'`,
			want:   ledger.Break{Seq: 1, Family: "deployment", RecordKey: "dep-1", Problem: "promoted column deploy_finished_at does not match the stored payload"},
		},
		{
			name:   "newest entries cut off",
			tamper: `DELETE FROM launchplane_evidence_ledger WHERE seq >= 5`,
			want:   ledger.Break{Seq: 4, Family: "inventory", RecordKey: "cm/prod", Problem: "ledger head names seq 6, but the last entry is seq 4"},
		},
		{
			name:   "record inserted beneath the ledger",
			tamper: `INSERT INTO launchplane_backup_gates (record_id, context, instance, created_at, status, payload) VALUES ('forged', 'cm', 'prod', '', 'pass', '{}')`,
			want:   ledger.Break{Family: "backup_gate", RecordKey: "forged", Problem: "stored record has no ledger entry"},
		},
	}
	for _, engine := range sqltest.Engines() {
		for _, tc := range tests {
			t.Run(engine.Name+"/"+tc.name, func(t *testing.T) {
				s := openStore(t, engine.URL(t))
				seed(t, s)
				ctx := context.Background()
				before, err := s.VerifyLedger(ctx)
				if err != nil || !before.OK() {
					t.Fatalf("clean ledger does not verify: %+v, %v", before, err)
				}
				query := tc.tamper
				if s.Backend() == sqlstore.BackendSQLite {
					query = sqliteQuery(query)
				}
				if _, err := s.DB().ExecContext(ctx, query); err != nil {
					t.Fatalf("tamper: %v", err)
				}
				report, err := s.VerifyLedger(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if report.OK() || report.Status != "broken" || report.FirstBreak == nil {
					t.Fatalf("tampering went unnoticed: %+v", report)
				}
				if diff := cmp.Diff(tc.want, *report.FirstBreak); diff != "" {
					t.Errorf("first break (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// castBack turns the edited text back into JSONB on Postgres.
const castBack = `::jsonb`

// sqliteQuery drops the Postgres casts: SQLite keeps payload as TEXT.
func sqliteQuery(q string) string {
	return strings.NewReplacer(castBack, "", "CAST(payload AS TEXT)", "payload").Replace(q)
}

// TestConcurrentMigrationsOnPostgres starts several stores against one empty
// database at once, as replicas booting together would.
func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	url := sqltest.PostgresURL(t)
	ctx := context.Background()
	bare := openStore(t, url)
	if _, err := bare.DB().ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := sqlstore.OpenMigrated(ctx, url, sqlstore.Options{})
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	statuses, err := bare.MigrationStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range statuses {
		if !st.Applied {
			t.Errorf("migration %d not applied", st.Version)
		}
	}
}

// TestLedgerKeysDoNotCollide: lanes whose names contain "/" get distinct
// ledger keys, so a healthy store always verifies.
func TestLedgerKeysDoNotCollide(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s := openStore(t, engine.URL(t))
			ctx := context.Background()
			for _, lane := range [][2]string{{"a/b", "c"}, {"a", "b/c"}} {
				d := recordtest.Deployment("dep-"+lane[0]+"-"+lane[1], lane[0], lane[1], "art-1", "")
				err := s.Update(ctx, func(tx store.Tx) error {
					return errors.Join(tx.DeploymentPut(ctx, d), tx.InventoryPut(ctx, record.InventoryFromDeployment(d, "2026-04-16T08:00:00Z")))
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			report, err := s.VerifyLedger(ctx)
			if err != nil || !report.OK() {
				t.Fatalf("healthy store does not verify: %+v, %v", report, err)
			}
		})
	}
}
