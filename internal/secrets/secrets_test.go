package secrets_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

var secretTables = []string{"launchplane_secrets", "launchplane_secret_versions", "launchplane_secret_bindings", "launchplane_secret_audit_events"}

// clock advances one second per reading, so every write has its own time.
func clock() func() time.Time {
	t := time.Date(2026, 4, 16, 8, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func ring(t *testing.T, active string, ids ...string) *crypto.KeyRing {
	t.Helper()
	keys := map[string]string{}
	for _, id := range ids {
		k := make([]byte, 32)
		copy(k, id)
		keys[id] = base64.StdEncoding.EncodeToString(k)
	}
	doc, _ := json.Marshal(map[string]any{"active_key_id": active, "keys": keys})
	r, err := crypto.ParseKeyRing(doc)
	if err != nil {
		t.Fatalf("key ring: %v", err)
	}
	return r
}

func eachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			s, err := sqlstore.OpenMigrated(context.Background(), engine.URL(t), sqlstore.Options{})
			if err != nil {
				t.Fatalf("open store: %v", err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s)
		})
	}
}

func count(t *testing.T, s *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func counts(t *testing.T, s *sqlstore.Store) []int {
	t.Helper()
	var out []int
	for _, table := range append(secretTables, "launchplane_evidence_ledger") {
		out = append(out, count(t, s, table))
	}
	return out
}

// dump renders every row of the secret tables and the ledger as text.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range append(secretTables, "launchplane_evidence_ledger", "launchplane_evidence_ledger_head") {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

// leaks lists the forms of value found in text.
func leaks(text, value string) []string {
	var found []string
	for name, form := range map[string]string{
		"plaintext": value,
		"base64":    base64.StdEncoding.EncodeToString([]byte(value)),
		"base64url": base64.RawURLEncoding.EncodeToString([]byte(value)),
		"hex":       hex.EncodeToString([]byte(value)),
	} {
		if strings.Contains(text, form) {
			found = append(found, name)
		}
	}
	return found
}

func put(scope, ctxName, instance, name, key, value string) secrets.PutInput {
	return secrets.PutInput{Scope: scope, Integration: record.IntegrationRuntimeEnvironment, Name: name, Context: ctxName,
		Instance: instance, BindingKey: key, Value: crypto.Redacted(value), Actor: "tester", Source: "test"}
}

func TestPutWriteAlgorithm(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := secrets.New(s, ring(t, "k1", "k1"), clock(), nil)
		in := put(record.SecretScopeContext, "cm", "", "smtp", "SMTP_PASSWORD", "first-value")
		created, err := svc.Put(ctx, in)
		if err != nil || created.Action != secrets.ActionCreated {
			t.Fatalf("first put: %+v, %v", created, err)
		}
		if want := "secret-runtime-environment-smtp-cm"; created.SecretID != want || created.BindingID != want+"-binding-smtp-password" {
			t.Errorf("ids = %+v", created)
		}
		before := counts(t, s)
		if diff := cmp.Diff([]int{1, 1, 1, 1}, before[:4]); diff != "" {
			t.Errorf("rows after create (-want +got):\n%s", diff)
		}

		same, err := svc.Put(ctx, in)
		if err != nil || same.Action != secrets.ActionUnchanged || same.VersionID != created.VersionID {
			t.Fatalf("same value: %+v, %v", same, err)
		}
		if diff := cmp.Diff(before, counts(t, s)); diff != "" {
			t.Errorf("an unchanged put wrote rows (-before +after):\n%s", diff)
		}

		in.Value = "second-value"
		rotated, err := svc.Put(ctx, in)
		if err != nil || rotated.Action != secrets.ActionRotated || rotated.VersionID == created.VersionID {
			t.Fatalf("new value: %+v, %v", rotated, err)
		}
		rec, err := s.SecretGet(ctx, rotated.SecretID)
		if err != nil || rec.CurrentVersionID != rotated.VersionID || rec.CreatedAt == rec.UpdatedAt {
			t.Errorf("record after rotation: %+v, %v", rec, err)
		}
		if diff := cmp.Diff([]int{1, 2, 1, 2}, counts(t, s)[:4]); diff != "" {
			t.Errorf("rows after rotate (-want +got):\n%s", diff)
		}
		events, _ := s.SecretAuditEventList(ctx, rotated.SecretID)
		if len(events) != 2 || events[0].EventType != record.SecretEventRotated || events[1].EventType != record.SecretEventCreated {
			t.Errorf("events = %+v", events)
		}
		// A second binding key binds the same secret under another name.
		in.BindingKey = "MAIL_PASSWORD"
		again, err := svc.Put(ctx, in)
		if err != nil || again.Action != secrets.ActionUnchanged || again.BindingID != rotated.SecretID+"-binding-mail-password" {
			t.Errorf("same value, new binding key: %+v, %v", again, err)
		}
		overlay, err := svc.Overlay(ctx, "cm", "prod")
		if err != nil || overlay["MAIL_PASSWORD"] != "second-value" {
			t.Errorf("overlay uses the newest binding: %v, %v", overlay, err)
		}
		if rep, err := s.VerifyLedger(ctx); err != nil || !rep.OK() {
			t.Errorf("ledger: %+v, %v", rep, err)
		}
	})
}

