package productview

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/launchplane/launchplane/internal/evidence"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/runtimeenv"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/targets"
)

// ProviderDokploy is the provider of the tracked targets Launchplane knows.
const ProviderDokploy = "dokploy"

// Target trust states beyond the freshness values (records.md §4.2).
const TrustDisabled = "disabled"

// LaneSummary is one lane's read model (records.md §4.1), sanitized: the
// current release and latest evidence as summaries (never the provider
// target or deployment ids some raw records carry), the tracked target,
// the runtime settings and the managed-secret bindings that apply to it.
type LaneSummary struct {
	Context    string                  `json:"context"`
	Instance   string                  `json:"instance"`
	Provenance evidence.DataProvenance `json:"provenance"`
	// Current is what the lane's inventory says runs there; null without one.
	Current *CurrentRelease `json:"current"`
	LaneEvidence
	LaneConfig
	Warnings []string `json:"warnings"`
}

// LaneEvidence is a lane's release tuple and latest evidence records.
type LaneEvidence struct {
	ReleaseTuple     *record.ReleaseTuple `json:"release_tuple"`
	LatestDeployment *DeploymentSummary   `json:"latest_deployment"`
	LatestPromotion  *PromotionSummary    `json:"latest_promotion"`
	LatestBackupGate *BackupGateSummary   `json:"latest_backup_gate"`
}

// LaneConfig is what a lane is configured with: its tracked target and
// provider-target row, runtime settings (keys and counts only) and managed
// secret bindings (metadata only).
type LaneConfig struct {
	Target          LaneTarget           `json:"target"`
	ProviderTarget  *LaneProviderTarget  `json:"provider_target"`
	RuntimeSettings []runtimeenv.Summary `json:"runtime_settings"`
	ManagedSecrets  []ManagedSecret      `json:"managed_secrets"`
	// targetEnvKeys are the tracked target's env key names (the target
	// layer of runtime resolution), for config status.
	targetEnvKeys []string
	bindings      []record.SecretBinding
}

// CurrentRelease is the lane's inventory without provider ids.
type CurrentRelease struct {
	ArtifactID           string        `json:"artifact_id"`
	SourceGitRef         string        `json:"source_git_ref"`
	UpdatedAt            string        `json:"updated_at"`
	DeploymentRecordID   string        `json:"deployment_record_id"`
	PromotionRecordID    string        `json:"promotion_record_id"`
	PromotedFromInstance string        `json:"promoted_from_instance"`
	DeployStatus         record.Status `json:"deploy_status"`
	HealthStatus         record.Status `json:"destination_health_status"`
	HealthVerified       bool          `json:"destination_health_verified"`
}

// DeploymentSummary is a deployment record without its resolved target.
type DeploymentSummary struct {
	RecordID     string        `json:"record_id"`
	ArtifactID   string        `json:"artifact_id"`
	SourceGitRef string        `json:"source_git_ref"`
	Status       record.Status `json:"status"`
	StartedAt    string        `json:"started_at"`
	FinishedAt   string        `json:"finished_at"`
	HealthStatus record.Status `json:"destination_health_status"`
}

// PromotionSummary is a promotion record without provider ids.
type PromotionSummary struct {
	RecordID       string        `json:"record_id"`
	ArtifactID     string        `json:"artifact_id"`
	FromInstance   string        `json:"from_instance"`
	ToInstance     string        `json:"to_instance"`
	BackupRecordID string        `json:"backup_record_id"`
	Status         record.Status `json:"status"`
	FinishedAt     string        `json:"finished_at"`
}

// BackupGateSummary is a backup gate without its free-form evidence map.
type BackupGateSummary struct {
	RecordID  string        `json:"record_id"`
	Status    record.Status `json:"status"`
	Required  bool          `json:"required"`
	CreatedAt string        `json:"created_at"`
	Source    string        `json:"source"`
}

// LaneTarget is the tracked provider target of a lane (records.md §4.2). The
// provider's target id is never shown: TargetIDRecorded says whether the
// lane has one. TrustState is recorded when the target and its id are
// recorded, missing otherwise.
type LaneTarget struct {
	Provider         string `json:"provider"`
	TargetType       string `json:"target_type"`
	TargetName       string `json:"target_name"`
	TargetIDRecorded bool   `json:"target_id_recorded"`
	TrustState       string `json:"trust_state"`
	UpdatedAt        string `json:"updated_at"`
	SourceLabel      string `json:"source_label"`
}

