package record

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Status is the closed set used by every evidence status field.
type Status = string

// Evidence statuses.
const (
	StatusPending Status = "pending"
	StatusPass    Status = "pass"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

var allStatuses = []string{StatusPending, StatusPass, StatusFail, StatusSkipped}

// Provider target types a deployment can name.
const (
	TargetCompose     = "compose"
	TargetApplication = "application"
)

// ArtifactIdentity points at an artifact manifest.
type ArtifactIdentity struct {
	ArtifactID      string `json:"artifact_id"`
	ManifestVersion int    `json:"manifest_version"`
}

// UnmarshalJSON applies the manifest_version default. Unknown keys and
// nulls were already refused by the outer walk (checkKeys).
func (a *ArtifactIdentity) UnmarshalJSON(data []byte) error {
	type plain ArtifactIdentity
	p := plain{ManifestVersion: 1}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	// The raw error goes back to the outer decoder, which adds the field
	// path (artifact_identity.artifact_id) to type errors.
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*a = ArtifactIdentity(p)
	return nil
}

func (a *ArtifactIdentity) check(c *checker, field string) {
	c.required(field+".artifact_id", &a.ArtifactID)
	if a.ManifestVersion < 1 {
		c.add(field+".manifest_version", "must be at least 1 (got %d)", a.ManifestVersion)
	}
}

// artifactID returns the identity's artifact id, or "" for a nil identity.
func (a *ArtifactIdentity) artifactID() string {
	if a == nil {
		return ""
	}
	return a.ArtifactID
}

// DeploymentEvidence describes one provider deploy.
type DeploymentEvidence struct {
	TargetName   string `json:"target_name"`
	TargetType   string `json:"target_type"`
	DeployMode   string `json:"deploy_mode"`
	DeploymentID string `json:"deployment_id"`
	Status       Status `json:"status"`
	StartedAt    string `json:"started_at"`
	FinishedAt   string `json:"finished_at"`
}

func defaultDeploymentEvidence() DeploymentEvidence {
	return DeploymentEvidence{Status: StatusPending}
}

func (d *DeploymentEvidence) check(c *checker, field string) {
	c.required(field+".target_name", &d.TargetName)
	d.TargetType = strings.TrimSpace(d.TargetType)
	c.oneOf(field+".target_type", d.TargetType, TargetCompose, TargetApplication)
	c.required(field+".deploy_mode", &d.DeployMode)
	c.oneOf(field+".status", d.Status, allStatuses...)
	c.timestamp(field+".started_at", &d.StartedAt, false)
	c.timestamp(field+".finished_at", &d.FinishedAt, false)
}

// HealthcheckEvidence records whether and how a lane's health was verified.
type HealthcheckEvidence struct {
	Verified       bool     `json:"verified"`
	URLs           []string `json:"urls"`
	TimeoutSeconds *int     `json:"timeout_seconds"`
	Status         Status   `json:"status"`
}

func defaultHealth() HealthcheckEvidence { return HealthcheckEvidence{Status: StatusSkipped} }

func (h *HealthcheckEvidence) check(c *checker, field string) {
	h.URLs = nonNil(h.URLs)
	c.oneOf(field+".status", h.Status, allStatuses...)
	if h.TimeoutSeconds != nil && *h.TimeoutSeconds < 1 {
		c.add(field+".timeout_seconds", "must be at least 1 when set (got %d)", *h.TimeoutSeconds)
	}
	for i, u := range h.URLs {
		if strings.TrimSpace(u) == "" {
			c.add(field+".urls", "entry %d must not be blank", i)
		}
	}
	if !h.Verified {
		return
	}
	if len(h.URLs) == 0 {
		c.add(field+".urls", "must not be empty when verified is true")
	}
	if h.TimeoutSeconds == nil {
		c.add(field+".timeout_seconds", "is required when verified is true")
	}
	if h.Status != StatusPass && h.Status != StatusFail {
		c.add(field+".status", "must be pass or fail when verified is true (got %q)", h.Status)
	}
}

// PostDeployUpdateEvidence records the post-deploy update step.
type PostDeployUpdateEvidence struct {
	Attempted bool   `json:"attempted"`
	Status    Status `json:"status"`
	Detail    string `json:"detail"`
}

func defaultPostDeploy() PostDeployUpdateEvidence {
	return PostDeployUpdateEvidence{Status: StatusSkipped}
}

func (p *PostDeployUpdateEvidence) check(c *checker, field string) {
	checkAttempted(c, field, p.Attempted, p.Status)
}

// checkAttempted enforces the shared attempted/status rule of post-deploy
// and rollback evidence.
func checkAttempted(c *checker, field string, attempted bool, status Status) {
	c.oneOf(field+".status", status, allStatuses...)
	switch {
	case !attempted && status != StatusSkipped:
		c.add(field+".status", "must be skipped when attempted is false (got %q)", status)
	case attempted && status == StatusSkipped:
		c.add(field+".status", "must be pending, pass or fail when attempted is true")
	}
}

// RollbackEvidence records a rollback that annotates a promotion.
type RollbackEvidence struct {
	Attempted    bool   `json:"attempted"`
	Status       Status `json:"status"`
	Detail       string `json:"detail"`
	SnapshotName string `json:"snapshot_name"`
	StartedAt    string `json:"started_at"`
	FinishedAt   string `json:"finished_at"`
}

func (r *RollbackEvidence) check(c *checker, field string) {
	checkAttempted(c, field, r.Attempted, r.Status)
	c.timestamp(field+".started_at", &r.StartedAt, false)
	c.timestamp(field+".finished_at", &r.FinishedAt, false)
}

// BackupGateEvidence is the gate summary carried inside a promotion.
type BackupGateEvidence struct {
	Required bool              `json:"required"`
	Status   Status            `json:"status"`
	Evidence map[string]string `json:"evidence"`
}

func (b *BackupGateEvidence) check(c *checker, field string) {
	b.Evidence = nonNilMap(b.Evidence)
	c.oneOf(field+".status", b.Status, allStatuses...)
	c.stringMap(field+".evidence", b.Evidence)
}

// ResolvedTarget names the provider target a deployment resolved to.
type ResolvedTarget struct {
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	TargetName string `json:"target_name"`
}

func (r *ResolvedTarget) check(c *checker, field string) {
	c.oneOf(field+".target_type", r.TargetType, TargetCompose, TargetApplication)
	c.required(field+".target_id", &r.TargetID)
	c.required(field+".target_name", &r.TargetName)
}
