package evidence_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// BenchmarkDeploymentIngest compares ingesting deployment evidence (record +
// inventory refresh + two ledger entries in one transaction) with a bare
// single-row insert of the same payload on the same engine, in the same
// run. Report the ratio of the two rates, not absolute times.
func BenchmarkDeploymentIngest(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine.Name, func(b *testing.B) {
			ctx := context.Background()
			s, err := sqlstore.OpenMigrated(ctx, engine.URL(b), sqlstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			payloadType := "TEXT"
			if s.Backend() == sqlstore.BackendPostgres {
				payloadType = "JSONB"
			}
			if _, err := s.DB().ExecContext(ctx, "CREATE TABLE bench_baseline (record_id TEXT PRIMARY KEY, payload "+payloadType+" NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			start := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
			// seq spans every run of the sub-benchmarks (-count reruns them on
			// the same database), keeping ids unique and evidence ever newer.
			seq := 0
			deployment := func(i int) (string, []byte) {
				d := recordtest.Deployment(fmt.Sprintf("base-%09d", i), "cm", "prod", "art-1", start.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
				payload, err := canonical.JSON(d)
				if err != nil {
					b.Fatal(err)
				}
				return d.RecordID, payload
			}

			b.Run("baseline-insert", func(b *testing.B) {
				for b.Loop() {
					seq++
					id, payload := deployment(seq)
					if _, err := s.DB().ExecContext(ctx, "INSERT INTO bench_baseline (record_id, payload) VALUES ($1, $2)", id, string(payload)); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ingest", func(b *testing.B) {
				svc := evidence.New(s, time.Now)
				for b.Loop() {
					seq++
					d := recordtest.Deployment(fmt.Sprintf("dep-%09d", seq), "cm", "prod", "art-1", start.Add(time.Duration(seq)*time.Second).Format(time.RFC3339))
					res, err := svc.IngestDeployment(ctx, d)
					if err != nil {
						b.Fatal(err)
					}
					if res.Inventory.Action != evidence.ActionUpdated {
						b.Fatalf("inventory not refreshed: %+v", res.Inventory)
					}
				}
			})
		})
	}
}
