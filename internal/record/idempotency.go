package record

import (
	"encoding/json"

	"github.com/launchplane/launchplane/internal/canonical"
)

// IdempotencyRecord remembers the response to one write request made with an
// Idempotency-Key, so a retry replays it instead of acting twice.
type IdempotencyRecord struct {
	RecordID           string          `json:"record_id"`
	Scope              string          `json:"scope"`
	RoutePath          string          `json:"route_path"`
	IdempotencyKey     string          `json:"idempotency_key"`
	RequestFingerprint string          `json:"request_fingerprint"`
	ResponseStatusCode int             `json:"response_status_code"`
	ResponseTraceID    string          `json:"response_trace_id"`
	RecordedAt         string          `json:"recorded_at"`
	ResponsePayload    json.RawMessage `json:"response_payload"`
}

// DecodeIdempotencyRecord strictly decodes and validates an idempotency record.
func DecodeIdempotencyRecord(data []byte) (IdempotencyRecord, error) {
	return decode[IdempotencyRecord](data, true)
}

func (*IdempotencyRecord) kind() string { return "idempotency record" }

func (r *IdempotencyRecord) setDefaults() { *r = IdempotencyRecord{} }

// IdempotencyRecordID is upstream's id: idempotency-<response trace id>.
func IdempotencyRecordID(traceID string) string { return "idempotency-" + traceID }

// Validate normalizes r in place and checks every invariant.
func (r *IdempotencyRecord) Validate() error {
	c := newChecker("idempotency record")
	c.required("record_id", &r.RecordID)
	c.required("scope", &r.Scope)
	c.required("route_path", &r.RoutePath)
	c.required("idempotency_key", &r.IdempotencyKey)
	c.required("request_fingerprint", &r.RequestFingerprint)
	if r.ResponseStatusCode < 100 || r.ResponseStatusCode > 599 {
		c.add("response_status_code", "must be an HTTP status (got %d)", r.ResponseStatusCode)
	}
	c.required("response_trace_id", &r.ResponseTraceID)
	c.timestamp("recorded_at", &r.RecordedAt, true)
	if norm, err := canonical.Normalize(r.ResponsePayload); err != nil || norm[0] != '{' {
		c.add("response_payload", "must be a JSON object")
	} else {
		// Canonical, so the payload reads back the same from either engine.
		r.ResponsePayload = norm
	}
	return c.err()
}
