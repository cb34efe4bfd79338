package genericweb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/driver"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

type promotionEnvelope struct {
	SchemaVersion int              `json:"schema_version"`
	Product       string           `json:"product"`
	Promotion     promotionRequest `json:"promotion"`
}

func (e *promotionEnvelope) envelope() (int, string, string) {
	return e.SchemaVersion, e.Product, e.Promotion.Product
}

type promotionRequest struct {
	Product              string `json:"product"`
	ArtifactID           string `json:"artifact_id"`
	SourceGitRef         string `json:"source_git_ref"`
	FromInstance         string `json:"from_instance"`
	ToInstance           string `json:"to_instance"`
	BackupRecordID       string `json:"backup_record_id"`
	BackupRequired       bool   `json:"backup_required"`
	Wait                 bool   `json:"wait"`
	TimeoutSeconds       int    `json:"timeout_seconds"`
	VerifyHealth         bool   `json:"verify_health"`
	HealthTimeoutSeconds int    `json:"health_timeout_seconds"`
	DryRun               bool   `json:"dry_run"`
	NoCache              bool   `json:"no_cache"`
}

// PromotionResult is the generic-web prod-promotion result (service.md §5.4).
type PromotionResult struct {
	Product                 string        `json:"product"`
	Context                 string        `json:"context"`
	FromInstance            string        `json:"from_instance"`
	ToInstance              string        `json:"to_instance"`
	ArtifactID              string        `json:"artifact_id"`
	PromotionRecordID       string        `json:"promotion_record_id"`
	DeploymentRecordID      string        `json:"deployment_record_id"`
	BackupRecordID          string        `json:"backup_record_id"`
	PromotionStatus         string        `json:"promotion_status"`
	DeploymentStatus        string        `json:"deployment_status"`
	BackupStatus            string        `json:"backup_status"`
	SourceHealthStatus      string        `json:"source_health_status"`
	DestinationHealthStatus string        `json:"destination_health_status"`
	Target                  deploy.Target `json:"target"`
	DryRun                  bool          `json:"dry_run"`
	ErrorMessage            string        `json:"error_message"`
}

// prodPromotion promotes testing to prod (service.md §5.4): every check
// (lanes, backup gate, source tuple, manifest, target) before any
// mutation; dry_run stops there; then the source lane's health, then the
// deploy with the destination's health and identity, all recorded by the
// execution layer. Generic-web always requires a passing backup gate here:
// stricter than upstream's optional one, in line with the promotion rules.
func (d *drv) prodPromotion(ctx context.Context, call driver.Call) (driver.Outcome, error) {
	env := promotionEnvelope{Promotion: promotionRequest{FromInstance: record.LaneTesting, ToInstance: record.LaneProd,
		Wait: true, VerifyHealth: true, HealthTimeoutSeconds: 60}}
	if err := decode("generic-web prod-promotion", call.Body, &env); err != nil {
		return driver.Outcome{}, err
	}
	req := env.Promotion
	var problems []string
	if req.FromInstance != record.LaneTesting || req.ToInstance != record.LaneProd {
		problems = append(problems, "only testing → prod is supported")
	}
	if !req.Wait {
		problems = append(problems, "wait must be true")
	}
	if strings.TrimSpace(req.ArtifactID) == "" {
		problems = append(problems, "artifact_id is required")
	}
	if strings.TrimSpace(req.BackupRecordID) == "" {
		problems = append(problems, "backup_record_id is required: a prod promotion is gated on a passing backup of prod")
	}
	if req.TimeoutSeconds < 0 || req.HealthTimeoutSeconds < 0 {
		problems = append(problems, "timeouts must not be negative")
	}
	if len(problems) > 0 {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "invalid_request", "Invalid generic-web prod-promotion request: "+strings.Join(problems, "; ")+".")
	}
	profile, prod, err := d.profileLane(ctx, call, strings.TrimSpace(req.Product), record.LaneProd)
	if err != nil {
		return driver.Outcome{}, err
	}
	testing, err := products.LaneFor(profile, record.LaneTesting)
	if err != nil {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "product_lane_not_found", fmt.Sprintf("Product %q has no %q lane.", profile.Product, record.LaneTesting))
	}
	if testing.Context != prod.Context {
		return driver.Outcome{}, driver.Refuse(driver.RefusedInvalid, "invalid_request", "Generic-web promotion needs the testing and prod lanes in one context.")
	}

	x := deploy.NewRequest(deploy.KindPromote)
	x.Context, x.FromInstance, x.Instance = prod.Context, record.LaneTesting, record.LaneProd
	x.ArtifactID, x.SourceGitRef, x.BackupRecordID = strings.TrimSpace(req.ArtifactID), strings.TrimSpace(req.SourceGitRef), strings.TrimSpace(req.BackupRecordID)
	x.TimeoutSeconds, x.NoCache, x.VerifyHealth, x.HealthTimeoutSeconds = req.TimeoutSeconds, req.NoCache, req.VerifyHealth, req.HealthTimeoutSeconds
	destURLs, sourceURLs := healthURLs(profile, prod), healthURLs(profile, testing)
	x.HealthURLs = destURLs
	if x.VerifyHealth && len(destURLs) == 0 {
		x.VerifyHealth = false // no URL: destination health is skipped, as upstream
	}

	// Every stored-record check, with no provider call and no write.
	dry := x
	dry.DryRun = true
	plan, err := d.cfg.Executor.Execute(ctx, dry)
	if err != nil {
		return driver.Outcome{}, refusal(err)
	}
	out := PromotionResult{Product: req.Product, Context: prod.Context, FromInstance: record.LaneTesting, ToInstance: record.LaneProd,
		ArtifactID: x.ArtifactID, BackupRecordID: x.BackupRecordID, BackupStatus: record.StatusPass, Target: plan.Target,
		PromotionStatus: record.StatusPending, DeploymentStatus: record.StatusPending,
		SourceHealthStatus: pendingOr(req.VerifyHealth && len(sourceURLs) > 0), DestinationHealthStatus: pendingOr(x.VerifyHealth)}
	if req.DryRun {
		out.DryRun = true
		return driver.Outcome{Result: out, DryRun: true}, nil
	}
	if call.Caller.Browser() {
		// service.md §4.5 rule 6: the UI dry-runs; a live promotion goes
		// through the product's workflow (prod-promotion-workflow).
		return driver.Outcome{}, driver.Refuse(driver.RefusedForbidden, "authorization_denied",
			"A browser session can only dry-run a prod promotion; dispatch the product's promotion workflow to run it.")
	}

	source := record.HealthcheckEvidence{URLs: sourceURLs, Status: record.StatusSkipped}
	if req.VerifyHealth && len(sourceURLs) > 0 {
		var want *record.RuntimeIdentity
		if inv, err := d.cfg.Store.InventoryGet(ctx, testing.Context, record.LaneTesting); err == nil {
			want = inv.RuntimeIdentity
		}
		timeout := seconds(req.HealthTimeoutSeconds)
		h := d.cfg.Executor.CheckHealth(ctx, sourceURLs, want, timeout)
		t := int(timeout.Seconds())
		source = record.HealthcheckEvidence{Verified: true, URLs: sourceURLs, TimeoutSeconds: &t, Status: h.Status}
		out.SourceHealthStatus = h.Status
		if h.Status != record.StatusPass {
			return d.sourceFailed(ctx, x, plan, source, out, h.Detail)
		}
	}
	x.SourceHealth = &source
	res, err := d.cfg.Executor.Execute(ctx, x)
	if err != nil && !errors.Is(err, deploy.ErrFailed) {
		return driver.Outcome{}, refusal(err)
	}
	out.PromotionRecordID, out.DeploymentRecordID, out.Target = res.PromotionRecordID, res.DeploymentRecordID, res.Target
	out.DeploymentStatus, out.DestinationHealthStatus, out.ErrorMessage = res.Deploy.Status, res.Health.Status, res.Error
	out.PromotionStatus = record.StatusPass
	if res.Status != "ok" {
		out.PromotionStatus = record.StatusFail
	}
	return driver.Outcome{Records: map[string]string{"promotion_record_id": res.PromotionRecordID, "deployment_record_id": res.DeploymentRecordID}, Result: out}, nil
}

