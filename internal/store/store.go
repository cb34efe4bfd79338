// Package store defines the durable record store: the read and write
// surfaces every engine implements, their parameters and sentinel errors.
package store

import (
	"context"
	"errors"

	"github.com/launchplane/launchplane/internal/ledger"
	"github.com/launchplane/launchplane/internal/record"
)

var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("record not found")
	// ErrConflict means the write contradicts a record that already exists.
	ErrConflict = errors.New("record conflict")
)

// Store is the durable authority for evidence records.
type Store interface {
	Reader
	// Update runs fn in one write transaction. Every Put inside it appends a
	// ledger entry in the same transaction; an error from fn rolls all back.
	// Writers run concurrently except where they Lock the same key; only
	// the final ledger append is serialized across all of them.
	Update(ctx context.Context, fn func(Tx) error) error
	// Backend names the engine: "postgres" or "sqlite".
	Backend() string
	// VerifyLedger recomputes the evidence ledger chain and payload hashes,
	// and checks the given externally recorded anchors.
	VerifyLedger(ctx context.Context, anchors ...ledger.Anchor) (ledger.Report, error)
	Close() error
}

// Reader reads records. Get methods return ErrNotFound for a missing record.
type Reader interface {
	ArtifactGet(ctx context.Context, artifactID string) (record.ArtifactManifest, error)
	ArtifactList(ctx context.Context, p ArtifactListParams) ([]record.ArtifactManifest, error)
	BackupGateGet(ctx context.Context, recordID string) (record.BackupGate, error)
	BackupGateList(ctx context.Context, p BackupGateListParams) ([]record.BackupGate, error)
	DeploymentGet(ctx context.Context, recordID string) (record.Deployment, error)
	DeploymentList(ctx context.Context, p DeploymentListParams) ([]record.Deployment, error)
	PromotionGet(ctx context.Context, recordID string) (record.Promotion, error)
	PromotionList(ctx context.Context, p PromotionListParams) ([]record.Promotion, error)
	InventoryGet(ctx context.Context, context, instance string) (record.Inventory, error)
	InventoryList(ctx context.Context, p InventoryListParams) ([]record.Inventory, error)
	ReleaseTupleGet(ctx context.Context, context, channel string) (record.ReleaseTuple, error)
	ReleaseTupleList(ctx context.Context, p ReleaseTupleListParams) ([]record.ReleaseTuple, error)
	// AuthzPolicyList lists policy versions, newest first.
	AuthzPolicyList(ctx context.Context, p AuthzPolicyListParams) ([]record.AuthzPolicyRecord, error)
	PreviewGet(ctx context.Context, previewID string) (record.Preview, error)
	PreviewList(ctx context.Context, p PreviewListParams) ([]record.Preview, error)
	PreviewGenerationGet(ctx context.Context, generationID string) (record.PreviewGeneration, error)
	// PreviewGenerationList lists a preview's generations, newest sequence first.
	PreviewGenerationList(ctx context.Context, p PreviewGenerationListParams) ([]record.PreviewGeneration, error)
	// IdempotencyFind returns the response stored for (scope, route, key).
	IdempotencyFind(ctx context.Context, scope, routePath, key string) (record.IdempotencyRecord, error)
	SecretGet(ctx context.Context, secretID string) (record.SecretRecord, error)
	// SecretFind returns the secret stored for the exact unique tuple.
	SecretFind(ctx context.Context, scope, integration, name, context, instance string) (record.SecretRecord, error)
	SecretList(ctx context.Context, p SecretListParams) ([]record.SecretRecord, error)
	SecretVersionGet(ctx context.Context, versionID string) (record.SecretVersion, error)
	// SecretVersionList lists a secret's versions, newest first; an empty
	// secretID lists every version (re-encryption walks them all).
	SecretVersionList(ctx context.Context, secretID string) ([]record.SecretVersion, error)
	SecretBindingGet(ctx context.Context, bindingID string) (record.SecretBinding, error)
	SecretBindingList(ctx context.Context, p SecretBindingListParams) ([]record.SecretBinding, error)
	// SecretAuditEventList lists a secret's audit events, newest first.
	SecretAuditEventList(ctx context.Context, secretID string) ([]record.SecretAuditEvent, error)
	RuntimeEnvGet(ctx context.Context, scope, context, instance string) (record.RuntimeEnvironment, error)
	RuntimeEnvList(ctx context.Context, p RuntimeEnvListParams) ([]record.RuntimeEnvironment, error)
	RuntimeEnvDeleteEventList(ctx context.Context, p RuntimeEnvDeleteEventListParams) ([]record.RuntimeEnvironmentDeleteEvent, error)
	// KeySafetyPolicyList lists runtime key-safety policy versions, newest first.
	KeySafetyPolicyList(ctx context.Context, p KeySafetyPolicyListParams) ([]record.RuntimeKeySafetyPolicy, error)
	// ProductConfigPlanGet reads a bound plan; Find the newest by identity and payload fingerprint.
	ProductConfigPlanGet(ctx context.Context, planID string) (record.ProductConfigPlan, error)
	ProductConfigPlanFind(ctx context.Context, identity, fingerprint string) (record.ProductConfigPlan, error)
	// DokployTargetGet, DokployTargetIDGet and ProviderTargetGet read one
	// route's tracked-target records; the lists order by route.
	DokployTargetGet(ctx context.Context, context, instance string) (record.DokployTarget, error)
	DokployTargetList(ctx context.Context, p TargetListParams) ([]record.DokployTarget, error)
	DokployTargetIDGet(ctx context.Context, context, instance string) (record.DokployTargetID, error)
	DokployTargetIDList(ctx context.Context, p TargetListParams) ([]record.DokployTargetID, error)
	ProviderTargetGet(ctx context.Context, context, instance string) (record.ProviderTarget, error)
	ProviderTargetList(ctx context.Context, p TargetListParams) ([]record.ProviderTarget, error)
	// ProductProfileGet reads one product's profile; the list filters by driver.
	ProductProfileGet(ctx context.Context, product string) (record.ProductProfile, error)
	ProductProfileList(ctx context.Context, p ProductProfileListParams) ([]record.ProductProfile, error)
}

