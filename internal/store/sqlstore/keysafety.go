package sqlstore

import (
	"context"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// FamilyRuntimeKeySafetyPolicy names runtime key-safety policy versions in
// the ledger.
const FamilyRuntimeKeySafetyPolicy = "runtime_key_safety_policy"

var keySafetyPolicies = newFamily(family[record.RuntimeKeySafetyPolicy]{
	name: FamilyRuntimeKeySafetyPolicy, table: "launchplane_runtime_key_safety_policies", keys: 1,
	columns: []string{"record_id", "status", "source", "updated_at", "policy_sha256"},
	order:   "updated_at DESC, record_id DESC",
	row: func(p *record.RuntimeKeySafetyPolicy) []any {
		// Rows are validated before row is called (putRecord, decode), so
		// the hash of a valid record cannot fail; "" would show as a
		// column mismatch in ledger verification.
		sha, _ := p.PolicySHA256()
		return []any{p.RecordID, p.Status, p.Source, sortTime(p.UpdatedAt), sha}
	},
	decode: record.DecodeStored[record.RuntimeKeySafetyPolicy],
	valid:  (*record.RuntimeKeySafetyPolicy).Validate,
})

func (r reader) KeySafetyPolicyList(ctx context.Context, p store.KeySafetyPolicyListParams) ([]record.RuntimeKeySafetyPolicy, error) {
	return listRecords(ctx, r.q, keySafetyPolicies, []filter{{"status", p.Status}}, p.Limit)
}

func (t *txn) KeySafetyPolicyPut(ctx context.Context, p record.RuntimeKeySafetyPolicy) error {
	return putRecord(ctx, t, keySafetyPolicies, p)
}
