package ledger

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/launchplane/launchplane/internal/canonical"
)

func TestHashInputIsCanonical(t *testing.T) {
	for _, e := range []Entry{
		{},
		{Seq: 7, Family: "deployment", RecordKey: `dep-<1>&"x"\é`, PayloadSHA256: "ab", PrevHash: "cd", RecordedAt: "2026-04-16T08:00:00Z"},
	} {
		want, err := canonical.JSON(map[string]any{
			"seq": e.Seq, "family": e.Family, "record_key": e.RecordKey,
			"payload_sha256": e.PayloadSHA256, "prev_hash": e.PrevHash, "recorded_at": e.RecordedAt,
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(e.hashInput())); diff != "" {
			t.Errorf("hash input is not canonical JSON (-want +got):\n%s", diff)
		}
	}
}

func TestVerifierFindsFirstBreak(t *testing.T) {
	var chain []Entry
	var prev Entry
	for i := range 4 {
		prev = Next(prev, "deployment", []string{"a", "b", "c", "d"}[i], "sha", "2026-04-16T08:00:00Z")
		chain = append(chain, prev)
	}
	tests := []struct {
		name   string
		mutate func([]Entry) []Entry
		want   *Break
	}{
		{"intact", func(c []Entry) []Entry { return c }, nil},
		{"edited entry", func(c []Entry) []Entry { c[1].RecordKey = "z"; return c }, &Break{Seq: 2, Family: "deployment", RecordKey: "z", Problem: "entry_hash does not match the entry's contents"}},
		{"rehashed entry breaks the next link", func(c []Entry) []Entry {
			c[1].RecordKey = "z"
			c[1].EntryHash = c[1].Hash()
			return c
		}, &Break{Seq: 3, Family: "deployment", RecordKey: "c", Problem: "prev_hash does not match the previous entry's hash"}},
		{"dropped entry", func(c []Entry) []Entry { return append(c[:1:1], c[2:]...) }, &Break{Seq: 3, Family: "deployment", RecordKey: "c", Problem: "sequence gap: expected seq 2, found 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries := tc.mutate(append([]Entry(nil), chain...))
			v := NewVerifier()
			for _, e := range entries {
				v.Entry(e)
				v.Record(e.Family, e.RecordKey, e.PayloadSHA256)
			}
			if diff := cmp.Diff(tc.want, v.Report().FirstBreak); diff != "" {
				t.Errorf("first break (-want +got):\n%s", diff)
			}
		})
	}
}
