package ledger_test

import (
	"testing"

	"github.com/launchplane/launchplane/internal/ledger"
)

func TestTombstone(t *testing.T) {
	put := ledger.Next(ledger.Entry{}, "runtime_environment", "global//", "abc", "2026-04-16T08:00:00Z")
	del := ledger.Next(put, "runtime_environment", "global//", ledger.Tombstone, "2026-04-16T08:01:00Z")

	t.Run("deleted record absent", func(t *testing.T) {
		v := ledger.NewVerifier()
		v.Entry(put)
		v.Entry(del)
		v.Head(del.Seq, del.EntryHash)
		if r := v.Report(); !r.OK() {
			t.Errorf("a record deleted by a tombstone must be absent: %+v", r)
		}
	})
	t.Run("deleted record still stored", func(t *testing.T) {
		v := ledger.NewVerifier()
		v.Entry(put)
		v.Entry(del)
		v.Head(del.Seq, del.EntryHash)
		v.Record("runtime_environment", "global//", "abc")
		if r := v.Report(); r.OK() || r.FirstBreak.Problem != "stored record was deleted by its latest ledger entry" {
			t.Errorf("a resurrected record must break: %+v", r)
		}
	})
	t.Run("vanished without tombstone", func(t *testing.T) {
		v := ledger.NewVerifier()
		v.Entry(put)
		v.Head(put.Seq, put.EntryHash)
		if r := v.Report(); r.OK() {
			t.Errorf("a record removed without a tombstone must break: %+v", r)
		}
	})
}
