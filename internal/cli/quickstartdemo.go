package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/dokploysim"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/targets"
)

// The quickstart demo: a product "demo" with testing and prod lanes on an
// in-process Dokploy simulator, its product profile, two stored artifacts,
// and the Dokploy credentials in managed secrets — so a newcomer can ship,
// gate, promote and roll back, read the product and sync a lane's runtime
// environment without any real infrastructure.
const (
	demoProduct   = "demo"
	demoContext   = "demo"
	masterKeyFile = "master.key"
	// demoGreeting is the runtime key the demo profile expects on both
	// lanes; the first start stores a value for it on each.
	demoGreeting = "DEMO_GREETING"
)

// demoArtifacts are the manifests the demo can ship.
var demoArtifacts = []record.ArtifactManifest{
	{SchemaVersion: 1, ArtifactID: "demo-1", SourceCommit: "1111111111111111111111111111111111111111",
		Image: record.ImageReference{Repository: "ghcr.io/example/demo", Digest: "sha256:" + strings.Repeat("1", 64), Tags: []string{"demo-1"}}},
	{SchemaVersion: 1, ArtifactID: "demo-2", SourceCommit: "2222222222222222222222222222222222222222",
		Image: record.ImageReference{Repository: "ghcr.io/example/demo", Digest: "sha256:" + strings.Repeat("2", 64), Tags: []string{"demo-2"}}},
}

// demo is a running simulator seeded for the quickstart.
type demo struct {
	simURL  string
	keyPath string
	close   func()
}

