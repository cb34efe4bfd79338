package targets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
)

// clock advances one second per reading, so every write gets a new time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

// eachEngine runs fn against a fresh store on SQLite and Postgres.
func eachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store, svc *targets.Service)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			c := &clock{t: time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
			fn(t, s, targets.New(s, c.now))
		})
	}
}

func dokployTarget(context, instance string) record.DokployTarget {
	return record.DokployTarget{
		SchemaVersion: 1, Context: context, Instance: instance, ProjectName: context, TargetType: record.TargetCompose,
		TargetName: context + "-" + instance, SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/web/health",
		Env: map[string]string{"LOG_LEVEL": "info"}, UpdatedAt: "2026-04-01T00:00:00Z", SourceLabel: "seed",
	}
}

func targetID(context, instance, id string) record.DokployTargetID {
	return record.DokployTargetID{SchemaVersion: 1, Context: context, Instance: instance, TargetID: id,
		UpdatedAt: "2026-04-01T00:00:00Z", SourceLabel: "seed"}
}

// seed writes records directly, bypassing dual-write, to build the states
// (stale, partial, foreign) that the rules must handle.
func seed(t *testing.T, s store.Store, writes ...func(context.Context, store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		for _, w := range writes {
			if err := w(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func putTarget(v record.DokployTarget) func(context.Context, store.Tx) error {
	return func(ctx context.Context, tx store.Tx) error { return tx.DokployTargetPut(ctx, v) }
}

func putID(v record.DokployTargetID) func(context.Context, store.Tx) error {
	return func(ctx context.Context, tx store.Tx) error { return tx.DokployTargetIDPut(ctx, v) }
}

func putRow(v record.ProviderTarget) func(context.Context, store.Tx) error {
	return func(ctx context.Context, tx store.Tx) error { return tx.ProviderTargetPut(ctx, v) }
}

func projected(t *testing.T, tg record.DokployTarget, id record.DokployTargetID) record.ProviderTarget {
	t.Helper()
	p, ok := record.ProjectProviderTarget(tg, id)
	if !ok {
		t.Fatal("projection refused")
	}
	return p
}

// snapshot is every target record of the store, to prove a refused
// mutation wrote nothing.
type snapshot struct {
	Targets []record.DokployTarget
	IDs     []record.DokployTargetID
	Rows    []record.ProviderTarget
	Ledger  int
}

func snap(t *testing.T, s *sqlstore.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var sn snapshot
	var err error
	if sn.Targets, err = s.DokployTargetList(ctx, store.TargetListParams{}); err != nil {
		t.Fatal(err)
	}
	if sn.IDs, err = s.DokployTargetIDList(ctx, store.TargetListParams{}); err != nil {
		t.Fatal(err)
	}
	if sn.Rows, err = s.ProviderTargetList(ctx, store.TargetListParams{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM launchplane_evidence_ledger").Scan(&sn.Ledger); err != nil {
		t.Fatal(err)
	}
	return sn
}

func TestPutDualWrites(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		ctx := context.Background()
		in := dokployTarget("cm", "testing")
		in.UpdatedAt = ""
		res, err := svc.Put(ctx, targets.PutInput{Target: in, TargetID: "cmp-1"})
		if err != nil {
			t.Fatal(err)
		}
		wantRow := record.ProviderTarget{
			SchemaVersion: 1, Context: "cm", Instance: "testing", ProviderID: "dokploy", TargetCategory: "compose",
			TargetID: "cmp-1", DisplayName: "cm-testing", ProviderTargetType: "compose",
			ProviderEvidence: map[string]string{"project_name": "cm"}, UpdatedAt: "2026-04-16T08:00:02Z", SourceLabel: "seed",
		}
		want := targets.Result{
			Action: "created", TargetIDAction: "created", ProviderTargetAction: "created", ProviderTarget: &wantRow,
			Target: targets.Summary{Context: "cm", Instance: "testing", ProjectName: "cm", TargetType: "compose", TargetName: "cm-testing",
				TargetID: "cmp-1", Domains: []string{}, EnvKeys: []string{"LOG_LEVEL"}, ProtectedStoreKeys: []string{},
				UpdatedAt: "2026-04-16T08:00:02Z", SourceLabel: "seed"},
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("put result (-want +got):\n%s", diff)
		}
		row, err := s.ProviderTargetGet(ctx, "cm", "testing")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantRow, row); diff != "" {
			t.Errorf("stored row (-want +got):\n%s", diff)
		}
		tr, err := targets.Resolve(ctx, s, "cm", "testing")
		if err != nil || tr.TargetID() != "cmp-1" {
			t.Fatalf("resolve after put: %v, %v", tr, err)
		}

		// The same put again changes nothing and writes nothing.
		before := snap(t, s)
		res, err = svc.Put(ctx, targets.PutInput{Target: in, TargetID: "cmp-1"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Action != "unchanged" || res.TargetIDAction != "unchanged" || res.ProviderTargetAction != "unchanged" {
			t.Errorf("repeat put: %+v", res)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("repeat put wrote (-before +after):\n%s", diff)
		}

		// Metadata without --target-id keeps the id; the row follows.
		in.TargetName = "renamed"
		res, err = svc.Put(ctx, targets.PutInput{Target: in, SourceLabel: "cli:test"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Action != "updated" || res.TargetIDAction != "unchanged" || res.ProviderTargetAction != "updated" ||
			res.ProviderTarget.DisplayName != "renamed" || res.ProviderTarget.TargetID != "cmp-1" || res.ProviderTarget.SourceLabel != "cli:test" {
			t.Errorf("metadata put: %+v", res)
		}
		// A new live id moves the row too.
		res, err = svc.Put(ctx, targets.PutInput{Target: in, TargetID: "cmp-2"})
		if err != nil {
			t.Fatal(err)
		}
		if res.TargetIDAction != "updated" || res.ProviderTarget.TargetID != "cmp-2" {
			t.Errorf("id put: %+v", res)
		}
		if _, err := targets.Resolve(ctx, s, "cm", "testing"); err != nil {
			t.Errorf("resolve after id change: %v", err)
		}
		if rep, err := s.VerifyLedger(ctx); err != nil || !rep.OK() {
			t.Errorf("ledger: %+v %v", rep, err)
		}
	})
}

func TestPutRefusals(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		ctx := context.Background()
		prod, prodID := dokployTarget("cm", "prod"), targetID("cm", "prod", "cmp-prod")
		seed(t, s, putTarget(prod), putID(prodID), putRow(projected(t, prod, prodID)))
		before := snap(t, s)

		secretEnv := dokployTarget("cm", "testing")
		secretEnv.Env = map[string]string{"SMTP_PASSWORD": "pw-x1"}
		preview := dokployTarget("cm", "pr-7")
		tests := []struct {
			name  string
			in    targets.PutInput
			check func(error) bool
		}{
			{"new route without a target id", targets.PutInput{Target: dokployTarget("cm", "testing")}, isInvalid("target_id")},
			{"secret-shaped env key", targets.PutInput{Target: secretEnv, TargetID: "cmp-t"}, isInvalid("env.SMTP_PASSWORD")},
			{"untracked lane", targets.PutInput{Target: preview, TargetID: "cmp-t"}, isInvalid("instance")},
			{"target id bound to another route", targets.PutInput{Target: dokployTarget("cm", "testing"), TargetID: "cmp-prod"},
				func(err error) bool { return errors.Is(err, store.ErrConflict) }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := svc.Put(ctx, tc.in)
				if !tc.check(err) {
					t.Fatalf("got %v", err)
				}
				if diff := cmp.Diff(before, snap(t, s)); diff != "" {
					t.Errorf("refused put wrote (-before +after):\n%s", diff)
				}
			})
		}
	})
}

func isInvalid(field string) func(error) bool {
	return func(err error) bool {
		var ve *record.ValidationError
		if !errors.As(err, &ve) {
			return false
		}
		for _, p := range ve.Problems {
			if p.Field == field {
				return true
			}
		}
		return false
	}
}

// TestStaleRowBlocksEveryMutation: an explicit row that no longer matches
// the current Dokploy pair stops every mutation, which writes nothing.
func TestStaleRowBlocksEveryMutation(t *testing.T) {
	tg, id := dokployTarget("cm", "testing"), targetID("cm", "testing", "cmp-1")
	stale := func(t *testing.T) record.ProviderTarget {
		p := projected(t, tg, id)
		p.DisplayName = "someone-else"
		return p
	}
	foreign := func(t *testing.T) record.ProviderTarget {
		p := projected(t, tg, id)
		p.ProviderID = "kubernetes"
		return p
	}
	states := map[string]func(t *testing.T) []func(context.Context, store.Tx) error{
		"row disagrees": func(t *testing.T) []func(context.Context, store.Tx) error {
			return []func(context.Context, store.Tx) error{putTarget(tg), putID(id), putRow(stale(t))}
		},
		"row without target id": func(t *testing.T) []func(context.Context, store.Tx) error {
			return []func(context.Context, store.Tx) error{putTarget(tg), putRow(projected(t, tg, id))}
		},
		"row of another provider": func(t *testing.T) []func(context.Context, store.Tx) error {
			return []func(context.Context, store.Tx) error{putTarget(tg), putID(id), putRow(foreign(t))}
		},
	}
	mutations := map[string]func(svc *targets.Service) error{
		"put": func(svc *targets.Service) error {
			_, err := svc.Put(context.Background(), targets.PutInput{Target: tg, TargetID: "cmp-1"})
			return err
		},
		"relabel": func(svc *targets.Service) error {
			_, err := svc.Relabel(context.Background(), "cm", "testing", "new")
			return err
		},
		"put-shopify": func(svc *targets.Service) error {
			_, err := svc.PutShopifyProtectedStoreKey(context.Background(), "cm", "testing", []string{"store-a"}, "")
			return err
		},
		"unset-shopify": func(svc *targets.Service) error {
			_, err := svc.UnsetShopifyProtectedStoreKey(context.Background(), "cm", "testing", []string{"store-a"})
			return err
		},
	}
	for _, engine := range sqltest.Engines() {
		for stateName, state := range states {
			for mutName, mutate := range mutations {
				t.Run(engine.Name+"/"+stateName+"/"+mutName, func(t *testing.T) {
					s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{})
					if err != nil {
						t.Fatal(err)
					}
					defer s.Close()
					seed(t, s, state(t)...)
					before := snap(t, s)
					c := &clock{t: time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)}
					if err := mutate(targets.New(s, c.now)); !errors.Is(err, targets.ErrStale) {
						t.Fatalf("got %v, want ErrStale", err)
					}
					if diff := cmp.Diff(before, snap(t, s)); diff != "" {
						t.Errorf("blocked mutation wrote (-before +after):\n%s", diff)
					}
				})
			}
		}
	}
}

func TestShopifyStoreKeysAndRelabel(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		ctx := context.Background()
		tg, id := dokployTarget("cm", "prod"), targetID("cm", "prod", "cmp-p")
		seed(t, s, putTarget(tg), putID(id)) // no explicit row yet

		res, err := svc.PutShopifyProtectedStoreKey(ctx, "cm", "prod", []string{" store-a ", "store-b", "store-a", ""}, "cli:guard")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"store-a", "store-b"}, res.AddedKeys); diff != "" {
			t.Errorf("added (-want +got):\n%s", diff)
		}
		// The pair moved, so dual-write creates the missing row.
		if res.Action != "updated" || res.ProviderTargetAction != "created" || res.Target.SourceLabel != "cli:guard" {
			t.Errorf("put keys: %+v", res)
		}
		res, err = svc.PutShopifyProtectedStoreKey(ctx, "cm", "prod", []string{"store-b", "store-c"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"store-a", "store-b", "store-c"}, res.Target.ProtectedStoreKeys); diff != "" {
			t.Errorf("keys keep first-seen order (-want +got):\n%s", diff)
		}
		if res.ProviderTargetAction != "updated" {
			t.Errorf("row not kept in step: %+v", res)
		}
		before := snap(t, s)
		res, err = svc.PutShopifyProtectedStoreKey(ctx, "cm", "prod", []string{"store-a"}, "")
		if err != nil || res.Action != "unchanged" || len(res.AddedKeys) != 0 {
			t.Fatalf("re-adding: %+v %v", res, err)
		}
		if diff := cmp.Diff(before, snap(t, s)); diff != "" {
			t.Errorf("unchanged put wrote (-before +after):\n%s", diff)
		}

		res, err = svc.UnsetShopifyProtectedStoreKey(ctx, "cm", "prod", []string{"store-b", "nope"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(targets.Result{
			Action: "updated", Target: res.Target, TargetIDAction: "unchanged", ProviderTarget: res.ProviderTarget,
			ProviderTargetAction: "updated", RemovedKeys: []string{"store-b"}, MissingKeys: []string{"nope"},
		}, res); diff != "" {
			t.Errorf("unset (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"store-a", "store-c"}, res.Target.ProtectedStoreKeys); diff != "" {
			t.Errorf("keys after unset (-want +got):\n%s", diff)
		}
		if _, err := svc.UnsetShopifyProtectedStoreKey(ctx, "cm", "prod", []string{" "}); !isInvalid("policies.shopify.protected_store_keys")(err) {
			t.Errorf("blank keys: %v", err)
		}

		res, err = svc.Relabel(ctx, "cm", "prod", "catalog:v2")
		if err != nil {
			t.Fatal(err)
		}
		if res.Target.SourceLabel != "catalog:v2" || res.ProviderTarget.SourceLabel != "catalog:v2" {
			t.Errorf("relabel: %+v", res)
		}
		stored, err := s.DokployTargetGet(ctx, "cm", "prod")
		if err != nil || stored.SourceLabel != "catalog:v2" || stored.UpdatedAt != res.Target.UpdatedAt {
			t.Errorf("stored after relabel: %+v %v", stored, err)
		}
		if _, err := targets.Resolve(ctx, s, "cm", "prod"); err != nil {
			t.Errorf("resolve after mutations: %v", err)
		}

		// Mutations of an untracked route are refused as not tracked.
		for name, err := range map[string]error{
			"relabel": func() error { _, err := svc.Relabel(ctx, "cm", "testing", "x"); return err }(),
			"put": func() error {
				_, err := svc.PutShopifyProtectedStoreKey(ctx, "cm", "testing", []string{"k"}, "")
				return err
			}(),
			"unset": func() error {
				_, err := svc.UnsetShopifyProtectedStoreKey(ctx, "cm", "testing", []string{"k"})
				return err
			}(),
		} {
			if !errors.Is(err, targets.ErrNotTracked) {
				t.Errorf("%s on an untracked route: %v", name, err)
			}
		}
	})
}

