package liveruntime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/targets"
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
	lt, err := targets.ReadLive(ctx, c, tr)
	if err != nil {
		return LiveTarget{}, newError(CodeDokployTargetReadFailed, "Could not read the live Dokploy target.", err)
	}
	env := dokploy.ParseEnv(lt.Env)
	out := LiveTarget{Status: "ok", Context: context, Instance: instance,
		TrackedTarget: TrackedTarget{TargetID: tr.TargetID(), TargetType: tr.Target.TargetType, TargetName: tr.Target.TargetName},
		EnvKeys:       sortedKeys(env), EnvKeyCount: len(env)}
	r := Readiness{Blockers: []Blocker{}}
	imageRef, hasRef := env[targets.EnvImageReference]
	r.DockerImageReferencePresent = hasRef && strings.TrimSpace(imageRef) != ""
	switch {
	case lt.App != nil:
		out.LiveName, out.SourceType, out.TargetStatus, out.CurrentImage = lt.App.Name, lt.App.SourceType, lt.App.ApplicationStatus, targets.Deref(lt.App.DockerImage)
		if lt.App.SourceType != "docker" {
			r.Blockers = append(r.Blockers, Blocker{Code: BlockerApplicationNotDocker,
				Detail: fmt.Sprintf("The application builds from a %q source; artifact deploys need the docker provider.", lt.App.SourceType)})
		}
	default:
		out.LiveName, out.SourceType, out.TargetStatus = lt.Compose.Name, lt.Compose.SourceType, lt.Compose.ComposeStatus
		if r.DockerImageReferencePresent {
			out.CurrentImage = strings.TrimSpace(imageRef)
		}
		if !r.DockerImageReferencePresent {
			r.Blockers = append(r.Blockers, Blocker{Code: BlockerImageRefMissing,
				Detail: "The compose env has no " + targets.EnvImageReference + "; artifact deploys set the image through it."})
		}
		// Only an inline compose file can be inspected; a git-sourced
		// one lives in its repository.
		if lt.Compose.SourceType == "raw" && lt.Compose.ComposeFile != "" && !strings.Contains(lt.Compose.ComposeFile, targets.EnvImageReference) {
			r.Blockers = append(r.Blockers, Blocker{Code: BlockerComposeIgnoresImage,
				Detail: "The compose file never reads " + targets.EnvImageReference + ", so an artifact deploy would not change the image."})
		}
	}
	if repos := targets.MutableAddonRepos(env[targets.EnvAddonRepositories]); len(repos) > 0 {
		r.Blockers = append(r.Blockers, Blocker{Code: BlockerMutableAddonRefs,
			Detail: fmt.Sprintf("%s pins %d repositories without an exact git SHA: %s.", targets.EnvAddonRepositories, len(repos), strings.Join(repos, ", "))})
	}
	r.Ready = len(r.Blockers) == 0
	out.ArtifactReadiness = r
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
