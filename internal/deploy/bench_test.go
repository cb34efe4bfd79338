package deploy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// benchWorkers ship concurrently, each to its own lane (a lane runs one
// execution at a time).
const benchWorkers = 8

// BenchmarkShipExecution runs b.N complete ship executions (preflight,
// image and env update, deploy, wait, health and identity check, evidence
// with inventory and tuple) against the simulator with instant deploys,
// benchWorkers at a time. Run it as
//
//	go test -run '^$' -bench BenchmarkShipExecution -benchtime 200x ./internal/deploy
//
// It reports executions/s, sim-share — the fraction of the summed
// execution time spent waiting on the simulator (client round trips to
// its API and health endpoint) — and handler-share, the part of that spent
// inside the simulator's handlers. 1 - sim-share is Launchplane's own time
// (preflight reads, JSON, the evidence transaction and ledger).
func BenchmarkShipExecution(b *testing.B) {
	for _, engine := range sqltest.Engines() {
		b.Run(engine.Name, func(b *testing.B) { benchShip(b, engine.URL(b)) })
	}
}

// roundTrips sums the client-side time of every request to the simulator:
// connection, transfer and the handler — all of it waiting on Dokploy.
type roundTrips struct {
	next  http.RoundTripper
	total atomic.Int64
}

func (r *roundTrips) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := r.next.RoundTrip(req)
	r.total.Add(int64(time.Since(start)))
	return resp, err
}

// timed wraps the simulator and sums the time its handlers take.
type timed struct {
	h     http.Handler
	total atomic.Int64
}

func (t *timed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	t.h.ServeHTTP(w, r)
	t.total.Add(int64(time.Since(start)))
}

func benchShip(b *testing.B, dbURL string) {
	ctx := context.Background()
	s, err := sqlstore.OpenMigrated(ctx, dbURL, sqlstore.Options{Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sim := dokploysim.New(dokploysim.Config{APIKey: simKey, Now: time.Now})
	wrapped := &timed{h: sim}
	srv := httptest.NewServer(wrapped)
	defer srv.Close()
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 2 * benchWorkers
	waits := &roundTrips{next: srv.Client().Transport}
	httpClient := &http.Client{Transport: waits}
	client, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey, HTTPClient: httpClient})
	if err != nil {
		b.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.ArtifactPut(ctx, manifest("art-1"))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchWorkers {
		app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: fmt.Sprintf("bench-%d", i), EnvironmentID: sim.DefaultEnvironmentID()})
		if err != nil {
			b.Fatal(err)
		}
		c := fmt.Sprintf("bench-%d", i)
		err = s.Update(ctx, func(tx store.Tx) error {
			if err := tx.DokployTargetPut(ctx, record.DokployTarget{SchemaVersion: 1, Context: c, Instance: "testing", TargetType: record.TargetApplication,
				TargetName: c, SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/api/health",
				Domains: []string{srv.URL + dokploysim.AppPath(app.ApplicationID)}, UpdatedAt: "2026-11-27T08:00:00Z"}); err != nil {
				return err
			}
			return tx.DokployTargetIDPut(ctx, record.DokployTargetID{SchemaVersion: 1, Context: c, Instance: "testing", TargetID: app.ApplicationID, UpdatedAt: "2026-11-27T08:00:00Z", SourceLabel: "bench"})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	exec := deploy.New(deploy.Config{Store: s, Now: time.Now, HTTPClient: httpClient,
		Client:       func(context.Context) (*dokploy.Client, error) { return client, nil },
		PollInterval: time.Millisecond, HealthInterval: time.Millisecond})

	work := make(chan int)
	var execTotal atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	wrapped.total.Store(0)
	waits.total.Store(0)
	b.ResetTimer()
	start := time.Now()
	for w := range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := deploy.NewRequest(deploy.KindShip)
			req.Context, req.Instance, req.ArtifactID = fmt.Sprintf("bench-%d", w), "testing", "art-1"
			for range work {
				t0 := time.Now()
				if _, err := exec.Execute(ctx, req); err != nil {
					failures.Add(1)
					b.Error(err)
				}
				execTotal.Add(int64(time.Since(t0)))
			}
		}()
	}
	for i := range b.N {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if failures.Load() > 0 {
		return
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "executions/s")
	// sim-share: waiting on the simulator (client round trips) over the
	// summed execution time; handler-share: the simulator's own handlers.
	b.ReportMetric(float64(waits.total.Load())/float64(execTotal.Load()), "sim-share")
	b.ReportMetric(float64(wrapped.total.Load())/float64(execTotal.Load()), "handler-share")
	b.ReportMetric(0, "ns/op")
}
