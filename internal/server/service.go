package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/api"
	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/authz"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/driver/genericweb"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

// ServiceConfig is everything `launchplane service serve` needs, loaded and
// validated once by the caller. It holds static tokens; never log it whole.
type ServiceConfig struct {
	DatabaseURL string
	// Policy is the bootstrap policy source; it seeds the first DB record.
	Policy               authz.BootstrapSource
	Audience             string
	Issuer               string
	Host                 string
	Port                 int
	MetricsAddr          string
	LocalAdmin           *authn.StaticToken
	LocalOperator        *authn.StaticToken
	TerminalAgent        *authn.StaticToken
	DockerImageReference string
	// GitHubAPIURL is the GitHub REST root driver workflows dispatch
	// through (LAUNCHPLANE_GITHUB_API_URL); empty means api.github.com.
	GitHubAPIURL string
	// SecretKeys opens and seals managed secrets; nil when no key is
	// configured (secret writes are then refused with a clear error).
	SecretKeys *crypto.KeyRing
	Now        func() time.Time
	Logger     *slog.Logger
	// Ready, when set, receives the bound address once the service listens.
	Ready func(addr string)
}

// ErrMissingConfig marks a required setting that was not given.
var ErrMissingConfig = errors.New("missing required configuration")

// Validate reports every missing input at once, naming flags and variables.
func (c ServiceConfig) Validate() error {
	var missing []string
	if strings.TrimSpace(c.DatabaseURL) == "" {
		missing = append(missing, "--database-url (or LAUNCHPLANE_DATABASE_URL)")
	}
	if strings.TrimSpace(c.Audience) == "" {
		missing = append(missing, "--audience (or LAUNCHPLANE_SERVICE_AUDIENCE)")
	}
	if c.Policy == (authz.BootstrapSource{}) {
		missing = append(missing, "a bootstrap policy (--policy-file, LAUNCHPLANE_POLICY_TOML, LAUNCHPLANE_POLICY_B64 or LAUNCHPLANE_POLICY_FILE)")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("--port %d is not a TCP port", c.Port)
	}
	if len(missing) > 0 {
		return fmt.Errorf("refusing to start without %s: %w", strings.Join(missing, ", "), ErrMissingConfig)
	}
	return nil
}

// RunService migrates the database, seeds the policy, discovers the OIDC
// issuer and serves the API until ctx ends.
func RunService(ctx context.Context, cfg ServiceConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Issuer == "" {
		cfg.Issuer = authn.GitHubIssuer
	}
	log := cfg.Logger
	bootstrap, label, err := authz.LoadBootstrap(cfg.Policy)
	if err != nil {
		return err
	}
	bootstrapJSON, err := json.Marshal(bootstrap)
	if err != nil {
		return fmt.Errorf("encode bootstrap policy: %w", err)
	}
	bootstrapSHA, err := record.PolicySHA256(bootstrapJSON)
	if err != nil {
		return fmt.Errorf("hash bootstrap policy: %w", err)
	}
	s, err := sqlstore.OpenMigrated(ctx, cfg.DatabaseURL, sqlstore.Options{Now: cfg.Now})
	if err != nil {
		return err
	}
	defer s.Close()
	// A one-second cache keeps the policy read off every request; grants
	// through this replica drop it at once, other replicas' within a second.
	authority := authz.NewAuthority(s, cfg.Now).WithCacheTTL(time.Second)
	active, seeded, err := authority.Seed(ctx, bootstrap, label)
	if err != nil {
		return err
	}
	log.Info("authorization policy ready", slog.String("record_id", active.Record.RecordID),
		slog.String("policy_sha256", active.Record.PolicySHA256), slog.Bool("seeded_from_bootstrap", seeded))
	authenticator, err := authn.New(ctx, authn.Config{
		Issuer: cfg.Issuer, Audience: cfg.Audience,
		LocalAdmin: cfg.LocalAdmin, LocalOperator: cfg.LocalOperator, TerminalAgent: cfg.TerminalAgent,
		Now: cfg.Now,
	})
	if err != nil {
		return err
	}
	drivers := driver.PendingHandlers(driver.Builtin())
	maps.Copy(drivers, genericweb.Handlers(genericweb.Wire(s, cfg.SecretKeys, cfg.Now, genericweb.Options{GitHubAPIURL: cfg.GitHubAPIURL})))
	handler, err := api.NewChecked(api.Deps{
		DriverHandlers: drivers,
		Store:          s,
		Evidence:       evidence.New(s, cfg.Now),
		Authn:          authenticator,
		Authz:          api.PolicyAuthorizer{Authority: authority},
		SecretKeys:     cfg.SecretKeys,
		Runtime: api.Runtime{
			ServiceAudience:       cfg.Audience,
			DockerImageReference:  cfg.DockerImageReference,
			BootstrapPolicySHA256: bootstrapSHA,
			Policy: func(ctx context.Context) (string, string, error) {
				act, err := authority.Active(ctx)
				if err != nil {
					return "", "", err
				}
				return act.Record.PolicySHA256, act.Source, nil
			},
		},
		Now:    cfg.Now,
		Logger: log,
	})
	if err != nil {
		return err
	}
	return Run(ctx, Config{
		Addr:        net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		MetricsAddr: cfg.MetricsAddr,
		Handler:     handler.Handler(),
		RouteOf:     handler.Route,
		Logger:      log,
		Ready:       cfg.Ready,
	})
}
