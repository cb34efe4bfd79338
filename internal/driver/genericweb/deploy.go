package genericweb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

type deployEnvelope struct {
	SchemaVersion int           `json:"schema_version"`
	Product       string        `json:"product"`
	Deploy        deployRequest `json:"deploy"`
}

func (e *deployEnvelope) envelope() (int, string, string) {
	return e.SchemaVersion, e.Product, e.Deploy.Product
}

type deployRequest struct {
	Product        string `json:"product"`
	Instance       string `json:"instance"`
	ArtifactID     string `json:"artifact_id"`
	SourceGitRef   string `json:"source_git_ref"`
	TimeoutSeconds int    `json:"timeout_seconds"`
	NoCache        bool   `json:"no_cache"`
}

// DeployResult is the generic-web deploy result (service.md §5.3).
type DeployResult struct {
	DeploymentRecordID string `json:"deployment_record_id"`
	DeployStatus       string `json:"deploy_status"`
	DeployStartedAt    string `json:"deploy_started_at"`
	DeployFinishedAt   string `json:"deploy_finished_at"`
	Product            string `json:"product"`
	Context            string `json:"context"`
	Instance           string `json:"instance"`
	TargetName         string `json:"target_name"`
	TargetType         string `json:"target_type"`
	TargetID           string `json:"target_id"`
	TargetCategory     string `json:"target_category"`
	ProviderID         string `json:"provider_id"`
	ProviderTargetType string `json:"provider_target_type"`
	ErrorMessage       string `json:"error_message"`
}

// deploy ships an artifact to a product lane (service.md §5.3): the exact
// image to the tracked target, waited, without a health check; the
// deployment is recorded pass or fail. A lane with no tracked target still
// gets a failed deployment record under a fallback target name.
func (d *drv) deploy(ctx context.Context, call driver.Call) (driver.Outcome, error) {
	var env deployEnvelope
	if err := decode("generic-web deploy", call.Body, &env); err != nil {
		return driver.Outcome{}, err
	}
	req := env.Deploy
	if strings.TrimSpace(req.Instance) == "" || strings.TrimSpace(req.ArtifactID) == "" || req.TimeoutSeconds < 0 {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "invalid_request", "Invalid generic-web deploy request: instance and artifact_id are required, timeout_seconds must not be negative.")
	}
	_, lane, err := d.profileLane(ctx, call, strings.TrimSpace(req.Product), strings.TrimSpace(req.Instance))
	if err != nil {
		return driver.Outcome{}, err
	}
	x := deploy.NewRequest(deploy.KindShip)
	x.Context, x.Instance, x.ArtifactID, x.SourceGitRef = lane.Context, lane.Instance, strings.TrimSpace(req.ArtifactID), strings.TrimSpace(req.SourceGitRef)
	x.TimeoutSeconds, x.NoCache, x.VerifyHealth = req.TimeoutSeconds, req.NoCache, false
	res, err := d.cfg.Executor.Execute(ctx, x)
	out := DeployResult{Product: req.Product, Context: lane.Context, Instance: lane.Instance}
	switch {
	case errors.Is(err, targets.ErrNotTracked):
		return d.untracked(ctx, x, req.Product, out, err)
	case err != nil && !errors.Is(err, deploy.ErrFailed):
		return driver.Outcome{}, refusal(err)
	}
	out.fill(res)
	return driver.Outcome{Records: map[string]string{"deployment_record_id": res.DeploymentRecordID}, Result: out}, nil
}

func (o *DeployResult) fill(res deploy.Result) {
	o.DeploymentRecordID, o.DeployStatus, o.ErrorMessage = res.DeploymentRecordID, res.Deploy.Status, res.Error
	o.DeployStartedAt, o.DeployFinishedAt = res.Deploy.StartedAt, res.Deploy.FinishedAt
	o.TargetName, o.TargetType, o.TargetID = res.Target.TargetName, res.Target.TargetType, res.Target.TargetID
	o.TargetCategory, o.ProviderTargetType, o.ProviderID = res.Target.TargetType, res.Target.TargetType, record.ProviderDokploy
}

// untracked records the failed deploy of a lane without a tracked target
// (service.md §5.3 step 3) under the fallback target <product>-<instance>.
func (d *drv) untracked(ctx context.Context, x deploy.Request, product string, out DeployResult, cause error) (driver.Outcome, error) {
	now := record.FormatTime(d.cfg.Now())
	dep := record.Deployment{
		SchemaVersion: 1, Context: x.Context, Instance: x.Instance, SourceGitRef: x.SourceGitRef,
		ArtifactIdentity:  &record.ArtifactIdentity{ArtifactID: x.ArtifactID, ManifestVersion: 1},
		WaitForCompletion: true, DelegatedExecutor: record.DelegatedExecutorDokploy, RuntimeSource: map[string]string{"execution": "generic-web deploy"},
		Deploy: record.DeploymentEvidence{TargetName: product + "-" + x.Instance, TargetType: record.TargetApplication,
			DeployMode: "dokploy-application-api", Status: record.StatusFail, StartedAt: now, FinishedAt: now},
		PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth: record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped},
	}
	if dep.SourceGitRef == "" {
		dep.SourceGitRef = "unknown"
	}
	base := "deployment-" + d.cfg.Now().UTC().Format("20060102T150405Z") + "-" + x.Context + "-" + x.Instance
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) error {
		id, err := deploy.FreeRecordID(ctx, base, func(ctx context.Context, id string) error {
			_, err := tx.DeploymentGet(ctx, id)
			return err
		})
		if err != nil {
			return err
		}
		dep.RecordID = id
		return tx.DeploymentPut(ctx, dep)
	})
	if err != nil {
		return driver.Outcome{}, fmt.Errorf("record failed generic-web deploy: %w", err)
	}
	out.DeploymentRecordID, out.DeployStatus = dep.RecordID, record.StatusFail
	out.DeployStartedAt, out.DeployFinishedAt = now, now
	out.TargetName, out.TargetType = dep.Deploy.TargetName, record.TargetApplication
	out.ErrorMessage = cause.Error()
	return driver.Outcome{Records: map[string]string{"deployment_record_id": dep.RecordID}, Result: out}, nil
}
