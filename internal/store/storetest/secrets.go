package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/secrets/crypto"
	"github.com/launchplane/launchplane/internal/store"
)

// secretFixture builds a consistent secret, version, binding and event for
// one tuple. The ciphertext is a placeholder: the store never decrypts.
func secretFixture(scope, integration, name, ctxName, instance, key, at string) (record.SecretRecord, record.SecretVersion, record.SecretBinding, record.SecretAuditEvent) {
	id := record.SecretID(integration, name, ctxName, instance)
	v := record.SecretVersion{VersionID: id + "-version-0123456789ab", SecretID: id, CreatedAt: at, CreatedBy: "test",
		CipherAlg: crypto.AlgAESGCM, KeyID: "k1", Ciphertext: "c2VhbGVk"}
	s := record.SecretRecord{SecretID: id, Scope: scope, Integration: integration, Name: name, Context: ctxName, Instance: instance,
		Status: record.SecretStatusConfigured, CurrentVersionID: v.VersionID, Policy: record.SecretPolicyWriteOnly,
		CreatedAt: at, UpdatedAt: at, UpdatedBy: "test"}
	b := record.SecretBinding{BindingID: record.SecretBindingID(id, key), SecretID: id, Integration: integration, BindingKey: key,
		BindingType: record.SecretBindingTypeEnv, Context: ctxName, Instance: instance, Status: record.SecretStatusConfigured,
		CreatedAt: at, UpdatedAt: at}
	e := record.SecretAuditEvent{EventID: id + "-event-created-0123456789ab", SecretID: id, EventType: record.SecretEventCreated,
		RecordedAt: at, Actor: "test", Metadata: map[string]string{"binding_key": key, "source": "test"}}
	return s, v, b, e
}

func putSecret(ctx context.Context, tx store.Tx, s record.SecretRecord, v record.SecretVersion, b record.SecretBinding, e record.SecretAuditEvent) error {
	return errors.Join(tx.SecretVersionPut(ctx, v), tx.SecretBindingPut(ctx, b), tx.SecretAuditEventPut(ctx, e), tx.SecretPut(ctx, s))
}

