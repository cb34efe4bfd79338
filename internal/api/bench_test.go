package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/record/recordtest"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// benchClients is the fixed concurrency of the end-to-end benchmark.
const benchClients = 16

// BenchmarkHTTPIngest measures authenticated deployment-evidence ingest end
// to end (HTTP, JWT verification, authorization, the evidence transaction
// with inventory and ledger) at 16 concurrent clients, beside bare
// single-row inserts of the same payload into the same engine at the same
// concurrency, in the same run. It reports both rates, their ratio, and the
// ingest latency percentiles; absolute numbers are machine noise, the
// ratio is the result.
func BenchmarkHTTPIngest(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine.Name, func(b *testing.B) {
			h := newHarness(b, engine.URL(b))
			payloadType := "TEXT"
			if h.store.Backend() == sqlstore.BackendPostgres {
				payloadType = "JSONB"
			}
			if _, err := h.store.DB().Exec("CREATE TABLE bench_baseline (record_id TEXT PRIMARY KEY, payload " + payloadType + " NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			token := h.token("acme/web", workflowRef)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
			var seq atomic.Int64
			body := func(i int64) ([]byte, []byte) {
				// Sixteen lanes, as sixteen workflows deploying their own
				// lanes would; writes to one lane serialize by design.
				lane := fmt.Sprintf("lane-%02d", i%benchClients)
				d := recordtest.Deployment(fmt.Sprintf("dep-%09d", i), "cm", lane, "art-1", time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Second).Format(time.RFC3339))
				env, _ := json.Marshal(map[string]any{"schema_version": 1, "product": "web", "deployment": d})
				rec, _ := json.Marshal(d)
				return env, rec
			}
			// run spreads n operations over the clients and returns the wall
			// time and each operation's latency.
			run := func(n int, op func(i int64) error) (time.Duration, []time.Duration) {
				var wg sync.WaitGroup
				var next atomic.Int64
				lat := make([][]time.Duration, benchClients)
				start := time.Now()
				for c := range benchClients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(n) {
							t0 := time.Now()
							if err := op(seq.Add(1)); err != nil {
								b.Error(err)
								return
							}
							lat[c] = append(lat[c], time.Since(t0))
						}
					}()
				}
				wg.Wait()
				return time.Since(start), slices.Concat(lat...)
			}
			b.ResetTimer()
			baseWall, _ := run(b.N, func(i int64) error {
				_, rec := body(i)
				_, err := h.store.DB().Exec("INSERT INTO bench_baseline (record_id, payload) VALUES ($1, $2)", fmt.Sprint(i), string(rec))
				return err
			})
			ingestWall, lat := run(b.N, func(i int64) error {
				env, _ := body(i)
				req, _ := http.NewRequest("POST", h.srv.URL+"/v1/evidence/deployments", bytes.NewReader(env))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			})
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			baseRate := float64(b.N) / baseWall.Seconds()
			ingestRate := float64(b.N) / ingestWall.Seconds()
			b.ReportMetric(baseRate, "bare-inserts/s")
			b.ReportMetric(ingestRate, "accepted/s")
			b.ReportMetric(ingestRate/baseRate, "ratio")
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
