package runtimeenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// clock advances one second per reading, so every write gets a new time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

// eachEngine runs fn against a fresh store on SQLite and Postgres.
func eachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store, svc *runtimeenv.Service)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			c := &clock{t: time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
			fn(t, s, runtimeenv.New(s, c.now, nil))
		})
	}
}

var (
	globalRoute   = runtimeenv.Route{Scope: "global"}
	contextRoute  = runtimeenv.Route{Scope: "context", Context: "cm"}
	instanceRoute = runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "prod"}
)

func mustPut(t *testing.T, svc *runtimeenv.Service, r runtimeenv.Route, set map[string]any) runtimeenv.PutResult {
	t.Helper()
	res, err := svc.Put(context.Background(), r, set, "test")
	if err != nil {
		t.Fatalf("put %v: %v", r, err)
	}
	return res
}

func TestPutMergesAndRefuses(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *runtimeenv.Service) {
		ctx := context.Background()
		first := mustPut(t, svc, instanceRoute, map[string]any{"A": "1", "B": "2"})
		if first.Action != "created" {
			t.Errorf("first put action %q", first.Action)
		}
		second, err := svc.Put(ctx, instanceRoute, map[string]any{"B": "two", "C": "3"}, "")
		if err != nil {
			t.Fatal(err)
		}
		want := runtimeenv.PutResult{
			Summary: runtimeenv.Summary{Scope: "instance", Context: "cm", Instance: "prod", UpdatedAt: "2026-04-16T08:00:02Z",
				SourceLabel: "test", EnvKeys: []string{"A", "B", "C"}, EnvValueCount: 3},
			Action: "updated", SetKeys: []string{"B", "C"},
		}
		if diff := cmp.Diff(want, second); diff != "" {
			t.Errorf("merge result (-want +got):\n%s", diff)
		}
		rec, err := s.RuntimeEnvGet(ctx, "instance", "cm", "prod")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]any{"A": "1", "B": "two", "C": "3"}, rec.Env); diff != "" {
			t.Errorf("merged env (-want +got):\n%s", diff)
		}

		refusals := []struct {
			name  string
			route runtimeenv.Route
			set   map[string]any
			want  string
		}{
			{"secret key", instanceRoute, map[string]any{"API_KEY": "v"}, "must be written with launchplane secrets put"},
			{"lower secret key", instanceRoute, map[string]any{"github_token": "v"}, "launchplane secrets put"},
			{"global with context", runtimeenv.Route{Scope: "global", Context: "cm"}, map[string]any{"A": "1"}, "context: must be empty"},
			{"context with instance", runtimeenv.Route{Scope: "context", Context: "cm", Instance: "x"}, map[string]any{"A": "1"}, "instance: must be empty"},
			{"instance without instance", runtimeenv.Route{Scope: "instance", Context: "cm"}, map[string]any{"A": "1"}, "instance: is required"},
			{"bad scope", runtimeenv.Route{Scope: "fleet"}, map[string]any{"A": "1"}, "scope: must be one of"},
			{"no keys", instanceRoute, map[string]any{}, "no keys"},
			{"object", instanceRoute, map[string]any{"A": map[string]any{}}, "object"},
		}
		for _, tc := range refusals {
			_, err := svc.Put(ctx, tc.route, tc.set, "")
			if !errors.Is(err, record.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got %v, want ErrInvalid mentioning %q", tc.name, err, tc.want)
			}
		}
		after, _ := s.RuntimeEnvGet(ctx, "instance", "cm", "prod")
		if diff := cmp.Diff(rec, after); diff != "" {
			t.Errorf("refused puts changed the record (-before +after):\n%s", diff)
		}
		mustPut(t, svc, globalRoute, map[string]any{"KEYCLOAK_URL": "https://kc"})
	})
}