// failingStore fails one write inside Update, after others succeeded.
type failingStore struct {
	store.Store
	failOn string
}

type failingTx struct {
	store.Tx
	failOn string
}

var errInjected = errors.New("injected failure")

func (f failingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.Update(ctx, func(tx store.Tx) error { return fn(failingTx{tx, f.failOn}) })
}

func (f failingTx) SecretPut(ctx context.Context, s record.SecretRecord) error {
	if f.failOn == "secret" {
		return errInjected
	}
	return f.Tx.SecretPut(ctx, s)
}

func (f failingTx) SecretAuditEventPut(ctx context.Context, e record.SecretAuditEvent) error {
	if f.failOn == "event" {
		return errInjected
	}
	return f.Tx.SecretAuditEventPut(ctx, e)
}

func TestPutIsOneTransaction(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		k := ring(t, "k1", "k1")
		for _, failOn := range []string{"event", "secret"} {
			svc := secrets.New(failingStore{s, failOn}, k, clock(), nil)
			if _, err := svc.Put(ctx, put(record.SecretScopeGlobal, "", "", "api", "API_TOKEN", "v1")); !errors.Is(err, errInjected) {
				t.Fatalf("fail on %s: got %v", failOn, err)
			}
			if diff := cmp.Diff([]int{0, 0, 0, 0, 0}, counts(t, s)); diff != "" {
				t.Errorf("fail on %s wrote rows (-want +got):\n%s", failOn, diff)
			}
		}
		// A rotation failing half-way leaves the first version in force.
		good := secrets.New(s, k, clock(), nil)
		first, err := good.Put(ctx, put(record.SecretScopeGlobal, "", "", "api", "API_TOKEN", "v1"))
		if err != nil {
			t.Fatal(err)
		}
		before := counts(t, s)
		bad := secrets.New(failingStore{s, "secret"}, k, clock(), nil)
		if _, err := bad.Put(ctx, put(record.SecretScopeGlobal, "", "", "api", "API_TOKEN", "v2")); !errors.Is(err, errInjected) {
			t.Fatalf("rotation failure: %v", err)
		}
		if diff := cmp.Diff(before, counts(t, s)); diff != "" {
			t.Errorf("failed rotation wrote rows (-before +after):\n%s", diff)
		}
		got, _ := good.Overlay(ctx, "", "")
		if got["API_TOKEN"] != "v1" {
			t.Errorf("overlay after failed rotation = %v", got)
		}
		rec, _ := s.SecretGet(ctx, first.SecretID)
		if rec.CurrentVersionID != first.VersionID {
			t.Errorf("pointer moved to %s", rec.CurrentVersionID)
		}
	})
}

