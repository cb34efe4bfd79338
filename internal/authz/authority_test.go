package authz

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

var t0 = time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func openStore(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenMigrated(context.Background(), url, sqlstore.Options{Now: fixedClock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachEngine runs fn against a fresh database on SQLite and Postgres.
func eachEngine(t *testing.T, fn func(t *testing.T, url string)) {
	for _, e := range sqltest.Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e.URL(t)) })
	}
}

func policyFor(repo string) Policy {
	return Policy{SchemaVersion: 1, GitHubActions: []GitHubActionsRule{{Repository: repo, Actions: []string{ActionPolicyGrantWrite}}}}
}

func write(t *testing.T, s store.Store, a *Authority, p Policy, source string) record.AuthzPolicyRecord {
	t.Helper()
	var rec record.AuthzPolicyRecord
	err := s.Update(context.Background(), func(tx store.Tx) error {
		var err error
		rec, err = a.Write(context.Background(), tx, p, source, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func activeRepo(t *testing.T, a *Authority) (string, Active) {
	t.Helper()
	act, err := a.Active(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return act.Policy.GitHubActions[0].Repository, act
}

func TestRecordID(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	for _, at := range []string{"2026-05-03T12:34:56Z", "2026-05-03T12:34:56+00:00"} {
		if got, want := RecordID(at, sha), "launchplane-authz-policy-20260503T123456Z-abababababab"; got != want {
			t.Errorf("RecordID(%s) = %s, want %s", at, got, want)
		}
	}
}

func TestAuthoritySeedAndActive(t *testing.T) {
	eachEngine(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url)
		a := NewAuthority(s, fixedClock(t0))
		if _, err := a.Active(ctx); !errors.Is(err, ErrNoPolicy) {
			t.Fatalf("empty store: err = %v, want ErrNoPolicy", err)
		}
		caller := Principal{Type: TypeGitHubActions, Repository: "boot/strap", WorkflowRef: "boot/strap/.github/workflows/x.yml@refs/heads/main"}
		if _, err := a.Allowed(ctx, caller, ActionPolicyGrantWrite, ProductLaunchplane, ContextLaunchplane); !errors.Is(err, ErrNoPolicy) {
			t.Fatalf("Allowed on an empty store: err = %v, want ErrNoPolicy (fail closed)", err)
		}
		if _, _, err := a.Seed(ctx, policyFor("boot/strap"), "cli:whatever"); err == nil {
			t.Error("a seed label without the bootstrap- prefix was accepted")
		}
		act, seeded, err := a.Seed(ctx, policyFor("boot/strap"), LabelPolicyFile)
		if err != nil || !seeded {
			t.Fatalf("seed: seeded=%v err=%v", seeded, err)
		}
		want := record.AuthzPolicyRecord{
			RecordID: RecordID("2026-05-03T12:00:00Z", act.Record.PolicySHA256), Status: record.PolicyActive,
			Source: LabelPolicyFile, UpdatedAt: "2026-05-03T12:00:00Z", PolicySHA256: policyHash(t, policyFor("boot/strap")),
			Policy: act.Record.Policy, Audit: json.RawMessage(`{"operation":"bootstrap_seed"}`),
		}
		if diff := cmp.Diff(want, act.Record); diff != "" {
			t.Errorf("seeded record (-want +got):\n%s", diff)
		}
		if act.Source != SourceBootstrapSeeded {
			t.Errorf("source = %s", act.Source)
		}
		// A second seed, even with another policy, changes nothing.
		again, seeded, err := a.Seed(ctx, policyFor("other/policy"), LabelPolicyTOML)
		if err != nil || seeded || again.Record.RecordID != act.Record.RecordID {
			t.Fatalf("second seed: seeded=%v err=%v record=%s", seeded, err, again.Record.RecordID)
		}
		repo, got := activeRepo(t, a)
		if repo != "boot/strap" || got.Source != SourceBootstrapSeeded {
			t.Errorf("active = %s from %s", repo, got.Source)
		}
		if ok, err := a.Allowed(ctx, caller, ActionPolicyGrantWrite, ProductLaunchplane, ContextLaunchplane); !ok || err != nil {
			t.Errorf("Allowed = %v, %v; want true", ok, err)
		}
		d, from, err := a.Explain(ctx, caller, "deployment.write", ProductLaunchplane, ContextLaunchplane)
		if err != nil || d.Allowed || d.Rules[0].Failed[0] != "actions" || from.Record.RecordID != act.Record.RecordID {
			t.Errorf("Explain = %+v from %s, %v; want a denial on actions", d, from.Record.RecordID, err)
		}
	})
}

// Replicas starting together must seed exactly one record. Each has its
// own store (connection pool) and its own clock, so a double seed would
// leave two records with different ids.
func TestAuthoritySeedConcurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, url string) {
		ctx := context.Background()
		const replicas = 8
		auths := make([]*Authority, replicas)
		for i := range auths {
			auths[i] = NewAuthority(openStore(t, url), fixedClock(t0.Add(time.Duration(i)*time.Minute)))
		}
		var wg sync.WaitGroup
		ids := make([]string, replicas)
		seeded := make([]bool, replicas)
		errs := make([]error, replicas)
		for i, a := range auths {
			wg.Go(func() {
				var act Active
				act, seeded[i], errs[i] = a.Seed(ctx, policyFor("boot/strap"), LabelPolicyB64)
				ids[i] = act.Record.RecordID
			})
		}
		wg.Wait()
		n := 0
		for i := range auths {
			if errs[i] != nil {
				t.Fatalf("replica %d: %v", i, errs[i])
			}
			if seeded[i] {
				n++
			}
			if ids[i] != ids[0] {
				t.Errorf("replica %d sees %s, replica 0 sees %s", i, ids[i], ids[0])
			}
		}
		recs, err := openStore(t, url).AuthzPolicyList(ctx, store.AuthzPolicyListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(recs) != 1 {
			t.Errorf("%d replicas seeded, %d records stored; want exactly 1 and 1", n, len(recs))
		}
	})
}

func TestAuthorityNewestActiveWins(t *testing.T) {
	eachEngine(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url)
		now := t0
		a := NewAuthority(s, func() time.Time { return now })
		if _, _, err := a.Seed(ctx, policyFor("first/seed"), LabelPolicyTOML); err != nil {
			t.Fatal(err)
		}
		// Same second as the seed: stamped one second later, so it still wins.
		second := write(t, s, a, policyFor("second/grant"), DefaultGrantSource)
		if second.UpdatedAt != "2026-05-03T12:00:01Z" {
			t.Errorf("second record updated_at = %s", second.UpdatedAt)
		}
		if repo, act := activeRepo(t, a); repo != "second/grant" || act.Source != SourceDB {
			t.Errorf("active = %s from %s, want second/grant from db", repo, act.Source)
		}
		// The clock going backwards cannot demote a newer write either.
		now = t0.Add(-time.Hour)
		third := write(t, s, a, policyFor("third/grant"), DefaultGrantSource)
		if third.UpdatedAt != "2026-05-03T12:00:02Z" {
			t.Errorf("third record updated_at = %s", third.UpdatedAt)
		}
		// Older active and newer superseded records do not rule.
		err := s.Update(ctx, func(tx store.Tx) error {
			for _, r := range []struct {
				repo, status string
				at           time.Time
			}{{"old/active", record.PolicyActive, t0.Add(-24 * time.Hour)}, {"new/superseded", record.PolicySuperseded, t0.Add(24 * time.Hour)}} {
				body, _ := json.Marshal(policyFor(r.repo))
				sha, _ := record.PolicySHA256(body)
				at := record.FormatTime(r.at)
				if err := tx.AuthzPolicyPut(ctx, record.AuthzPolicyRecord{RecordID: RecordID(at, sha), Status: r.status, Source: "test", UpdatedAt: at, PolicySHA256: sha, Policy: body}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if repo, _ := activeRepo(t, a); repo != "third/grant" {
			t.Errorf("active = %s, want third/grant", repo)
		}
		// A fresh Authority (another replica, or after a restart) agrees:
		// there is no cache to go stale.
		if repo, _ := activeRepo(t, NewAuthority(openStore(t, url), nil)); repo != "third/grant" {
			t.Errorf("second replica sees %s", repo)
		}
	})
}

// A stored policy whose body no longer matches its hash is refused, not
// skipped in favour of an older record.
func TestAuthorityHashMismatchRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url)
		a := NewAuthority(s, fixedClock(t0))
		if _, _, err := a.Seed(ctx, policyFor("first/seed"), LabelPolicyTOML); err != nil {
			t.Fatal(err)
		}
		rec := write(t, s, a, policyFor("second/grant"), DefaultGrantSource)
		tampered := rec
		tampered.Policy = json.RawMessage(mustJSON(t, policyFor("attacker/repo")))
		payload := mustJSON(t, tampered)
		tamper(t, url, rec.RecordID, payload)
		_, err := a.Active(ctx)
		if err == nil || errors.Is(err, ErrNoPolicy) || !strings.Contains(err.Error(), "policy_sha256") {
			t.Fatalf("tampered record: err = %v, want a policy_sha256 mismatch", err)
		}
	})
}

