package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/launchplane/launchplane/internal/dokploy"
	"github.com/launchplane/launchplane/internal/liveruntime"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
)

// withLiveRuntime opens the authority store and runs fn with a live-target
// runtime service on it. The key ring opens the managed secrets (the
// runtime overlay and the Dokploy credentials); without one, resolution
// refuses clearly when a secret needs decrypting.
func (a *app) withLiveRuntime(cmd *cobra.Command, fn func(ctx context.Context, svc *liveruntime.Service) error) error {
	ring, err := crypto.LoadKeyRing(a.env.Getenv, nil)
	if err != nil && !errors.Is(err, crypto.ErrNoKey) {
		return err
	}
	s, err := a.openStore(cmd, authority)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(cmd.Context(), liveruntime.New(liveruntime.Wire(s, ring, a.env.Now, dokploy.Config{})))
}

func (a *app) showLiveTargetCommand() *cobra.Command {
	var contextName, instance string
	cmd := &cobra.Command{
		Use:   "show-live-target --context C --instance I",
		Short: "Read a tracked lane's live Dokploy target: identity, image, env key names, artifact readiness",
		Long: `Resolve the tracked Dokploy target of a lane (its target and target-id
records) and read the live application or compose from Dokploy, with the
credentials stored as global managed secrets of integration dokploy
(DOKPLOY_HOST, DOKPLOY_TOKEN). Prints the target id, type and names, the
source type and status, the current image (an application's docker image,
or a compose's DOCKER_IMAGE_REFERENCE), and the live env KEY NAMES only —
never values.

artifact_readiness says whether an artifact-backed (split-repo) deploy can
drive the target, with blockers:
  application_source_not_docker                 the application builds from source
  docker_image_reference_missing                a compose env has no DOCKER_IMAGE_REFERENCE
  compose_file_ignores_docker_image_reference   an inline compose file never reads it
  mutable_addon_refs                            ODOO_ADDON_REPOSITORIES entries without an
                                                exact git SHA (repository names listed)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withLiveRuntime(cmd, func(ctx context.Context, svc *liveruntime.Service) error {
				out, err := svc.Show(ctx, contextName, instance)
				if err != nil {
					return err
				}
				return a.printJSON(out)
			})
		},
	}
	cmd.Flags().StringVar(&contextName, "context", "", "context of the tracked lane")
	cmd.Flags().StringVar(&instance, "instance", "", "instance of the tracked lane")
	_ = cmd.MarkFlagRequired("context")
	_ = cmd.MarkFlagRequired("instance")
	return cmd
}

func (a *app) applyLiveTargetCommand() *cobra.Command {
	var req liveruntime.Request
	var dryRun, apply bool
	cmd := &cobra.Command{
		Use:   "apply-live-target --context C --instance I (--dry-run | --apply) [--deploy [--no-cache] [--timeout-seconds N]]",
		Short: "Sync a tracked lane's runtime environment into its live Dokploy target, by key",
		Long: `Resolve the lane's runtime environment (global, context and instance records,
the tracked target's env and the managed-secret overlay) and compare it,
key by key, with the env of the live Dokploy target.

--dry-run prints the delta (desired, live, missing, different and changed
key names, and counts) and the runtime key-safety verdict, and writes
nothing. --apply then merges the desired keys into the live env — every
other line (unrelated keys, comments) is kept, and an application's build
args, build secrets and env-file setting are sent back unchanged — writes it,
reads it back and verifies every desired key. Applying needs an active
runtime key-safety policy whenever something changes, and fails closed with
runtime_key_safety_failed when it refuses a managed secret for this lane.

Keys only execution writes — DOCKER_IMAGE_REFERENCE and the LAUNCHPLANE_*
runtime identity keys — are never synced, whichever layer sets them: the
image a lane runs is the one its deployment records name. They are listed in
runtime_environment.skipped_execution_keys.

--apply holds the lane reservation from the first read to the end of the
deploy; while another operation (an apply, a deploy) holds it, the command
refuses with lane_busy and Dokploy is not called. --dry-run needs no lane.

The same service runs POST /v1/live-target-runtime/apply. Output holds key
names and counts only, never values. Refusals print their code
(tracked_target_not_found, product_lane_not_found, lane_busy,
runtime_environment_empty, runtime_secret_values_missing,
runtime_environment_unavailable, dokploy_credentials_missing,
dokploy_target_read_failed, dokploy_target_write_failed,
runtime_key_safety_unavailable, runtime_key_safety_failed,
dokploy_target_verification_failed, dokploy_deploy_failed) and exit 1.

--deploy (with --apply) then deploys the target as configured — also when
the env was already in sync — and waits for that deployment (titled
"Launchplane live-target-runtime <random hex> <time>") until
--timeout-seconds, else the target's deploy_timeout_seconds, else 600 s.
--no-cache rebuilds an application without the build cache. A deploy that fails or times out is
dokploy_deploy_failed; the env written before it stays written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun == apply {
				return usageError{errors.New("Choose exactly one of --dry-run or --apply.")} //nolint:staticcheck // upstream message
			}
			if !apply && (req.Deploy || req.NoCache || req.TimeoutSeconds != 0) {
				return usageError{errors.New("--deploy, --no-cache and --timeout-seconds go with --apply")}
			}
			if !req.Deploy && (req.NoCache || req.TimeoutSeconds != 0) {
				return usageError{errors.New("--no-cache and --timeout-seconds go with --deploy")}
			}
			req.Mode = liveruntime.ModeDryRun
			if apply {
				req.Mode = liveruntime.ModeApply
			}
			return a.withLiveRuntime(cmd, func(ctx context.Context, svc *liveruntime.Service) error {
				res, err := svc.Run(ctx, req)
				if err != nil {
					return err
				}
				return a.printJSON(res)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Context, "context", "", "context of the tracked lane")
	f.StringVar(&req.Instance, "instance", "", "instance of the tracked lane")
	f.BoolVar(&dryRun, "dry-run", false, "report the key delta and key safety; write nothing")
	f.BoolVar(&apply, "apply", false, "write the desired keys into the live target and verify them")
	f.BoolVar(&req.Deploy, "deploy", false, "deploy the target after applying")
	f.BoolVar(&req.NoCache, "no-cache", false, "deploy without the build cache")
	f.IntVar(&req.TimeoutSeconds, "timeout-seconds", 0, "deploy wait timeout (default: the target's deploy_timeout_seconds)")
	_ = cmd.MarkFlagRequired("context")
	_ = cmd.MarkFlagRequired("instance")
	return cmd
}
