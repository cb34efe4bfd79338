// Package liveruntime syncs a tracked Dokploy target's live environment with
// the runtime environment Launchplane holds for its lane (service.md §8.1):
// records, the tracked target's env and the managed-secret overlay, scoped
// to the keys the owning product profile's expected_config declares for the
// lane (a lane no profile owns syncs nothing). A product-config apply changes records only; this is the step that makes
// the live target carry them.
//
// A dry-run reads the target and reports the delta; an apply merges the
// desired keys into the live env text (unrelated live keys, comments and
// blank lines are kept), writes it, reads it back and verifies every
// desired key, and optionally deploys, all under the lane reservation
// (targets.ReserveLane), so concurrent applies to one lane never
// interleave. The keys only execution writes (targets.ExecutionOwned: the
// image reference and the runtime identity) are never synced. Results and
// errors carry key names and counts only, never values.
package liveruntime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/deploy"
	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/keysafety"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// Modes (service.md §1.4 spelling).
const (
	ModeDryRun = "dry-run"
	ModeApply  = "apply"
)

// ErrProductLaneNotFound is what an ExpectedKeys seam returns (wrapped)
// when no product profile owns the lane, or the named product's profile
// does not: the sync then refuses with CodeProductLaneNotFound.
var ErrProductLaneNotFound = errors.New("product profile does not own the lane")

// Request is one live-target runtime sync.
type Request struct {
	// Product, when set, names the product whose profile must own the
	// lane (the product the caller was authorized on); empty means
	// whichever single profile owns it.
	Product  string
	Context  string
	Instance string
	// Mode is ModeDryRun or ModeApply.
	Mode string
	// Deploy, NoCache and TimeoutSeconds go with ModeApply only: deploy the
	// target after its env is written (or even when nothing changed).
	Deploy  bool
	NoCache bool
	// TimeoutSeconds bounds the deploy wait; zero means the target's
	// deploy_timeout_seconds, else the deploy seam's default.
	TimeoutSeconds int
}

// ExpectedConfig is what a product profile's expected_config declares for
// a lane: the runtime keys it reads and the runtime_environment secret
// bindings it needs.
type ExpectedConfig struct {
	RuntimeKeys       []string
	SecretBindingKeys []string
}

// DeployResult is what a deploy seam reports. Ids and statuses only.
type DeployResult struct {
	DeploymentID string `json:"deployment_id"`
	Status       string `json:"status"`
	Detail       string `json:"detail,omitempty"`
}

// Config builds a Service. Store, Resolve and Dokploy are required.
type Config struct {
	// Store is read for the tracked target, the active runtime key-safety
	// policy and the managed-secret bindings it is evaluated against, and
	// holds the lane reservation of an apply.
	Store store.Store
	// Now is the clock of lane reservations; nil means time.Now.
	Now func() time.Time
	// Resolve returns the lane's runtime environment (records, tracked
	// target env and managed-secret overlay); see Wire.
	Resolve func(ctx context.Context, context, instance string) (runtimeenv.Resolution, error)
	// Dokploy returns a client for the managed Dokploy credentials; an
	// error wrapping targets.ErrNoCredentials is reported as such.
	Dokploy func(ctx context.Context) (*dokploy.Client, error)
	// ExpectedKeys scopes the desired keys to the product profile's
	// expected_config for the lane (service.md §8.1 step 3); product is
	// Request.Product, possibly empty. It returns an error wrapping
	// ErrProductLaneNotFound when no profile (or not product's) owns the
	// lane. Wire reads the stored profiles; nil desires every resolved key
	// (tests of the sync mechanics only).
	ExpectedKeys func(ctx context.Context, product, context, instance string) (ExpectedConfig, error)
	// Deploy triggers a deploy of the target and waits for it. Nil refuses
	// deploy requests before anything is read or written.
	Deploy func(ctx context.Context, t targets.Tracked, noCache bool, timeout time.Duration) (DeployResult, error)
}

// Service runs live-target runtime syncs.
type Service struct{ cfg Config }

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

