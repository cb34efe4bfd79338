package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

func runtimeEnv(scope, ctx, inst string, env map[string]any) record.RuntimeEnvironment {
	return record.RuntimeEnvironment{Scope: scope, Context: ctx, Instance: inst, Env: env, UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "test"}
}

// testRuntimeEnvironments covers the runtime-environment family: round
// trip with exact numbers, lists, the compare-and-swap delete outcomes,
// append-only delete events, and a ledger that still verifies after a delete.
func testRuntimeEnvironments(t *testing.T, s store.Store) {
	ctx := context.Background()
	global := runtimeEnv("global", "", "", map[string]any{"LOG_LEVEL": "info", "RATIO": 1.5})
	cm := runtimeEnv("context", "cm", "", map[string]any{"BIG": int64(1234567890123), "ON": true})
	prod := runtimeEnv("instance", "cm", "prod", map[string]any{"URL": "https://cm.example"})
	for _, r := range []record.RuntimeEnvironment{global, cm, prod} {
		put(t, s, func(tx store.Tx) error { return tx.RuntimeEnvPut(ctx, r) })
	}
	got, err := s.RuntimeEnvGet(ctx, "context", "cm", "")
	if err != nil {
		t.Fatal(err)
	}
	want := cm
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("context record (-want +got):\n%s", diff)
	}
	if _, err := s.RuntimeEnvGet(ctx, "instance", "cm", "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing record: got %v, want ErrNotFound", err)
	}
	list, err := s.RuntimeEnvList(ctx, store.RuntimeEnvListParams{Context: "cm"})
	if err != nil {
		t.Fatal(err)
	}
	route := func(r record.RuntimeEnvironment) string { return r.Scope + "/" + r.Context + "/" + r.Instance }
	if diff := cmp.Diff([]string{"context/cm/", "instance/cm/prod"}, ids(list, route)); diff != "" {
		t.Errorf("list by context (-want +got):\n%s", diff)
	}
	all, err := s.RuntimeEnvList(ctx, store.RuntimeEnvListParams{})
	if err != nil || len(all) != 3 {
		t.Fatalf("list all: %d records, %v", len(all), err)
	}

	// Refused writes store nothing.
	bad := runtimeEnv("global", "cm", "", map[string]any{"A": "1"})
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.RuntimeEnvPut(ctx, bad) }); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("global record with a context: got %v, want ErrInvalid", err)
	}
	secret := runtimeEnv("global", "", "", map[string]any{"API_KEY": "x"})
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.RuntimeEnvPut(ctx, secret) }); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("secret-shaped key: got %v, want ErrInvalid", err)
	}

	deleteIf := func(expected record.RuntimeEnvironment) string {
		t.Helper()
		var outcome string
		put(t, s, func(tx store.Tx) error {
			var err error
			outcome, err = tx.RuntimeEnvDeleteIf(ctx, expected)
			return err
		})
		return outcome
	}
	stale := prod
	stale.Env = map[string]any{"URL": "https://old.example"}
	if got := deleteIf(stale); got != store.DeleteChanged {
		t.Errorf("delete with a stale expectation: %q, want %q", got, store.DeleteChanged)
	}
	if _, err := s.RuntimeEnvGet(ctx, "instance", "cm", "prod"); err != nil {
		t.Errorf("a changed record must survive: %v", err)
	}
	if got := deleteIf(prod); got != store.DeleteDeleted {
		t.Errorf("delete: %q, want %q", got, store.DeleteDeleted)
	}
	if _, err := s.RuntimeEnvGet(ctx, "instance", "cm", "prod"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: got %v, want ErrNotFound", err)
	}
	if got := deleteIf(prod); got != store.DeleteMissing {
		t.Errorf("second delete: %q, want %q", got, store.DeleteMissing)
	}

	ev := record.RuntimeEnvironmentDeleteEvent{
		EventID: record.RuntimeEnvDeleteEventID(prod, "me", "2026-04-16T09:00:00Z", 1), EventType: "deleted",
		RecordedAt: "2026-04-16T09:00:00Z", Actor: "me", Scope: "instance", Context: "cm", Instance: "prod",
		SourceLabel: "test", EnvKeys: []string{"URL"}, EnvValueCount: 1,
	}
	put(t, s, func(tx store.Tx) error { return tx.RuntimeEnvDeleteEventPut(ctx, ev) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.RuntimeEnvDeleteEventPut(ctx, ev) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("rewriting a delete event: got %v, want ErrConflict", err)
	}
	events, err := s.RuntimeEnvDeleteEventList(ctx, store.RuntimeEnvDeleteEventListParams{Context: "cm", Instance: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]record.RuntimeEnvironmentDeleteEvent{ev}, events); diff != "" {
		t.Errorf("delete events (-want +got):\n%s", diff)
	}
	payload, _ := canonical.JSON(events[0])
	if strings.Contains(string(payload), "cm.example") {
		t.Errorf("delete event payload holds a value: %s", payload)
	}

	report, err := s.VerifyLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		t.Fatalf("ledger after a delete: %+v", report)
	}
	// put x3, delete tombstone, event.
	if report.Entries != 5 || report.Records != 3 {
		t.Errorf("ledger counts: entries=%d records=%d, want 5 and 3", report.Entries, report.Records)
	}

	// Re-creating a deleted route verifies too.
	put(t, s, func(tx store.Tx) error { return tx.RuntimeEnvPut(ctx, prod) })
	if report, err := s.VerifyLedger(ctx); err != nil || !report.OK() {
		t.Fatalf("ledger after re-create: %+v, %v", report, err)
	}
}
