package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
	"github.com/launchplane/launchplane/internal/targets"
)

// execution commands: `<kind> resolve` prints a request, `<kind> plan`
// checks it against stored records without calling the provider, and
// `<kind> execute` runs it. Progress goes to stderr, the result to stdout.

func (a *app) shipCommand() *cobra.Command {
	return group("ship", "Deploy an exact artifact to a tracked lane",
		a.resolveCommand(deploy.KindShip), a.planCommand(deploy.KindShip), a.executeCommand(deploy.KindShip))
}

func (a *app) promoteCommand() *cobra.Command {
	return group("promote", "Promote the artifact a lane runs to another lane, gated on backup evidence",
		a.promoteRecordCommand(), a.resolveCommand(deploy.KindPromote), a.planCommand(deploy.KindPromote), a.executeCommand(deploy.KindPromote))
}

func (a *app) rollbackCommand() *cobra.Command {
	return group("rollback", "Redeploy a known-good earlier artifact to a lane, with rollback provenance",
		a.resolveCommand(deploy.KindRollback), a.planCommand(deploy.KindRollback), a.executeCommand(deploy.KindRollback))
}

// resolveCommand builds a request from flags and prints it.
func (a *app) resolveCommand(kind string) *cobra.Command {
	req := deploy.NewRequest(kind)
	var noWait, noVerify bool
	cmd := &cobra.Command{
		Use:   "resolve --context C --instance I --artifact-id A [flags]",
		Short: "Print the " + kind + " request for these flags (feed it to plan or execute)",
		Long: `Build a ` + kind + ` request from flags and print it as JSON. Nothing is read or
written; "plan --input-file" checks the request against stored records and
"execute --input-file" runs it. --instance is the destination lane.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Wait, req.VerifyHealth = !noWait, !noVerify
			if err := req.Validate(); err != nil {
				return usageError{err}
			}
			return a.printJSON(req)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Context, "context", "", "product context")
	f.StringVar(&req.Instance, "instance", "", "destination lane: testing or prod")
	f.StringVar(&req.ArtifactID, "artifact-id", "", "stored artifact manifest to deploy")
	f.StringVar(&req.SourceGitRef, "source-ref", "", "source git ref for the evidence (default: the manifest's source commit)")
	f.BoolVar(&noWait, "no-wait", false, "trigger the deploy without waiting (ship only; no inventory or tuple is written)")
	f.IntVar(&req.TimeoutSeconds, "timeout", 0, "deploy wait timeout in seconds (default: the target's, else 600)")
	f.BoolVar(&noVerify, "no-verify-health", false, "skip health and runtime-identity verification")
	f.IntVar(&req.HealthTimeoutSeconds, "health-timeout", 0, "health timeout in seconds (default: the target's, else 180)")
	f.StringSliceVar(&req.HealthURLs, "health-url", nil, "health URL (repeatable; alternates, the first 2xx wins; default: the target's domains + health path)")
	f.BoolVar(&req.NoCache, "no-cache", false, "redeploy without the build cache")
	f.BoolVar(&req.DryRun, "dry-run", false, "mark the request as a dry run: execute then only plans")
	switch kind {
	case deploy.KindPromote:
		f.StringVar(&req.FromInstance, "from-instance", "", "source lane whose release tuple must match the artifact")
		f.StringVar(&req.BackupRecordID, "backup-record-id", "", "stored passing backup gate of the destination lane")
		_ = cmd.MarkFlagRequired("from-instance")
		_ = cmd.MarkFlagRequired("backup-record-id")
	case deploy.KindShip:
		f.StringVar(&req.BackupRecordID, "backup-record-id", "", "passing backup gate of the destination lane (required when its target demands one)")
	case deploy.KindRollback:
		f.StringVar(&req.Reason, "reason", "", "why the lane is rolled back (recorded)")
		_ = cmd.MarkFlagRequired("reason")
	}
	for _, name := range []string{"context", "instance", "artifact-id"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// planCommand runs a request as a dry run: every stored-record check, no
// provider call, no write.
func (a *app) planCommand(kind string) *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "plan --input-file request.json",
		Short: "Check a " + kind + " request against stored records without calling Dokploy",
		Long: `Check the request's preconditions (stored manifest, tracked target, backup gate
and source tuple for promotions, known-good artifact for rollbacks, health
URLs) and print what execute would do: image reference, env key names,
record ids. Nothing is written and Dokploy is not called.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := a.readRequest(input, kind)
			if err != nil {
				return err
			}
			req.DryRun = true
			return a.runExecution(cmd, req)
		},
	}
	cmd.Flags().StringVar(&input, "input-file", "", "request JSON from resolve ('-' for stdin)")
	_ = cmd.MarkFlagRequired("input-file")
	return cmd
}