// LaneOperation names a live-target runtime apply in lane reservations.
const LaneOperation = "live-target-runtime apply"

// Hooks run inside an apply's lane reservation. Both are optional.
type Hooks struct {
	// Reserved runs once the lane is held, before anything is read from
	// Dokploy; an error ends the apply and is returned as is. The API
	// re-checks its idempotency record here, so a duplicate that waited
	// for the lane replays the first response instead of acting again.
	Reserved func(ctx context.Context) error
	// Done runs with a successful apply's result before the lane is
	// released; its error is returned with the result. The API stores its
	// idempotency record here, so no duplicate can take the lane between
	// the effect and the record.
	Done func(ctx context.Context, res Result) error
}

// Result is the sync report (service.md §8.1 step 8): key names and
// counts, never values.
type Result struct {
	Status             string        `json:"status"`
	Mode               string        `json:"mode"`
	Context            string        `json:"context"`
	Instance           string        `json:"instance"`
	TrackedTarget      TrackedTarget `json:"tracked_target"`
	RuntimeEnvironment Delta         `json:"runtime_environment"`
	RuntimeKeySafety   KeySafetyOut  `json:"runtime_key_safety"`
	Apply              ApplyOut      `json:"apply"`
	Deploy             DeployOut     `json:"deploy"`
}

// TrackedTarget names the Dokploy target of the lane.
type TrackedTarget struct {
	TargetID   string `json:"target_id"`
	TargetType string `json:"target_type"`
	TargetName string `json:"target_name"`
}

// Delta compares the desired keys with the live env by key.
type Delta struct {
	DesiredKeyCount int `json:"desired_key_count"`
	LiveKeyCount    int `json:"live_key_count"`
	// MissingKeys are desired keys absent from the live env.
	MissingKeys []string `json:"missing_keys"`
	// DifferentKeys are desired keys whose live value differs.
	DifferentKeys []string `json:"different_keys"`
	// ChangedKeys is the sorted union of MissingKeys and DifferentKeys.
	ChangedKeys       []string `json:"changed_keys"`
	UnchangedKeyCount int      `json:"unchanged_key_count"`
	// SkippedExecutionKeys are resolved keys a sync never writes because
	// only execution owns them (targets.ExecutionOwned): a synced image
	// reference would run an image inventory does not record.
	SkippedExecutionKeys []string `json:"skipped_execution_keys"`
}

// Key-safety statuses beyond keysafety's pass and fail.
const (
	KeySafetyUnavailable = "unavailable"
	KeySafetySkipped     = "skipped"
)

// KeySafetyOut reports the runtime key-safety check. Required is true when
// a missing policy or a failing check refuses the request (an apply with
// changes or a deploy).
type KeySafetyOut struct {
	Required           bool                `json:"required"`
	Status             string              `json:"status"`
	PolicyRecordID     string              `json:"policy_record_id"`
	PolicySHA256       string              `json:"policy_sha256"`
	Target             keysafety.Target    `json:"target"`
	CheckedBindingKeys []string            `json:"checked_binding_keys"`
	Findings           []keysafety.Finding `json:"findings"`
}

// ApplyOut reports the write. Verification is nil on a dry-run.
type ApplyOut struct {
	Applied      bool          `json:"applied"`
	EnvUpdated   bool          `json:"env_updated"`
	Verification *Verification `json:"verification"`
}

// Verification statuses.
const (
	VerificationPassed  = "passed"
	VerificationFailed  = "failed"
	VerificationSkipped = "skipped" // an apply with nothing to write
)

// Verification is the read-back check of the desired keys after a write.
type Verification struct {
	Status           string   `json:"status"`
	MissingKeys      []string `json:"missing_keys"`
	DifferentKeys    []string `json:"different_keys"`
	VerifiedKeyCount int      `json:"verified_key_count"`
}

// DeployOut reports the optional deploy.
type DeployOut struct {
	Requested bool          `json:"requested"`
	Triggered bool          `json:"triggered"`
	Result    *DeployResult `json:"result"`
}