// LaneProviderTarget is the lane's provider-neutral target row ([L]
// provider-target authority), without the target id.
type LaneProviderTarget struct {
	ProviderID         string `json:"provider_id"`
	TargetCategory     string `json:"target_category"`
	ProviderTargetType string `json:"provider_target_type"`
	DisplayName        string `json:"display_name"`
	TargetIDRecorded   bool   `json:"target_id_recorded"`
	TrustState         string `json:"trust_state"`
	UpdatedAt          string `json:"updated_at"`
}

// ManagedSecret is a secret binding's metadata (records.md §4.2); its
// trust_state is recorded when the binding is configured, else disabled.
type ManagedSecret struct {
	BindingID   string `json:"binding_id"`
	SecretID    string `json:"secret_id"`
	Integration string `json:"integration"`
	BindingType string `json:"binding_type"`
	BindingKey  string `json:"binding_key"`
	Context     string `json:"context"`
	Instance    string `json:"instance"`
	Status      string `json:"status"`
	UpdatedAt   string `json:"updated_at"`
	TrustState  string `json:"trust_state"`
}

// LaneSummary reads one lane's summary. A lane with no evidence at all is
// a summary with freshness "missing", not an error.
func (s *Service) LaneSummary(ctx context.Context, contextName, instance string) (LaneSummary, error) {
	st, err := s.evidence.LaneStatus(ctx, contextName, instance)
	if err != nil {
		return LaneSummary{}, err
	}
	out := LaneSummary{Context: st.Context, Instance: st.Instance, Provenance: s.evidence.LaneProvenance(st), Warnings: []string{}}
	if inv := st.Inventory; inv != nil {
		out.Current = &CurrentRelease{
			ArtifactID: inv.ArtifactID(), SourceGitRef: inv.SourceGitRef, UpdatedAt: inv.UpdatedAt,
			DeploymentRecordID: inv.DeploymentRecordID, PromotionRecordID: inv.PromotionRecordID,
			PromotedFromInstance: inv.PromotedFromInstance, DeployStatus: inv.Deploy.Status,
			HealthStatus: inv.DestinationHealth.Status, HealthVerified: inv.DestinationHealth.Verified,
		}
	}
	out.ReleaseTuple = st.ReleaseTuple
	if d := st.LatestDeployment; d != nil {
		out.LatestDeployment = &DeploymentSummary{RecordID: d.RecordID, ArtifactID: d.ArtifactID(), SourceGitRef: d.SourceGitRef,
			Status: d.Deploy.Status, StartedAt: d.Deploy.StartedAt, FinishedAt: d.Deploy.FinishedAt, HealthStatus: d.DestinationHealth.Status}
	}
	if p := st.LatestPromotion; p != nil {
		out.LatestPromotion = &PromotionSummary{RecordID: p.RecordID, ArtifactID: p.ArtifactID(), FromInstance: p.FromInstance,
			ToInstance: p.ToInstance, BackupRecordID: p.BackupRecordID, Status: p.Deploy.Status, FinishedAt: p.Deploy.FinishedAt}
	}
	if g := st.LatestBackupGate; g != nil {
		out.LatestBackupGate = &BackupGateSummary{RecordID: g.RecordID, Status: g.Status, Required: g.Required, CreatedAt: g.CreatedAt, Source: g.Source}
	}
	if out.LaneConfig, err = s.laneConfig(ctx, st.Context, st.Instance); err != nil {
		return LaneSummary{}, err
	}
	out.Warnings = laneWarnings(out)
	return out, nil
}