func TestUnsetAndRelabel(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *runtimeenv.Service) {
		ctx := context.Background()
		mustPut(t, svc, contextRoute, map[string]any{"A": "1", "B": "2"})
		res, err := svc.Unset(ctx, contextRoute, []string{"A", "Z"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"A"}, res.RemovedKeys); diff != "" {
			t.Errorf("removed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Z"}, res.MissingKeys); diff != "" {
			t.Errorf("missing (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"B"}, res.EnvKeys); diff != "" {
			t.Errorf("remaining (-want +got):\n%s", diff)
		}
		// Unsetting the last key is refused and changes nothing.
		_, err = svc.Unset(ctx, contextRoute, []string{"B"})
		if !errors.Is(err, runtimeenv.ErrRefused) || !strings.Contains(err.Error(), "empty") {
			t.Fatalf("unset to empty: got %v, want ErrRefused", err)
		}
		rec, err := s.RuntimeEnvGet(ctx, "context", "cm", "")
		if err != nil || len(rec.Env) != 1 {
			t.Fatalf("record after refused unset: %+v, %v", rec, err)
		}
		if _, err := svc.Unset(ctx, runtimeenv.Route{Scope: "context", Context: "nope"}, []string{"A"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unset on a missing record: got %v, want ErrNotFound", err)
		}

		before := rec
		sum, err := svc.Relabel(ctx, contextRoute, "  bundle:v2 ")
		if err != nil {
			t.Fatal(err)
		}
		after, _ := s.RuntimeEnvGet(ctx, "context", "cm", "")
		if after.SourceLabel != "bundle:v2" || sum.SourceLabel != "bundle:v2" || after.UpdatedAt == before.UpdatedAt {
			t.Errorf("relabel: label %q updated_at %q (before %q)", after.SourceLabel, after.UpdatedAt, before.UpdatedAt)
		}
		if diff := cmp.Diff(before.Env, after.Env); diff != "" {
			t.Errorf("relabel changed values (-want +got):\n%s", diff)
		}
		if _, err := svc.Relabel(ctx, contextRoute, " "); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("blank label: got %v", err)
		}
	})
}

func TestDeleteRecord(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *runtimeenv.Service) {
		ctx := context.Background()
		const value = "distinctive-value-7f3a"
		mustPut(t, svc, instanceRoute, map[string]any{"URL": value, "PORT": "8080"})

		dry, err := svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{DryRun: true, Actor: "me"})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Status != "dry_run" || dry.Deleted || dry.Event.EnvValueCount != 2 {
			t.Errorf("dry run: %+v", dry)
		}
		if _, err := s.RuntimeEnvGet(ctx, "instance", "cm", "prod"); err != nil {
			t.Fatalf("dry run deleted the record: %v", err)
		}

		res, err := svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{Actor: "me"})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Deleted || res.Status != "ok" || res.Action != "delete" {
			t.Errorf("apply: %+v", res)
		}
		events, err := s.RuntimeEnvDeleteEventList(ctx, store.RuntimeEnvDeleteEventListParams{})
		if err != nil || len(events) != 1 {
			t.Fatalf("events: %v, %v", events, err)
		}
		raw, _ := json.Marshal(events[0])
		if strings.Contains(string(raw), value) || strings.Contains(string(raw), "8080") {
			t.Errorf("delete event holds a value: %s", raw)
		}
		var stored string
		if err := s.DB().QueryRowContext(ctx, "SELECT CAST(payload AS TEXT) FROM launchplane_runtime_environment_delete_events").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, value) {
			t.Errorf("stored event payload holds a value: %s", stored)
		}
		if diff := cmp.Diff([]string{"PORT", "URL"}, events[0].EnvKeys); diff != "" {
			t.Errorf("event keys (-want +got):\n%s", diff)
		}
		if report, err := s.VerifyLedger(ctx); err != nil || !report.OK() {
			t.Fatalf("ledger after delete: %+v, %v", report, err)
		}

		// A missing record fails closed, dry run or not.
		if _, err := svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{DryRun: true}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete missing: got %v, want ErrNotFound", err)
		}
	})
}

