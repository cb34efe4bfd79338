// Package github is the small GitHub REST surface Launchplane uses: workflow
// dispatches and runs (generic-web prod promotion), pull-request labels and
// marker comments (preview feedback), and issues (incident notifications).
//
// The endpoints are called through github.com/google/go-github; this package
// adds what Launchplane needs on top of it and hides the rest: one explicit
// token per Client (resolved by the caller from managed secrets, never from
// the environment or a local gh login), typed errors that never carry the
// token, bounded retries for idempotent reads only, an injected clock, and
// run observation after a dispatch. See docs/github.md.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v75/github"

	"github.com/launchplane/launchplane/internal/apiurl"
)

const (
	// DefaultBaseURL is the public GitHub REST API root.
	DefaultBaseURL    = "https://api.github.com/"
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 2
	defaultUserAgent  = "launchplane"
	// maxPages bounds every paginated read: Launchplane reads lists that are
	// small in practice, and an unbounded loop against a misbehaving server
	// is worse than a clear error.
	maxPages = 30
)

// Config configures a Client. It is validated once by New.
type Config struct {
	// Token is the GitHub token (a managed GITHUB_TOKEN). It is required:
	// there is no fallback to the environment or a local gh login. It is
	// sent only to BaseURL's host and never appears in errors.
	Token string
	// BaseURL is the REST API root; empty means https://api.github.com/.
	// For GitHub Enterprise Server pass the full root, e.g.
	// https://ghe.example.com/api/v3/. It must be http or https and carry no
	// credentials, query or fragment.
	BaseURL string
	// HTTPClient is the transport; nil means a new http.Client. It is copied.
	// Redirects are followed only within BaseURL's host.
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; zero means 30s.
	Timeout time.Duration
	// MaxRetries bounds retries of a read (GET) after a transient failure;
	// zero means 2, negative disables retries. Writes are never retried.
	MaxRetries int
	// Backoff returns the wait before retry number attempt (1-based); nil
	// means 250ms doubling up to 5s.
	Backoff func(attempt int) time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends; nil means a real timer. Tests that
	// drive a fake clock pass a Sleep that advances it.
	Sleep func(ctx context.Context, d time.Duration) error
	// UserAgent is sent on every request; empty means "launchplane".
	UserAgent string
}

// Client calls the GitHub REST API with one token. It is safe for concurrent
// use.
type Client struct {
	gh         *gh.Client
	token      string
	timeout    time.Duration
	maxRetries int
	backoff    func(attempt int) time.Duration
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
}

// ErrNoToken is returned by New when Config.Token is empty. No request is
// made without a token.
var ErrNoToken = errors.New("github: token is empty")

// ErrInvalidInput marks a call refused before any request: a malformed
// repository, workflow id, ref or number.
var ErrInvalidInput = errors.New("github: invalid input")

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, fmt.Errorf("validate config: %w", ErrNoToken)
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := apiurl.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	base.RawPath = ""

	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	// The token goes only to the API host. go-github's WithAuthToken adds
	// it to every request the transport sees, redirects to other hosts
	// included; this transport and the redirect check below do not.
	hc.Transport = &authTransport{next: next, token: cfg.Token, scheme: base.Scheme, host: base.Host}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != base.Scheme || req.URL.Host != base.Host || len(via) >= 5 {
			return http.ErrUseLastResponse
		}
		return nil
	}

	g := gh.NewClient(&hc)
	g.BaseURL = base
	g.UserAgent = cfg.UserAgent
	if g.UserAgent == "" {
		g.UserAgent = defaultUserAgent
	}
	// go-github's pre-emptive rate-limit check uses the wall clock and
	// remembers limits across calls; Launchplane's calls are few and per
	// operation, so GitHub's own answer (typed as a rate-limit APIError) is
	// the one source of truth.
	g.DisableRateLimitCheck = true

	c := &Client{
		gh:         g,
		token:      cfg.Token,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		backoff:    cfg.Backoff,
		now:        cfg.Now,
		sleep:      cfg.Sleep,
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.backoff == nil {
		c.backoff = defaultBackoff
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	return c, nil
}

// authTransport adds the bearer token to requests for the API host only.
type authTransport struct {
	next   http.RoundTripper
	token  string
	scheme string
	host   string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != t.scheme || req.URL.Host != t.host {
		return t.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(req)
}

// defaultBackoff waits 250ms, 500ms, 1s, … capped at 5s.
func defaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := 250 * time.Millisecond
	for i := 1; i < attempt && d < 5*time.Second; i++ {
		d *= 2
	}
	return min(d, 5*time.Second)
}

// call identifies one API call in errors: method and path, never the query
// (it is not secret, but it is noise) and never the host.
type call struct {
	method string
	path   string
}

// read runs an idempotent GET, retrying transient failures.
func (c *Client) read(ctx context.Context, cl call, fn func(ctx context.Context) (*gh.Response, error)) error {
	return c.do(ctx, cl, c.maxRetries, fn)
}

// write runs a mutation once. A transient failure means "effect unknown":
// the caller reads back rather than sending it again (a second dispatch is a
// second workflow run).
func (c *Client) write(ctx context.Context, cl call, fn func(ctx context.Context) (*gh.Response, error)) error {
	return c.do(ctx, cl, 0, fn)
}

func (c *Client) do(ctx context.Context, cl call, retries int, fn func(ctx context.Context) (*gh.Response, error)) error {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
				return fmt.Errorf("call %s %s: %w", cl.method, cl.path, err)
			}
		}
		err := c.attempt(ctx, cl, fn)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("call %s %s: %w", cl.method, cl.path, ctx.Err())
		}
		if !errors.Is(err, ErrTransient) || attempt >= retries {
			return err
		}
	}
}

func (c *Client) attempt(ctx context.Context, cl call, fn func(ctx context.Context) (*gh.Response, error)) error {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := fn(actx)
	if err == nil {
		return nil
	}
	return c.convert(cl, resp, err)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
