package dokploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
)

const testKey = "lp-test-key-0123456789abcdef"

// recorded is what the fake Dokploy saw for one request.
type recorded struct {
	Method      string
	Path        string
	Query       string
	ContentType string
	Body        string
}

// fakeDokploy reproduces the transport rules of reference §1–§3: the auth
// gate before routing, GET-only queries, POST-only mutations with a JSON
// content type, and the tRPC error shape.
type fakeDokploy struct {
	mu     sync.Mutex
	reqs   []recorded
	routes map[string]http.HandlerFunc // "GET /api/x.y"
}

func (f *fakeDokploy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body)})
	f.mu.Unlock()

	if r.Header.Get("x-api-key") != testKey {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Unauthorized"}`)
		return
	}
	h, ok := f.routes[r.Method+" "+r.URL.Path]
	if !ok {
		writeJSON(w, 404, `{"message":"Not found","code":"NOT_FOUND","data":{"code":"NOT_FOUND","httpStatus":404,"zodError":null}}`)
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, 415, `{"message":"Unsupported content-type","code":"UNSUPPORTED_MEDIA_TYPE","data":{"code":"UNSUPPORTED_MEDIA_TYPE","httpStatus":415,"zodError":null}}`)
		return
	}
	h(w, r)
}

func (f *fakeDokploy) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, status, body) }
}

// newFake starts a fake Dokploy and a client for it with zero backoff.
func newFake(t *testing.T, routes map[string]http.HandlerFunc, mod func(*dokploy.Config)) (*fakeDokploy, *dokploy.Client) {
	t.Helper()
	f := &fakeDokploy{routes: routes}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := dokploy.Config{
		BaseURL:    srv.URL,
		APIKey:     testKey,
		HTTPClient: srv.Client(),
		Timeout:    2 * time.Second,
		Backoff:    func(int) time.Duration { return 0 },
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := dokploy.New(cfg)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return f, c
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     dokploy.Config
		wantErr bool
	}{
		{"ok https", dokploy.Config{BaseURL: "https://dokploy.example.com", APIKey: testKey}, false},
		{"ok http with path", dokploy.Config{BaseURL: "http://127.0.0.1:3000/prefix/", APIKey: testKey}, false},
		{"empty key", dokploy.Config{BaseURL: "https://dokploy.example.com"}, true},
		{"blank key", dokploy.Config{BaseURL: "https://dokploy.example.com", APIKey: "  "}, true},
		{"no scheme", dokploy.Config{BaseURL: "dokploy.example.com", APIKey: testKey}, true},
		{"ftp", dokploy.Config{BaseURL: "ftp://dokploy.example.com", APIKey: testKey}, true},
		{"credentials", dokploy.Config{BaseURL: "https://user:" + testKey + "@dokploy.example.com", APIKey: testKey}, true},
		{"query", dokploy.Config{BaseURL: "https://dokploy.example.com/?k=" + testKey, APIKey: testKey}, true},
		{"garbage", dokploy.Config{BaseURL: "https://%zz" + testKey, APIKey: testKey}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dokploy.New(tt.cfg)
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("New() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks API key: %v", err)
			}
		})
	}
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }
func intp(i int) *int       { return &i }