func (a *app) executeCommand(kind string) *cobra.Command {
	var input string
	cmd := &cobra.Command{
		Use:   "execute --input-file request.json",
		Short: "Run a " + kind + " request against the tracked Dokploy target and record the evidence",
		Long: `Run the request: check every precondition (a refusal calls nothing and writes
nothing), point the target at repository@digest with the runtime identity
breadcrumb, trigger the deploy, wait for that deployment (not an older or
foreign one), verify health and runtime identity, and record the attempt —
failed attempts too. Only a successful waited execution moves the lane's
inventory and release tuple. Dokploy credentials come from the managed
secrets DOKPLOY_HOST and DOKPLOY_TOKEN (integration dokploy, global);
LAUNCHPLANE_MASTER_ENCRYPTION_KEY must be set to read them.

Progress goes to stderr (a bar on a terminal, timestamped lines otherwise);
the result JSON goes to stdout. Exit 1 when refused or failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := a.readRequest(input, kind)
			if err != nil {
				return err
			}
			return a.runExecution(cmd, req)
		},
	}
	cmd.Flags().StringVar(&input, "input-file", "", "request JSON from resolve ('-' for stdin)")
	_ = cmd.MarkFlagRequired("input-file")
	return cmd
}

func (a *app) readRequest(input, kind string) (deploy.Request, error) {
	raw, err := a.readInput(input)
	if err != nil {
		return deploy.Request{}, err
	}
	req, err := deploy.DecodeRequest(raw)
	if err != nil {
		return deploy.Request{}, err
	}
	if req.Kind != kind {
		return deploy.Request{}, fmt.Errorf("the request is a %s request, not %s", req.Kind, kind)
	}
	return req, nil
}

func (a *app) runExecution(cmd *cobra.Command, req deploy.Request) error {
	s, err := a.openStore(cmd, authority)
	if err != nil {
		return err
	}
	defer s.Close()
	exec := deploy.New(deploy.Config{
		Store: s, Now: a.env.Now, Client: a.dokployClient(s),
		Progress: newProgress(a.env.Stderr, a.env.Now).event,
	})
	res, err := exec.Execute(cmd.Context(), req)
	if errors.Is(err, deploy.ErrFailed) {
		// The attempt ran and was recorded: print its evidence, then fail.
		if perr := a.printJSON(res); perr != nil {
			return perr
		}
		return reportedError{msg: err.Error()}
	}
	if err != nil {
		return err
	}
	return a.printJSON(res)
}

// dokployClient resolves the Dokploy client from managed secrets when
// execution first needs it.
func (a *app) dokployClient(s *sqlstore.Store) func(ctx context.Context) (*dokploy.Client, error) {
	return func(ctx context.Context) (*dokploy.Client, error) {
		ring, err := crypto.LoadKeyRing(a.env.Getenv, nil)
		if err != nil {
			return nil, fmt.Errorf("read dokploy credentials: %w", err)
		}
		return targets.DokployClient(ctx, secrets.New(s, ring, a.env.Now, nil).Integration, dokploy.Config{})
	}
}

// progress renders execution events: a redrawn bar on a terminal,
// timestamped lines otherwise (CI logs, pipes).
type progress struct {
	w   io.Writer
	now func() time.Time
	tty bool
}

func newProgress(w io.Writer, now func() time.Time) *progress {
	p := &progress{w: w, now: now}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) event(e deploy.Event) {
	if !p.tty {
		fmt.Fprintf(p.w, "%s [%d/%d] %s: %s\n", p.now().UTC().Format(time.RFC3339), e.Step, e.Steps, e.Stage, e.Detail)
		return
	}
	const width = 24
	filled := width * e.Step / e.Steps
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat("-", width-filled), e.Step, e.Steps, e.Stage)
	if e.Step == e.Steps {
		fmt.Fprintln(p.w)
	}
}

// promoteRecordCommand stores externally produced promotion evidence from
// flags (the deploy ran elsewhere); linkage refreshes inventory as any
// promotion evidence does.
func (a *app) promoteRecordCommand() *cobra.Command {
	var p record.Promotion
	var artifactID, targetName, targetType, deployMode, deploymentID, deploymentRecordID, deployStatus string
	cmd := &cobra.Command{
		Use:   "record --record-id ID --artifact-id A --context C --from-instance F --to-instance T --target-name N --target-type T --deploy-mode M",
		Short: "Store promotion evidence for a deploy that ran elsewhere (local rehearsal)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p.SchemaVersion = 1
			p.ArtifactIdentity = &record.ArtifactIdentity{ArtifactID: artifactID, ManifestVersion: 1}
			p.DeploymentRecordID = deploymentRecordID
			p.BackupGate = record.BackupGateEvidence{Required: true, Status: record.StatusPending, Evidence: map[string]string{}}
			if p.BackupRecordID != "" {
				p.BackupGate.Status = record.StatusPass
			}
			p.Deploy = record.DeploymentEvidence{TargetName: targetName, TargetType: targetType, DeployMode: deployMode, DeploymentID: deploymentID, Status: deployStatus}
			p.SourceHealth = record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped}
			p.DestinationHealth, p.RollbackHealth = p.SourceHealth, p.SourceHealth
			p.PostDeployUpdate = record.PostDeployUpdateEvidence{Status: record.StatusSkipped}
			p.Rollback = record.RollbackEvidence{Status: record.StatusSkipped}
			if err := p.Validate(); err != nil {
				return usageError{err}
			}
			return a.withService(cmd, rehearsalOnly, func(ctx context.Context, svc *evidence.Service, _ *sqlstore.Store) error {
				res, err := svc.IngestPromotion(ctx, p)
				if err != nil {
					return err
				}
				return a.printOK(res)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.RecordID, "record-id", "", "promotion record id")
	f.StringVar(&artifactID, "artifact-id", "", "promoted artifact")
	f.StringVar(&p.BackupRecordID, "backup-record-id", "", "backup gate that cleared the promotion")
	f.StringVar(&p.Context, "context", "", "product context")
	f.StringVar(&p.FromInstance, "from-instance", "", "source lane")
	f.StringVar(&p.ToInstance, "to-instance", "", "destination lane")
	f.StringVar(&targetName, "target-name", "", "destination target name")
	f.StringVar(&targetType, "target-type", "", "compose or application")
	f.StringVar(&deployMode, "deploy-mode", "", "how the deploy ran")
	f.StringVar(&deploymentID, "deployment-id", "", "provider deployment id")
	f.StringVar(&deploymentRecordID, "deployment-record-id", "", "linked deployment record; with a passing linked deploy the destination inventory and tuple follow")
	f.StringVar(&deployStatus, "deploy-status", record.StatusPending, "outcome of the deploy: pending, pass, fail or skipped")
	for _, name := range []string{"record-id", "artifact-id", "context", "from-instance", "to-instance", "target-name", "target-type", "deploy-mode"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}
