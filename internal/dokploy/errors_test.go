package dokploy_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
)

// TestAPIErrors decodes every documented error shape and checks the helpers.
func TestAPIErrors(t *testing.T) {
	type flags struct{ NotFound, Unauthorized, Transient, RemoteCmd bool }
	tests := []struct {
		name     string
		key      string // client key; testKey unless set
		route    string
		handler  http.HandlerFunc
		call     func(context.Context, *dokploy.Client) error
		want     *dokploy.APIError
		flags    flags
		attempts int
	}{
		{
			name:  "auth gate 401",
			key:   "wrong-key-ffffffffffffff",
			call:  func(ctx context.Context, c *dokploy.Client) error { _, err := c.Session(ctx); return err },
			want:  &dokploy.APIError{Method: "GET", Path: "/api/user.session", Status: 401, Code: "UNAUTHORIZED", Message: "Unauthorized"},
			flags: flags{Unauthorized: true}, attempts: 1,
		},
		{
			name:    "not found",
			route:   "GET /api/application.one",
			handler: reply(404, `{"message":"Application not found","code":"NOT_FOUND","data":{"code":"NOT_FOUND","httpStatus":404,"path":"application.one","zodError":null}}`),
			call:    func(ctx context.Context, c *dokploy.Client) error { _, err := c.Application(ctx, "nope"); return err },
			want:    &dokploy.APIError{Method: "GET", Path: "/api/application.one", Status: 404, Code: "NOT_FOUND", Message: "Application not found"},
			flags:   flags{NotFound: true}, attempts: 1,
		},
		{
			name:  "unroutable is 404 not 405",
			call:  func(ctx context.Context, c *dokploy.Client) error { _, err := c.Compose(ctx, "c1"); return err },
			want:  &dokploy.APIError{Method: "GET", Path: "/api/compose.one", Status: 404, Code: "NOT_FOUND", Message: "Not found"},
			flags: flags{NotFound: true}, attempts: 1,
		},
		{
			name:    "validation with field errors",
			route:   "POST /api/application.saveDockerProvider",
			handler: reply(400, `{"message":"Input validation failed","code":"BAD_REQUEST","data":{"code":"BAD_REQUEST","httpStatus":400,"path":"application.saveDockerProvider","zodError":{"formErrors":[],"fieldErrors":{"username":["Invalid input: expected nonoptional, received undefined"]}}},"issues":[{"code":"invalid_type","path":["username"],"message":"x"}]}`),
			call: func(ctx context.Context, c *dokploy.Client) error {
				return c.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: "a1"})
			},
			want: &dokploy.APIError{Method: "POST", Path: "/api/application.saveDockerProvider", Status: 400, Code: "BAD_REQUEST", Message: "Input validation failed",
				FieldErrors: map[string][]string{"username": {"Invalid input: expected nonoptional, received undefined"}}},
			attempts: 1,
		},
		{
			name:    "415 shape",
			route:   "POST /api/application.update",
			handler: reply(415, `{"message":"Unsupported content-type","code":"UNSUPPORTED_MEDIA_TYPE","data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415}}`),
			call: func(ctx context.Context, c *dokploy.Client) error {
				return c.UpdateApplication(ctx, dokploy.UpdateApplicationInput{ApplicationID: "a1"})
			},
			want:     &dokploy.APIError{Method: "POST", Path: "/api/application.update", Status: 415, Code: "UNSUPPORTED_MEDIA_TYPE", Message: "Unsupported content-type"},
			attempts: 1,
		},
		{
			name:    "409 conflict not retried",
			route:   "POST /api/application.create",
			handler: reply(409, `{"message":"Application with this 'AppName' already exists","code":"CONFLICT","data":{"code":"CONFLICT","httpStatus":409}}`),
			call: func(ctx context.Context, c *dokploy.Client) error {
				_, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: "e1"})
				return err
			},
			want:     &dokploy.APIError{Method: "POST", Path: "/api/application.create", Status: 409, Code: "CONFLICT", Message: "Application with this 'AppName' already exists"},
			attempts: 1,
		},
		{
			name:    "500 plain Error on a query is retried then reported transient",
			route:   "GET /api/application.readLogs",
			handler: reply(500, `{"message":"No container or service found for: web-abc","code":"INTERNAL_SERVER_ERROR","data":{"code":"INTERNAL_SERVER_ERROR","httpStatus":500,"path":"application.readLogs"}}`),
			call: func(ctx context.Context, c *dokploy.Client) error {
				_, err := c.ApplicationLogs(ctx, "a1", 0, "", "")
				return err
			},
			want:  &dokploy.APIError{Method: "GET", Path: "/api/application.readLogs", Status: 500, Code: "INTERNAL_SERVER_ERROR", Message: "No container or service found for: web-abc"},
			flags: flags{Transient: true}, attempts: 3,
		},
		{
			name:    "remote command failure on a mutation is not retried",
			route:   "POST /api/application.deploy",
			handler: reply(500, `{"message":"Remote command failed with exit code 1","code":"INTERNAL_SERVER_ERROR","data":{"code":"INTERNAL_SERVER_ERROR","httpStatus":500}}`),
			call:    func(ctx context.Context, c *dokploy.Client) error { return c.DeployApplication(ctx, "a1", "", "") },
			want:    &dokploy.APIError{Method: "POST", Path: "/api/application.deploy", Status: 500, Code: "INTERNAL_SERVER_ERROR", Message: "Remote command failed with exit code 1"},
			flags:   flags{Transient: true, RemoteCmd: true}, attempts: 1,
		},
		{
			name:  "non-JSON proxy page is truncated, sanitized and scrubbed",
			route: "GET /api/project.all",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				w.Write([]byte("<html>\x00\x1b[31mBad\tGateway key=" + testKey + "\n" + strings.Repeat("x", 500)))
			},
			call: func(ctx context.Context, c *dokploy.Client) error { _, err := c.Projects(ctx); return err },
			want: &dokploy.APIError{Method: "GET", Path: "/api/project.all", Status: 502,
				Message: ("<html>[31mBad Gateway key=[REDACTED] " + strings.Repeat("x", 500))[:200] + "…"},
			flags: flags{Transient: true}, attempts: 3,
		},
		{
			name:     "echoed key in JSON message is scrubbed",
			route:    "GET /api/user.session",
			handler:  reply(403, `{"message":"bad key `+testKey+`","code":"FORBIDDEN","data":{"code":"FORBIDDEN","httpStatus":403}}`),
			call:     func(ctx context.Context, c *dokploy.Client) error { _, err := c.Session(ctx); return err },
			want:     &dokploy.APIError{Method: "GET", Path: "/api/user.session", Status: 403, Code: "FORBIDDEN", Message: "bad key [REDACTED]"},
			attempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			routes := map[string]http.HandlerFunc{}
			if tt.route != "" {
				routes[tt.route] = tt.handler
			}
			f, c := newFake(t, routes, func(cfg *dokploy.Config) {
				if tt.key != "" {
					cfg.APIKey = tt.key
				}
			})
			err := tt.call(t.Context(), c)
			if err == nil {
				t.Fatal("call succeeded, want error")
			}
			var got *dokploy.APIError
			if !errors.As(err, &got) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("APIError mismatch (-want +got):\n%s", diff)
			}
			gotFlags := flags{
				NotFound:     dokploy.IsNotFound(err),
				Unauthorized: dokploy.IsUnauthorized(err),
				Transient:    errors.Is(err, dokploy.ErrTransient),
				RemoteCmd:    dokploy.IsRemoteCommandFailed(err),
			}
			if diff := cmp.Diff(tt.flags, gotFlags); diff != "" {
				t.Errorf("helpers mismatch (-want +got):\n%s", diff)
			}
			if n := len(f.requests()); n != tt.attempts {
				t.Errorf("got %d attempts, want %d", n, tt.attempts)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), tt.key) && tt.key != "" {
				t.Errorf("error leaks API key: %v", err)
			}
		})
	}
}

