package targets

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
)

// Env keys Launchplane owns on a tracked target. Execution writes them on
// every deploy; nothing else (a live runtime sync, a runtime record) may.
const (
	EnvImageReference     = "DOCKER_IMAGE_REFERENCE"
	EnvRuntimeIdentity    = "LAUNCHPLANE_RUNTIME_IDENTITY_JSON"
	EnvDeploymentRecordID = "LAUNCHPLANE_DEPLOYMENT_RECORD_ID"
	EnvArtifactID         = "LAUNCHPLANE_ARTIFACT_ID"
	EnvSourceGitRef       = "LAUNCHPLANE_SOURCE_GIT_REF"
	// EnvAddonRepositories lists addon repositories as repo@ref; artifact
	// execution refuses refs that are not exact commits.
	EnvAddonRepositories = "ODOO_ADDON_REPOSITORIES"
)

// ExecutionOwned reports whether key is one of the env keys only execution
// writes: the image reference and the runtime identity breadcrumb.
func ExecutionOwned(key string) bool {
	switch key {
	case EnvImageReference, EnvRuntimeIdentity, EnvDeploymentRecordID, EnvArtifactID, EnvSourceGitRef:
		return true
	}
	return false
}

// MutableAddonRepos returns the repository names (last path segment, no
// ".git") of the ODOO_ADDON_REPOSITORIES entries whose ref ("repo@ref") is
// not an exact commit SHA. Entries are separated by commas or whitespace.
// Only names are returned: an entry may carry credentials in its URL
// (https://token@host/...), and refs are not needed to fix it.
func MutableAddonRepos(value string) []string {
	var out []string
	for _, entry := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
		repo, ref := entry, ""
		if i := strings.LastIndex(entry, "@"); i >= 0 && !strings.Contains(entry[i+1:], "/") {
			repo, ref = entry[:i], entry[i+1:]
		}
		if record.IsExactSHA(ref) {
			continue
		}
		name := strings.TrimSuffix(path.Base(strings.TrimRight(repo, "/")), ".git")
		if i := strings.LastIndexAny(name, "@:"); i >= 0 {
			name = name[i+1:]
		}
		if name == "" || name == "." || name == "/" {
			name = "(unnamed)"
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Live is one read of a tracked target's Dokploy application or compose:
// its env text plus the row needed to write it back.
type Live struct {
	Env     string
	App     *dokploy.Application
	Compose *dokploy.Compose
}

// ReadLive reads the live application or compose of a tracked target.
func ReadLive(ctx context.Context, c *dokploy.Client, tr Tracked) (Live, error) {
	switch tr.Target.TargetType {
	case record.TargetApplication:
		a, err := c.Application(ctx, tr.TargetID())
		if err != nil {
			return Live{}, err
		}
		return Live{Env: Deref(a.Env), App: a}, nil
	case record.TargetCompose:
		cm, err := c.Compose(ctx, tr.TargetID())
		if err != nil {
			return Live{}, err
		}
		return Live{Env: Deref(cm.Env), Compose: cm}, nil
	}
	return Live{}, fmt.Errorf("read live target: unsupported target type %q", tr.Target.TargetType)
}

// WriteEnv replaces the target's env text. application.saveEnvironment
// also replaces buildArgs, buildSecrets and createEnvFile, so the values
// read with the env are sent back unchanged.
func (l Live) WriteEnv(ctx context.Context, c *dokploy.Client, env string) error {
	if l.App != nil {
		return c.SaveEnvironment(ctx, dokploy.SaveEnvironmentInput{ApplicationID: l.App.ApplicationID, Env: &env,
			BuildArgs: l.App.BuildArgs, BuildSecrets: l.App.BuildSecrets, CreateEnvFile: l.App.CreateEnvFile})
	}
	return c.UpdateComposeEnv(ctx, l.Compose.ComposeID, env)
}

// ExecutionBlockers returns why an artifact deploy cannot drive this live
// target, as messages naming keys and repositories only: addon
// repositories pinned to mutable refs, or an inline compose file that never
// reads DOCKER_IMAGE_REFERENCE (a deploy would not change the image).
func (l Live) ExecutionBlockers() []string {
	var out []string
	if repos := MutableAddonRepos(dokploy.ParseEnv(l.Env)[EnvAddonRepositories]); len(repos) > 0 {
		out = append(out, fmt.Sprintf("%s pins %s without an exact git SHA", EnvAddonRepositories, strings.Join(repos, ", ")))
	}
	if c := l.Compose; c != nil && c.SourceType == "raw" && c.ComposeFile != "" && !strings.Contains(c.ComposeFile, EnvImageReference) {
		out = append(out, "the inline compose file never reads "+EnvImageReference)
	}
	return out
}

// Deref returns *s, or "" for nil.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
