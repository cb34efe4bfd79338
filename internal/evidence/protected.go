package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// Protection reasons.
const (
	ReasonStableInventory = "stable-inventory"
	ReasonReleaseTuple    = "release-tuple"
)

// ProtectedEntry is one artifact that registry cleanup must keep.
type ProtectedEntry struct {
	Context         string   `json:"context"`
	Instance        string   `json:"instance"`
	Reason          string   `json:"reason"`
	RecordID        string   `json:"record_id"`
	ArtifactID      string   `json:"artifact_id"`
	ImageReferences []string `json:"image_references"`
}

// ProtectedSet is the registry-cleanup deny list. Warnings mean cleanup in
// this scope must fail closed until they are resolved.
type ProtectedSet struct {
	Product         string           `json:"product"`
	Context         string           `json:"context"`
	Entries         []ProtectedEntry `json:"entries"`
	ArtifactIDs     []string         `json:"artifact_ids"`
	ImageReferences []string         `json:"image_references"`
	ImageDigests    []string         `json:"image_digests"`
	Warnings        []string         `json:"warnings"`
}

// ProtectedArtifacts builds the protected set from every lane's inventory
// and release tuple, scoped to one context when context is non-empty.
// Inventory only ever points at an artifact a passing deploy established,
// so a failed deploy never drops the still-running artifact from this set.
func (s *Service) ProtectedArtifacts(ctx context.Context, context string) (ProtectedSet, error) {
	set := ProtectedSet{Context: context}
	inventories, err := s.store.InventoryList(ctx, store.InventoryListParams{Context: context})
	if err != nil {
		return ProtectedSet{}, fmt.Errorf("build protected artifacts: %w", err)
	}
	tuples, err := s.store.ReleaseTupleList(ctx, store.ReleaseTupleListParams{Context: context})
	if err != nil {
		return ProtectedSet{}, fmt.Errorf("build protected artifacts: %w", err)
	}
	manifests := map[string]*record.ArtifactManifest{}
	manifest := func(id string) (*record.ArtifactManifest, error) {
		if m, ok := manifests[id]; ok {
			return m, nil
		}
		m, err := s.store.ArtifactGet(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			manifests[id] = nil
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		manifests[id] = &m
		return &m, nil
	}
	var digests []string
	for _, inv := range inventories {
		lane := inv.Context + "/" + inv.Instance
		id := inv.ArtifactID()
		if id == "" {
			set.Warnings = append(set.Warnings, fmt.Sprintf("%s: inventory (deployment %s) names no artifact; registry cleanup must fail closed for this scope", lane, inv.DeploymentRecordID))
			continue
		}
		m, err := manifest(id)
		if err != nil {
			return ProtectedSet{}, fmt.Errorf("build protected artifacts: %w", err)
		}
		entry := ProtectedEntry{Context: inv.Context, Instance: inv.Instance, Reason: ReasonStableInventory, RecordID: inv.DeploymentRecordID, ArtifactID: id, ImageReferences: []string{}}
		if m == nil {
			set.Warnings = append(set.Warnings, fmt.Sprintf("%s: live artifact %s has no stored manifest; its image references are unknown", lane, id))
		} else {
			entry.ImageReferences = m.Image.References()
			digests = append(digests, m.Image.Digest)
		}
		set.Entries = append(set.Entries, entry)
	}
	for _, t := range tuples {
		entry := ProtectedEntry{Context: t.Context, Instance: t.Channel, Reason: ReasonReleaseTuple, RecordID: t.TupleID, ArtifactID: t.ArtifactID, ImageReferences: []string{}}
		m, err := manifest(t.ArtifactID)
		if err != nil {
			return ProtectedSet{}, fmt.Errorf("build protected artifacts: %w", err)
		}
		if m == nil {
			set.Warnings = append(set.Warnings, fmt.Sprintf("%s/%s: release tuple artifact %s has no stored manifest", t.Context, t.Channel, t.ArtifactID))
		}
		switch {
		case t.ImageRepository != "" && t.ImageDigest != "":
			entry.ImageReferences = append(entry.ImageReferences, t.ImageRepository+"@"+t.ImageDigest)
			digests = append(digests, t.ImageDigest)
		case m != nil:
			entry.ImageReferences = m.Image.References()
			digests = append(digests, m.Image.Digest)
		}
		set.Entries = append(set.Entries, entry)
	}
	var ids, refs []string
	for _, e := range set.Entries {
		ids = append(ids, e.ArtifactID)
		refs = append(refs, e.ImageReferences...)
	}
	set.ArtifactIDs = sortedUnique(ids)
	set.ImageReferences = sortedUnique(refs)
	set.ImageDigests = sortedUnique(digests)
	set.Warnings = sortedUnique(set.Warnings)
	if set.Entries == nil {
		set.Entries = []ProtectedEntry{}
	}
	return set, nil
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}