// The tracked-target seam runs between the read and the delete, which lets
// the test change the record in that window: the compare-and-swap refuses.
func TestDeleteRecordCASAndTrackedTargets(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := sqlstore.OpenMigrated(ctx, engine.URL(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := &clock{t: time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
			plain := runtimeenv.New(s, c.now, nil)
			mustPut(t, plain, instanceRoute, map[string]any{"A": "1", "B": "2"})

			var interfere func()
			tracked := func(context.Context, runtimeenv.Route) ([]runtimeenv.TrackedTarget, error) {
				if interfere != nil {
					interfere()
				}
				return []runtimeenv.TrackedTarget{{Context: "cm", Instance: "prod", TargetType: "compose", TargetName: "cm-prod"}}, nil
			}
			svc := runtimeenv.New(s, c.now, tracked)

			dry, err := svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{DryRun: true})
			if err != nil || !dry.RequiresAllowTrackedTarget || len(dry.ProtectedTrackedTargets) != 1 {
				t.Fatalf("dry run with a tracked target: %+v, %v", dry, err)
			}
			if _, err := svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{}); !errors.Is(err, runtimeenv.ErrRefused) || !strings.Contains(err.Error(), "--allow-tracked-target") {
				t.Fatalf("tracked target without consent: got %v", err)
			}

			interfere = func() { mustPut(t, plain, instanceRoute, map[string]any{"A": "changed"}) }
			_, err = svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{AllowTrackedTarget: true})
			if !errors.Is(err, runtimeenv.ErrRefused) || !strings.Contains(err.Error(), "changed") {
				t.Fatalf("changed after read: got %v", err)
			}

			interfere = func() {
				if _, err := plain.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			_, err = svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{AllowTrackedTarget: true})
			if !errors.Is(err, runtimeenv.ErrRefused) || !strings.Contains(err.Error(), "deleted after it was read") {
				t.Fatalf("missing after read: got %v", err)
			}
			events, _ := s.RuntimeEnvDeleteEventList(ctx, store.RuntimeEnvDeleteEventListParams{})
			if len(events) != 1 {
				t.Errorf("refused deletes must write no event: %d events", len(events))
			}

			interfere = nil
			mustPut(t, plain, instanceRoute, map[string]any{"A": "1"})
			res, err := svc.DeleteRecord(ctx, instanceRoute, runtimeenv.DeleteOptions{AllowTrackedTarget: true})
			if err != nil || !res.Deleted {
				t.Fatalf("consented delete: %+v, %v", res, err)
			}
			if report, err := s.VerifyLedger(ctx); err != nil || !report.OK() {
				t.Fatalf("ledger: %+v, %v", report, err)
			}
		})
	}
}

