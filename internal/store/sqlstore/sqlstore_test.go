package sqlstore_test

import (
	"context"
	"testing"

	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
	"github.com/launchplane/launchplane/internal/store/storetest"
)

func openStore(t testing.TB, url string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenMigrated(context.Background(), url, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store { return openStore(t, engine.URL(t)) })
		})
	}
}