func TestMissingKeyRingRefuses(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := secrets.New(s, nil, clock(), nil)
		_, err := svc.Put(ctx, put(record.SecretScopeGlobal, "", "", "api", "API_TOKEN", "v1"))
		if !errors.Is(err, crypto.ErrNoKey) || !strings.Contains(err.Error(), crypto.EnvMasterKey) {
			t.Fatalf("put without a key ring: %v", err)
		}
		if _, err := svc.Reencrypt(ctx, false); !errors.Is(err, crypto.ErrNoKey) {
			t.Errorf("reencrypt without a key ring: %v", err)
		}
		if diff := cmp.Diff([]int{0, 0, 0, 0, 0}, counts(t, s)); diff != "" {
			t.Errorf("rows written without a key (-want +got):\n%s", diff)
		}
		// Nothing applies: no key needed. Something applies: the key is.
		if got, err := svc.Overlay(ctx, "cm", "prod"); err != nil || len(got) != 0 {
			t.Errorf("empty overlay without a key: %v, %v", got, err)
		}
		if _, err := secrets.New(s, ring(t, "k1", "k1"), clock(), nil).Put(ctx, put(record.SecretScopeGlobal, "", "", "api", "API_TOKEN", "v1")); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Overlay(ctx, "cm", "prod"); !errors.Is(err, crypto.ErrNoKey) {
			t.Errorf("overlay without a key: %v", err)
		}
		// The wrong key fails closed, on read and on put.
		wrong := secrets.New(s, ring(t, "k2", "k2"), clock(), nil)
		if _, err := wrong.Overlay(ctx, "cm", "prod"); !errors.Is(err, crypto.ErrDecrypt) {
			t.Errorf("overlay with the wrong key: %v", err)
		}
		if _, err := wrong.Put(ctx, put(record.SecretScopeGlobal, "", "", "api", "API_TOKEN", "v2")); !errors.Is(err, crypto.ErrDecrypt) {
			t.Errorf("put over an undecryptable version: %v", err)
		}
	})
}

func TestPutValidation(t *testing.T) {
	svc := secrets.New(nil, ring(t, "k1", "k1"), clock(), nil)
	for name, in := range map[string]secrets.PutInput{
		"global with context":          put(record.SecretScopeGlobal, "cm", "", "a", "A", "v"),
		"context without context":      put(record.SecretScopeContext, "", "", "a", "A", "v"),
		"context with instance":        put(record.SecretScopeContext, "cm", "prod", "a", "A", "v"),
		"context_instance no instance": put(record.SecretScopeContextInstance, "cm", "", "a", "A", "v"),
		"unknown scope":                put("instance", "cm", "prod", "a", "A", "v"),
		"blank value":                  put(record.SecretScopeGlobal, "", "", "a", "A", "  \n"),
		"bad binding key":              put(record.SecretScopeGlobal, "", "", "a", "A B", "v"),
	} {
		if _, err := svc.Put(context.Background(), in); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("%s: got %v, want record.ErrInvalid", name, err)
		}
	}
}

func TestOverlayPrecedence(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := secrets.New(s, ring(t, "k1", "k1"), clock(), nil)
		// Most specific written first, so update order cannot explain the result.
		for _, in := range []secrets.PutInput{
			put(record.SecretScopeContextInstance, "cm", "prod", "db", "DB_PASSWORD", "instance-db"),
			put(record.SecretScopeContextInstance, "cm", "testing", "db", "DB_PASSWORD", "other-instance-db"),
			put(record.SecretScopeContext, "cm", "", "db", "DB_PASSWORD", "context-db"),
			put(record.SecretScopeContext, "other", "", "db", "DB_PASSWORD", "other-context-db"),
			put(record.SecretScopeGlobal, "", "", "db", "DB_PASSWORD", "global-db"),
			put(record.SecretScopeGlobal, "", "", "smtp", "SMTP_PASSWORD", "global-smtp"),
			put(record.SecretScopeContext, "cm", "", "api", "API_TOKEN", "context-api"),
		} {
			if _, err := svc.Put(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		other := put(record.SecretScopeGlobal, "", "", "dokploy", "DOKPLOY_TOKEN", "not-runtime")
		other.Integration = "dokploy"
		if _, err := svc.Put(ctx, other); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			context, instance string
			want              map[string]string
		}{
			{"cm", "prod", map[string]string{"DB_PASSWORD": "instance-db", "SMTP_PASSWORD": "global-smtp", "API_TOKEN": "context-api"}},
			{"cm", "staging", map[string]string{"DB_PASSWORD": "context-db", "SMTP_PASSWORD": "global-smtp", "API_TOKEN": "context-api"}},
			{"cm", "", map[string]string{"DB_PASSWORD": "context-db", "SMTP_PASSWORD": "global-smtp", "API_TOKEN": "context-api"}},
			{"other", "prod", map[string]string{"DB_PASSWORD": "other-context-db", "SMTP_PASSWORD": "global-smtp"}},
			{"", "", map[string]string{"DB_PASSWORD": "global-db", "SMTP_PASSWORD": "global-smtp"}},
		} {
			got, err := svc.Overlay(ctx, tc.context, tc.instance)
			if err != nil {
				t.Fatalf("overlay %s/%s: %v", tc.context, tc.instance, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("overlay %s/%s (-want +got):\n%s", tc.context, tc.instance, diff)
			}
		}
		if _, err := svc.Overlay(ctx, "", "prod"); !errors.Is(err, record.ErrInvalid) {
			t.Errorf("instance without context: %v", err)
		}
	})
}

