package liveruntime

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/targets"
)

// Env keys the artifact-backed execution path reads on the live target.
const (
	EnvDockerImageReference = "DOCKER_IMAGE_REFERENCE"
	EnvAddonRepositories    = "ODOO_ADDON_REPOSITORIES"
)

// Readiness blocker codes.
const (
	BlockerApplicationNotDocker = "application_source_not_docker"
	BlockerImageRefMissing      = "docker_image_reference_missing"
	BlockerComposeIgnoresImage  = "compose_file_ignores_docker_image_reference"
	BlockerMutableAddonRefs     = "mutable_addon_refs"
)

// LiveTarget is what environments show-live-target prints: the live
// target's identity, source and image, its env KEY NAMES, and whether it is
// ready for artifact-backed (split-repo) execution. Never env values.
type LiveTarget struct {
	Status        string        `json:"status"`
	Context       string        `json:"context"`
	Instance      string        `json:"instance"`
	TrackedTarget TrackedTarget `json:"tracked_target"`
	// LiveName is the application's or compose's name in Dokploy.
	LiveName     string `json:"live_name"`
	SourceType   string `json:"source_type"`
	TargetStatus string `json:"target_status"`
	// CurrentImage is an application's docker image, or a compose's
	// DOCKER_IMAGE_REFERENCE; "" when there is none.
	CurrentImage      string    `json:"current_image"`
	EnvKeys           []string  `json:"env_keys"`
	EnvKeyCount       int       `json:"env_key_count"`
	ArtifactReadiness Readiness `json:"artifact_readiness"`
}

// Readiness says whether a deploy of an exact artifact (repo@digest) can
// drive the target, and if not, why.
type Readiness struct {
	Ready                       bool      `json:"ready"`
	DockerImageReferencePresent bool      `json:"docker_image_reference_present"`
	Blockers                    []Blocker `json:"blockers"`
}

// Blocker is one reason a target is not ready. Detail names keys and
// repositories, never values or refs.
type Blocker struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Show reads the live Dokploy target of (context, instance).
func (s *Service) Show(ctx context.Context, context, instance string) (LiveTarget, error) {
	context, instance = strings.TrimSpace(context), strings.TrimSpace(instance)
	if context == "" || instance == "" {
		return LiveTarget{}, newError(CodeInvalidRequest, "Invalid live-target request: context and instance are required.", nil)
	}
	tr, err := targets.Resolve(ctx, s.cfg.Store, context, instance)
	switch {
	case errors.Is(err, targets.ErrNotTracked):
		return LiveTarget{}, newError(CodeTrackedTargetNotFound, fmt.Sprintf("No tracked Dokploy target for %s/%s.", context, instance), err)
	case errors.Is(err, targets.ErrStale):
		return LiveTarget{}, newError(CodeProviderTargetStale, fmt.Sprintf("The provider target of %s/%s no longer matches its Dokploy records; reconcile it first.", context, instance), err)
	case err != nil:
		return LiveTarget{}, fmt.Errorf("resolve tracked target: %w", err)
	}
	c, err := s.client(ctx)
	if err != nil {
		return LiveTarget{}, err
	}
	lt, err := readTarget(ctx, c, tr)
	if err != nil {
		return LiveTarget{}, newError(CodeDokployTargetReadFailed, "Could not read the live Dokploy target.", err)
	}
	env := dokploy.ParseEnv(lt.env)
	out := LiveTarget{Status: "ok", Context: context, Instance: instance,
		TrackedTarget: TrackedTarget{TargetID: tr.TargetID(), TargetType: tr.Target.TargetType, TargetName: tr.Target.TargetName},
		EnvKeys:       sortedKeys(env), EnvKeyCount: len(env)}
	r := Readiness{Blockers: []Blocker{}}
	imageRef, hasRef := env[EnvDockerImageReference]
	r.DockerImageReferencePresent = hasRef && strings.TrimSpace(imageRef) != ""
	switch {
	case lt.app != nil:
		out.LiveName, out.SourceType, out.TargetStatus, out.CurrentImage = lt.app.Name, lt.app.SourceType, lt.app.ApplicationStatus, deref(lt.app.DockerImage)
		if lt.app.SourceType != "docker" {
			r.Blockers = append(r.Blockers, Blocker{Code: BlockerApplicationNotDocker,
				Detail: fmt.Sprintf("The application builds from a %q source; artifact deploys need the docker provider.", lt.app.SourceType)})
		}
	default:
		out.LiveName, out.SourceType, out.TargetStatus = lt.compose.Name, lt.compose.SourceType, lt.compose.ComposeStatus
		if r.DockerImageReferencePresent {
			out.CurrentImage = strings.TrimSpace(imageRef)
		}
		if !r.DockerImageReferencePresent {
			r.Blockers = append(r.Blockers, Blocker{Code: BlockerImageRefMissing,
				Detail: "The compose env has no " + EnvDockerImageReference + "; artifact deploys set the image through it."})
		}
		// Only an inline compose file can be inspected; a git-sourced
		// one lives in its repository.
		if lt.compose.SourceType == "raw" && lt.compose.ComposeFile != "" && !strings.Contains(lt.compose.ComposeFile, EnvDockerImageReference) {
			r.Blockers = append(r.Blockers, Blocker{Code: BlockerComposeIgnoresImage,
				Detail: "The compose file never reads " + EnvDockerImageReference + ", so an artifact deploy would not change the image."})
		}
	}
	if repos := mutableAddonRepos(env[EnvAddonRepositories]); len(repos) > 0 {
		r.Blockers = append(r.Blockers, Blocker{Code: BlockerMutableAddonRefs,
			Detail: fmt.Sprintf("%s pins %d repositories without an exact git SHA: %s.", EnvAddonRepositories, len(repos), strings.Join(repos, ", "))})
	}
	r.Ready = len(r.Blockers) == 0
	out.ArtifactReadiness = r
	return out, nil
}

// mutableAddonRepos returns the repository names (last path segment, no
// ".git") of the ODOO_ADDON_REPOSITORIES entries whose ref ("repo@ref") is
// not an exact commit SHA. Entries are separated by commas, spaces or
// newlines. Only names are returned: an entry may carry credentials in a
// URL, and refs are not needed to fix it.
func mutableAddonRepos(value string) []string {
	var out []string
	for _, entry := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
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

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
