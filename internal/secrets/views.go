package secrets

import (
	"context"
	"fmt"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// recentEvents is how many audit events Show returns (records.md §5.3).
const recentEvents = 5

// SecretView is a secret's metadata: never a value, never ciphertext.
type SecretView struct {
	SecretID         string        `json:"secret_id"`
	Scope            string        `json:"scope"`
	Integration      string        `json:"integration"`
	Name             string        `json:"name"`
	Context          string        `json:"context"`
	Instance         string        `json:"instance"`
	Policy           string        `json:"policy"`
	Status           string        `json:"status"`
	Description      string        `json:"description"`
	CreatedAt        string        `json:"created_at"`
	UpdatedAt        string        `json:"updated_at"`
	LastValidatedAt  string        `json:"last_validated_at"`
	UpdatedBy        string        `json:"updated_by"`
	CurrentVersionID string        `json:"current_version_id"`
	VersionCount     int           `json:"version_count"`
	Bindings         []BindingView `json:"bindings"`
	Versions         []VersionView `json:"versions,omitempty"`
	RecentEvents     []EventView   `json:"recent_events,omitempty"`
}

// BindingView is a binding's metadata.
type BindingView struct {
	BindingID   string `json:"binding_id"`
	BindingKey  string `json:"binding_key"`
	BindingType string `json:"binding_type"`
	Status      string `json:"status"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// VersionView is a version's metadata: which algorithm and key id sealed
// it, not the ciphertext.
type VersionView struct {
	VersionID string `json:"version_id"`
	CreatedAt string `json:"created_at"`
	CreatedBy string `json:"created_by"`
	CipherAlg string `json:"cipher_alg"`
	KeyID     string `json:"key_id"`
}

// EventView is an audit event. Metadata holds ids, key names and sources.
type EventView struct {
	EventID    string            `json:"event_id"`
	EventType  string            `json:"event_type"`
	RecordedAt string            `json:"recorded_at"`
	Actor      string            `json:"actor"`
	Detail     string            `json:"detail"`
	Metadata   map[string]string `json:"metadata"`
}

// ListFilter narrows List; empty fields match all.
type ListFilter struct {
	Integration string
	Context     string
	Instance    string
}

// List returns the metadata of matching secrets, newest first.
func (s *Service) List(ctx context.Context, f ListFilter) ([]SecretView, error) {
	recs, err := s.store.SecretList(ctx, store.SecretListParams{Integration: f.Integration, Context: f.Context, Instance: f.Instance})
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	out := make([]SecretView, 0, len(recs))
	for _, r := range recs {
		v, versions, err := s.view(ctx, r)
		if err != nil {
			return nil, err
		}
		v.VersionCount = len(versions)
		out = append(out, v)
	}
	return out, nil
}

// Show returns one secret's metadata with its versions' metadata and its
// newest audit events.
func (s *Service) Show(ctx context.Context, secretID string) (SecretView, error) {
	r, err := s.store.SecretGet(ctx, secretID)
	if err != nil {
		return SecretView{}, fmt.Errorf("show secret: %w", err)
	}
	v, versions, err := s.view(ctx, r)
	if err != nil {
		return SecretView{}, err
	}
	v.VersionCount = len(versions)
	v.Versions = make([]VersionView, 0, len(versions))
	for _, ver := range versions {
		v.Versions = append(v.Versions, VersionView{VersionID: ver.VersionID, CreatedAt: ver.CreatedAt, CreatedBy: ver.CreatedBy, CipherAlg: ver.CipherAlg, KeyID: ver.KeyID})
	}
	events, err := s.store.SecretAuditEventList(ctx, secretID)
	if err != nil {
		return SecretView{}, fmt.Errorf("show secret: %w", err)
	}
	v.RecentEvents = []EventView{}
	for _, e := range events[:min(len(events), recentEvents)] {
		v.RecentEvents = append(v.RecentEvents, EventView{EventID: e.EventID, EventType: e.EventType, RecordedAt: e.RecordedAt, Actor: e.Actor, Detail: e.Detail, Metadata: e.Metadata})
	}
	return v, nil
}

func (s *Service) view(ctx context.Context, r record.SecretRecord) (SecretView, []record.SecretVersion, error) {
	v := SecretView{SecretID: r.SecretID, Scope: r.Scope, Integration: r.Integration, Name: r.Name, Context: r.Context,
		Instance: r.Instance, Policy: r.Policy, Status: r.Status, Description: r.Description, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, LastValidatedAt: r.LastValidatedAt, UpdatedBy: r.UpdatedBy, CurrentVersionID: r.CurrentVersionID,
		Bindings: []BindingView{}}
	bindings, err := s.store.SecretBindingList(ctx, store.SecretBindingListParams{SecretID: r.SecretID})
	if err != nil {
		return SecretView{}, nil, fmt.Errorf("read secret %s bindings: %w", r.SecretID, err)
	}
	for _, b := range bindings {
		v.Bindings = append(v.Bindings, BindingView{BindingID: b.BindingID, BindingKey: b.BindingKey, BindingType: b.BindingType, Status: b.Status, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt})
	}
	versions, err := s.store.SecretVersionList(ctx, r.SecretID)
	if err != nil {
		return SecretView{}, nil, fmt.Errorf("read secret %s versions: %w", r.SecretID, err)
	}
	return v, versions, nil
}