func TestRetryTransientThenSuccess(t *testing.T) {
	for _, status := range []int{408, 425, 429, 500, 502, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var n atomic.Int32
			f, c := newFake(t, map[string]http.HandlerFunc{
				"GET /api/user.session": func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) <= 2 {
						writeJSON(w, status, `{"message":"busy"}`)
						return
					}
					writeJSON(w, 200, `{"user":{"id":"u1"}}`)
				},
			}, nil)
			s, err := c.Session(t.Context())
			if err != nil {
				t.Fatalf("session: %v", err)
			}
			if s.User.ID != "u1" {
				t.Errorf("user id = %q, want u1", s.User.ID)
			}
			if got := len(f.requests()); got != 3 {
				t.Errorf("attempts = %d, want 3", got)
			}
		})
	}
}

func TestRetryBoundedAndBackoff(t *testing.T) {
	var waits []int
	f, c := newFake(t, map[string]http.HandlerFunc{"GET /api/user.session": reply(503, `{"message":"down"}`)},
		func(cfg *dokploy.Config) {
			cfg.MaxRetries = 4
			cfg.Backoff = func(attempt int) time.Duration { waits = append(waits, attempt); return 0 }
		})
	_, err := c.Session(t.Context())
	if !errors.Is(err, dokploy.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	if got := len(f.requests()); got != 5 {
		t.Errorf("attempts = %d, want 5", got)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, waits); diff != "" {
		t.Errorf("backoff attempts (-want +got):\n%s", diff)
	}

	f, c = newFake(t, map[string]http.HandlerFunc{"GET /api/user.session": reply(503, `{"message":"down"}`)},
		func(cfg *dokploy.Config) { cfg.MaxRetries = -1 })
	if _, err := c.Session(t.Context()); err == nil {
		t.Fatal("want error")
	}
	if got := len(f.requests()); got != 1 {
		t.Errorf("attempts with retries disabled = %d, want 1", got)
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f, c := newFake(t, map[string]http.HandlerFunc{
		"GET /api/project.all": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		},
	}, func(cfg *dokploy.Config) { cfg.Timeout = 50 * time.Millisecond; cfg.MaxRetries = 1 })
	_, err := c.Projects(t.Context())
	if !errors.Is(err, dokploy.ErrTransient) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTransient wrapping DeadlineExceeded", err)
	}
	if got := len(f.requests()); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error leaks API key: %v", err)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	entered := make(chan struct{}, 10)
	f, c := newFake(t, map[string]http.HandlerFunc{
		"GET /api/project.all": func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-r.Context().Done()
		},
	}, func(cfg *dokploy.Config) { cfg.Timeout = 10 * time.Second })
	go func() { <-entered; cancel() }()
	start := time.Now()
	_, err := c.Projects(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, dokploy.ErrTransient) {
		t.Errorf("cancellation reported as transient: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancel took %v", time.Since(start))
	}
	if got := len(f.requests()); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestTransportErrorIsTransient(t *testing.T) {
	c, err := dokploy.New(dokploy.Config{
		BaseURL: "http://127.0.0.1:1", APIKey: testKey, MaxRetries: -1,
		Backoff: func(int) time.Duration { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Session(t.Context())
	if !errors.Is(err, dokploy.ErrTransient) {
		t.Fatalf("err = %v, want ErrTransient", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error leaks API key: %v", err)
	}
}

func TestApplicationLogsValidation(t *testing.T) {
	tests := []struct {
		name          string
		tail          int
		since, search string
	}{
		{"since word", 10, "yesterday", ""},
		{"since no unit", 10, "10", ""},
		{"since uppercase", 10, "ALL", ""},
		{"search slash", 10, "all", "a/b"},
		{"search quote", 10, "all", `a"b`},
		{"search too long", 10, "all", strings.Repeat("a", 501)},
		{"tail negative", -1, "all", ""},
		{"tail too large", 10001, "all", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, map[string]http.HandlerFunc{"GET /api/application.readLogs": reply(200, `""`)}, nil)
			if _, err := c.ApplicationLogs(t.Context(), "a1", tt.tail, tt.since, tt.search); err == nil {
				t.Fatal("want validation error")
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("sent %d requests, want 0", n)
			}
		})
	}
}

func TestDeploymentsByTypeRejectsUnknownType(t *testing.T) {
	f, c := newFake(t, nil, nil)
	if _, err := c.DeploymentsByType(t.Context(), "s1", "bogus"); err == nil {
		t.Fatal("want error")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("sent %d requests, want 0", n)
	}
}
