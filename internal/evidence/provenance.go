package evidence

import (
	"github.com/launchplane/launchplane/internal/record"
)

// FreshnessUnsupported marks state whose freshness Launchplane cannot judge
// (records.md §4.1): it ranks last when trust states are combined.
const FreshnessUnsupported = "unsupported"

// DataProvenance is upstream's provenance of a read model (records.md
// §4.1): the record the state comes from, when it was recorded, when this
// read computed it, and how fresh it is. It extends Provenance with the
// read time and a human-readable detail; the freshness rule is the one
// LaneStatus applies (evidence older than StaleAfter is stale).
type DataProvenance struct {
	SourceKind      string `json:"source_kind"`
	SourceRecordID  string `json:"source_record_id"`
	RecordedAt      string `json:"recorded_at"`
	RefreshedAt     string `json:"refreshed_at"`
	FreshnessStatus string `json:"freshness_status"`
	StaleAfter      string `json:"stale_after"`
	Detail          string `json:"detail"`
}

// LaneProvenance is the lane's DataProvenance at the service clock's now.
// It recomputes the freshness from st's inventory and latest deployment,
// so a LaneStatus read earlier is judged at the time of this call.
func (s *Service) LaneProvenance(st LaneStatus) DataProvenance {
	p := s.provenance(st.Inventory, st.LatestDeployment)
	out := DataProvenance{
		SourceKind: p.SourceKind, SourceRecordID: p.SourceRecordID, RecordedAt: p.RecordedAt,
		RefreshedAt: s.stamp(), FreshnessStatus: p.FreshnessStatus, StaleAfter: p.StaleAfter,
	}
	out.Detail = provenanceDetail(out, "No inventory or deployment evidence is recorded for this lane.")
	return out
}

// PreviewProvenance applies the lane rule to a preview (records.md §4.1):
// the evidence time is the latest generation's finished, then ready, then
// requested time (the preview's updated_at when it has no generation);
// the preview is verified when that generation's overall health passed.
func (s *Service) PreviewProvenance(p record.Preview, latest *record.PreviewGeneration) DataProvenance {
	out := DataProvenance{SourceKind: "preview", SourceRecordID: p.PreviewID, RefreshedAt: s.stamp()}
	when, verified := p.UpdatedAt, false
	if latest != nil {
		out.SourceKind, out.SourceRecordID = "preview_generation", latest.GenerationID
		for _, t := range []string{latest.FinishedAt, latest.ReadyAt, latest.RequestedAt} {
			if t != "" {
				when = t
				break
			}
		}
		verified = latest.OverallHealthStatus == record.StatusPass
	}
	out.RecordedAt = when
	t, err := record.ParseTime(when)
	switch {
	case when == "":
		out.FreshnessStatus = FreshnessMissing
	case err != nil:
		out.FreshnessStatus = FreshnessRecorded
	default:
		staleAt := t.Add(StaleAfter)
		out.StaleAfter = record.FormatTime(staleAt)
		switch {
		case s.now().After(staleAt):
			out.FreshnessStatus = FreshnessStale
		case verified:
			out.FreshnessStatus = FreshnessVerified
		default:
			out.FreshnessStatus = FreshnessRecorded
		}
	}
	out.Detail = provenanceDetail(out, "No preview evidence is recorded.")
	return out
}

func provenanceDetail(p DataProvenance, missing string) string {
	switch p.FreshnessStatus {
	case FreshnessVerified:
		return "Health was verified by the " + p.SourceKind + " evidence recorded at " + p.RecordedAt + "."
	case FreshnessStale:
		return "The latest " + p.SourceKind + " evidence was recorded at " + p.RecordedAt + "; evidence is stale " + StaleAfter.String() + " after it."
	case FreshnessMissing:
		return missing
	}
	if p.StaleAfter == "" {
		return "The " + p.SourceKind + " evidence time could not be parsed, so freshness is not judged."
	}
	return "The " + p.SourceKind + " evidence recorded at " + p.RecordedAt + " does not carry verified health."
}

// trustRank orders trust states for CombineTrust: the first state in
// upstream's priority that occurs decides (records.md §4.2).
var trustRank = map[string]int{
	FreshnessMissing:     0,
	FreshnessStale:       1,
	FreshnessRecorded:    2,
	FreshnessVerified:    3,
	FreshnessUnsupported: 4,
}

// CombineTrust combines trust states with upstream's priority: missing,
// then stale, then recorded, then verified, then unsupported. Unknown or
// empty states count as missing (fail closed); no states at all is missing.
func CombineTrust(states ...string) string {
	best, bestRank := FreshnessMissing, len(trustRank)
	for _, st := range states {
		r, ok := trustRank[st]
		if !ok {
			return FreshnessMissing
		}
		if r < bestRank {
			best, bestRank = st, r
		}
	}
	return best
}
