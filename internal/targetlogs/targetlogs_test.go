package targetlogs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targetlogs"
	"github.com/launchplane/launchplane/internal/targets"
)

const simKey = "sim-key-for-targetlogs"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	sim    *dokploysim.Sim
	url    string
	client *dokploy.Client
	clock  *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)}
	sim := dokploysim.New(dokploysim.Config{APIKey: simKey, Now: c.now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := dokploy.New(dokploy.Config{BaseURL: srv.URL, APIKey: simKey, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{sim: sim, url: srv.URL, client: client, clock: c}
}

func (f *fixture) post(t *testing.T, proc string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, f.url+"/api/"+proc, bytes.NewReader(b))
	req.Header.Set("x-api-key", simKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", proc, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && err.Error() != "EOF" {
			t.Fatal(err)
		}
	}
}

// app creates a docker application; deployed runs one deploy to done.
func (f *fixture) app(t *testing.T, deployed bool) (id, appName string) {
	t.Helper()
	var a struct{ ApplicationID, AppName string }
	f.post(t, "application.create", map[string]any{"name": "web", "environmentId": f.sim.DefaultEnvironmentID(), "appName": "acme-web"}, &a)
	f.post(t, "application.saveDockerProvider", map[string]any{"applicationId": a.ApplicationID, "dockerImage": "img:1", "username": nil, "password": nil, "registryUrl": nil}, nil)
	if deployed {
		f.post(t, "application.deploy", map[string]any{"applicationId": a.ApplicationID}, nil)
	}
	return a.ApplicationID, a.AppName
}

func tracked(typ, id string) targets.Tracked {
	return targets.Tracked{
		Target: record.DokployTarget{SchemaVersion: 1, Context: "acme", Instance: "testing", TargetType: typ, TargetName: "acme-testing",
			SourceGitRef: "origin/main", SourceLabel: "seed", Env: map[string]string{"API_TOKEN": "env-value-never-shown"}},
		ID: record.DokployTargetID{SchemaVersion: 1, Context: "acme", Instance: "testing", TargetID: id, SourceLabel: "seed"},
	}
}

func TestReadApplication(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id, appName := f.app(t, true)
	f.clock.add(time.Minute)
	if err := f.sim.AppendLog(id, "DB_PASSWORD=hunter2\nAuthorization: Bearer abc.def\nGET /web/health 200"); err != nil {
		t.Fatal(err)
	}
	got, err := targetlogs.Read(ctx, f.client, tracked(record.TargetApplication, id), targetlogs.Options{Lines: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := targetlogs.Result{
		Context: "acme", Instance: "testing",
		Target:  targetlogs.Target{TargetID: id, TargetType: "application", TargetName: "acme-testing", AppName: appName, SourceLabel: "seed"},
		Request: targetlogs.Request{LineCount: 3, Since: "all", Search: ""},
		Logs: targetlogs.Logs{LineCount: 3, Redacted: true, Lines: []string{
			"2026-08-21T12:01:00.000000000Z DB_PASSWORD=[redacted]",
			"2026-08-21T12:01:00.000000000Z Authorization: Bearer [redacted]",
			"2026-08-21T12:01:00.000000000Z GET /web/health 200",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	b, _ := json.Marshal(got)
	for _, leak := range []string{"hunter2", "abc.def", "env-value-never-shown", simKey} {
		if strings.Contains(string(b), leak) {
			t.Errorf("result leaks %q: %s", leak, b)
		}
	}

	t.Run("defaults", func(t *testing.T) {
		got, err := targetlogs.Read(ctx, f.client, tracked(record.TargetApplication, id), targetlogs.Options{})
		if err != nil || got.Request.LineCount != targetlogs.DefaultLines || got.Logs.LineCount != 5 {
			t.Errorf("default read: %+v, %v", got, err)
		}
	})
	t.Run("since and search", func(t *testing.T) {
		got, err := targetlogs.Read(ctx, f.client, tracked(record.TargetApplication, id), targetlogs.Options{Since: "30s", Search: "health"})
		if err != nil || len(got.Logs.Lines) != 1 || !strings.HasSuffix(got.Logs.Lines[0], "GET /web/health 200") {
			t.Errorf("since+search: %+v, %v", got.Logs, err)
		}
	})
	t.Run("search without a match is empty, not an error", func(t *testing.T) {
		got, err := targetlogs.Read(ctx, f.client, tracked(record.TargetApplication, id), targetlogs.Options{Search: "nothing like this"})
		if err != nil || got.Logs.LineCount != 0 || got.Logs.Lines == nil {
			t.Errorf("no match: %+v, %v", got.Logs, err)
		}
	})
	t.Run("never deployed", func(t *testing.T) {
		other, _ := f.app(t, false)
		_, err := targetlogs.Read(ctx, f.client, tracked(record.TargetApplication, other), targetlogs.Options{})
		var pe *targetlogs.ProviderError
		if !errors.As(err, &pe) || pe.Op != "runtime-log-read" {
			t.Errorf("never deployed: %v", err)
		}
	})
	t.Run("unknown target id", func(t *testing.T) {
		_, err := targetlogs.Read(ctx, f.client, tracked(record.TargetApplication, "gone"), targetlogs.Options{})
		var pe *targetlogs.ProviderError
		if !errors.As(err, &pe) || pe.Op != "target-inspect" || !dokploy.IsNotFound(err) {
			t.Errorf("unknown id: %v", err)
		}
	})
}

func TestReadCompose(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var c struct{ ComposeID, AppName string }
	f.post(t, "compose.create", map[string]any{"name": "odoo", "environmentId": f.sim.DefaultEnvironmentID()}, &c)
	_, err := targetlogs.Read(ctx, f.client, tracked(record.TargetCompose, c.ComposeID), targetlogs.Options{})
	if !errors.Is(err, targetlogs.ErrNoContainer) {
		t.Fatalf("undeployed compose: %v", err)
	}
	f.post(t, "compose.update", map[string]any{"composeId": c.ComposeID, "sourceType": "raw",
		"composeFile": "services:\n  database:\n    image: postgres\n  web:\n    image: odoo\n"}, nil)
	f.post(t, "compose.deploy", map[string]any{"composeId": c.ComposeID}, nil)
	f.clock.add(time.Second)
	if err := f.sim.AppendServiceLog(c.ComposeID, "database", "POSTGRES_PASSWORD=dbsecret"); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.AppendLog(c.ComposeID, `odoo: {"admin_passwd": "odoo-admin"}`); err != nil {
		t.Fatal(err)
	}
	got, err := targetlogs.Read(ctx, f.client, tracked(record.TargetCompose, c.ComposeID), targetlogs.Options{Lines: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got.Target.Container != c.AppName+"-web-1" || got.Target.AppName != c.AppName {
		t.Errorf("target: %+v", got.Target)
	}
	want := []string{`2026-08-21T12:00:01.000000000Z odoo: {"admin_passwd": "[redacted]"}`}
	if diff := cmp.Diff(want, got.Logs.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name string
		in   targetlogs.Options
		want targetlogs.Options
		ok   bool
	}{
		{"defaults", targetlogs.Options{}, targetlogs.Options{Lines: 200, Since: "all"}, true},
		{"max", targetlogs.Options{Lines: 1000, Since: "10m", Search: " GET web "}, targetlogs.Options{Lines: 1000, Since: "10m", Search: "GET web"}, true},
		{"days", targetlogs.Options{Lines: 1, Since: "2d"}, targetlogs.Options{Lines: 1, Since: "2d"}, true},
		{"too many lines", targetlogs.Options{Lines: 1001}, targetlogs.Options{}, false},
		{"negative lines", targetlogs.Options{Lines: -1}, targetlogs.Options{}, false},
		{"bad since", targetlogs.Options{Since: "10 minutes"}, targetlogs.Options{}, false},
		{"since unit", targetlogs.Options{Since: "10w"}, targetlogs.Options{}, false},
		{"bad search", targetlogs.Options{Search: "a|b"}, targetlogs.Options{}, false},
		{"long search", targetlogs.Options{Search: strings.Repeat("a", 501)}, targetlogs.Options{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if (err == nil) != tt.ok {
				t.Fatalf("Normalize(%+v) err = %v", tt.in, err)
			}
			if err != nil {
				if !errors.Is(err, targetlogs.ErrInvalidOptions) || !errors.Is(err, record.ErrInvalid) {
					t.Errorf("error %v is not ErrInvalidOptions", err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for in, want := range map[string]int{"": 0, "5": 5, " 1000 ": 1000} {
		if got, err := targetlogs.ParseLines(in); err != nil || got != want {
			t.Errorf("ParseLines(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"x", "0", "-3", "1.5"} {
		if _, err := targetlogs.ParseLines(in); !errors.Is(err, targetlogs.ErrInvalidOptions) {
			t.Errorf("ParseLines(%q) err = %v", in, err)
		}
	}
}

// TestReadTracked resolves the route from a real store on both engines
// and the credentials from a resolver.
func TestReadTracked(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := sqlstore.OpenMigrated(ctx, engine.URL(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			f := newFixture(t)
			id, _ := f.app(t, true)
			tr := tracked(record.TargetApplication, id)
			tr.Target.UpdatedAt, tr.ID.UpdatedAt = "2026-08-01T00:00:00Z", "2026-08-01T00:00:00Z"
			if err := s.Update(ctx, func(tx store.Tx) error {
				if err := tx.DokployTargetPut(ctx, tr.Target); err != nil {
					return err
				}
				return tx.DokployTargetIDPut(ctx, tr.ID)
			}); err != nil {
				t.Fatal(err)
			}
			creds := func(context.Context, string) (map[string]string, error) {
				return map[string]string{targets.KeyDokployHost: f.url, targets.KeyDokployToken: simKey}, nil
			}
			got, err := targetlogs.ReadTracked(ctx, s, creds, dokploy.Config{}, "acme", "testing", targetlogs.Options{Lines: 2})
			if err != nil || got.Logs.LineCount != 2 || got.Target.TargetID != id {
				t.Fatalf("read: %+v, %v", got, err)
			}
			if _, err := targetlogs.ReadTracked(ctx, s, creds, dokploy.Config{}, "acme", "prod", targetlogs.Options{}); !errors.Is(err, targets.ErrNotTracked) {
				t.Errorf("untracked lane: %v", err)
			}
			none := func(context.Context, string) (map[string]string, error) { return map[string]string{}, nil }
			if _, err := targetlogs.ReadTracked(ctx, s, none, dokploy.Config{}, "acme", "testing", targetlogs.Options{}); !errors.Is(err, targets.ErrNoCredentials) {
				t.Errorf("no credentials: %v", err)
			}
			if _, err := targetlogs.ReadTracked(ctx, s, creds, dokploy.Config{}, "acme", "testing", targetlogs.Options{Lines: 5000}); !errors.Is(err, targetlogs.ErrInvalidOptions) {
				t.Errorf("bad options: %v", err)
			}
		})
	}
}
