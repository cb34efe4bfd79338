package evidence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// StaleAfter is how long lane evidence counts as fresh.
const StaleAfter = 30 * time.Minute

// Freshness values.
const (
	FreshnessVerified = "verified"
	FreshnessRecorded = "recorded"
	FreshnessStale    = "stale"
	FreshnessMissing  = "missing"
)

// Provenance says where a lane's current state comes from and how fresh it is.
type Provenance struct {
	SourceKind      string `json:"source_kind"`
	SourceRecordID  string `json:"source_record_id"`
	RecordedAt      string `json:"recorded_at"`
	FreshnessStatus string `json:"freshness_status"`
	StaleAfter      string `json:"stale_after"`
}

// LaneStatus gathers one lane's current state and its latest evidence.
type LaneStatus struct {
	Context          string               `json:"context"`
	Instance         string               `json:"instance"`
	Inventory        *record.Inventory    `json:"inventory"`
	ReleaseTuple     *record.ReleaseTuple `json:"release_tuple"`
	LatestDeployment *record.Deployment   `json:"latest_deployment"`
	LatestPromotion  *record.Promotion    `json:"latest_promotion"`
	LatestBackupGate *record.BackupGate   `json:"latest_backup_gate"`
	Provenance       Provenance           `json:"provenance"`
}

// LaneStatus reads a lane's status. A lane with no evidence at all is
// reported with freshness "missing" rather than as an error.
func (s *Service) LaneStatus(ctx context.Context, context, instance string) (LaneStatus, error) {
	if strings.TrimSpace(context) == "" || strings.TrimSpace(instance) == "" {
		// Empty filters would match every lane; refuse instead.
		return LaneStatus{}, fmt.Errorf("read lane status: context and instance are required: %w", record.ErrInvalid)
	}
	st := LaneStatus{Context: context, Instance: instance}
	inv, err := s.store.InventoryGet(ctx, context, instance)
	if st.Inventory, err = optional(inv, err); err != nil {
		return LaneStatus{}, fmt.Errorf("read lane status: %w", err)
	}
	tuple, err := s.store.ReleaseTupleGet(ctx, context, instance)
	if st.ReleaseTuple, err = optional(tuple, err); err != nil {
		return LaneStatus{}, fmt.Errorf("read lane status: %w", err)
	}
	deps, err := s.store.DeploymentList(ctx, store.DeploymentListParams{Context: context, Instance: instance, Limit: 1})
	if err != nil {
		return LaneStatus{}, fmt.Errorf("read lane status: %w", err)
	}
	promos, err := s.store.PromotionList(ctx, store.PromotionListParams{Context: context, ToInstance: instance, Limit: 1})
	if err != nil {
		return LaneStatus{}, fmt.Errorf("read lane status: %w", err)
	}
	gates, err := s.store.BackupGateList(ctx, store.BackupGateListParams{Context: context, Instance: instance, Limit: 1})
	if err != nil {
		return LaneStatus{}, fmt.Errorf("read lane status: %w", err)
	}
	st.LatestDeployment = first(deps)
	st.LatestPromotion = first(promos)
	st.LatestBackupGate = first(gates)
	st.Provenance = s.provenance(st.Inventory, st.LatestDeployment)
	return st, nil
}

// provenance applies the freshness rule: evidence older than StaleAfter is
// stale; otherwise verified health makes it verified, else recorded.
func (s *Service) provenance(inv *record.Inventory, latest *record.Deployment) Provenance {
	var p Provenance
	var when string
	var health record.HealthcheckEvidence
	switch {
	case inv != nil:
		p.SourceKind, p.SourceRecordID = "inventory", InventoryRecordID(inv.Context, inv.Instance)
		when, health = inv.UpdatedAt, inv.DestinationHealth
	case latest != nil:
		p.SourceKind, p.SourceRecordID = "deployment", latest.RecordID
		when, health = latest.Deploy.FinishedAt, latest.DestinationHealth
		if when == "" {
			when = latest.Deploy.StartedAt
		}
	default:
		p.FreshnessStatus = FreshnessMissing
		return p
	}
	p.RecordedAt = when
	t, err := record.ParseTime(when)
	if err != nil {
		p.FreshnessStatus = FreshnessRecorded
		return p
	}
	staleAt := t.Add(StaleAfter)
	p.StaleAfter = record.FormatTime(staleAt)
	switch {
	case s.now().After(staleAt):
		p.FreshnessStatus = FreshnessStale
	case health.Verified && health.Status == record.StatusPass:
		p.FreshnessStatus = FreshnessVerified
	default:
		p.FreshnessStatus = FreshnessRecorded
	}
	return p
}

// LaneOverview is one row of the inventory overview.
type LaneOverview struct {
	Context            string `json:"context"`
	Instance           string `json:"instance"`
	ArtifactID         string `json:"artifact_id"`
	SourceGitRef       string `json:"source_git_ref"`
	DeploymentRecordID string `json:"deployment_record_id"`
	PromotionRecordID  string `json:"promotion_record_id"`
	UpdatedAt          string `json:"updated_at"`
	ReleaseTupleID     string `json:"release_tuple_id"`
	FreshnessStatus    string `json:"freshness_status"`
}

// Overview lists every lane with inventory, optionally for one context.
func (s *Service) Overview(ctx context.Context, context string) ([]LaneOverview, error) {
	invs, err := s.store.InventoryList(ctx, store.InventoryListParams{Context: context})
	if err != nil {
		return nil, fmt.Errorf("read inventory overview: %w", err)
	}
	tuples, err := s.store.ReleaseTupleList(ctx, store.ReleaseTupleListParams{Context: context})
	if err != nil {
		return nil, fmt.Errorf("read inventory overview: %w", err)
	}
	tupleIDs := map[string]string{}
	for _, t := range tuples {
		tupleIDs[t.Context+"/"+t.Channel] = t.TupleID
	}
	out := []LaneOverview{}
	for _, inv := range invs {
		out = append(out, LaneOverview{
			Context:            inv.Context,
			Instance:           inv.Instance,
			ArtifactID:         inv.ArtifactID(),
			SourceGitRef:       inv.SourceGitRef,
			DeploymentRecordID: inv.DeploymentRecordID,
			PromotionRecordID:  inv.PromotionRecordID,
			UpdatedAt:          inv.UpdatedAt,
			ReleaseTupleID:     tupleIDs[inv.Context+"/"+inv.Instance],
			FreshnessStatus:    s.provenance(&inv, nil).FreshnessStatus,
		})
	}
	return out, nil
}

func optional[T any](v T, err error) (*T, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func first[T any](items []T) *T {
	if len(items) == 0 {
		return nil
	}
	return &items[0]
}
