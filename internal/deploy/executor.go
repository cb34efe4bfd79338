package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// ErrRefused marks a precondition that failed before any provider call.
var ErrRefused = errors.New("refused")

// ErrFailed marks an execution that ran and failed; its evidence was
// recorded and the Result says what happened.
var ErrFailed = errors.New("execution failed")

// Config wires an Executor. Client is called only once every precondition
// holds, so a refusal never resolves credentials or calls the provider.
type Config struct {
	Store  store.Store
	Client func(ctx context.Context) (*dokploy.Client, error)
	Now    func() time.Time
	// Sleep waits between polls; tests pass one that advances a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// PollInterval is the deployment poll period (default 3s);
	// HealthInterval the health poll period (default 1s);
	// HealthRequestTimeout bounds one health request (default 5s).
	PollInterval         time.Duration
	HealthInterval       time.Duration
	HealthRequestTimeout time.Duration
	// HTTPClient performs health checks (default: a client that does not
	// follow redirects off the health host).
	HTTPClient *http.Client
	// Progress, when set, is told about each stage of an execution.
	Progress func(Event)
}

// Event is one progress step.
type Event struct {
	Step   int    `json:"step"`
	Steps  int    `json:"steps"`
	Stage  string `json:"stage"`
	Detail string `json:"detail,omitempty"`
}

// Stages of an execution, in order.
var stages = []string{"preflight", "apply image and env", "trigger deploy", "wait for deployment", "verify health", "record evidence"}

// Executor runs executions. It is safe for concurrent use on different lanes.
type Executor struct {
	cfg      Config
	evidence *evidence.Service
}

// New returns an Executor with cfg's zero durations defaulted.
func New(cfg Config) *Executor {
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 3 * time.Second
	}
	if cfg.HealthInterval == 0 {
		cfg.HealthInterval = time.Second
	}
	if cfg.HealthRequestTimeout == 0 {
		cfg.HealthRequestTimeout = 5 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Executor{cfg: cfg, evidence: evidence.New(cfg.Store, cfg.Now)}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (e *Executor) progress(step int, detail string) {
	if e.cfg.Progress != nil {
		e.cfg.Progress(Event{Step: step + 1, Steps: len(stages), Stage: stages[step], Detail: detail})
	}
}

// Target summarizes the tracked target of an execution (never its env).
type Target struct {
	TargetType string `json:"target_type"`
	TargetName string `json:"target_name"`
	TargetID   string `json:"target_id"`
}

// DeployOutcome is what the provider deploy did.
type DeployOutcome struct {
	Mode         string `json:"mode"`
	DeploymentID string `json:"deployment_id,omitempty"`
	Status       string `json:"status"`
	Detail       string `json:"detail,omitempty"`
	StartedAt    string `json:"started_at,omitempty"`
	FinishedAt   string `json:"finished_at,omitempty"`
}

// Result reports an execution. Status is "ok", "failed" or "dry_run".
type Result struct {
	Status             string           `json:"status"`
	Kind               string           `json:"kind"`
	Context            string           `json:"context"`
	Instance           string           `json:"instance"`
	FromInstance       string           `json:"from_instance,omitempty"`
	ArtifactID         string           `json:"artifact_id"`
	ImageReference     string           `json:"image_reference"`
	Target             Target           `json:"target"`
	DeploymentRecordID string           `json:"deployment_record_id"`
	PromotionRecordID  string           `json:"promotion_record_id,omitempty"`
	BackupRecordID     string           `json:"backup_record_id,omitempty"`
	EnvKeys            []string         `json:"env_keys"`
	HealthURLs         []string         `json:"health_urls"`
	Deploy             DeployOutcome    `json:"deploy"`
	Health             HealthOutcome    `json:"health"`
	Inventory          evidence.Outcome `json:"inventory"`
	ReleaseTuple       evidence.Outcome `json:"release_tuple"`
	Error              string           `json:"error,omitempty"`
}

// Execute runs req. Refusals (ErrRefused, record.ErrInvalid,
// targets.ErrNotTracked) happen before any provider call and write nothing.
// Once the provider has been called, the attempt is recorded whatever
// happens; a failed attempt returns its Result with an error wrapping
// ErrFailed.
func (e *Executor) Execute(ctx context.Context, req Request) (Result, error) {
	if err := req.Validate(); err != nil {
		return Result{}, err
	}
	e.progress(0, req.Kind+" "+req.ArtifactID+" to "+req.Context+"/"+req.Instance)
	p, err := e.preflight(ctx, req)
	if err != nil {
		return Result{}, err
	}
	if req.DryRun {
		res := p.result()
		res.Status = "dry_run"
		return res, nil
	}
	// One operation per lane: concurrent executions would interleave their
	// image and env writes and could take each other's deploy for their own.
	release, err := targets.ReserveLane(ctx, e.cfg.Store, e.cfg.Now, req.Context, req.Instance, req.Kind+" "+req.ArtifactID,
		p.deployTimeout+p.healthTimeout+10*time.Minute)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s/%s: %w: %w", req.Kind, req.Context, req.Instance, err, ErrRefused)
	}
	defer release()
	// Ids chosen while the lane is held cannot collide with another run's.
	if err := e.allocate(ctx, p); err != nil {
		return Result{}, err
	}
	client, err := e.cfg.Client(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s/%s: %w", req.Kind, req.Context, req.Instance, err)
	}
	return e.run(ctx, p, newTarget(client, p.tracked), p.result())
}

