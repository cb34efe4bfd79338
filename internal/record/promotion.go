package record

// Promotion is the evidence of moving an artifact from one lane to another.
type Promotion struct {
	SchemaVersion      int                      `json:"schema_version"`
	RecordID           string                   `json:"record_id"`
	ArtifactIdentity   *ArtifactIdentity        `json:"artifact_identity"`
	DeploymentRecordID string                   `json:"deployment_record_id"`
	BackupRecordID     string                   `json:"backup_record_id"`
	Context            string                   `json:"context"`
	FromInstance       string                   `json:"from_instance"`
	ToInstance         string                   `json:"to_instance"`
	SourceHealth       HealthcheckEvidence      `json:"source_health"`
	BackupGate         BackupGateEvidence       `json:"backup_gate"`
	Deploy             DeploymentEvidence       `json:"deploy"`
	PostDeployUpdate   PostDeployUpdateEvidence `json:"post_deploy_update"`
	DestinationHealth  HealthcheckEvidence      `json:"destination_health"`
	Rollback           RollbackEvidence         `json:"rollback"`
	RollbackHealth     HealthcheckEvidence      `json:"rollback_health"`
}

// DecodePromotion strictly decodes and validates a promotion record.
func DecodePromotion(data []byte) (Promotion, error) { return decode[Promotion](data, true) }

func (*Promotion) kind() string { return "promotion" }

func (p *Promotion) setDefaults() {
	*p = Promotion{
		SchemaVersion:     1,
		SourceHealth:      defaultHealth(),
		BackupGate:        BackupGateEvidence{Required: true, Status: StatusPending},
		Deploy:            defaultDeploymentEvidence(),
		PostDeployUpdate:  defaultPostDeploy(),
		DestinationHealth: defaultHealth(),
		Rollback:          RollbackEvidence{Status: StatusSkipped},
		RollbackHealth:    defaultHealth(),
	}
}

// Validate normalizes p in place and checks every invariant.
func (p *Promotion) Validate() error {
	c := newChecker("promotion")
	c.schemaVersion("schema_version", p.SchemaVersion)
	c.required("record_id", &p.RecordID)
	if p.ArtifactIdentity == nil {
		c.add("artifact_identity", "is required")
	} else {
		p.ArtifactIdentity.check(c, "artifact_identity")
	}
	c.required("context", &p.Context)
	c.required("from_instance", &p.FromInstance)
	c.required("to_instance", &p.ToInstance)
	if p.FromInstance != "" && p.FromInstance == p.ToInstance {
		c.add("to_instance", "must differ from from_instance (both %q)", p.FromInstance)
	}
	p.DeploymentRecordID = trim(p.DeploymentRecordID)
	p.BackupRecordID = trim(p.BackupRecordID)
	p.SourceHealth.check(c, "source_health")
	p.BackupGate.check(c, "backup_gate")
	if p.BackupGate.Required && p.BackupGate.Status == StatusPass && p.BackupRecordID == "" {
		c.add("backup_record_id", "is required when backup_gate is required and passed")
	}
	p.Deploy.check(c, "deploy")
	p.PostDeployUpdate.check(c, "post_deploy_update")
	p.DestinationHealth.check(c, "destination_health")
	p.Rollback.check(c, "rollback")
	p.RollbackHealth.check(c, "rollback_health")
	return c.err()
}

// ArtifactID returns the promoted artifact id.
func (p *Promotion) ArtifactID() string { return p.ArtifactIdentity.artifactID() }
