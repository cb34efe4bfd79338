package dokploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
)

// Application is the subset of application.one (and of the flat row returned
// by application.create) that Launchplane reads. Nullable columns whose null
// must be copied back verbatim (env, registry credentials) are pointers.
type Application struct {
	ApplicationID     string          `json:"applicationId"`
	Name              string          `json:"name"`
	AppName           string          `json:"appName"`
	Description       *string         `json:"description"`
	EnvironmentID     string          `json:"environmentId"`
	ServerID          *string         `json:"serverId"`
	Env               *string         `json:"env"`
	BuildArgs         *string         `json:"buildArgs"`
	BuildSecrets      *string         `json:"buildSecrets"`
	CreateEnvFile     bool            `json:"createEnvFile"`
	SourceType        string          `json:"sourceType"`
	DockerImage       *string         `json:"dockerImage"`
	Username          *string         `json:"username"`
	Password          *string         `json:"password"` // plain text from Dokploy; never log
	RegistryURL       *string         `json:"registryUrl"`
	BuildType         string          `json:"buildType"`
	Dockerfile        *string         `json:"dockerfile"`
	DockerContextPath *string         `json:"dockerContextPath"`
	DockerBuildStage  *string         `json:"dockerBuildStage"`
	HerokuVersion     *string         `json:"herokuVersion"`
	RailpackVersion   *string         `json:"railpackVersion"`
	PublishDirectory  *string         `json:"publishDirectory"`
	IsStaticSpa       *bool           `json:"isStaticSpa"`
	Replicas          int             `json:"replicas"`
	EndpointSpecSwarm json.RawMessage `json:"endpointSpecSwarm"`
	TriggerType       *string         `json:"triggerType"`
	Enabled           *bool           `json:"enabled"`
	AutoDeploy        *bool           `json:"autoDeploy"`
	CustomGitURL      *string         `json:"customGitUrl"`
	CustomGitBranch   *string         `json:"customGitBranch"`
	CustomGitSSHKeyID *string         `json:"customGitSSHKeyId"`
	Repository        *string         `json:"repository"`
	Branch            *string         `json:"branch"`
	WatchPaths        []string        `json:"watchPaths"`
	ApplicationStatus string          `json:"applicationStatus"`
	// Deployments is unordered; sort by CreatedAt.
	Deployments []Deployment `json:"deployments"`
}

// CreateApplicationInput is the input of application.create. Dokploy rewrites
// AppName (lower-cased plus a random suffix); use the returned value.
type CreateApplicationInput struct {
	Name          string  `json:"name"`
	EnvironmentID string  `json:"environmentId"`
	AppName       string  `json:"appName,omitempty"`
	Description   *string `json:"description,omitempty"`
	ServerID      *string `json:"serverId,omitempty"`
}

// UpdateApplicationInput is the input of application.update. Nil fields are
// omitted and left unchanged. Replicas and CreateEnvFile are not nullable in
// Dokploy, so they are only ever sent with a value.
type UpdateApplicationInput struct {
	ApplicationID     string          `json:"applicationId"`
	Description       *string         `json:"description,omitempty"`
	SourceType        *string         `json:"sourceType,omitempty"`
	AutoDeploy        *bool           `json:"autoDeploy,omitempty"`
	Replicas          *int            `json:"replicas,omitempty"`
	EndpointSpecSwarm json.RawMessage `json:"endpointSpecSwarm,omitempty"`
	CreateEnvFile     *bool           `json:"createEnvFile,omitempty"`
	TriggerType       *string         `json:"triggerType,omitempty"`
	Enabled           *bool           `json:"enabled,omitempty"`
}

// SaveDockerProviderInput is the input of application.saveDockerProvider.
// Every key is required but nullable, so nil pointers are sent as JSON null,
// never omitted (Dokploy answers 400 for a missing key).
type SaveDockerProviderInput struct {
	ApplicationID string  `json:"applicationId"`
	DockerImage   *string `json:"dockerImage"`
	Username      *string `json:"username"`
	Password      *string `json:"password"`
	RegistryURL   *string `json:"registryUrl"`
}

// SaveEnvironmentInput is the input of application.saveEnvironment. Each
// string replaces the stored value whole; nil is sent as JSON null.
// CreateEnvFile is required and not nullable, so it is always sent.
type SaveEnvironmentInput struct {
	ApplicationID string  `json:"applicationId"`
	Env           *string `json:"env"`
	BuildArgs     *string `json:"buildArgs"`
	BuildSecrets  *string `json:"buildSecrets"`
	CreateEnvFile bool    `json:"createEnvFile"`
}

// deployInput is the input of application.deploy and application.redeploy.
type deployInput struct {
	ApplicationID string `json:"applicationId"`
	Title         string `json:"title,omitempty"`
	Description   string `json:"description,omitempty"`
}

// Application returns one application with its relations (application.one).
func (c *Client) Application(ctx context.Context, id string) (*Application, error) {
	if id == "" {
		return nil, errors.New("get application: id is empty")
	}
	var a Application
	if err := c.query(ctx, "application.one", url.Values{"applicationId": {id}}, &a); err != nil {
		return nil, fmt.Errorf("get application: %w", err)
	}
	return &a, nil
}