// Tx reads and writes inside one transaction. Records passed to Put must
// already be valid; Put re-validates and refuses invalid records.
type Tx interface {
	Reader
	// Lock serializes this transaction with every other transaction that
	// locks the same key, until both end. Read-modify-write rules (a lane's
	// inventory, a policy version, a record's identity) take a lock on what
	// they read before reading it. Engines that already run one writer at a
	// time (SQLite) make it a no-op.
	Lock(ctx context.Context, key string) error
	// ArtifactPut stores an immutable manifest. Storing an identical manifest
	// again is a no-op (created=false); a different one is ErrConflict.
	ArtifactPut(ctx context.Context, m record.ArtifactManifest) (created bool, err error)
	BackupGatePut(ctx context.Context, g record.BackupGate) error
	DeploymentPut(ctx context.Context, d record.Deployment) error
	PromotionPut(ctx context.Context, p record.Promotion) error
	InventoryPut(ctx context.Context, inv record.Inventory) error
	ReleaseTuplePut(ctx context.Context, t record.ReleaseTuple) error
	AuthzPolicyPut(ctx context.Context, p record.AuthzPolicyRecord) error
	PreviewPut(ctx context.Context, p record.Preview) error
	// PreviewGenerationPut stores a generation; two generations of one
	// preview with the same sequence are ErrConflict.
	PreviewGenerationPut(ctx context.Context, g record.PreviewGeneration) error
	// IdempotencyPut stores a replayable response; a second one for the
	// same scope, route and key is ErrConflict.
	IdempotencyPut(ctx context.Context, r record.IdempotencyRecord) error
	// SecretPut upserts a secret's current state; another secret holding
	// the same tuple, or a changed tuple for the id, is ErrConflict.
	SecretPut(ctx context.Context, s record.SecretRecord) error
	SecretVersionPut(ctx context.Context, v record.SecretVersion) error
	SecretBindingPut(ctx context.Context, b record.SecretBinding) error
	SecretAuditEventPut(ctx context.Context, e record.SecretAuditEvent) error
	// RuntimeEnvPut replaces the record of its (scope, context, instance).
	RuntimeEnvPut(ctx context.Context, r record.RuntimeEnvironment) error
	// RuntimeEnvDeleteIf deletes the route's record only if it still equals
	// expected (canonically), returning DeleteDeleted, DeleteMissing or
	// DeleteChanged. A deletion appends a tombstone ledger entry.
	RuntimeEnvDeleteIf(ctx context.Context, expected record.RuntimeEnvironment) (result string, err error)
	// RuntimeEnvDeleteEventPut appends a delete event.
	RuntimeEnvDeleteEventPut(ctx context.Context, e record.RuntimeEnvironmentDeleteEvent) error
	KeySafetyPolicyPut(ctx context.Context, p record.RuntimeKeySafetyPolicy) error
	// ProductConfigPlanPut stores a bound product-config plan (bookkeeping, no ledger entry).
	ProductConfigPlanPut(ctx context.Context, p record.ProductConfigPlan) error
	// DokployTargetPut and DokployTargetIDPut replace a route's record.
	DokployTargetPut(ctx context.Context, t record.DokployTarget) error
	DokployTargetIDPut(ctx context.Context, t record.DokployTargetID) error
	// ProviderTargetPut replaces a route's provider-target row; a target id
	// bound to another route of the same provider is ErrConflict.
	ProviderTargetPut(ctx context.Context, p record.ProviderTarget) error
	// ProviderTargetCreate stores a row only if the route has none and its
	// target id is bound to no other route; otherwise ErrConflict.
	ProviderTargetCreate(ctx context.Context, p record.ProviderTarget) error
	// LaneReserve takes the lane for r.Holder until r.ExpiresAt. A lane
	// held by another holder whose reservation has not expired at now is
	// ErrConflict (the message names the operation and since when).
	LaneReserve(ctx context.Context, r LaneReservation, now string) error
	// LaneRelease frees the lane if holder still holds it.
	LaneRelease(ctx context.Context, context, instance, holder string) error
	// ProductProfilePut replaces a product's whole profile.
	ProductProfilePut(ctx context.Context, p record.ProductProfile) error
}