// Plan is Run in dry-run mode: it reads the target and reports the delta
// and the key-safety verdict without writing anything.
func (s *Service) Plan(ctx context.Context, req Request) (Result, error) {
	req.Mode = ModeDryRun
	return s.Run(ctx, req)
}

// Apply is Run in apply mode.
func (s *Service) Apply(ctx context.Context, req Request) (Result, error) {
	req.Mode = ModeApply
	return s.Run(ctx, req)
}

// Run performs req (service.md §8.1 steps 1–8). Refusals are *Error with a
// wire code; every other error is unexpected.
func (s *Service) Run(ctx context.Context, req Request) (Result, error) {
	return s.RunWith(ctx, req, Hooks{})
}

// RunWith is Run with hooks that run inside an apply's lane reservation
// (a dry-run reserves nothing and runs no hook). A lane held by another
// operation refuses with CodeLaneBusy before Dokploy is called.
func (s *Service) RunWith(ctx context.Context, req Request, h Hooks) (Result, error) {
	if err := s.validate(&req); err != nil {
		return Result{}, err
	}
	apply := req.Mode == ModeApply

	// 1. The tracked target.
	tr, err := targets.Resolve(ctx, s.cfg.Store, req.Context, req.Instance)
	switch {
	case errors.Is(err, targets.ErrNotTracked):
		return Result{}, newError(CodeTrackedTargetNotFound, fmt.Sprintf("No tracked Dokploy target for %s/%s.", req.Context, req.Instance), err)
	case errors.Is(err, targets.ErrStale):
		return Result{}, newError(CodeProviderTargetStale, fmt.Sprintf("The provider target of %s/%s no longer matches its Dokploy records; reconcile it first.", req.Context, req.Instance), err)
	case err != nil:
		return Result{}, fmt.Errorf("resolve tracked target: %w", err)
	}
	res := Result{Status: "ok", Mode: req.Mode, Context: req.Context, Instance: req.Instance,
		TrackedTarget: TrackedTarget{TargetID: tr.TargetID(), TargetType: tr.Target.TargetType, TargetName: tr.Target.TargetName},
		Deploy:        DeployOut{Requested: req.Deploy}}

	// One operation per lane: the read, merge, write, verify and deploy of
	// an apply must not interleave with another apply's or a deploy's.
	if apply {
		release, err := targets.ReserveLane(ctx, s.cfg.Store, s.cfg.Now, req.Context, req.Instance, LaneOperation, s.laneTTL(req, tr))
		if errors.Is(err, targets.ErrLaneBusy) {
			return Result{}, newError(CodeLaneBusy, fmt.Sprintf("Another operation holds the lane %s/%s; nothing was changed. Retry once it ends.", req.Context, req.Instance), err)
		}
		if err != nil {
			return Result{}, err
		}
		defer release()
		if h.Reserved != nil {
			if err := h.Reserved(ctx); err != nil {
				return Result{}, err
			}
		}
	}

	// 2–3. The desired keys.
	desired, err := s.desired(ctx, req)
	if err != nil {
		return Result{}, err
	}

	// 4. The live env and the delta.
	client, err := s.client(ctx)
	if err != nil {
		return Result{}, err
	}
	lt, err := targets.ReadLive(ctx, client, tr)
	if err != nil {
		return Result{}, newError(CodeDokployTargetReadFailed, "Could not read the live Dokploy target.", err)
	}
	live := dokploy.ParseEnv(lt.Env)
	res.RuntimeEnvironment = delta(desired.values, live)
	res.RuntimeEnvironment.SkippedExecutionKeys = desired.skipped
	changed := len(res.RuntimeEnvironment.ChangedKeys) > 0

	// 5. Key safety.
	required := apply && (changed || req.Deploy)
	ks, err := s.keySafety(ctx, req, desired.secretKeys, required, !apply || required)
	if err != nil {
		return Result{}, err
	}
	res.RuntimeKeySafety = ks
	if !apply {
		return res, nil
	}

	// 6. Write and verify.
	res.Apply = ApplyOut{Applied: true, Verification: &Verification{Status: VerificationSkipped, MissingKeys: []string{}, DifferentKeys: []string{}}}
	if changed {
		v, err := s.write(ctx, client, tr, desired.values)
		if err != nil {
			return Result{}, err
		}
		res.Apply.EnvUpdated, res.Apply.Verification = true, v
	}

	// 7. Deploy.
	if req.Deploy {
		out, err := s.cfg.Deploy(ctx, tr, req.NoCache, s.deployTimeout(req, tr))
		if err != nil {
			msg := "The Dokploy deploy failed"
			if res.Apply.EnvUpdated {
				msg = "The env was written and verified, but the Dokploy deploy failed"
			}
			if out.DeploymentID != "" {
				msg += " (deployment " + out.DeploymentID + ")"
			}
			return Result{}, newError(CodeDokployDeployFailed, msg+".", err)
		}
		res.Deploy.Triggered, res.Deploy.Result = true, &out
	}
	if h.Done != nil {
		return res, h.Done(ctx, res)
	}
	return res, nil
}

