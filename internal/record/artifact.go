package record

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/launchplane/launchplane/internal/canonical"
)

// ArtifactManifest describes one immutable built image and the exact sources
// it was built from. Ship and promote refuse to run without one.
type ArtifactManifest struct {
	SchemaVersion        int               `json:"schema_version"`
	ArtifactID           string            `json:"artifact_id"`
	SourceCommit         string            `json:"source_commit"`
	EnterpriseBaseDigest string            `json:"enterprise_base_digest" lp:"required"`
	AddonSources         []AddonSource     `json:"addon_sources"`
	AddonSelectors       []AddonSelector   `json:"addon_selectors"`
	OdooInstallModules   []string          `json:"odoo_install_modules"`
	OpenUpgradeInputs    OpenUpgradeInputs `json:"openupgrade_inputs"`
	BuildFlags           BuildFlags        `json:"build_flags"`
	BuildProvenance      BuildProvenance   `json:"build_provenance"`
	// DependencyProvenance is kept verbatim: schema v2 requires it, v1 forbids it.
	DependencyProvenance json.RawMessage `json:"dependency_provenance,omitempty"`
	Image                ImageReference  `json:"image"`
}

// AddonSource is an addon repository pinned to a ref (an exact SHA before a
// release tuple can be minted).
type AddonSource struct {
	Repository string `json:"repository"`
	Ref        string `json:"ref"`
}

// AddonSelector is informational: how a ref was chosen. Never used for tuples.
type AddonSelector struct {
	Repository  string `json:"repository"`
	Selector    string `json:"selector" lp:"required"`
	ResolvedRef string `json:"resolved_ref" lp:"required"`
}

// OpenUpgradeInputs names the OpenUpgrade addon inputs of an Odoo build.
type OpenUpgradeInputs struct {
	AddonRepository string `json:"addon_repository"`
	InstallSpec     string `json:"install_spec"`
}

// BuildFlags are the build switches an artifact was produced with.
type BuildFlags struct {
	AddonSkipFlags []string          `json:"addon_skip_flags"`
	Values         map[string]string `json:"values"`
}

// BuildProvenance lists the base images and tools a build used.
type BuildProvenance struct {
	BaseImages []BaseImageProvenance `json:"base_images"`
	BuildTools []BuildToolProvenance `json:"build_tools"`
}

// BaseImageProvenance is one base image by role.
type BaseImageProvenance struct {
	Role             string         `json:"role"`
	Image            ImageReference `json:"image"`
	SourceRepository string         `json:"source_repository"`
	SourceRef        string         `json:"source_ref"`
}

// BuildToolProvenance is one build tool and where it came from.
type BuildToolProvenance struct {
	Name             string `json:"name"`
	Version          string `json:"version"`
	SourceRepository string `json:"source_repository"`
	SourceRef        string `json:"source_ref"`
}

// ImageReference is an image repository, its digest and any tags.
type ImageReference struct {
	Repository string   `json:"repository"`
	Digest     string   `json:"digest"`
	Tags       []string `json:"tags"`
}

// References returns repo@digest and repo:tag for each tag.
func (i ImageReference) References() []string {
	var refs []string
	if i.Repository != "" && i.Digest != "" {
		refs = append(refs, i.Repository+"@"+i.Digest)
	}
	for _, tag := range i.Tags {
		if i.Repository != "" && tag != "" {
			refs = append(refs, i.Repository+":"+tag)
		}
	}
	return refs
}

// DecodeArtifactManifest strictly decodes and validates a manifest.
func DecodeArtifactManifest(data []byte) (ArtifactManifest, error) {
	return decode[ArtifactManifest](data, true)
}

func (*ArtifactManifest) kind() string { return "artifact manifest" }

func (m *ArtifactManifest) setDefaults() { *m = ArtifactManifest{SchemaVersion: 1} }