// LaneReservation is one holder's claim on a lane. Times are RFC 3339 UTC.
type LaneReservation struct {
	Context    string
	Instance   string
	Holder     string
	Operation  string
	AcquiredAt string
	ExpiresAt  string
}

// TargetListParams filters tracked-target records; empty fields match all.
type TargetListParams struct {
	Context    string
	Instance   string
	ProviderID string // provider targets only
}

// Limit 0 means no limit in every list parameter struct below. Lists return
// newest first.

// ArtifactListParams filters artifact manifests.
type ArtifactListParams struct {
	Limit int
}

// BackupGateListParams filters backup gates; empty fields match all.
type BackupGateListParams struct {
	Context  string
	Instance string
	Limit    int
}

// DeploymentListParams filters deployments; empty fields match all.
type DeploymentListParams struct {
	Context  string
	Instance string
	Limit    int
}

// PromotionListParams filters promotions; empty fields match all.
type PromotionListParams struct {
	Context      string
	FromInstance string
	ToInstance   string
	Limit        int
}

// InventoryListParams filters inventory rows; empty fields match all.
type InventoryListParams struct {
	Context string
}

// ReleaseTupleListParams filters release tuples; empty fields match all.
type ReleaseTupleListParams struct {
	Context string
}

// KeySafetyPolicyListParams filters runtime key-safety policy versions.
type KeySafetyPolicyListParams struct {
	Status string
	Limit  int
}

// AuthzPolicyListParams filters policy versions; empty fields match all.
type AuthzPolicyListParams struct {
	Status string
	Limit  int
}

// PreviewListParams filters previews; empty fields match all.
type PreviewListParams struct {
	Context        string
	AnchorRepo     string
	AnchorPRNumber int
	State          string
	Limit          int
}

// PreviewGenerationListParams filters preview generations.
type PreviewGenerationListParams struct {
	PreviewID string
	Limit     int
}
