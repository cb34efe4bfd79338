package dokploy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// Container is one entry of docker.getContainersByAppNameMatch.
type Container struct {
	ContainerID string `json:"containerId"` // short id
	Name        string `json:"name"`
	State       string `json:"state"`
	Status      string `json:"status"`
}

// logQuery checks and encodes tail, since and search the way Dokploy's zod
// schema will, so a bad value fails here with a clear message instead of
// a 400 from the server.
func logQuery(q url.Values, tail int, since, search string) error {
	if tail < 0 || tail > 10000 {
		return fmt.Errorf("tail %d out of range 1-10000", tail)
	}
	if since != "" && !logsSince.MatchString(since) {
		return fmt.Errorf("invalid since %q (all, or a number and s, m, h or d)", since)
	}
	if !logsSearch.MatchString(search) {
		return errors.New("invalid search filter (letters, digits, spaces, '.', '_' and '-', at most 500)")
	}
	if tail > 0 {
		q.Set("tail", strconv.Itoa(tail))
	}
	if since != "" {
		q.Set("since", since)
	}
	if search != "" {
		q.Set("search", search)
	}
	return nil
}

// ComposeContainers lists the containers of a compose project
// (docker.getContainersByAppNameMatch with appType docker-compose); appName
// is the compose's appName. Dokploy answers [] when docker fails.
func (c *Client) ComposeContainers(ctx context.Context, appName string) ([]Container, error) {
	if appName == "" {
		return nil, errors.New("list compose containers: app name is empty")
	}
	var out []Container
	q := url.Values{"appName": {appName}, "appType": {"docker-compose"}}
	if err := c.query(ctx, "docker.getContainersByAppNameMatch", q, &out); err != nil {
		return nil, fmt.Errorf("list compose containers: %w", err)
	}
	return out, nil
}

// ComposeLogs returns one compose container's runtime logs as one string
// (compose.readLogs); containerID comes from ComposeContainers. tail, since
// and search are as for ApplicationLogs, including the error when search
// matches nothing.
func (c *Client) ComposeLogs(ctx context.Context, composeID, containerID string, tail int, since, search string) (string, error) {
	if composeID == "" || containerID == "" {
		return "", errors.New("read compose logs: compose id and container id are required")
	}
	q := url.Values{"composeId": {composeID}, "containerId": {containerID}}
	if err := logQuery(q, tail, since, search); err != nil {
		return "", fmt.Errorf("read compose logs: %w", err)
	}
	var logs string
	if err := c.query(ctx, "compose.readLogs", q, &logs); err != nil {
		return "", fmt.Errorf("read compose logs: %w", err)
	}
	return logs, nil
}

// DeploymentLogs returns the last tail lines (0 means Dokploy's default)
// of a deployment's build or job log (deployment.readLogs); "" when the
// deployment has no log file.
func (c *Client) DeploymentLogs(ctx context.Context, deploymentID string, tail int) (string, error) {
	if deploymentID == "" {
		return "", errors.New("read deployment logs: id is empty")
	}
	q := url.Values{"deploymentId": {deploymentID}}
	if err := logQuery(q, tail, "", ""); err != nil {
		return "", fmt.Errorf("read deployment logs: %w", err)
	}
	var logs string
	if err := c.query(ctx, "deployment.readLogs", q, &logs); err != nil {
		return "", fmt.Errorf("read deployment logs: %w", err)
	}
	return logs, nil
}
