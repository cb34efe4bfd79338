package record

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Release tuple provenance values.
const (
	ProvenanceShip      = "ship"
	ProvenancePromotion = "promotion"
)

// Stable channels: the only lanes that carry release tuples.
const (
	ChannelTesting = "testing"
	ChannelProd    = "prod"
)

var shaPattern = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)

// IsStableChannel reports whether ch may carry a release tuple.
func IsStableChannel(ch string) bool { return ch == ChannelTesting || ch == ChannelProd }

// IsExactSHA reports whether ref is a 7–40 character hex git SHA.
func IsExactSHA(ref string) bool { return shaPattern.MatchString(ref) }

// ReleaseTuple is the exact set of source SHAs a stable lane runs now.
type ReleaseTuple struct {
	SchemaVersion       int               `json:"schema_version"`
	Context             string            `json:"context"`
	Channel             string            `json:"channel"`
	TupleID             string            `json:"tuple_id"`
	ArtifactID          string            `json:"artifact_id"`
	RepoSHAs            map[string]string `json:"repo_shas"`
	ImageRepository     string            `json:"image_repository"`
	ImageDigest         string            `json:"image_digest"`
	DeploymentRecordID  string            `json:"deployment_record_id"`
	PromotionRecordID   string            `json:"promotion_record_id"`
	PromotedFromChannel string            `json:"promoted_from_channel"`
	Provenance          string            `json:"provenance"`
	MintedAt            string            `json:"minted_at"`
}

// TupleID builds the upstream tuple id for a lane and artifact.
func TupleID(context, channel, artifactID string) string {
	return context + "-" + channel + "-" + artifactID
}

// DecodeReleaseTuple strictly decodes and validates a release tuple.
func DecodeReleaseTuple(data []byte) (ReleaseTuple, error) { return decode[ReleaseTuple](data, true) }

func (*ReleaseTuple) kind() string { return "release tuple" }

func (t *ReleaseTuple) setDefaults() { *t = ReleaseTuple{SchemaVersion: 1} }

// Validate normalizes t in place and checks every invariant.
func (t *ReleaseTuple) Validate() error {
	c := newChecker("release tuple")
	c.schemaVersion("schema_version", t.SchemaVersion)
	c.required("context", &t.Context)
	c.required("channel", &t.Channel)
	if t.Channel != "" && !IsStableChannel(t.Channel) {
		c.add("channel", "must be testing or prod (got %q)", t.Channel)
	}
	c.required("artifact_id", &t.ArtifactID)
	c.required("tuple_id", &t.TupleID)
	if want := TupleID(t.Context, t.Channel, t.ArtifactID); t.TupleID != "" && t.TupleID != want {
		c.add("tuple_id", "must be %q for this context, channel and artifact", want)
	}
	t.RepoSHAs = nonNilMap(t.RepoSHAs)
	if len(t.RepoSHAs) == 0 {
		c.add("repo_shas", "must hold at least one repository")
	}
	for _, repo := range sortedKeys(t.RepoSHAs) {
		if strings.TrimSpace(repo) == "" {
			c.add("repo_shas", "repository names must not be blank")
		} else if sha := t.RepoSHAs[repo]; !IsExactSHA(sha) {
			c.addPublic("repo_shas."+repo, "repo_shas", "must be an exact 7-40 character hex SHA (got %q)", sha)
		}
	}
	t.ImageRepository = trim(t.ImageRepository)
	t.ImageDigest = trim(t.ImageDigest)
	t.DeploymentRecordID = trim(t.DeploymentRecordID)
	t.PromotionRecordID = trim(t.PromotionRecordID)
	t.PromotedFromChannel = trim(t.PromotedFromChannel)
	c.oneOf("provenance", t.Provenance, ProvenanceShip, ProvenancePromotion)
	if t.Provenance == ProvenancePromotion {
		if t.PromotedFromChannel == "" {
			c.add("promoted_from_channel", "is required when provenance is promotion")
		} else if !IsStableChannel(t.PromotedFromChannel) {
			c.add("promoted_from_channel", "must be testing or prod (got %q)", t.PromotedFromChannel)
		}
	}
	c.timestamp("minted_at", &t.MintedAt, true)
	return c.err()
}

