package record

// BackupGate is the evidence that a lane's data was captured before a
// promotion overwrote it.
type BackupGate struct {
	SchemaVersion int               `json:"schema_version"`
	RecordID      string            `json:"record_id"`
	Context       string            `json:"context"`
	Instance      string            `json:"instance"`
	CreatedAt     string            `json:"created_at"`
	Source        string            `json:"source"`
	Required      bool              `json:"required"`
	Status        Status            `json:"status"`
	Evidence      map[string]string `json:"evidence"`
}

// DecodeBackupGate strictly decodes and validates a backup gate record.
func DecodeBackupGate(data []byte) (BackupGate, error) { return decode[BackupGate](data, true) }

func (*BackupGate) kind() string { return "backup gate" }

func (g *BackupGate) setDefaults() {
	*g = BackupGate{SchemaVersion: 1, Required: true, Status: StatusPending}
}

// Validate normalizes g in place and checks every invariant.
func (g *BackupGate) Validate() error {
	c := newChecker("backup gate")
	c.schemaVersion("schema_version", g.SchemaVersion)
	c.required("record_id", &g.RecordID)
	c.required("context", &g.Context)
	c.required("instance", &g.Instance)
	c.timestamp("created_at", &g.CreatedAt, true)
	c.required("source", &g.Source)
	c.oneOf("status", g.Status, allStatuses...)
	g.Evidence = nonNilMap(g.Evidence)
	c.stringMap("evidence", g.Evidence)
	if g.Status == StatusPass && len(g.Evidence) == 0 {
		c.add("evidence", "must not be empty when status is pass")
	}
	return c.err()
}
