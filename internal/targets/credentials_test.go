package targets_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/targets"
)

// TestDokployClientFromManagedSecrets: the client is built only from the
// global dokploy secrets; a missing one is a hard error naming the binding
// key, and process env is never consulted.
func TestDokployClientFromManagedSecrets(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }
	s, err := sqlstore.OpenMigrated(ctx, sqltest.SQLiteURL(t), sqlstore.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ring, err := crypto.NewMasterKeyRing("credentials-test-passphrase")
	if err != nil {
		t.Fatal(err)
	}
	sec := secrets.New(s, ring, now, rand.Reader)
	t.Setenv(targets.KeyDokployHost, "https://from-env.invalid")
	t.Setenv(targets.KeyDokployToken, "env-token")

	_, err = targets.DokployClient(ctx, sec.Integration, dokploy.Config{})
	if !errors.Is(err, targets.ErrNoCredentials) || !strings.Contains(err.Error(), "DOKPLOY_HOST and DOKPLOY_TOKEN") {
		t.Fatalf("no secrets: %v", err)
	}

	var gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey = r.Header.Get("x-api-key")
		w.Write([]byte(`{"user":{"id":"u1"},"session":{"activeOrganizationId":"o1"}}`))
	}))
	defer srv.Close()
	put := func(key, value string) {
		t.Helper()
		if _, err := sec.Put(ctx, secrets.PutInput{Scope: record.SecretScopeGlobal, Integration: targets.IntegrationDokploy,
			Name: strings.ToLower(key), BindingKey: key, Value: crypto.Redacted(value), Actor: "test", Source: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	put(targets.KeyDokployHost, srv.URL)
	_, err = targets.DokployClient(ctx, sec.Integration, dokploy.Config{})
	if !errors.Is(err, targets.ErrNoCredentials) || !strings.Contains(err.Error(), "DOKPLOY_TOKEN") || strings.Contains(err.Error(), "DOKPLOY_HOST and") {
		t.Fatalf("token missing: %v", err)
	}
	put(targets.KeyDokployToken, "managed-token-7f3a")
	c, err := targets.DokployClient(ctx, sec.Integration, dokploy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Session(ctx); err != nil {
		t.Fatal(err)
	}
	if gotKey != "managed-token-7f3a" {
		t.Errorf("client sent key %q, want the managed secret", gotKey)
	}
}