func (s *Service) validate(req *Request) error {
	req.Product, req.Context, req.Instance, req.Mode = strings.TrimSpace(req.Product), strings.TrimSpace(req.Context), strings.TrimSpace(req.Instance), strings.TrimSpace(req.Mode)
	var problems []string
	if req.Context == "" || req.Instance == "" {
		problems = append(problems, "context and instance are required")
	}
	if req.Mode != ModeDryRun && req.Mode != ModeApply {
		problems = append(problems, "mode must be dry-run or apply")
	}
	if req.Mode != ModeApply && (req.Deploy || req.NoCache || req.TimeoutSeconds != 0) {
		problems = append(problems, "deploy, no_cache and the deploy timeout go with mode apply only")
	}
	if !req.Deploy && (req.NoCache || req.TimeoutSeconds != 0) {
		problems = append(problems, "no_cache and the deploy timeout need deploy")
	}
	if req.TimeoutSeconds < 0 {
		problems = append(problems, "the deploy timeout must not be negative")
	}
	if len(problems) > 0 {
		return newError(CodeInvalidRequest, "Invalid live-target runtime request: "+strings.Join(problems, "; ")+".", nil)
	}
	if req.Deploy && s.cfg.Deploy == nil {
		return newError(CodeDeployUnavailable, "Deploying from a live-target runtime apply is not wired in this build; apply without deploy, then deploy the target separately.", nil)
	}
	return nil
}

// client builds the Dokploy client from the managed credentials.
func (s *Service) client(ctx context.Context) (*dokploy.Client, error) {
	c, err := s.cfg.Dokploy(ctx)
	if errors.Is(err, targets.ErrNoCredentials) {
		return nil, newError(CodeDokployCredentialsMissing,
			"Dokploy credentials are not configured: store global dokploy secrets bound to DOKPLOY_HOST and DOKPLOY_TOKEN.", err)
	}
	if err != nil {
		return nil, fmt.Errorf("build dokploy client: %w", err)
	}
	return c, nil
}

// laneTTL bounds the lane reservation of an apply: the deploy wait plus
// five minutes for the reads and writes, or ten minutes without a deploy.
// A holder that crashes leaves the lane to be taken over after it.
func (s *Service) laneTTL(req Request, tr targets.Tracked) time.Duration {
	if !req.Deploy {
		return 10 * time.Minute
	}
	timeout := s.deployTimeout(req, tr)
	if timeout <= 0 {
		timeout = deploy.DefaultDeployTimeoutSeconds * time.Second
	}
	return timeout + 5*time.Minute
}

func (s *Service) deployTimeout(req Request, tr targets.Tracked) time.Duration {
	switch {
	case req.TimeoutSeconds > 0:
		return time.Duration(req.TimeoutSeconds) * time.Second
	case tr.Target.DeployTimeoutSeconds != nil:
		return time.Duration(*tr.Target.DeployTimeoutSeconds) * time.Second
	}
	return 0
}