// The overlay plugs into the runtime-environment resolver as a function.
var _ func(context.Context, string, string) (map[string]string, error) = (*secrets.Service)(nil).Overlay

func TestRelabelBinding(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := secrets.New(s, ring(t, "k1", "k1"), clock(), nil)
		res, err := svc.Put(ctx, put(record.SecretScopeContext, "cm", "", "smtp", "SMTP_PASS", "mail-secret"))
		if err != nil {
			t.Fatal(err)
		}
		before := counts(t, s)
		if same, err := svc.RelabelBinding(ctx, res.BindingID, "SMTP_PASS", "tester"); err != nil || same.Action != secrets.ActionUnchanged {
			t.Errorf("relabel to the same key: %+v, %v", same, err)
		}
		if diff := cmp.Diff(before, counts(t, s)); diff != "" {
			t.Errorf("same-key relabel wrote rows (-before +after):\n%s", diff)
		}
		rel, err := svc.RelabelBinding(ctx, res.BindingID, "SMTP_PASSWORD", "tester")
		if err != nil || rel.Action != secrets.ActionRelabelled || rel.NewBindingID != res.SecretID+"-binding-smtp-password" {
			t.Fatalf("relabel: %+v, %v", rel, err)
		}
		old, _ := s.SecretBindingGet(ctx, res.BindingID)
		nb, _ := s.SecretBindingGet(ctx, rel.NewBindingID)
		if old.Status != record.SecretStatusDisabled || nb.Status != record.SecretStatusConfigured || nb.BindingKey != "SMTP_PASSWORD" {
			t.Errorf("bindings after relabel: old %+v new %+v", old, nb)
		}
		events, _ := s.SecretAuditEventList(ctx, res.SecretID)
		if len(events) != 2 || events[0].EventType != record.SecretEventRelabelled ||
			events[0].Metadata["old_binding_id"] != res.BindingID || events[0].Metadata["new_binding_key"] != "SMTP_PASSWORD" {
			t.Errorf("events = %+v", events)
		}
		got, err := svc.Overlay(ctx, "cm", "")
		if diff := cmp.Diff(map[string]string{"SMTP_PASSWORD": "mail-secret"}, got); diff != "" || err != nil {
			t.Errorf("overlay after relabel (%v) (-want +got):\n%s", err, diff)
		}
		if _, err := svc.RelabelBinding(ctx, res.BindingID, "OTHER", "tester"); !errors.Is(err, secrets.ErrRefused) {
			t.Errorf("relabel a disabled binding: %v", err)
		}
		if _, err := svc.RelabelBinding(ctx, "secret-missing-binding-x", "OTHER", "tester"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("relabel a missing binding: %v", err)
		}
	})
}

