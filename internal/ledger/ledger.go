// Package ledger implements the evidence ledger's hash chain: every accepted
// record write appends an entry whose hash covers the previous entry's hash,
// so rewriting history or a stored payload is detectable.
package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/launchplane/launchplane/internal/canonical"
)

// Entry is one link of the chain.
type Entry struct {
	Seq           int64  `json:"seq"`
	Family        string `json:"family"`
	RecordKey     string `json:"record_key"`
	PayloadSHA256 string `json:"payload_sha256"`
	PrevHash      string `json:"prev_hash"`
	RecordedAt    string `json:"recorded_at"`
	EntryHash     string `json:"entry_hash"`
}

// Hash computes the entry hash: SHA-256 over the canonical JSON of every
// field except entry_hash itself.
func (e Entry) Hash() string {
	return canonical.SHA256(e.hashInput())
}

// hashInput is the canonical JSON of the hashed fields. The fields are
// declared in sorted key order and the encoder leaves HTML alone, so this
// plain encoding is already canonical (a test holds it to canonical.JSON)
// without a second decode-and-sort pass on every write.
func (e Entry) hashInput() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Family        string `json:"family"`
		PayloadSHA256 string `json:"payload_sha256"`
		PrevHash      string `json:"prev_hash"`
		RecordKey     string `json:"record_key"`
		RecordedAt    string `json:"recorded_at"`
		Seq           int64  `json:"seq"`
	}{e.Family, e.PayloadSHA256, e.PrevHash, e.RecordKey, e.RecordedAt, e.Seq})
	if err != nil {
		// Encoding strings and an integer cannot fail.
		panic(fmt.Sprintf("hash ledger entry: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Tombstone is the payload hash of an entry that records a deletion. It is
// not hex, so no stored payload can hash to it; a record whose latest entry
// is a tombstone is expected to be absent.
const Tombstone = "deleted"

// Next links a new entry after prev (the zero Entry starts the chain).
func Next(prev Entry, family, key, payloadSHA, recordedAt string) Entry {
	e := Entry{
		Seq:           prev.Seq + 1,
		Family:        family,
		RecordKey:     key,
		PayloadSHA256: payloadSHA,
		PrevHash:      prev.EntryHash,
		RecordedAt:    recordedAt,
	}
	e.EntryHash = e.Hash()
	return e
}

// Break describes one place the ledger and the stored records disagree.
type Break struct {
	Seq       int64  `json:"seq,omitempty"`
	Family    string `json:"family"`
	RecordKey string `json:"record_key"`
	Problem   string `json:"problem"`
}

// Report is the outcome of a verification.
type Report struct {
	Status     string  `json:"status"`
	Entries    int64   `json:"entries"`
	Records    int64   `json:"records"`
	HeadSeq    int64   `json:"head_seq"`
	HeadHash   string  `json:"head_hash"`
	BreakCount int     `json:"break_count"`
	FirstBreak *Break  `json:"first_break,omitempty"`
	Breaks     []Break `json:"breaks,omitempty"`
}

// OK reports whether the ledger verified cleanly.
func (r Report) OK() bool { return r.BreakCount == 0 }

// maxListedBreaks bounds the report so a wholesale corruption stays readable.
const maxListedBreaks = 20

type recordRef struct{ family, key string }

// Verifier checks entries in sequence order, then the current records.
type Verifier struct {
	prev    Entry
	entries int64
	records int64
	latest  map[recordRef]Entry
	seen    map[recordRef]bool
	anchors map[int64]string // anchors not yet met, by seq
	breaks  []Break
}

// Anchor is an entry hash recorded outside the database (a CI log, a
// ticket). The database alone cannot prove its newest entries were not cut
// off and the head rewritten; an anchor can.
type Anchor struct {
	Seq  int64
	Hash string
}

// ParseAnchor reads "SEQ:HASH".
func ParseAnchor(s string) (Anchor, error) {
	seqText, hash, ok := strings.Cut(s, ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if !ok || err != nil || seq < 1 || len(hash) != 64 {
		return Anchor{}, fmt.Errorf("parse ledger anchor %q: want SEQ:HASH with a 64-character hash", s)
	}
	return Anchor{Seq: seq, Hash: strings.ToLower(hash)}, nil
}

// NewVerifier starts a verification that also checks anchors.
func NewVerifier(anchors ...Anchor) *Verifier {
	pending := map[int64]string{}
	for _, a := range anchors {
		pending[a.Seq] = a.Hash
	}
	return &Verifier{latest: map[recordRef]Entry{}, seen: map[recordRef]bool{}, anchors: pending}
}

// Entry feeds the next entry; entries must arrive in ascending seq order.
func (v *Verifier) Entry(e Entry) {
	v.entries++
	switch {
	case e.Seq != v.prev.Seq+1:
		v.addBreak(e, fmt.Sprintf("sequence gap: expected seq %d, found %d", v.prev.Seq+1, e.Seq))
	case e.PrevHash != v.prev.EntryHash:
		v.addBreak(e, "prev_hash does not match the previous entry's hash")
	case e.Hash() != e.EntryHash:
		v.addBreak(e, "entry_hash does not match the entry's contents")
	}
	if hash, ok := v.anchors[e.Seq]; ok {
		delete(v.anchors, e.Seq)
		if hash != e.EntryHash {
			v.addBreak(e, "entry hash differs from the recorded anchor")
		}
	}
	v.prev = e
	v.latest[recordRef{e.Family, e.RecordKey}] = e
}

// Head checks the stored chain head against the last entry fed, which
// catches a ledger whose newest entries were cut off.
func (v *Verifier) Head(seq int64, entryHash string) {
	if seq != v.prev.Seq || entryHash != v.prev.EntryHash {
		v.breaks = append(v.breaks, Break{Seq: v.prev.Seq, Family: v.prev.Family, RecordKey: v.prev.RecordKey,
			Problem: fmt.Sprintf("ledger head names seq %d, but the last entry is seq %d", seq, v.prev.Seq)})
	}
}

// Record feeds one currently stored record with its payload hash.
func (v *Verifier) Record(family, key, payloadSHA string) {
	v.records++
	ref := recordRef{family, key}
	v.seen[ref] = true
	e, ok := v.latest[ref]
	switch {
	case !ok:
		v.breaks = append(v.breaks, Break{Family: family, RecordKey: key, Problem: "stored record has no ledger entry"})
	case e.PayloadSHA256 == Tombstone:
		v.breaks = append(v.breaks, Break{Seq: e.Seq, Family: family, RecordKey: key, Problem: "stored record was deleted by its latest ledger entry"})
	case e.PayloadSHA256 != payloadSHA:
		v.breaks = append(v.breaks, Break{Seq: e.Seq, Family: family, RecordKey: key, Problem: "stored payload does not match its latest ledger entry"})
	}
}

// Mismatch records that a stored record's promoted column (or its payload,
// when it no longer decodes) disagrees with the record itself.
func (v *Verifier) Mismatch(family, key, column string) {
	problem := "promoted column " + column + " does not match the stored payload"
	if column == "payload" {
		problem = "stored payload is not a valid record"
	}
	seq := v.latest[recordRef{family, key}].Seq
	v.breaks = append(v.breaks, Break{Seq: seq, Family: family, RecordKey: key, Problem: problem})
}

// Report finishes the verification. Breaks are ordered by ledger sequence,
// with records that have no entry last, so the first is the earliest link.
func (v *Verifier) Report() Report {
	for ref, e := range v.latest {
		if !v.seen[ref] && e.PayloadSHA256 != Tombstone {
			v.breaks = append(v.breaks, Break{Seq: e.Seq, Family: ref.family, RecordKey: ref.key, Problem: "ledger entry names a record that is no longer stored"})
		}
	}
	for seq := range v.anchors {
		v.breaks = append(v.breaks, Break{Seq: seq, Problem: "anchored entry is missing from the ledger"})
	}
	sort.SliceStable(v.breaks, func(i, j int) bool {
		a, b := v.breaks[i], v.breaks[j]
		if (a.Seq == 0) != (b.Seq == 0) {
			return b.Seq == 0
		}
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		return a.RecordKey < b.RecordKey
	})
	r := Report{
		Status:     "ok",
		Entries:    v.entries,
		Records:    v.records,
		HeadSeq:    v.prev.Seq,
		HeadHash:   v.prev.EntryHash,
		BreakCount: len(v.breaks),
	}
	if len(v.breaks) > 0 {
		r.Status = "broken"
		r.FirstBreak = &v.breaks[0]
		r.Breaks = v.breaks[:min(len(v.breaks), maxListedBreaks)]
	}
	return r
}

func (v *Verifier) addBreak(e Entry, problem string) {
	v.breaks = append(v.breaks, Break{Seq: e.Seq, Family: e.Family, RecordKey: e.RecordKey, Problem: problem})
}
