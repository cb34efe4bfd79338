package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/server"
)

// TestDrainOnShutdown: when the context ends, a request already in flight
// still completes, /metrics has counted traffic, and Run returns nil.
func TestDrainOnShutdown(t *testing.T) {
	started := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(300 * time.Millisecond)
		}
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	result := make(chan error, 1)
	go func() {
		result <- server.Run(ctx, server.Config{
			Addr: "127.0.0.1:0", Handler: slow, Logger: slog.New(slog.DiscardHandler),
			RouteOf: func(r *http.Request) string { return r.URL.Path },
			Ready:   func(addr string) { addrs <- addr },
		})
	}()
	base := "http://" + <-addrs
	if resp, err := http.Get(base + "/fast"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("fast request: %v", err)
	}
	slowDone := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slowDone <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slowDone <- string(b)
	}()
	<-started
	odd, _ := http.NewRequest("M4ZE", base+"/fast", nil)
	if resp, err := http.DefaultClient.Do(odd); err == nil {
		resp.Body.Close()
	}
	metrics, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	if !strings.Contains(string(body), `launchplane_http_requests_total{code="200",method="GET",route="/fast"} 1`) {
		t.Errorf("metrics did not count the request:\n%s", body)
	}
	if strings.Contains(string(body), "M4ZE") || !strings.Contains(string(body), `method="other"`) {
		t.Errorf("an arbitrary method must not become its own label value:\n%s", body)
	}
	cancel()
	if got := <-slowDone; got != "done" {
		t.Errorf("in-flight request during drain: %q", got)
	}
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("Run after drain: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
}

func TestServiceRefusesMissingConfig(t *testing.T) {
	err := server.RunService(context.Background(), server.ServiceConfig{Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("started without configuration")
	}
	for _, want := range []string{"--database-url", "--audience", "--policy-file", "LAUNCHPLANE_POLICY_TOML"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