func testSecrets(t *testing.T, s store.Store) {
	ctx := context.Background()
	gs, gv, gb, ge := secretFixture(record.SecretScopeGlobal, "runtime_environment", "smtp", "", "", "SMTP_PASSWORD", "2026-04-16T08:00:00Z")
	cs, cv, cb, ce := secretFixture(record.SecretScopeContext, "runtime_environment", "smtp", "cm", "", "SMTP_PASSWORD", "2026-04-16T08:01:00Z")
	is, iv, ib, ie := secretFixture(record.SecretScopeContextInstance, "runtime_environment", "smtp", "cm", "prod", "SMTP_PASSWORD", "2026-04-16T08:02:00Z")
	ds, dv, db, de := secretFixture(record.SecretScopeGlobal, "dokploy", "token", "", "", "DOKPLOY_TOKEN", "2026-04-16T08:03:00Z")
	put(t, s, func(tx store.Tx) error {
		return errors.Join(putSecret(ctx, tx, gs, gv, gb, ge), putSecret(ctx, tx, cs, cv, cb, ce),
			putSecret(ctx, tx, is, iv, ib, ie), putSecret(ctx, tx, ds, dv, db, de))
	})

	check := func(name string, want, got any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
		}
	}
	got, err := s.SecretGet(ctx, cs.SecretID)
	check("SecretGet", cs, got, err)
	got, err = s.SecretFind(ctx, record.SecretScopeGlobal, "runtime_environment", "smtp", "", "")
	check("SecretFind global", gs, got, err)
	got, err = s.SecretFind(ctx, record.SecretScopeContextInstance, "runtime_environment", "smtp", "cm", "prod")
	check("SecretFind context_instance", is, got, err)
	gotV, err := s.SecretVersionGet(ctx, iv.VersionID)
	check("SecretVersionGet", iv, gotV, err)
	gotB, err := s.SecretBindingGet(ctx, ib.BindingID)
	check("SecretBindingGet", ib, gotB, err)

	// Find matches "" exactly: a context secret is not the global one.
	if _, err := s.SecretFind(ctx, record.SecretScopeContext, "runtime_environment", "smtp", "", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SecretFind with an empty context: got %v, want store.ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"SecretGet":        second(s.SecretGet(ctx, "secret-missing")),
		"SecretVersionGet": second(s.SecretVersionGet(ctx, "secret-missing-version-000000000000")),
		"SecretBindingGet": second(s.SecretBindingGet(ctx, "secret-missing-binding-x")),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: got %v, want store.ErrNotFound", name, err)
		}
	}

	list, err := s.SecretList(ctx, store.SecretListParams{Integration: "runtime_environment"})
	check("SecretList runtime_environment, newest first", []string{is.SecretID, cs.SecretID, gs.SecretID},
		ids(list, func(r record.SecretRecord) string { return r.SecretID }), err)
	list, err = s.SecretList(ctx, store.SecretListParams{Context: "cm", Instance: "prod"})
	check("SecretList cm/prod", []string{is.SecretID}, ids(list, func(r record.SecretRecord) string { return r.SecretID }), err)
	bindings, err := s.SecretBindingList(ctx, store.SecretBindingListParams{Integration: "runtime_environment", Context: "cm"})
	check("SecretBindingList cm", []string{ib.BindingID, cb.BindingID}, ids(bindings, func(b record.SecretBinding) string { return b.BindingID }), err)
	versions, err := s.SecretVersionList(ctx, gs.SecretID)
	check("SecretVersionList", []record.SecretVersion{gv}, versions, err)
	all, err := s.SecretVersionList(ctx, "")
	if err != nil || len(all) != 4 {
		t.Errorf("SecretVersionList(\"\") = %d versions, %v; want all 4", len(all), err)
	}
	events, err := s.SecretAuditEventList(ctx, ds.SecretID)
	check("SecretAuditEventList", []record.SecretAuditEvent{de}, events, err)

	// Rotation: a new version and the pointer move in one transaction.
	nv := gv
	nv.VersionID, nv.CreatedAt = gs.SecretID+"-version-ba9876543210", "2026-04-16T09:00:00Z"
	rotated := gs
	rotated.CurrentVersionID, rotated.UpdatedAt = nv.VersionID, nv.CreatedAt
	put(t, s, func(tx store.Tx) error { return errors.Join(tx.SecretVersionPut(ctx, nv), tx.SecretPut(ctx, rotated)) })
	versions, err = s.SecretVersionList(ctx, gs.SecretID)
	check("versions after rotation, newest first", []string{nv.VersionID, gv.VersionID},
		ids(versions, func(v record.SecretVersion) string { return v.VersionID }), err)

	// Slugs collide ("a-b" against "a" + context "b"); the id keeps its tuple.
	clash, clashV, _, _ := secretFixture(record.SecretScopeContext, "runtime_environment", "smtp", "cm", "", "X", "2026-04-16T10:00:00Z")
	clash.Name, clash.Context = "smtp-cm", ""
	clash.Scope = record.SecretScopeGlobal
	if clash.SecretID != record.SecretID(clash.Integration, clash.Name, "", "") {
		t.Fatalf("fixture: %s does not collide", clash.SecretID)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return errors.Join(tx.SecretVersionPut(ctx, clashV), tx.SecretPut(ctx, clash))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("colliding secret id for another tuple: got %v, want store.ErrConflict", err)
	}
	got, err = s.SecretGet(ctx, cs.SecretID)
	check("secret after refused collision", cs, got, err)

	// Invalid records are refused before any write.
	bad := gs
	bad.SecretID = "secret-wrong"
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.SecretPut(ctx, bad) }); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("secret with a non-derived id: got %v, want record.ErrInvalid", err)
	}

	report, err := s.VerifyLedger(ctx)
	if err != nil || !report.OK() {
		t.Fatalf("ledger after secret writes: %+v, %v", report, err)
	}
	if report.Entries < 17 {
		t.Errorf("ledger entries = %d, want every secret write ledgered (>= 17)", report.Entries)
	}
}

func second[T any](_ T, err error) error { return err }
