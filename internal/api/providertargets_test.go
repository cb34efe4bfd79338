package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
	"github.com/launchplane/launchplane/internal/store/sqlstore/sqltest"
)

const (
	providerTargetsPath = "/v1/provider-targets/operations"
	targetsRepo         = "acme/targets"
	targetsWorkflow     = "acme/targets/.github/workflows/provider-targets.yml@refs/heads/main"
	auditorRepo         = "acme/auditor"
	auditorWorkflow     = "acme/auditor/.github/workflows/audit.yml@refs/heads/main"
	backfillPhrase      = "backfill provider targets"
)

// providerTargetsPolicy grants acme/targets both provider-target actions
// and acme/auditor only the audit; acme/web has neither.
const providerTargetsPolicy = testPolicy + `
[[github_actions]]
repository = "acme/targets"
workflow_refs = ["` + targetsWorkflow + `"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["provider_target.audit", "provider_target.backfill"]

[[github_actions]]
repository = "acme/auditor"
workflow_refs = ["` + auditorWorkflow + `"]
products = ["launchplane"]
contexts = ["launchplane"]
actions = ["provider_target.audit"]
`

func opsBody(t *testing.T, mode, instance string, edit func(map[string]any)) []byte {
	t.Helper()
	m := map[string]any{"mode": mode, "product": "launchplane", "provider_id": "dokploy", "context": "cm", "instance": instance, "reason": "phase two"}
	if mode == "backfill-apply" {
		m["confirmation"] = backfillPhrase
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedTargets stores cm/testing as a complete Dokploy pair without a
// provider-target row, and cm/prod with a row that disagrees with its pair.
func seedTargets(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	pair := func(instance, id string) (record.DokployTarget, record.DokployTargetID) {
		return record.DokployTarget{SchemaVersion: 1, Context: "cm", Instance: instance, ProjectName: "cm", TargetType: "compose",
				TargetName: "cm-" + instance, SourceGitRef: "origin/main", UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "seed"},
			record.DokployTargetID{SchemaVersion: 1, Context: "cm", Instance: instance, TargetID: id, UpdatedAt: "2026-04-16T08:00:00Z", SourceLabel: "seed"}
	}
	testing, testingID := pair("testing", "cmp-t")
	prod, prodID := pair("prod", "cmp-p")
	stale, _ := record.ProjectProviderTarget(prod, prodID)
	stale.DisplayName = "hand-edited"
	if err := h.store.Update(ctx, func(tx store.Tx) error {
		for _, err := range []error{
			tx.DokployTargetPut(ctx, testing), tx.DokployTargetIDPut(ctx, testingID),
			tx.DokployTargetPut(ctx, prod), tx.DokployTargetIDPut(ctx, prodID), tx.ProviderTargetPut(ctx, stale),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func providerRows(t *testing.T, h *harness) []record.ProviderTarget {
	t.Helper()
	rows, err := h.store.ProviderTargetList(context.Background(), store.TargetListParams{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestProviderTargetOperationsRoute(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) {
			h := newHarnessWithPolicy(t, engine.URL(t), providerTargetsPolicy)
			seedTargets(t, h)
			ops := h.token(targetsRepo, targetsWorkflow)
			ledger := h.ledgerEntries()

			// audit: read-only, blocked until the row exists.
			r := h.do("POST", providerTargetsPath, ops, opsBody(t, "audit", "testing", nil))
			if r.status != 202 {
				t.Fatalf("audit: %d %s", r.status, r.raw)
			}
			res := field(t, r, "result").(map[string]any)
			wantHead := map[string]any{"mode": "audit", "provider_id": "dokploy", "context": "cm", "instance": "testing",
				"operation_status": "blocked", "blocked_count": float64(1), "warning_count": float64(0),
				"inspected_route_count": float64(1), "reason": "phase two"}
			report := res["report"].(map[string]any)
			delete(res, "report")
			if diff := cmp.Diff(wantHead, res); diff != "" {
				t.Errorf("audit result (-want +got):\n%s", diff)
			}
			if got := report["findings"].([]any)[0].(map[string]any)["status"]; got != "missing_provider_target" {
				t.Errorf("audit finding %v: %s", got, r.raw)
			}
			if r := h.do("POST", providerTargetsPath, ops, opsBody(t, "audit", "staging", nil)); field(t, r, "result", "operation_status") != "blocked" ||
				field(t, r, "result", "report", "counts", "no_matching_routes") != float64(1) {
				t.Errorf("audit of an unknown route: %d %s", r.status, r.raw)
			}

			// backfill-dry-run: reports would-create, writes nothing, stores nothing.
			r = h.do("POST", providerTargetsPath, ops, opsBody(t, "backfill-dry-run", "testing", nil), "Idempotency-Key", "dry-1")
			if r.status != 202 || field(t, r, "result", "operation_status") != "ok" ||
				field(t, r, "result", "report", "items").([]any)[0].(map[string]any)["status"] != "would-create" {
				t.Fatalf("dry run: %d %s", r.status, r.raw)
			}
			if len(providerRows(t, h)) != 1 || h.ledgerEntries() != ledger || h.count("launchplane_idempotency_records") != 0 {
				t.Fatal("read-only modes wrote")
			}

			// backfill-apply: creates the row once; the same key replays.
			apply := opsBody(t, "backfill-apply", "testing", nil)
			r = h.do("POST", providerTargetsPath, ops, apply, "Idempotency-Key", "apply-1")
			if r.status != 202 || field(t, r, "result", "operation_status") != "applied" ||
				field(t, r, "result", "report", "counts", "created") != float64(1) || field(t, r, "records", "target_id") != "cmp-t" {
				t.Fatalf("apply: %d %s", r.status, r.raw)
			}
			if rows := providerRows(t, h); len(rows) != 2 {
				t.Fatalf("rows after apply: %+v", rows)
			}
			afterApply := h.ledgerEntries()
			replay := h.do("POST", providerTargetsPath, ops, apply, "Idempotency-Key", "apply-1")
			if replay.status != 202 || replay.body["replayed"] != true || !cmp.Equal(replay.body["result"], r.body["result"]) {
				t.Fatalf("replay: %d %s", replay.status, replay.raw)
			}
			if h.ledgerEntries() != afterApply {
				t.Error("replay wrote")
			}
			reused := h.do("POST", providerTargetsPath, ops, opsBody(t, "backfill-apply", "testing", func(m map[string]any) { m["reason"] = "other" }),
				"Idempotency-Key", "apply-1")
			if reused.status != 409 || errorCode(reused) != "idempotency_key_reused" {
				t.Fatalf("reused key: %d %s", reused.status, reused.raw)
			}
			// A second apply under a new key never rewrites: skipped-exists.
			r = h.do("POST", providerTargetsPath, ops, apply, "Idempotency-Key", "apply-2")
			if field(t, r, "result", "report", "counts", "skipped-exists") != float64(1) || len(field(t, r, "records").(map[string]any)) != 0 {
				t.Fatalf("second apply: %d %s", r.status, r.raw)
			}
			if h.ledgerEntries() != afterApply {
				t.Error("second apply wrote")
			}
			if r := h.do("POST", providerTargetsPath, ops, opsBody(t, "audit", "testing", nil)); field(t, r, "result", "operation_status") != "ok" {
				t.Errorf("audit after apply: %s", r.raw)
			}

			// A blocked route: the stale row is reported and never overwritten.
			r = h.do("POST", providerTargetsPath, ops, opsBody(t, "backfill-apply", "prod", nil), "Idempotency-Key", "apply-3")
			if r.status != 202 || field(t, r, "result", "operation_status") != "blocked" || field(t, r, "result", "report", "applied") != false ||
				field(t, r, "result", "report", "counts", "skipped-conflict") != float64(1) {
				t.Fatalf("blocked apply: %d %s", r.status, r.raw)
			}
			if row, err := h.store.ProviderTargetGet(context.Background(), "cm", "prod"); err != nil || row.DisplayName != "hand-edited" {
				t.Errorf("stale row after blocked apply: %+v %v", row, err)
			}
		})
	}
}

func TestProviderTargetOperationsRefusals(t *testing.T) {
	eachPolicyEngine(t, providerTargetsPolicy, func(t *testing.T, h *harness) {
		seedTargets(t, h)
		ops := h.token(targetsRepo, targetsWorkflow)
		auditor := h.token(auditorRepo, auditorWorkflow)
		web := h.token("acme/web", workflowRef)
		key := []string{"Idempotency-Key", "k-1"}
		tests := []struct {
			name    string
			bearer  string
			body    []byte
			headers []string
			status  int
			code    string
		}{
			{"no token", "", opsBody(t, "audit", "testing", nil), nil, 401, "authentication_required"},
			{"unauthorized workflow", web, opsBody(t, "audit", "testing", nil), nil, 403, "authorization_denied"},
			{"audit grant cannot apply", auditor, opsBody(t, "backfill-apply", "testing", nil), key, 403, "authorization_denied"},
			{"owner agent without reason", evidenceOperatorToken, opsBody(t, "audit", "testing", func(m map[string]any) { delete(m, "reason") }), nil, 400, "reason_required"},
			{"apply without reason", ops, opsBody(t, "backfill-apply", "testing", func(m map[string]any) { m["reason"] = " " }), key, 400, "reason_required"},
			{"apply without confirmation", ops, opsBody(t, "backfill-apply", "testing", func(m map[string]any) { delete(m, "confirmation") }), key, 400, "invalid_request"},
			{"apply with the wrong phrase", ops, opsBody(t, "backfill-apply", "testing", func(m map[string]any) { m["confirmation"] = "yes" }), key, 400, "invalid_request"},
			{"apply without Idempotency-Key", ops, opsBody(t, "backfill-apply", "testing", nil), nil, 400, "idempotency_key_required"},
			{"unknown mode", ops, opsBody(t, "backfill", "testing", nil), nil, 400, "invalid_request"},
			{"missing instance", ops, opsBody(t, "audit", "", nil), nil, 400, "invalid_request"},
			{"missing provider", ops, opsBody(t, "audit", "testing", func(m map[string]any) { delete(m, "provider_id") }), nil, 400, "invalid_request"},
			{"other product", ops, opsBody(t, "audit", "testing", func(m map[string]any) { m["product"] = "web" }), nil, 400, "invalid_request"},
			{"unknown field", ops, opsBody(t, "audit", "testing", func(m map[string]any) { m["force"] = true }), nil, 400, "invalid_request"},
			{"empty body", ops, nil, nil, 400, "invalid_request"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := h.do("POST", providerTargetsPath, tc.bearer, tc.body, tc.headers...)
				if r.status != tc.status || errorCode(r) != tc.code {
					t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
				}
			})
		}
		if rows := providerRows(t, h); len(rows) != 1 || h.count("launchplane_idempotency_records") != 0 {
			t.Errorf("refusals wrote: %+v", rows)
		}
		if r := h.do("GET", providerTargetsPath, ops, nil); r.status != 405 {
			t.Errorf("GET: %d %s", r.status, r.raw)
		}
	})
}

func eachPolicyEngine(t *testing.T, policy string, fn func(t *testing.T, h *harness)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine.Name, func(t *testing.T) { fn(t, newHarnessWithPolicy(t, engine.URL(t), policy)) })
	}
}
