package dokploy

import (
	"context"
	"fmt"
	"net/url"
)

// Deployment statuses. Dokploy emits only these four; any other value means
// "unknown, keep polling". A queued job has no row at all.
const (
	StatusRunning   = "running"
	StatusDone      = "done"
	StatusError     = "error"
	StatusCancelled = "cancelled"
)

// Deployment is a deployment row. Array order in responses is not trusted;
// sort by CreatedAt (ISO-8601 strings sort correctly).
type Deployment struct {
	DeploymentID  string `json:"deploymentId"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Status        string `json:"status"`
	LogPath       string `json:"logPath"`
	ApplicationID string `json:"applicationId"`
	ComposeID     string `json:"composeId"`
	ServerID      string `json:"serverId"`
	ScheduleID    string `json:"scheduleId"`
	CreatedAt     string `json:"createdAt"`
	StartedAt     string `json:"startedAt"`
	FinishedAt    string `json:"finishedAt"`
	ErrorMessage  string `json:"errorMessage"`
}

// validDeploymentType reports whether typ is in the closed set accepted by
// deployment.allByType.
func validDeploymentType(typ string) bool {
	switch typ {
	case "application", "compose", "server", "schedule", "previewDeployment", "backup", "volumeBackup":
		return true
	}
	return false
}

// Deployments returns the deployments of an application (deployment.all).
func (c *Client) Deployments(ctx context.Context, applicationID string) ([]Deployment, error) {
	if applicationID == "" {
		return nil, fmt.Errorf("list deployments: application id is empty")
	}
	var ds []Deployment
	q := url.Values{"applicationId": {applicationID}}
	if err := c.query(ctx, "deployment.all", q, &ds); err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	return ds, nil
}

// DeploymentsByType returns the deployments of any resource kind
// (deployment.allByType); typ is e.g. "schedule" or "compose".
func (c *Client) DeploymentsByType(ctx context.Context, id, typ string) ([]Deployment, error) {
	if id == "" {
		return nil, fmt.Errorf("list deployments by type: id is empty")
	}
	if !validDeploymentType(typ) {
		return nil, fmt.Errorf("list deployments by type: unknown type %q", typ)
	}
	var ds []Deployment
	q := url.Values{"id": {id}, "type": {typ}}
	if err := c.query(ctx, "deployment.allByType", q, &ds); err != nil {
		return nil, fmt.Errorf("list deployments by type: %w", err)
	}
	return ds, nil
}
