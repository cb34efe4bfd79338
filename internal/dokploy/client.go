// Package dokploy is a typed client for the subset of the Dokploy REST API
// (the trpc-openapi form, /api/<router>.<procedure>) that Launchplane uses.
//
// The wire contract is described in reference/dokploy-api.md. Queries are
// GET with a query string, mutations are POST with a JSON body, success bodies
// are the raw procedure return value (possibly empty), and errors use the tRPC
// error shape except for the auth gate's 401 body.
package dokploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/apiurl"
)

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 2
	// maxResponseBytes bounds how much of a response body is read; log reads
	// (tail up to 10000 lines) are the largest legitimate answers.
	maxResponseBytes = 32 << 20
)

// Config configures a Client. It is validated once by New.
type Config struct {
	// BaseURL is the Dokploy origin, e.g. https://dokploy.example.com. The
	// client appends /api/<router>.<procedure>. It must be http or https and
	// must not carry credentials, a query or a fragment.
	BaseURL string
	// APIKey is sent as the x-api-key header. It never appears in errors.
	APIKey string
	// HTTPClient is the transport; nil means a new http.Client. It is copied,
	// and redirects are never followed. Its own Timeout, if any, applies in
	// addition to Timeout.
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt; zero means 30s.
	Timeout time.Duration
	// MaxRetries bounds retries of a query after a transient failure; zero
	// means 2 and a negative value disables retries.
	MaxRetries int
	// Backoff returns the wait before retry number attempt (1-based); nil
	// means a small exponential backoff. Tests pass a function returning 0.
	Backoff func(attempt int) time.Duration
}

// Client calls the Dokploy API. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	apiKey     string
	httpClient *http.Client
	timeout    time.Duration
	maxRetries int
	backoff    func(attempt int) time.Duration
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("validate config: API key is empty")
	}
	base, err := apiurl.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("validate config: %w", err)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""

	c := &Client{
		base:       base,
		apiKey:     cfg.APIKey,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		backoff:    cfg.Backoff,
	}
	// Copy the caller's client so redirects can be refused without mutating
	// it: Go forwards custom headers such as x-api-key to a redirect target,
	// even on another host, and the Dokploy API never redirects.
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.httpClient = &hc
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
	return c, nil
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

// query calls a tRPC query procedure: GET with the input in the query string.
// Queries are idempotent, so transient failures are retried.
func (c *Client) query(ctx context.Context, proc string, params url.Values, out any) error {
	return c.call(ctx, http.MethodGet, proc, params, nil, out, c.timeout)
}

// mutate calls a tRPC mutation procedure: POST with a JSON body. Mutations
// are never retried: a timed-out deploy has an unknown effect and the caller
// must confirm it by reading back.
func (c *Client) mutate(ctx context.Context, proc string, in, out any) error {
	return c.mutateTimeout(ctx, proc, in, out, c.timeout)
}

// mutateTimeout is mutate with its own per-attempt timeout, for the one
// synchronous long-running procedure (schedule.runManually).
func (c *Client) mutateTimeout(ctx context.Context, proc string, in, out any, timeout time.Duration) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s input: %w", proc, err)
	}
	return c.call(ctx, http.MethodPost, proc, nil, body, out, timeout)
}

// mutateID runs a mutation on one resource: an empty id is refused
// before any request, and errors are prefixed with op.
func (c *Client) mutateID(ctx context.Context, op, id, proc string, in any) error {
	if id == "" {
		return fmt.Errorf("%s: id is empty", op)
	}
	if err := c.mutate(ctx, proc, in, nil); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (c *Client) call(ctx context.Context, method, proc string, params url.Values, body []byte, out any, timeout time.Duration) error {
	path := "/api/" + proc
	u := *c.base
	u.Path = c.base.Path + path
	if len(params) > 0 {
		u.RawQuery = params.Encode()
	}
	retries := 0
	if method == http.MethodGet {
		retries = c.maxRetries
	}

	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return fmt.Errorf("call %s %s: %w", method, path, err)
			}
		}
		data, err := c.attempt(ctx, method, u.String(), path, body, timeout)
		if err == nil {
			if out == nil || len(bytes.TrimSpace(data)) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("decode %s response: %w", proc, err)
			}
			return nil
		}
		if ctx.Err() != nil {
			// The caller gave up; report that rather than the attempt error.
			return fmt.Errorf("call %s %s: %w", method, path, ctx.Err())
		}
		lastErr = err
		if !errors.Is(err, ErrTransient) || attempt >= retries {
			return lastErr
		}
	}
}

// attempt performs one HTTP exchange. Failures that are worth retrying wrap
// ErrTransient.
func (c *Client) attempt(ctx context.Context, method, rawURL, path string, body []byte, timeout time.Duration) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, rawURL, rdr)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	req.Header.Set("x-api-key", c.apiKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("send %s %s: %w: %w", method, path, ErrTransient, c.scrubErr(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s %s response: %w: %w", method, path, ErrTransient, c.scrubErr(err))
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("read %s %s response: body exceeds %d bytes", method, path, maxResponseBytes)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, nil
	}
	apiErr := newAPIError(method, path, resp.StatusCode, data, c.apiKey)
	if retryableStatus(resp.StatusCode) {
		return nil, fmt.Errorf("%w: %w", ErrTransient, apiErr)
	}
	return nil, apiErr
}

// scrubErr hides the API key should a transport error ever echo it.
func (c *Client) scrubErr(err error) error {
	if !strings.Contains(err.Error(), c.apiKey) {
		return err
	}
	return &scrubbedError{msg: scrub(err.Error(), c.apiKey), err: err}
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
