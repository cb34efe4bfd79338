package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/dokploysim"
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
	return group("dev", "Development helpers for the quickstart", token, a.dokploySimCommand())
}

// dokploySimCommand serves the in-memory Dokploy simulator until the
// process is interrupted.
func (a *app) dokploySimCommand() *cobra.Command {
	var (
		host, apiKey      string
		port              int
		queue, build, job time.Duration
	)
	cmd := &cobra.Command{
		Use:   "dokploy-sim --api-key K [--host 127.0.0.1] [--port 0] [--queue-delay 1s] [--build-duration 3s] [--job-duration 2s]",
		Short: "Serve a contract-faithful, in-memory Dokploy API simulator for local rehearsal",
		Long: `Serve the Dokploy API simulator (package internal/dokploysim) on
http://HOST:PORT: the real /api/<router>.<procedure> paths, the x-api-key
gate, tRPC error shapes and a clocked deploy queue whose applications go
live only when a deploy finishes "done". Fault injection lives under
/__sim/ (see docs/dokploy.md). State is in memory and lost on exit.

Prints one JSON line {"status", "url"} on stdout once listening (the key is
not echoed), then serves until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if apiKey == "" {
				return usageError{fmt.Errorf("--api-key is required")}
			}
			if queue < 0 || build < 0 || job < 0 {
				return usageError{fmt.Errorf("--queue-delay, --build-duration and --job-duration must not be negative")}
			}
			ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				return fmt.Errorf("listen for dokploy-sim: %w", err)
			}
			sim := dokploysim.New(dokploysim.Config{APIKey: apiKey, Now: a.env.Now, QueueDelay: queue, BuildDuration: build, JobDuration: job})
			srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			if err := a.printJSON(map[string]any{"status": "ok", "url": "http://" + ln.Addr().String()}); err != nil {
				srv.Close()
				return err
			}
			select {
			case err := <-served:
				return fmt.Errorf("serve dokploy-sim: %w", err)
			case <-cmd.Context().Done():
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&apiKey, "api-key", "", "the x-api-key the simulator accepts")
	f.StringVar(&host, "host", "127.0.0.1", "listen host")
	f.IntVar(&port, "port", 0, "listen port (0 picks a free one)")
	f.DurationVar(&queue, "queue-delay", time.Second, "time a deploy waits in the queue before its row appears")
	f.DurationVar(&build, "build-duration", 3*time.Second, "time from running to done")
	f.DurationVar(&job, "job-duration", 2*time.Second, "time a schedule run (schedule.runManually) takes")
	return cmd
}
