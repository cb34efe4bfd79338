// Package dokploysim is an in-memory Dokploy API simulator for tests. It
// serves the REST form of Dokploy's tRPC routers the way Dokploy v0.30.x does
// (auth gate before routing, GET-only queries, POST-only mutations, the tRPC
// error shape, empty 200 bodies for application.deploy) so a client that
// passes against it has met the real contract, not a lenient fake.
//
// Time is driven entirely by the injected clock: queued deploys start and
// finish lazily whenever the simulator is next touched, so tests advance their
// own clock instead of sleeping. Failure injection lives under /__sim/ and on
// Go methods, never under /api.
package dokploysim

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Sim. The zero value of every duration is valid and
// means "no delay": a deploy then starts and finishes on the next request.
type Config struct {
	// APIKey is the only x-api-key value the simulator accepts.
	APIKey string
	// Now is the clock. Nil means time.Now, which makes tests nondeterministic.
	Now func() time.Time
	// QueueDelay is how long a deploy job waits in the queue before its
	// deployment row appears. Real Dokploy has no row while a job is queued.
	QueueDelay time.Duration
	// BuildDuration is how long a started deploy stays "running".
	BuildDuration time.Duration
	// JobDuration is how long a schedule run takes. schedule.runManually
	// is synchronous, so the call blocks until the clock has moved this far;
	// with a hand-advanced clock a test advances it from another goroutine.
	JobDuration time.Duration
	// UserID and OrganizationID are reported by user.session and stamped on
	// projects. Empty values get fixed defaults.
	UserID         string
	OrganizationID string
}

// RequestRecord is one request that reached /api, in arrival order.
type RequestRecord struct {
	Method string
	Path   string
}

// Sim is the simulator. It implements http.Handler and is safe for
// concurrent use.
type Sim struct {
	cfg   Config
	procs map[string]*procedure

	mu        sync.Mutex
	seq       int
	lastStamp time.Time
	projects  []*project
	targets   map[string]*target
	domains   []*domain // creation order
	domainSeq int       // uniqueConfigKey serial
	queue     deployQueue
	schedules []*schedule // creation order
	runs      []*scheduleRun
	// legacyRuns answers schedule.runManually as Dokploy ≤0.29 did.
	legacyRuns bool
	requests   []RequestRecord
	fail5xx    int
	revoked    bool
}

// New returns a simulator seeded with one project ("default") holding one
// default environment ("production"); see DefaultEnvironmentID.
func New(cfg Config) *Sim {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserID == "" {
		cfg.UserID = "simUser00000000000001"
	}
	if cfg.OrganizationID == "" {
		cfg.OrganizationID = "simOrg000000000000001"
	}
	s := &Sim{cfg: cfg, targets: map[string]*target{}}
	s.procs = s.routes()
	s.CreateProject("default")
	return s
}

// ServeHTTP serves /api/health, /api/<router>.<procedure> and the /__sim/
// control surface.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/api/health":
		s.record(r)
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case strings.HasPrefix(r.URL.Path, "/api/"):
		s.serveAPI(w, r)
	case strings.HasPrefix(r.URL.Path, "/__sim/"):
		s.serveControl(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Requests returns a copy of the request log.
func (s *Sim) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

func (s *Sim) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, RequestRecord{Method: r.Method, Path: r.URL.Path})
}

// lock takes the state lock and catches the deploy queue up with the clock,
// so every observer sees the state as of "now".
func (s *Sim) lock() {
	s.mu.Lock()
	now := s.cfg.Now()
	s.advance(now)
	s.advanceRuns(now)
}

// stamp turns t into Dokploy's ISO-8601 millisecond form, nudged forward so
// that successive stamps are strictly increasing as Dokploy's createdAt is.
func (s *Sim) stamp(t time.Time) string {
	t = t.UTC().Truncate(time.Millisecond)
	if !t.After(s.lastStamp) {
		t = s.lastStamp.Add(time.Millisecond)
	}
	s.lastStamp = t
	return formatTime(t)
}

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