// startDemo starts the simulator and seeds the database: master key,
// Dokploy credentials as managed secrets, tracked targets, manifests. The
// simulator keeps its state in memory, so every start re-creates the two
// applications and re-points the target ids at them.
func (a *app) startDemo(ctx context.Context, dir, host, dbURL string) (*demo, error) {
	keyPath := filepath.Join(dir, masterKeyFile)
	master, err := os.ReadFile(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		master = []byte(hex.EncodeToString(randomBytes(32)))
		err = os.WriteFile(keyPath, master, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("prepare development master key: %w", err)
	}
	ring, err := crypto.NewMasterKeyRing(strings.TrimSpace(string(master)))
	if err != nil {
		return nil, err
	}

	apiKey := hex.EncodeToString(randomBytes(16))
	sim := dokploysim.New(dokploysim.Config{APIKey: apiKey, Now: a.env.Now, QueueDelay: 500 * time.Millisecond, BuildDuration: time.Second})
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("listen for the Dokploy simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	d := &demo{simURL: "http://" + ln.Addr().String(), keyPath: keyPath, close: func() { srv.Close() }}
	if err := a.seedDemo(ctx, dbURL, ring, sim, d.simURL, apiKey); err != nil {
		d.close()
		return nil, fmt.Errorf("seed quickstart demo: %w", err)
	}
	return d, nil
}

func (a *app) seedDemo(ctx context.Context, dbURL string, ring *crypto.KeyRing, sim *dokploysim.Sim, simURL, apiKey string) error {
	s, err := sqlstore.OpenMigrated(ctx, dbURL, sqlstore.Options{Now: a.env.Now})
	if err != nil {
		return err
	}
	defer s.Close()
	sec := secrets.New(s, ring, a.env.Now, rand.Reader)
	for key, value := range map[string]string{targets.KeyDokployHost: simURL, targets.KeyDokployToken: apiKey} {
		if _, err := sec.Put(ctx, secrets.PutInput{
			Scope: record.SecretScopeGlobal, Integration: targets.IntegrationDokploy, Name: strings.ToLower(strings.ReplaceAll(key, "_", "-")),
			BindingKey: key, Value: crypto.Redacted(value), Description: "quickstart Dokploy simulator", Actor: "quickstart", Source: "quickstart",
		}); err != nil {
			return err
		}
	}
	client, err := dokploy.New(dokploy.Config{BaseURL: simURL, APIKey: apiKey})
	if err != nil {
		return err
	}
	stamp := record.FormatTime(a.env.Now())
	lanes := []map[string]any{}
	for _, lane := range record.TrackedLanes {
		app, err := client.CreateApplication(ctx, dokploy.CreateApplicationInput{Name: demoContext + "-" + lane, EnvironmentID: sim.DefaultEnvironmentID()})
		if err != nil {
			return err
		}
		t := record.DokployTarget{
			SchemaVersion: 1, Context: demoContext, Instance: lane, ProjectName: demoContext, TargetType: record.TargetApplication,
			TargetName: demoContext + "-" + lane, SourceGitRef: "origin/main", HealthcheckEnabled: true, HealthcheckPath: "/api/health",
			Domains: []string{simURL + dokploysim.AppPath(app.ApplicationID)}, UpdatedAt: stamp, SourceLabel: "quickstart",
		}
		id := record.DokployTargetID{SchemaVersion: 1, Context: demoContext, Instance: lane, TargetID: app.ApplicationID, UpdatedAt: stamp, SourceLabel: "quickstart"}
		row, _ := record.ProjectProviderTarget(t, id)
		lanes = append(lanes, map[string]any{"instance": lane, "context": demoContext, "base_url": simURL + dokploysim.AppPath(app.ApplicationID)})
		err = s.Update(ctx, func(tx store.Tx) error {
			if err := tx.DokployTargetPut(ctx, t); err != nil {
				return err
			}
			if err := tx.DokployTargetIDPut(ctx, id); err != nil {
				return err
			}
			return tx.ProviderTargetPut(ctx, row)
		})
		if err != nil {
			return err
		}
	}
	if err := a.seedDemoProfile(ctx, s, lanes); err != nil {
		return err
	}
	ev := evidence.New(s, a.env.Now)
	for _, m := range demoArtifacts {
		if _, err := ev.IngestArtifact(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// seedDemoProfile writes product demo's profile: the simulator
// applications re-created on this start are its lanes' base URLs, so every
// start rewrites it. The first start (no profile yet) also stores the
// greeting its expected_config names, so a live-target runtime sync of a
// demo lane has a key to write.
func (a *app) seedDemoProfile(ctx context.Context, s store.Store, lanes []map[string]any) error {
	raw, err := json.Marshal(map[string]any{
		"product": demoProduct, "display_name": "Demo", "repository": "example/demo", "driver_id": "generic-web",
		"image": map[string]any{"repository": "ghcr.io/example/demo"}, "runtime_port": 8080, "health_path": "/api/health",
		"lanes":           lanes,
		"expected_config": map[string]any{"runtime_environment_keys": []map[string]any{{"key": demoGreeting, "context": demoContext}}},
		"source":          "quickstart",
	})
	if err != nil {
		return err
	}
	p, err := products.DecodeInput(raw, "quickstart")
	if err != nil {
		return err
	}
	res, err := products.New(s, a.env.Now).Upsert(ctx, products.UpsertInput{Profile: p})
	if err != nil {
		return err
	}
	if res.Action != products.ActionCreated {
		return nil
	}
	env := runtimeenv.New(s, a.env.Now, nil)
	for _, lane := range record.TrackedLanes {
		// Instance records: resolving a lane needs one.
		if _, err := env.Put(ctx, runtimeenv.Route{Scope: record.ScopeInstance, Context: demoContext, Instance: lane},
			map[string]any{demoGreeting: "Hello from the Launchplane demo (" + lane + ")"}, "quickstart"); err != nil {
			return err
		}
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// demoWalkthrough is the banner section that ships, gates, promotes and
// rolls back on the demo lanes. Every line runs as printed.
func demoWalkthrough(dir, apiURL, simURL, now string) string {
	db := "sqlite:" + filepath.Join(dir, "launchplane.db")
	key := filepath.Join(dir, masterKeyFile)
	return fmt.Sprintf(`Ship, gate, promote and roll back the demo product (Dokploy simulator at %s):

  export LAUNCHPLANE_DATABASE_URL=%s
  export LAUNCHPLANE_MASTER_ENCRYPTION_KEY_FILE=%s
  go run ./cmd/launchplane ship resolve --context demo --instance testing --artifact-id demo-1 | go run ./cmd/launchplane ship execute --input-file -
  curl -sS -X POST %s/v1/evidence/backup-gates -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"schema_version":1,"product":"demo","backup_gate":{"record_id":"backup-demo-prod-1","context":"demo","instance":"prod","created_at":"%s","source":"quickstart","status":"pass","evidence":{"snapshot":"demo-prod-db"}}}'
  go run ./cmd/launchplane promote resolve --context demo --from-instance testing --instance prod --artifact-id demo-1 --backup-record-id backup-demo-prod-1 | go run ./cmd/launchplane promote execute --input-file -
  go run ./cmd/launchplane ship resolve --context demo --instance testing --artifact-id demo-2 | go run ./cmd/launchplane ship execute --input-file -
  curl -sS -X POST %s/v1/evidence/backup-gates -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"schema_version":1,"product":"demo","backup_gate":{"record_id":"backup-demo-prod-2","context":"demo","instance":"prod","created_at":"%s","source":"quickstart","status":"pass","evidence":{"snapshot":"demo-prod-db"}}}'
  go run ./cmd/launchplane promote resolve --context demo --from-instance testing --instance prod --artifact-id demo-2 --backup-record-id backup-demo-prod-2 | go run ./cmd/launchplane promote execute --input-file -
  go run ./cmd/launchplane rollback resolve --context demo --instance prod --artifact-id demo-1 --reason "demo rollback" | go run ./cmd/launchplane rollback execute --input-file -
  go run ./cmd/launchplane inventory show --context demo --instance prod
`, simURL, db, key, apiURL, now, apiURL, now)
}
