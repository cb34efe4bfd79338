package github_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/github"
	"github.com/launchplane/launchplane/internal/githubsim"
)

// TestErrorsNeverCarryTheToken points the client at a hostile server that
// echoes the Authorization header into every error shape it can.
func TestErrorsNeverCarryTheToken(t *testing.T) {
	shapes := map[string]func(w http.ResponseWriter, auth string){
		"401 message": func(w http.ResponseWriter, auth string) {
			writeBody(w, 401, map[string]any{"message": "Bad credentials " + auth})
		},
		"422 field errors": func(w http.ResponseWriter, auth string) {
			writeBody(w, 422, map[string]any{"message": "Validation Failed", "errors": []any{
				map[string]string{"resource": auth, "field": auth, "code": "invalid", "message": auth},
				auth,
			}})
		},
		"403 rate limit": func(w http.ResponseWriter, auth string) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "1900000000")
			writeBody(w, 403, map[string]any{"message": "API rate limit exceeded " + auth})
		},
		"403 secondary": func(w http.ResponseWriter, auth string) {
			w.Header().Set("Retry-After", "30")
			writeBody(w, 403, map[string]any{"message": auth,
				"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})
		},
		"500 html": func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			_, _ = w.Write([]byte("<html>" + auth + "</html>"))
		},
		"200 garbage": func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"total_count": "` + auth + `"`))
		},
	}
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				shape(w, r.Header.Get("Authorization"))
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, testToken, &clock{t: epoch})
			ctx := context.Background()
			errs := []error{
				c.DispatchWorkflow(ctx, testRepo, "promote.yml", "main", nil),
			}
			_, err := c.WorkflowRuns(ctx, testRepo, "promote.yml", github.RunFilter{})
			errs = append(errs, err)
			_, err = c.IssueComments(ctx, testRepo, 1)
			errs = append(errs, err)
			_, err = c.ObserveDispatchedRun(ctx, testRepo, "promote.yml", "main", nil, epoch, time.Second, time.Second)
			errs = append(errs, err)
			if errs[1] == nil {
				t.Fatal("listing runs: no error")
			}
			for _, err := range errs {
				assertNoToken(t, err)
			}
		})
	}
}

func writeBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func TestSimulatorErrorsNeverCarryTheToken(t *testing.T) {
	f := newFixture(t, githubsim.Config{})
	ctx := context.Background()
	f.sim.RevokeToken()
	_, err := f.gh.ObserveDispatchedRun(ctx, testRepo, "promote.yml", "main", nil, epoch, time.Second, time.Second)
	if !github.IsUnauthorized(err) {
		t.Fatalf("err = %v", err)
	}
	assertNoToken(t, err)
	for _, r := range f.sim.Requests() {
		if strings.Contains(r.Path+r.Query, testToken) {
			t.Errorf("request log holds the token: %+v", r)
		}
	}
}

func TestTokenIsNotSentToAnotherHost(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Authorization"))
		mu.Unlock()
		writeBody(w, 200, map[string]any{"total_count": 0, "workflow_runs": []any{}})
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer api.Close()

	c := newClient(t, api.URL, testToken, &clock{t: epoch})
	_, err := c.WorkflowRuns(context.Background(), testRepo, "promote.yml", github.RunFilter{})
	var apiErr *github.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusMovedPermanently {
		t.Fatalf("err = %v, want the refused redirect", err)
	}
	assertNoToken(t, err)
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Errorf("the other host was called (Authorization %q)", leaked)
	}
}

func TestTokenIsSentAsBearer(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/api/v3", testToken, &clock{t: epoch})
	if err := c.DispatchWorkflow(context.Background(), testRepo, "promote.yml", "main", nil); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer "+testToken {
		t.Errorf("Authorization = %q", got)
	}
}
