package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/products"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// plan is a request with every precondition checked and every input
// resolved from stored records.
type plan struct {
	req           Request
	manifest      record.ArtifactManifest
	tracked       targets.Tracked
	image         string
	deploymentID  string
	promotionID   string
	title         string
	identity      record.RuntimeIdentity
	env           map[string]string
	healthURLs    []string
	deployTimeout time.Duration
	healthTimeout time.Duration
	product       string // the owning product profile, "" without one
	gate          *record.BackupGate
	sourceTuple   *record.ReleaseTuple // promotions: the tuple checked at preflight
	current       *record.Inventory    // the destination lane before execution
}

// preflight checks every precondition from stored records only: no
// provider call and no write happens here.
func (e *Executor) preflight(ctx context.Context, req Request) (*plan, error) {
	r := e.cfg.Store
	m, err := r.ArtifactGet(ctx, req.ArtifactID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refusedf("artifact manifest %s is not stored; ingest it before executing (launchplane artifacts ingest)", req.ArtifactID)
	}
	if err != nil {
		return nil, fmt.Errorf("read artifact %s: %w", req.ArtifactID, err)
	}
	if m.Image.Repository == "" || m.Image.Digest == "" {
		return nil, refusedf("artifact %s has no image repository and digest; execution deploys repository@digest only", req.ArtifactID)
	}
	// Tuples are minted from the manifest after a successful deploy; a
	// manifest that cannot mint one is refused now, not after the deploy.
	if _, err := record.RepoSHAsFromManifest(req.Context, m); err != nil {
		return nil, refusedf("artifact %s cannot be pinned to exact commits: %v", req.ArtifactID, err)
	}
	tr, err := targets.Resolve(ctx, r, req.Context, req.Instance)
	if err != nil {
		return nil, err
	}
	if repos := targets.MutableAddonRepos(tr.Target.Env[targets.EnvAddonRepositories]); len(repos) > 0 {
		return nil, refusedf("target %s/%s pins addon repositories to mutable refs (%s in %s); pin exact commits first",
			req.Context, req.Instance, strings.Join(repos, ", "), targets.EnvAddonRepositories)
	}
	p := &plan{req: req, manifest: m, tracked: tr, image: m.Image.Repository + "@" + m.Image.Digest}
	// The runtime identity names the product whose profile owns the lane,
	// when one does (lanes tracked before any profile have none).
	if owner, _, err := products.ProductForLane(ctx, r, req.Context, req.Instance); err == nil {
		p.product = owner.Product
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read the product owning %s/%s: %w", req.Context, req.Instance, err)
	}
	if cur, err := r.InventoryGet(ctx, req.Context, req.Instance); err == nil {
		p.current = &cur
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read inventory %s/%s: %w", req.Context, req.Instance, err)
	}
	switch req.Kind {
	case KindPromote:
		if err := e.checkGate(ctx, p); err != nil {
			return nil, err
		}
		if err := e.checkSourceTuple(ctx, p); err != nil {
			return nil, err
		}
	case KindShip:
		if gated(tr.Target, req.Instance) && req.BackupRecordID == "" {
			return nil, refusedf("target %s/%s requires a backup gate for every deploy; pass backup_record_id of a passing gate for this lane", req.Context, req.Instance)
		}
		if req.BackupRecordID != "" {
			if err := e.checkGate(ctx, p); err != nil {
				return nil, err
			}
		}
	case KindRollback:
		if err := e.checkRollback(ctx, p); err != nil {
			return nil, err
		}
	}
	if err := p.resolveTimeouts(); err != nil {
		return nil, err
	}
	if err := e.allocate(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// gated reports whether a target demands a backup gate for deploys to lane.
func gated(t record.DokployTarget, lane string) bool {
	return (lane == record.LaneProd && t.RequireProdGate) || (lane == record.LaneTesting && t.RequireTestGate)
}

// checkGate requires a stored passing backup gate for the destination lane.
func (e *Executor) checkGate(ctx context.Context, p *plan) error {
	req := p.req
	gate, err := e.cfg.Store.BackupGateGet(ctx, req.BackupRecordID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return refusedf("backup gate %s is not stored; capture the destination's backup before promoting", req.BackupRecordID)
	case err != nil:
		return fmt.Errorf("read backup gate %s: %w", req.BackupRecordID, err)
	case gate.Context != req.Context || gate.Instance != req.Instance:
		return refusedf("backup gate %s is for %s/%s, not the destination %s/%s", gate.RecordID, gate.Context, gate.Instance, req.Context, req.Instance)
	case gate.Status != record.StatusPass:
		return refusedf("backup gate %s has status %q; promotion needs a passing gate", gate.RecordID, gate.Status)
	}
	p.gate = &gate
	return nil
}

// checkSourceTuple requires the source lane's current tuple to be for
// exactly this artifact; the destination tuple is minted from it.
func (e *Executor) checkSourceTuple(ctx context.Context, p *plan) error {
	req := p.req
	tuple, err := e.cfg.Store.ReleaseTupleGet(ctx, req.Context, req.FromInstance)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return refusedf("%s/%s has no release tuple; ship the artifact there first", req.Context, req.FromInstance)
	case err != nil:
		return fmt.Errorf("read release tuple %s/%s: %w", req.Context, req.FromInstance, err)
	case tuple.ArtifactID != req.ArtifactID:
		return refusedf("the %s/%s release tuple is for artifact %s, not %s; promote what the source lane runs", req.Context, req.FromInstance, tuple.ArtifactID, req.ArtifactID)
	}
	p.sourceTuple = &tuple
	return nil
}

// checkRollback requires an artifact other than the one running that this
// lane has run successfully before.
func (e *Executor) checkRollback(ctx context.Context, p *plan) error {
	req := p.req
	if p.current == nil {
		return refusedf("%s/%s has no inventory; there is nothing to roll back", req.Context, req.Instance)
	}
	if p.current.ArtifactID() == req.ArtifactID {
		return refusedf("%s/%s already runs artifact %s", req.Context, req.Instance, req.ArtifactID)
	}
	history, err := e.cfg.Store.DeploymentList(ctx, store.DeploymentListParams{Context: req.Context, Instance: req.Instance})
	if err != nil {
		return fmt.Errorf("read %s/%s deployments: %w", req.Context, req.Instance, err)
	}
	known := slices.ContainsFunc(history, func(d record.Deployment) bool {
		return d.ArtifactID() == req.ArtifactID && d.Deploy.Status == record.StatusPass && d.DestinationHealth.Status != record.StatusFail
	})
	if !known {
		return refusedf("artifact %s never ran successfully on %s/%s; a rollback returns to a known-good artifact", req.ArtifactID, req.Context, req.Instance)
	}
	return nil
}

// resolveTimeouts and health URLs: request, then target, then defaults.
func (p *plan) resolveTimeouts() error {
	t := p.tracked.Target
	p.deployTimeout = seconds(p.req.TimeoutSeconds, t.DeployTimeoutSeconds, DefaultDeployTimeoutSeconds)
	p.healthTimeout = seconds(p.req.HealthTimeoutSeconds, t.HealthcheckTimeoutSeconds, DefaultHealthTimeoutSeconds)
	if !p.req.VerifyHealth {
		return nil
	}
	p.healthURLs = slices.Clone(p.req.HealthURLs)
	if len(p.healthURLs) == 0 && t.HealthcheckEnabled {
		for _, d := range t.Domains {
			base := d
			if !strings.Contains(base, "://") {
				base = "https://" + base
			}
			p.healthURLs = append(p.healthURLs, strings.TrimSuffix(base, "/")+t.HealthcheckPath)
		}
	}
	if len(p.healthURLs) == 0 {
		return refusedf("health verification is on but %s/%s has no health URL (no domains, or health checks disabled); pass health_urls or verify_health=false", t.Context, t.Instance)
	}
	return nil
}

func seconds(request int, target *int, fallback int) time.Duration {
	s := fallback
	switch {
	case request > 0:
		s = request
	case target != nil:
		s = *target
	}
	return time.Duration(min(s, MaxTimeoutSeconds)) * time.Second
}

// allocate picks record ids and builds the identity and env breadcrumb.
// Ids follow upstream's <kind>-<UTC second>-<route> form, with -2, -3, ...
// when that id is taken; execute allocates again while it holds the lane,
// so two executions of one lane can never share an id (or a deploy title).
func (e *Executor) allocate(ctx context.Context, p *plan) error {
	now := e.cfg.Now()
	stamp := now.UTC().Format("20060102T150405Z")
	var err error
	p.deploymentID, err = FreeRecordID(ctx, "deployment-"+stamp+"-"+p.req.Context+"-"+p.req.Instance, func(ctx context.Context, id string) error {
		_, err := e.cfg.Store.DeploymentGet(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	if p.req.Kind == KindPromote {
		p.promotionID, err = FreeRecordID(ctx, "promotion-"+stamp+"-"+p.req.Context+"-"+p.req.FromInstance+"-to-"+p.req.Instance, func(ctx context.Context, id string) error {
			_, err := e.cfg.Store.PromotionGet(ctx, id)
			return err
		})
		if err != nil {
			return err
		}
	}
	p.title = "Launchplane " + p.req.Kind + " " + p.deploymentID
	ref := p.req.SourceGitRef
	if ref == "" {
		ref = p.manifest.SourceCommit
	}
	p.req.SourceGitRef = ref
	p.identity = record.RuntimeIdentity{
		SchemaVersion: 1, Product: p.product, Context: p.req.Context, Instance: p.req.Instance, EnvironmentKind: "stable",
		DeploymentRecordID: p.deploymentID, ArtifactID: p.req.ArtifactID, SourceGitRef: ref,
		ImageReference: p.image, DeployedAt: record.FormatTime(now),
	}
	identity, err := identityJSON(p.identity)
	if err != nil {
		return err
	}
	p.env = map[string]string{
		targets.EnvImageReference: p.image, targets.EnvRuntimeIdentity: identity, targets.EnvDeploymentRecordID: p.deploymentID,
		targets.EnvArtifactID: p.req.ArtifactID, targets.EnvSourceGitRef: ref,
	}
	return nil
}

// FreeRecordID returns base, or base-N for the smallest N ≥ 2 that get
// reports as not found: upstream's timestamped record ids, kept unique.
func FreeRecordID(ctx context.Context, base string, get func(context.Context, string) error) (string, error) {
	id := base
	for n := 2; ; n++ {
		err := get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", fmt.Errorf("allocate record id: %w", err)
		}
		id = fmt.Sprintf("%s-%d", base, n)
	}
}

// result is the plan as reported before execution.
func (p *plan) result() Result {
	keys := make([]string, 0, len(p.env))
	for k := range p.env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	res := Result{
		Kind: p.req.Kind, Context: p.req.Context, Instance: p.req.Instance, FromInstance: p.req.FromInstance,
		ArtifactID: p.req.ArtifactID, ImageReference: p.image, DeploymentRecordID: p.deploymentID,
		PromotionRecordID: p.promotionID, BackupRecordID: p.req.BackupRecordID, EnvKeys: keys,
		HealthURLs: nonNil(p.healthURLs),
		Target:     Target{TargetType: p.tracked.Target.TargetType, TargetName: targetName(p.tracked), TargetID: p.tracked.TargetID()},
		Deploy:     DeployOutcome{Mode: deployMode(p.tracked.Target.TargetType, p.req.NoCache), Status: record.StatusPending},
		Health:     HealthOutcome{Status: record.StatusSkipped},
	}
	return res
}

func targetName(tr targets.Tracked) string {
	if tr.Target.TargetName != "" {
		return tr.Target.TargetName
	}
	return tr.Target.Instance
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// deployment builds the deployment record of the attempt.
func (p *plan) deployment(res Result, started, finished time.Time) record.Deployment {
	identity := p.identity
	d := record.Deployment{
		SchemaVersion: 1, RecordID: p.deploymentID,
		ArtifactIdentity:        &record.ArtifactIdentity{ArtifactID: p.req.ArtifactID, ManifestVersion: p.manifest.SchemaVersion},
		Context:                 p.req.Context,
		Instance:                p.req.Instance,
		SourceGitRef:            p.req.SourceGitRef,
		WaitForCompletion:       p.req.Wait,
		VerifyDestinationHealth: p.req.VerifyHealth,
		NoCache:                 p.req.NoCache,
		DelegatedExecutor:       record.DelegatedExecutorDokploy,
		ResolvedTarget:          &record.ResolvedTarget{TargetType: res.Target.TargetType, TargetID: res.Target.TargetID, TargetName: res.Target.TargetName},
		RuntimeSource:           map[string]string{"image_reference": p.image, "execution": p.req.Kind},
		Deploy: record.DeploymentEvidence{
			TargetName: res.Target.TargetName, TargetType: res.Target.TargetType, DeployMode: res.Deploy.Mode,
			DeploymentID: res.Deploy.DeploymentID, Status: res.Deploy.Status,
			StartedAt: record.FormatTime(started), FinishedAt: record.FormatTime(finished),
		},
		PostDeployUpdate:  record.PostDeployUpdateEvidence{Status: record.StatusSkipped},
		DestinationHealth: p.healthEvidence(res.Health),
		RuntimeIdentity:   &identity,
	}
	if res.Deploy.Status == record.StatusPending {
		d.Deploy.FinishedAt = ""
	}
	return d
}

func (p *plan) healthEvidence(h HealthOutcome) record.HealthcheckEvidence {
	if h.Status == record.StatusSkipped {
		return record.HealthcheckEvidence{URLs: nonNil(p.healthURLs), Status: record.StatusSkipped}
	}
	timeout := int(p.healthTimeout / time.Second)
	return record.HealthcheckEvidence{Verified: true, URLs: nonNil(p.healthURLs), TimeoutSeconds: &timeout, Status: h.Status}
}

// promotion builds the promotion record of a promote execution.
func (p *plan) promotion(d record.Deployment, res Result, finished time.Time) record.Promotion {
	return record.Promotion{
		SchemaVersion: 1, RecordID: p.promotionID,
		ArtifactIdentity:   d.ArtifactIdentity,
		DeploymentRecordID: d.RecordID,
		BackupRecordID:     p.gate.RecordID,
		Context:            p.req.Context,
		FromInstance:       p.req.FromInstance,
		ToInstance:         p.req.Instance,
		SourceHealth:       p.sourceHealth(),
		BackupGate:         record.BackupGateEvidence{Required: true, Status: p.gate.Status, Evidence: map[string]string{"backup_record_id": p.gate.RecordID}},
		Deploy:             d.Deploy,
		PostDeployUpdate:   d.PostDeployUpdate,
		DestinationHealth:  d.DestinationHealth,
		Rollback:           record.RollbackEvidence{Status: record.StatusSkipped},
		RollbackHealth:     record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped},
	}
}

func (p *plan) sourceHealth() record.HealthcheckEvidence {
	if p.req.SourceHealth != nil {
		return *p.req.SourceHealth
	}
	return record.HealthcheckEvidence{URLs: []string{}, Status: record.StatusSkipped}
}

// markRollback gives the lane's new inventory its rollback provenance and
// annotates the promotion that put the rolled-back artifact there.
func (e *Executor) markRollback(ctx context.Context, tx store.Tx, p *plan, res Result, finished time.Time) error {
	inv, err := tx.InventoryGet(ctx, p.req.Context, p.req.Instance)
	if err != nil {
		return fmt.Errorf("read inventory after rollback: %w", err)
	}
	inv.Rollback = &record.InventoryRollback{
		FromArtifactID: p.current.ArtifactID(), FromDeploymentRecordID: p.current.DeploymentRecordID,
		PromotionRecordID: p.current.PromotionRecordID, Reason: p.req.Reason, RolledBackAt: record.FormatTime(finished),
	}
	if err := tx.InventoryPut(ctx, inv); err != nil {
		return err
	}
	return e.annotatePromotion(ctx, tx, p, res, finished)
}

// annotatePromotion rewrites rollback and rollback_health of the promotion
// that established the rolled-back state, if a promotion did.
func (e *Executor) annotatePromotion(ctx context.Context, tx store.Tx, p *plan, res Result, finished time.Time) error {
	if p.current == nil || p.current.PromotionRecordID == "" {
		return nil
	}
	promo, err := tx.PromotionGet(ctx, p.current.PromotionRecordID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read promotion %s: %w", p.current.PromotionRecordID, err)
	}
	status := record.StatusPass
	detail := fmt.Sprintf("rolled back to %s by %s: %s", p.req.ArtifactID, p.deploymentID, p.req.Reason)
	if res.Error != "" {
		status, detail = record.StatusFail, fmt.Sprintf("rollback to %s failed (%s): %s", p.req.ArtifactID, p.deploymentID, res.Error)
	}
	promo.Rollback = record.RollbackEvidence{Attempted: true, Status: status, Detail: detail,
		StartedAt: record.FormatTime(finished), FinishedAt: record.FormatTime(finished)}
	promo.RollbackHealth = p.healthEvidence(res.Health)
	return tx.PromotionPut(ctx, promo)
}
