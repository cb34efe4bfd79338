package record

import "time"

// DelegatedExecutorDokploy is the only executor upstream names.
const DelegatedExecutorDokploy = "control-plane.dokploy"

// Deployment is one ship attempt's evidence. Failed attempts are recorded too.
type Deployment struct {
	SchemaVersion           int                      `json:"schema_version"`
	RecordID                string                   `json:"record_id"`
	ArtifactIdentity        *ArtifactIdentity        `json:"artifact_identity"`
	Context                 string                   `json:"context"`
	Instance                string                   `json:"instance"`
	SourceGitRef            string                   `json:"source_git_ref"`
	WaitForCompletion       bool                     `json:"wait_for_completion"`
	VerifyDestinationHealth bool                     `json:"verify_destination_health"`
	NoCache                 bool                     `json:"no_cache"`
	DelegatedExecutor       string                   `json:"delegated_executor"`
	ResolvedTarget          *ResolvedTarget          `json:"resolved_target"`
	RuntimeSource           map[string]string        `json:"runtime_source"`
	Deploy                  DeploymentEvidence       `json:"deploy"`
	PostDeployUpdate        PostDeployUpdateEvidence `json:"post_deploy_update"`
	DestinationHealth       HealthcheckEvidence      `json:"destination_health"`
	// RuntimeIdentity is the identity Launchplane injected into the
	// runtime for this attempt, which health checks expect to read back.
	RuntimeIdentity *RuntimeIdentity `json:"runtime_identity"`
}

// DecodeDeployment strictly decodes and validates a deployment record.
func DecodeDeployment(data []byte) (Deployment, error) { return decode[Deployment](data, true) }

func (*Deployment) kind() string { return "deployment" }

func (d *Deployment) setDefaults() {
	*d = Deployment{
		SchemaVersion:           1,
		WaitForCompletion:       true,
		VerifyDestinationHealth: true,
		DelegatedExecutor:       DelegatedExecutorDokploy,
		Deploy:                  defaultDeploymentEvidence(),
		PostDeployUpdate:        defaultPostDeploy(),
		DestinationHealth:       defaultHealth(),
	}
}

// Validate normalizes d in place and checks every invariant.
func (d *Deployment) Validate() error {
	c := newChecker("deployment")
	c.schemaVersion("schema_version", d.SchemaVersion)
	c.required("record_id", &d.RecordID)
	c.required("context", &d.Context)
	c.required("instance", &d.Instance)
	c.required("source_git_ref", &d.SourceGitRef)
	if d.ArtifactIdentity != nil {
		d.ArtifactIdentity.check(c, "artifact_identity")
	}
	c.oneOf("delegated_executor", d.DelegatedExecutor, DelegatedExecutorDokploy)
	if d.ResolvedTarget != nil {
		d.ResolvedTarget.check(c, "resolved_target")
	}
	d.RuntimeSource = nonNilMap(d.RuntimeSource)
	c.stringMap("runtime_source", d.RuntimeSource)
	d.Deploy.check(c, "deploy")
	d.PostDeployUpdate.check(c, "post_deploy_update")
	d.DestinationHealth.check(c, "destination_health")
	if d.RuntimeIdentity != nil {
		d.RuntimeIdentity.check(c, "runtime_identity")
	}
	return c.err()
}

// ArtifactID returns the referenced artifact id, or "" when none is named.
func (d *Deployment) ArtifactID() string { return d.ArtifactIdentity.artifactID() }

// EvidenceTime is when the deploy finished, else when it started. ok is false
// when the record carries neither, so it cannot be ordered against others.
func (d *Deployment) EvidenceTime() (t time.Time, ok bool) {
	return evidenceTime(d.Deploy)
}

func evidenceTime(e DeploymentEvidence) (time.Time, bool) {
	for _, s := range []string{e.FinishedAt, e.StartedAt} {
		if s == "" {
			continue
		}
		if t, err := ParseTime(s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
