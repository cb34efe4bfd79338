// Package recordtest builds valid sample records for tests. Each builder
// returns a record that passes Validate; tests then change what they probe.
package recordtest

import (
	"github.com/launchplane/launchplane/internal/record"
)

// SHA is a valid 40-character git SHA; SHA2 differs from it.
const (
	SHA  = "0123456789abcdef0123456789abcdef01234567"
	SHA2 = "89abcdef0123456789abcdef0123456789abcdef"
)

// Manifest returns a manifest for artifactID built from SHA.
func Manifest(artifactID string) record.ArtifactManifest {
	m := record.ArtifactManifest{
		SchemaVersion: 1,
		ArtifactID:    artifactID,
		SourceCommit:  SHA,
		AddonSources:  []record.AddonSource{{Repository: "github.com/acme/odoo-shared-addons.git", Ref: SHA2}},
		Image: record.ImageReference{
			Repository: "ghcr.io/acme/web",
			Digest:     "sha256:" + SHA + SHA[:24],
			Tags:       []string{artifactID},
		},
	}
	mustValid(m.Validate())
	return m
}

// Deployment returns a passing deployment of artifactID to a lane that
// finished at finishedAt ("" for no timestamps).
func Deployment(id, context, instance, artifactID, finishedAt string) record.Deployment {
	d := record.Deployment{
		SchemaVersion:           1,
		RecordID:                id,
		Context:                 context,
		Instance:                instance,
		SourceGitRef:            SHA,
		WaitForCompletion:       true,
		VerifyDestinationHealth: true,
		DelegatedExecutor:       record.DelegatedExecutorDokploy,
		Deploy: record.DeploymentEvidence{
			TargetName: context + "-" + instance,
			TargetType: record.TargetApplication,
			DeployMode: "dokploy-application-api",
			Status:     record.StatusPass,
			FinishedAt: finishedAt,
			StartedAt:  finishedAt,
		},
		PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth: record.HealthcheckEvidence{Status: record.StatusSkipped},
	}
	if artifactID != "" {
		d.ArtifactIdentity = &record.ArtifactIdentity{ArtifactID: artifactID, ManifestVersion: 1}
	}
	mustValid(d.Validate())
	return d
}

// Promotion returns a passing promotion of artifactID linked to a deployment.
func Promotion(id, context, from, to, artifactID, deploymentID string) record.Promotion {
	p := record.Promotion{
		SchemaVersion:      1,
		RecordID:           id,
		ArtifactIdentity:   &record.ArtifactIdentity{ArtifactID: artifactID, ManifestVersion: 1},
		DeploymentRecordID: deploymentID,
		BackupRecordID:     "backup-gate-" + context + "-" + to + "-1",
		Context:            context,
		FromInstance:       from,
		ToInstance:         to,
		SourceHealth:       record.HealthcheckEvidence{Status: record.StatusSkipped},
		BackupGate:         record.BackupGateEvidence{Required: true, Status: record.StatusPass, Evidence: map[string]string{"snapshot": "snap-1"}},
		Deploy: record.DeploymentEvidence{
			TargetName: context + "-" + to,
			TargetType: record.TargetApplication,
			DeployMode: "dokploy-application-api",
			Status:     record.StatusPass,
		},
		PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth: record.HealthcheckEvidence{Status: record.StatusSkipped},
		Rollback:          record.RollbackEvidence{Status: record.StatusSkipped},
		RollbackHealth:    record.HealthcheckEvidence{Status: record.StatusSkipped},
	}
	mustValid(p.Validate())
	return p
}

// BackupGate returns a passing gate for a lane created at createdAt.
func BackupGate(id, context, instance, createdAt string) record.BackupGate {
	g := record.BackupGate{
		SchemaVersion: 1,
		RecordID:      id,
		Context:       context,
		Instance:      instance,
		CreatedAt:     createdAt,
		Source:        "test",
		Required:      true,
		Status:        record.StatusPass,
		Evidence:      map[string]string{"snapshot": "snap-" + id},
	}
	mustValid(g.Validate())
	return g
}

// ShipTuple returns a ship-minted tuple for a lane.
func ShipTuple(context, channel, artifactID, mintedAt string) record.ReleaseTuple {
	t, err := record.ShipTuple(context, channel, "deployment-"+artifactID, Manifest(artifactID), mintedAt)
	mustValid(err)
	return t
}

func mustValid(err error) {
	if err != nil {
		panic("recordtest fixture is invalid: " + err.Error())
	}
}
