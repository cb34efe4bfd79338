package dokploysim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

type project struct {
	ProjectID      string
	Name           string
	CreatedAt      string
	organizationID string
	environments   []*environment
}

type environment struct {
	EnvironmentID string
	Name          string
	IsDefault     bool
	project       *project
	targets       []string // application and compose ids, in creation order
}

// application is the flat application row, with the §5 defaults.
type application struct {
	ApplicationID     string   `json:"applicationId"`
	Name              string   `json:"name"`
	AppName           string   `json:"appName"`
	Description       *string  `json:"description"`
	EnvironmentID     string   `json:"environmentId"`
	ServerID          *string  `json:"serverId"`
	Env               *string  `json:"env"`
	BuildArgs         *string  `json:"buildArgs"`
	BuildSecrets      *string  `json:"buildSecrets"`
	CreateEnvFile     bool     `json:"createEnvFile"`
	SourceType        string   `json:"sourceType"`
	DockerImage       *string  `json:"dockerImage"`
	Username          *string  `json:"username"`
	Password          *string  `json:"password"`
	RegistryURL       *string  `json:"registryUrl"`
	BuildType         string   `json:"buildType"`
	Dockerfile        *string  `json:"dockerfile"`
	DockerContextPath *string  `json:"dockerContextPath"`
	DockerBuildStage  *string  `json:"dockerBuildStage"`
	HerokuVersion     *string  `json:"herokuVersion"`
	RailpackVersion   *string  `json:"railpackVersion"`
	PublishDirectory  *string  `json:"publishDirectory"`
	IsStaticSpa       *bool    `json:"isStaticSpa"`
	Replicas          int      `json:"replicas"`
	EndpointSpecSwarm any      `json:"endpointSpecSwarm"`
	TriggerType       *string  `json:"triggerType"`
	Enabled           *bool    `json:"enabled"`
	AutoDeploy        *bool    `json:"autoDeploy"`
	CustomGitURL      *string  `json:"customGitUrl"`
	CustomGitBranch   *string  `json:"customGitBranch"`
	CustomGitSSHKeyID *string  `json:"customGitSSHKeyId"`
	Repository        *string  `json:"repository"`
	Branch            *string  `json:"branch"`
	WatchPaths        []string `json:"watchPaths"`
	ApplicationStatus string   `json:"applicationStatus"`
	CreatedAt         string   `json:"createdAt"`
}

// compose is the flat compose row, with the §5 defaults.
type compose struct {
	ComposeID         string   `json:"composeId"`
	Name              string   `json:"name"`
	AppName           string   `json:"appName"`
	Description       *string  `json:"description"`
	EnvironmentID     string   `json:"environmentId"`
	ServerID          *string  `json:"serverId"`
	Env               *string  `json:"env"`
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
	CreatedAt         string   `json:"createdAt"`
}

// deployment is a deployment row (§4.4).
type deployment struct {
	DeploymentID        string  `json:"deploymentId"`
	Title               string  `json:"title"`
	Description         *string `json:"description"`
	Status              string  `json:"status"`
	LogPath             string  `json:"logPath"`
	Pid                 *string `json:"pid"`
	ApplicationID       *string `json:"applicationId"`
	ComposeID           *string `json:"composeId"`
	ServerID            *string `json:"serverId"`
	ScheduleID          *string `json:"scheduleId"`
	BackupID            *string `json:"backupId"`
	RollbackID          *string `json:"rollbackId"`
	VolumeBackupID      *string `json:"volumeBackupId"`
	PreviewDeploymentID *string `json:"previewDeploymentId"`
	IsPreviewDeployment bool    `json:"isPreviewDeployment"`
	BuildServerID       *string `json:"buildServerId"`
	CreatedAt           string  `json:"createdAt"`
	StartedAt           *string `json:"startedAt"`
	FinishedAt          *string `json:"finishedAt"`
	ErrorMessage        *string `json:"errorMessage"`
	// logs is the deployment's build log file, one line per entry.
	logs []string
}

// snapshot is what a deploy ships: captured when the deploy starts, made
// live only when it finishes "done".
type snapshot struct {
	image       string
	env         string
	composeFile string
}

// target is an application or a compose with its deploy state.
type target struct {
	app     *application
	compose *compose
	live    *snapshot
	// prevLive is the snapshot live before live, which a rolling update's
	// old replica keeps serving for a while (HealthStaleIdentity).
	prevLive *snapshot
	// liveAt is when live became live (the finishing deploy's end).
	liveAt      time.Time
	deployments []*deployment // insertion (oldest-first) order
	faults      []outcome     // consumed one per deploy call
	// containers run the live snapshot: one for an application, one per
	// service for a compose. A "done" deploy replaces them.
	containers []*container
	health     healthSetting
}

func (t *target) id() string {
	if t.app != nil {
		return t.app.ApplicationID
	}
	return t.compose.ComposeID
}

func (t *target) appName() string {
	if t.app != nil {
		return t.app.AppName
	}
	return t.compose.AppName
}

func (t *target) setStatus(st string) {
	if t.app != nil {
		t.app.ApplicationStatus = st
		return
	}
	t.compose.ComposeStatus = st
}

func (t *target) current() *snapshot {
	if t.app != nil {
		return &snapshot{image: deref(t.app.DockerImage), env: deref(t.app.Env)}
	}
	return &snapshot{env: deref(t.compose.Env), composeFile: t.compose.ComposeFile}
}

// newID returns a deterministic 21-character id, the length of Dokploy's
// nanoids, so tests see stable values.
func (s *Sim) newID(prefix string) string {
	s.seq++
	id := fmt.Sprintf("%s%021d", prefix, s.seq)
	return id[:len(prefix)] + id[len(id)-(21-len(prefix)):]
}

// suffix returns six lower-case [a-z0-9] characters, unique per Sim.
func (s *Sim) suffix() string {
	s.seq++
	v := strings.Repeat("0", 6) + strings.ToLower(fmt.Sprintf("%x", s.seq*7919))
	return v[len(v)-6:]
}

// rewriteAppName applies Dokploy's appName rule: lower-case, then "-" plus
// a random six-character suffix (errata 5: spaces are rejected upstream).
func (s *Sim) rewriteAppName(requested *string, kind string) string {
	if requested == nil || *requested == "" {
		return fmt.Sprintf("%s-sim-quiet-node-%s", kind, s.suffix())
	}
	return strings.ToLower(*requested) + "-" + s.suffix()
}

// overlay applies an update's column values to row by round-tripping it
// through JSON, which also gives Dokploy's null-to-zero storage for
// non-pointer columns such as replicas (errata 1).
func overlay[T any](row *T, in input, idKey string) error {
	b, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("decode row: %w", err)
	}
	for k, v := range in {
		if k != idKey && k != "createdAt" {
			m[k] = v
		}
	}
	b, err = json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	var next T
	if err := json.Unmarshal(b, &next); err != nil {
		return fmt.Errorf("decode update: %w", err)
	}
	*row = next
	return nil
}

// columnsOf lists the JSON column names of a row type, minus its id.
func columnsOf(row any, idKey string) map[string]bool {
	b, _ := json.Marshal(row)
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(b, &m)
	cols := map[string]bool{}
	for k := range m {
		if k != idKey && k != "createdAt" {
			cols[k] = true
		}
	}
	return cols
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
