package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/oidctest"
	"github.com/launchplane/launchplane/internal/server"
)

// Quickstart defaults: a development workflow identity and audience.
const (
	devRepository  = "example/app"
	devWorkflowRef = "example/app/.github/workflows/deploy.yml@refs/heads/main"
	devAudience    = "launchplane-quickstart"
	devTokenTTL    = 12 * time.Hour
	devIssuerFile  = "dev-issuer.json"
	devOIDCDir     = "oidc"
)

// devPolicy lets the development workflow record and read evidence for any
// product and context, and administer the policy. It is written to the
// quickstart directory and only ever seeds that directory's database.
const devPolicy = `# Development policy written by "launchplane quickstart". It trusts the
# local development issuer's example/app workflow; never use it elsewhere.
schema_version = 1

[[github_actions]]
repository = "example/app"
workflow_refs = ["example/app/.github/workflows/*@*"]
products = ["*"]
contexts = ["*"]
actions = [
  "deployment.write", "backup_gate.write", "promotion.write",
  "preview_generation.write", "preview_destroyed.write",
  "deployment.read", "promotion.read", "inventory.read", "preview.read",
  "operations.read", "artifact_protection.read", "launchplane_service.read",
  "authz_policy_grant.write",
]
`

// devIssuer is what the quickstart records for "launchplane dev token".
type devIssuer struct {
	IssuerURL string `json:"issuer_url"`
	Audience  string `json:"audience"`
	APIURL    string `json:"api_url"`
}

func (a *app) quickstartCommand() *cobra.Command {
	var (
		dir  string
		host string
		port int
	)
	cmd := &cobra.Command{
		Use:   "quickstart [--dir .launchplane] [--port 8080]",
		Short: "Run the Launchplane service locally on SQLite with a development OIDC issuer and a Dokploy simulator",
		Long: `Run the Launchplane service on the embedded SQLite database in --dir,
with a local development OIDC issuer standing in for GitHub Actions and a
development policy that trusts its example/app workflow. Prints the API URL,
a ready bearer token and curl commands that post deployment evidence and
read the lane's inventory back. Ctrl-C stops it; state stays in --dir.

It also starts an in-process Dokploy simulator and seeds a demo product
(context "demo", testing and prod lanes tracked on the simulator, artifacts
demo-1 and demo-2, the simulator's credentials as managed dokploy secrets
under a development master key in --dir/master.key) and prints a
walkthrough: ship to testing, record a backup gate, promote to prod, roll
back. The simulator's state is in memory and is re-seeded on every start.

The development issuer is trusted only because quickstart configures it;
"service serve" trusts GitHub Actions (or LAUNCHPLANE_GITHUB_OIDC_ISSUER)
and never this issuer by accident. Mint more tokens with
"launchplane dev token".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runQuickstart(cmd.Context(), dir, host, port)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".launchplane", "directory for the database, issuer key and policy")
	cmd.Flags().StringVar(&host, "host", "127.0.0.1", "listen host")
	cmd.Flags().IntVar(&port, "port", 8080, "API port (0 picks a free one)")
	return cmd
}

func (a *app) runQuickstart(ctx context.Context, dir, host string, port int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create quickstart dir: %w", err)
	}
	policyPath := filepath.Join(dir, "dev-policy.toml")
	if err := os.WriteFile(policyPath, []byte(devPolicy), 0o600); err != nil {
		return fmt.Errorf("write development policy: %w", err)
	}

	// The issuer listens first: the service runs OIDC discovery against it
	// at start-up.
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return fmt.Errorf("listen for development issuer: %w", err)
	}
	issuerURL := "http://" + ln.Addr().String()
	issuer, err := oidctest.Load(filepath.Join(dir, devOIDCDir), issuerURL, a.env.Now)
	if errors.Is(err, fs.ErrNotExist) {
		if issuer, err = oidctest.New(issuerURL, a.env.Now); err == nil {
			err = issuer.Save(filepath.Join(dir, devOIDCDir))
		}
	}
	if err != nil {
		ln.Close()
		return fmt.Errorf("prepare development issuer: %w", err)
	}
	issuerSrv := &http.Server{Handler: issuer.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go issuerSrv.Serve(ln)
	defer issuerSrv.Close()

	dbURL := "sqlite:" + filepath.Join(dir, "launchplane.db")
	demo, err := a.startDemo(ctx, dir, host, dbURL)
	if err != nil {
		return err
	}
	defer demo.close()

	cfg := server.ServiceConfig{
		DatabaseURL: dbURL,
		Policy:      authz.BootstrapSource{PolicyFile: policyPath},
		Audience:    devAudience,
		Issuer:      issuerURL,
		Host:        host,
		Port:        port,
		Now:         a.env.Now,
		Logger:      slog.New(slog.NewJSONHandler(a.env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Ready: func(addr string) {
			apiURL := "http://" + addr
			info := devIssuer{IssuerURL: issuerURL, Audience: devAudience, APIURL: apiURL}
			if b, err := json.MarshalIndent(info, "", "  "); err == nil {
				_ = os.WriteFile(filepath.Join(dir, devIssuerFile), b, 0o600)
			}
			token, err := mintDevToken(issuer, devRepository, devWorkflowRef, a.env.Now().Add(devTokenTTL))
			if err != nil {
				fmt.Fprintf(a.env.Stderr, "Error: mint development token: %v\n", err)
				return
			}
			a.printQuickstartBanner(dir, apiURL, issuerURL, token, demo.simURL)
		},
	}
	return server.RunService(ctx, cfg)
}

func mintDevToken(issuer *oidctest.Issuer, repository, workflowRef string, expiry time.Time) (string, error) {
	claims := oidctest.DefaultClaims(repository, workflowRef, devAudience)
	claims.Expiry = expiry
	return issuer.Mint(claims)
}

func (a *app) printQuickstartBanner(dir, apiURL, issuerURL, token, simURL string) {
	w := a.env.Stdout
	fmt.Fprintf(w, `Launchplane is running on SQLite (%s).

  API      %s
  Issuer   %s  (development only)
  Identity repository %s, workflow %s

Ready token (valid %s; more with: go run ./cmd/launchplane dev token):

  export TOKEN=%s

Record deployment evidence:

  curl -sS -X POST %s/v1/evidence/deployments \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d '{"schema_version":1,"product":"demo","deployment":{"record_id":"deployment-quickstart-1","context":"demo","instance":"testing","source_git_ref":"main","deploy":{"target_name":"demo-testing","target_type":"application","deploy_mode":"quickstart","status":"pass","finished_at":"%s"}}}'

Read the lane's inventory back:

  curl -sS %s/v1/inventory/demo/testing -H "Authorization: Bearer $TOKEN"

%s
Stop with Ctrl-C; state stays in %s (the simulator's state is in memory).
`, filepath.Join(dir, "launchplane.db"), apiURL, issuerURL, devRepository, devWorkflowRef, devTokenTTL, token,
		apiURL, a.env.Now().UTC().Format(time.RFC3339), apiURL,
		demoWalkthrough(dir, apiURL, simURL, a.env.Now().UTC().Format(time.RFC3339)), dir)
}