// run performs the provider steps and records the attempt.
func (e *Executor) run(ctx context.Context, p *plan, t target, res Result) (Result, error) {
	started := e.cfg.Now()
	res.Deploy.Status = record.StatusFail
	res.Health = HealthOutcome{Status: record.StatusSkipped}
	fail := func(format string, args ...any) (Result, error) {
		res.Error = fmt.Sprintf(format, args...)
		return e.finish(ctx, p, res, started)
	}

	// The deployments that exist before ours: read before anything is
	// written, so a failed read leaves the target untouched.
	before, err := t.snapshot(ctx)
	if err != nil {
		return fail("read deployments before deploy: %v", err)
	}
	e.progress(1, p.image)
	if err := t.apply(ctx, p.image, p.env); errors.Is(err, ErrRefused) {
		// The live target cannot take an artifact deploy: nothing was
		// written, so this is a refusal, not an attempt.
		return Result{}, fmt.Errorf("%s %s/%s: %w", p.req.Kind, p.req.Context, p.req.Instance, err)
	} else if err != nil {
		return fail("apply image and env to %s %s: %v", t.kind, t.id, err)
	}
	e.progress(2, p.title)
	triggerErr := t.trigger(ctx, p.title, p.req.NoCache)
	var apiErr *dokploy.APIError
	if errors.As(triggerErr, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500 {
		return fail("trigger deploy: %v", triggerErr)
	}
	if triggerErr != nil && !p.req.Wait {
		return fail("trigger deploy (effect unknown): %v", triggerErr)
	}
	// A trigger whose answer was lost (timeout, 5xx) may still have queued
	// the deploy; the title tells ours apart, so the wait decides.
	if !p.req.Wait {
		res.Deploy.Status = record.StatusPending
		return e.finish(ctx, p, res, started)
	}
	e.progress(3, fmt.Sprintf("timeout %s", p.deployTimeout))
	w := e.wait(ctx, t, p.title, before, p.deployTimeout)
	res.Deploy.DeploymentID, res.Deploy.Status, res.Deploy.Detail = w.deploymentID, w.status, w.detail
	if w.status != record.StatusPass {
		if triggerErr != nil {
			return fail("trigger deploy (effect unknown): %v; %s", triggerErr, w.detail)
		}
		return fail("%s", w.detail)
	}
	if p.req.VerifyHealth {
		e.progress(4, fmt.Sprintf("%d URL(s), timeout %s", len(p.healthURLs), p.healthTimeout))
		res.Health = e.CheckHealth(ctx, p.healthURLs, &p.identity, p.healthTimeout)
		if res.Health.Status != record.StatusPass {
			return fail("%s", res.Health.Detail)
		}
	}
	return e.finish(ctx, p, res, started)
}

// finish writes the evidence of the attempt and settles the result.
func (e *Executor) finish(ctx context.Context, p *plan, res Result, started time.Time) (Result, error) {
	e.progress(5, p.deploymentID)
	finished := e.cfg.Now()
	d := p.deployment(res, started, finished)
	res.Deploy.StartedAt, res.Deploy.FinishedAt = d.Deploy.StartedAt, d.Deploy.FinishedAt
	succeeded := res.Error == "" && res.Deploy.Status == record.StatusPass
	// The provider was called: record the attempt even if the caller went
	// away (a cancelled request context cannot start a transaction).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err := e.cfg.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		res.Inventory, res.ReleaseTuple, err = e.record(ctx, tx, p, d, res, succeeded, finished)
		return err
	})
	if err != nil {
		return e.salvage(ctx, p, d, res, err)
	}
	switch {
	case res.Error != "":
		res.Status = "failed"
		return res, fmt.Errorf("%s %s/%s: %s: %w", p.req.Kind, p.req.Context, p.req.Instance, res.Error, ErrFailed)
	case res.Deploy.Status == record.StatusPending:
		res.Status = "triggered"
	default:
		res.Status = "ok"
	}
	return res, nil
}

