// Package server runs Launchplane's HTTP listener: request metrics, access
// logs, /metrics, and a graceful drain when the context ends.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures Run.
type Config struct {
	// Addr is the API listen address (host:port; port 0 picks one).
	Addr string
	// MetricsAddr, when set, serves /metrics on its own listener instead of
	// the API's.
	MetricsAddr string
	// Handler serves the API.
	Handler http.Handler
	// RouteOf labels a request with its route pattern for metrics.
	RouteOf func(*http.Request) string
	Logger  *slog.Logger
	// ShutdownTimeout bounds the drain after the context ends.
	ShutdownTimeout time.Duration
	// Ready, when set, receives the bound API address once listening.
	Ready func(addr string)
}

// Run serves until ctx ends, then drains in-flight requests and returns nil
// (an error only when listening or draining fails).
func Run(ctx context.Context, cfg Config) error {
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	if cfg.RouteOf == nil {
		cfg.RouteOf = func(*http.Request) string { return "all" }
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	api := m.instrument(cfg.RouteOf, accessLog(cfg.Logger, cfg.RouteOf, cfg.Handler))
	root := http.NewServeMux()
	root.Handle("/", api)
	if cfg.MetricsAddr == "" {
		root.Handle("GET /metrics", metricsHandler)
	}

	servers := []*http.Server{newHTTPServer(root)}
	addrs := []string{cfg.Addr}
	if cfg.MetricsAddr != "" {
		metricsMux := http.NewServeMux()
		metricsMux.Handle("GET /metrics", metricsHandler)
		servers = append(servers, newHTTPServer(metricsMux))
		addrs = append(addrs, cfg.MetricsAddr)
	}
	listeners := make([]net.Listener, len(servers))
	for i, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range listeners[:i] {
				l.Close()
			}
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
		listeners[i] = ln
	}
	attrs := []any{slog.String("addr", listeners[0].Addr().String())}
	if len(listeners) > 1 {
		attrs = append(attrs, slog.String("metrics_addr", listeners[1].Addr().String()))
	}
	cfg.Logger.Info("launchplane service listening", attrs...)
	if cfg.Ready != nil {
		cfg.Ready(listeners[0].Addr().String())
	}

	errs := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errs <- srv.Serve(listeners[i]) }()
	}
	select {
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	cfg.Logger.Info("draining in-flight requests", slog.Duration("timeout", cfg.ShutdownTimeout))
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	var errShutdown error
	for _, srv := range servers {
		errShutdown = errors.Join(errShutdown, srv.Shutdown(drainCtx))
	}
	if errShutdown != nil {
		return fmt.Errorf("drain: %w", errShutdown)
	}
	cfg.Logger.Info("launchplane service stopped")
	return nil
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "launchplane_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "launchplane_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *metrics) instrument(routeOf func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := routeOf(r)
		m.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// accessLog writes one JSON line per request: no headers, no bodies, so no
// token or payload can reach the log.
func accessLog(log *slog.Logger, routeOf func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("route", routeOf(r)),
			slog.Int("status", rec.status),
			slog.String("trace_id", rec.Header().Get("X-Trace-Id")),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// methodLabel keeps the metric's method label bounded: a client can send
// any method string, and each distinct label value is a new series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
