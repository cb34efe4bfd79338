package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretValuesNeverLeak drives every route that takes or describes a
// secret — product-config dry-run and apply, their refusals, a stale plan,
// a reused Idempotency-Key, a storage failure the engine injects, the
// metadata reads and the key-safety policy — with the service logging JSON
// at debug level, and checks that no response and no log line carries the
// secret value in plain, base64 or hex form.
func TestSecretValuesNeverLeak(t *testing.T) {
	forms := []string{pcValue, base64.StdEncoding.EncodeToString([]byte(pcValue)),
		base64.RawURLEncoding.EncodeToString([]byte(pcValue)), hex.EncodeToString([]byte(pcValue))}
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			var logs syncBuffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			url := engine.URL(t)
			h := newProductConfigHarnessLogging(t, url, pcKey, log)
			web := h.token("acme/web", workflowRef)
			var responses strings.Builder
			do := func(bearer, method, path string, body []byte, status int, headers ...string) response {
				t.Helper()
				r := h.do(method, path, bearer, body, headers...)
				responses.WriteString(r.raw)
				if r.status != status {
					t.Fatalf("%s %s: %d, want %d: %s", method, path, r.status, status, r.raw)
				}
				return r
			}
			withValue := func(mode string, mutate func(m map[string]any)) []byte { return pcBody(t, mode, mutate) }

			plan := do(pcOperatorTok, "POST", pcPath, withValue("dry-run", nil), 202)
			planID := plan.body["result"].(map[string]any)["plan_id"].(string)
			do(pcOperatorTok, "POST", pcPath, withValue("apply", func(m map[string]any) { m["plan_id"] = planID }), 202)
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) { m["plan_id"] = planID }), 409)
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) { m["instance"] = "prod" }), 400)
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) {
				m["secrets"] = append(m["secrets"].([]any), map[string]any{"name": "x", "binding_key": "X_TOKEN", "value": pcValue, "scope": "nope"})
			}), 400)
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) { m["unexpected"] = pcValue }), 400)
			keyedBody := withValue("apply", nil)
			do(web, "POST", pcPath, keyedBody, 202, "Idempotency-Key", "leak-1")
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) { m["reason"] = "other" }), 202)
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) { m["reason"] = "changed" }), 409, "Idempotency-Key", "leak-1")
			do(terminalToken, "POST", pcPath, withValue("apply", nil), 403)
			do(web, "POST", pcPath, []byte(`{"secrets":[{"value":"`+pcValue+`"`), 400)

			list := do(web, "GET", "/v1/contexts/cm/secrets", nil, 200)
			do(web, "GET", "/v1/contexts/cm/instances/testing/secrets", nil, 200)
			items, _ := list.body["secrets"].([]any)
			if len(items) == 0 {
				t.Fatalf("no secrets listed: %s", list.raw)
			}
			for _, item := range items {
				id, _ := item.(map[string]any)["secret_id"].(string)
				do(web, "GET", "/v1/secrets/"+id, nil, 200)
			}
			do(web, "POST", keySafetyPath, jsonBody(t, map[string]any{"schema_version": 1, "product": "launchplane", "mode": "apply",
				"rules": []any{map[string]any{"binding_key": "SMTP_PASSWORD", "secret_class": "shared_safe"}}}), 202)

			// The same database behind a service with the wrong key, and
			// with none: the decrypt failure and the missing key fail closed,
			// value-free, in responses and logs.
			wrongKey := newProductConfigHarnessLogging(t, url, "ffffffffffffffffffffffffffffffff", log)
			r := wrongKey.do("POST", pcPath, wrongKey.token("acme/web", workflowRef), withValue("apply", nil))
			responses.WriteString(r.raw)
			if r.status != 503 || errorCode(r) != "secret_configuration_required" || !strings.Contains(r.raw, "could not be decrypted") {
				t.Fatalf("apply under the wrong key: %d %s", r.status, r.raw)
			}
			noKey := newProductConfigHarnessLogging(t, url, "", log)
			r = noKey.do("POST", pcPath, noKey.token("acme/web", workflowRef), withValue("apply", nil))
			responses.WriteString(r.raw)
			if r.status != 503 || errorCode(r) != "secret_configuration_required" {
				t.Fatalf("apply without a key: %d %s", r.status, r.raw)
			}

			// A storage failure after the secret is written: logged as an
			// internal error, rolled back, and still value-free.
			sqltest.RefuseInserts(t, h.store.DB(), h.store.Backend(), "launchplane_runtime_environments", "injected runtime failure")
			do(web, "POST", pcPath, withValue("apply", func(m map[string]any) {
				m["instance"] = "preview-1"
				m["secrets"] = []any{map[string]any{"name": "new", "binding_key": "SMTP_PASSWORD", "value": pcValue + "-new"}}
			}), 500)
			if !strings.Contains(logs.String(), "injected runtime failure") {
				t.Fatalf("the internal error was not logged; logs:\n%s", logs.String())
			}

			for _, form := range forms {
				if strings.Contains(responses.String(), form) {
					t.Errorf("a response carries the value (form %q)", form)
				}
				if strings.Contains(logs.String(), form) {
					t.Errorf("a log line carries the value (form %q)", form)
				}
			}
			if strings.Contains(responses.String()+logs.String(), "ciphertext\":\"") {
				t.Errorf("ciphertext reached a response or log")
			}

			// Nothing stored outside the encrypted versions can give the
			// value back: not a plain, encoded or bare-hashed form, and not a
			// bare hash of a request body that carried it.
			norm, err := canonical.Normalize(keyedBody)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(pcValue))
			dump := dumpTables(t, h.store)
			for _, form := range append(forms, hex.EncodeToString(sum[:]), canonical.SHA256(norm)) {
				if strings.Contains(dump, form) {
					t.Errorf("the database holds a recoverable form %q", form)
				}
			}
		})
	}
}

// dumpTables renders every row of every table as text.
func dumpTables(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	list := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if s.Backend() == sqlstore.BackendPostgres {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := s.DB().Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	var out strings.Builder
	for _, table := range tables {
		rows, err := s.DB().Query(`SELECT * FROM "` + table + `"`)
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
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&out, "%v\n", v)
			}
		}
		rows.Close()
	}
	return out.String()
}
