package record

import (
	"bytes"
	"encoding/json"
)

// RuntimeIdentity is the breadcrumb Launchplane injects into a runtime
// (LAUNCHPLANE_RUNTIME_IDENTITY_JSON) so a health check can prove which
// deployment is serving. Preview generations carry the expected identity.
type RuntimeIdentity struct {
	SchemaVersion       int    `json:"schema_version"`
	Product             string `json:"product"`
	Context             string `json:"context"`
	Instance            string `json:"instance"`
	EnvironmentKind     string `json:"environment_kind"`
	DeploymentRecordID  string `json:"deployment_record_id"`
	ArtifactID          string `json:"artifact_id"`
	SourceGitRef        string `json:"source_git_ref"`
	ImageReference      string `json:"image_reference"`
	ReleaseTupleID      string `json:"release_tuple_id"`
	PreviewID           string `json:"preview_id"`
	PreviewGenerationID string `json:"preview_generation_id"`
	DeployedAt          string `json:"deployed_at"`
}

// UnmarshalJSON applies upstream's defaults (schema_version 1,
// environment_kind "stable"). Unknown keys and nulls were already refused
// by the outer walk (checkKeys).
func (r *RuntimeIdentity) UnmarshalJSON(data []byte) error {
	type plain RuntimeIdentity
	p := plain{SchemaVersion: 1, EnvironmentKind: "stable"}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	// The raw error goes back to the outer decoder, which adds the field path.
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*r = RuntimeIdentity(p)
	return nil
}

func (r *RuntimeIdentity) check(c *checker, field string) {
	c.schemaVersion(field+".schema_version", r.SchemaVersion)
	r.Product = trim(r.Product)
	c.required(field+".context", &r.Context)
	c.required(field+".instance", &r.Instance)
	r.EnvironmentKind = trim(r.EnvironmentKind)
	c.required(field+".deployment_record_id", &r.DeploymentRecordID)
	c.required(field+".artifact_id", &r.ArtifactID)
	c.required(field+".source_git_ref", &r.SourceGitRef)
	r.ImageReference = trim(r.ImageReference)
	r.ReleaseTupleID = trim(r.ReleaseTupleID)
	r.PreviewID = trim(r.PreviewID)
	r.PreviewGenerationID = trim(r.PreviewGenerationID)
	c.timestamp(field+".deployed_at", &r.DeployedAt, false)
}
