package store

// Outcomes of Tx.RuntimeEnvDeleteIf, a compare-and-swap delete.
const (
	// DeleteDeleted: the stored record equalled the expected one and is gone.
	DeleteDeleted = "deleted"
	// DeleteMissing: no record is stored for the route.
	DeleteMissing = "missing"
	// DeleteChanged: the stored record differs from the expected one, so
	// nothing was deleted.
	DeleteChanged = "changed"
)

// RuntimeEnvListParams filters runtime-environment records; empty fields
// match all. Lists order by scope, context, instance.
type RuntimeEnvListParams struct {
	Scope    string
	Context  string
	Instance string
}

// RuntimeEnvDeleteEventListParams filters runtime-environment delete events
// (newest first); empty fields match all.
type RuntimeEnvDeleteEventListParams struct {
	Scope    string
	Context  string
	Instance string
	Limit    int
}