func (s *Service) laneConfig(ctx context.Context, contextName, instance string) (LaneConfig, error) {
	cfg := LaneConfig{RuntimeSettings: []runtimeenv.Summary{}, ManagedSecrets: []ManagedSecret{}}
	view, err := targets.Show(ctx, s.store, contextName, instance)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return LaneConfig{}, fmt.Errorf("read lane target: %w", err)
	}
	cfg.Target = LaneTarget{Provider: ProviderDokploy, TrustState: evidence.FreshnessMissing}
	if t := view.Target; t != nil {
		cfg.Target.TargetType, cfg.Target.TargetName = t.TargetType, t.TargetName
		cfg.Target.UpdatedAt, cfg.Target.SourceLabel = t.UpdatedAt, t.SourceLabel
		for k := range t.Env {
			cfg.targetEnvKeys = append(cfg.targetEnvKeys, k)
		}
		slices.Sort(cfg.targetEnvKeys)
		cfg.Target.TargetIDRecorded = view.TargetID != nil && strings.TrimSpace(view.TargetID.TargetID) != ""
		if cfg.Target.TargetIDRecorded {
			cfg.Target.TrustState = evidence.FreshnessRecorded
		}
	}
	if pt := view.ProviderTarget; pt != nil {
		cfg.ProviderTarget = &LaneProviderTarget{ProviderID: pt.ProviderID, TargetCategory: pt.TargetCategory,
			ProviderTargetType: pt.ProviderTargetType, DisplayName: pt.DisplayName,
			TargetIDRecorded: strings.TrimSpace(pt.TargetID) != "", TrustState: evidence.FreshnessMissing, UpdatedAt: pt.UpdatedAt}
		if cfg.ProviderTarget.TargetIDRecorded {
			cfg.ProviderTarget.TrustState = evidence.FreshnessRecorded
		}
	}
	for _, route := range [][3]string{{record.ScopeGlobal, "", ""}, {record.ScopeContext, contextName, ""}, {record.ScopeInstance, contextName, instance}} {
		rec, err := s.store.RuntimeEnvGet(ctx, route[0], route[1], route[2])
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return LaneConfig{}, fmt.Errorf("read lane runtime settings: %w", err)
		}
		cfg.RuntimeSettings = append(cfg.RuntimeSettings, runtimeenv.Summarize(rec))
	}
	bindings, err := s.laneBindings(ctx, contextName, instance)
	if err != nil {
		return LaneConfig{}, err
	}
	cfg.bindings = bindings
	for _, b := range bindings {
		trust := TrustDisabled
		if b.Status == record.SecretStatusConfigured {
			trust = evidence.FreshnessRecorded
		}
		cfg.ManagedSecrets = append(cfg.ManagedSecrets, ManagedSecret{BindingID: b.BindingID, SecretID: b.SecretID,
			Integration: b.Integration, BindingType: b.BindingType, BindingKey: b.BindingKey, Context: b.Context,
			Instance: b.Instance, Status: b.Status, UpdatedAt: b.UpdatedAt, TrustState: trust})
	}
	return cfg, nil
}

// laneBindings lists the secret bindings that apply to the lane: global
// (no context), the lane's context (no instance) and the lane itself,
// ordered by integration, key and scope (least specific first).
func (s *Service) laneBindings(ctx context.Context, contextName, instance string) ([]record.SecretBinding, error) {
	all, err := s.store.SecretBindingList(ctx, store.SecretBindingListParams{})
	if err != nil {
		return nil, fmt.Errorf("read lane secret bindings: %w", err)
	}
	var out []record.SecretBinding
	for _, b := range all {
		if bindingApplies(b, contextName, instance) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b record.SecretBinding) int {
		return strings.Compare(a.Integration+"\x00"+a.BindingKey+"\x00"+a.Context+"\x00"+a.Instance+"\x00"+a.BindingID,
			b.Integration+"\x00"+b.BindingKey+"\x00"+b.Context+"\x00"+b.Instance+"\x00"+b.BindingID)
	})
	return out, nil
}

func bindingApplies(b record.SecretBinding, contextName, instance string) bool {
	return b.Context == "" || (b.Context == contextName && (b.Instance == "" || b.Instance == instance))
}

func laneWarnings(l LaneSummary) []string {
	w := []string{}
	switch l.Provenance.FreshnessStatus {
	case evidence.FreshnessMissing:
		w = append(w, "No inventory or deployment evidence is recorded for this lane.")
	case evidence.FreshnessStale:
		w = append(w, "Lane evidence is stale: the latest was recorded at "+l.Provenance.RecordedAt+".")
	}
	switch {
	case l.Target.TargetName == "":
		w = append(w, "No tracked target is recorded for this lane.")
	case !l.Target.TargetIDRecorded:
		w = append(w, "The tracked target has no recorded target id.")
	}
	if l.Target.TargetName != "" && l.ProviderTarget == nil {
		w = append(w, "No provider-target row is recorded for this lane (run the provider-target backfill).")
	}
	return w
}