// TestMutationWithoutTargetIDLeavesRowAlone: a target without its target-id
// record has no pair to project; the mutation writes the target only.
func TestMutationWithoutTargetIDLeavesRowAlone(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store, svc *targets.Service) {
		ctx := context.Background()
		seed(t, s, putTarget(dokployTarget("cm", "testing")))
		res, err := svc.Relabel(ctx, "cm", "testing", "relabelled")
		if err != nil {
			t.Fatal(err)
		}
		if res.ProviderTargetAction != "skipped-incomplete" || res.ProviderTarget != nil {
			t.Errorf("relabel of half a pair: %+v", res)
		}
		if rows := snap(t, s).Rows; len(rows) != 0 {
			t.Errorf("rows = %+v", rows)
		}
	})
}

func TestDecodePutInput(t *testing.T) {
	now := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
	got, err := targets.DecodePutInput([]byte(`{"context":"cm","instance":"prod","target_name":"cm-prod"}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if got.UpdatedAt != "2026-04-16T08:00:00Z" || got.TargetType != "compose" || got.HealthcheckPath != "/web/health" {
		t.Errorf("defaults: %+v", got)
	}
	if _, err := targets.DecodePutInput([]byte(`{"context":"cm","instance":"prod","colour":"red"}`), now); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("unknown field: %v", err)
	}
}
