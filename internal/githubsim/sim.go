// Package githubsim is an in-memory GitHub REST API simulator for tests. It
// serves the few endpoints Launchplane calls (workflow dispatches and runs,
// issue labels, issue comments, issues) with GitHub's status codes, error
// bodies ({"message","documentation_url","status"}), rate-limit headers and
// Link pagination, so a client that passes against it has met the real
// contract rather than a lenient fake.
//
// Time comes only from the injected clock: a dispatch's run appears once the
// clock has passed RunDelay, checked lazily whenever the simulator is next
// touched, so tests advance their clock instead of sleeping. Fault injection
// lives on Go methods and under /__sim/, never under /repos.
package githubsim

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Sim. Zero durations mean "no delay".
type Config struct {
	// Token is the only token accepted ("Authorization: Bearer <token>" or
	// "token <token>"). Empty accepts none.
	Token string
	// Now is the clock; nil means time.Now, which makes tests
	// nondeterministic.
	Now func() time.Time
	// RunDelay is how long after a dispatch its run appears in listings.
	// GitHub takes a few seconds; until then the dispatch has no visible
	// effect.
	RunDelay time.Duration
	// RunDuration is how long a run stays "queued" before it completes with
	// conclusion "success". Zero means it stays queued until SetRunStatus.
	RunDuration time.Duration
	// WebURL is the origin of html_url values; empty means
	// https://github.com.
	WebURL string
	// Actor is the login that dispatches and comments; empty means
	// "launchplane-bot".
	Actor string
}

// RequestRecord is one request that reached the API (not /__sim/), in
// arrival order. It holds no header, so never the token.
type RequestRecord struct {
	Method string
	Path   string
	Query  string
	Status int
}

// Sim is the simulator. It implements http.Handler and is safe for
// concurrent use.
type Sim struct {
	cfg Config
	mux *http.ServeMux

	mu         sync.Mutex
	repos      map[string]*repo // by lower-cased full name
	repoSeq    int64
	runSeq     int64
	commentSeq int64
	issueSeq   int64
	pending    []*pendingRun
	requests   []RequestRecord
	// Faults.
	fail5xx     int
	rateLimited int
	revoked     bool
	dispatchFx  []dispatchFault
	used        int
}

// New returns an empty simulator; add repositories with AddRepo.
func New(cfg Config) *Sim {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebURL == "" {
		cfg.WebURL = "https://github.com"
	}
	cfg.WebURL = strings.TrimRight(cfg.WebURL, "/")
	if cfg.Actor == "" {
		cfg.Actor = "launchplane-bot"
	}
	s := &Sim{
		cfg:        cfg,
		repos:      map[string]*repo{},
		repoSeq:    700000000,
		runSeq:     9000000000,
		commentSeq: 2000000000,
		issueSeq:   3000000000,
	}
	s.mux = s.routes()
	return s
}

// ServeHTTP serves the API and the /__sim/ control surface.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__sim/") {
		s.serveControl(w, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.serveAPI(rec, r)
	s.mu.Lock()
	s.requests = append(s.requests, RequestRecord{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.status})
	s.mu.Unlock()
}

// Requests returns a copy of the request log.
func (s *Sim) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// serveAPI applies the gates in GitHub's order (an outage before anything,
// then authentication, then the rate limit) and routes.
func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.lock()
	if s.fail5xx > 0 {
		s.fail5xx--
		s.mu.Unlock()
		writeError(w, http.StatusBadGateway, "Server Error", docsRoot)
		return
	}
	switch s.authenticate(r) {
	case authMissing:
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "Requires authentication", docsRoot)
		return
	case authBad:
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "Bad credentials", docsRoot)
		return
	}
	now := s.cfg.Now()
	reset := now.Add(time.Hour).Truncate(time.Second)
	if s.rateLimited > 0 {
		s.rateLimited--
		s.mu.Unlock()
		setRateHeaders(w, 0, reset)
		writeError(w, http.StatusForbidden,
			"API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		return
	}
	s.used++
	setRateHeaders(w, max(5000-s.used, 1), reset)
	s.mu.Unlock()

	// Handler only finds the route; ServeHTTP is what sets path values.
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, "Not Found", docsRoot)
		return
	}
	s.mux.ServeHTTP(w, r)
}

type authResult int

const (
	authOK authResult = iota
	authMissing
	authBad
)

// authenticate is called with s.mu held.
func (s *Sim) authenticate(r *http.Request) authResult {
	h := r.Header.Get("Authorization")
	if h == "" {
		return authMissing
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "token ")
	}
	if !ok || s.revoked || s.cfg.Token == "" || tok != s.cfg.Token {
		return authBad
	}
	return authOK
}

// lock takes the state lock and catches pending dispatches and running runs
// up with the clock, so every observer sees the state as of "now".
func (s *Sim) lock() {
	s.mu.Lock()
	s.advance(s.cfg.Now())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