// tamper rewrites a stored payload beneath the store, as someone with
// direct database access could.
func tamper(t *testing.T, url, recordID, payload string) {
	t.Helper()
	driver, dsn, query := "pgx", url, "UPDATE launchplane_authz_policies SET payload = CAST($1 AS JSONB) WHERE record_id = $2"
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		driver, dsn, query = "sqlite", "file:"+path, "UPDATE launchplane_authz_policies SET payload = $1 WHERE record_id = $2"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query, payload, recordID)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tamper changed %d rows", n)
	}
}

func TestAuthorityWriteAndImport(t *testing.T) {
	eachEngine(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s := openStore(t, url)
		a := NewAuthority(s, fixedClock(t0))

		rec, changed, err := a.Import(ctx, policyFor("imported/one"), "cli:import-toml")
		if err != nil || !changed {
			t.Fatalf("first import into an empty store: changed=%v err=%v", changed, err)
		}
		if rec.Source != "cli:import-toml" {
			t.Errorf("source = %s", rec.Source)
		}
		same, changed, err := a.Import(ctx, policyFor("imported/one"), "cli:import-toml")
		if err != nil || changed || same.RecordID != rec.RecordID {
			t.Fatalf("re-import: changed=%v err=%v id=%s", changed, err, same.RecordID)
		}
		next, changed, err := a.Import(ctx, policyFor("imported/two"), "cli:import-toml")
		if err != nil || !changed {
			t.Fatalf("second import: changed=%v err=%v", changed, err)
		}
		var audit map[string]any
		if err := json.Unmarshal(next.Audit, &audit); err != nil {
			t.Fatal(err)
		}
		wantAudit := map[string]any{
			"operation": "import", "changed": true, "updated_at": next.UpdatedAt,
			"previous_policy_record_id": rec.RecordID, "previous_policy_sha256": rec.PolicySHA256,
			"new_policy_record_id": next.RecordID, "new_policy_sha256": next.PolicySHA256,
		}
		if diff := cmp.Diff(wantAudit, audit); diff != "" {
			t.Errorf("import audit (-want +got):\n%s", diff)
		}
		if repo, act := activeRepo(t, a); repo != "imported/two" || act.Source != SourceDB {
			t.Errorf("active = %s from %s", repo, act.Source)
		}

		// Write refuses what must never be stored.
		for name, tc := range map[string]struct {
			p      Policy
			source string
		}{
			"invalid policy": {Policy{SchemaVersion: 2}, "x"},
			"no source":      {policyFor("a/b"), " "},
		} {
			err := s.Update(ctx, func(tx store.Tx) error {
				_, err := a.Write(ctx, tx, tc.p, tc.source, nil)
				return err
			})
			if err == nil {
				t.Errorf("%s: write succeeded", name)
			}
		}
		if recs, _ := s.AuthzPolicyList(ctx, store.AuthzPolicyListParams{}); len(recs) != 2 {
			t.Errorf("%d records stored, want 2", len(recs))
		}
	})
}

