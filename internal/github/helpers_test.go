package github_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/githubsim"
)

// testToken looks like a real installation token so a leak would be
// recognizable; it must never appear in an error.
const testToken = "ghs_simTOKEN7d2f9a41c0b8e3"

const testRepo = "acme/shop"

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a hand-driven clock shared by the simulator and the client; the
// client's Sleep advances it, so polling takes no wall time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

type fixture struct {
	sim   *githubsim.Sim
	srv   *httptest.Server
	clock *clock
	gh    *github.Client
}

// newFixture starts a simulator with acme/shop (branches main, release),
// a promote.yml workflow with dry_run and bump inputs, and pull request 1
// labelled "preview", and a client pointed at it.
func newFixture(t *testing.T, cfg githubsim.Config) *fixture {
	t.Helper()
	clk := &clock{t: epoch}
	cfg.Token = testToken
	cfg.Now = clk.Now
	sim := githubsim.New(cfg)
	if err := sim.AddRepo(testRepo, "main", "release"); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.AddWorkflow(testRepo, githubsim.Workflow{
		File: "promote.yml", Name: "Promote",
		Inputs: map[string]githubsim.Input{"dry_run": {Required: true}, "bump": {Default: "patch"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.AddPullRequest(testRepo, "Add preview", "preview", "enhancement"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, clock: clk, gh: newClient(t, srv.URL, testToken, clk)}
}

func newClient(t *testing.T, baseURL, token string, clk *clock) *github.Client {
	t.Helper()
	c, err := github.New(github.Config{
		Token:   token,
		BaseURL: baseURL,
		Now:     clk.Now,
		Sleep:   clk.Sleep,
		Backoff: func(int) time.Duration { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// requests renders the simulator's request log as "METHOD path status"
// lines, for counting and diffs.
func (f *fixture) requests() []string {
	var out []string
	for _, r := range f.sim.Requests() {
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	return out
}

func count(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// assertNoToken fails if err's text, in any verb, holds the token.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, testToken) {
			t.Fatalf("error text contains the token: %s", s)
		}
	}
}

// hookTransport calls after once each exchange is complete.
type hookTransport struct {
	next  http.RoundTripper
	after func(*http.Request, *http.Response)
}

func (h *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(req)
	if err == nil {
		h.after(req, resp)
	}
	return resp, err
}

// afterDispatch runs fn once a dispatch has been answered, before the
// first poll.
func afterDispatch(fn func()) func(*http.Request, *http.Response) {
	return func(req *http.Request, _ *http.Response) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/dispatches") {
			fn()
		}
	}
}

// newClientWithHook is a fixture client whose transport calls after.
func newClientWithHook(t *testing.T, f *fixture, after func(*http.Request, *http.Response)) *github.Client {
	t.Helper()
	c, err := github.New(github.Config{
		Token:      testToken,
		BaseURL:    f.srv.URL,
		HTTPClient: &http.Client{Transport: &hookTransport{next: http.DefaultTransport, after: after}},
		Now:        f.clock.Now,
		Sleep:      f.clock.Sleep,
		Backoff:    func(int) time.Duration { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
