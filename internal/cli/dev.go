package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/oidctest"
)

func (a *app) devCommand() *cobra.Command {
	var (
		dir         string
		repository  string
		workflowRef string
		ttl         time.Duration
	)
	token := &cobra.Command{
		Use:   "token [--repository R] [--workflow-ref W] [--ttl 1h]",
		Short: "Mint a bearer token from the quickstart's development issuer (prints the raw token)",
		Long: `Mint a GitHub-Actions-shaped OIDC token signed by the development issuer
that "launchplane quickstart" runs, for the quickstart's audience. Prints
the raw token only, so it can be captured:

  export TOKEN=$(go run ./cmd/launchplane dev token)

Only a service configured with this issuer (the quickstart) accepts it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := os.ReadFile(filepath.Join(dir, devIssuerFile))
			if err != nil {
				return fmt.Errorf("read %s (start \"launchplane quickstart\" first): %w", filepath.Join(dir, devIssuerFile), err)
			}
			var info devIssuer
			if err := json.Unmarshal(raw, &info); err != nil {
				return fmt.Errorf("decode %s: %w", devIssuerFile, err)
			}
			issuer, err := oidctest.Load(filepath.Join(dir, devOIDCDir), info.IssuerURL, a.env.Now)
			if err != nil {
				return fmt.Errorf("load development issuer key: %w", err)
			}
			if ttl <= 0 || ttl > 7*24*time.Hour {
				return usageError{fmt.Errorf("--ttl must be between 1s and 168h")}
			}
			tok, err := mintDevToken(issuer, repository, workflowRef, a.env.Now().Add(ttl))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.env.Stdout, tok)
			return err
		},
	}
	f := token.Flags()
	f.StringVar(&dir, "dir", ".launchplane", "the quickstart directory")
	f.StringVar(&repository, "repository", devRepository, "repository claim")
	f.StringVar(&workflowRef, "workflow-ref", devWorkflowRef, "workflow_ref claim")
	f.DurationVar(&ttl, "ttl", time.Hour, "token lifetime")
	return group("dev", "Development helpers for the quickstart", token)
}
