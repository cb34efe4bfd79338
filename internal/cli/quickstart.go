package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore"
)

func (a *app) quickstartCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "quickstart",
		Short: "Run Launchplane locally on embedded SQLite and walk one artifact from testing to prod",
		Long: `Create (or reuse) the local rehearsal database <state-dir>/launchplane.db,
apply migrations, and record a complete release path for a demo product:
an artifact manifest, a testing deployment, the testing release tuple, a prod
backup gate, a prod deployment and the promotion that links them. Then
verify the evidence ledger and print the lanes. Progress goes to stderr, the
JSON summary to stdout. Safe to run again: evidence is re-recorded, the
manifest is immutable and kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.rehearsal = true
			if a.databaseURL != "" {
				return usageError{fmt.Errorf("quickstart always uses the local rehearsal database; drop --database-url")}
			}
			return a.withService(cmd, rehearsalOnly, a.runQuickstart)
		},
	}
}

func (a *app) runQuickstart(ctx context.Context, svc *evidence.Service, s *sqlstore.Store) error {
	step := func(format string, args ...any) {
		fmt.Fprintf(a.env.Stderr, "%s  %s\n", record.FormatTime(a.env.Now()), fmt.Sprintf(format, args...))
	}
	now := record.FormatTime(a.env.Now())
	const (
		ctxName = "demo"
		sha     = "5f1c0a7e9b3d4c2a1f0e9d8c7b6a5f4e3d2c1b0a"
		art     = "demo-web-5f1c0a7"
	)
	step("database %s (%s)", filepath.Join(a.stateDir, "launchplane.db"), s.Backend())
	m := record.ArtifactManifest{
		SchemaVersion: 1, ArtifactID: art, SourceCommit: sha,
		Image: record.ImageReference{Repository: "ghcr.io/example/demo-web", Digest: "sha256:" + sha + "0123456789abcdef01234567", Tags: []string{art}},
	}
	if _, err := svc.IngestArtifact(ctx, m); err != nil {
		return err
	}
	step("artifact manifest %s recorded", art)
	deploy := func(id, instance string) (record.Deployment, error) {
		d := record.Deployment{
			SchemaVersion: 1, RecordID: id, ArtifactIdentity: &record.ArtifactIdentity{ArtifactID: art, ManifestVersion: 1},
			Context: ctxName, Instance: instance, SourceGitRef: sha, WaitForCompletion: true, VerifyDestinationHealth: true,
			DelegatedExecutor: record.DelegatedExecutorDokploy,
			Deploy: record.DeploymentEvidence{TargetName: ctxName + "-" + instance, TargetType: record.TargetApplication,
				DeployMode: "quickstart", Status: record.StatusPass, StartedAt: now, FinishedAt: now},
			PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
			DestinationHealth: record.HealthcheckEvidence{Status: record.StatusSkipped},
		}
		_, err := svc.IngestDeployment(ctx, d)
		return d, err
	}
	if _, err := deploy("deployment-quickstart-demo-testing", record.ChannelTesting); err != nil {
		return err
	}
	step("deployed %s to %s/testing; inventory refreshed", art, ctxName)
	if _, err := svc.TupleFromDeployment(ctx, "deployment-quickstart-demo-testing"); err != nil {
		return err
	}
	step("minted release tuple %s", record.TupleID(ctxName, record.ChannelTesting, art))
	gate := record.BackupGate{SchemaVersion: 1, RecordID: "backup-gate-demo-prod-quickstart", Context: ctxName, Instance: record.ChannelProd,
		CreatedAt: now, Source: "launchplane-quickstart", Required: true, Status: record.StatusPass, Evidence: map[string]string{"snapshot": "quickstart"}}
	if err := svc.IngestBackupGate(ctx, gate); err != nil {
		return err
	}
	step("prod backup gate %s passed", gate.RecordID)
	prod, err := deploy("deployment-quickstart-demo-prod", record.ChannelProd)
	if err != nil {
		return err
	}
	promo := record.Promotion{
		SchemaVersion: 1, RecordID: "promotion-quickstart-demo-testing-to-prod",
		ArtifactIdentity: &record.ArtifactIdentity{ArtifactID: art, ManifestVersion: 1}, DeploymentRecordID: prod.RecordID,
		BackupRecordID: gate.RecordID, Context: ctxName, FromInstance: record.ChannelTesting, ToInstance: record.ChannelProd,
		SourceHealth: record.HealthcheckEvidence{Status: record.StatusSkipped},
		BackupGate:   record.BackupGateEvidence{Required: true, Status: record.StatusPass, Evidence: gate.Evidence},
		Deploy:       prod.Deploy, PostDeployUpdate: prod.PostDeployUpdate, DestinationHealth: prod.DestinationHealth,
		Rollback: record.RollbackEvidence{Status: record.StatusSkipped}, RollbackHealth: record.HealthcheckEvidence{Status: record.StatusSkipped},
	}
	res, err := svc.IngestPromotion(ctx, promo)
	if err != nil {
		return err
	}
	step("promoted %s testing -> prod: inventory %s, release tuple %s", art, res.Inventory.Action, res.ReleaseTuple.Action)
	report, err := s.VerifyLedger(ctx)
	if err != nil {
		return err
	}
	step("ledger verified: %d entries, status %s", report.Entries, report.Status)
	lanes, err := svc.Overview(ctx, ctxName)
	if err != nil {
		return err
	}
	tuples, err := s.ReleaseTupleList(ctx, store.ReleaseTupleListParams{Context: ctxName})
	if err != nil {
		return err
	}
	flags := "--local-rehearsal --state-dir " + a.stateDir
	return a.printOK(map[string]any{
		"database_url":   "sqlite:" + filepath.Join(a.stateDir, "launchplane.db"),
		"lanes":          lanes,
		"release_tuples": tuples,
		"ledger":         report,
		"next": []string{
			"launchplane inventory status --context demo --instance prod " + flags,
			"launchplane artifacts protected --context demo " + flags,
			"launchplane release-tuples export-catalog " + flags,
			"launchplane ledger verify " + flags,
		},
	})
}