// RepoSHAsFromManifest maps a manifest to the tuple's repository SHAs: the
// tenant repository (tenant-<context>) to source_commit, and each addon to
// its ref. Every ref must be an exact SHA; one repository may not map to two.
func RepoSHAsFromManifest(context string, m ArtifactManifest) (map[string]string, error) {
	shas := map[string]string{}
	add := func(repo, sha, field string) error {
		if !IsExactSHA(sha) {
			return fmt.Errorf("%s %q is not an exact git SHA: %w", field, sha, ErrInvalid)
		}
		if prev, ok := shas[repo]; ok && !strings.EqualFold(prev, sha) {
			return fmt.Errorf("repository %q maps to two SHAs (%s, %s): %w", repo, prev, sha, ErrInvalid)
		}
		shas[repo] = sha
		return nil
	}
	if err := add("tenant-"+context, m.SourceCommit, "source_commit"); err != nil {
		return nil, err
	}
	for i, src := range m.AddonSources {
		name := addonRepoName(src.Repository)
		if name == "" || name == "." {
			return nil, fmt.Errorf("addon_sources[%d].repository %q names no repository: %w", i, src.Repository, ErrInvalid)
		}
		if err := add(name, src.Ref, fmt.Sprintf("addon_sources[%d].ref", i)); err != nil {
			return nil, err
		}
	}
	return shas, nil
}

// addonRepoName is the last path segment without .git or a leading odoo-.
func addonRepoName(repository string) string {
	name := path.Base(strings.TrimRight(strings.TrimSpace(repository), "/"))
	name = strings.TrimSuffix(name, ".git")
	return strings.TrimPrefix(name, "odoo-")
}

// ShipTuple mints the tuple a successful ship of manifest to channel yields.
func ShipTuple(context, channel, deploymentRecordID string, m ArtifactManifest, mintedAt string) (ReleaseTuple, error) {
	if !IsStableChannel(channel) {
		return ReleaseTuple{}, fmt.Errorf("release tuples are only minted for testing and prod, not %q: %w", channel, ErrInvalid)
	}
	shas, err := RepoSHAsFromManifest(context, m)
	if err != nil {
		return ReleaseTuple{}, err
	}
	t := ReleaseTuple{
		SchemaVersion:      1,
		Context:            context,
		Channel:            channel,
		TupleID:            TupleID(context, channel, m.ArtifactID),
		ArtifactID:         m.ArtifactID,
		RepoSHAs:           shas,
		ImageRepository:    m.Image.Repository,
		ImageDigest:        m.Image.Digest,
		DeploymentRecordID: deploymentRecordID,
		Provenance:         ProvenanceShip,
		MintedAt:           mintedAt,
	}
	if err := t.Validate(); err != nil {
		return ReleaseTuple{}, err
	}
	return t, nil
}

// PromotedTuple copies a source lane's tuple to the destination channel.
func PromotedTuple(source ReleaseTuple, toChannel, promotionRecordID, deploymentRecordID, mintedAt string) (ReleaseTuple, error) {
	if !IsStableChannel(source.Channel) || !IsStableChannel(toChannel) || source.Channel == toChannel {
		return ReleaseTuple{}, fmt.Errorf("release tuples are only promoted between testing and prod, not %q to %q: %w", source.Channel, toChannel, ErrInvalid)
	}
	shas := make(map[string]string, len(source.RepoSHAs))
	for k, v := range source.RepoSHAs {
		shas[k] = v
	}
	t := ReleaseTuple{
		SchemaVersion:       1,
		Context:             source.Context,
		Channel:             toChannel,
		TupleID:             TupleID(source.Context, toChannel, source.ArtifactID),
		ArtifactID:          source.ArtifactID,
		RepoSHAs:            shas,
		ImageRepository:     source.ImageRepository,
		ImageDigest:         source.ImageDigest,
		DeploymentRecordID:  deploymentRecordID,
		PromotionRecordID:   promotionRecordID,
		PromotedFromChannel: source.Channel,
		Provenance:          ProvenancePromotion,
		MintedAt:            mintedAt,
	}
	if err := t.Validate(); err != nil {
		return ReleaseTuple{}, err
	}
	return t, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
