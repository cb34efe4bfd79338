// Package deploy executes ship, promote and rollback against a tracked
// Dokploy target: it checks every precondition before touching the
// provider, deploys the exact artifact (repository@digest) with a runtime
// identity breadcrumb, waits for its own deployment to finish, verifies
// health and identity, and writes the evidence — failed attempts included —
// with the derived inventory and release tuple in one transaction.
package deploy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
)

// Request kinds.
const (
	KindShip     = "ship"
	KindPromote  = "promote"
	KindRollback = "rollback"
)

// Defaults when neither the request nor the target sets a timeout.
const (
	DefaultDeployTimeoutSeconds = 600
	DefaultHealthTimeoutSeconds = 180
	// MaxTimeoutSeconds caps every deploy and health timeout (request or
	// target): an execution is bounded, so its lane reservation and its
	// Idempotency-Key reservation can outlast it.
	MaxTimeoutSeconds = 3600
)

// Request is one execution: `ship resolve`, `promote resolve` and
// `rollback resolve` print it, the execute commands and the service take it.
// Instance is always the destination lane; a promotion also names the lane
// it promotes from.
type Request struct {
	SchemaVersion        int      `json:"schema_version"`
	Kind                 string   `json:"kind"`
	Context              string   `json:"context"`
	Instance             string   `json:"instance"`
	FromInstance         string   `json:"from_instance"`
	ArtifactID           string   `json:"artifact_id"`
	BackupRecordID       string   `json:"backup_record_id"`
	Reason               string   `json:"reason"`
	SourceGitRef         string   `json:"source_git_ref"`
	Wait                 bool     `json:"wait"`
	TimeoutSeconds       int      `json:"timeout_seconds"`
	VerifyHealth         bool     `json:"verify_health"`
	HealthTimeoutSeconds int      `json:"health_timeout_seconds"`
	HealthURLs           []string `json:"health_urls"`
	NoCache              bool     `json:"no_cache"`
	DryRun               bool     `json:"dry_run"`
	// SourceHealth is the source lane's health evidence a promotion's
	// caller verified before executing; it is recorded on the promotion.
	SourceHealth *record.HealthcheckEvidence `json:"source_health"`
}

// NewRequest returns a request of kind with the defaults applied: wait for
// completion and verify health.
func NewRequest(kind string) Request {
	return Request{SchemaVersion: 1, Kind: kind, Wait: true, VerifyHealth: true}
}

// DecodeRequest strictly decodes a request (unknown keys refused) over the
// defaults and validates it.
func DecodeRequest(data []byte) (Request, error) {
	r := NewRequest("")
	if err := record.DecodeStrict("deploy request", data, &r); err != nil {
		return Request{}, err
	}
	if err := r.Validate(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// Validate trims r in place and checks the fields its kind needs.
func (r *Request) Validate() error {
	for _, s := range []*string{&r.Kind, &r.Context, &r.Instance, &r.FromInstance, &r.ArtifactID, &r.BackupRecordID, &r.Reason, &r.SourceGitRef} {
		*s = strings.TrimSpace(*s)
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if r.SchemaVersion != 1 {
		add("schema_version must be 1 (got %d)", r.SchemaVersion)
	}
	if !slices.Contains([]string{KindShip, KindPromote, KindRollback}, r.Kind) {
		add("kind must be ship, promote or rollback (got %q)", r.Kind)
	}
	if r.Context == "" {
		add("context is required")
	}
	if !slices.Contains(record.TrackedLanes, r.Instance) {
		add("instance must be a tracked lane (testing or prod), got %q", r.Instance)
	}
	if r.ArtifactID == "" {
		add("artifact_id is required: execution deploys an explicit artifact")
	}
	switch r.Kind {
	case KindPromote:
		if r.FromInstance == "" || r.FromInstance == r.Instance {
			add("from_instance is required and must differ from instance")
		}
		if r.BackupRecordID == "" {
			add("backup_record_id is required: a promotion is gated on stored backup evidence for the destination")
		}
		if !r.Wait {
			add("wait must be true for a promotion: its evidence needs the deploy outcome")
		}
	case KindRollback:
		if r.Reason == "" {
			add("reason is required for a rollback")
		}
		if !r.Wait {
			add("wait must be true for a rollback")
		}
	}
	if r.Kind != KindPromote && (r.FromInstance != "" || r.SourceHealth != nil) {
		add("from_instance and source_health belong to promotions only")
	}
	if r.Kind == KindRollback && r.BackupRecordID != "" {
		add("backup_record_id belongs to promotions and gated ships")
	}
	if r.TimeoutSeconds < 0 || r.HealthTimeoutSeconds < 0 || r.TimeoutSeconds > MaxTimeoutSeconds || r.HealthTimeoutSeconds > MaxTimeoutSeconds {
		add("timeouts must be 0..%d seconds (0 means the target's or the default)", MaxTimeoutSeconds)
	}
	if r.HealthURLs == nil {
		r.HealthURLs = []string{}
	}
	for i, u := range r.HealthURLs {
		if r.HealthURLs[i] = strings.TrimSpace(u); r.HealthURLs[i] == "" {
			add("health_urls[%d] must not be blank", i)
		}
	}
	if r.VerifyHealth && !r.Wait {
		add("verify_health needs wait: health is checked after the deploy finishes")
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid %s request: %s: %w", r.Kind, strings.Join(problems, "; "), record.ErrInvalid)
	}
	return nil
}
