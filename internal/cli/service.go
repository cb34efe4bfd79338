package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/server"
)

// Environment variables the service reads.
const (
	envServiceAudience = "LAUNCHPLANE_SERVICE_AUDIENCE"
	envOIDCIssuer      = "LAUNCHPLANE_GITHUB_OIDC_ISSUER"
	envImageReference  = "DOCKER_IMAGE_REFERENCE"
	envGitHubAPIURL    = "LAUNCHPLANE_GITHUB_API_URL"
)

func (a *app) serviceCommand() *cobra.Command {
	var (
		policyFile  string
		audience    string
		host        string
		port        int
		metricsAddr string
	)
	serve := &cobra.Command{
		Use:   "serve --database-url URL --policy-file FILE --audience AUD [--host 127.0.0.1] [--port 8080]",
		Short: "Run the HTTP service (GitHub OIDC, DB-backed authorization, evidence ingress)",
		Long: `Run Launchplane's HTTP service. It migrates the database, seeds the
authorization policy from the bootstrap source when the database has none,
discovers the OIDC issuer, and serves /v1 plus /metrics. SIGTERM drains
in-flight requests and exits 0.

Required, with no defaults (the service refuses to start without them):
  database   --database-url or LAUNCHPLANE_DATABASE_URL
  policy     --policy-file, LAUNCHPLANE_POLICY_TOML, LAUNCHPLANE_POLICY_B64
             or LAUNCHPLANE_POLICY_FILE (first set wins, in that order)
  audience   --audience or LAUNCHPLANE_SERVICE_AUDIENCE

Optional environment:
  LAUNCHPLANE_GITHUB_OIDC_ISSUER   issuer to trust instead of GitHub Actions
  LAUNCHPLANE_{LOCAL_ADMIN,LOCAL_OPERATOR,TERMINAL_AGENT_READ}_TOKEN
      (or _TOKEN_FILE) with _SUBJECT and _TOKEN_LABEL: owner-agent tokens
  DOCKER_IMAGE_REFERENCE           reported by GET /v1/service/runtime
  LAUNCHPLANE_MASTER_ENCRYPTION_KEY (or _FILE), LAUNCHPLANE_SECRET_KEYS_JSON
      (or _FILE): keys for managed secrets; without one, secret writes
      are refused`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := server.ServiceConfig{
				DatabaseURL:          firstNonBlank(a.databaseURL, a.env.Getenv(envDatabase)),
				Policy:               authz.BootstrapSourceFromEnv(a.env.Getenv),
				Audience:             firstNonBlank(audience, a.env.Getenv(envServiceAudience)),
				Issuer:               a.env.Getenv(envOIDCIssuer),
				Host:                 host,
				Port:                 port,
				MetricsAddr:          metricsAddr,
				DockerImageReference: a.env.Getenv(envImageReference),
				GitHubAPIURL:         a.env.Getenv(envGitHubAPIURL),
				Now:                  a.env.Now,
				Logger:               slog.New(slog.NewJSONHandler(a.env.Stderr, nil)),
			}
			cfg.Policy.PolicyFile = policyFile
			var err error
			if cfg.LocalAdmin, err = a.staticToken("LAUNCHPLANE_LOCAL_ADMIN"); err != nil {
				return err
			}
			if cfg.LocalOperator, err = a.staticToken("LAUNCHPLANE_LOCAL_OPERATOR"); err != nil {
				return err
			}
			if cfg.TerminalAgent, err = a.staticToken("LAUNCHPLANE_TERMINAL_AGENT_READ"); err != nil {
				return err
			}
			ring, err := crypto.LoadKeyRing(a.env.Getenv, nil)
			switch {
			case errors.Is(err, crypto.ErrNoKey):
				// The service runs without one; secret writes are refused.
			case err != nil:
				return err
			default:
				cfg.SecretKeys = ring
			}
			if a.rehearsal {
				return usageError{fmt.Errorf("service serve needs an explicit --database-url; --local-rehearsal is not shared authority")}
			}
			return server.RunService(cmd.Context(), cfg)
		},
	}
	f := serve.Flags()
	f.StringVar(&policyFile, "policy-file", "", "bootstrap authorization policy (TOML)")
	f.StringVar(&audience, "audience", "", "exact OIDC audience to accept (default $"+envServiceAudience+")")
	f.StringVar(&host, "host", "127.0.0.1", "listen host")
	f.IntVar(&port, "port", 8080, "listen port (0 picks a free one)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics on this host:port instead of the API listener")
	return group("service", "Run and configure the HTTP service", serve, a.renderAuthzPolicyCommand())
}

// staticToken reads an owner-agent token (PREFIX_TOKEN or PREFIX_TOKEN_FILE)
// with its PREFIX_SUBJECT and PREFIX_TOKEN_LABEL; nil when no token is set.
func (a *app) staticToken(prefix string) (*authn.StaticToken, error) {
	token := strings.TrimSpace(a.env.Getenv(prefix + "_TOKEN"))
	if path := strings.TrimSpace(a.env.Getenv(prefix + "_TOKEN_FILE")); path != "" {
		if token != "" {
			return nil, fmt.Errorf("set %s_TOKEN or %s_TOKEN_FILE, not both", prefix, prefix)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s_TOKEN_FILE: %w", prefix, err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return nil, nil
	}
	return &authn.StaticToken{Token: token, Subject: a.env.Getenv(prefix + "_SUBJECT"), TokenLabel: a.env.Getenv(prefix + "_TOKEN_LABEL")}, nil
}

func firstNonBlank(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
