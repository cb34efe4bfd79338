package targets

import (
	"context"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/dokploy"
)

// Dokploy credentials live in managed secrets of integration "dokploy",
// global scope, under these binding keys — never in process env or files.
const (
	IntegrationDokploy = "dokploy"
	KeyDokployHost     = "DOKPLOY_HOST"
	KeyDokployToken    = "DOKPLOY_TOKEN"
)

// ErrNoCredentials means the Dokploy host or token secret is missing.
var ErrNoCredentials = fmt.Errorf("dokploy credentials are not configured")

// IntegrationSecrets resolves the global secrets of an integration into
// binding key → plaintext (secrets.Service.Integration).
type IntegrationSecrets func(ctx context.Context, integration string) (map[string]string, error)

// DokployClient builds a Dokploy client from the managed dokploy secrets.
// base carries transport settings (HTTP client, timeouts, retries); its
// BaseURL and APIKey are replaced by the secrets.
func DokployClient(ctx context.Context, resolve IntegrationSecrets, base dokploy.Config) (*dokploy.Client, error) {
	values, err := resolve(ctx, IntegrationDokploy)
	if err != nil {
		return nil, fmt.Errorf("resolve dokploy credentials: %w", err)
	}
	host, token := strings.TrimSpace(values[KeyDokployHost]), strings.TrimSpace(values[KeyDokployToken])
	var missing []string
	if host == "" {
		missing = append(missing, KeyDokployHost)
	}
	if token == "" {
		missing = append(missing, KeyDokployToken)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no global %s secret bound to %s (store it with launchplane secrets put --scope global --integration %s --binding-key KEY)",
			ErrNoCredentials, IntegrationDokploy, strings.Join(missing, " and "), IntegrationDokploy)
	}
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	base.BaseURL, base.APIKey = host, token
	c, err := dokploy.New(base)
	if err != nil {
		// The config error may not echo the host verbatim, but never the token.
		return nil, fmt.Errorf("configure dokploy client from managed secrets: %w", err)
	}
	return c, nil
}