// TestAuthorityCache: with a TTL, writes through the same Authority show at
// once; another writer's (another replica's) show after Forget or the TTL.
func TestAuthorityCache(t *testing.T) {
	eachEngine(t, func(t *testing.T, url string) {
		s := openStore(t, url)
		ctx := context.Background()
		cached := NewAuthority(s, time.Now).WithCacheTTL(time.Hour)
		other := NewAuthority(s, time.Now)
		if _, _, err := cached.Seed(ctx, policyFor("acme/one"), "bootstrap-test"); err != nil {
			t.Fatal(err)
		}
		if repo, _ := activeRepo(t, cached); repo != "acme/one" {
			t.Fatalf("seeded policy not active: %s", repo)
		}
		if _, _, err := other.Import(ctx, policyFor("acme/two"), "cli:import-toml"); err != nil {
			t.Fatal(err)
		}
		if repo, _ := activeRepo(t, cached); repo != "acme/one" {
			t.Errorf("within the TTL the cache should still answer acme/one, got %s", repo)
		}
		cached.Forget()
		if repo, _ := activeRepo(t, cached); repo != "acme/two" {
			t.Errorf("after Forget the other writer's policy should rule, got %s", repo)
		}
		if _, _, err := cached.Import(ctx, policyFor("acme/three"), "cli:import-toml"); err != nil {
			t.Fatal(err)
		}
		if repo, _ := activeRepo(t, cached); repo != "acme/three" {
			t.Errorf("a write through the cached Authority must show at once, got %s", repo)
		}
	})
}
