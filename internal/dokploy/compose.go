package dokploy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// Compose is the subset of compose.one that Launchplane reads.
type Compose struct {
	ComposeID     string  `json:"composeId"`
	Name          string  `json:"name"`
	AppName       string  `json:"appName"` // the compose project name
	EnvironmentID string  `json:"environmentId"`
	ServerID      *string `json:"serverId"`
	Env           *string `json:"env"`
	// ComposeFile is returned byte-for-byte as stored; compare hashes.
	ComposeFile       string   `json:"composeFile"`
	SourceType        string   `json:"sourceType"`
	ComposeType       string   `json:"composeType"`
	ComposePath       string   `json:"composePath"`
	CustomGitURL      *string  `json:"customGitUrl"`
	CustomGitBranch   *string  `json:"customGitBranch"`
	CustomGitSSHKeyID *string  `json:"customGitSSHKeyId"`
	AutoDeploy        *bool    `json:"autoDeploy"`
	EnableSubmodules  bool     `json:"enableSubmodules"`
	TriggerType       *string  `json:"triggerType"`
	WatchPaths        []string `json:"watchPaths"`
	ComposeStatus     string   `json:"composeStatus"`
	Repository        *string  `json:"repository"`
	Branch            *string  `json:"branch"`
	// Deployments is unordered; sort by CreatedAt.
	Deployments []Deployment `json:"deployments"`
}

// ComposeDeployResult is the answer of compose.deploy.
type ComposeDeployResult struct {
	Success   bool   `json:"success"`
	Message   string `json:"message"`
	ComposeID string `json:"composeId"`
}

// Compose returns one compose with its relations (compose.one).
func (c *Client) Compose(ctx context.Context, id string) (*Compose, error) {
	if id == "" {
		return nil, errors.New("get compose: id is empty")
	}
	var cm Compose
	if err := c.query(ctx, "compose.one", url.Values{"composeId": {id}}, &cm); err != nil {
		return nil, fmt.Errorf("get compose: %w", err)
	}
	return &cm, nil
}

// UpdateComposeEnv replaces the compose env string whole (compose.update).
// Dokploy answers 200 with an empty body for an unknown id, so callers that
// need certainty re-read with Compose.
func (c *Client) UpdateComposeEnv(ctx context.Context, id, env string) error {
	if id == "" {
		return errors.New("update compose env: id is empty")
	}
	in := struct {
		ComposeID string `json:"composeId"`
		Env       string `json:"env"`
	}{id, env}
	if err := c.mutate(ctx, "compose.update", in, nil); err != nil {
		return fmt.Errorf("update compose env: %w", err)
	}
	return nil
}

// DeployCompose enqueues a compose deploy. An empty title or description
// lets Dokploy choose its default.
func (c *Client) DeployCompose(ctx context.Context, id, title, description string) (*ComposeDeployResult, error) {
	if id == "" {
		return nil, errors.New("deploy compose: id is empty")
	}
	in := struct {
		ComposeID   string `json:"composeId"`
		Title       string `json:"title,omitempty"`
		Description string `json:"description,omitempty"`
	}{id, title, description}
	var res ComposeDeployResult
	if err := c.mutate(ctx, "compose.deploy", in, &res); err != nil {
		return nil, fmt.Errorf("deploy compose: %w", err)
	}
	return &res, nil
}

// DeleteCompose deletes a compose (compose.delete), dropping its queued
// deploys, and returns it as it was. deleteVolumes also removes its Docker
// volumes.
func (c *Client) DeleteCompose(ctx context.Context, id string, deleteVolumes bool) (*Compose, error) {
	if id == "" {
		return nil, errors.New("delete compose: id is empty")
	}
	in := struct {
		ComposeID     string `json:"composeId"`
		DeleteVolumes bool   `json:"deleteVolumes"`
	}{id, deleteVolumes}
	var cm Compose
	if err := c.mutate(ctx, "compose.delete", in, &cm); err != nil {
		return nil, fmt.Errorf("delete compose: %w", err)
	}
	return &cm, nil
}

// IsGitSource reports whether a source type builds from a git repository
// (Dokploy retitles such deployments after the commit on completion).
func IsGitSource(sourceType string) bool {
	switch sourceType {
	case "git", "github", "gitlab", "bitbucket", "gitea":
		return true
	}
	return false
}
