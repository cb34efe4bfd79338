package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/launchplane/launchplane/internal/authn"
	"github.com/launchplane/launchplane/internal/canonical"
	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// writeInput is what every POST route reads: credentials, an optional
// Idempotency-Key and the raw body, which the route decodes strictly itself.
type writeInput struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Replays the first response for the same caller, route and body; 409 for a different body"`
	RawBody        []byte `contentType:"application/json"`
}

// Accepted is the 202 write envelope.
type Accepted struct {
	Status          string            `json:"status"`
	TraceID         string            `json:"trace_id"`
	Records         map[string]string `json:"records"`
	Result          any               `json:"result,omitempty"`
	Replayed        bool              `json:"replayed,omitempty"`
	OriginalTraceID string            `json:"original_trace_id,omitempty"`
}

type acceptedOutput struct {
	Status int
	Body   Accepted
}

// recordKeys is the whitelist of durable identifiers a write may report
// (service.md §1.1); anything else a handler produced is dropped.
var recordKeys = map[string]bool{
	"deployment_record_id": true, "backup_gate_record_id": true, "backup_record_id": true,
	"release_tuple_id": true, "inventory_record_id": true, "preview_id": true,
	"authz_policy_record_id": true, "authz_policy_changed": true, "product_profile": true,
	"generation_id": true, "promotion_record_id": true, "target_id": true, "target_type": true,
	"image_reference": true, "artifact_id": true, "transition": true,
	"runtime_key_safety_policy_record_id": true,
}

// effect is a write's work inside the transaction: the durable ids and the
// result to report.
type effect func(ctx context.Context, tx store.Tx) (records map[string]string, result any, err error)

// accept runs a write for an authenticated identity. With an
// Idempotency-Key, the key is looked up in the same transaction as the
// write and its record is inserted there too, under a unique index: of
// concurrent duplicates exactly one commits its effect; the others fail on
// the index, roll their effect back, and retry into a replay.
// MaxIdempotencyKeyLength bounds Idempotency-Key (printable ASCII).
const MaxIdempotencyKeyLength = 255

func validIdempotencyKey(key string) bool {
	if len(key) > MaxIdempotencyKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

func (a *API) accept(ctx context.Context, route string, id authn.Identity, in *writeInput, run effect) (*acceptedOutput, error) {
	if key := strings.TrimSpace(in.IdempotencyKey); !validIdempotencyKey(key) {
		return nil, invalid(ctx, "Idempotency-Key must be at most %d printable ASCII characters without spaces.", MaxIdempotencyKeyLength)
	}
	out, err := a.acceptOnce(ctx, route, id, in, run)
	if errors.Is(err, store.ErrConflict) && strings.TrimSpace(in.IdempotencyKey) != "" {
		// A concurrent duplicate committed the same key first; this
		// attempt's effect rolled back with it. Retry to replay (or 409).
		out, err = a.acceptOnce(ctx, route, id, in, run)
	}
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	return out, nil
}

func (a *API) acceptOnce(ctx context.Context, route string, id authn.Identity, in *writeInput, run effect) (*acceptedOutput, error) {
	key := strings.TrimSpace(in.IdempotencyKey)
	var out *acceptedOutput
	err := a.deps.Store.Update(ctx, func(tx store.Tx) error {
		var fingerprint string
		if key != "" {
			var err error
			if fingerprint, err = requestFingerprint(ctx, in.RawBody); err != nil {
				return err
			}
			if out, err = findReplay(ctx, tx, route, id, key, fingerprint); err != nil || out != nil {
				return err
			}
		}
		records, result, err := run(ctx, tx)
		if err != nil {
			return err
		}
		body := Accepted{Status: "accepted", TraceID: TraceID(ctx), Records: whitelist(records), Result: result}
		out = &acceptedOutput{Status: http.StatusAccepted, Body: body}
		if key == "" {
			return nil
		}
		rec, err := a.idempotencyRecord(route, id, key, fingerprint, body)
		if err != nil {
			return err
		}
		return tx.IdempotencyPut(ctx, rec)
	})
	return out, err
}

// requestFingerprint hashes the canonical form of a request body, so
// formatting and key order do not make two equal bodies differ.
func requestFingerprint(ctx context.Context, raw []byte) (string, error) {
	norm, err := canonical.Normalize(raw)
	if err != nil {
		return "", invalid(ctx, "Request body is not valid JSON.")
	}
	return canonical.SHA256(norm), nil
}

// findReplay returns the stored response for (caller, route, key) rebuilt
// under this request's trace id, nil when there is none, or
// errIdempotencyReused when the stored request had another body.
func findReplay(ctx context.Context, r store.Reader, route string, id authn.Identity, key, fingerprint string) (*acceptedOutput, error) {
	prev, err := r.IdempotencyFind(ctx, idempotencyScope(id), route, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case prev.RequestFingerprint != fingerprint:
		return nil, errIdempotencyReused
	}
	return replay(ctx, prev)
}

// idempotencyRecord is the replayable form of a 202 response.
func (a *API) idempotencyRecord(route string, id authn.Identity, key, fingerprint string, body Accepted) (record.IdempotencyRecord, error) {
	payload, err := canonical.JSON(body)
	if err != nil {
		return record.IdempotencyRecord{}, err
	}
	return record.IdempotencyRecord{
		RecordID:           record.IdempotencyRecordID(body.TraceID),
		Scope:              idempotencyScope(id),
		RoutePath:          route,
		IdempotencyKey:     key,
		RequestFingerprint: fingerprint,
		ResponseStatusCode: http.StatusAccepted,
		ResponseTraceID:    body.TraceID,
		RecordedAt:         record.FormatTime(a.deps.Now()),
		ResponsePayload:    payload,
	}, nil
}

// replay rebuilds a stored response under this request's trace id.
func replay(ctx context.Context, prev record.IdempotencyRecord) (*acceptedOutput, error) {
	var body Accepted
	if err := json.Unmarshal(prev.ResponsePayload, &body); err != nil {
		return nil, err
	}
	body.OriginalTraceID = body.TraceID
	body.TraceID = TraceID(ctx)
	body.Replayed = true
	return &acceptedOutput{Status: prev.ResponseStatusCode, Body: body}, nil
}

func whitelist(records map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range records {
		if recordKeys[k] && v != "" {
			out[k] = v
		}
	}
	return out
}

// decodeEnvelope strictly decodes a request envelope, reporting problems
// with the envelope's field paths.
func decodeEnvelope(ctx context.Context, raw []byte, v any) error {
	if len(raw) == 0 {
		return invalid(ctx, "Request body is required.")
	}
	if err := record.DecodeStrict("request", raw, v); err != nil {
		return err
	}
	return nil
}

// nested prefixes a record's validation problems with its envelope field.
func nested(field string, err error) error {
	var ve *record.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &record.ValidationError{Record: ve.Record, Problems: make([]record.FieldProblem, len(ve.Problems))}
	for i, p := range ve.Problems {
		out.Problems[i] = record.FieldProblem{Field: field + "." + p.Field, Message: p.Message}
		if p.Public != "" {
			out.Problems[i].Public = field + "." + p.Public
		}
	}
	return out
}