func TestReencrypt(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		old := secrets.New(s, ring(t, "k1", "k1"), clock(), nil)
		for _, in := range []secrets.PutInput{
			put(record.SecretScopeGlobal, "", "", "a", "A_TOKEN", "alpha"),
			put(record.SecretScopeContext, "cm", "", "b", "B_TOKEN", "beta"),
		} {
			if _, err := old.Put(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := old.Put(ctx, put(record.SecretScopeGlobal, "", "", "a", "A_TOKEN", "alpha-2")); err != nil {
			t.Fatal(err)
		}
		rotating := secrets.New(s, ring(t, "k2", "k1", "k2"), clock(), nil)
		rowsBefore := dump(t, s.DB())
		dry, err := rotating.Reencrypt(ctx, false)
		if err != nil || dry.Mode != secrets.ModeDryRun || dry.VersionCount != 3 || dry.ChangedCount != 3 || dry.KeyIDsBefore["k1"] != 3 {
			t.Fatalf("dry run: %+v, %v", dry, err)
		}
		if rowsBefore != dump(t, s.DB()) {
			t.Errorf("dry run changed stored rows")
		}
		applied, err := rotating.Reencrypt(ctx, true)
		if err != nil || applied.ChangedCount != 3 || applied.UnchangedCount != 0 {
			t.Fatalf("apply: %+v, %v", applied, err)
		}
		versions, _ := s.SecretVersionList(ctx, "")
		for _, v := range versions {
			if v.KeyID != "k2" || v.CipherAlg != crypto.AlgAESGCM {
				t.Errorf("version %s after apply: %s/%s", v.VersionID, v.CipherAlg, v.KeyID)
			}
		}
		// The old key can now be retired.
		retired := secrets.New(s, ring(t, "k2", "k2"), clock(), nil)
		got, err := retired.Overlay(ctx, "cm", "prod")
		if diff := cmp.Diff(map[string]string{"A_TOKEN": "alpha-2", "B_TOKEN": "beta"}, got); diff != "" || err != nil {
			t.Errorf("overlay with only the new key (%v) (-want +got):\n%s", err, diff)
		}
		again, err := retired.Reencrypt(ctx, false)
		if err != nil || again.ChangedCount != 0 || again.UnchangedCount != 3 {
			t.Errorf("dry run after apply: %+v, %v", again, err)
		}
		// A version the ring cannot open fails the whole run.
		if _, err := secrets.New(s, ring(t, "k3", "k3"), clock(), nil).Reencrypt(ctx, false); !errors.Is(err, crypto.ErrDecrypt) {
			t.Errorf("dry run with a ring missing the key: %v", err)
		}
		if rep, err := s.VerifyLedger(ctx); err != nil || !rep.OK() {
			t.Errorf("ledger: %+v, %v", rep, err)
		}
	})
}

func TestNoPlaintextStored(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		const value = "Zq9-distinctive-SECRET-value-7731"
		const rotated = "Zq9-distinctive-ROTATED-value-4412"
		svc := secrets.New(s, ring(t, "k1", "k1"), clock(), nil)
		var outputs []any
		for _, v := range []string{value, value, rotated} {
			res, err := svc.Put(ctx, put(record.SecretScopeContextInstance, "cm", "prod", "db", "DB_PASSWORD", v))
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, res)
		}
		res := outputs[2].(secrets.PutResult)
		rel, err := svc.RelabelBinding(ctx, res.BindingID, "DATABASE_PASSWORD", "tester")
		if err != nil {
			t.Fatal(err)
		}
		list, err := svc.List(ctx, secrets.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		show, err := svc.Show(ctx, res.SecretID)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := secrets.New(s, ring(t, "k2", "k1", "k2"), clock(), nil).Reencrypt(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, rel, list, show, rep)
		// Error paths: a wrong key, an invalid scope.
		_, errWrong := secrets.New(s, ring(t, "k9", "k9"), clock(), nil).Put(ctx, put(record.SecretScopeContextInstance, "cm", "prod", "db", "DB_PASSWORD", value))
		_, errScope := svc.Put(ctx, put(record.SecretScopeGlobal, "cm", "", "db", "DB_PASSWORD", value))
		if errWrong == nil || errScope == nil {
			t.Fatalf("error paths did not fail: %v, %v", errWrong, errScope)
		}
		text := dump(t, s.DB())
		for _, o := range outputs {
			b, _ := json.Marshal(o)
			text += string(b) + fmt.Sprintf("%+v %#v", o, o)
		}
		text += errWrong.Error() + errScope.Error() + fmt.Sprintf("%v %+v", put("", "", "", "", "", value), put("", "", "", "", "", value))
		for _, v := range []string{value, rotated} {
			if found := leaks(text, v); len(found) > 0 {
				t.Errorf("value leaked as %v", found)
			}
		}
		if strings.Contains(string(mustJSON(t, outputs)), "ciphertext") {
			t.Errorf("views carry ciphertext")
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