// sourceFailed records a promotion stopped by the source lane's health
// (service.md §5.4 step 5): deploy fail, source fail, destination
// skipped, no deployment and no provider call.
func (d *drv) sourceFailed(ctx context.Context, x deploy.Request, plan deploy.Result, source record.HealthcheckEvidence, out PromotionResult, detail string) (driver.Outcome, error) {
	now := d.cfg.Now()
	stamp := record.FormatTime(now)
	skipped := record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped}
	promo := record.Promotion{SchemaVersion: 1,
		ArtifactIdentity: &record.ArtifactIdentity{ArtifactID: x.ArtifactID, ManifestVersion: 1},
		BackupRecordID:   x.BackupRecordID, Context: x.Context, FromInstance: x.FromInstance, ToInstance: x.Instance,
		SourceHealth: source, DestinationHealth: skipped, RollbackHealth: skipped,
		BackupGate: record.BackupGateEvidence{Required: true, Status: record.StatusPass, Evidence: map[string]string{"backup_record_id": x.BackupRecordID}},
		Deploy: record.DeploymentEvidence{TargetName: plan.Target.TargetName, TargetType: plan.Target.TargetType, DeployMode: plan.Deploy.Mode,
			Status: record.StatusFail, StartedAt: stamp, FinishedAt: stamp},
		PostDeployUpdate: record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		Rollback:         record.RollbackEvidence{Status: record.StatusSkipped},
	}
	base := "promotion-" + now.UTC().Format("20060102T150405Z") + "-" + x.Context + "-" + x.FromInstance + "-to-" + x.Instance
	ev := evidence.New(d.cfg.Store, d.cfg.Now)
	err := d.cfg.Store.Update(ctx, func(tx store.Tx) error {
		id, err := deploy.FreeRecordID(ctx, base, func(ctx context.Context, id string) error {
			_, err := tx.PromotionGet(ctx, id)
			return err
		})
		if err != nil {
			return err
		}
		promo.RecordID = id
		_, err = ev.IngestPromotionTx(ctx, tx, promo)
		return err
	})
	if err != nil {
		return driver.Outcome{}, fmt.Errorf("record promotion stopped by source health: %w", err)
	}
	out.PromotionRecordID, out.PromotionStatus, out.DeploymentStatus = promo.RecordID, record.StatusFail, record.StatusFail
	out.DestinationHealthStatus, out.ErrorMessage = record.StatusSkipped, "source lane health failed: "+detail
	return driver.Outcome{Records: map[string]string{"promotion_record_id": promo.RecordID}, Result: out}, nil
}

func pendingOr(check bool) string {
	if check {
		return record.StatusPending
	}
	return record.StatusSkipped
}