func TestResolvePrecedence(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *runtimeenv.Service) {
		ctx := context.Background()
		if _, err := svc.Resolve(ctx, "cm", "prod", runtimeenv.Layers{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no records: got %v, want ErrNotFound", err)
		}
		// Each key names the most specific layer that sets it; every layer
		// also sets every less specific key, so a wrong order shows up.
		mustPut(t, svc, globalRoute, map[string]any{"G": "global", "C": "global", "I": "global", "T": "global", "S": "global"})
		mustPut(t, svc, contextRoute, map[string]any{"C": "context", "I": "context", "T": "context", "S": "context"})
		mustPut(t, svc, instanceRoute, map[string]any{"I": "instance", "T": "instance", "S": "instance"})
		mustPut(t, svc, runtimeenv.Route{Scope: "instance", Context: "cm", Instance: "testing"}, map[string]any{"I": "other"})
		mustPut(t, svc, runtimeenv.Route{Scope: "context", Context: "other"}, map[string]any{"C": "other"})
		overlay := func(_ context.Context, c, i string) (map[string]string, error) {
			if c != "cm" || i != "prod" {
				t.Errorf("overlay called with %s/%s", c, i)
			}
			return map[string]string{"S": "secret", "DB_PASSWORD": "hunter2"}, nil
		}
		target := func(_ context.Context, c, i string) (map[string]any, error) {
			if c != "cm" || i != "prod" {
				t.Errorf("target env called with %s/%s", c, i)
			}
			return map[string]any{"T": "target", "S": "target"}, nil
		}
		res, err := svc.Resolve(ctx, "cm", "prod", runtimeenv.Layers{Target: target, Secrets: overlay})
		if err != nil {
			t.Fatal(err)
		}
		wantValues := map[string]any{"G": "global", "C": "context", "I": "instance", "T": "target", "S": "secret", "DB_PASSWORD": "hunter2"}
		if diff := cmp.Diff(wantValues, res.Values); diff != "" {
			t.Errorf("values (-want +got):\n%s", diff)
		}
		wantSources := map[string]string{"G": "global", "C": "context", "I": "instance", "T": "tracked_target", "S": "managed_secret", "DB_PASSWORD": "managed_secret"}
		if diff := cmp.Diff(wantSources, res.Sources); diff != "" {
			t.Errorf("sources (-want +got):\n%s", diff)
		}
		env, redacted := res.Env(false)
		if env["S"] != runtimeenv.RedactedValue || env["DB_PASSWORD"] != runtimeenv.RedactedValue || env["I"] != "instance" {
			t.Errorf("redacted env: %v", env)
		}
		if diff := cmp.Diff([]string{"DB_PASSWORD", "S"}, redacted); diff != "" {
			t.Errorf("redacted keys (-want +got):\n%s", diff)
		}
		if env, _ := res.Env(true); env["DB_PASSWORD"] != "hunter2" {
			t.Errorf("--include-secret-values: %v", env)
		}

		ctxOnly, err := svc.Resolve(ctx, "cm", "", runtimeenv.Layers{Target: target})
		if err != nil {
			t.Fatal(err)
		}
		// A context-level resolution has no instance, so no tracked target.
		if diff := cmp.Diff(map[string]any{"G": "global", "C": "context", "I": "context", "T": "context", "S": "context"}, ctxOnly.Values); diff != "" {
			t.Errorf("context level (-want +got):\n%s", diff)
		}
		// Without target authority the layer is skipped silently.
		noTarget, err := svc.Resolve(ctx, "cm", "prod", runtimeenv.Layers{Secrets: overlay})
		if err != nil {
			t.Fatal(err)
		}
		if noTarget.Values["T"] != "instance" || noTarget.Sources["T"] != "instance" {
			t.Errorf("no target authority: T = %v from %s", noTarget.Values["T"], noTarget.Sources["T"])
		}
		brokenTarget := func(context.Context, string, string) (map[string]any, error) {
			return nil, errors.New("target store unreachable")
		}
		if _, err := svc.Resolve(ctx, "cm", "prod", runtimeenv.Layers{Target: brokenTarget}); err == nil || !strings.Contains(err.Error(), "target store unreachable") {
			t.Errorf("target read failure must fail resolve: %v", err)
		}
		for _, tc := range []struct{ context, instance string }{{"unknown", ""}, {"cm", "missing"}, {"", ""}} {
			if _, err := svc.Resolve(ctx, tc.context, tc.instance, runtimeenv.Layers{}); err == nil {
				t.Errorf("resolve %q/%q: want an error", tc.context, tc.instance)
			}
		}
		failing := func(context.Context, string, string) (map[string]string, error) {
			return nil, errors.New("no key ring")
		}
		if _, err := svc.Resolve(ctx, "cm", "prod", runtimeenv.Layers{Secrets: failing}); err == nil || !strings.Contains(err.Error(), "no key ring") {
			t.Errorf("overlay failure must fail resolve: %v", err)
		}
	})
}

func TestListShowsKeysOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *runtimeenv.Service) {
		ctx := context.Background()
		mustPut(t, svc, globalRoute, map[string]any{"URL": "value-9c1e"})
		out, err := svc.List(ctx, store.RuntimeEnvListParams{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(out)
		if !strings.Contains(string(raw), "URL") || strings.Contains(string(raw), "value-9c1e") {
			t.Errorf("list output: %s", raw)
		}
	})
}