// record writes the deployment and, by kind, the promotion, inventory and
// tuple. Only a successful waited execution moves derived state.
func (e *Executor) record(ctx context.Context, tx store.Tx, p *plan, d record.Deployment, res Result, succeeded bool, finished time.Time) (inv, tuple evidence.Outcome, err error) {
	skipped := evidence.Outcome{Action: evidence.ActionSkipped, Reason: "the execution did not succeed"}
	// Evidence is append-only: never overwrite a record another writer
	// stored under the same id.
	if err := absent(ctx, tx.DeploymentGet, d.RecordID, "deployment"); err != nil {
		return inv, tuple, err
	}
	if p.req.Kind == KindPromote {
		promo := p.promotion(d, res, finished)
		if err := absent(ctx, tx.PromotionGet, promo.RecordID, "promotion"); err != nil {
			return inv, tuple, err
		}
		if err := tx.DeploymentPut(ctx, d); err != nil {
			return inv, tuple, err
		}
		if !succeeded {
			return skipped, skipped, tx.PromotionPut(ctx, promo)
		}
		out, err := e.evidence.IngestPromotionTx(ctx, tx, promo)
		if err != nil || out.Inventory.Action != evidence.ActionUpdated || out.ReleaseTuple.Action == evidence.ActionMinted {
			return out.Inventory, out.ReleaseTuple, err
		}
		// The source lane moved on during the deploy: the destination still
		// gets exactly the tuple that was checked before deploying.
		t, err := record.PromotedTuple(*p.sourceTuple, p.req.Instance, promo.RecordID, d.RecordID, record.FormatTime(finished))
		if err != nil {
			return inv, tuple, err
		}
		return out.Inventory, evidence.Outcome{Action: evidence.ActionMinted, RecordID: t.TupleID,
			Reason: "minted from the source tuple checked before the deploy"}, tx.ReleaseTuplePut(ctx, t)
	}
	if !succeeded {
		if p.req.Kind == KindRollback {
			if err := e.annotatePromotion(ctx, tx, p, res, finished); err != nil {
				return inv, tuple, err
			}
		}
		return skipped, skipped, tx.DeploymentPut(ctx, d)
	}
	out, err := e.evidence.IngestDeploymentTx(ctx, tx, d)
	if err != nil {
		return inv, tuple, err
	}
	inv = out.Inventory
	tuple = evidence.Outcome{Action: evidence.ActionSkipped, Reason: "the lane's inventory did not move"}
	if inv.Action == evidence.ActionUpdated {
		t, err := record.ShipTuple(d.Context, d.Instance, d.RecordID, p.manifest, record.FormatTime(finished))
		if err != nil {
			return inv, tuple, err
		}
		if err := tx.ReleaseTuplePut(ctx, t); err != nil {
			return inv, tuple, err
		}
		tuple = evidence.Outcome{Action: evidence.ActionMinted, RecordID: t.TupleID}
	}
	if p.req.Kind == KindRollback {
		err = e.markRollback(ctx, tx, p, res, finished)
	}
	return inv, tuple, err
}

// identityJSON renders the runtime identity breadcrumb.
func identityJSON(id record.RuntimeIdentity) (string, error) {
	b, err := canonical.JSON(id)
	if err != nil {
		return "", fmt.Errorf("encode runtime identity: %w", err)
	}
	return string(b), nil
}

// refusedf builds a refusal error.
func refusedf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrRefused)...)
}

// absent fails when get finds id: evidence is never overwritten.
func absent[T any](ctx context.Context, get func(context.Context, string) (T, error), id, noun string) error {
	_, err := get(ctx, id)
	switch {
	case err == nil:
		return fmt.Errorf("%s %s already exists: %w", noun, id, store.ErrConflict)
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}

// salvage runs when the evidence transaction failed after the provider was
// called: it records the attempt alone — the deployment record under a
// free id, with no derived state — so the attempt is not lost, and returns
// the result with the failure.
func (e *Executor) salvage(ctx context.Context, p *plan, d record.Deployment, res Result, cause error) (Result, error) {
	res.Status = "failed"
	res.Inventory = evidence.Outcome{Action: evidence.ActionSkipped, Reason: "the evidence transaction failed"}
	res.ReleaseTuple = res.Inventory
	res.Error = fmt.Sprintf("record %s evidence (the provider deploy already ran): %v", p.req.Kind, cause)
	err := e.cfg.Store.Update(ctx, func(tx store.Tx) error {
		id, err := FreeRecordID(ctx, d.RecordID, func(ctx context.Context, id string) error {
			_, err := tx.DeploymentGet(ctx, id)
			return err
		})
		if err != nil {
			return err
		}
		d.RecordID = id
		return tx.DeploymentPut(ctx, d)
	})
	if err != nil {
		res.Error += fmt.Sprintf("; recording the attempt alone also failed: %v", err)
	} else {
		res.DeploymentRecordID = d.RecordID
	}
	return res, fmt.Errorf("%s %s/%s: %s: %w", p.req.Kind, p.req.Context, p.req.Instance, res.Error, ErrFailed)
}
