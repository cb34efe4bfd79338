package record

// Inventory is the current state of one lane: what runs there now and which
// evidence established it. Only the derived-state rules write it.
type Inventory struct {
	SchemaVersion        int                      `json:"schema_version"`
	Context              string                   `json:"context"`
	Instance             string                   `json:"instance"`
	ArtifactIdentity     *ArtifactIdentity        `json:"artifact_identity"`
	SourceGitRef         string                   `json:"source_git_ref"`
	Deploy               DeploymentEvidence       `json:"deploy"`
	PostDeployUpdate     PostDeployUpdateEvidence `json:"post_deploy_update"`
	DestinationHealth    HealthcheckEvidence      `json:"destination_health"`
	UpdatedAt            string                   `json:"updated_at"`
	DeploymentRecordID   string                   `json:"deployment_record_id"`
	PromotionRecordID    string                   `json:"promotion_record_id"`
	PromotedFromInstance string                   `json:"promoted_from_instance"`
	RuntimeIdentity      *RuntimeIdentity         `json:"runtime_identity"`
	Rollback             *InventoryRollback       `json:"rollback"`
}

// InventoryRollback is the provenance of a lane state that a rollback
// established: what ran before and why it was rolled back.
type InventoryRollback struct {
	FromArtifactID         string `json:"from_artifact_id"`
	FromDeploymentRecordID string `json:"from_deployment_record_id"`
	PromotionRecordID      string `json:"promotion_record_id"`
	Reason                 string `json:"reason"`
	RolledBackAt           string `json:"rolled_back_at"`
}

// DecodeInventory strictly decodes and validates an inventory record.
func DecodeInventory(data []byte) (Inventory, error) { return decode[Inventory](data, true) }

func (*Inventory) kind() string { return "inventory" }

func (inv *Inventory) setDefaults() {
	*inv = Inventory{
		SchemaVersion:     1,
		Deploy:            defaultDeploymentEvidence(),
		PostDeployUpdate:  defaultPostDeploy(),
		DestinationHealth: defaultHealth(),
	}
}

// Validate normalizes inv in place and checks every invariant.
func (inv *Inventory) Validate() error {
	c := newChecker("inventory")
	c.schemaVersion("schema_version", inv.SchemaVersion)
	c.required("context", &inv.Context)
	c.required("instance", &inv.Instance)
	if inv.ArtifactIdentity != nil {
		inv.ArtifactIdentity.check(c, "artifact_identity")
	}
	c.required("source_git_ref", &inv.SourceGitRef)
	inv.Deploy.check(c, "deploy")
	inv.PostDeployUpdate.check(c, "post_deploy_update")
	inv.DestinationHealth.check(c, "destination_health")
	c.timestamp("updated_at", &inv.UpdatedAt, true)
	c.required("deployment_record_id", &inv.DeploymentRecordID)
	inv.PromotionRecordID = trim(inv.PromotionRecordID)
	inv.PromotedFromInstance = trim(inv.PromotedFromInstance)
	if inv.PromotionRecordID != "" && inv.PromotedFromInstance == "" {
		c.add("promoted_from_instance", "is required when promotion_record_id is set")
	}
	if inv.RuntimeIdentity != nil {
		inv.RuntimeIdentity.check(c, "runtime_identity")
	}
	if r := inv.Rollback; r != nil {
		r.FromArtifactID, r.FromDeploymentRecordID = trim(r.FromArtifactID), trim(r.FromDeploymentRecordID)
		r.PromotionRecordID, r.Reason = trim(r.PromotionRecordID), trim(r.Reason)
		c.required("rollback.reason", &r.Reason)
		c.timestamp("rollback.rolled_back_at", &r.RolledBackAt, true)
	}
	return c.err()
}

// ArtifactID returns the running artifact id, or "" when unknown.
func (inv *Inventory) ArtifactID() string { return inv.ArtifactIdentity.artifactID() }

// InventoryFromDeployment builds the lane inventory a deployment establishes.
func InventoryFromDeployment(d Deployment, updatedAt string) Inventory {
	var identity *ArtifactIdentity
	if d.ArtifactIdentity != nil {
		copied := *d.ArtifactIdentity
		identity = &copied
	}
	return Inventory{
		SchemaVersion:      1,
		Context:            d.Context,
		Instance:           d.Instance,
		ArtifactIdentity:   identity,
		SourceGitRef:       d.SourceGitRef,
		Deploy:             d.Deploy,
		PostDeployUpdate:   d.PostDeployUpdate,
		DestinationHealth:  d.DestinationHealth,
		UpdatedAt:          updatedAt,
		DeploymentRecordID: d.RecordID,
		RuntimeIdentity:    d.RuntimeIdentity,
	}
}