// Validate normalizes m in place and checks every invariant.
func (m *ArtifactManifest) Validate() error {
	c := newChecker("artifact manifest")
	c.required("artifact_id", &m.ArtifactID)
	c.required("source_commit", &m.SourceCommit)
	m.EnterpriseBaseDigest = trim(m.EnterpriseBaseDigest)
	m.AddonSources = nonNil(m.AddonSources)
	for i := range m.AddonSources {
		s := &m.AddonSources[i]
		c.required(indexed("addon_sources", i, "repository"), &s.Repository)
		c.required(indexed("addon_sources", i, "ref"), &s.Ref)
	}
	m.AddonSelectors = nonNil(m.AddonSelectors)
	for i := range m.AddonSelectors {
		s := &m.AddonSelectors[i]
		c.required(indexed("addon_selectors", i, "repository"), &s.Repository)
	}
	m.OdooInstallModules = nonNil(m.OdooInstallModules)
	m.BuildFlags.AddonSkipFlags = nonNil(m.BuildFlags.AddonSkipFlags)
	m.BuildFlags.Values = nonNilMap(m.BuildFlags.Values)
	m.BuildProvenance.check(c)
	m.Image.check(c, "image")

	if bytes.Equal(bytes.TrimSpace(m.DependencyProvenance), []byte("null")) {
		m.DependencyProvenance = nil
	}
	if m.DependencyProvenance != nil {
		// Kept verbatim but canonical, so equal provenance is equal bytes.
		norm, err := canonical.Normalize(m.DependencyProvenance)
		if err != nil {
			c.add("dependency_provenance", "is not valid JSON")
		} else {
			m.DependencyProvenance = norm
		}
	}
	switch m.SchemaVersion {
	case 1:
		if m.DependencyProvenance != nil {
			c.add("dependency_provenance", "is only allowed with schema_version 2")
		}
	case 2:
		if len(m.DependencyProvenance) == 0 || m.DependencyProvenance[0] != '{' {
			c.add("dependency_provenance", "must be an object when schema_version is 2")
		}
	default:
		c.add("schema_version", "must be 1 or 2 (got %d)", m.SchemaVersion)
	}
	return c.err()
}

func (i *ImageReference) check(c *checker, field string) {
	c.required(field+".repository", &i.Repository)
	c.required(field+".digest", &i.Digest)
	i.Tags = nonNil(i.Tags)
}

func (b *BuildProvenance) check(c *checker) {
	b.BaseImages = nonNil(b.BaseImages)
	b.BuildTools = nonNil(b.BuildTools)
	roles := map[string]bool{}
	for i := range b.BaseImages {
		img := &b.BaseImages[i]
		field := indexed("build_provenance.base_images", i, "")
		c.oneOf(field+".role", img.Role, "runtime", "devtools")
		if roles[img.Role] {
			c.add(field+".role", "duplicates base image role %q", img.Role)
		}
		roles[img.Role] = true
		img.Image.check(c, field+".image")
		pairRule(c, field, &img.SourceRepository, &img.SourceRef)
	}
	for i := range b.BuildTools {
		tool := &b.BuildTools[i]
		field := indexed("build_provenance.build_tools", i, "")
		c.required(field+".name", &tool.Name)
		tool.Version = trim(tool.Version)
		pairRule(c, field, &tool.SourceRepository, &tool.SourceRef)
		if tool.Version == "" && tool.SourceRef == "" {
			c.add(field+".version", "is required unless source_repository and source_ref are set")
		}
	}
}

// pairRule requires source_repository and source_ref to be set together.
func pairRule(c *checker, field string, repo, ref *string) {
	*repo, *ref = trim(*repo), trim(*ref)
	if (*repo == "") != (*ref == "") {
		c.add(field+".source_ref", "source_repository and source_ref must be set together")
	}
}

func indexed(list string, i int, leaf string) string {
	field := fmt.Sprintf("%s[%d]", list, i)
	if leaf != "" {
		field += "." + leaf
	}
	return field
}