// TestWireShape checks method, path, query string, content type and JSON body
// of every typed call, and the decoding of the documented response.
func TestWireShape(t *testing.T) {
	type call func(context.Context, *dokploy.Client) (any, error)
	tests := []struct {
		name     string
		route    string
		respBody string
		call     call
		wantReq  recorded
		want     any
	}{
		{
			name:     "session",
			route:    "GET /api/user.session",
			respBody: `{"user":{"id":"u1","email":"a@b.c","extra":1},"session":{"activeOrganizationId":"o1"}}`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				s, err := c.Session(ctx)
				return s.User.ID + "/" + s.Session.ActiveOrganizationID, err
			},
			wantReq: recorded{Method: "GET", Path: "/api/user.session"},
			want:    "u1/o1",
		},
		{
			name:     "projects",
			route:    "GET /api/project.all",
			respBody: `[{"projectId":"p1","name":"P","description":null,"env":"","environments":[{"environmentId":"e1","name":"production","isDefault":true,"applications":[{"applicationId":"a1","name":"web","applicationStatus":"done"}],"compose":[{"composeId":"c1","name":"odoo","composeStatus":"idle"}],"postgres":[]}],"projectTags":[]}]`,
			call:     func(ctx context.Context, c *dokploy.Client) (any, error) { return c.Projects(ctx) },
			wantReq:  recorded{Method: "GET", Path: "/api/project.all"},
			want: []dokploy.Project{{
				ProjectID: "p1", Name: "P",
				Environments: []dokploy.Environment{{
					EnvironmentID: "e1", Name: "production", IsDefault: true,
					Applications: []dokploy.ApplicationRef{{ApplicationID: "a1", Name: "web", ApplicationStatus: "done"}},
					Compose:      []dokploy.ComposeRef{{ComposeID: "c1", Name: "odoo", ComposeStatus: "idle"}},
				}},
			}},
		},
		{
			name:     "application one",
			route:    "GET /api/application.one",
			respBody: `{"applicationId":"a b","name":"web","appName":"web-abc123","env":null,"replicas":1,"createEnvFile":true,"sourceType":"docker","username":null,"deployments":[{"deploymentId":"d1","status":"done","createdAt":"2026-01-01T00:00:00.000Z"}],"environment":{"project":{}}}`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				a, err := c.Application(ctx, "a b")
				if err != nil {
					return nil, err
				}
				return []any{a.ApplicationID, a.AppName, a.Env == nil, a.Replicas, a.CreateEnvFile, a.SourceType, a.Deployments}, nil
			},
			wantReq: recorded{Method: "GET", Path: "/api/application.one", Query: "applicationId=a+b"},
			want:    []any{"a b", "web-abc123", true, 1, true, "docker", []dokploy.Deployment{{DeploymentID: "d1", Status: "done", CreatedAt: "2026-01-01T00:00:00.000Z"}}},
		},
		{
			name:     "create application",
			route:    "POST /api/application.create",
			respBody: `{"applicationId":"a2","name":"web","appName":"web-x7k2p9"}`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				a, err := c.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: "web", EnvironmentID: "e1", AppName: "web"})
				if err != nil {
					return nil, err
				}
				return a.ApplicationID + " " + a.AppName, nil
			},
			wantReq: recorded{Method: "POST", Path: "/api/application.create", ContentType: "application/json", Body: `{"name":"web","environmentId":"e1","appName":"web"}`},
			want:    "a2 web-x7k2p9",
		},
		{
			name:     "update application",
			route:    "POST /api/application.update",
			respBody: `true`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return nil, c.UpdateApplication(ctx, dokploy.UpdateApplicationInput{
					ApplicationID: "a1", SourceType: strp("docker"), AutoDeploy: boolp(true), Replicas: intp(1),
					EndpointSpecSwarm: json.RawMessage(`{"Mode":"dnsrr"}`), CreateEnvFile: boolp(false),
				})
			},
			wantReq: recorded{Method: "POST", Path: "/api/application.update", ContentType: "application/json",
				Body: `{"applicationId":"a1","sourceType":"docker","autoDeploy":true,"replicas":1,"endpointSpecSwarm":{"Mode":"dnsrr"},"createEnvFile":false}`},
		},
		{
			name:     "save docker provider sends required-nullable keys as null",
			route:    "POST /api/application.saveDockerProvider",
			respBody: `true`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return nil, c.SaveDockerProvider(ctx, dokploy.SaveDockerProviderInput{ApplicationID: "a1", DockerImage: strp("ghcr.io/x/y:1")})
			},
			wantReq: recorded{Method: "POST", Path: "/api/application.saveDockerProvider", ContentType: "application/json",
				Body: `{"applicationId":"a1","dockerImage":"ghcr.io/x/y:1","username":null,"password":null,"registryUrl":null}`},
		},
		{
			name:     "save environment always sends createEnvFile",
			route:    "POST /api/application.saveEnvironment",
			respBody: `true`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return nil, c.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: "a1", Env: strp("A=1\nB=2")})
			},
			wantReq: recorded{Method: "POST", Path: "/api/application.saveEnvironment", ContentType: "application/json",
				Body: `{"applicationId":"a1","env":"A=1\nB=2","buildArgs":null,"buildSecrets":null,"createEnvFile":false}`},
		},
		{
			name:     "deploy accepts empty body",
			route:    "POST /api/application.deploy",
			respBody: ``,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return nil, c.DeployApplication(ctx, "a1", "Launchplane operation op1", "")
			},
			wantReq: recorded{Method: "POST", Path: "/api/application.deploy", ContentType: "application/json",
				Body: `{"applicationId":"a1","title":"Launchplane operation op1"}`},
		},
		{
			name:     "redeploy accepts empty body",
			route:    "POST /api/application.redeploy",
			respBody: ``,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return nil, c.RedeployApplication(ctx, "a1", "Manual redeploy (no-cache requested)", "d")
			},
			wantReq: recorded{Method: "POST", Path: "/api/application.redeploy", ContentType: "application/json",
				Body: `{"applicationId":"a1","title":"Manual redeploy (no-cache requested)","description":"d"}`},
		},
		{
			name:     "deployments",
			route:    "GET /api/deployment.all",
			respBody: `[{"deploymentId":"d2","title":"t","status":"running","errorMessage":null,"pid":null}]`,
			call:     func(ctx context.Context, c *dokploy.Client) (any, error) { return c.Deployments(ctx, "a1") },
			wantReq:  recorded{Method: "GET", Path: "/api/deployment.all", Query: "applicationId=a1"},
			want:     []dokploy.Deployment{{DeploymentID: "d2", Title: "t", Status: "running"}},
		},
		{
			name:     "deployments by type",
			route:    "GET /api/deployment.allByType",
			respBody: `[{"deploymentId":"d3","status":"error","scheduleId":"s1","rollback":null}]`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return c.DeploymentsByType(ctx, "s1", "schedule")
			},
			wantReq: recorded{Method: "GET", Path: "/api/deployment.allByType", Query: "id=s1&type=schedule"},
			want:    []dokploy.Deployment{{DeploymentID: "d3", Status: "error", ScheduleID: "s1"}},
		},
		{
			name:     "compose one",
			route:    "GET /api/compose.one",
			respBody: `{"composeId":"c1","appName":"odoo-prod","composeFile":"services: {}\n","sourceType":"raw","composePath":"docker-compose.yml","env":"X=1","deployments":[]}`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				cm, err := c.Compose(ctx, "c1")
				if err != nil {
					return nil, err
				}
				return []any{cm.AppName, cm.ComposeFile, cm.SourceType, cm.ComposePath, *cm.Env}, nil
			},
			wantReq: recorded{Method: "GET", Path: "/api/compose.one", Query: "composeId=c1"},
			want:    []any{"odoo-prod", "services: {}\n", "raw", "docker-compose.yml", "X=1"},
		},
		{
			name:     "update compose env tolerates empty body",
			route:    "POST /api/compose.update",
			respBody: ``,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return nil, c.UpdateComposeEnv(ctx, "c1", "")
			},
			wantReq: recorded{Method: "POST", Path: "/api/compose.update", ContentType: "application/json", Body: `{"composeId":"c1","env":""}`},
		},
		{
			name:     "deploy compose",
			route:    "POST /api/compose.deploy",
			respBody: `{"success":true,"message":"Deployment queued","composeId":"c1"}`,
			call:     func(ctx context.Context, c *dokploy.Client) (any, error) { return c.DeployCompose(ctx, "c1", "T", "") },
			wantReq:  recorded{Method: "POST", Path: "/api/compose.deploy", ContentType: "application/json", Body: `{"composeId":"c1","title":"T"}`},
			want:     &dokploy.ComposeDeployResult{Success: true, Message: "Deployment queued", ComposeID: "c1"},
		},
		{
			name:     "application logs is a JSON string",
			route:    "GET /api/application.readLogs",
			respBody: `"2026-01-01T00:00:00Z line one\n2026-01-01T00:00:01Z line two\n"`,
			call: func(ctx context.Context, c *dokploy.Client) (any, error) {
				return c.ApplicationLogs(ctx, "a1", 200, "10m", "GET web")
			},
			wantReq: recorded{Method: "GET", Path: "/api/application.readLogs", Query: "applicationId=a1&search=GET+web&since=10m&tail=200"},
			want:    "2026-01-01T00:00:00Z line one\n2026-01-01T00:00:01Z line two\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, map[string]http.HandlerFunc{tt.route: reply(200, tt.respBody)}, nil)
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); tt.want != nil && diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			if diff := cmp.Diff(tt.wantReq, reqs[0]); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBaseURLPathPrefix(t *testing.T) {
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		writeJSON(w, 200, `[]`)
	}))
	t.Cleanup(srv.Close)
	c, err := dokploy.New(dokploy.Config{BaseURL: srv.URL + "/dokploy/", APIKey: testKey, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Projects(t.Context()); err != nil {
		t.Fatalf("projects: %v", err)
	}
	if gotPath != "/dokploy/api/project.all" {
		t.Errorf("path = %q, want /dokploy/api/project.all", gotPath)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-api-key") != "" {
			leaked.Store(true)
		}
		writeJSON(w, 200, `{}`)
	}))
	t.Cleanup(other.Close)
	_, c := newFake(t, map[string]http.HandlerFunc{
		"GET /api/user.session": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		},
	}, nil)
	_, err := c.Session(t.Context())
	var apiErr *dokploy.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusFound {
		t.Fatalf("err = %v, want APIError with status 302", err)
	}
	if leaked.Load() {
		t.Error("API key was sent to the redirect target")
	}
}