// CreateApplication creates an application and returns the new flat row.
func (c *Client) CreateApplication(ctx context.Context, in CreateApplicationInput) (*Application, error) {
	if in.Name == "" || in.EnvironmentID == "" {
		return nil, errors.New("create application: name and environment id are required")
	}
	var a Application
	if err := c.mutate(ctx, "application.create", in, &a); err != nil {
		return nil, fmt.Errorf("create application: %w", err)
	}
	if a.ApplicationID == "" {
		return nil, errors.New("create application: response has no applicationId")
	}
	return &a, nil
}

// UpdateApplication sets the given columns (application.update).
func (c *Client) UpdateApplication(ctx context.Context, in UpdateApplicationInput) error {
	return c.mutateID(ctx, "update application", in.ApplicationID, "application.update", in)
}

// SaveDockerProvider sets the image source; Dokploy also flips sourceType to
// "docker" and applicationStatus to "idle".
func (c *Client) SaveDockerProvider(ctx context.Context, in SaveDockerProviderInput) error {
	return c.mutateID(ctx, "save docker provider", in.ApplicationID, "application.saveDockerProvider", in)
}

// SaveEnvironment replaces env, buildArgs and buildSecrets whole. It does not
// affect the running workload until the next deploy.
func (c *Client) SaveEnvironment(ctx context.Context, in SaveEnvironmentInput) error {
	return c.mutateID(ctx, "save environment", in.ApplicationID, "application.saveEnvironment", in)
}

// DeployApplication enqueues a deploy. No deployment row exists when it
// returns; title tags the row for docker sources. An empty title or
// description lets Dokploy choose its default.
func (c *Client) DeployApplication(ctx context.Context, id, title, description string) error {
	in := deployInput{ApplicationID: id, Title: title, Description: description}
	return c.mutateID(ctx, "deploy application", id, "application.deploy", in)
}

// RedeployApplication enqueues a rebuild, like DeployApplication.
func (c *Client) RedeployApplication(ctx context.Context, id, title, description string) error {
	in := deployInput{ApplicationID: id, Title: title, Description: description}
	return c.mutateID(ctx, "redeploy application", id, "application.redeploy", in)
}

// logsSince and logsSearch mirror Dokploy's zod regexes for readLogs.
var (
	logsSince  = regexp.MustCompile(`^(all|\d+[smhd])$`)
	logsSearch = regexp.MustCompile(`^[a-zA-Z0-9 ._-]{0,500}$`)
)

// ApplicationLogs returns runtime container logs as one string, the
// output of docker logs --timestamps (application.readLogs). tail is 1 to
// 10000 (0 means Dokploy's default of 100); since is "all" or e.g. "10m"
// ("" means all); search is an optional case-insensitive substring filter.
// Dokploy answers 500 when nothing was ever deployed ("No container or
// service found for: <appName>") and also when search matches nothing.
func (c *Client) ApplicationLogs(ctx context.Context, id string, tail int, since, search string) (string, error) {
	if id == "" {
		return "", errors.New("read application logs: id is empty")
	}
	q := url.Values{"applicationId": {id}}
	if err := logQuery(q, tail, since, search); err != nil {
		return "", fmt.Errorf("read application logs: %w", err)
	}
	var logs string
	if err := c.query(ctx, "application.readLogs", q, &logs); err != nil {
		return "", fmt.Errorf("read application logs: %w", err)
	}
	return logs, nil
}

// SaveBuildTypeInput is the input of application.saveBuildType. The five
// nullable build columns are required keys (errata 4), and PublishDirectory
// and IsStaticSpa are nullable too, so every key is sent, nil as JSON null:
// the struct is the whole build configuration, e.g. one copied from a
// template application.
type SaveBuildTypeInput struct {
	ApplicationID string `json:"applicationId"`
	// BuildType is one of dockerfile, heroku_buildpacks, paketo_buildpacks,
	// nixpacks, static and railpack; Dokploy rejects anything else with 400.
	BuildType         string  `json:"buildType"`
	Dockerfile        *string `json:"dockerfile"`
	DockerContextPath *string `json:"dockerContextPath"`
	DockerBuildStage  *string `json:"dockerBuildStage"`
	HerokuVersion     *string `json:"herokuVersion"`
	RailpackVersion   *string `json:"railpackVersion"`
	PublishDirectory  *string `json:"publishDirectory"`
	IsStaticSpa       *bool   `json:"isStaticSpa"`
}

// SaveBuildType sets how Dokploy builds the application
// (application.saveBuildType).
func (c *Client) SaveBuildType(ctx context.Context, in SaveBuildTypeInput) error {
	if in.ApplicationID == "" || in.BuildType == "" {
		return errors.New("save build type: application id and build type are required")
	}
	if err := c.mutate(ctx, "application.saveBuildType", in, nil); err != nil {
		return fmt.Errorf("save build type: %w", err)
	}
	return nil
}

// DeleteApplication deletes an application with its domains, deployments
// and schedules (application.delete) and returns it as it was. Dokploy
// swallows cleanup errors, so success says only that the row is gone.
func (c *Client) DeleteApplication(ctx context.Context, id string) (*Application, error) {
	if id == "" {
		return nil, errors.New("delete application: id is empty")
	}
	var a Application
	in := struct {
		ApplicationID string `json:"applicationId"`
	}{id}
	if err := c.mutate(ctx, "application.delete", in, &a); err != nil {
		return nil, fmt.Errorf("delete application: %w", err)
	}
	return &a, nil
}
